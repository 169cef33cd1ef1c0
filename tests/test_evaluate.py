"""Safe evaluation: CV protocols, scorers, and failures that never stop the caller."""

from __future__ import annotations

import math
import os
import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits, load_iris

from metalearn import evaluate as ev
from metalearn.exceptions import EvaluationError, MetaLearnError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True, as_frame=True)


def _ok(iris):
    X, y = iris
    result = ev.evaluate("LogisticRegression", {"C": 1.0}, X, y, task="multiclass", timeout=60)
    assert result.status == "ok", result.error
    return result


def test_worker_result_equals_in_process_result(iris):
    X, y = iris
    result = _ok(iris)
    assert result.protocol == "5-fold CV" and len(result.fold_scores) == 5
    assert result.score == pytest.approx(np.mean(result.fold_scores)) and 0.9 < result.score <= 1.0
    assert result.error is None and result.fit_time > 0
    local = ev.evaluate("LogisticRegression", {"C": 1.0}, X, y, task="multiclass", in_process=True)
    assert local.fold_scores == result.fold_scores  # same folds, same model, same scores


def test_failing_configuration_is_recorded_and_the_next_one_runs(iris):
    X, y = iris
    # scikit-learn rejects this combination in fit
    result = ev.evaluate("LinearSVC", {"penalty": "l1", "loss": "hinge"}, X, y, task="multiclass")
    assert result.status == "failed" and np.isnan(result.score) and result.fold_scores == ()
    assert result.error.startswith("ValueError:") and "\n" not in result.error
    _ok(iris)


def test_hanging_configuration_times_out_and_the_next_one_runs(iris):
    X, y = load_digits(return_X_y=True)
    start = time.perf_counter()
    result = ev.evaluate(
        "GradientBoostingClassifier", {"n_estimators": 5000, "max_depth": 8}, X, y, task="multiclass", timeout=1.5
    )
    assert result.status == "timeout" and "1.5 s timeout" in result.error
    assert time.perf_counter() - start < 10
    outcome = ev.run_in_worker(lambda: time.sleep(3600), timeout=0.5)
    assert outcome.status == "timeout" and outcome.elapsed < 5
    _ok(iris)


def test_memory_hungry_configuration_is_a_memout_and_the_next_one_runs(iris):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20000, 3))  # a Gaussian process needs a 16000 x 16000 kernel per fold: ~2 GB
    y = X @ np.array([1.0, -2.0, 0.5])
    result = ev.evaluate("GaussianProcessRegressor", {}, X, y, task="regression", memory_limit_mb=300, timeout=60)
    assert result.status == "memout", result
    assert "MemoryError" in result.error
    outcome = ev.run_in_worker(lambda: np.ones(2 * 10**9), memory_limit_mb=200)
    assert outcome.status == "memout"
    _ok(iris)


def test_crashing_worker_is_a_failure():
    outcome = ev.run_in_worker(lambda: os.kill(os.getpid(), signal.SIGSEGV), timeout=30)
    assert outcome.status == "failed" and "SIGSEGV" in outcome.error
    outcome = ev.run_in_worker(lambda: os._exit(3), timeout=30)
    assert outcome.status == "failed" and "code 3" in outcome.error
    assert ev.run_in_worker(lambda: "fine").value == "fine"


def test_metrics_defaults_and_errors(iris):
    X, y = iris
    assert ev.default_metric("binary") == "balanced_accuracy" and ev.default_metric("regression") == "r2"
    with pytest.raises(EvaluationError, match=r"unknown metric 'acc': did you mean .*get_scorer_names") as info:
        ev.evaluate("GaussianNB", {}, X, y, task="multiclass", metric="acc")
    assert isinstance(info.value, MetaLearnError) and "\n" not in str(info.value)
    with pytest.raises(EvaluationError, match="'r2' is a regression metric but the task is multiclass"):
        ev.evaluate("GaussianNB", {}, X, y, task="multiclass", metric="r2")
    with pytest.raises(EvaluationError, match="is a regression algorithm"):
        ev.evaluate("Ridge", {}, X, y, task="multiclass")
    with pytest.raises(EvaluationError, match="cv = 1"):
        ev.evaluate("GaussianNB", {}, X, y, task="multiclass", cv=1)
    result = ev.evaluate("GaussianNB", {}, X, y, task="multiclass", metric="f1_macro", cv=3, in_process=True)
    assert result.status == "ok" and result.protocol == "3-fold CV"


