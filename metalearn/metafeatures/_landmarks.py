"""Landmarkers: cross-validated scores of simple scikit-learn models.

These are metalearn's own (``metalearn.Landmark<Model>.<measure>``), not
OpenML's Weka landmarkers, which cannot be reproduced without Weka.

Protocol: stratified 5-fold CV with shuffling, ``random_state=0``; when the
data has more than :data:`SUBSAMPLE_ROWS` rows, the models run on a seeded
stratified subsample of that many rows. Features: numeric columns imputed
with the median and standardized; nominal columns one-hot encoded when they
have at most :data:`MAX_ONE_HOT` values, otherwise replaced by the frequency
of their value; text columns are left out. Measures: ``error_rate``
(1 - accuracy), ``balanced_error`` (1 - balanced accuracy) and ``auc``
(ROC AUC, one-vs-rest macro average for more than two classes).

The decision stump and the depth-2 tree are the top levels of the depth-3
tree (CART, Gini): what a greedy tree of that depth grows, up to the
breaking of exact ties, at a third of the cost. The tree is given the
features as a column-major float32 matrix, which is what scikit-learn's tree
converts them to anyway, so the fit is the same, only faster. The measures
are computed here from the out-of-fold probabilities (the definitions of
scikit-learn's ``accuracy_score``, ``balanced_accuracy_score`` and
``roc_auc_score``, ties in the scores taking their mean rank), without the
per-call input validation that cost more than the computation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from metalearn.metafeatures._table import Table, nominal_codes

SUBSAMPLE_ROWS = 5_000
MAX_ONE_HOT = 10
N_FOLDS = 5
SEED = 0
MODELS = ("1NN", "NaiveBayes", "DecisionStump", "TreeDepth2", "TreeDepth3", "LDA")
MEASURES = ("error_rate", "balanced_error", "auc")
NAMES = tuple(f"metalearn.Landmark{m}.{s}" for m in MODELS for s in MEASURES)


def _make(model: str):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.tree import DecisionTreeClassifier

    return {
        "1NN": lambda: KNeighborsClassifier(n_neighbors=1),
        "NaiveBayes": lambda: GaussianNB(),
        "Tree": lambda: DecisionTreeClassifier(max_depth=3, random_state=SEED),
        "LDA": lambda: LinearDiscriminantAnalysis(solver="lsqr"),
    }[model]()


def _tree_levels(est, X: np.ndarray) -> dict[str, np.ndarray]:
    """Class probabilities of the depth-1, -2 and -3 truncations of a fitted tree."""
    path = est.decision_path(X).tocsr()
    path.sort_indices()  # node ids grow along a path: sorted ids = root-to-leaf order
    lengths = np.diff(path.indptr)
    value = est.tree_.value[:, 0, :]
    value = value / np.maximum(value.sum(axis=1, keepdims=True), 1e-300)
    out = {}
    for depth, name in ((1, "DecisionStump"), (2, "TreeDepth2"), (3, "TreeDepth3")):
        node = path.indices[path.indptr[:-1] + np.minimum(depth, lengths - 1)]
        out[name] = value[node]
    return out


def _subsample(y: np.ndarray, rows: int) -> np.ndarray:
    """Seeded stratified subsample: each class keeps its share (at least 1)."""
    rng = np.random.default_rng(SEED)
    classes, inverse = np.unique(y, return_inverse=True)
    n = y.size
    keep = []
    for c in range(classes.size):
        idx = np.flatnonzero(inverse == c)
        take = max(1, int(round(idx.size * rows / n)))
        keep.append(rng.choice(idx, size=min(take, idx.size), replace=False))
    return np.sort(np.concatenate(keep))


def _features(X: pd.DataFrame, table: Table, rows: np.ndarray | None) -> np.ndarray:
    parts = []
    if table.numeric:
        if rows is None:
            num = X[list(table.numeric)].to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            num = X.iloc[rows][list(table.numeric)].to_numpy(dtype=np.float64, na_value=np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(num, axis=0)
        med = np.where(np.isnan(med), 0.0, med)
        num = np.where(np.isnan(num), med, num)
        sd = num.std(axis=0)
        num = (num - num.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
        parts.append(num)
    for col in table.nominal:
        codes, k = nominal_codes(X[col])
        codes = (codes if rows is None else codes[rows]).astype(np.int64)
        counts = np.bincount(codes + 1, minlength=k + 1)
        if k <= MAX_ONE_HOT:
            onehot = np.zeros((codes.size, k + 1))
            onehot[np.arange(codes.size), codes + 1] = 1.0
            parts.append(onehot[:, counts > 0])
        else:
            parts.append((counts[codes + 1] / codes.size).reshape(-1, 1))
    if not parts:
        return np.zeros((len(rows) if rows is not None else X.shape[0], 0))
    return np.hstack(parts)


def _auc(y: np.ndarray, proba: np.ndarray, n_classes: int) -> float:
    """ROC AUC (one-vs-rest macro average for more than two classes), by ranks.

    The Mann-Whitney form of the area, ties taking their mean rank: the value
    scikit-learn's ``roc_auc_score`` computes from the ROC curve.

    >>> y = np.array([0, 0, 1, 1])
    >>> _auc(y, np.array([[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]]), 2)
    0.75
    """
    scores = [proba[:, 1]] if n_classes == 2 else [proba[:, c] for c in range(n_classes)]
    positives = [y == 1] if n_classes == 2 else [y == c for c in range(n_classes)]
    areas = []
    for score, pos in zip(scores, positives):
        n_pos = int(np.count_nonzero(pos))
        n_neg = pos.size - n_pos
        if n_pos == 0 or n_neg == 0:
            raise ValueError("only one class present in the labels")
        _, inverse, counts = np.unique(score, return_inverse=True, return_counts=True)
        mean_rank = np.cumsum(counts) - (counts - 1) / 2.0  # 1-based rank of each distinct score, ties averaged
        areas.append((mean_rank[inverse][pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))
    return float(np.mean(areas))


def _fit_all(X, y, folds, n_classes: int, probas: dict, failed: dict) -> None:
    """Out-of-fold class probabilities of every landmarker, into ``probas``."""
    for fitted in ("1NN", "NaiveBayes", "Tree", "LDA"):
        targets = ("DecisionStump", "TreeDepth2", "TreeDepth3") if fitted == "Tree" else (fitted,)
        # scikit-learn's tree works on float32 columns: convert once, not per fold
        data = np.asfortranarray(X, dtype=np.float32) if fitted == "Tree" else X
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for model in targets:
                    probas[model] = np.zeros((y.size, n_classes))
                for train, test in folds:
                    est = _make(fitted).fit(data[train], y[train])
                    cols = est.classes_
                    if fitted == "Tree":
                        for model, p in _tree_levels(est, data[test]).items():
                            probas[model][np.ix_(test, cols)] = p
                    else:
                        probas[fitted][np.ix_(test, cols)] = est.predict_proba(X[test])
        except Exception as exc:  # noqa: BLE001 - a landmarker that cannot fit is NaN with the reason
            for model in targets:
                probas.pop(model, None)
                failed[model] = f"{fitted} failed: {type(exc).__name__}: {exc}".splitlines()[0]


def landmarking(passes) -> tuple[dict, dict]:
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    t = passes.table
    out = {name: float("nan") for name in NAMES}
    reason = None
    if t.y is None:
        reason = "no target given"
    elif not t.classification:
        reason = "regression target: landmarkers are defined for classification targets only"
    if reason is None:
        codes, _ = t.y_codes
        labelled = codes >= 0
        counts = np.bincount(codes[labelled])
        counts = counts[counts > 0]
        if counts.size < 2:
            reason = "needs at least two classes"
        elif counts.max() < 2 or labelled.sum() < 4:
            reason = "too few rows for cross-validation"
    if reason is None:
        rows = np.flatnonzero(labelled)
        if rows.size > SUBSAMPLE_ROWS:
            rows = rows[_subsample(codes[rows], SUBSAMPLE_ROWS)]
        y = codes[rows]
        _, y = np.unique(y, return_inverse=True)
        passes.numeric  # refuses infinite values (computed once, shared with the other groups)
        X = _features(t.X, t, rows)
        if X.shape[1] == 0:
            reason = "no numeric or nominal features"
    if reason is not None:
        return out, {name: reason for name in NAMES}
    n_splits = int(min(N_FOLDS, np.bincount(y).max()))
    n_splits = max(n_splits, 2)
    folds = list(StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=SEED).split(X, y))
    n_classes = int(y.max()) + 1
    why: dict[str, str] = {}
    probas: dict[str, np.ndarray] = {}
    failed: dict[str, str] = {}
    with threadpool_limits(1):  # small matrices: BLAS threads cost more than they bring
        _fit_all(X, y, folds, n_classes, probas, failed)
    for model in MODELS:
        if model in failed:
            for s in MEASURES:
                why[f"metalearn.Landmark{model}.{s}"] = failed[model]
            continue
        proba = probas[model]
        pred = np.argmax(proba, axis=1)
        out[f"metalearn.Landmark{model}.error_rate"] = float(np.mean(pred != y))
        recall = [np.mean(pred[y == c] == c) for c in range(n_classes)]  # every class is present in y
        out[f"metalearn.Landmark{model}.balanced_error"] = float(1 - np.mean(recall))
        try:
            if n_classes > 2:
                row = proba.sum(axis=1, keepdims=True)
                proba = proba / np.where(row > 0, row, 1)
            out[f"metalearn.Landmark{model}.auc"] = _auc(y, proba, n_classes)
        except ValueError as exc:
            why[f"metalearn.Landmark{model}.auc"] = f"AUC undefined: {exc}".splitlines()[0]
    return out, why
