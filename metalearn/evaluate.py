"""Safe evaluation of one configuration: cross-validation in a guarded worker process.

:func:`evaluate` scores a configuration of the registry (:mod:`metalearn.space`) by
stratified k-fold cross-validation (classification) or k-fold (regression), or by a
20% holdout above a row threshold. The folds run in a separate worker process with
a wall-clock timeout and a memory cap: a configuration that raises, hangs, crashes or
runs out of memory comes back as an :class:`EvaluationResult` with status
``"failed"``, ``"timeout"`` or ``"memout"`` and a one-line reason; it never raises.

>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True, as_frame=True)
>>> result = evaluate("GaussianNB", {}, X, y, task="multiclass", metric="accuracy", cv=3)
>>> result.status, result.protocol, round(result.score, 2)
('ok', '3-fold CV', 0.96)
"""

from __future__ import annotations

import math
import multiprocessing
import os
import resource
import signal
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from metalearn import space
from metalearn.exceptions import EvaluationError

__all__ = [
    "EvaluationResult",
    "WorkerOutcome",
    "evaluate",
    "fit_final",
    "run_in_worker",
    "get_scorer",
    "default_metric",
    "DEFAULT_HOLDOUT_THRESHOLD",
]

DEFAULT_HOLDOUT_THRESHOLD = 100_000  # rows; above it a single 80/20 holdout replaces k-fold CV
_MAX_ERROR = 300  # characters kept of an error message


@dataclass(frozen=True)
class EvaluationResult:
    """The outcome of one evaluation.

    Attributes
    ----------
    status : {"ok", "failed", "timeout", "memout"}
    score : float
        Mean of the fold scores, higher is better; nan unless ``status == "ok"``.
    fold_scores : tuple of float
    fit_time : float
        Wall-clock seconds the evaluation took (fitting and scoring all folds, or until
        it failed or was stopped).
    error : str or None
        One line saying why it did not finish.
    protocol : str
        ``"5-fold CV"``, ``"3-fold CV"``, ``"holdout 20%"``, ...
    notes : tuple of str
        Changes made to the protocol asked for (e.g. fewer folds for a rare class).
    """

    status: str
    score: float
    fold_scores: tuple
    fit_time: float
    error: str | None
    protocol: str
    notes: tuple = ()

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class WorkerOutcome:
    """What :func:`run_in_worker` saw: status, the function's return value or the error."""

    status: str  # "ok" | "failed" | "timeout" | "memout"
    value: Any
    error: str | None
    elapsed: float


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text[:_MAX_ERROR]


def _status_of(exc: BaseException) -> str:
    return "memout" if isinstance(exc, MemoryError) else "failed"