def test_rare_classes_reduce_folds_and_large_data_uses_a_holdout(iris):
    X, y = iris
    keep = np.r_[0:100, 100:103]  # class 2 has 3 rows only
    result = ev.evaluate("GaussianNB", {}, X.iloc[keep], y.iloc[keep], task="multiclass", in_process=True)
    assert result.status == "ok" and result.protocol == "3-fold CV"
    assert result.notes == ("3 folds instead of 5: the smallest class has 3 rows",)
    singleton = np.r_[0:100, 100]
    result = ev.evaluate("GaussianNB", {}, X.iloc[singleton], y.iloc[singleton], task="multiclass", in_process=True)
    assert result.protocol == "5-fold CV (unstratified)" and result.status == "ok"
    result = ev.evaluate("GaussianNB", {}, X, y, task="multiclass", holdout_threshold=100, in_process=True)
    assert result.protocol == "holdout 20%" and len(result.fold_scores) == 1


def test_regression_on_real_data_with_categoricals_and_fit_final():
    frame = pd.read_csv(ROOT / "data" / "examples" / "cpu.csv")
    y = frame.pop("class")
    frame["vendor"] = frame["vendor"].astype("category")
    result = ev.evaluate("HistGradientBoostingRegressor", {"max_iter": 50}, frame, y, task="regression", timeout=60)
    assert result.status == "ok" and result.protocol == "5-fold CV" and 0.5 < result.score <= 1.0
    model = ev.fit_final("Ridge", {"alpha": 1.0}, frame, y, random_state=0)
    assert model.predict(frame.iloc[:3]).shape == (3,)


def test_integer_class_labels_in_a_categorical_target_are_evaluated():
    """Loaded datasets with integer class labels (wine's cultivar 0/1/2) have a categorical target."""
    from pathlib import Path

    from metalearn.data import load_dataset

    ds = load_dataset(Path(__file__).resolve().parents[1] / "data" / "examples" / "wine.csv", target="cultivar")
    assert ds.y.cat.categories.dtype.kind == "i"
    res = ev.evaluate("GaussianNB", {}, ds.X, ds.y, task=ds.task, metric="balanced_accuracy", cv=3)
    assert res.status == "ok", res.error
    assert res.score > 0.9


def test_several_metrics_from_one_fit_and_out_of_fold_predictions(iris):
    """metrics= scores the same fitted fold models; keep_predictions returns what each fold model predicted."""
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, log_loss
    from sklearn.naive_bayes import GaussianNB

    X, y = iris
    extra = ["accuracy", "f1_macro", "roc_auc_ovr", "neg_log_loss"]
    r = ev.evaluate("GaussianNB", {}, X, y, task="multiclass", metrics=extra, keep_predictions=True, timeout=60)
    assert r.status == "ok" and set(r.scores) == {"balanced_accuracy", *extra}
    assert r.scores["balanced_accuracy"] == pytest.approx(r.score)
    assert r.classes == (0, 1, 2) and r.oof.shape == (150, 3)
    np.testing.assert_allclose(r.oof.sum(axis=1), 1.0)
    # the same folds fitted by hand give the same out-of-fold probabilities and fold scores
    plan = ev.protocol_for(y, "multiclass", 5)
    assert plan.protocol == r.protocol == "5-fold CV" and len(plan.splits) == 5
    by_hand = np.zeros((150, 3))
    acc, bal, ll = [], [], []
    for train, test in plan.splits:
        proba = GaussianNB().fit(X.iloc[train], y.iloc[train]).predict_proba(X.iloc[test])
        by_hand[test] = proba
        acc.append(accuracy_score(y.iloc[test], proba.argmax(1)))
        bal.append(balanced_accuracy_score(y.iloc[test], proba.argmax(1)))
        ll.append(-log_loss(y.iloc[test], proba, labels=[0, 1, 2]))
    np.testing.assert_allclose(r.oof, by_hand, rtol=1e-6, atol=1e-9)
    assert r.scores["accuracy"] == pytest.approx(np.mean(acc))
    assert r.score == pytest.approx(np.mean(bal)) and r.scores["neg_log_loss"] == pytest.approx(np.mean(ll))
    # backward compatible: no extra metrics, no predictions
    plain = ev.evaluate("GaussianNB", {}, X, y, task="multiclass", in_process=True)
    assert plain.oof is None and plain.classes is None and set(plain.scores) == {"balanced_accuracy"}
    assert plain.fold_scores == r.fold_scores


