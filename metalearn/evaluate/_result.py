"""The result of an evaluation, and joining the evaluations of disjoint folds of one split."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Mapping

import numpy as np

from metalearn.exceptions import EvaluationError


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


def fold_suffix(folds: tuple, n_folds: int) -> str:
    """The protocol suffix of a partial evaluation: ', fold 1 of 5', ', folds 2,3,4,5 of 5'."""
    word = "fold" if len(folds) == 1 else "folds"
    return f", {word} {','.join(str(i + 1) for i in folds)} of {n_folds}"


def sample_suffix(n_kept: int, n_rows: int) -> str:
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
        bases.add(part.protocol[: -len(fold_suffix(part.folds, part.n_folds))])
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
    protocol = base if complete else base + fold_suffix(tuple(order), n_folds)
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
