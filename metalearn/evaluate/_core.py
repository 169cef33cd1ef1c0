"""Scoring one configuration: cross-validation of the registry's pipeline, in the guarded worker."""

from __future__ import annotations

import math
import time
import warnings
from typing import Any, Mapping

import numpy as np

from metalearn import space
from metalearn.evaluate._protocol import DEFAULT_HOLDOUT_THRESHOLD, protocol_for, subsample_indices, take_rows
from metalearn.evaluate._result import EvaluationResult, fold_suffix, sample_suffix
from metalearn.evaluate._worker import WorkerOutcome, one_line, run_in_worker, status_of
from metalearn.exceptions import EvaluationError
from metalearn.tasks import check_metric, default_metric, task_family


def get_scorer(metric: str, task: str):
    """The scikit-learn scorer called ``metric``, checked against the task.

    The check is :func:`metalearn.tasks.check_metric` (raises
    :class:`~metalearn.exceptions.MetricError`, an :class:`EvaluationError`).

    >>> get_scorer("accuracy", "binary")
    make_scorer(accuracy_score, response_method='predict')
    >>> get_scorer("r2", "binary")
    Traceback (most recent call last):
    ...
    metalearn.exceptions.MetricError: metric 'r2' is a regression metric but the task is binary: use a classification scorer such as balanced_accuracy
    """
    from sklearn.metrics import get_scorer as sk_get_scorer

    return sk_get_scorer(check_metric(metric, task))


def _fold_predictions(model, X_test):
    if hasattr(model, "predict_proba"):
        try:
            return np.asarray(model.predict_proba(X_test), dtype=float)
        except (AttributeError, NotImplementedError):
            pass  # e.g. SVC(probability=False) exposes predict_proba but refuses it
    return np.asarray(model.predict(X_test))


def _cross_validate(name, params, X, y, splits, scorers, random_state, keep_predictions=False) -> tuple:
    """Fit every split in this process, score it with each scorer (the first is the main
    metric, which must be finite); return (fold scores per metric, oof, classes)."""
    folds: dict = {metric: [] for metric in scorers}
    main = next(iter(scorers))
    oof = classes = None
    for fold, (train, test) in enumerate(splits):
        model = space.make_pipeline(name, params, X, random_state=random_state)
        model.fit(take_rows(X, train), y[train])
        X_test = take_rows(X, test)
        for metric, scorer in scorers.items():
            try:
                score = float(scorer(model, X_test, y[test]))
            except Exception:  # noqa: BLE001 - an extra metric that does not apply is nan
                if metric == main:
                    raise
                score = float("nan")
            if metric == main and not math.isfinite(score):
                raise ValueError(f"fold {fold + 1} scored {score}")
            folds[metric].append(score)
        if keep_predictions:
            pred = _fold_predictions(model, X_test)
            if oof is None:
                shape = (len(y),) + pred.shape[1:]
                oof = np.full(shape, np.nan) if pred.dtype.kind in "fiub" else np.full(shape, None, dtype=object)
                classes = tuple(np.asarray(getattr(model, "classes_", ())).tolist()) or None
            oof[test] = pred
    return {metric: tuple(values) for metric, values in folds.items()}, oof, classes


def _mean(values) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if len(finite) == len(values) and finite else float("nan")


