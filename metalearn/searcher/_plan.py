"""The warm start: the recommendations, de-duplicated, diversified, with strong defaults."""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Mapping, Sequence

from metalearn.exceptions import MetaLearnError, SearchError
from metalearn.searcher._study import evidence_dataset_ids

__all__ = ["WARM_START_STRATEGIES", "warm_start_plan", "algorithm_regret", "lead_on_large_data", "LARGE_DATA_ROWS"]


WARM_START_STRATEGIES = ("blend", "portfolio")
"""``"portfolio"``: the recommender's top configurations in its order; ``"blend"``: see :func:`warm_start_plan`."""

_STRONG_DEFAULTS = MappingProxyType({
    # well-known strong configurations of our space (scikit-learn's defaults unless given)
    "classification": (
        ("RandomForestClassifier", ()),
        ("HistGradientBoostingClassifier", ()),
        ("SVC", (("C", 1.0), ("gamma", "scale"), ("kernel", "rbf"))),
        ("ExtraTreesClassifier", ()),
        ("LogisticRegression", ()),
    ),
    "regression": (
        ("RandomForestRegressor", ()),
        ("HistGradientBoostingRegressor", ()),
        ("SVR", (("C", 1.0), ("gamma", "scale"), ("kernel", "rbf"))),
        ("ExtraTreesRegressor", ()),
        ("Ridge", ()),
    ),
})
LARGE_DATA_ROWS = 5_000
"""Rows from which the warm start opens with a histogram gradient boosting default (:func:`lead_on_large_data`)."""

_LARGE_DATA_LEAD = ("HistGradientBoostingClassifier", "HistGradientBoostingRegressor")
_AGAINST = 0.25  # an algorithm whose best run on the neighbours has this normalized regret or more is not added
_NEAR = math.log(2.0)  # numeric parameters within a factor of 2 make two configurations near-identical


def _near_identical(a: tuple[str, Mapping], b: tuple[str, Mapping]) -> bool:
    """Same algorithm, same non-numeric values, numeric values within a factor of 2 (inclusive).

    >>> _near_identical(("SVC", {"C": 16.0, "kernel": "rbf"}), ("SVC", {"C": 10.0, "kernel": "rbf"}))
    True
    >>> _near_identical(("SVC", {"C": 16.0, "kernel": "rbf"}), ("SVC", {"C": 1.0, "kernel": "rbf"}))
    False
    """
    (name_a, pa), (name_b, pb) = a, b
    if name_a != name_b or set(pa) != set(pb):
        return False
    for key, va in pa.items():
        vb = pb[key]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (va, vb))
        if not numeric:
            if va != vb:
                return False
        elif va != vb:
            if va <= 0 or vb <= 0 or abs(math.log(va / vb)) > _NEAR + 1e-9:
                return False
    return True


def _full(cand) -> tuple[str, dict]:
    from metalearn import space

    return cand[0], {**space.default_params(cand[0]), **cand[1]}


def algorithm_regret(kb, recs, metric, exclude_ids) -> dict[str, float]:
    """Mean normalized regret of each algorithm's best run on the recommendations' neighbour datasets.

    On each neighbour, ``(best - best of the algorithm) / (best - worst)`` over its runs under ``metric``;
    averaged over the neighbours with a run of the algorithm. An algorithm absent from the neighbours'
    runs is absent from the result (no evidence either way).
    """
    ids = evidence_dataset_ids(recs, exclude_ids)
    if kb is None or not ids:
        return {}
    runs = kb.runs_frame(dataset_ids=ids, metric=metric, status="ok")
    if runs is None or not len(runs):
        return {}
    runs = runs[["dataset_id", "algorithm", "score"]].dropna()
    per = runs.groupby(["dataset_id", "algorithm"])["score"].max().unstack()
    best, worst = per.max(axis=1), runs.groupby("dataset_id")["score"].min().reindex(per.index)
    spread = (best - worst).where(lambda s: s > 0)
    regret = per.rsub(best, axis=0).div(spread, axis=0)
    return {str(k): float(v) for k, v in regret.mean(axis=0, skipna=True).items() if math.isfinite(v)}


