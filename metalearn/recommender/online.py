"""Online stage of the recommender: the query, the portfolio and its explanation.

:class:`Recommender` reads a KB through the ``KBReader`` contract (metalearn.kb.protocol), builds
the regret tables of the offline stage once per KB content, and answers queries: the proximity
weights of the KB datasets to the query, the expected regret of each configuration under the
hierarchical prior, a greedy portfolio (:func:`greedy_portfolio`) each pick checked against the
registry (:func:`registered_params`), and the evidence behind each.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import warnings
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from metalearn.exceptions import MetaLearnError, RecommendationError
from metalearn.recommender.offline import (
    DEFAULT_METRICS, MAX_COMPONENTS, MAX_FEATURES, MIN_CONFIGS_PER_DATASET, MIN_DATASETS, MIN_DATASETS_PER_CONFIG,
    N_TREES, NOT_JSON, QUERY_GROUPS, RELATED_METRICS, SHRINKAGE, SUPPORT_PRIOR, UNMATCHED_FEATURES, RegretTable,
    RunArrays, StoredForest, decode_validated, derived_ratios, forest_proximity, hierarchical_prior, log_scaled,
    params_to_json, pivot_mean, proximity,
)
from metalearn.recommender.records import (
    Evidence, Neighbour, Recommendation, RecommendationResult, RecommendationWarning,
)
from metalearn.tasks import check_metric, task_family

__all__ = ["Recommender", "recommend", "greedy_portfolio", "registered_params"]


def greedy_portfolio(regret: np.ndarray, weights: np.ndarray, n: int, *, first: int | None = None) -> list[int]:
    """Greedy best-of-N: columns of ``regret`` minimizing the weighted mean of the row-wise minimum.

    ``first`` forces the first pick (e.g. the configuration with the least expected regret).
    """
    regret = np.asarray(regret, dtype=float)
    weights = np.asarray(weights, dtype=float)
    chosen: list[int] = []
    current = np.full(regret.shape[0], np.inf)
    for _ in range(min(n, regret.shape[1])):
        if first is not None and not chosen:
            j = int(first)
        else:
            cost = (np.minimum(current[:, None], regret) * weights[:, None]).sum(axis=0)
            cost[chosen] = np.inf
            j = int(np.argmin(cost))
        chosen.append(j)
        current = np.minimum(current, regret[:, j])
    return chosen


def _kb_state(kb) -> tuple:
    """A key that changes whenever the KB's content may have changed.

    The KB's ``change_token()`` when it has one (its own cache writes are not changes);
    else, for a KB file, size and modification time of the file and of its write-ahead
    log (every committed write changes one of them); otherwise the KB's row counts.
    """
    if hasattr(kb, "change_token"):
        return ("token",) + tuple(kb.change_token())
    path = getattr(kb, "path", None)
    try:
        stats = [os.stat(f"{path}{suffix}") if os.path.exists(f"{path}{suffix}") else None
                 for suffix in ("", "-wal")]
    except (OSError, TypeError):
        stats = [None]
    if path is not None and stats[0] is not None:
        return ("file", str(path)) + tuple(None if st is None else (st.st_ino, st.st_size, st.st_mtime_ns)
                                           for st in stats)
    if hasattr(kb, "stats"):
        st = kb.stats()
        return ("counts", st.n_datasets, st.n_meta_features, st.n_configurations, st.n_runs)
    return ("unknown",)


def _family(task: str) -> str:
    return task_family(task, error=RecommendationError)


class Recommender:
    """Recommendations from one knowledge base, with its tables precomputed and cached.

    Parameters
    ----------
    kb : KnowledgeBase
        An open knowledge base (anything with ``datasets_frame()``, ``meta_features_frame()``
        and ``run_scores(metric)`` -- the KB's cached runs arrays -- or ``runs_frame(metric=...)``).
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
        self._load()

    def _load(self) -> None:
        """(Re)read the KB's datasets and meta-features; forget every table derived from the KB."""
        for _ in range(3):  # reading may refresh the KB's own caches (a write): read again once it is stable
            state = _kb_state(self.kb)
            self._datasets = self.kb.datasets_frame()
            mf = self.kb.meta_features_frame()
            if _kb_state(self.kb) == state:
                break
        self._state = state  # taken before reading: a write after it shows as a change at the next query
        self._meta = derived_ratios(mf.apply(pd.to_numeric, errors="coerce")) if len(mf.columns) else mf
        self._tables: dict = {}
        self._runs: dict = {}
        self._display: dict = {}

    def refresh(self) -> bool:
        """Re-read the KB if it changed since it was read (new runs, datasets or meta-features).

        Called by every query, so a ``Recommender`` kept open while runs are written to its
        KB recommends from the current content. Returns True when it re-read.
        """
        if _kb_state(self.kb) == self._state:
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
        family = _family(family)
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
            if hasattr(self.kb, "run_scores"):  # the KB's cached arrays
                scores = self.kb.run_scores(metric)
                dataset_id, configuration_id, score = scores.dataset_id, scores.configuration_id, scores.score
                configurations = scores.configurations
            else:  # any object with runs_frame()
                frame = self.kb.runs_frame(metric=metric)
                dataset_id = frame["dataset_id"].to_numpy(dtype=np.int64)
                configuration_id = frame["configuration_id"].to_numpy(dtype=np.int64)
                score = frame["score"].to_numpy(dtype=float)
                configurations = dict(zip(configuration_id.tolist(), zip(frame["algorithm"], frame["params"])))
            task = self._datasets["task_type"]
            regression = task.index[task == "regression"].to_numpy(dtype=np.int64)
            keep = (np.isin(dataset_id, regression) == (family == "regression")) & ~np.isnan(score)
            self._runs[key] = RunArrays(dataset_id[keep], configuration_id[keep], score[keep], configurations)
        return self._runs[key]

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
            if candidates is not None:
                keep = np.isin(cols, np.fromiter(candidates, dtype=np.int64, count=len(candidates)))
                rows, cols, values = rows[keep], cols[keep], values[keep]
            wide, info = None, None
            if len(values):
                info = {int(c): runs.configurations[int(c)] for c in np.unique(cols)}
                self._validate_all(info, family)
                valid = np.array([c for c, (algorithm, params) in info.items()
                                  if self._is_valid(algorithm, params, family)[0]], dtype=np.int64)
                keep = np.isin(cols, valid)
                wide = pivot_mean(rows[keep], cols[keep], values[keep])
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
                table = RegretTable(wide.index.to_numpy(), cids, scores, regret, observed,
                               [info[int(c)][0] for c in cids],
                               [self._is_valid(*info[int(c)], family)[1] for c in cids])
        if exclude or candidates is not None:
            self._tables = {k: v for k, v in self._tables.items() if k[0] == "wide" or not (k[2] or k[3] is not None)}
        self._tables[key] = table
        return table

    def _fingerprint(self) -> str:
        """Versions and registry source that validation and forests depend on (no scikit-learn import)."""
        if not hasattr(self, "_fingerprint_value"):
            import hashlib
            import importlib.util
            from importlib import metadata

            from metalearn._version import __version__

            digest = hashlib.sha256()
            for part in (__version__, metadata.version("scikit-learn"), np.__version__):
                digest.update(part.encode("utf-8") + b"\0")
            origin = importlib.util.find_spec("metalearn.space").origin
            with open(origin, "rb") as handle:  # the registry's definition, read, not imported
                digest.update(handle.read())
            self._fingerprint_value = digest.hexdigest()
        return self._fingerprint_value

    def _stores_derived(self) -> bool:
        return hasattr(self.kb, "derived") and hasattr(self.kb, "store_derived")

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
        if self.validate and self._stores_derived():
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

        key = None
        if self._stores_derived():
            digest = hashlib.sha256()
            for part in ("forest-v1", self._fingerprint(), self.n_trees, self.random_state, MAX_FEATURES,
                         MAX_COMPONENTS, X.shape, regret.shape):
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
        if key is not None:
            self.kb.store_derived("forest", key, {**StoredForest.arrays_of(forest), "leaves": leaves})
        return forest, leaves

    def _resolve_exclude(self, exclude_datasets: Iterable) -> frozenset:
        """KB dataset ids of ``exclude_datasets``, each under every name and id it has.

        An entry is a KB id (int or digits), ``openml:<id>``, a name (case-insensitive; also the
        KB key) or a content hash. Every KB row sharing a name, OpenML id or content hash with a
        matched row is excluded too (one dataset imported from two sources). An entry matching
        nothing warns (``RecommendationWarning``) with the nearest KB names.
        """
        if isinstance(exclude_datasets, (str, int)):
            exclude_datasets = [exclude_datasets]
        ds = self._datasets
        names = ds["name"].astype(str).str.casefold()
        keys = ds["key"].astype(str).str.casefold() if "key" in ds.columns else names
        hashes = ds["content_hash"] if "content_hash" in ds.columns else pd.Series(None, index=ds.index)
        out: set[int] = set()
        for item in exclude_datasets:
            text = str(item).strip()
            if isinstance(item, (int, np.integer)) and not isinstance(item, bool) or text.isdigit():
                matched = set(int(i) for i in ds.index if int(i) == int(text))
            elif text.lower().startswith("openml:"):
                try:
                    oid = int(text.split(":", 1)[1])
                except ValueError:
                    raise RecommendationError(
                        f"exclude_datasets entry {text!r} is not openml:<integer id>; write e.g. openml:31") from None
                matched = set(int(i) for i in ds.index[(ds["openml_id"] == oid).fillna(False).to_numpy(bool)])
            else:
                folded = text.casefold()
                hit = (names == folded) | (keys == folded) | (hashes.astype(str) == text)
                matched = set(int(i) for i in ds.index[hit.to_numpy(bool)])
            if not matched:
                near = difflib.get_close_matches(text.casefold(), sorted(set(names)), n=3, cutoff=0.6)
                hint = f"nearest KB names: {', '.join(near)}" if near else "no KB name is close"
                warnings.warn(f"exclude_datasets entry {text!r} matches no KB dataset (id, openml:<id>, name or "
                              f"content hash); {hint}", RecommendationWarning, stacklevel=4)
            out |= matched
        return frozenset(self._aliases(out)) if out else frozenset()

    def _aliases(self, ids: set[int]) -> set[int]:
        """``ids`` and every KB dataset sharing a name, OpenML id or content hash with one of them."""
        ds = self._datasets
        chosen = ds.loc[sorted(ids)]
        same = ds["name"].astype(str).str.casefold().isin(set(chosen["name"].astype(str).str.casefold()))
        oids = set(int(o) for o in chosen["openml_id"].dropna())
        if oids:
            same |= ds["openml_id"].isin(oids).fillna(False).astype(bool)
        if "content_hash" in ds.columns:
            hashes = set(h for h in chosen["content_hash"].dropna() if h)
            if hashes:
                same |= ds["content_hash"].isin(hashes).fillna(False).astype(bool)
        return ids | set(int(i) for i in ds.index[same.to_numpy(bool)])

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
        family = _family(task)
        if metric is not None:  # an unknown scorer, or one of the other task family, is an error, not a fallback
            check_metric(metric, task)
        exclude = self._resolve_exclude(exclude_datasets)
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

        n = n_all
        w_obs = weights[:, None] * table.observed
        wsum = w_obs.sum(axis=0)
        local = (w_obs * table.regret).sum(axis=0)
        prior = hierarchical_prior(np.where(table.observed, table.regret, 0.0), table.observed, table.algorithms)
        strength = SHRINKAGE + SUPPORT_PRIOR / np.maximum(table.observed.sum(axis=0), 1)
        expected_regret = (local + strength * prior) / (wsum + strength)
        blend = (weights + SHRINKAGE / n) / (1 + SHRINKAGE)
        picks, checked = self._registered_picks(table, family, expected_regret, blend, top)
        if not picks:
            return self._cold_start(task, family, wanted, top, exclude)

        order_n = np.argsort(distance, kind="stable")
        recs = []
        for rank, j in enumerate(picks, start=1):
            col = table.scores[:, j]
            obs = ~np.isnan(col)
            ww = weights * obs
            if ww.sum() > 0:
                mean = float((ww * np.nan_to_num(col)).sum() / ww.sum())
                sd = float(np.sqrt((ww * (np.nan_to_num(col) - mean) ** 2).sum() / ww.sum()))
            else:
                mean = float(np.nanmean(col))
                sd = float(np.nanstd(col))
            ev = []
            for i in order_n:
                if obs[i]:
                    ev.append(self._evidence(table.dataset_ids[i], distance[i], col[i]))
                if len(ev) == n_neighbours:
                    break
            recs.append(Recommendation(table.algorithms[j], checked[j], mean, sd, tuple(ev), rank,
                                       reason, int(table.configuration_ids[j]), int(obs.sum())))
        neighbours = tuple(
            self._neighbour(table.dataset_ids[i], distance[i], weights[i], mf, features, importances)
            for i in order_n[:n_neighbours]
        )
        return RecommendationResult(tuple(recs), neighbours, task, used, reason, tuple(features),
                                    len(table.dataset_ids), len(table.configuration_ids))

    def recommend(self, data=None, *, meta_features: Mapping[str, float] | None = None, task: str | None = None,
                  metric: str | None = None, top: int = 5, exclude_datasets: Iterable = (),
                  candidates: Iterable[int] | None = None) -> list[Recommendation]:
        """Ranked configurations for a dataset; see :func:`recommend`."""
        return list(self.explain(data, meta_features=meta_features, task=task, metric=metric, top=top,
                                 exclude_datasets=exclude_datasets, candidates=candidates).recommendations)

    # ---- helpers ------------------------------------------------------------------
    def _registered_picks(self, table: RegretTable, family: str, expected_regret: np.ndarray, blend: np.ndarray,
                          top: int) -> tuple[list[int], dict[int, dict]]:
        """The portfolio's columns, each checked against the registry now (never trusted from a cache).

        A configuration whose algorithm is not a registered one of the task family, or whose
        parameters ``metalearn.space.validate_params`` refuses, is dropped and the portfolio
        chosen again without it. Returns the columns and their normalized parameters.
        """
        allowed = np.ones(len(expected_regret), dtype=bool)
        checked: dict[int, dict] = {}
        while allowed.any():
            idx = np.flatnonzero(allowed)
            first = int(np.argmin(expected_regret[idx]))
            local = greedy_portfolio(table.regret[:, idx], blend, min(top, len(idx)), first=first)
            picks = [int(idx[i]) for i in local]
            bad = []
            for j in picks:
                if j not in checked:
                    params = registered_params(table.algorithms[j], table.params[j], family)
                    if params is None:
                        bad.append(j)
                    else:
                        checked[j] = params
            if not bad:
                return picks, checked
            allowed[bad] = False
        return [], checked

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

    def _info(self, dataset_id) -> tuple[str, int | None]:
        if dataset_id in self._datasets.index:
            row = self._datasets.loc[dataset_id]
            oid = row.get("openml_id")
            return str(row.get("name")), (None if oid is None or pd.isna(oid) else int(oid))
        return str(dataset_id), None

    def _evidence(self, dataset_id, distance, score) -> Evidence:
        name, oid = self._info(dataset_id)
        return Evidence(int(dataset_id), name, oid, float(distance), float(score))

    def _neighbour(self, dataset_id, distance, weight, mf, features, importances) -> Neighbour:
        name, oid = self._info(dataset_id)
        near: list[tuple[str, float, float]] = []
        if features and importances is not None:
            key = tuple(features)
            if key not in self._display:
                scaled = log_scaled(self._meta[list(features)])
                spread = (scaled.quantile(0.75) - scaled.quantile(0.25)).replace(0, np.nan).fillna(scaled.std())
                self._display = {key: (scaled, spread.replace(0, np.nan).fillna(1.0))}
            scaled, spread = self._display[key]
            q = log_scaled(pd.DataFrame([{f: mf[f] for f in features}])).iloc[0]
            row = scaled.loc[dataset_id] if dataset_id in scaled.index else None
            if row is not None:
                top_feats = [features[i] for i in np.argsort(-importances)[:10]]
                gaps = sorted((abs(q[f] - row[f]) / spread[f], f) for f in top_feats if pd.notna(row[f]))
                raw = self._meta.loc[dataset_id]
                near = [(f, float(mf[f]), float(raw[f])) for _, f in gaps[:3]]
        return Neighbour(int(dataset_id), name, oid, float(distance), float(weight), tuple(near))

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


def registered_params(algorithm, params, family: str) -> dict | None:
    """``params`` normalized by the registry if ``algorithm`` is a registered algorithm of the task
    family and ``validate_params`` accepts them; else ``None``.

    Checked on every recommendation: the KB's rows and its derived caches are data, never authority.

    >>> registered_params("KNeighborsClassifier", {"n_neighbors": 7}, "classification")
    {'n_neighbors': 7}
    >>> registered_params("os.system", {}, "classification") is None
    True
    """
    from metalearn import space

    if not isinstance(algorithm, str) or not isinstance(params, Mapping):
        return None
    try:
        spec = space.get_algorithm(algorithm)
        if spec.task != family:
            return None
        return dict(space.validate_params(algorithm, dict(params)))
    except (MetaLearnError, TypeError, ValueError):
        return None


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

    if kb is None or isinstance(kb, (str, bytes)) or hasattr(kb, "__fspath__"):
        with KnowledgeBase.open(kb, create="seed") as opened:
            return Recommender(opened).recommend(data, meta_features=meta_features, task=task, metric=metric,
                                                 top=top, exclude_datasets=exclude_datasets)
    return Recommender(kb).recommend(data, meta_features=meta_features, task=task, metric=metric, top=top,
                                     exclude_datasets=exclude_datasets)
