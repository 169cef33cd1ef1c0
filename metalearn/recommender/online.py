"""Online stage of the recommender: the query.

:class:`Recommender` reads a KB through the ``KBReader`` contract (metalearn.kb.protocol), builds
the regret tables of the offline stage once per KB content, and answers queries: which datasets are
left out (:mod:`~metalearn.recommender.exclusion`), the proximity weights of the KB datasets to the
query, the portfolio (:mod:`~metalearn.recommender.portfolio`: expected regrets, the first pick, the
greedy rest, each pick checked against the registry) and the evidence behind each
(:mod:`~metalearn.recommender.explanation`).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from metalearn.exceptions import MetaLearnError, RecommendationError
from metalearn.recommender.exclusion import resolve_exclude
from metalearn.recommender.explanation import Explainer
from metalearn.recommender.offline import (
    DEFAULT_METRICS, MAX_COMPONENTS, MAX_FEATURES, MIN_CONFIGS_PER_DATASET, MIN_DATASETS, MIN_DATASETS_PER_CONFIG,
    MIN_LEAF, N_TREES, NOT_JSON, QUERY_GROUPS, RELATED_METRICS, UNMATCHED_FEATURES, RegretTable, RunArrays, StoredForest,
    comparable_scores, decode_validated, derived_ratios, forest_proximity, hierarchical_prior, params_to_json,
    proximity, run_groups, scaled_regret,
)
from metalearn.recommender.portfolio import expected_regret, local_support, registered_picks
from metalearn.recommender.records import Recommendation, RecommendationResult
from metalearn.tasks import check_metric, task_family

__all__ = ["Recommender", "recommend"]


class Recommender:
    """Recommendations from one knowledge base, with its tables precomputed and cached.

    Parameters
    ----------
    kb : KnowledgeBase
        An open knowledge base: anything implementing ``metalearn.kb.KBReader``.
    n_trees : int
        Trees of the proximity forest.
    random_state : int
        Seed of the forest.
    validate : bool
        Keep only configurations that ``metalearn.space.validate_params`` accepts.

    Examples
    --------
    >>> from metalearn.kb import KnowledgeBase                     # doctest: +SKIP
    >>> rec = Recommender(KnowledgeBase.open())                   # doctest: +SKIP
    >>> rec.recommend(meta_features=mf, task="binary", top=3)     # doctest: +SKIP
    """

    def __init__(self, kb, *, n_trees: int = N_TREES, random_state: int = 0, validate: bool = True):
        self.kb = kb
        self.n_trees = n_trees
        self.random_state = random_state
        self.validate = validate
        self._valid: dict = {}
        self._fingerprint_value: str | None = None
        self._load()

    def _load(self) -> None:
        """(Re)read the KB's datasets and meta-features; forget every table derived from the KB."""
        for _ in range(3):  # reading may refresh the KB's own caches (a write): read again once it is stable
            state = self.kb.change_token()
            self._datasets = self.kb.datasets_frame()
            mf = self.kb.meta_features_frame()
            if self.kb.change_token() == state:
                break
        self._state = state  # taken before reading: a write after it shows as a change at the next query
        self._meta = derived_ratios(mf.apply(pd.to_numeric, errors="coerce")) if len(mf.columns) else mf
        self._tables: dict = {}
        self._runs: dict = {}
        self._explainer = Explainer(self._datasets, self._meta)

    def refresh(self) -> bool:
        """Re-read the KB if it changed since it was read (new runs, datasets or meta-features).

        Called by every query, so a ``Recommender`` kept open while runs are written to its
        KB recommends from the current content. Returns True when it re-read.
        """
        if self.kb.change_token() == self._state:
            return False
        self._load()
        return True

    # ---- data access ----------------------------------------------------------
    @property
    def meta_features(self) -> pd.DataFrame:
        """The KB's meta-features as the recommender reads them (numeric, with the derived ratios;
        a copy): one row per KB dataset id."""
        return self._meta.copy()

    def runs(self, family: str, metric: str) -> pd.DataFrame:
        """The metric's successful runs on datasets of the task family, every ``runs_frame`` column
        (for analyses such as ``scripts/evaluate_recommender.py``; queries use the KB's cached arrays)."""
        family = task_family(family, error=RecommendationError)
        runs = self.kb.runs_frame(metric=metric)
        if len(runs):
            task = self._datasets["task_type"]
            regression = task.index[task == "regression"]
            is_regression = runs["dataset_id"].isin(regression).to_numpy()
            runs = runs[(is_regression == (family == "regression")) & runs["score"].notna().to_numpy()]
        return runs

    def _run_arrays(self, family: str, metric: str) -> RunArrays:
        """The metric's successful runs on datasets of the task family, as arrays (cached per KB state)."""
        key = (family, metric)
        if key not in self._runs:
            scores = self.kb.run_scores(metric)  # the KB's cached arrays
            dataset_id, configuration_id, score = scores.dataset_id, scores.configuration_id, scores.score
            configurations = scores.configurations
            group = self._run_groups(metric, scores)
            if group is None:  # the runs changed between the two reads: take everything from the frame
                frame = self.kb.runs_frame(metric=metric)
                dataset_id = frame["dataset_id"].to_numpy(dtype=np.int64)
                configuration_id = frame["configuration_id"].to_numpy(dtype=np.int64)
                score = frame["score"].to_numpy(dtype=float)
                configurations = dict(zip(configuration_id.tolist(), zip(frame["algorithm"], frame["params"])))
                group = run_groups(frame)
            task = self._datasets["task_type"]
            regression = task.index[task == "regression"].to_numpy(dtype=np.int64)
            keep = (np.isin(dataset_id, regression) == (family == "regression")) & ~np.isnan(score)
            self._runs[key] = RunArrays(dataset_id[keep], configuration_id[keep], score[keep], configurations,
                                        group[keep])
        return self._runs[key]

    def _run_groups(self, metric: str, scores) -> np.ndarray | None:
        """Each run of ``scores`` coded by its source and protocol, stored in the KB as derived data
        (so a new process does not read the runs frame); None when the frame no longer matches."""
        key = f"{metric}-{scores.generation}-{len(scores)}"
        found = self.kb.derived("run-groups", key)
        if found is not None:
            group = np.asarray(found[0].get("group", ()))
            if group.shape == (len(scores),) and group.dtype.kind in "iu":
                return group
        frame = self.kb.runs_frame(metric=metric)
        if not (len(frame) == len(scores) and np.array_equal(frame["dataset_id"].to_numpy(), scores.dataset_id)
                and np.array_equal(frame["configuration_id"].to_numpy(), scores.configuration_id)):
            return None
        group = run_groups(frame)
        self.kb.store_derived("run-groups", key, {"group": group})
        return group

    def _is_valid(self, algorithm: str, params_json: str, family: str) -> tuple[bool, dict]:
        key = (algorithm, params_json, family)
        if key not in self._valid:
            try:
                params = json.loads(params_json) if isinstance(params_json, str) else dict(params_json)
            except ValueError:
                params, ok = {}, False
            else:
                ok = isinstance(params, dict)
            if ok and self.validate:
                try:
                    from metalearn import space

                    if algorithm not in space.algorithms_for(family):
                        ok = False
                    else:
                        params = space.validate_params(algorithm, params)
                except (MetaLearnError, ImportError):
                    ok = False
            self._valid[key] = (ok, params)
        return self._valid[key]

    def _wide(self, family: str, metric: str, candidates: frozenset | None):
        """All valid runs of the metric as a dataset x configuration score frame (cached)."""
        key = ("wide", family, metric, candidates)
        if key not in self._tables:
            runs = self._run_arrays(family, metric)
            rows, cols, values = runs.dataset_id, runs.configuration_id, runs.score
            groups = runs.group
            if candidates is not None:
                keep = np.isin(cols, np.fromiter(candidates, dtype=np.int64, count=len(candidates)))
                rows, cols, values, groups = rows[keep], cols[keep], values[keep], groups[keep]
            wide, info = None, None
            if len(values):
                info = {int(c): runs.configurations[int(c)] for c in np.unique(cols)}
                self._validate_all(info, family)
                from metalearn import space  # registered_params imports it for every recommendation anyway

                registered = set(space.algorithms_for(family))  # a stored hint never adds another algorithm
                valid = np.array([c for c, (algorithm, params) in info.items() if algorithm in registered
                                  and self._is_valid(algorithm, params, family)[0]], dtype=np.int64)
                keep = np.isin(cols, valid)
                wide = comparable_scores(rows[keep], cols[keep], values[keep], groups[keep])
            self._tables[key] = (wide, info)
        return self._tables[key]

    def _table(self, family: str, metric: str, exclude: frozenset, candidates: frozenset | None) -> RegretTable | None:
        key = (family, metric, exclude, candidates)
        if key in self._tables:
            return self._tables[key]
        wide, info = self._wide(family, metric, candidates)
        table = None
        if wide is not None and len(wide):
            if exclude:
                wide = wide.loc[~wide.index.isin(list(exclude))]
            for _ in range(3):  # rows and columns with enough runs (a fixed point is reached fast)
                wide = wide.loc[wide.notna().sum(axis=1) >= MIN_CONFIGS_PER_DATASET]
                wide = wide.loc[:, wide.notna().sum(axis=0) >= min(MIN_DATASETS_PER_CONFIG, max(len(wide), 1))]
            if len(wide) >= MIN_DATASETS and wide.shape[1] >= 1:
                scores = wide.to_numpy(dtype=float)
                observed = ~np.isnan(scores)
                regret = np.nanmax(scores, axis=1, keepdims=True) - scores
                cids = wide.columns.to_numpy()
                algorithms = [info[int(c)][0] for c in cids]
                prior = hierarchical_prior(np.where(observed, regret, 0.0), observed, algorithms)
                regret = np.where(observed, regret, prior[None, :])
                scaled = scaled_regret(regret, observed)
                scaled = np.where(observed, scaled, hierarchical_prior(scaled, observed, algorithms)[None, :])
                table = RegretTable(wide.index.to_numpy(), cids, scores, regret, scaled, observed,
                               [info[int(c)][0] for c in cids],
                               [self._is_valid(*info[int(c)], family)[1] for c in cids])
        if exclude or candidates is not None:
            self._tables = {k: v for k, v in self._tables.items() if k[0] == "wide" or not (k[2] or k[3] is not None)}
        self._tables[key] = table
        return table

    def _fingerprint(self) -> str:
        """Versions and registry source that validation and forests depend on (no scikit-learn import)."""
        if self._fingerprint_value is None:
            import hashlib
            import importlib.util
            from importlib import metadata

            from metalearn._version import __version__

            digest = hashlib.sha256()
            for part in (__version__, metadata.version("scikit-learn"), np.__version__):
                digest.update(part.encode("utf-8") + b"\0")
            package = Path(importlib.util.find_spec("metalearn.space").origin).parent
            for source in sorted(package.glob("*.py")):  # the registry's definition (every family), read, not imported
                digest.update(source.name.encode("utf-8") + b"\0" + source.read_bytes())
            self._fingerprint_value = digest.hexdigest()
        return self._fingerprint_value

    def _validate_all(self, info: Mapping[int, tuple[str, str]], family: str) -> None:
        """Check every configuration of ``info`` against the registry, once per content.

        The outcome is kept in the KB (keyed by a hash of the configurations, the registry's
        source and the versions), so a new process reuses it without importing the registry;
        a configuration is either valid, with its normalized parameters, or never used.
        """
        todo = {c: v for c, v in info.items() if (v[0], v[1], family) not in self._valid}
        if not todo:
            return
        key = None
        if self.validate:
            import hashlib

            text = json.dumps([self._fingerprint(), family, sorted([c, a, p] for c, (a, p) in todo.items())])
            key = hashlib.sha256(text.encode("utf-8")).hexdigest()
            found = self.kb.derived("validated", key)
            decoded = decode_validated(found, len(todo))
            if decoded is not None:  # a hint for the candidate set; each recommendation is checked again
                for (c, (algorithm, params_json)), params in zip(sorted(todo.items()), decoded):
                    self._valid[(algorithm, params_json, family)] = (False, {}) if params is None else (True, params)
                return
        outcome = []
        for c, (algorithm, params_json) in sorted(todo.items()):
            ok, params = self._is_valid(algorithm, params_json, family)
            outcome.append(params_to_json(params) if ok else None)
        if key is not None and not any(p is NOT_JSON for p in outcome):
            self.kb.store_derived("validated", key, {}, info={"params": outcome})

    def _forest(self, X: np.ndarray, regret: np.ndarray):
        """The proximity forest of ``X`` -> ``regret`` and the training rows' leaves, from the KB when stored.

        A fitted forest is stored in the KB as arrays (its trees' nodes, the training
        leaves, the importances), keyed by a hash of everything it is fitted from, so a
        new process with the same inputs skips scikit-learn entirely.
        """
        import hashlib

        digest = hashlib.sha256()
        for part in ("forest-v1", self._fingerprint(), self.n_trees, self.random_state, MAX_FEATURES,
                     MAX_COMPONENTS, MIN_LEAF, X.shape, regret.shape):
            digest.update(repr(part).encode("utf-8") + b"\0")
        digest.update(np.ascontiguousarray(X, dtype="<f8").tobytes())
        digest.update(np.ascontiguousarray(regret, dtype="<f8").tobytes())
        key = digest.hexdigest()
        found = self.kb.derived("forest", key)
        if found is not None:
            arrays = found[0]
            try:
                stored = StoredForest.from_arrays(arrays, X.shape[1])
                leaves = np.asarray(arrays["leaves"])
                sizes = np.diff(np.asarray(stored.offsets))
                if (leaves.shape == (X.shape[0], len(sizes)) and leaves.dtype.kind in "iu"
                        and np.all(leaves >= 0) and np.all(leaves < sizes[None, :])):
                    return stored, leaves
            except (KeyError, ValueError, TypeError, IndexError, AttributeError):
                pass  # not a forest of these inputs: fit it again
        _, _, forest = forest_proximity(X, regret, X[0], n_trees=self.n_trees, random_state=self.random_state,
                                        return_forest=True)
        leaves = forest.apply(X)
        self.kb.store_derived("forest", key, {**StoredForest.arrays_of(forest), "leaves": leaves})
        return forest, leaves

    # ---- query ------------------------------------------------------------------
    def explain(self, data=None, *, meta_features: Mapping[str, float] | None = None, task: str | None = None,
                metric: str | None = None, top: int = 5, exclude_datasets: Iterable = (),
                candidates: Iterable[int] | None = None, n_neighbours: int = 5) -> RecommendationResult:
        """Like :meth:`recommend`, with the neighbours and the features behind them.

        ``candidates`` restricts the configurations to these KB configuration ids
        (used by the evaluation to score only configurations the hidden dataset has runs of).
        """
        if top < 1:
            raise RecommendationError(f"top={top} must be at least 1")
        self.refresh()
        mf, task = self._query(data, meta_features, task)
        family = task_family(task, error=RecommendationError)
        # an unknown scorer, or one of the other task family, is an error, not a fallback; the family's
        # usual metrics are known scorers, so they skip the check (it imports scikit-learn's metrics)
        if metric is not None and metric not in RELATED_METRICS[family]:
            check_metric(metric, task)
        exclude = resolve_exclude(self._datasets, exclude_datasets)
        cands = None if candidates is None else frozenset(int(c) for c in candidates)

        wanted = metric or DEFAULT_METRICS[family]
        order = [wanted] + [m for m in RELATED_METRICS[family] if m != wanted]
        table, used, reason = None, wanted, "nearest-neighbour portfolio"
        for m in order:
            table = self._table(family, m, exclude, cands)
            if table is not None:
                used = m
                if m != wanted:
                    reason = f"metric fallback: no runs of {wanted}, used {m}"
                break
        if table is None:
            return self._cold_start(task, family, wanted, top, exclude)

        features, rows = self._features_for(mf, table)
        n_all = len(table.dataset_ids)
        weights = np.zeros(n_all)
        distance = np.ones(n_all)
        forest, importances = None, None
        if not features:
            weights[:] = 1 / n_all
            reason = "global portfolio: no meta-feature shared by the query and the KB"
        else:
            key = ("forest", tuple(features), np.asarray(rows).tobytes())  # rows depend on the query
            if key not in table.cache:
                X = self._meta.reindex(table.dataset_ids[rows])[list(features)].to_numpy(dtype=float)
                table.cache[key] = self._forest(X, table.regret[rows])
            forest, leaves = table.cache[key]
            q = np.array([float(mf[f]) for f in features])
            weights[rows], distance[rows] = proximity(forest, leaves, q)
            importances = forest.feature_importances_

        expected, blend = expected_regret(table, weights)
        picks, checked = registered_picks(table, family, expected, blend, top, local_support(table, weights))
        if not picks:
            return self._cold_start(task, family, wanted, top, exclude)
        recs = self._explainer.recommendations(table, picks, checked, weights, distance, reason, n_neighbours)
        neighbours = self._explainer.neighbours(table.dataset_ids, weights, distance, mf, features, importances,
                                                n_neighbours)
        return RecommendationResult(recs, neighbours, task, used, reason, tuple(features),
                                    len(table.dataset_ids), len(table.configuration_ids))

    def recommend(self, data=None, *, meta_features: Mapping[str, float] | None = None, task: str | None = None,
                  metric: str | None = None, top: int = 5, exclude_datasets: Iterable = (),
                  candidates: Iterable[int] | None = None) -> list[Recommendation]:
        """Ranked configurations for a dataset; see :func:`recommend`."""
        return list(self.explain(data, meta_features=meta_features, task=task, metric=metric, top=top,
                                 exclude_datasets=exclude_datasets, candidates=candidates).recommendations)

    # ---- helpers ------------------------------------------------------------------
    def _query(self, data, meta_features, task) -> tuple[dict, str]:
        if data is None and meta_features is None:
            raise RecommendationError("recommend needs data or meta_features; pass a dataset (path, openml:<id>, "
                                      "Dataset) or meta_features={...}")
        if meta_features is None:
            from metalearn.metafeatures import characterize
            from metalearn.data import Dataset, load_dataset

            dataset = data if isinstance(data, Dataset) else load_dataset(data)
            task = task or dataset.task
            meta_features = characterize(dataset, groups=QUERY_GROUPS)
        mf = {}
        for k, v in dict(meta_features).items():
            try:
                fv = float(v)
            except (TypeError, ValueError):
                continue
            if math.isfinite(fv):
                mf[str(k)] = fv
        mf = {k: float(v) for k, v in derived_ratios(pd.DataFrame([mf])).iloc[0].items() if pd.notna(v)}
        if task is None:
            classes = mf.get("NumberOfClasses")
            task = "regression" if classes is not None and classes < 2 else (
                "classification" if classes is not None else None)
        if task is None:
            raise RecommendationError("task is unknown: the meta-features have no NumberOfClasses; "
                                      "pass task='binary', 'multiclass' or 'regression'")
        return mf, task

    def _features_for(self, mf: Mapping[str, float], table: RegretTable) -> tuple[list[str], np.ndarray]:
        """Meta-features of the query known for most of the KB datasets that have meta-features.

        Returns the feature names and the indices of the table's datasets that know at
        least half of them (the others still count in the global standing).
        """
        shared = [c for c in self._meta.columns if c in mf and c not in UNMATCHED_FEATURES]
        if not shared:
            return [], np.arange(0)
        known = self._meta.reindex(table.dataset_ids)[shared].notna()
        rows = np.flatnonzero(known.mean(axis=1).to_numpy() >= 0.5)
        if len(rows) < MIN_DATASETS:
            return [], np.arange(0)
        share = known.iloc[rows].mean(axis=0)
        features = sorted(c for c in shared if share[c] >= 0.5)
        return features, rows

    def _cold_start(self, task, family, metric, top, exclude) -> RecommendationResult:
        from metalearn import space

        n = 0
        for m in RELATED_METRICS[family]:
            runs = self._run_arrays(family, m)
            used = runs.dataset_id[~np.isin(runs.dataset_id, np.array(sorted(exclude), dtype=np.int64))]
            n = max(n, len(np.unique(used)))
        why = (f"cold start: KB has no runs for task {family}" if n == 0 else
               f"cold start: KB has runs on only {n} usable {family} dataset(s) (need {MIN_DATASETS})")
        reason = f"{why}; registry default portfolio"
        recs = []
        for rank, (algorithm, params) in enumerate(space.default_portfolio(task, top), start=1):
            recs.append(Recommendation(algorithm, dict(params), float("nan"), float("nan"), (), rank, reason))
        return RecommendationResult(tuple(recs), (), task, metric, reason, (), 0, 0)


