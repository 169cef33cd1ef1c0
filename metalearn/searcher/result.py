"""What a search returns: :class:`TrialRecord` (one trial) and :class:`SearchResult`.

>>> from metalearn.searcher import SearchResult, TrialRecord
>>> t = TrialRecord(number=0, algorithm="GaussianNB", params={}, score=0.9, status="ok", warm_start=True)
>>> r = SearchResult(best_score=0.9, best_params={}, algorithm="GaussianNB", metric="balanced_accuracy",
...                  protocol="5-fold CV", task="multiclass", dataset="iris", trials=(t,))
>>> r.to_dict()["trials"][0]["warm_start"]
True
>>> r.best_so_far()
[0.9]
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from metalearn.exceptions import SearchError

__all__ = ["SearchResult", "TrialRecord", "describe_final", "finite_or_none"]


def finite_or_none(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class TrialRecord:
    """One trial of a search.

    ``status`` is ``"ok"``, ``"failed"``, ``"timeout"``, ``"memout"`` (as returned by the
    evaluation) or ``"stopped"`` (cut short by the search's time budget). ``score`` is
    NaN unless the status is ``"ok"``. ``warm_start`` is true for trials enqueued from the
    knowledge base's recommendations.
    """

    number: int
    algorithm: str
    params: Mapping[str, Any]
    score: float
    status: str
    warm_start: bool
    fit_time: float | None = None
    duration: float | None = None
    error: str | None = None
    source: str = "sampler"
    score_std: float | None = None

    def to_dict(self) -> dict:
        """Return the record as a JSON-able dict (NaN as ``None``)."""
        return {
            "number": self.number,
            "algorithm": self.algorithm,
            "params": dict(self.params),
            "score": finite_or_none(self.score),
            "status": self.status,
            "warm_start": self.warm_start,
            "source": self.source,
            "fit_time": finite_or_none(self.fit_time),
            "duration": finite_or_none(self.duration),
            "error": self.error,
            "score_std": finite_or_none(self.score_std),
        }


@dataclass(frozen=True)
class SearchResult:
    """The outcome of :func:`search`.

    ``best_score`` is the best cross-validated score (higher is better) of a trial whose
    status is ``"ok"``; NaN, with ``algorithm`` ``None``, if no trial succeeded. ``model`` is
    the best configuration refitted on all the data (``None`` if ``refit=False`` or no
    trial succeeded).
    """

    best_score: float
    best_params: Mapping[str, Any]
    algorithm: str | None
    metric: str
    protocol: str
    task: str
    dataset: str
    trials: tuple[TrialRecord, ...]
    content_hash: str | None = None
    kb_dataset_id: int | None = None
    search_id: int | None = None
    study_name: str | None = None
    elapsed: float = float("nan")
    n_warm_start: int = 0
    algorithms: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    model: Any = field(default=None, repr=False, compare=False)
    study: Any = field(default=None, repr=False, compare=False)
    model_metadata: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    final: Mapping[str, Any] | None = None
    """What ``model`` is (:func:`describe_final`): ``kind`` ("ensemble" or "single"), ``trial``, ``score``,
    ``members`` (trial, algorithm, weight), ``ensemble_score`` and ``best_single_score`` (both on the pooled
    out-of-fold predictions), ``notes``; ``None`` without a refit."""
    """The saved model's metadata (:func:`metalearn.model.model_metadata`), with the refitted ``model``."""
    """The Optuna study the trials ran in (``None`` for a result built by hand)."""

    @property
    def best_trial(self) -> TrialRecord | None:
        """The best successful trial, or ``None``."""
        ok = [t for t in self.trials if t.status == "ok" and math.isfinite(t.score)]
        return max(ok, key=lambda t: (t.score, -t.number)) if ok else None

    def best_so_far(self) -> list[float]:
        """Best score after each trial, in trial order (NaN until a trial succeeds)."""
        out, best = [], float("nan")
        for t in sorted(self.trials, key=lambda t: t.number):
            if t.status == "ok" and math.isfinite(t.score) and not (t.score <= best):
                best = t.score
            out.append(best)
        return out

    def to_dict(self) -> dict:
        """Return the result as a JSON-able dict (the ``--json`` output)."""
        return {
            "dataset": self.dataset,
            "task": self.task,
            "metric": self.metric,
            "protocol": self.protocol,
            "best_score": finite_or_none(self.best_score),
            "algorithm": self.algorithm,
            "best_params": dict(self.best_params),
            "n_trials": len(self.trials),
            "n_warm_start": self.n_warm_start,
            "elapsed": finite_or_none(self.elapsed),
            "search_id": self.search_id,
            "kb_dataset_id": self.kb_dataset_id,
            "content_hash": self.content_hash,
            "study_name": self.study_name,
            "algorithms": list(self.algorithms),
            "warnings": list(self.warnings),
            "final": None if self.final is None else dict(self.final),
            "trials": [t.to_dict() for t in self.trials],
        }

    def to_json(self, **kwargs) -> str:
        """Return :meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), **kwargs)

    def trials_frame(self):
        """Return the trials as a pandas DataFrame, one row per trial."""
        import pandas as pd

        rows = [t.to_dict() for t in self.trials]
        for r in rows:
            r["params"] = json.dumps(r["params"], sort_keys=True)
        cols = ["number", "algorithm", "params", "score", "status", "warm_start", "source", "fit_time", "duration", "error"]
        return pd.DataFrame(rows, columns=cols).set_index("number")

    def leaderboard(self):
        """Return the trials as a DataFrame sorted by score, best first (:func:`metalearn.leaderboard.leaderboard`).

        Columns: rank, number, algorithm, params (those differing from the defaults), score,
        score_std (spread across folds), fit_time, warm_start, status.
        """
        from metalearn.leaderboard import leaderboard

        return leaderboard(self.trials)

    def summary(self, max_rows: int = 60) -> str:
        """Return the trial table and the best configuration as text (what the CLI prints).

        >>> t = TrialRecord(number=0, algorithm="GaussianNB", params={}, score=0.9, status="ok", warm_start=True)
        >>> r = SearchResult(0.9, {}, "GaussianNB", "accuracy", "5-fold CV", "binary", "demo", (t,))
        >>> print(r.summary().splitlines()[0])
            #  warm  status   accuracy  time(s)  algorithm / params
        """
        trials = sorted(self.trials, key=lambda t: t.number)
        width = max(len(self.metric), 7)
        lines = [f"{'#':>5}  warm  status   {self.metric:>{width}}  time(s)  algorithm / params"]
        shown = trials if len(trials) <= max_rows else trials[: max_rows // 2] + [None] + trials[-max_rows // 2 :]
        for t in shown:
            if t is None:
                lines.append(f"{'...':>5}")
                continue
            score = f"{t.score:.4f}" if math.isfinite(t.score) else "-"
            secs = f"{t.duration:.1f}" if t.duration is not None else "-"
            params = json.dumps(dict(t.params), sort_keys=True, default=str)
            text = f"{t.algorithm} {params}" if t.status == "ok" else f"{t.algorithm} {params}  [{t.error or t.status}]"
            if len(text) > 110:
                text = text[:107] + "..."
            lines.append(f"{t.number + 1:>5}  {'yes' if t.warm_start else '':<4}  {t.status:<7}  {score:>{width}}  {secs:>7}  {text}")
        lines.append("")
        lines.extend(self.footer())
        return "\n".join(lines)

    def footer(self) -> list[str]:
        """The lines under the trial table: the counts, the notes, the best trial and the final model.

        Trials are numbered from 1, as in the table and the plot (``TrialRecord.number`` + 1).

        >>> t = TrialRecord(number=0, algorithm="GaussianNB", params={}, score=0.9, status="ok", warm_start=False)
        >>> SearchResult(0.9, {}, "GaussianNB", "accuracy", "5-fold CV", "binary", "demo", (t,)).footer()[-1]
        'best accuracy: 0.9000  GaussianNB {}'
        """
        trials = self.trials
        counts: dict[str, int] = {}
        for t in trials:
            counts[t.status] = counts.get(t.status, 0) + 1
        other = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()) if status != "ok")
        lines = [f"{len(trials)} trials ({counts.get('ok', 0)} ok{', ' + other if other else ''}), "
                 f"{self.n_warm_start} from the warm start, {self.protocol or 'no protocol'}"]
        lines.extend(f"note: {w}" for w in self.warnings)
        if self.algorithm is None:
            lines.append("best: none (no trial succeeded)")
            return lines
        params = json.dumps(dict(self.best_params), sort_keys=True, default=str)
        lines.append(f"best {self.metric}: {self.best_score:.4f}  {self.algorithm} {params}")
        final = self.final or {}
        if final.get("kind") == "ensemble":
            members = ", ".join(f"{m['weight']:.2f} x {m['algorithm']} (trial {m['trial'] + 1})" for m in final["members"])
            lines.append(f"model: an ensemble of {len(final['members'])}, out-of-fold {self.metric} "
                         f"{final['ensemble_score']:.4f} against {final['best_single_score']:.4f} for the best "
                         f"single trial: {members}")
        elif final.get("kind") == "single":
            lines.append(f"model: trial {final['trial'] + 1} ({final['algorithm']}) refitted on all the data")
        return lines

    def save_model(self, path):
        """Save the refitted model with its metadata (:func:`metalearn.model.save_model`); return the path.

        The file is ``{"model": estimator, "metadata": {...}}``, read by :func:`metalearn.model.load_model`
        and ``metalearn predict``. A path that cannot be written raises :class:`~metalearn.exceptions.ModelError`.
        """
        from metalearn.model import save_model

        if self.model is None:
            raise SearchError(f"no refitted model to save to {path}: no trial succeeded, or the search ran with refit=False")
        return save_model(self.model, path, self.model_metadata or {})

    def plot(self, path=None, ax=None):
        """Draw the convergence curve (see :func:`metalearn.plot.plot_convergence`)."""
        from metalearn.plot import plot_convergence

        return plot_convergence(self, path=path, ax=ax)


def describe_final(final, trials) -> dict:
    """The JSON-able description of a :class:`~metalearn.searcher._final.FinalModel` (``SearchResult.final``)."""
    by_number = {t.number: t for t in trials}
    out = final.to_dict()
    chosen = by_number.get(final.trial)
    out["algorithm"] = chosen.algorithm if chosen is not None else None
    out["score"] = finite_or_none(chosen.score) if chosen is not None else None
    for m in out["members"]:
        member = by_number.get(m["trial"])
        m["algorithm"] = member.algorithm if member is not None else None
        m["params"] = dict(member.params) if member is not None else {}
    return out
