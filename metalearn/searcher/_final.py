"""The end of a search: the model the user takes home.

:func:`finalize` turns the finished trials into one fitted estimator:

1. **Ensemble** (``ensemble=True``, the default): greedy ensemble selection with
   replacement (Caruana et al., 2004; :func:`metalearn.ensemble.select_ensemble`) over
   the out-of-fold predictions of the best :data:`MAX_CANDIDATES` trials. When the
   ensemble's CV score beats the best single trial's, each member is refitted on all
   the data and the members are assembled, without refitting again, into scikit-learn's
   soft-voting ``VotingClassifier`` / ``VotingRegressor``
   (:func:`metalearn.ensemble.voting_ensemble`), which loads with scikit-learn alone.
   A member whose refit fails or times out is dropped, the weights of the others are
   renormalized and the ensemble is scored again on the out-of-fold predictions; if it
   no longer beats the best single trial, the single trial is used.
2. **Single model** otherwise: the best trial, refitted on all the data. A refit that
   fails or times out falls back to the next-best trial, with the reason in the notes.

Every refit runs in a guarded worker process (:func:`metalearn.evaluate.run_in_worker`),
single-threaded like the trials, with a memory cap and a timeout: ``refit_timeout``
seconds per model if given, else :func:`refit_allowance` (``max(60 s, 3 x the trial's
own CV time)``: a 5-fold CV fits five models on 80% of the rows, so a refit on all rows
needs about a quarter of it). The refit is not counted in the search's time budget; it
has this allowance of its own, and a progress bar shows it. The ensemble's members are
refitted ``n_jobs`` at a time (the search's ``--jobs``), each in its own worker, so the
time after the deadline shrinks with the cores; the members and the model do not depend
on ``n_jobs``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from metalearn.searcher.result import TrialRecord

__all__ = ["FinalModel", "MAX_CANDIDATES", "finalize", "refit_allowance"]

MAX_CANDIDATES = 20
"""The best trials (by CV score, one per configuration) the ensemble selection chooses from."""

MAX_FALLBACKS = 5
"""How many trials a single-model refit tries, best first, before giving up."""

MIN_REFIT_SECONDS = 60.0


@dataclass(frozen=True)
class FinalModel:
    """What :func:`finalize` returns.

    ``kind`` is ``"ensemble"``, ``"single"`` or ``None`` (no trial could be refitted).
    ``trial`` is the trial number of the single model (or of the best single trial when
    the model is an ensemble). ``members`` are ``(trial number, weight)`` pairs of the
    ensemble, ``ensemble_score`` its CV score on the out-of-fold predictions, and
    ``best_single_score`` the best single trial's CV score; ``notes`` say what was
    dropped or fallen back from, and why.
    """

    model: Any = None
    kind: str | None = None
    trial: int | None = None
    members: tuple = ()
    ensemble_score: float | None = None
    best_single_score: float | None = None
    notes: tuple = field(default_factory=tuple)

    def to_dict(self) -> dict:
        """The JSON-able description (everything but the fitted model)."""
        return {
            "kind": self.kind,
            "trial": self.trial,
            "members": [{"trial": int(n), "weight": float(w)} for n, w in self.members],
            "ensemble_score": self.ensemble_score,
            "best_single_score": self.best_single_score,
            "notes": list(self.notes),
        }


def refit_allowance(trial: TrialRecord, refit_timeout: float | None = None) -> float:
    """Seconds one refit of ``trial`` may take: ``refit_timeout``, else ``max(60, 3 x its CV time)``.

    >>> refit_allowance(TrialRecord(0, "GaussianNB", {}, 0.9, "ok", False, fit_time=40.0))
    120.0
    >>> refit_allowance(TrialRecord(0, "GaussianNB", {}, 0.9, "ok", False, fit_time=1.0), refit_timeout=5)
    5.0
    """
    if refit_timeout is not None:
        return float(refit_timeout)
    spent = trial.fit_time if trial.fit_time is not None and math.isfinite(trial.fit_time) else 0.0
    return max(MIN_REFIT_SECONDS, 3.0 * float(spent))


def _refit(trial: TrialRecord, X, y, *, random_state, timeout, memory_limit_mb, fit=None):
    """Refit one trial's configuration on all the data in a guarded worker: (model, None) or (None, reason)."""
    from metalearn.evaluate import fit_final, run_in_worker

    fit = fit or fit_final
    outcome = run_in_worker(
        lambda: fit(trial.algorithm, dict(trial.params), X, y, random_state=random_state),
        timeout=timeout, memory_limit_mb=memory_limit_mb,
    )
    if outcome.status == "ok" and outcome.value is not None:
        return outcome.value, None
    reason = {"timeout": f"timed out after {timeout:g} s", "memout": "ran out of memory"}.get(
        outcome.status, f"failed ({outcome.error})")
    return None, reason


