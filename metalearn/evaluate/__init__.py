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

from metalearn.evaluate._core import evaluate, fit_final, get_scorer
from metalearn.evaluate._protocol import DEFAULT_HOLDOUT_THRESHOLD, Protocol, protocol_for, subsample_indices
from metalearn.evaluate._result import EvaluationResult, merge_folds
from metalearn.evaluate._worker import WorkerOutcome, run_in_worker
from metalearn.tasks import default_metric

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
