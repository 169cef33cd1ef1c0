"""Multi-fidelity trials: a configuration is evaluated in rungs and pruned early when it lags.

The schedule (:func:`rung_schedule`), successive halving over row subsamples and CV folds:

* on data of at least twice :data:`SUBSAMPLE_FROM` rows, first the first fold of seeded,
  stratified subsamples of 10,000 rows, then 4x as many (40,000, 160,000, ...) while
  at most half the data (FLAML's sample growth; a larger sample costs nearly what the
  full data's fold costs, so its rung only adds a fit);
* then the first fold of the full data's split;
* then the remaining folds, whose scores join the first fold's (that fold is not
  refitted): the last rung's result is the full k-fold evaluation.

After each rung but the last the trial reports the rung's score to Optuna
(``trial.report(score, step)``, step = rung index) and asks the study's pruner
(``trial.should_prune()``). The rule is :func:`make_pruner`'s: Optuna's
``MedianPruner`` (prune when the rung's score is below the median of the completed
trials' scores at the same rung, once 5 trials have completed), which is also what
``optuna.create_study`` uses when given no pruner. Rungs on the same data and fold
are comparable between trials because the split and the subsample are seeded.
A pruned trial is reported with Optuna state PRUNED and metalearn status ``"pruned"``;
it is not a full run and is not written to the KB.

Warm-start (enqueued) trials are never pruned on rung 0. A trial is split into rungs only
when that can pay (:func:`rungs_pay`: pruning has started and the data is large enough
for the saving to exceed a worker's overhead); otherwise it runs whole and reports its
first fold's score at the first-fold rung, the value a split trial would report there.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:  # pragma: no cover - metalearn.evaluate is imported when a trial runs (it loads scikit-learn)
    from metalearn.evaluate import EvaluationResult

__all__ = ["Rung", "rung_schedule", "run_rungs", "evaluate_trial", "rungs_pay", "make_pruner", "SUBSAMPLE_FROM", "SUBSAMPLE_GROWTH"]

SUBSAMPLE_FROM = 10_000
"""Rows of the first subsample rung; data with fewer than twice as many start on the full data's first fold."""

SUBSAMPLE_GROWTH = 4
"""Each subsample rung has this many times the rows of the one before."""

MIN_STARTUP_TRIALS = 5
"""Completed trials before any pruning."""

MIN_SPLIT_CELLS = 100_000
"""Rows x features below which trials are not split into rungs (see :func:`rungs_pay`)."""


@dataclass(frozen=True)
class Rung:
    """One step of a trial: ``max_rows`` (None: all rows) and the CV ``folds`` run (None: all)."""

    max_rows: int | None
    folds: tuple | None


def rung_schedule(n_rows: int, n_folds: int) -> tuple[Rung, ...]:
    """The rungs of a trial on ``n_rows`` rows whose split has ``n_folds`` folds.

    >>> rung_schedule(500, 5)
    (Rung(max_rows=None, folds=(0,)), Rung(max_rows=None, folds=(1, 2, 3, 4)))
    >>> [r.max_rows for r in rung_schedule(48_842, 5)]
    [10000, None, None]
    >>> [r.max_rows for r in rung_schedule(15_000, 5)]  # 10,000 rows would be two thirds of the data
    [None, None]
    >>> rung_schedule(200_000, 1)  # a holdout: subsamples, then the holdout itself
    (Rung(max_rows=10000, folds=(0,)), Rung(max_rows=40000, folds=(0,)), Rung(max_rows=None, folds=None))
    """
    rungs = []
    size = SUBSAMPLE_FROM
    while size * 2 <= n_rows:  # a sample of more than half the data saves too little to pay for its rung
        rungs.append(Rung(size, (0,)))
        size *= SUBSAMPLE_GROWTH
    if n_folds > 1:
        rungs += [Rung(None, (0,)), Rung(None, tuple(range(1, n_folds)))]
    else:
        rungs.append(Rung(None, None))
    return tuple(rungs)


def make_pruner():
    """The pruner of a multi-fidelity study: ``MedianPruner(n_startup_trials=5, n_warmup_steps=0)``."""
    import optuna

    return optuna.pruners.MedianPruner(n_startup_trials=MIN_STARTUP_TRIALS, n_warmup_steps=0)


