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

Partial evaluations serve multi-fidelity search: ``folds=(0,)`` runs only the first
fold of the same seeded split (its scores and out-of-fold rows only), ``max_rows=``
evaluates a seeded, stratified subsample of the rows (the protocol string says so),
and :func:`merge_folds` joins the evaluations of disjoint folds of one split into the
result a full evaluation gives:

>>> first = evaluate("GaussianNB", {}, X, y, task="multiclass", metric="accuracy", cv=3, folds=(0,))
>>> first.protocol, len(first.fold_scores)
('3-fold CV, fold 1 of 3', 1)
>>> rest = evaluate("GaussianNB", {}, X, y, task="multiclass", metric="accuracy", cv=3, folds=(1, 2))
>>> merge_folds(first, rest).fold_scores == result.fold_scores
True
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
from dataclasses import field as dataclass_field
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from metalearn import space
from metalearn.exceptions import EvaluationError
from metalearn.tasks import HOLDOUT_PROTOCOL, check_metric, cv_protocol, default_metric, task_family

__all__ = [
    "EvaluationResult",
    "WorkerOutcome",
    "evaluate",
    "fit_final",
    "run_in_worker",
    "get_scorer",
    "default_metric",
    "Protocol",
    "protocol_for",
    "merge_folds",
    "subsample_indices",
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
    scores : dict of str to float
        Mean fold score of every metric scored from the same fitted fold models: the
        main metric (equal to ``score``) and each of ``evaluate(..., metrics=...)``. An
        extra metric that cannot be computed (e.g. ``neg_log_loss`` for a model without
        ``predict_proba``, ``roc_auc`` on a fold missing a class) is nan; only the main
        metric decides ``status``. Empty unless ``status == "ok"``.
    oof : numpy array or None
        With ``keep_predictions=True``: the out-of-fold predictions, one row per input
        row in input order: ``predict_proba`` (n_rows x n_classes, columns in the order
        of ``classes``) for a classifier that has it, else ``predict``. Rows no test fold
        covered (a holdout's training rows) are nan. None otherwise.
    classes : tuple or None
        With ``keep_predictions=True`` on classification: the class labels (sorted, as
        the fitted estimators order them). None otherwise.
    folds : tuple of int or None
        The fold indices evaluated (``evaluate(..., folds=...)``), in order; None when
        every fold of the split was.
    n_folds : int or None
        How many folds the split has (set with ``folds``).
    """

    status: str
    score: float
    fold_scores: tuple
    fit_time: float
    error: str | None
    protocol: str
    notes: tuple = ()
    scores: Mapping[str, float] = dataclass_field(default_factory=dict)
    oof: Any = None
    classes: tuple | None = None
    folds: tuple | None = None
    n_folds: int | None = None

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


@dataclass(frozen=True)
class Protocol:
    """The splits an evaluation uses: ``splits`` (train, test) index arrays, the
    ``protocol`` string stored with every run, ``notes`` on changes made to the
    folds asked for, and ``y``, the target as the estimators are fitted on it."""

    splits: tuple
    protocol: str
    notes: tuple
    y: Any


def protocol_for(
    y, task: str, cv: int = 5, *, random_state: int | None = 0, holdout_threshold: int = DEFAULT_HOLDOUT_THRESHOLD
) -> Protocol:
    """The cross-validation :func:`evaluate` runs for target ``y``: the public seam for
    callers (a KB build's resume check) that need the protocol string before evaluating.

    Stratified shuffled k-fold for classification (fewer folds when the smallest class
    has fewer than ``cv`` rows), shuffled k-fold for regression, a 20% holdout above
    ``holdout_threshold`` rows; folds seeded by ``random_state``.

    >>> protocol_for([0, 1] * 10, "binary", 5).protocol
    '5-fold CV'
    >>> p = protocol_for([0, 0, 0, 1, 1, 1, 1], "binary", 5)
    >>> p.protocol, p.notes
    ('3-fold CV', ('3 folds instead of 5: the smallest class has 3 rows',))
    """
    family = task_family(task, error=EvaluationError)
    if isinstance(cv, bool) or not isinstance(cv, int) or cv < 2:
        raise EvaluationError(f"cv = {cv!r}; use an integer of at least 2")
    values = _prepare_target(y, family)
    splits, protocol, notes = _splits(values, family, cv, random_state, len(values), holdout_threshold)
    return Protocol(tuple(splits), protocol, notes, values)


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
        return [(train, test)], HOLDOUT_PROTOCOL, tuple(notes)
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
            return list(splitter.split(indices, y)), cv_protocol(folds), tuple(notes)
        notes.append("folds not stratified: a class has a single row")
        splitter = KFold(folds, shuffle=True, random_state=random_state)
        return list(splitter.split(indices)), cv_protocol(folds, stratified=False), tuple(notes)
    splitter = KFold(folds, shuffle=True, random_state=random_state)
    return list(splitter.split(indices)), cv_protocol(folds), tuple(notes)


def subsample_indices(y, task: str, max_rows: int, *, random_state: int | None = 0):
    """Sorted row indices of a seeded subsample of ``max_rows`` rows of target ``y``:
    stratified by class for classification when every class has 2 rows or more (so
    each class keeps its share), plain random otherwise. All rows when ``y`` has no
    more than ``max_rows``.

    >>> subsample_indices([0] * 80 + [1] * 20, "binary", 10).size
    10
    >>> int(np.sum(np.asarray([0] * 80 + [1] * 20)[subsample_indices([0] * 80 + [1] * 20, "binary", 10)]))
    2
    """
    from sklearn.model_selection import train_test_split

    family = task_family(task, error=EvaluationError)
    if isinstance(max_rows, bool) or not isinstance(max_rows, (int, np.integer)) or max_rows < 2:
        raise EvaluationError(f"max_rows = {max_rows!r}; use an integer of at least 2 or None")
    values = _prepare_target(y, family)
    indices = np.arange(len(values))
    if len(values) <= max_rows:
        return indices
    stratify = None
    if family == "classification":
        counts = pd.Series(values).value_counts()
        if counts.min() >= 2 and len(counts) <= max_rows:
            stratify = values
    kept, _ = train_test_split(indices, train_size=int(max_rows), random_state=random_state, stratify=stratify)
    return np.sort(kept)


def _fold_suffix(folds: tuple, n_folds: int) -> str:
    """The protocol suffix of a partial evaluation: ', fold 1 of 5', ', folds 2,3,4,5 of 5'."""
    word = "fold" if len(folds) == 1 else "folds"
    return f", {word} {','.join(str(i + 1) for i in folds)} of {n_folds}"


def _sample_suffix(n_kept: int, n_rows: int) -> str:
    return f" on a {n_kept}-row sample of {n_rows}"


def merge_folds(*results: EvaluationResult) -> EvaluationResult:
    """Join evaluations of disjoint folds of one split (``evaluate(..., folds=...)``
    with the same data, configuration, cv and seed) into one result.

    The fold scores come in fold order, the out-of-fold predictions are the union of
    the parts' rows, ``fit_time`` is the sum; when the parts cover every fold, the
    protocol is the full split's (``"5-fold CV"``) and the result equals a full
    evaluation's (fold scores, score, oof). A part that did not finish makes the
    merge that part (status, error).

    Raises
    ------
    EvaluationError
        The parts are not folds of one split, or overlap.
    """
    if not results:
        raise EvaluationError("merge_folds needs at least one evaluation")
    for part in results:
        if not part.ok:
            return part
    if len(results) == 1:
        return results[0]
    n_folds = results[0].n_folds
    bases = set()
    seen: dict = {}
    for part in results:
        if part.folds is None or part.n_folds != n_folds:
            raise EvaluationError("merge_folds joins evaluations of some folds of one split; "
                                  "give results of evaluate(..., folds=...) with the same cv")
        bases.add(part.protocol[: -len(_fold_suffix(part.folds, part.n_folds))])
        for position, fold in enumerate(part.folds):
            if fold in seen:
                raise EvaluationError(f"merge_folds: fold {fold + 1} is in two of the evaluations; give disjoint folds")
            seen[fold] = (part, position)
    if len(bases) != 1:
        raise EvaluationError(f"merge_folds: the evaluations have different protocols: {', '.join(sorted(bases))}")
    order = sorted(seen)
    fold_scores = tuple(seen[f][0].fold_scores[seen[f][1]] for f in order)
    weights = [len(part.folds) for part in results]
    scores = {}
    for metric in results[0].scores:
        values = [part.scores.get(metric, float("nan")) for part in results]
        scores[metric] = float(np.dot(values, weights) / sum(weights))
    if scores:  # the main metric (the first) exactly as a full evaluation averages it
        scores[next(iter(scores))] = float(np.mean(fold_scores))
    oof = None
    if all(part.oof is not None for part in results):
        oof = results[0].oof.copy()
        for part in results[1:]:
            covered = _covered_rows(part.oof)
            oof[covered] = part.oof[covered]
    complete = len(order) == n_folds
    base = bases.pop()
    protocol = base if complete else base + _fold_suffix(tuple(order), n_folds)
    notes = tuple(dict.fromkeys(note for part in results for note in part.notes))
    return EvaluationResult(
        "ok", float(np.mean(fold_scores)), fold_scores, float(sum(part.fit_time for part in results)), None,
        protocol, notes, scores, oof, results[0].classes,
        None if complete else tuple(order), None if complete else n_folds,
    )


def _covered_rows(oof):
    """Boolean mask of the rows an out-of-fold array has predictions for."""
    if oof.dtype == object:
        filled = np.array([value is not None for value in oof.reshape(len(oof), -1)[:, 0]])
        return filled
    flat = oof.reshape(len(oof), -1)
    return ~np.isnan(flat).all(axis=1)


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
        model.fit(_rows(X, train), y[train])
        X_test = _rows(X, test)
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
    X_eval, y_eval = (X, y) if sample is None else (_rows(X, sample), _rows(y, sample))
    plan = protocol_for(y_eval, task, cv, random_state=random_state, holdout_threshold=holdout_threshold)
    y_values, splits, protocol, notes = plan.y, plan.splits, plan.protocol, plan.notes
    if sample is not None:
        protocol += _sample_suffix(len(sample), n_rows)
    chosen = None
    if folds is not None:
        chosen = _check_folds(folds, len(splits))
        if len(chosen) < len(splits):
            splits = tuple(splits[i] for i in chosen)
            protocol += _fold_suffix(chosen, len(plan.splits))
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
            outcome = WorkerOutcome(_status_of(exc), None, _one_line(exc), 0.0)
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
