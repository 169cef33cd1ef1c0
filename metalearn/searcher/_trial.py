"""One trial of a search: choose its configuration, evaluate it (in rungs), record what came of it.

:class:`TrialRunner` is the trial function the loop (:mod:`metalearn.searcher._loop`) drives:

* :meth:`TrialRunner.start`, in the loop's thread: the configuration (an enqueued one exactly, else
  the sampler's suggestion), its attributes on the Optuna trial, and the work a worker runs
  (:func:`metalearn.searcher._fidelity.evaluate_trial`), with the trial's timeout cut to what is left
  of the time budget;
* :meth:`TrialRunner.finish`, in the loop's thread: the status (``"ok"``, ``"failed"``, ``"timeout"``,
  ``"memout"``, ``"stopped"`` when the budget cut it, ``"pruned"``), the attributes
  (:mod:`metalearn.searcher._study`'s ``ATTR_*``), the study told, the out-of-fold predictions kept for
  the ensemble, and a :class:`TrialOutcome` for the callbacks;
* :meth:`TrialRunner.abandon`: a trial still running past the deadline's grace is stopped.
"""

from __future__ import annotations

import functools
import json
import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from metalearn.searcher._fidelity import evaluate_trial
from metalearn.searcher._study import (
    ATTR_ALGORITHM,
    ATTR_ERROR,
    ATTR_FIT_TIME,
    ATTR_FOLDS,
    ATTR_PARAMS,
    ATTR_PROTOCOL,
    ATTR_SOURCE,
    ATTR_STATUS,
    ATTR_WARM,
)

__all__ = ["TrialOutcome", "TrialRunner"]


@dataclass(frozen=True)
class TrialOutcome:
    """What one finished trial gave: what the callbacks (the KB write-back, the user's) see.

    ``score`` is NaN unless ``status`` is ``"ok"``; ``error`` is the whole reason (the trial's
    attribute keeps 500 characters of it); ``full_run`` is false for a trial pruned or stopped
    by the budget, which says nothing about the configuration on the full protocol.
    """

    number: int
    algorithm: str
    params: Mapping[str, Any]
    status: str
    score: float
    protocol: str
    fit_time: float | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def full_run(self) -> bool:
        return self.status not in ("stopped", "pruned")


class TrialRunner:
    """Runs the trials of one search on ``X``, ``y`` (see the module docstring).

    ``evaluate_fn`` is :func:`metalearn.evaluate.evaluate` or a replacement of the same signature;
    with a replacement (``custom_evaluator``) each trial runs whole and keeps no predictions.
    ``deadline`` is the time budget's end (``time.monotonic()``) or ``None``.
    """

    def __init__(self, evaluate_fn: Callable, X, y, *, task: str, metric: str, algorithms: Sequence[str], cv: int,
                 base_timeout: float, deadline: float | None, memory_limit_mb: int | None, random_state: int,
                 fidelity: bool, keep_predictions: bool):
        self._evaluate, self._X, self._y = evaluate_fn, X, y
        self._task, self._metric, self._algorithms, self._cv = task, metric, tuple(algorithms), cv
        self._base_timeout, self._deadline, self._memory = base_timeout, deadline, memory_limit_mb
        self._random_state, self._fidelity, self._keep = random_state, fidelity, keep_predictions
        self._running: dict[int, tuple[str, dict, bool]] = {}
        self.predictions: dict[int, tuple] = {}
        """Out-of-fold predictions (and classes) of the ``"ok"`` trials by number, for the ensemble; in memory only."""
        self.best = float("nan")
        """The best score of this search's own trials so far."""
        self.n_started = 0
        """Trials started (asked of the study), whatever became of them."""

    def start(self, trial) -> Callable[[], tuple]:
        """Choose ``trial``'s configuration and return the work a worker runs: ``() -> (result, pruned_at)``."""
        from metalearn import space

        attrs = trial.user_attrs
        enqueued = ATTR_PARAMS in attrs
        name, params = space.suggest(trial, self._algorithms)
        params = dict(params)
        if enqueued:  # an enqueued configuration: evaluate exactly it
            name, params = attrs[ATTR_ALGORITHM], json.loads(attrs[ATTR_PARAMS])
        else:
            trial.set_user_attr(ATTR_SOURCE, "sampler")
            trial.set_user_attr(ATTR_WARM, False)
            trial.set_user_attr(ATTR_ALGORITHM, name)
            trial.set_user_attr(ATTR_PARAMS, json.dumps(params, sort_keys=True, default=str))
        timeout, limited = self._base_timeout, False
        if self._deadline is not None:
            left = self._deadline - time.monotonic()
            if left < timeout:
                timeout, limited = max(left, 0.05), True
        self._running[trial.number] = (name, params, limited)
        self.n_started += 1
        return functools.partial(
            evaluate_trial, self._evaluate, name, params, self._X, self._y, task=self._task, metric=self._metric,
            cv=self._cv, timeout=timeout, memory_limit_mb=self._memory, random_state=self._random_state,
            trial=trial, fidelity=self._fidelity, protect_first=enqueued,
            **({"keep_predictions": True} if self._keep else {}),
        )

    def finish(self, trial, evaluation: tuple) -> TrialOutcome:
        """Record ``trial``'s ``(result, pruned_at)`` on it, tell the study, and return the outcome."""
        from optuna.trial import TrialState

        name, params, limited = self._running.pop(trial.number)
        res, pruned_at = evaluation
        status = "pruned" if pruned_at is not None else res.status
        if status == "timeout" and limited:
            status = "stopped"
        score = float(res.score) if res.score is not None else float("nan")
        ok = status == "ok" and math.isfinite(score)
        if status == "ok" and not ok:
            status = "failed"
        error = res.error if not ok else None
        if status == "stopped":
            error = "stopped: the search's time budget ran out during this trial"
        if status == "pruned":
            error = f"pruned after rung {pruned_at + 1}: {res.protocol} scored {score:.4g}"
        trial.set_user_attr(ATTR_STATUS, status)
        if error:
            trial.set_user_attr(ATTR_ERROR, str(error)[:500])
        fit_time = float(res.fit_time) if res.fit_time is not None and math.isfinite(float(res.fit_time)) else None
        if fit_time is not None:
            trial.set_user_attr(ATTR_FIT_TIME, fit_time)
        trial.set_user_attr(ATTR_PROTOCOL, res.protocol)
        folds = [float(v) for v in (getattr(res, "fold_scores", None) or ()) if math.isfinite(float(v))]
        if ok and folds:
            trial.set_user_attr(ATTR_FOLDS, folds)
        if ok:
            trial.study.tell(trial, score)
            if self._keep and getattr(res, "oof", None) is not None:
                self.predictions[trial.number] = (res.oof, res.classes)
            if not (score <= self.best):
                self.best = score
        else:
            trial.study.tell(trial, state=TrialState.PRUNED if status == "pruned" else TrialState.FAIL)
        return TrialOutcome(trial.number, name, params, status, score if ok else float("nan"), res.protocol,
                            fit_time, error)

    def abandon(self, trial) -> None:
        """Stop a trial whose evaluator ignored its timeout past the deadline's grace (not waited for)."""
        from optuna.trial import TrialState

        self._running.pop(trial.number, None)
        trial.set_user_attr(ATTR_STATUS, "stopped")
        trial.study.tell(trial, state=TrialState.FAIL)