def _vm_bytes() -> int:
    """Virtual memory size of this process (Linux), 0 if unknown."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _worker_main(conn, func, memory_limit_mb) -> None:
    import faulthandler

    faulthandler.disable()  # a crash is reported by its signal, without a dump of every thread
    try:
        os.setpgid(0, 0)  # own process group, so the parent can stop any helpers too
    except OSError:
        pass
    try:
        if memory_limit_mb is not None:
            limit = _vm_bytes() + int(memory_limit_mb) * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        from threadpoolctl import threadpool_limits

        # one thread: OpenMP (libgomp) thread pools inherited through fork deadlock, and
        # parallel evaluations share the machine's cores anyway
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")
            value = func()
        message = ("ok", value, None)
    except BaseException as exc:  # noqa: BLE001 - every failure is reported, none raised
        message = (_status_of(exc), None, _one_line(exc))
    try:
        conn.send(message)
    except BaseException as exc:  # noqa: BLE001 - e.g. MemoryError while pickling
        try:
            conn.send((_status_of(exc), None, "could not return the result: " + _one_line(exc)))
        except BaseException:  # noqa: BLE001
            pass
    finally:
        conn.close()
        os._exit(0)


def _stop(process) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass
    if process.is_alive():
        process.kill()
    process.join()


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def run_in_worker(
    func: Callable[[], Any], *, timeout: float | None = None, memory_limit_mb: int | None = None
) -> WorkerOutcome:
    """Run ``func()`` in a worker process with a timeout and a memory cap.

    The worker is forked, so ``func`` and the data it closes over are inherited, not
    pickled (on platforms without fork they are pickled). The return value must be
    picklable and small.

    Parameters
    ----------
    func : callable
        Called with no arguments in the worker.
    timeout : float or None
        Wall-clock seconds before the worker (and its process group) is killed.
    memory_limit_mb : int or None
        Address space the worker may add to what it inherits from this process, in MiB
        (``RLIMIT_AS``); exceeding it raises MemoryError in the worker.

    Returns
    -------
    WorkerOutcome
        ``status`` is ``"ok"``, ``"failed"`` (an exception or a crash), ``"timeout"`` or
        ``"memout"``; never raises for what ``func`` does.

    Examples
    --------
    >>> run_in_worker(lambda: 6 * 7).value
    42
    >>> run_in_worker(lambda: 1 / 0).error
    'ZeroDivisionError: division by zero'
    """
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise EvaluationError(f"timeout = {timeout!r}; use a positive number of seconds or None")
    if memory_limit_mb is not None and not (isinstance(memory_limit_mb, int) and memory_limit_mb > 0):
        raise EvaluationError(f"memory_limit_mb = {memory_limit_mb!r}; use a positive integer or None")
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_worker_main, args=(sender, func, memory_limit_mb))
    start = time.perf_counter()
    process.start()
    sender.close()
    message = None
    try:
        if receiver.poll(timeout):
            try:
                message = receiver.recv()
            except (EOFError, OSError):
                message = None
        else:
            _stop(process)
            return WorkerOutcome("timeout", None, f"stopped after the {timeout:g} s timeout", time.perf_counter() - start)
        process.join(5)
    finally:
        if process.is_alive():
            _stop(process)
        receiver.close()
    elapsed = time.perf_counter() - start
    if message is None:
        code = process.exitcode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            why = f"worker process died with signal {name}"
            if name == "SIGKILL" and memory_limit_mb is not None:
                return WorkerOutcome("memout", None, why + " (out of memory?)", elapsed)
            return WorkerOutcome("failed", None, why, elapsed)
        return WorkerOutcome("failed", None, f"worker process exited with code {code} without a result", elapsed)
    status, value, error = message
    return WorkerOutcome(status, value, error, elapsed)


# --------------------------------------------------------------------------
# Metrics and splits
# --------------------------------------------------------------------------
def default_metric(task: str) -> str:
    """``balanced_accuracy`` for classification tasks, ``r2`` for regression.

    >>> default_metric("binary"), default_metric("regression")
    ('balanced_accuracy', 'r2')
    """
    return "r2" if _family(task) == "regression" else "balanced_accuracy"


def _family(task: str) -> str:
    if task in ("binary", "multiclass", "classification"):
        return "classification"
    if task == "regression":
        return "regression"
    raise EvaluationError(f"task = {task!r}; use 'binary', 'multiclass', 'classification' or 'regression'")


def get_scorer(metric: str, task: str):
    """The scikit-learn scorer called ``metric``, checked against the task.

    >>> get_scorer("accuracy", "binary")
    make_scorer(accuracy_score, response_method='predict')
    >>> get_scorer("acuracy", "binary")
    Traceback (most recent call last):
    ...
    metalearn.exceptions.EvaluationError: unknown metric 'acuracy'; use a scikit-learn scorer name such as accuracy, adjusted_mutual_info_score, ...
    """
    from sklearn.metrics import get_scorer as sk_get_scorer
    from sklearn.metrics import get_scorer_names

    names = get_scorer_names()
    if not isinstance(metric, str) or metric not in names:
        close = [n for n in names if isinstance(metric, str) and metric.lower()[:4] in n][:8] or list(names)[:2]
        raise EvaluationError(
            f"unknown metric {metric!r}; use a scikit-learn scorer name such as {', '.join(close)}, ..."
        )
    scorer = sk_get_scorer(metric)
    module = getattr(getattr(scorer, "_score_func", None), "__module__", "") or ""
    family = _family(task)
    if family == "classification" and module.endswith("_regression"):
        raise EvaluationError(f"metric {metric!r} is for regression but the task is {task!r}; use e.g. balanced_accuracy")
    if family == "regression" and (module.endswith("_classification") or module.endswith("_ranking")):
        raise EvaluationError(f"metric {metric!r} is for classification but the task is {task!r}; use e.g. r2")
    return scorer


def _splits(y, family: str, cv: int, random_state, n_rows: int, holdout_threshold: int):
    """Return (list of (train, test) index arrays, protocol, notes)."""
    from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

    indices = np.arange(n_rows)
    notes: list = []
    if n_rows > holdout_threshold:
        stratify = None
        if family == "classification":
            counts = pd.Series(y).value_counts()
            if counts.min() >= 2:
                stratify = y
            else:
                notes.append("holdout not stratified: a class has a single row")
        train, test = train_test_split(indices, test_size=0.2, random_state=random_state, stratify=stratify)
        return [(train, test)], "holdout 20%", tuple(notes)
    folds = min(cv, n_rows)
    if folds < cv:
        notes.append(f"{folds} folds instead of {cv}: only {n_rows} rows")
    if family == "classification":
        smallest = int(pd.Series(y).value_counts().min())
        if smallest >= 2:
            if smallest < folds:
                notes.append(f"{smallest} folds instead of {folds}: the smallest class has {smallest} rows")
                folds = smallest
            splitter = StratifiedKFold(folds, shuffle=True, random_state=random_state)
            return list(splitter.split(indices, y)), f"{folds}-fold CV", tuple(notes)
        notes.append("folds not stratified: a class has a single row")
        splitter = KFold(folds, shuffle=True, random_state=random_state)
        return list(splitter.split(indices)), f"{folds}-fold CV (unstratified)", tuple(notes)
    splitter = KFold(folds, shuffle=True, random_state=random_state)
    return list(splitter.split(indices)), f"{folds}-fold CV", tuple(notes)


def _rows(data, index):
    return data.iloc[index] if isinstance(data, (pd.DataFrame, pd.Series)) else data[index]


def _prepare_target(y, family: str):
    if isinstance(y, pd.Series):
        if family == "classification" and isinstance(y.dtype, pd.CategoricalDtype):
            # index the categories by the codes: keeps their dtype (int64 labels stay int64;
            # an object array of Python ints would make scikit-learn call the target 'unknown')
            return y.cat.categories.to_numpy()[y.cat.codes.to_numpy()]
        return y.to_numpy()
    return np.asarray(y)


def _cross_validate(name, params, X, y, splits, scorer, random_state) -> tuple:
    """Fit and score every split in this process; return the fold scores."""
    scores = []
    for fold, (train, test) in enumerate(splits):
        model = space.make_pipeline(name, params, X, random_state=random_state)
        model.fit(_rows(X, train), y[train])
        score = float(scorer(model, _rows(X, test), y[test]))
        if not math.isfinite(score):
            raise ValueError(f"fold {fold + 1} scored {score}")
        scores.append(score)
    return tuple(scores)


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
    cv : int
        Number of folds (stratified and shuffled for classification). Fewer when the
        smallest class has fewer rows than folds (see ``notes``).
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

    Returns
    -------
    EvaluationResult
        Never raises for a configuration that fails, hangs or runs out of memory.

    Raises
    ------
    EvaluationError
        The evaluation cannot be set up (unknown metric, bad cv, too few rows).
    UnknownAlgorithmError, InvalidParamsError
        The configuration is not in the registry's space.
    """
    family = _family(task)
    metric = metric or default_metric(task)
    scorer = get_scorer(metric, task)
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
    y_values = _prepare_target(y, family)
    splits, protocol, notes = _splits(y_values, family, cv, random_state, n_rows, holdout_threshold)

    def job():
        return _cross_validate(name, params, X, y_values, splits, scorer, random_state)

    if in_process:
        if timeout is not None or memory_limit_mb is not None:
            raise EvaluationError("timeout and memory_limit_mb need the worker process; use in_process=False")
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outcome = WorkerOutcome("ok", job(), None, 0.0)
        except Exception as exc:  # noqa: BLE001 - reported as a failed run
            outcome = WorkerOutcome(_status_of(exc), None, _one_line(exc), 0.0)
        elapsed = time.perf_counter() - start
    else:
        outcome = run_in_worker(job, timeout=timeout, memory_limit_mb=memory_limit_mb)
        elapsed = outcome.elapsed
    if outcome.status == "ok":
        fold_scores = tuple(outcome.value)
        return EvaluationResult("ok", float(np.mean(fold_scores)), fold_scores, elapsed, None, protocol, notes)
    return EvaluationResult(outcome.status, float("nan"), (), elapsed, outcome.error, protocol, notes)


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
