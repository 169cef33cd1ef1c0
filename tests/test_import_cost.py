"""What the recommend path imports: not scikit-learn (#12, the first recommendation under 0.5 s).

The registry declares its estimators by dotted name and imports a class only when an
estimator or pipeline is built, so reading the registry, validating and canonicalizing a
configuration, and a recommendation from a KB whose caches are warm never import
scikit-learn (2-3 s of CPU on a fresh process). Each check runs a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from metalearn import space
from metalearn.exceptions import InvalidParamsError
from metalearn.kb import KnowledgeBase, RunInput

QUERY = {"MinorityClassPercentage": 6.0, "NumberOfInstances": 800.0, "NumberOfFeatures": 12.0,
         "NumberOfClasses": 2.0}

RECOMMEND = r"""
import json, sys
import metalearn
recs = metalearn.recommend(meta_features=json.loads(sys.argv[2]), task="binary", metric="balanced_accuracy",
                           kb=sys.argv[1], top=3)
print(json.dumps({"algorithms": [r.algorithm for r in recs],
                  "sklearn": sorted(m for m in sys.modules if m == "sklearn" or m.startswith("sklearn."))[:5]}))
"""

REGISTRY = r"""
import json, sys
from metalearn import space
from metalearn.exceptions import InvalidParamsError
from metalearn.space.canonical import canonical_config
space.validate_params("SVC", {"C": 2, "kernel": "poly"})
canonical_config("RandomForestClassifier", {"n_estimators": 100.0, "criterion": "gini"})
space.default_portfolio("binary", 5)
[space.get_algorithm(name).estimator for name in space.ALGORITHMS]
print(json.dumps(sorted(m for m in sys.modules if m == "sklearn" or m.startswith("sklearn."))[:5]))
"""


def _fresh(code: str, *args: str):
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _kb(path) -> None:
    """16 binary datasets where class imbalance decides between GaussianNB and a random forest."""
    configs = (("GaussianNB", {}), ("RandomForestClassifier", {"n_estimators": 50}),
               ("LogisticRegression", {"C": 1.0}), ("KNeighborsClassifier", {"n_neighbors": 7}),
               ("DecisionTreeClassifier", {"max_depth": 4}), ("SVC", {"C": 3.0}))
    rng = np.random.default_rng(0)
    with KnowledgeBase.open(path, create="empty") as kb:
        ids = [kb.add_configuration(name, params).configuration_id for name, params in configs]
        runs = []
        for i in range(16):
            dataset = kb.add_dataset(f"toy{i}", task_type="binary", source=f"test:toy{i}")
            imbalanced = i % 2 == 0
            kb.add_meta_features(dataset.dataset_id, {
                "MinorityClassPercentage": rng.uniform(2, 10) if imbalanced else rng.uniform(35, 50),
                "NumberOfInstances": float(rng.integers(200, 5000)),
                "NumberOfFeatures": float(rng.integers(5, 50)), "NumberOfClasses": 2.0}, "metalearn test")
            scores = rng.uniform(0.6, 0.7, size=len(configs))
            scores[0 if imbalanced else 1] = 0.9
            runs += [RunInput(dataset.dataset_id, c, "balanced_accuracy", float(s), "5-fold CV")
                     for c, s in zip(ids, scores)]
        kb.add_runs(runs)


def test_a_recommendation_with_warm_caches_does_not_import_sklearn(tmp_path):
    path = tmp_path / "kb.sqlite"
    _kb(path)
    first = _fresh(RECOMMEND, str(path), json.dumps(QUERY))  # fits and stores the forest (imports scikit-learn)
    second = _fresh(RECOMMEND, str(path), json.dumps(QUERY))
    assert second["algorithms"] == first["algorithms"] and second["algorithms"][0] == "GaussianNB"
    assert second["sklearn"] == [], f"the recommend path imported {second['sklearn']}"


def test_the_registry_validates_and_canonicalizes_without_sklearn():
    assert _fresh(REGISTRY) == []


def test_the_registry_resolves_only_its_declared_scikit_learn_classes():
    spec = space.get_algorithm("PassiveAggressiveClassifier")
    assert spec.estimator == "sklearn.linear_model.SGDClassifier"  # the equivalent scikit-learn 1.8 names
    for name, spec in space.ALGORITHMS.items():
        assert spec.estimator.startswith("sklearn.") and isinstance(spec.estimator_class, type), name
    rogue = space.AlgorithmSpec("System", "classification", "os.system", (), "scale")
    with pytest.raises(InvalidParamsError, match="'os.system' is not a scikit-learn class name"):
        rogue.make_estimator()