def run_rungs(
    evaluate_fn: Callable[..., EvaluationResult],
    name: str,
    params: Mapping[str, Any],
    X,
    y,
    *,
    rungs: tuple[Rung, ...],
    trial,
    protect_first: bool = False,
    timeout: float | None = None,
    **evaluate_kwargs,
) -> tuple[EvaluationResult, int | None]:
    """Evaluate a configuration rung by rung, reporting to ``trial`` and stopping when pruned.

    Parameters
    ----------
    evaluate_fn
        :func:`metalearn.evaluate.evaluate` or a function with its signature, including
        ``folds`` and ``max_rows``.
    rungs
        :func:`rung_schedule`'s.
    trial : optuna.trial.Trial
        Receives ``report(score, step)`` after every rung but the last; its study's pruner decides.
    protect_first : bool
        Never prune on rung 0 (warm-start and given configurations).
    timeout : float or None
        Seconds for all the rungs together; each rung gets what is left.
    **evaluate_kwargs
        task, metric, cv, memory_limit_mb, random_state, keep_predictions, ... passed on.

    Returns
    -------
    (EvaluationResult, pruned_at)
        The full evaluation (``pruned_at`` None), or the last rung run and the rung it was
        pruned at, or the first rung that did not finish (its status). ``fit_time`` is the
        seconds of all the rungs run.
    """
    from metalearn.evaluate import merge_folds

    start = time.perf_counter()
    full_parts: list[EvaluationResult] = []
    spent = 0.0
    result = None
    for step, rung in enumerate(rungs):
        left = None
        if timeout is not None:
            left = timeout - (time.perf_counter() - start)
            if left <= 0.05:
                left = 0.05
        result = evaluate_fn(name, params, X, y, timeout=left, folds=rung.folds, max_rows=rung.max_rows,
                             **evaluate_kwargs)
        spent += float(result.fit_time or 0.0)
        if not result.ok:
            return dataclasses.replace(result, fit_time=spent), None
        if rung.max_rows is None:
            full_parts.append(result)
            result = merge_folds(*full_parts)
        if step == len(rungs) - 1:
            break
        trial.report(float(result.score), step)
        if not (protect_first and step == 0) and trial.should_prune():
            return dataclasses.replace(result, fit_time=spent), step
    return dataclasses.replace(result, fit_time=spent), None


def evaluate_trial(
    evaluate_fn: Callable[..., EvaluationResult],
    name: str,
    params: Mapping[str, Any],
    X,
    y,
    *,
    trial,
    fidelity: bool,
    protect_first: bool,
    task: str,
    cv: int,
    random_state: int | None,
    timeout: float | None = None,
    **evaluate_kwargs,
) -> tuple[EvaluationResult, int | None]:
    """One trial's evaluation: in rungs (:func:`run_rungs` over :func:`rung_schedule`) when
    ``fidelity`` and the rungs can pay (:func:`rungs_pay`), else one full call of
    ``evaluate_fn``. A full call under ``fidelity`` still reports its first fold's score at
    the first-fold rung, so that later trials are compared with it. Returns (result, pruned_at)."""
    kwargs = dict(task=task, cv=cv, random_state=random_state, **evaluate_kwargs)
    if not fidelity:
        return evaluate_fn(name, params, X, y, timeout=timeout, **kwargs), None
    from metalearn.evaluate import protocol_for

    n_folds = len(protocol_for(y, task, cv, random_state=random_state).splits)
    rungs = rung_schedule(len(y), n_folds)
    n_cells = len(y) * (X.shape[1] if len(getattr(X, "shape", ())) > 1 else 1)
    if rungs_pay(rungs, trial, protect_first, n_cells):
        return run_rungs(evaluate_fn, name, params, X, y, rungs=rungs, trial=trial,
                         protect_first=protect_first, timeout=timeout, **kwargs)
    result = evaluate_fn(name, params, X, y, timeout=timeout, **kwargs)
    first_fold = [i for i, rung in enumerate(rungs) if rung.max_rows is None and rung.folds == (0,)]
    if result.ok and first_fold and result.fold_scores:
        trial.report(float(result.fold_scores[0]), first_fold[0])
    return result, None


def rungs_pay(rungs: tuple[Rung, ...], trial, protect_first: bool, n_cells: int) -> bool:
    """Whether evaluating this trial in rungs can save time. Every rung is a worker process
    of its own (0.1-0.3 s of overhead, and a subsample rung repeats some work), so not when:

    * no rung before the last can prune (one rung, or only the first-fold rung and the trial
      is protected there: a warm-start trial);
    * fewer than :data:`MIN_STARTUP_TRIALS` trials have completed (the pruner does not prune yet);
    * the data has fewer than :data:`MIN_SPLIT_CELLS` cells (rows x features): a fold is
      then too cheap for pruning to win back the overhead (measured on data/examples).

    The rule depends on the data and the study only, never on measured times, so a seeded
    search prunes the same trials on any machine.
    """
    prunable = rungs[1:-1] if protect_first else rungs[:-1]
    if not prunable:
        return False
    from optuna.trial import TrialState

    completed = trial.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    return len(completed) >= MIN_STARTUP_TRIALS and n_cells >= MIN_SPLIT_CELLS
