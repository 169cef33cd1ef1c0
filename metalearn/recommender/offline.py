"""Offline stage of the recommender: what is derived from the KB before any query.

The constants of the evidence model, the regret tables' arrays (:class:`RunArrays`,
:class:`RegretTable`, :func:`pivot_mean`, :func:`hierarchical_prior`), the meta-features'
derived ratios, the proximity forest (:func:`forest_proximity`) and its stored form
(:class:`StoredForest`), and the stored registry outcome's codec (:func:`params_to_json`,
:func:`decode_validated`). The KB stores these as data, never code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metalearn.tasks import DEFAULT_METRIC

DEFAULT_METRICS = DEFAULT_METRIC
"""Metric used when none is given, per task family (``metalearn.tasks.DEFAULT_METRIC``, re-exported)."""

RELATED_METRICS = {
    "classification": ("balanced_accuracy", "accuracy", "f1_macro", "roc_auc", "neg_log_loss"),
    "regression": ("r2", "neg_root_mean_squared_error", "neg_mean_squared_error", "neg_mean_absolute_error"),
}
"""Fallback order when the KB has no runs of the requested metric (most related first)."""

MIN_DATASETS = 3
"""Fewer usable KB datasets than this is a cold start (registry defaults)."""
MIN_CONFIGS_PER_DATASET = 5
"""A dataset's row of runs is used only if it has runs of this many configurations
(its best known score must mean something for its regrets to be comparable)."""
MIN_DATASETS_PER_CONFIG = 2
"""A configuration is a candidate only if it has runs on this many datasets."""

QUERY_GROUPS = ("general", "statistical", "info-theory", "cardinality", "autosklearn")
"""Characterizer groups computed for a dataset given as data: the ones whose names the KB holds
(OpenML qualities and auto-sklearn's meta-features). Not the landmarkers: the KB's datasets have
OpenML's Weka landmarkers, which ours do not reproduce, and they cost most of the characterization."""

UNMATCHED_FEATURES = frozenset({"NaiveBayesErrRate", "NaiveBayesAUC", "NaiveBayesKappa"})
"""OpenML server qualities (Weka landmarkers) that the characterizer does not compute: never used,
so that a query from the KB (as in the leave-one-out evaluation) sees what a new dataset's does."""

SHRINKAGE = 0.05
"""Weight (in units of the neighbours' total weight, which is 1) of a configuration's prior regret in
its expected regret, and of uniform weights in the portfolio's. Fixed a priori (0.3 and 1 were worse
on the design third)."""
SPREAD_FLOOR_QUANTILE = 0.25
"""Regrets are scaled by their dataset's spread, but never by less than this quantile of the
datasets' spreads (:func:`scaled_regret`)."""
LOCAL_SUPPORT = 0.5
"""A configuration whose runs cover less than this share of the best-covered configuration's
proximity weight among the query's neighbours is first only where it dominates
(:func:`metalearn.recommender.portfolio.first_choice`)."""
SUPPORT_PRIOR = 30.0
"""Pseudo-datasets of the hierarchical prior (#12 item 2): a configuration's mean regret is shrunk
toward its algorithm family's, and that toward the global one, as if each level had this many more
datasets; its neighbours' evidence is shrunk toward that prior with weight ``SUPPORT_PRIOR / n``
(``n`` = datasets with a run of it), and a configuration with runs on fewer datasets is first only
where it dominates (:func:`metalearn.recommender.portfolio.first_choice`). Chosen on the design third
of the OBOE datasets (``scripts/evaluate_recommender.py --part design``; 3, 10, 30 and 100 tried)."""
MIN_LEAF = 1
"""Fewest training datasets in a leaf of the proximity forest (3 and 5 were worse on the design third)."""
N_TREES = 100
MAX_COMPONENTS = 16
MAX_FEATURES = 0.33

_COUNT_PREFIXES = ("NumberOf", "autosklearn.NumberOf")
_COUNT_NAMES = frozenset({
    "MajorityClassSize", "MinorityClassSize", "EquivalentNumberOfAtts", "MaxNominalAttDistinctValues",
    "MeanNominalAttDistinctValues", "MinNominalAttDistinctValues",
})


def forest_proximity(features: np.ndarray, regret: np.ndarray, query: np.ndarray, *, n_trees: int = N_TREES,
                     random_state: int = 0, return_forest: bool = False):
    """Proximity weights and distances of the training datasets to ``query``.

    A random forest (bootstrap, a third of the features per split) is fitted from
    ``features`` (n x p, NaN allowed) to the leading singular vectors of the centred
    ``regret`` matrix (n x m, complete). ``weights[j]`` is the mean over trees of
    ``1/|leaf|`` if dataset j falls in the query's leaf (weights sum to 1);
    ``distance[j]`` is the fraction of trees where it does not (0 for identical meta-features).
    """
    from sklearn.ensemble import RandomForestRegressor

    from threadpoolctl import threadpool_limits  # a scikit-learn dependency

    features = np.asarray(features, dtype=float)
    regret = np.asarray(regret, dtype=float)
    centred = regret - regret.mean(axis=0, keepdims=True)
    k = max(1, min(MAX_COMPONENTS, min(centred.shape) - 1))
    with threadpool_limits(limits=1, user_api="blas"):  # a small matrix: threads cost more than they save
        u, s, _ = np.linalg.svd(centred, full_matrices=False)
    target = u[:, :k] * s[:k]
    max_features = max(MAX_FEATURES, min(1.0, 3 / features.shape[1]))  # at least 3 candidates per split
    forest = RandomForestRegressor(n_estimators=n_trees, max_features=max_features, bootstrap=True,
                                   min_samples_leaf=MIN_LEAF, random_state=random_state, n_jobs=1)
    forest.fit(features, target)
    weights, distance = proximity(forest, forest.apply(features), query)
    return (weights, distance, forest) if return_forest else (weights, distance)


def proximity(forest, train_leaves: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    query_leaves = forest.apply(np.asarray(query, dtype=float)[None, :])[0]
    same = train_leaves == query_leaves[None, :]
    sizes = np.maximum(same.sum(axis=0), 1)
    weights = (same / sizes).mean(axis=1)
    total = weights.sum()
    weights = weights / total if total > 0 else np.full(len(weights), 1 / len(weights))
    return weights, 1.0 - same.mean(axis=1)


def _is_count(name: str) -> bool:
    return name.startswith(_COUNT_PREFIXES) or name in _COUNT_NAMES


def derived_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ratio meta-features (class balance, rows per feature) computable from OpenML qualities."""
    out = frame.copy()
    if {"MajorityClassSize", "NumberOfInstances"} <= set(out.columns):
        out["derived.MajorityClassPercentage"] = 100 * out["MajorityClassSize"] / out["NumberOfInstances"]
    with np.errstate(divide="ignore", invalid="ignore"):
        if {"NumberOfFeatures", "NumberOfInstances"} <= set(out.columns):
            out["derived.LogInstancesPerFeature"] = np.log(out["NumberOfInstances"] / out["NumberOfFeatures"])
        if {"MajorityClassSize", "MinorityClassSize"} <= set(out.columns):
            out["derived.LogImbalanceRatio"] = np.log(out["MajorityClassSize"] / out["MinorityClassSize"])
    return out.replace([np.inf, -np.inf], np.nan)


def log_scaled(frame: pd.DataFrame) -> pd.DataFrame:
    """Count-like features on a log scale (for display distances; trees do not need it)."""
    out = frame.astype(float).copy()
    counts = [col for col in out.columns if _is_count(col)]
    if counts:  # one array operation for all of them (NaN stays NaN)
        out[counts] = np.log1p(np.clip(out[counts].to_numpy(dtype=float), 0.0, None))
    return out


def pivot_mean(rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> pd.DataFrame:
    """Mean of ``values`` per (row, column) as a sorted wide frame, NaN where none."""
    row_ids, r = np.unique(rows, return_inverse=True)
    col_ids, c = np.unique(cols, return_inverse=True)
    total = np.zeros((len(row_ids), len(col_ids)))
    count = np.zeros_like(total)
    np.add.at(total, (r, c), values)
    np.add.at(count, (r, c), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
    return pd.DataFrame(mean, index=pd.Index(row_ids, name="dataset_id"),
                        columns=pd.Index(col_ids, name="configuration_id"))


def run_groups(frame: pd.DataFrame) -> np.ndarray:
    """Integer code of each run's (source, protocol) in a runs frame (``runs_frame`` columns)."""
    if not len(frame):
        return np.zeros(0, dtype=np.int64)
    pairs = frame["source"].astype(str).fillna("") + "\0" + frame["protocol"].astype(str).fillna("")
    return pd.factorize(pairs, sort=True)[0].astype(np.int64)


def comparable_scores(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, groups: np.ndarray) -> pd.DataFrame:
    """Mean score per (dataset, configuration) under each dataset's reference source and protocol.

    ``groups`` codes each run's source and protocol (:func:`run_groups`). On each dataset the
    group with most configurations (ties: the lowest code) is the reference and only its runs
    count, so a regret is always against the best score under one protocol: a few runs under
    an easier protocol (a test split beside 5-fold CV) or a source that ran few configurations
    cannot look better than the reference's best. (Shifting the other groups' scores by the
    median difference on shared configurations was tried and was worse on the design third.)

    >>> import numpy as np
    >>> d = np.array([1, 1, 1, 1, 2])
    >>> c = np.array([1, 2, 3, 3, 3])
    >>> s = np.array([.80, .70, .60, .99, .90])
    >>> g = np.array([0, 0, 0, 1, 1])  # dataset 1: group 1 ran one configuration (0.99): unused there
    >>> comparable_scores(d, c, s, g).to_numpy().tolist()
    [[0.8, 0.7, 0.6], [nan, nan, 0.9]]
    """
    rows, cols, values, groups = (np.asarray(a) for a in (rows, cols, values, groups))
    if len(np.unique(groups)) > 1:
        frame = pd.DataFrame({"d": rows, "g": groups, "c": cols})
        size = frame.drop_duplicates().groupby(["d", "g"]).size().rename("n").reset_index()
        size = size.sort_values(["d", "n", "g"], ascending=[True, False, True])
        reference = size.drop_duplicates("d").set_index("d")["g"]
        keep = (frame["g"] == frame["d"].map(reference)).to_numpy()
        rows, cols, values = rows[keep], cols[keep], values[keep]
    return pivot_mean(rows, cols, np.asarray(values, dtype=float))


NOT_JSON = object()


def params_to_json(value):
    """``value`` (normalized parameters) as JSON that :func:`params_from_json` turns back exactly, else ``NOT_JSON``.

    Tuples are written ``{"__tuple__": [...]}``; types JSON cannot tell apart are refused.

    >>> import json
    >>> params_from_json(json.loads(json.dumps(params_to_json({"hidden_layer_sizes": (64, 32), "alpha": 1e-4, "x": None}))))
    {'hidden_layer_sizes': (64, 32), 'alpha': 0.0001, 'x': None}
    """
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is tuple:
        items = [params_to_json(v) for v in value]
        return NOT_JSON if any(v is NOT_JSON for v in items) else {"__tuple__": items}
    if type(value) is list:
        items = [params_to_json(v) for v in value]
        return NOT_JSON if any(v is NOT_JSON for v in items) else items
    if type(value) is dict and all(type(k) is str for k in value) and "__tuple__" not in value:
        items = {k: params_to_json(v) for k, v in value.items()}
        return NOT_JSON if any(v is NOT_JSON for v in items.values()) else items
    return NOT_JSON


def params_from_json(value):
    if isinstance(value, list):
        return [params_from_json(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(params_from_json(v) for v in value["__tuple__"])
        return {k: params_from_json(v) for k, v in value.items()}
    return value


def hierarchical_prior(regret: np.ndarray, observed: np.ndarray, algorithms) -> np.ndarray:
    """Each column's mean observed regret shrunk toward its algorithm's, shrunk toward the global mean
    (``SUPPORT_PRIOR`` pseudo-datasets per level)."""
    k = SUPPORT_PRIOR
    n = observed.sum(axis=0).astype(float)
    total = np.where(observed, regret, 0.0).sum(axis=0)
    glob = total.sum() / max(n.sum(), 1.0)
    algorithms = np.asarray(algorithms, dtype=object)
    family = np.empty(len(n))
    for name in set(algorithms.tolist()):
        cols = algorithms == name
        family[cols] = (total[cols].sum() + k * glob) / (n[cols].sum() + k)
    return (total + k * family) / (n + k)


def scaled_regret(regret: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Each dataset's observed regrets divided by their spread on that dataset (0 where not observed),
    so that datasets where configurations differ widely do not outweigh the others when the
    neighbours' regrets are averaged. Used for the expected regret of the first pick (on the design
    third: mean top-1 regret 0.0225 scaled against 0.0326 unscaled, three forest seeds).

    The spread is the standard deviation of the dataset's regrets, but at least the lower quartile
    (``SPREAD_FLOOR_QUANTILE``) of the datasets' spreads: on a dataset where every configuration ties,
    a difference of 0.002 would otherwise weigh like one of 0.2 elsewhere and decide the neighbours'
    average (session 10, design thirds, public path: dense classification 0.0491 -> 0.0465, dense
    regression 0.0463 -> 0.0448, OBOE's 96 0.0323 -> 0.0316; the median as floor was worse on two).

    >>> regret = np.array([[0.0, 0.2], [0.0, 0.4], [0.0, 0.02], [0.0, 0.2]])
    >>> scaled_regret(regret, np.ones((4, 2), bool))[:, 1].round(3).tolist()  # spreads 0.1, 0.2, 0.01, 0.1
    [2.0, 2.0, 0.258, 2.0]
    """
    regret = np.where(observed, regret, 0.0)
    n = np.maximum(observed.sum(axis=1, keepdims=True), 1)
    mean = regret.sum(axis=1, keepdims=True) / n
    sd = np.sqrt((np.where(observed, regret - mean, 0.0) ** 2).sum(axis=1, keepdims=True) / n)
    spread = sd[sd > 0]
    floor = float(np.quantile(spread, SPREAD_FLOOR_QUANTILE)) if len(spread) else 1.0
    return np.where(observed, regret / np.maximum(sd, floor), 0.0)


def decode_validated(found, n: int) -> list | None:
    """The stored validation outcome (one entry per configuration: normalized parameters or
    ``None``), or ``None`` (a cache miss) unless it decodes into exactly that."""
    try:
        stored = found[1]["params"]
    except (TypeError, KeyError, IndexError, AttributeError):
        return None
    if not isinstance(stored, list) or len(stored) != n:
        return None
    out = []
    for item in stored:
        if item is None:
            out.append(None)
            continue
        try:
            params = params_from_json(item)
        except (TypeError, ValueError, AttributeError):
            return None
        if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
            return None
        out.append(params)
    return out


@dataclass(frozen=True)
class StoredForest:
    """A fitted forest's trees as plain arrays, applied like scikit-learn's (float32 inputs, NaN routing).

    Node ``i`` of tree ``t`` is row ``offsets[t] + i``; ``left == -1`` marks a leaf.
    """

    offsets: list
    left: list
    right: list
    feature: list
    threshold: list
    missing_left: list
    feature_importances_: np.ndarray

    @staticmethod
    def arrays_of(forest) -> dict[str, np.ndarray]:
        trees = [est.tree_ for est in forest.estimators_]
        counts = [t.node_count for t in trees]
        return {
            "offsets": np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            "left": np.concatenate([t.children_left for t in trees]).astype(np.int64),
            "right": np.concatenate([t.children_right for t in trees]).astype(np.int64),
            "feature": np.concatenate([t.feature for t in trees]).astype(np.int64),
            "threshold": np.concatenate([t.threshold for t in trees]).astype(np.float64),
            "missing_left": np.concatenate([np.asarray(t.missing_go_to_left) for t in trees]).astype(np.uint8),
            "importances": np.asarray(forest.feature_importances_, dtype=np.float64),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], n_features: int | None = None) -> "StoredForest":
        """The forest from :meth:`arrays_of`'s arrays; ValueError unless they form trees over ``n_features``."""
        offsets, left, right, feature = (np.asarray(arrays[k]) for k in ("offsets", "left", "right", "feature"))
        n = len(left)
        if not (offsets.ndim == 1 and len(offsets) >= 2 and offsets[0] == 0 and offsets[-1] == n
                and np.all(np.diff(offsets) > 0) and len(right) == n == len(feature) == len(arrays["threshold"])
                == len(arrays["missing_left"])):
            raise ValueError("stored forest: inconsistent node arrays")
        node = np.arange(n) - np.repeat(offsets[:-1], np.diff(offsets))  # index within its tree
        size = np.repeat(np.diff(offsets), np.diff(offsets))
        inner = left != -1
        width = len(arrays["importances"]) if n_features is None else n_features
        # children come after their parent inside the same tree: every walk ends at a leaf
        if not (np.all((left[inner] > node[inner]) & (left[inner] < size[inner]))
                and np.all((right[inner] > node[inner]) & (right[inner] < size[inner]))
                and np.all((feature[inner] >= 0) & (feature[inner] < width)) and len(arrays["importances"]) == width):
            raise ValueError("stored forest: not a forest over these features")
        return cls(*(np.asarray(arrays[k]).tolist() for k in ("offsets", "left", "right", "feature", "threshold",
                                                              "missing_left")), np.array(arrays["importances"]))

    def apply(self, X) -> np.ndarray:
        """Leaf index of each row of ``X`` in each tree (as ``RandomForestRegressor.apply``)."""
        X = np.asarray(X, dtype=np.float32)  # what scikit-learn's trees compare
        left, right, feature, threshold, missing = (self.left, self.right, self.feature, self.threshold,
                                                    self.missing_left)
        out = np.empty((X.shape[0], len(self.offsets) - 1), dtype=np.intp)
        for i, row in enumerate(X.astype(np.float64).tolist()):  # float32 values, exactly, as Python floats
            for t, base in enumerate(self.offsets[:-1]):
                node = 0
                while left[base + node] != -1:
                    value = row[feature[base + node]]
                    if value != value:
                        go_left = missing[base + node]
                    else:
                        go_left = value <= threshold[base + node]
                    node = left[base + node] if go_left else right[base + node]
                out[i, t] = node
        return out


@dataclass(frozen=True)
class RunArrays:
    """Successful runs of one (task family, metric): parallel arrays, and each configuration's
    ``(algorithm, params JSON)`` as stored (validated before use)."""

    dataset_id: np.ndarray
    configuration_id: np.ndarray
    score: np.ndarray
    configurations: Mapping[int, tuple[str, str]]
    group: np.ndarray
    """Each run's source and protocol as an integer code (for :func:`comparable_scores`)."""


@dataclass
class RegretTable:
    """Runs of one (task family, metric, candidate set) as a complete regret matrix."""

    dataset_ids: np.ndarray
    configuration_ids: np.ndarray
    scores: np.ndarray          # n x m, nan where no run
    regret: np.ndarray          # n x m, missing filled with the configuration's prior regret
    scaled: np.ndarray          # n x m, regret in units of its dataset's spread (scaled_regret), filled alike
    observed: np.ndarray        # n x m bool
    algorithms: list[str]
    params: list[dict]
    cache: dict = field(default_factory=dict)
