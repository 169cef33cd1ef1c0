"""Leakage and data-quality report: columns that give the answer away, and identifiers.

:func:`quality_report` looks at each feature column on its own and names, as
warnings with a score:

``predictive``
    The column alone nearly predicts the target: a one-feature rule (OneR,
    Holte 1993: each level, or each of up to 32 quantile bins of a numeric
    column, with missing values as a level of their own, predicts its
    training rows' majority class or mean) scores at least ``threshold`` in
    cross-validation (balanced accuracy for classification, R² for
    regression, where a numeric column's straight-line fit also counts, as
    binning loses the detail of a near-copy). Real features rarely do; a column recorded after the
    outcome often does (titanic's ``boat``).
``target_derived``
    The column's presence gives the target away: it is present (or missing)
    on a sizeable group of rows that all have one class, a class the other
    rows do not share (titanic's ``body``, recorded only for the dead); or,
    for regression, it is a monotonic function of the target (rank
    correlation at least 0.99).
``identifier``
    The column is unique per row (a categorical with a distinct value in at
    least 90% of its rows, or one :class:`Dataset` flags ``identifier``): it
    can only be memorised.

Nothing is dropped: the report says which columns to consider dropping
(``metalearn search --drop COL``).

>>> import numpy as np, pandas as pd
>>> from metalearn.data import load_dataset
>>> rng = np.random.default_rng(0)
>>> y = rng.integers(0, 2, 200)
>>> frame = pd.DataFrame({"noise": rng.normal(size=200), "leak": y * 10 + rng.normal(size=200) * 0.1, "y": y})
>>> report = quality_report(load_dataset(frame, target="y"))
>>> report.columns()
('leak',)
>>> print(report.issues[0].message)
column 'leak' alone predicts the target: balanced accuracy 0.994 in 5-fold CV of a one-feature rule (threshold 0.95)
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import numpy as np
import pandas as pd

from metalearn.data._dataset import Dataset
from metalearn.exceptions import DataError

__all__ = ["quality_report", "QualityReport", "QualityIssue", "KINDS"]

#: The kinds of issue, in the order the report lists them.
KINDS = ("predictive", "target_derived", "identifier")
#: Quantile bins of a numeric column for the one-feature rule.
NUMERIC_BINS = 32
#: Distinct values per present row above which a categorical column is identifier-like.
IDENTIFIER_RATIO = 0.9
#: Share of one class in a group of rows (present, or missing) above which the group gives the class away.
PURE_GROUP = 0.99
#: Rank correlation with a regression target above which a column is target-derived.
DERIVED_CORRELATION = 0.99


@dataclass(frozen=True)
class QualityIssue:
    """One warning: the column, the kind of issue (one of :data:`KINDS`), its score, and a one-line message."""

    column: str
    kind: str
    score: float
    message: str


@dataclass(frozen=True)
class QualityReport:
    """What :func:`quality_report` found.

    Attributes
    ----------
    issues : tuple of QualityIssue
        By kind (:data:`KINDS` order), then by score, strongest first.
    scores : mapping of str to float
        Every feature column's one-feature cross-validated score.
    metric : str
        ``"balanced_accuracy"`` or ``"r2"``.
    """

    issues: tuple[QualityIssue, ...]
    scores: Mapping[str, float]
    metric: str

    def columns(self, kind: str | None = None) -> tuple[str, ...]:
        """The columns with an issue (of one kind, if given), each once, in report order."""
        if kind is not None and kind not in KINDS:
            raise DataError(f"kind={kind!r} is not a quality issue kind: use one of {', '.join(KINDS)}")
        return tuple(dict.fromkeys(i.column for i in self.issues if kind is None or i.kind == kind))

    @property
    def warnings(self) -> tuple[str, ...]:
        """One line per issue."""
        return tuple(i.message for i in self.issues)

    def to_dict(self) -> dict:
        """JSON-ready: the issues, the metric and every column's score."""
        return {
            "metric": self.metric,
            "issues": [{"column": i.column, "kind": i.kind, "score": i.score, "message": i.message} for i in self.issues],
            "scores": dict(self.scores),
        }