def test_an_extra_metric_that_does_not_apply_is_nan_and_the_run_stays_ok(iris):
    X, y = iris
    # SVC without probability=True has no predict_proba: log loss cannot be computed, the main metric can
    r = ev.evaluate("SVC", {}, X, y, task="multiclass", metrics=["neg_log_loss"],
                    keep_predictions=True, in_process=True)
    assert r.status == "ok" and math.isnan(r.scores["neg_log_loss"]) and r.score > 0.9
    assert r.oof.shape == (150,) and set(np.unique(r.oof)) == {0, 1, 2}  # predict, not probabilities
    with pytest.raises(EvaluationError, match="'r2' is a regression metric"):
        ev.evaluate("GaussianNB", {}, X, y, task="multiclass", metrics=["r2"])
    with pytest.raises(EvaluationError, match="give a list of scorer names"):
        ev.evaluate("GaussianNB", {}, X, y, task="multiclass", metrics="accuracy")


def test_regression_metrics_and_protocol_for_errors():
    frame = pd.read_csv(ROOT / "data" / "examples" / "cpu.csv")
    y = frame.pop("class")
    metrics = ["neg_root_mean_squared_error", "neg_mean_absolute_error"]
    r = ev.evaluate("Ridge", {}, frame.select_dtypes("number"), y, task="regression", metrics=metrics,
                    keep_predictions=True, in_process=True)
    assert r.status == "ok" and r.scores["neg_root_mean_squared_error"] < 0 and r.oof.shape == (len(y),)
    assert r.classes is None
    with pytest.raises(EvaluationError, match="task 'ranking' is not one of"):
        ev.protocol_for(y, "ranking")
    with pytest.raises(EvaluationError, match="cv = 1"):
        ev.protocol_for(y, "regression", 1)


# --------------------------------------------------------------------------
# Partial evaluations (multi-fidelity rungs): folds=, max_rows=, merge_folds
# --------------------------------------------------------------------------
def _titanic():
    from metalearn.data import load_dataset

    dataset = load_dataset(ROOT / "data" / "examples" / "titanic.csv")
    return dataset


def test_partial_folds_equal_the_matching_folds_of_a_full_evaluation():
    ds = _titanic()
    kwargs = dict(task=ds.task, metric="balanced_accuracy", metrics=["accuracy"], keep_predictions=True, random_state=3)
    full = ev.evaluate("LogisticRegression", {"C": 0.5}, ds.X, ds.y, **kwargs)
    first = ev.evaluate("LogisticRegression", {"C": 0.5}, ds.X, ds.y, folds=(0,), **kwargs)
    rest = ev.evaluate("LogisticRegression", {"C": 0.5}, ds.X, ds.y, folds=[4, 2, 1, 3], **kwargs)
    assert full.ok and first.ok and rest.ok
    assert first.fold_scores == full.fold_scores[:1] and rest.fold_scores == full.fold_scores[1:]
    assert first.protocol == "5-fold CV, fold 1 of 5" and first.folds == (0,) and first.n_folds == 5
    assert rest.protocol == "5-fold CV, folds 2,3,4,5 of 5" and rest.folds == (1, 2, 3, 4)
    # the first fold's oof rows only: exactly its test rows, equal to the full evaluation's there
    test_rows = ev.protocol_for(ds.y, ds.task, 5, random_state=3).splits[0][1]
    filled = ~np.isnan(first.oof).all(axis=1)
    assert sorted(np.flatnonzero(filled)) == sorted(test_rows)
    np.testing.assert_array_equal(first.oof[filled], full.oof[filled])
    merged = ev.merge_folds(first, rest)
    assert merged.protocol == full.protocol == "5-fold CV" and merged.folds is None
    assert merged.fold_scores == full.fold_scores and merged.score == full.score
    np.testing.assert_array_equal(merged.oof, full.oof)
    assert merged.scores["accuracy"] == pytest.approx(full.scores["accuracy"], abs=1e-12)
    assert merged.fit_time == pytest.approx(first.fit_time + rest.fit_time)
    partial = ev.merge_folds(first, ev.evaluate("LogisticRegression", {"C": 0.5}, ds.X, ds.y, folds=(2,), **kwargs))
    assert partial.protocol == "5-fold CV, folds 1,3 of 5" and partial.fold_scores == (full.fold_scores[0], full.fold_scores[2])


