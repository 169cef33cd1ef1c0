"""Greedy ensemble selection on real out-of-fold predictions, and the prefit Voting* assembly."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict

from metalearn.ensemble import fast_metric, score_predictions, select_ensemble, voting_ensemble
from metalearn.exceptions import MetaLearnError, SearchError
from metalearn.space import make_pipeline

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"

CLASSIFIERS = [("KNeighborsClassifier", {"n_neighbors": 15}), ("DecisionTreeClassifier", {"max_depth": 2}),
               ("LogisticRegression", {"C": 0.01}), ("GaussianNB", {}), ("RandomForestClassifier", {"n_estimators": 10})]
REGRESSORS = [("KNeighborsRegressor", {"n_neighbors": 10}), ("DecisionTreeRegressor", {"max_depth": 2}),
              ("Ridge", {"alpha": 10.0})]


def _oof(name, target, specs, cv, method):
    df = pd.read_csv(EXAMPLES / name)
    X, y = df.drop(columns=target), df[target]
    pipes = [make_pipeline(a, p, X, random_state=0) for a, p in specs]
    preds = [cross_val_predict(p, X, y, cv=cv, method=method) for p in pipes]
    return X, y, pipes, preds


@pytest.fixture(scope="module")
def wine():
    return _oof("wine.csv", "cultivar", CLASSIFIERS, StratifiedKFold(5, shuffle=True, random_state=0), "predict_proba")


@pytest.fixture(scope="module")
def diabetes():
    return _oof("diabetes.csv", "progression", REGRESSORS, KFold(5, shuffle=True, random_state=0), "predict")


@pytest.mark.parametrize("metric", ["balanced_accuracy", "neg_log_loss", "roc_auc_ovr", "accuracy"])
def test_classification_never_below_best_single(wine, metric):
    X, y, _, preds = wine
    classes = np.sort(y.unique())
    sel = select_ensemble(preds, y, metric, task="multiclass", classes=classes, rounds=25)
    singles = [score_predictions(p, y, metric, task="multiclass", classes=classes) for p in preds]
    assert sel.best_single_score == pytest.approx(max(singles))
    assert sel.best_single == int(np.argmax(singles))
    assert sel.score >= sel.best_single_score - 1e-12
    assert sum(sel.weights) == pytest.approx(1.0)
    assert all(w > 0 for w in sel.weights) and list(sel.members) == sorted(set(sel.members))
    # the reported score is the weighted average's score
    avg = sum(w * preds[m] for m, w in zip(sel.members, sel.weights))
    assert score_predictions(avg, y, metric, task="multiclass", classes=classes) == pytest.approx(sel.score)


def test_log_loss_is_improved_by_mixing(wine):
    # lower log loss is better; neg_log_loss is higher-is-better and a mix of the
    # calibrated models beats the best of them on its own out-of-fold data
    X, y, _, preds = wine
    classes = np.sort(y.unique())
    sel = select_ensemble(preds, y, "neg_log_loss", task="multiclass", classes=classes)
    assert sel.score < 0 and sel.score > sel.best_single_score
    assert len(sel.members) >= 2 and sel.improves and sel.to_dict()["improves"] is True


def test_regression(diabetes):
    X, y, _, preds = diabetes
    for metric in ("r2", "neg_mean_squared_error", "neg_mean_absolute_error"):
        sel = select_ensemble(preds, y, metric, task="regression", rounds=30)
        assert sel.score >= sel.best_single_score - 1e-12
        assert sum(sel.weights) == pytest.approx(1.0)
    avg = sum(w * preds[m] for m, w in zip(sel.members, sel.weights))
    assert score_predictions(avg, y, "neg_mean_absolute_error", task="regression") == pytest.approx(sel.score)


def test_failed_members_are_skipped(wine):
    X, y, _, preds = wine
    classes = np.sort(y.unique())
    bad = preds[0].copy()
    bad[3, 1] = np.nan
    cands = [None, bad, preds[2][:-1], *preds[1:]]
    sel = select_ensemble(cands, y, "balanced_accuracy", task="multiclass", classes=classes, rounds=10)
    assert sel.skipped == (0, 1, 2)
    assert not set(sel.members) & {0, 1, 2}
    with pytest.raises(SearchError, match="no trial has usable"):
        select_ensemble([None, bad], y, "balanced_accuracy", task="multiclass", classes=classes)


def test_text_label_predictions_are_skipped_not_a_crash(wine):
    # a member without predict_proba keeps its predicted labels; with text classes ("A".."Z", the letter
    # benchmark set) they cannot be read as probabilities: the member is skipped, the search goes on
    X, y, _, preds = wine
    classes = np.sort(y.unique())
    labels = np.array([f"class-{v}" for v in y], dtype=object)
    sel = select_ensemble([labels, *preds], y, "balanced_accuracy", task="multiclass", classes=classes, rounds=5)
    assert sel.skipped == (0,) and 0 not in sel.members


def test_ties_are_deterministic(diabetes):
    X, y, _, preds = diabetes
    dup = [preds[2], preds[0], preds[2].copy(), preds[0].copy()]
    a = select_ensemble(dup, y, "r2", task="regression", rounds=20)
    b = select_ensemble(dup, y, "r2", task="regression", rounds=20)
    assert a == b
    if len(a.members) == 1:
        assert not a.improves
    assert set(a.members) <= {0, 1}  # among equal candidates the lowest index wins


def test_bad_arguments(wine):
    X, y, _, preds = wine
    with pytest.raises(MetaLearnError, match="not a scikit-learn scorer"):
        select_ensemble(preds, y, "accuracyy", task="multiclass", classes=np.sort(y.unique()))
    with pytest.raises(SearchError, match="rounds=0"):
        select_ensemble(preds, y, "accuracy", task="multiclass", classes=np.sort(y.unique()), rounds=0)
    with pytest.raises(SearchError, match="classes="):
        select_ensemble(preds, y, "accuracy", task="multiclass")


def test_voting_classifier_is_the_weighted_average(wine):
    X, y, pipes, _ = wine
    fitted = [p.fit(X, y) for p in pipes[:3]]
    weights = [0.5, 0.3, 0.2]
    model = voting_ensemble(fitted, weights, task="multiclass")
    manual = sum(w * p.predict_proba(X) for p, w in zip(fitted, weights))
    np.testing.assert_allclose(model.predict_proba(X), manual)
    np.testing.assert_array_equal(model.predict(X), fitted[0].classes_[np.argmax(manual, axis=1)])
    np.testing.assert_array_equal(model.classes_, fitted[0].classes_)
    assert list(model.feature_names_in_) == list(X.columns)
    assert type(model).__module__.startswith("sklearn.")
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(again.predict_proba(X), manual)


def test_voting_classifier_with_string_labels():
    df = pd.read_csv(EXAMPLES / "penguins.csv")
    X, y = df.drop(columns="species"), df["species"]
    fitted = [make_pipeline(a, p, X, random_state=0).fit(X, y) for a, p in CLASSIFIERS[:2]]
    model = voting_ensemble(fitted, [0.25, 0.75], task="multiclass")
    manual = 0.25 * fitted[0].predict_proba(X) + 0.75 * fitted[1].predict_proba(X)
    np.testing.assert_array_equal(model.predict(X), fitted[0].classes_[np.argmax(manual, axis=1)])
    assert set(model.predict(X)) <= set(y)


def test_voting_regressor_is_the_weighted_mean(diabetes):
    X, y, pipes, _ = diabetes
    fitted = [p.fit(X, y) for p in pipes]
    weights = [0.2, 0.2, 0.6]
    model = voting_ensemble(fitted, weights, task="regression")
    manual = sum(w * p.predict(X) for p, w in zip(fitted, weights))
    np.testing.assert_allclose(model.predict(X), manual)
    with pytest.raises(SearchError, match="one weight per member"):
        voting_ensemble(fitted, [1.0], task="regression")


@pytest.mark.parametrize("metric", ["accuracy", "balanced_accuracy", "neg_log_loss"])
def test_fast_metrics_equal_the_scorers_classification(wine, metric):
    X, y, _, preds = wine
    classes = np.sort(y.unique())
    fast = fast_metric(metric, y, task="multiclass", classes=classes)
    for p in [*preds, np.clip(preds[0] * 0 + np.eye(3)[np.zeros(len(y), int)], 0, 1)]:
        assert fast(p) == pytest.approx(score_predictions(p, y, metric, task="multiclass", classes=classes), abs=1e-12)
    # a class the out-of-fold data never predicts, labels that are strings
    ys = np.where(y == classes[0], "a", np.where(y == classes[1], "b", "c"))
    fast = fast_metric(metric, ys, task="multiclass", classes=["a", "b", "c"])
    assert fast(preds[1]) == pytest.approx(score_predictions(preds[1], ys, metric, task="multiclass",
                                                             classes=["a", "b", "c"]), abs=1e-12)


@pytest.mark.parametrize("metric", ["r2", "neg_mean_squared_error", "neg_root_mean_squared_error",
                                    "neg_mean_absolute_error"])
def test_fast_metrics_equal_the_scorers_regression(diabetes, metric):
    X, y, _, preds = diabetes
    fast = fast_metric(metric, y, task="regression")
    for p in preds:
        assert fast(p) == pytest.approx(score_predictions(p, y, metric, task="regression"), rel=1e-12)
    assert fast_metric("roc_auc", y, task="regression") is None


def test_fast_binary_roc_auc_equals_the_scorer():
    df = pd.read_csv(EXAMPLES / "kr-vs-kp.csv").sample(600, random_state=0)
    X, y = df.drop(columns="class"), df["class"]
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    classes = np.sort(y.unique())
    fast = fast_metric("roc_auc", y, task="binary", classes=classes)
    for algorithm, params in [("DecisionTreeClassifier", {"max_depth": 3}), ("GaussianNB", {})]:
        p = cross_val_predict(make_pipeline(algorithm, params, X, random_state=0), X, y, cv=cv, method="predict_proba")
        assert fast(p) == pytest.approx(score_predictions(p, y, "roc_auc", task="binary", classes=classes), abs=1e-12)