def quality_report(
    dataset: Dataset, *, threshold: float = 0.95, cv: int = 5, max_rows: int = 20_000, random_state: int = 0
) -> QualityReport:
    """Name the columns that nearly predict the target, give it away by their presence, or identify rows.

    Parameters
    ----------
    dataset : Dataset
        From :func:`metalearn.data.load_dataset`.
    threshold : float, default 0.95
        A column whose one-feature score (balanced accuracy, or R²) reaches it is ``predictive``.
    cv : int, default 5
        Folds of the cross-validation (fewer if the smallest class is smaller).
    max_rows : int, default 20000
        Larger datasets are scored on a random sample of this many rows.
    random_state : int, default 0
        Seed of the folds and the sample.

    Returns
    -------
    QualityReport
    """
    if not isinstance(dataset, Dataset):
        raise DataError(f"dataset must be a metalearn Dataset (from load_dataset), not {type(dataset).__name__}")
    if not (isinstance(threshold, (int, float)) and 0 < threshold <= 1):
        raise DataError(f"threshold={threshold!r} is not valid: give a score in (0, 1], e.g. 0.95")
    if not (isinstance(cv, int) and cv >= 2):
        raise DataError(f"cv={cv!r} is not valid: give a number of folds of at least 2")
    if not (isinstance(max_rows, int) and max_rows >= 10):
        raise DataError(f"max_rows={max_rows!r} is not valid: give a number of rows of at least 10")
    rng = np.random.default_rng(random_state)
    X, y = dataset.X, dataset.y
    if len(y) > max_rows:
        keep = np.sort(rng.choice(len(y), size=max_rows, replace=False))
        X, y = X.iloc[keep].reset_index(drop=True), y.iloc[keep].reset_index(drop=True)
    regression = dataset.task_family == "regression"
    if regression:
        target = y.to_numpy(dtype=float)
        folds = _folds(np.zeros(len(target), dtype=np.int64), cv, rng)
    else:
        target = np.asarray(y.cat.codes, dtype=np.int64)
        folds = _folds(target, cv, rng)
    metric = "r2" if regression else "balanced_accuracy"
    issues: list[QualityIssue] = []
    scores: dict[str, float] = {}
    for name in X.columns:
        score = _one_rule_score(_codes(X[name]), target, folds, regression)
        if regression:
            score = max(score, _linear_r2(X[name], target))
        scores[name] = score
        if score >= threshold:
            label = "R²" if regression else "balanced accuracy"
            issues.append(QualityIssue(
                name, "predictive", score,
                f"column {name!r} alone predicts the target: {label} {score:.3f} in {folds.max() + 1}-fold CV "
                f"of a one-feature rule (threshold {threshold:g})",
            ))  # fmt: skip
        derived = _regression_derived(name, X[name], target) if regression else _presence_gives_class(name, X[name], y)
        if derived is not None:
            issues.append(derived)
        ident = _identifier(name, X[name], dataset)
        if ident is not None:
            issues.append(ident)
    issues.sort(key=lambda i: (KINDS.index(i.kind), -i.score))
    return QualityReport(tuple(issues), MappingProxyType(scores), metric)


def _folds(strata: np.ndarray, cv: int, rng: np.random.Generator) -> np.ndarray:
    """The fold of each row: shuffled, stratified on ``strata`` (as StratifiedKFold would)."""
    counts = np.bincount(strata)
    n_folds = max(2, min(cv, int(counts[counts > 0].min())))
    fold = np.empty(len(strata), dtype=np.int64)
    for value in np.unique(strata):
        rows = rng.permutation(np.flatnonzero(strata == value))
        fold[rows] = np.arange(len(rows)) % n_folds
    return fold


