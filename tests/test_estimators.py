"""MetaLearnClassifier / MetaLearnRegressor: scikit-learn compatible estimators over the search."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris
from sklearn.model_selection import cross_val_score
from sklearn.utils.estimator_checks import check_estimator

from metalearn.estimators import MetaLearnClassifier, MetaLearnRegressor
from metalearn.kb import KnowledgeBase

# Every check of check_estimator passes; none is expected to fail. What check_estimator skips, and why:
# * check_array_api_input / check_array_api_*: sklearn skips them unless SCIPY_ARRAY_API=1 (and our
#   search runs numpy/pandas pipelines in worker processes, so array-API inputs are not supported);
# * the sample_weight checks are not generated: fit takes no sample_weight (the search's CV scorers
#   are unweighted, so weights could not be honoured consistently).
EXPECTED_FAILED: dict[str, str] = {}


def _small(cls, tmp_path, **kw):
    params = dict(n_trials=1, warm_start=False, write_back=False, kb=str(tmp_path / "kb.sqlite"), cv=2,
                  random_state=0, trial_timeout=60)
    params.update(kw)
    return cls(**params)


@pytest.mark.parametrize(
    "cls, algorithms",
    [(MetaLearnClassifier, ("LogisticRegression",)), (MetaLearnRegressor, ("Ridge",))],
)
def test_check_estimator(cls, algorithms, tmp_path):
    est = _small(cls, tmp_path, algorithms=algorithms)
    check_estimator(est, expected_failed_checks=EXPECTED_FAILED)


def test_classifier_fits_predicts_and_writes_back(tmp_path):
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = MetaLearnClassifier(n_trials=3, warm_start=False, kb=str(tmp_path / "kb.sqlite"), cv=3, random_state=0,
                              algorithms=("GaussianNB", "LogisticRegression", "KNeighborsClassifier"))
    clf.fit(X, names)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert set(clf.predict(X)) <= set(clf.classes_)
    assert clf.score(X, names) > 0.85
    proba = clf.predict_proba(X[:4])
    assert proba.shape == (4, 3) and np.allclose(proba.sum(axis=1), 1)
    assert clf.best_algorithm_ in ("GaussianNB", "LogisticRegression", "KNeighborsClassifier")
    assert len(clf.search_result_.trials) == 3
    with KnowledgeBase.open(tmp_path / "kb.sqlite", create=False) as kb:
        assert len(kb.runs_frame(dataset_ids=[clf.search_result_.kb_dataset_id], status=None)) == 3


def test_estimators_clone_and_cross_validate(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    reg = _small(MetaLearnRegressor, tmp_path, algorithms=("Ridge",), cv=3)
    scores = cross_val_score(clone(reg), X, y, cv=2)
    assert np.all(scores > 0.3)