def test_merge_folds_refuses_overlapping_or_foreign_parts(iris):
    X, y = iris
    a = ev.evaluate("GaussianNB", {}, X, y, task="multiclass", folds=(0, 1), in_process=True)
    b = ev.evaluate("GaussianNB", {}, X, y, task="multiclass", folds=(1,), in_process=True)
    with pytest.raises(EvaluationError, match="fold 2 is in two"):
        ev.merge_folds(a, b)
    whole = ev.evaluate("GaussianNB", {}, X, y, task="multiclass", in_process=True)
    with pytest.raises(EvaluationError, match="folds=..."):
        ev.merge_folds(a, whole)
    other_cv = ev.evaluate("GaussianNB", {}, X, y, task="multiclass", cv=3, folds=(2,), in_process=True)
    with pytest.raises(EvaluationError, match="same cv"):
        ev.merge_folds(a, other_cv)
    failed = ev.evaluate("LinearSVC", {"penalty": "l1", "loss": "hinge"}, X, y, task="multiclass", folds=(2,))
    assert ev.merge_folds(a, failed).status == "failed"  # a part that did not finish is the merge


@pytest.mark.parametrize("folds, message", [((5,), "0 to 4"), ((), "non-empty"), ("0", "sequence"), ((0, 0), "distinct"),
                                            ((True,), "integer")])
def test_bad_folds_name_the_parameter_and_the_range(iris, folds, message):
    X, y = iris
    with pytest.raises(EvaluationError, match=message) as info:
        ev.evaluate("GaussianNB", {}, X, y, task="multiclass", folds=folds, in_process=True)
    assert str(info.value).startswith("folds = ")


def test_max_rows_evaluates_a_seeded_stratified_sample_and_says_so():
    ds = _titanic()
    n = len(ds.y)
    sample = ev.subsample_indices(ds.y, ds.task, 300, random_state=0)
    assert len(sample) == 300 and list(sample) == sorted(set(sample))
    share = pd.Series(np.asarray(ds.y)).value_counts(normalize=True)
    sampled = pd.Series(np.asarray(ds.y)[sample]).value_counts(normalize=True)
    assert (share - sampled).abs().max() < 0.01  # stratified
    np.testing.assert_array_equal(sample, ev.subsample_indices(ds.y, ds.task, 300, random_state=0))  # seeded
    assert not np.array_equal(sample, ev.subsample_indices(ds.y, ds.task, 300, random_state=1))
    r = ev.evaluate("GaussianNB", {}, ds.X, ds.y, task=ds.task, max_rows=300, folds=(0,), keep_predictions=True)
    assert r.ok and r.protocol == f"5-fold CV on a 300-row sample of {n}, fold 1 of 5"
    assert r.oof.shape[0] == n and (~np.isnan(r.oof).all(axis=1)).sum() == 60  # one fifth of the sample
    # the same as evaluating the sample itself
    direct = ev.evaluate("GaussianNB", {}, ds.X.iloc[sample], np.asarray(ds.y)[sample], task=ds.task, folds=(0,))
    assert direct.fold_scores == r.fold_scores
    # more rows asked than there are: the full evaluation, same protocol string
    assert ev.evaluate("GaussianNB", {}, ds.X, ds.y, task=ds.task, max_rows=10 * n).protocol == "5-fold CV"
    with pytest.raises(EvaluationError, match="max_rows = 1;"):
        ev.evaluate("GaussianNB", {}, ds.X, ds.y, task=ds.task, max_rows=1)
    reg = ev.subsample_indices(np.arange(50.0), "regression", 20, random_state=0)
    assert len(reg) == 20