def _codes(s: pd.Series) -> np.ndarray:
    """The column as level codes for the one-feature rule: 0 for missing, then the levels or quantile bins."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return np.asarray(s.cat.codes, dtype=np.int64) + 1
    values = s.to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(values)
    codes = np.zeros(len(values), dtype=np.int64)
    distinct = np.unique(values[present])
    if len(distinct) > NUMERIC_BINS:
        distinct = np.unique(np.quantile(values[present], np.linspace(0, 1, NUMERIC_BINS + 1))[1:-1])
        codes[present] = np.searchsorted(distinct, values[present], side="right") + 1
    else:
        codes[present] = np.searchsorted(distinct, values[present]) + 1
    return codes


def _one_rule_score(codes: np.ndarray, target: np.ndarray, folds: np.ndarray, regression: bool) -> float:
    """Cross-validated score of predicting each level's training majority class (or mean)."""
    n_codes = int(codes.max()) + 1
    predicted = np.empty(len(target), dtype=float if regression else np.int64)
    for f in range(int(folds.max()) + 1):
        train, test = folds != f, folds == f
        if regression:
            sums = np.bincount(codes[train], weights=target[train], minlength=n_codes)
            counts = np.bincount(codes[train], minlength=n_codes)
            fallback = target[train].mean()
            means = np.where(counts > 0, sums / np.maximum(counts, 1), fallback)
            predicted[test] = means[codes[test]]
        else:
            k = int(target.max()) + 1
            table = np.bincount(codes[train] * k + target[train], minlength=n_codes * k).reshape(n_codes, k)
            majority = table.argmax(axis=1)
            majority[table.sum(axis=1) == 0] = np.bincount(target[train], minlength=k).argmax()
            predicted[test] = majority[codes[test]]
    if regression:
        total = float(((target - target.mean()) ** 2).sum())
        return 1.0 - float(((target - predicted) ** 2).sum()) / total if total > 0 else 0.0
    recalls = [float((predicted[target == c] == c).mean()) for c in np.unique(target)]
    return float(np.mean(recalls))


def _linear_r2(s: pd.Series, target: np.ndarray) -> float:
    """R² of a straight-line fit of the target on a numeric column (over its present rows); 0 for categoricals."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return 0.0
    values = s.to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(values)
    if present.sum() < 10 or np.ptp(values[present]) == 0 or np.ptp(target[present]) == 0:
        return 0.0
    return float(np.corrcoef(values[present], target[present])[0, 1] ** 2)


def _presence_gives_class(name: str, s: pd.Series, y: pd.Series) -> QualityIssue | None:
    """A group of rows where the column is present (or missing), all of one class the other rows mostly lack."""
    missing = s.isna().to_numpy()
    n = len(missing)
    smallest = max(10, int(0.01 * n))
    for where, rows in (("present", ~missing), ("missing", missing)):
        size = int(rows.sum())
        if size < smallest or n - size < smallest:
            continue
        counts = y[rows].value_counts()
        label, top = counts.index[0], int(counts.iloc[0])
        label = label.item() if isinstance(label, np.generic) else label
        purity = top / size
        elsewhere = float((y[~rows] == label).mean())
        if purity >= PURE_GROUP and elsewhere < PURE_GROUP - 0.2:
            return QualityIssue(
                name, "target_derived", purity,
                f"column {name!r} is {where} in {size} rows, {purity:.1%} of them with target {label!r} "
                f"(against {elsewhere:.1%} of the other rows): probably recorded because of the outcome",
            )  # fmt: skip
    return None


def _regression_derived(name: str, s: pd.Series, target: np.ndarray) -> QualityIssue | None:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return None
    values = s.to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(values)
    if present.sum() < 10 or np.ptp(values[present]) == 0:
        return None
    rho = pd.Series(values[present]).rank().corr(pd.Series(target[present]).rank())
    if abs(rho) >= DERIVED_CORRELATION:
        return QualityIssue(
            name, "target_derived", float(abs(rho)),
            f"column {name!r} is a monotonic function of the target (rank correlation {rho:.3f}): probably derived from it",
        )  # fmt: skip
    return None


def _identifier(name: str, s: pd.Series, dataset: Dataset) -> QualityIssue | None:
    present = int(s.notna().sum())
    if name in dataset.flags.get("identifier", ()):
        distinct = present
    elif isinstance(s.dtype, pd.CategoricalDtype) and present >= 20:
        distinct = int(s.nunique())
        if distinct < IDENTIFIER_RATIO * present:
            return None
    else:
        return None
    return QualityIssue(
        name, "identifier", distinct / present,
        f"column {name!r} is identifier-like ({distinct} distinct values in {present} rows): "
        "a model can only memorise it; drop it",
    )  # fmt: skip
