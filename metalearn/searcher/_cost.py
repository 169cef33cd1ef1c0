"""The predicted cost of a configuration on a dataset, from the KB's fit times.

The model (per algorithm, least squares on the logarithms; stated here because the
warm start's order and its skip decisions depend on it)::

    log(seconds) = a[configuration] + b * log(n_rows) + c * log(n_features)

* ``b`` and ``c`` are the algorithm's slopes, fitted on every timed run of the
  algorithm when they span at least :data:`MIN_RUNS_FOR_SLOPES` runs on
  :data:`MIN_DATASETS_FOR_SLOPES` datasets: least squares within configurations
  (each configuration its own intercept; pooled if no configuration ran on datasets
  of different sizes), each clipped to ``[0, 2.5]``. Otherwise its other-task sibling's
  (:func:`sibling`), else the median of the slopes of the algorithms that have their own
  (``pooled``; with none, one fit over all the runs), and ``b = c = 1`` (time linear in
  rows x features) only when the KB cannot fit those either.
  Assuming linear time from a few runs on small data predicted 190-560 s for
  HistGradientBoosting, random forests and extra trees on 12,000-47,000 rows, whose
  5-fold CV takes 4-20 s there: small runs are mostly fixed overhead.
* A model fitted on a few datasets only (:meth:`CostModel.from_kb` with
  ``dataset_ids``, a search's neighbours) takes the slopes of the whole KB's model
  (its algorithm's own, else the pooled ones) when the algorithm has too few runs there:
  the neighbours say how fast an algorithm is on data like this, the whole KB how its
  time grows with the data.
* ``a`` is the median residual ``log(t) - b log(rows) - c log(features)`` of the
  configuration's own runs when it has some (the same configuration on other
  datasets), else the median residual of all the algorithm's runs (robust to the
  few runs that hit a timeout or ran on a loaded machine).

Fit times are the stored ``fit_time`` of runs with status ``ok`` (seconds of the whole
evaluation as the source measured it; sources differ, the model does not correct
that). The coefficients are derived data of the KB (:meth:`KnowledgeBase.store_derived`),
rebuilt when the runs change.

>>> import tempfile, os
>>> from metalearn.kb import KnowledgeBase, RunInput
>>> with tempfile.TemporaryDirectory() as tmp:
...     with KnowledgeBase.open(os.path.join(tmp, "kb.sqlite"), create="empty") as kb:
...         runs = []
...         for i, rows in enumerate([100, 1000, 10000]):
...             d = kb.add_dataset(f"d{i}", task_type="binary", source="test", n_rows=rows, n_cols=10).dataset_id
...             c = kb.add_configuration("GaussianNB", {}).configuration_id
...             runs.append(RunInput(d, c, "accuracy", 0.9, "5-fold CV", fit_time=rows / 1000))
...         _ = kb.add_runs(runs)
...         round(predict_cost(kb, "GaussianNB", {}, n_rows=100_000, n_features=10), 3)
100.0
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["CostModel", "predict_cost", "order_by_gain_per_second", "budget_warm_start", "MIN_RUNS_FOR_SLOPES",
           "MIN_DATASETS_FOR_SLOPES"]

MIN_RUNS_FOR_SLOPES = 10
"""Timed runs an algorithm needs before its own slopes replace ``b = c = 1``."""

MIN_DATASETS_FOR_SLOPES = 3
"""Distinct datasets those runs must cover."""

PRIOR_DATASETS = 60
"""Datasets (spread over the sizes) whose runs give a search's cost model the KB's slopes when none is stored."""

_SLOPE_RANGE = (0.0, 2.5)
_DERIVED_NAME = "cost_model"
_DERIVED_KEY = "v2"


@dataclass(frozen=True)
class CostModel:
    """Fitted coefficients: ``algorithms`` maps a name to ``(intercept, b, c, n_runs)``;
    ``configurations`` maps a configuration id to ``(algorithm, intercept)``; ``pooled``
    is the ``(b, c)`` of all the runs, the slopes of an algorithm with too few runs; ``own``
    names the algorithms whose slopes were fitted on their own runs."""

    algorithms: Mapping[str, tuple]
    configurations: Mapping[int, tuple]
    pooled: tuple = (1.0, 1.0)
    own: frozenset = frozenset()

    @classmethod
    def from_kb(cls, kb, dataset_ids=None) -> "CostModel":
        """The model of ``kb``'s timed runs (read from its derived data when fresh), or of
        the runs on ``dataset_ids`` only (e.g. a search's neighbours: quick, not stored),
        with the whole KB's slopes for the algorithms those runs cannot fit slopes for: its
        stored model when fresh, else (without writing to the KB) a model of the runs on
        :data:`PRIOR_DATASETS` datasets spread evenly over the KB's sizes, which gives the
        slopes at a fraction of the cost (reading all of a seed KB's 110,000 runs took 5-20 s
        of a 60 s search)."""
        if dataset_ids is not None:
            datasets = kb.datasets_frame()
            prior = cls._cached(kb)
            if prior is None:
                prior = cls.fit(kb.runs_frame(dataset_ids=_spread(datasets, PRIOR_DATASETS), status="ok"), datasets)
            return cls.fit(kb.runs_frame(dataset_ids=list(dataset_ids), status="ok"), datasets, prior=prior)
        model = cls._cached(kb)
        if model is not None:
            return model
        model = cls.fit(kb.runs_frame(status="ok"), kb.datasets_frame())
        ids = np.fromiter(model.configurations, dtype=np.int64, count=len(model.configurations))
        intercepts = np.array([model.configurations[i][1] for i in ids.tolist()], dtype=np.float64)
        names = sorted(model.algorithms)
        codes = np.array([names.index(model.configurations[i][0]) for i in ids.tolist()], dtype=np.int64)
        kb.store_derived(_DERIVED_NAME, _DERIVED_KEY, {"ids": ids, "intercepts": intercepts, "codes": codes},
                         info={"algorithms": {n: list(model.algorithms[n]) for n in names}, "names": names,
                               "pooled": list(model.pooled), "own": sorted(model.own)})
        return model

    @classmethod
    def _cached(cls, kb) -> "CostModel | None":
        """The model stored in ``kb``'s derived data, if fresh and readable."""
        cached = kb.derived(_DERIVED_NAME, _DERIVED_KEY)
        return cls._decode(*cached) if cached is not None else None

    @staticmethod
    def _decode(arrays, info) -> "CostModel | None":
        try:
            algorithms = {str(n): tuple(float(v) for v in row) for n, row in info["algorithms"].items()}
            names = [str(n) for n in info["names"]]
            pooled = tuple(float(v) for v in info["pooled"])
            own = frozenset(str(n) for n in info["own"])
            configurations = {
                int(i): (names[int(code)], float(a))
                for i, a, code in zip(arrays["ids"].tolist(), arrays["intercepts"].tolist(), arrays["codes"].tolist())
            }
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            return None  # not what from_kb writes: refit
        if len(pooled) != 2:
            return None
        return CostModel(MappingProxyType(algorithms), MappingProxyType(configurations), pooled, own)

    def slopes(self, algorithm: str) -> tuple[float, float] | None:
        """``(b, c)`` of ``algorithm`` when fitted on its own runs, else None."""
        if algorithm not in self.own:
            return None
        fitted = self.algorithms[algorithm]
        return float(fitted[1]), float(fitted[2])

    @classmethod
    def fit(cls, runs, datasets, prior: "CostModel | None" = None) -> "CostModel":
        """Fit on a runs frame (``runs_frame`` columns) and a datasets frame (``datasets_frame``).

        An algorithm with too few runs for slopes of its own takes, in this order: ``prior``'s
        own slopes of it, the own slopes (``prior``'s, else these runs') of its other-task
        sibling (:func:`sibling`: the same learner, so the same growth), the pooled slopes
        (``prior``'s, else these runs')."""
        import pandas as pd

        sizes = datasets[["n_rows", "n_cols"]].astype("float64")
        frame = runs[["dataset_id", "configuration_id", "algorithm", "fit_time"]].join(sizes, on="dataset_id")
        frame = frame[(frame["fit_time"] > 0) & (frame["n_rows"] > 0) & (frame["n_cols"] > 0)].dropna()
        # one measurement per (dataset, configuration, time): a source storing one fit under 5 metrics counts once
        frame = frame.drop_duplicates(["dataset_id", "configuration_id", "fit_time"])
        groups = {str(name): group for name, group in frame.groupby("algorithm", sort=True)}
        logs = {name: tuple(np.log(g[col].to_numpy()) for col in ("fit_time", "n_rows", "n_cols"))
                for name, g in groups.items()}
        slopes = {name: _slopes(*logs[name], g["configuration_id"].to_numpy()) for name, g in groups.items()
                  if len(g) >= MIN_RUNS_FOR_SLOPES and g["dataset_id"].nunique() >= MIN_DATASETS_FOR_SLOPES}
        pooled = prior.pooled if prior is not None else (1.0, 1.0)
        if prior is None and slopes:  # the typical algorithm's: not weighted by how often each was run
            pooled = tuple(float(np.median([v[k] for v in slopes.values()])) for k in (0, 1))
        elif prior is None and len(frame) >= MIN_RUNS_FOR_SLOPES and frame["dataset_id"].nunique() >= MIN_DATASETS_FOR_SLOPES:
            pooled = _slopes(np.log(frame["fit_time"].to_numpy()), np.log(frame["n_rows"].to_numpy()),
                             np.log(frame["n_cols"].to_numpy()), frame["configuration_id"].to_numpy())
        algorithms, configurations = {}, {}
        for name, group in groups.items():
            log_t, log_r, log_f = logs[name]
            b, c = slopes.get(name) or (prior.slopes(name) if prior is not None else None) or (
                prior.slopes(sibling(name)) if prior is not None else None) or slopes.get(sibling(name)) or pooled
            residual = pd.Series(log_t - b * log_r - c * log_f, index=group.index)
            algorithms[name] = (float(residual.median()), b, c, float(len(group)))
            for cfg, median in residual.groupby(group["configuration_id"]).median().items():
                configurations[int(cfg)] = (name, float(median))
        return cls(MappingProxyType(algorithms), MappingProxyType(configurations), pooled, frozenset(slopes))

    def predict(self, algorithm: str, n_rows: int, n_features: int, configuration_id: int | None = None) -> float | None:
        """Predicted seconds of the configuration (its id, if the KB has it) on ``n_rows`` x
        ``n_features``; None when the KB has no timed run of the algorithm."""
        fitted = self.algorithms.get(algorithm)
        if fitted is None:
            return None
        intercept, b, c, _n = fitted
        known = self.configurations.get(configuration_id) if configuration_id is not None else None
        if known is not None and known[0] == algorithm:
            intercept = known[1]
        return float(math.exp(intercept + b * math.log(max(n_rows, 1)) + c * math.log(max(n_features, 1))))


_SIBLINGS = MappingProxyType({"Ridge": "RidgeClassifier", "RidgeClassifier": "Ridge", "SVR": "SVC", "SVC": "SVR",
                               "LinearSVR": "LinearSVC", "LinearSVC": "LinearSVR"})


def sibling(algorithm: str) -> str:
    """The same learner for the other task: scikit-learn's ``...Classifier`` / ``...Regressor`` pair,
    Ridge / RidgeClassifier, SVR / SVC, LinearSVR / LinearSVC; else the algorithm itself.

    >>> sibling("HistGradientBoostingRegressor"), sibling("SVR"), sibling("Lasso")
    ('HistGradientBoostingClassifier', 'SVC', 'Lasso')
    """
    if algorithm in _SIBLINGS:
        return _SIBLINGS[algorithm]
    for a, b in (("Regressor", "Classifier"), ("Classifier", "Regressor")):
        if algorithm.endswith(a):
            return algorithm[: -len(a)] + b
    return algorithm


def _spread(datasets, n: int) -> list[int]:
    """Ids of ``n`` datasets of ``datasets`` (a ``datasets_frame``) spread evenly over their sizes
    (rows x columns, ties by id), the smallest and the largest included; all when there are fewer."""
    sizes = datasets[["n_rows", "n_cols"]].astype("float64").dropna()
    sizes = sizes[(sizes["n_rows"] > 0) & (sizes["n_cols"] > 0)]
    ordered = sorted(zip((sizes["n_rows"] * sizes["n_cols"]).tolist(), sizes.index.tolist()))
    if len(ordered) <= n:
        return [int(i) for _, i in ordered]
    picks = np.unique(np.linspace(0, len(ordered) - 1, n).round().astype(int))
    return [int(ordered[k][1]) for k in picks]


def _slopes(log_t, log_r, log_f, configuration_ids) -> tuple[float, float]:
    """(b, c) by least squares within configurations (each configuration its own intercept,
    so a slow configuration on large datasets does not steepen the slopes); pooled with
    one intercept when the configurations' runs do not vary in size; clipped."""
    import pandas as pd

    groups = pd.Series(configuration_ids)
    columns = [log_t, log_r, log_f]
    within = [v - pd.Series(v).groupby(groups).transform("mean").to_numpy() for v in columns]
    design = np.column_stack(within[1:])
    if np.linalg.matrix_rank(design) == 2:
        coef, *_ = np.linalg.lstsq(design, within[0], rcond=None)
    else:
        coef, *_ = np.linalg.lstsq(np.column_stack([np.ones_like(log_r), log_r, log_f]), log_t, rcond=None)
        coef = coef[1:]
    b, c = (float(np.clip(v, *_SLOPE_RANGE)) if math.isfinite(v) else 1.0 for v in coef)
    return b, c


def predict_cost(kb, algorithm: str, params: Mapping[str, Any] | None, n_rows: int, n_features: int) -> float | None:
    """Predicted seconds of ``algorithm(**params)`` on a dataset of ``n_rows`` x ``n_features``,
    from ``kb``'s fit times (the same configuration's on other datasets, else the algorithm's),
    scaled by the log-log model of this module; None when the KB has no timed run of the algorithm."""
    found = kb.find_configuration(algorithm, dict(params or {}))
    return CostModel.from_kb(kb).predict(algorithm, n_rows, n_features,
                                         found.configuration_id if found is not None else None)


def order_by_gain_per_second(candidates: Sequence[tuple], costs: Sequence[float | None]) -> list[int]:
    """The order (indices into ``candidates``) in which to run them: by expected gain per second.

    The expected gain of the i-th candidate (0-based, in the warm start's own order,
    which is the recommender's belief) is taken as ``1 / (i + 1)``; its cost is the
    predicted seconds (an unknown cost counts as the median of the known ones, or 1 s).
    Ties keep the given order.

    >>> order_by_gain_per_second(["a", "b", "c"], [100.0, 1.0, None])
    [1, 0, 2]
    >>> order_by_gain_per_second(["a", "b"], [None, None])
    [0, 1]
    """
    known = [float(c) for c in costs if c is not None and math.isfinite(c) and c > 0]
    fallback = float(np.median(known)) if known else 1.0
    filled = [float(c) if c is not None and math.isfinite(c) and c > 0 else fallback for c in costs]
    rate = [(1.0 / (i + 1)) / cost for i, cost in enumerate(filled)]
    return sorted(range(len(candidates)), key=lambda i: (-rate[i], i))


def budget_warm_start(plan: Sequence[tuple], model: CostModel, kb, *, n_rows: int, n_features: int,
                      seconds_left: float, first_rung_share: float = 1.0,
                      n_workers: int | None = None) -> tuple[list, list[str]]:
    """The warm start's ``(algorithm, params, reason)`` plan, reordered by expected gain per
    second (:func:`order_by_gain_per_second` on ``model``'s predicted seconds; on large data
    the histogram gradient boosting default first,
    :func:`~metalearn.searcher._plan.lead_on_large_data`), without the candidates predicted
    to overrun.

    The candidates are laid out in that order on ``n_workers`` workers (default: one per CPU,
    the search's default), each starting when the first worker is free by the predicted
    seconds of those before it (an unknown cost counts as the median of the known ones). A
    candidate is skipped when its first rung (``first_rung_share`` of its predicted seconds;
    1 without multi-fidelity, 1/k with k-fold rungs) would end after ``seconds_left``; a
    skipped candidate takes no worker time. A candidate that will run whole is judged on
    all its seconds: one that starts before
    :data:`~metalearn.searcher._fidelity.MIN_STARTUP_TRIALS` candidates have ended, or any
    on data of fewer than :data:`~metalearn.searcher._fidelity.MIN_SPLIT_CELLS` cells
    (:func:`~metalearn.searcher._fidelity.rungs_pay`'s rule). Returns (plan, one line per
    skipped candidate, saying why)."""
    import heapq
    import os

    from metalearn.searcher._fidelity import MIN_SPLIT_CELLS, MIN_STARTUP_TRIALS
    from metalearn.searcher._plan import lead_on_large_data

    costs = []
    for name, params, _reason in plan:
        found = kb.find_configuration(name, dict(params)) if kb is not None else None
        costs.append(model.predict(name, n_rows, n_features, found.configuration_id if found is not None else None))
    known = [c for c in costs if c is not None and math.isfinite(c) and c > 0]
    typical = float(np.median(known)) if known else 0.0
    cost_of = {id(cand): cost for cand, cost in zip(plan, costs)}
    free_at = [0.0] * max(1, int(n_workers or os.cpu_count() or 1))  # a heap of the workers' predicted free times
    ends: list[float] = []  # predicted end of each kept candidate
    kept, skipped = [], []
    for cand in lead_on_large_data([plan[i] for i in order_by_gain_per_second(plan, costs)], n_rows):
        name, params, _reason = cand
        cost = cost_of[id(cand)]
        starts = free_at[0]
        split = n_rows * n_features >= MIN_SPLIT_CELLS and sum(e <= starts for e in ends) >= MIN_STARTUP_TRIALS
        share = first_rung_share if split else 1.0
        if cost is not None and starts + cost * share > seconds_left:
            alone_fits = cost * share <= seconds_left  # then the candidates before it are why
            queued = f" after {starts:.0f} s of the warm start before it" if alone_fits else ""
            skipped.append(f"warm start skipped {name} {json.dumps(dict(params), sort_keys=True, default=str)}: "
                           f"predicted {cost:.0f} s on {n_rows} x {n_features}{queued}, "
                           f"more than the {seconds_left:.0f} s left")
            continue
        ends.append(starts + (cost if cost is not None and math.isfinite(cost) else typical))
        heapq.heapreplace(free_at, ends[-1])
        kept.append(cand)
    return kept, skipped