def _refit_all(trials: list[TrialRecord], X, y, *, refit_timeout, n_jobs: int, bar, **kwargs) -> list[tuple]:
    """``_refit`` of each trial, ``n_jobs`` at a time (threads, each waiting on its own worker process);
    the (model, reason) pairs in the order of ``trials``."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    def one(t):
        return _refit(t, X, y, timeout=refit_allowance(t, refit_timeout), **kwargs)

    n = len(trials)
    workers = max(1, min(int(n_jobs), n))
    _describe(bar, f"refit {n} ensemble member(s)" + (f", {workers} at a time" if workers > 1 else ""))
    if workers == 1:
        out = []
        for k, t in enumerate(trials, 1):
            _describe(bar, f"refit ensemble member {k}/{n}: {t.algorithm}")
            out.append(one(t))
        return out
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="metalearn-refit") as pool:
        futures = {pool.submit(one, t): k for k, t in enumerate(trials)}
        out: list = [None] * n
        for done, future in enumerate(as_completed(futures), 1):
            out[futures[future]] = future.result()
            _describe(bar, f"refit ensemble members: {done}/{n} done, {workers} at a time")
    return out


def _ranked(trials: Sequence[TrialRecord]) -> list[TrialRecord]:
    """The finished trials, best CV score first (ties: earlier trial), one per configuration."""
    ok = [t for t in trials if t.status == "ok" and t.score is not None and math.isfinite(t.score)]
    ok.sort(key=lambda t: (-t.score, t.number))
    seen, out = set(), []
    for t in ok:
        key = (t.algorithm, repr(sorted(dict(t.params).items())))
        if key not in seen:
            seen.add(key)
            out.append(t)
    return out


def _weighted_score(preds, weights, y, metric, task, classes) -> float:
    from metalearn.ensemble import score_predictions

    total = sum(w * np.asarray(p, dtype=float) for p, w in zip(preds, weights))
    return float(score_predictions(total / sum(weights), y, metric, task=task, classes=classes))


def finalize(
    trials: Sequence[TrialRecord],
    predictions: Mapping[int, tuple],
    X,
    y,
    *,
    task: str,
    metric: str,
    ensemble: bool = True,
    random_state: int | None = 0,
    refit_timeout: float | None = None,
    memory_limit_mb: int | None = None,
    progress: bool = False,
    fit=None,
    n_jobs: int = 1,
) -> FinalModel:
    """Refit the search's result: a greedy ensemble when it beats the best trial, else the best trial.

    Parameters
    ----------
    trials : sequence of TrialRecord
        The search's trials (any status; only ``"ok"`` ones are used).
    predictions : mapping of trial number to (oof, classes)
        Out-of-fold predictions of finished trials (``evaluate(..., keep_predictions=True)``);
        trials without an entry cannot be ensemble members.
    X, y
        All the training data.
    ensemble : bool
        ``False`` gives the best single trial.
    refit_timeout : float, optional
        Seconds per refit (default :func:`refit_allowance`).
    fit : callable, optional
        Replaces :func:`metalearn.evaluate.fit_final` (same signature). For tests.
    n_jobs : int
        How many ensemble members are refitted at once (each in its own worker process).

    Returns
    -------
    FinalModel
    """
    ranked = _ranked(trials)
    if not ranked:
        return FinalModel(notes=("no trial finished: nothing to refit",))
    best = ranked[0]
    notes: list[str] = []
    bar = _bar(progress)
    try:
        kwargs = dict(random_state=random_state, memory_limit_mb=memory_limit_mb, fit=fit)
        fitted: dict[int, Any] = {}
        seen: dict[str, float] = {}  # the ensemble's CV score, when one was selected
        if ensemble:
            built = _ensemble(ranked, predictions, X, y, task=task, metric=metric, refit_timeout=refit_timeout,
                              notes=notes, fitted=fitted, seen=seen, bar=bar, n_jobs=n_jobs, **kwargs)
            if built is not None:
                return built
        for t in ranked[:MAX_FALLBACKS]:
            model = fitted.get(t.number)
            if model is None:
                _describe(bar, f"refit {t.algorithm}")
                model, reason = _refit(t, X, y, timeout=refit_allowance(t, refit_timeout), **kwargs)
                if model is None:
                    notes.append(f"the refit of trial {t.number} ({t.algorithm}) {reason}; "
                                 f"falling back to the next-best trial")
                    continue
            return FinalModel(model=model, kind="single", trial=t.number,
                              best_single_score=seen.get("best_single", float(best.score)),
                              ensemble_score=seen.get("score"), notes=tuple(notes))
        notes.append(f"no refit succeeded among the best {min(len(ranked), MAX_FALLBACKS)} trials")
        return FinalModel(best_single_score=float(best.score), notes=tuple(notes))
    finally:
        if bar is not None:
            bar.close()


def _ensemble(ranked, predictions, X, y, *, task, metric, refit_timeout, notes, fitted, seen, bar, n_jobs, **kwargs):
    """The ensemble FinalModel, or None (not enough candidates, or it does not beat the best trial)."""
    from metalearn.ensemble import select_ensemble, voting_ensemble
    from metalearn.exceptions import MetaLearnError

    cands = [t for t in ranked if predictions.get(t.number) is not None][:MAX_CANDIDATES]
    if len(cands) < 2:
        return None
    preds = [predictions[t.number][0] for t in cands]
    classes = predictions[cands[0].number][1]
    y_arr = np.asarray(y)
    try:
        sel = select_ensemble(preds, y_arr, metric, task=task, classes=classes)
    except MetaLearnError as exc:
        notes.append(f"no ensemble: {exc}")
        return None
    best_single = float(sel.best_single_score)
    seen["score"], seen["best_single"] = float(sel.score), best_single
    if not sel.improves:
        notes.append(f"the ensemble's CV score ({sel.score:.4f}) does not beat the best single trial's "
                     f"({best_single:.4f}): the single model is used")
        return None
    members = list(zip(sel.members, sel.weights))
    kept = []
    refits = _refit_all([cands[i] for i, _ in members], X, y, refit_timeout=refit_timeout, n_jobs=n_jobs, bar=bar,
                        **kwargs)
    for (index, weight), (model, reason) in zip(members, refits):
        t = cands[index]
        if model is None:
            notes.append(f"ensemble member trial {t.number} ({t.algorithm}) dropped: its refit {reason}")
            continue
        fitted[t.number] = model
        kept.append((index, weight, model))
    if len(kept) < len(members):
        if len(kept) < 2:
            notes.append("fewer than 2 ensemble members could be refitted: the single model is used")
            return None
        score = _weighted_score([preds[i] for i, _, _ in kept], [w for _, w, _ in kept], y_arr, metric, task, classes)
        seen["score"] = score
        if not score > best_single:
            notes.append(f"without the dropped members the ensemble's CV score ({score:.4f}) does not beat the "
                         f"best single trial's ({best_single:.4f}): the single model is used")
            return None
    else:
        score = float(sel.score)
    total = sum(w for _, w, _ in kept)
    weights = [w / total for _, w, _ in kept]
    numbers = [cands[i].number for i, _, _ in kept]
    try:
        model = voting_ensemble([m for _, _, m in kept], weights, task=task,
                                names=[f"trial{n}_{cands[i].algorithm}" for n, (i, _, _) in zip(numbers, kept)])
    except MetaLearnError as exc:
        notes.append(f"the ensemble could not be assembled ({exc}): the single model is used")
        return None
    return FinalModel(model=model, kind="ensemble", trial=cands[sel.best_single].number,
                      members=tuple(zip(numbers, weights)), ensemble_score=float(score),
                      best_single_score=best_single, notes=tuple(notes))


def _bar(progress: bool):
    if not progress:
        return None
    import sys

    from tqdm.auto import tqdm

    return tqdm(total=None, desc="refit", bar_format="{desc} [{elapsed}]", file=sys.stderr, dynamic_ncols=True)


def _describe(bar, text: str) -> None:
    if bar is not None:
        bar.set_description_str(text)
