"""The leaderboard of a search: one row per trial, best first.

:func:`leaderboard` takes the trials (:class:`metalearn.searcher.TrialRecord` objects or
their ``to_dict()`` dicts) and returns a DataFrame: ``rank`` (1 = best; none for a trial
without a score), ``number``, ``algorithm``, ``params`` (only the parameters that differ
from the algorithm's defaults, the canonical form of :mod:`metalearn.space.canonical`),
``score``, ``score_std`` (across folds, when the trial records it), ``fit_time``,
``warm_start`` and ``status``. Ties in score keep the earlier trial first.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import pandas as pd

from metalearn.exceptions import MetaLearnError

__all__ = ["LEADERBOARD_COLUMNS", "leaderboard"]

LEADERBOARD_COLUMNS = ("rank", "number", "algorithm", "params", "score", "score_std", "fit_time", "warm_start", "status")


def _as_dict(trial) -> Mapping[str, Any]:
    return trial if isinstance(trial, Mapping) else trial.to_dict()


def _key_params(algorithm: str, params: Mapping[str, Any]) -> dict:
    from metalearn.space.canonical import canonical_config

    try:
        return canonical_config(algorithm, params)[1]
    except MetaLearnError:  # a parameter the registry refuses: show what the trial ran
        return dict(params)


def _number(value) -> float:
    if value is None:
        return math.nan
    value = float(value)
    return value if math.isfinite(value) else math.nan


def leaderboard(trials: Iterable) -> pd.DataFrame:
    """Return the trials as a DataFrame sorted by score, best first (see the module doc)."""
    rows = []
    for t in trials:
        d = _as_dict(t)
        score = _number(d.get("score")) if d.get("status", "ok") == "ok" else math.nan
        rows.append({
            "number": int(d["number"]),
            "algorithm": d["algorithm"],
            "params": _key_params(d["algorithm"], d.get("params") or {}),
            "score": score,
            "score_std": _number(d.get("score_std")),
            "fit_time": _number(d.get("fit_time")),
            "warm_start": bool(d.get("warm_start", False)),
            "status": d.get("status", "ok"),
        })
    frame = pd.DataFrame(rows, columns=[c for c in LEADERBOARD_COLUMNS if c != "rank"])
    frame = frame.sort_values(["score", "number"], ascending=[False, True], na_position="last", kind="stable")
    frame = frame.reset_index(drop=True)
    scored = frame["score"].notna()
    frame.insert(0, "rank", pd.array([i + 1 if ok else pd.NA for i, ok in enumerate(scored)], dtype="Int64"))
    return frame
