"""MetaLearnClassifier / MetaLearnRegressor: scikit-learn compatible estimators over the search."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
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
                              write_back=True, algorithms=("GaussianNB", "LogisticRegression", "KNeighborsClassifier"))
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


PENGUINS = Path(__file__).resolve().parents[1] / "data" / "examples" / "penguins.csv"


def test_classifier_takes_a_dataframe_with_strings_categoricals_and_missing_values(tmp_path):
    frame = pd.read_csv(PENGUINS)
    y = frame.pop("species")
    frame["island"] = frame["island"].astype("category")  # a pandas categorical, strings in "sex", NaNs in both
    assert frame.isna().any().any() and not pd.api.types.is_numeric_dtype(frame["sex"])  # strings
    clf = _small(MetaLearnClassifier, tmp_path, algorithms=("RandomForestClassifier",))
    clf.fit(frame, y)
    assert list(clf.feature_names_in_) == list(frame.columns) and clf.n_features_in_ == frame.shape[1]
    assert set(clf.classes_) == {"Adelie", "Chinstrap", "Gentoo"}
    assert clf.score(frame, y) > 0.9
    assert clf.predict_proba(frame.head(5)).shape == (5, 3)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame[list(reversed(frame.columns))])


def test_regressor_takes_a_dataframe_and_keeps_feature_names(tmp_path):
    frame = pd.read_csv(PENGUINS).dropna(subset=["body_mass_g"])
    y = frame.pop("body_mass_g")
    reg = _small(MetaLearnRegressor, tmp_path, algorithms=("Ridge",)).fit(frame, y)
    assert list(reg.feature_names_in_) == list(frame.columns)
    assert reg.score(frame, y) > 0.7


def test_cross_val_score_adds_no_dataset_to_the_kb(tmp_path):
    from metalearn.kb import create_kb

    kb_path = tmp_path / "kb.sqlite"
    create_kb(kb_path, from_seed=False)
    X, y = load_iris(return_X_y=True)
    clf = MetaLearnClassifier(n_trials=1, warm_start=False, kb=str(kb_path), cv=2, random_state=0,
                              algorithms=("GaussianNB",))  # write_back left at its default
    cross_val_score(clf, X, y, cv=3)
    with KnowledgeBase.open(kb_path, create=False) as kb:
        stats = kb.stats()
    assert stats.n_datasets == 0 and stats.n_runs == 0