def evaluate(
    name: str,
    params: Mapping[str, Any] | None,
    X,
    y,
    *,
    task: str,
    metric: str | None = None,
    cv: int = 5,
    timeout: float | None = None,
    memory_limit_mb: int | None = None,
    random_state: int | None = 0,
    holdout_threshold: int = DEFAULT_HOLDOUT_THRESHOLD,
    in_process: bool = False,
    metrics: tuple[str, ...] | list[str] = (),
    keep_predictions: bool = False,
    folds: tuple[int, ...] | list[int] | None = None,
    max_rows: int | None = None,
) -> EvaluationResult:
    """Score one configuration by cross-validation, safely.

    Parameters
    ----------
    name, params
        Registry name and constructor parameters (validated first).
    X, y
        Features (DataFrame or array) and target.
    task : {"binary", "multiclass", "classification", "regression"}
    metric : str or None
        scikit-learn scorer name; default ``balanced_accuracy`` (classification) or ``r2``.
        It decides ``score``, ``fold_scores`` and ``status``.
    cv : int
        Number of folds (stratified and shuffled for classification). Fewer when the
        smallest class has fewer rows than folds (see ``notes``). The folds are
        :func:`protocol_for`'s.
    timeout : float or None
        Wall-clock seconds for the whole evaluation.
    memory_limit_mb : int or None
        Memory the worker may add to what it inherits, in MiB.
    random_state : int or None
        Seed of the folds and of the estimator.
    holdout_threshold : int
        Above this many rows, one stratified 80/20 holdout replaces k-fold CV.
    in_process : bool
        Run in this process, without timeout or memory cap (for debugging and tests).
    metrics : sequence of str
        Extra scorer names scored on the same fitted fold models (no extra fit), each
        checked against the task; their means are in ``result.scores`` beside the main
        metric's.
    keep_predictions : bool
        Return the out-of-fold predictions as ``result.oof`` (and ``result.classes``).
    folds : sequence of int or None
        Evaluate only these folds (0-based indices into :func:`protocol_for`'s split of
        the same ``y``, ``cv`` and ``random_state``): ``fold_scores``, ``score`` and the
        ``oof`` rows are those folds' only, each fold score equal to the full
        evaluation's, and the protocol says which (``"5-fold CV, fold 1 of 5"``).
        :func:`merge_folds` joins disjoint parts. None (default): every fold.
    max_rows : int or None
        Evaluate on a seeded subsample of this many rows (:func:`subsample_indices`,
        stratified by class) when ``X`` has more; the protocol says so
        (``"5-fold CV on a 10000-row sample of 48842"``), ``oof`` keeps one row per
        input row (nan outside the sample). None (default): every row.

    Returns
    -------
    EvaluationResult
        Never raises for a configuration that fails, hangs or runs out of memory.
        ``fit_time`` is the wall-clock seconds of all folds.

    Raises
    ------
    EvaluationError
        The evaluation cannot be set up (unknown metric, bad cv, too few rows).
    UnknownAlgorithmError, InvalidParamsError
        The configuration is not in the registry's space.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> r = evaluate("GaussianNB", {}, X, y, task="multiclass", metrics=["accuracy", "neg_log_loss"],
    ...              keep_predictions=True, in_process=True)
    >>> sorted(r.scores), r.oof.shape, r.classes
    (['accuracy', 'balanced_accuracy', 'neg_log_loss'], (150, 3), (0, 1, 2))
    """
    family = task_family(task, error=EvaluationError)
    metric = metric or default_metric(task)
    if isinstance(metrics, str):
        raise EvaluationError(f"metrics = {metrics!r}; give a list of scorer names, e.g. [{metrics!r}]")
    names = list(dict.fromkeys([metric, *metrics]))
    scorers = {m: get_scorer(m, task) for m in names}
    params = space.validate_params(name, params)
    if space.get_algorithm(name).task != family:
        raise EvaluationError(f"{name} is a {space.get_algorithm(name).task} algorithm but the task is {task!r}")
    if isinstance(cv, bool) or not isinstance(cv, int) or cv < 2:
        raise EvaluationError(f"cv = {cv!r}; use an integer of at least 2")
    n_rows = len(X)
    if n_rows != len(y):
        raise EvaluationError(f"X has {n_rows} rows but y has {len(y)}; give one target value per row")
    if n_rows < 2:
        raise EvaluationError(f"{n_rows} rows cannot be cross-validated; give at least 2 rows")
    sample = None
    if max_rows is not None:
        sample = subsample_indices(y, task, max_rows, random_state=random_state)
        if len(sample) == n_rows:
            sample = None
    X_eval, y_eval = (X, y) if sample is None else (take_rows(X, sample), take_rows(y, sample))
    plan = protocol_for(y_eval, task, cv, random_state=random_state, holdout_threshold=holdout_threshold)
    y_values, splits, protocol, notes = plan.y, plan.splits, plan.protocol, plan.notes
    if sample is not None:
        protocol += sample_suffix(len(sample), n_rows)
    chosen = None
    if folds is not None:
        chosen = _check_folds(folds, len(splits))
        if len(chosen) < len(splits):
            splits = tuple(splits[i] for i in chosen)
            protocol += fold_suffix(chosen, len(plan.splits))
        else:
            chosen = None

    def job():
        return _cross_validate(name, params, X_eval, y_values, splits, scorers, random_state, keep_predictions)

    if in_process:
        if timeout is not None or memory_limit_mb is not None:
            raise EvaluationError("timeout and memory_limit_mb need the worker process; use in_process=False")
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outcome = WorkerOutcome("ok", job(), None, 0.0)
        except Exception as exc:  # noqa: BLE001 - reported as a failed run
            outcome = WorkerOutcome(status_of(exc), None, one_line(exc), 0.0)
        elapsed = time.perf_counter() - start
    else:
        outcome = run_in_worker(job, timeout=timeout, memory_limit_mb=memory_limit_mb)
        elapsed = outcome.elapsed
    if outcome.status == "ok":
        per_metric, oof, classes = outcome.value
        fold_scores = per_metric[metric]
        scores = {m: _mean(v) for m, v in per_metric.items()}
        if oof is not None and sample is not None:  # one row per input row, nan outside the sample
            full = np.full((n_rows,) + oof.shape[1:], np.nan) if oof.dtype != object else np.full(
                (n_rows,) + oof.shape[1:], None, dtype=object)
            full[sample] = oof
            oof = full
        n_folds = len(plan.splits) if chosen is not None else None
        return EvaluationResult("ok", float(np.mean(fold_scores)), fold_scores, elapsed, None, protocol, notes,
                                scores, oof, classes, chosen, n_folds)
    return EvaluationResult(outcome.status, float("nan"), (), elapsed, outcome.error, protocol, notes,
                            folds=chosen, n_folds=len(plan.splits) if chosen is not None else None)


def _check_folds(folds, n_splits: int) -> tuple:
    """The fold indices as a sorted tuple, checked against the split's size."""
    if isinstance(folds, (str, bytes)) or not hasattr(folds, "__iter__"):
        raise EvaluationError(f"folds = {folds!r}; give a sequence of fold indices, e.g. (0,)")
    chosen = list(folds)
    if not chosen or any(isinstance(i, bool) or not isinstance(i, (int, np.integer)) for i in chosen):
        raise EvaluationError(f"folds = {folds!r}; give a non-empty sequence of integer fold indices, e.g. (0,)")
    bad = [int(i) for i in chosen if not 0 <= i < n_splits]
    if bad or len(set(chosen)) != len(chosen):
        raise EvaluationError(
            f"folds = {folds!r}; the split has {n_splits} fold(s): give distinct indices from 0 to {n_splits - 1}")
    return tuple(sorted(int(i) for i in chosen))


def fit_final(name: str, params: Mapping[str, Any] | None, X, y, random_state: int | None = 0):
    """Fit the configuration's pipeline on all of X, y in this process and return it.

    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> fit_final("KNeighborsClassifier", {"n_neighbors": 3}, X, y).predict(X[:2]).tolist()
    [0, 0]
    """
    model = space.make_pipeline(name, params, X, random_state=random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return model