def recommend(data=None, *, meta_features: Mapping[str, float] | None = None, task: str | None = None,
              metric: str | None = None, kb=None, top: int = 5,
              exclude_datasets: Iterable = ()) -> list[Recommendation]:
    """Rank algorithm configurations for a dataset from the runs of the most similar KB datasets.

    Parameters
    ----------
    data : Dataset, path or ``openml:<id>``, optional
        The dataset; it is loaded and characterized. Give ``meta_features`` instead to skip that.
    meta_features : Mapping[str, float], optional
        Meta-features under OpenML's quality names (e.g. the output of ``metalearn.characterize``).
    task : {"binary", "multiclass", "regression"}, optional
        Default: the dataset's task, else inferred from ``NumberOfClasses``.
    metric : str, optional
        scikit-learn scorer name; default ``balanced_accuracy`` / ``r2``. Without runs of it in the
        KB, a related metric is used and ``reason`` says so.
    kb : KnowledgeBase or path, optional
        Default: the default KB (created from the bundled seed on first use).
    top : int
        Number of recommendations (a portfolio: the best of them should be good).
    exclude_datasets : iterable
        KB dataset ids (int), ``openml:<id>`` or dataset names to leave out of the neighbourhood.

    Returns
    -------
    list of Recommendation
        Best first; ``params`` are valid for ``metalearn.space``.
    """
    from metalearn.kb import KnowledgeBase

    if kb is None or isinstance(kb, (str, bytes, os.PathLike)):
        with KnowledgeBase.open(kb, create="seed") as opened:
            return Recommender(opened).recommend(data, meta_features=meta_features, task=task, metric=metric,
                                                 top=top, exclude_datasets=exclude_datasets)
    return Recommender(kb).recommend(data, meta_features=meta_features, task=task, metric=metric, top=top,
                                     exclude_datasets=exclude_datasets)
