"""Shared, lazily computed passes over the data.

Each pass reads the data once and is reused by every group that needs it; the
time of a pass is charged to the first group that asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from metalearn.metafeatures._table import Table, nominal_codes
from metalearn.exceptions import CharacterizationError

#: Elements (rows x columns) per chunk of the numeric pass: small enough for
#: the CPU cache, large enough that pandas' per-chunk overhead does not matter.
CHUNK_ELEMENTS = 1 << 17


@dataclass(frozen=True)
class NumericMoments:
    """Per-column moments of numeric attributes, missing values skipped.

    ``m2``, ``m3``, ``m4`` are sums of the 2nd-4th powers of the deviations
    from the column mean (not divided by anything).
    """

    names: tuple[str, ...]
    count: np.ndarray
    mean: np.ndarray
    m2: np.ndarray
    m3: np.ndarray
    m4: np.ndarray
    n_missing: np.ndarray
    row_missing: np.ndarray  # (n_rows,) bool: the row has a missing numeric feature


@dataclass(frozen=True)
class NominalCounts:
    """Per-column value counts of nominal attributes."""

    names: tuple[str, ...]
    counts: tuple[np.ndarray, ...]  # counts of each declared value, missing excluded
    n_missing: np.ndarray
    n_declared: np.ndarray
    row_missing: np.ndarray


def numeric_moments(X: pd.DataFrame, names: tuple[str, ...]) -> NumericMoments:
    """One chunked pass over the numeric columns.

    Powers of deviations from a per-column shift (the first chunk's mean) are
    summed in one pass and turned into central sums afterwards, which is
    exact in exact arithmetic and accurate to ~1e-12 in floating point as long
    as the shift is near the mean.
    """
    n, k = X.shape[0], len(names)
    row_missing = np.zeros(n, dtype=bool)
    if k == 0:
        empty = np.zeros(0)
        return NumericMoments(names, empty, empty, empty, empty, empty, empty.astype(np.int64), row_missing)
    rows = max(512, CHUNK_ELEMENTS // k)
    s1 = np.zeros(k)
    s2 = np.zeros(k)
    s3 = np.zeros(k)
    s4 = np.zeros(k)
    count = np.zeros(k)
    shift = None
    all_columns = list(X.columns) == list(names)
    for r0 in range(0, n, rows):
        part = X.iloc[r0 : r0 + rows]
        if not all_columns:
            part = part[list(names)]
        a = part.to_numpy(dtype=np.float64, na_value=np.nan)
        nan = np.isnan(a)
        has_nan = bool(nan.any())
        if shift is None:
            if has_nan:
                ok = ~nan
                got = ok.sum(axis=0)
                shift = np.where(got > 0, np.where(ok, a, 0.0).sum(axis=0) / np.maximum(got, 1), 0.0)
            else:
                shift = a.mean(axis=0)
        with np.errstate(invalid="ignore"):
            d = a - shift
        if has_nan:
            d[nan] = 0.0
            count += a.shape[0] - nan.sum(axis=0)
            row_missing[r0 : r0 + a.shape[0]] = nan.any(axis=1)
        else:
            count += a.shape[0]
        with np.errstate(invalid="ignore", over="ignore"):
            d2 = d * d
            s1 += d.sum(axis=0)
            s2 += d2.sum(axis=0)
            s3 += (d2 * d).sum(axis=0)
            s4 += (d2 * d2).sum(axis=0)
    bad = (count > 0) & ~(np.isfinite(s1) & np.isfinite(s4))
    if bad.any():
        col = names[int(np.flatnonzero(bad)[0])]
        raise CharacterizationError(
            f"feature column {col!r} has infinite value(s): replace them with a finite value or leave them empty "
            "(metalearn.load_dataset refuses them too)"
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = np.where(count > 0, s1 / count, np.nan)  # mean - shift
        mean = shift + delta
        m2 = s2 - count * delta**2
        m3 = s3 - 3 * delta * s2 + 2 * count * delta**3
        m4 = s4 - 4 * delta * s3 + 6 * delta**2 * s2 - 3 * count * delta**4
    m2 = np.maximum(m2, 0.0)
    n_missing = (n - count).astype(np.int64)
    return NumericMoments(names, count, mean, m2, m3, m4, n_missing, row_missing)


def nominal_counts(X: pd.DataFrame, names: tuple[str, ...]) -> NominalCounts:
    n = X.shape[0]
    row_missing = np.zeros(n, dtype=bool)
    counts, n_missing, n_declared = [], [], []
    for col in names:
        codes, k = nominal_codes(X[col])
        if codes.size and codes.min() >= 0:
            c = np.bincount(codes, minlength=k)
            missing = 0
        else:
            c = np.bincount(codes.astype(np.intp) + 1, minlength=k + 1)
            c, missing = c[1:], int(c[0])
        counts.append(c)
        n_missing.append(missing)
        n_declared.append(k)
        if missing:
            row_missing |= codes < 0
    return NominalCounts(
        names, tuple(counts), np.asarray(n_missing, dtype=np.int64), np.asarray(n_declared, dtype=np.int64), row_missing
    )


class Passes:
    """Lazily computed summaries of one :class:`Table`, shared by the groups."""

    def __init__(self, table: Table) -> None:
        self.table = table

    @cached_property
    def numeric(self) -> NumericMoments:
        return numeric_moments(self.table.X, self.table.numeric)

    @cached_property
    def nominal(self) -> NominalCounts:
        return nominal_counts(self.table.X, self.table.nominal)

    @cached_property
    def text_missing(self) -> tuple[np.ndarray, np.ndarray]:
        """Missing count per text column and the rows with a missing text value."""
        X = self.table.X
        row_missing = np.zeros(X.shape[0], dtype=bool)
        per_col = []
        for col in self.table.text:
            miss = X[col].isna().to_numpy()
            per_col.append(int(miss.sum()))
            row_missing |= miss
        return np.asarray(per_col, dtype=np.int64), row_missing

    @cached_property
    def target_missing(self) -> np.ndarray:
        y = self.table.y
        if y is None:
            return np.zeros(self.table.n_rows, dtype=bool)
        return y.isna().to_numpy()

    @cached_property
    def class_counts(self) -> np.ndarray:
        """Count of each declared class (missing excluded)."""
        codes, k = self.table.y_codes
        return np.bincount(codes[codes >= 0], minlength=k)

    @cached_property
    def target_moments(self) -> NumericMoments:
        """Moments of a numeric (regression) target."""
        frame = pd.DataFrame({"__target__": self.table.y_values})
        return numeric_moments(frame, ("__target__",))

    @cached_property
    def numeric_distinct(self) -> np.ndarray:
        """Number of distinct non-missing values of each numeric column."""
        X = self.table.X
        out = np.empty(len(self.table.numeric), dtype=np.int64)
        for j, col in enumerate(self.table.numeric):
            v = np.sort(X[col].to_numpy(dtype=np.float64, na_value=np.nan))  # NaN sort last
            v = v[: v.size - int(np.count_nonzero(np.isnan(v)))]
            out[j] = 0 if v.size == 0 else 1 + int(np.count_nonzero(v[1:] != v[:-1]))
        return out

    def X_text_distinct(self, col: str) -> int:
        """Number of distinct non-missing values of a text column."""
        return int(self.table.X[col].nunique(dropna=True))