def warm_start_plan(recs, *, task: str, algorithms: Sequence[str], n: int, strategy: str = "blend",
                    regret: Mapping[str, float] | None = None) -> list[tuple[str, dict, str]]:
    """Choose the warm start's configurations: a list of ``(algorithm, params, reason)``, at most ``n``.

    ``"portfolio"`` keeps the recommender's top ``n`` in its order. ``"blend"`` (the default):

    * drops near-identical configurations (same algorithm and choices, numbers within a factor of 2,
      compared with the unset parameters at their defaults)
      and keeps at most ``max(2, n // 4)`` configurations per algorithm, for diversity;
    * adds strong well-known configurations of the space (RandomForest, HistGradientBoosting,
      ExtraTrees and logistic regression / ridge with scikit-learn's defaults, an RBF SVC/SVR with
      ``gamma="scale"``) unless the neighbours' runs count against their algorithm (``regret``: its
      mean normalized regret there is 0.25 or more), ordered by that regret (no evidence: last);
    * interleaves them: recommendation, default, recommendation, default, ... .

    >>> plan = warm_start_plan([], task="binary", algorithms=["SVC", "RandomForestClassifier"], n=3)
    >>> [(name, reason) for name, _, reason in plan]
    [('RandomForestClassifier', 'default'), ('SVC', 'default')]
    """
    from metalearn import space

    if strategy not in WARM_START_STRATEGIES:
        raise SearchError(f"warm_start_strategy={strategy!r} is not one of {', '.join(WARM_START_STRATEGIES)}")
    recommended = []
    for r in recs:
        if r.algorithm in algorithms:
            try:
                recommended.append((r.algorithm, space.validate_params(r.algorithm, r.params), "recommended"))
            except MetaLearnError:
                continue
    if strategy == "portfolio" or n <= 0:
        return recommended[: max(n, 0)]
    cap = max(2, n // 4)
    kept: list[tuple[str, dict, str]] = []
    for cand in recommended:
        if sum(c[0] == cand[0] for c in kept) >= cap:
            continue
        if any(_near_identical(_full(cand), _full(c)) for c in kept):
            continue
        kept.append(cand)
    regret = dict(regret or {})
    defaults = []
    table = _STRONG_DEFAULTS["regression" if task == "regression" else "classification"]
    for order, (name, overrides) in enumerate(table):
        if name not in algorithms or regret.get(name, 0.0) >= _AGAINST:
            continue
        params = space.validate_params(name, {**space.default_params(name), **dict(overrides)})
        defaults.append((regret.get(name, math.inf), order, (name, params, "default")))
    defaults = [d[2] for d in sorted(defaults, key=lambda d: d[:2])]
    out: list[tuple[str, dict, str]] = []
    queues = [kept, defaults]  # the recommender's first choice first
    turn = 0
    while len(out) < n and (defaults or kept):
        queue = queues[turn % 2] if queues[turn % 2] else queues[(turn + 1) % 2]
        cand = queue.pop(0)
        turn += 1
        if any(_near_identical(_full(cand), _full(c)) for c in out):
            continue
        out.append(cand)
    return out


def lead_on_large_data(plan: Sequence[tuple], n_rows: int) -> list[tuple]:
    """``plan`` (``(algorithm, params, reason)`` triples) with, on :data:`LARGE_DATA_ROWS` rows
    or more, its histogram gradient boosting default moved to the front; otherwise unchanged.

    On large data a good model must come early: histogram gradient boosting's cost grows about
    linearly with the rows (binned features), and its default was the best single configuration
    of 60 s searches on the regression sets this was designed on (modeldata's deliveries and
    hotel_rates, ggplot2movies' movies: 10,000-59,000 rows), where the plan's cheaper
    recommendations (linear models, run first by gain per second) scored far below it
    (holdout R² 0.89 against 0.96, 0.12 against 0.27).

    >>> plan = [("Ridge", {}, "recommended"), ("HistGradientBoostingRegressor", {}, "default")]
    >>> [p[0] for p in lead_on_large_data(plan, 50_000)], [p[0] for p in lead_on_large_data(plan, 500)]
    (['HistGradientBoostingRegressor', 'Ridge'], ['Ridge', 'HistGradientBoostingRegressor'])
    """
    plan = list(plan)
    if n_rows < LARGE_DATA_ROWS:
        return plan
    lead = [p for p in plan if p[0] in _LARGE_DATA_LEAD and p[2] == "default"][:1]
    return lead + [p for p in plan if p not in lead]
