"""Flags on typed feature columns: all-missing, constant, identifier-like, very high cardinality.

The columns are kept (the meta-features count them as OpenML does); the flags
go to :attr:`Dataset.flags` and a note per flag to :attr:`Dataset.warnings`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["flag_columns", "FLAGS", "HIGH_CARDINALITY", "INDEX_NAMES"]

#: Categorical columns with more levels than this are flagged ``high_cardinality``.
HIGH_CARDINALITY = 1000
#: The flags every dataset has a (maybe empty) list for; ARFF files add ``string``.
FLAGS = ("all_missing", "constant", "identifier", "high_cardinality", "mixed_type")



#: Column names that mark a written-out row index (R's ``rownames``, pandas' ``Unnamed: 0``): such a column,
#: integer and unique per row, is an identifier even out of order (on data sorted by the target it leaks it).
INDEX_NAMES = frozenset({"rownames", "row.names", "row_names", "index", "id", "unnamed: 0"})


def flag_columns(X: pd.DataFrame, flags: dict[str, list[str]], notes: list[str]) -> None:
    """Flag all-missing, constant, identifier-like and high-cardinality columns.

    Categoricals are counted from their codes; numeric columns need no hashing:
    constant is min == max with nothing missing, an identifier is integer-valued
    and strictly monotonic (all distinct, in order), or integer-valued, all distinct and named like a
    row index (:data:`INDEX_NAMES`).
    """
    n_rows = X.shape[0]
    for col in X.columns:
        s = X[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            codes = s.array.codes
            present = codes[codes >= 0]
            n_missing = n_rows - present.size
            distinct = int(np.count_nonzero(np.bincount(present))) if present.size else 0
            if n_missing == n_rows:
                flags["all_missing"].append(col)
            elif distinct == 1 and n_missing == 0:
                flags["constant"].append(col)
            elif n_rows >= 20 and distinct == n_rows:
                flags["identifier"].append(col)
            elif distinct > HIGH_CARDINALITY or (distinct > 50 and distinct > 0.5 * n_rows):
                flags["high_cardinality"].append(col)
            continue
        values = s.to_numpy(dtype=float, na_value=np.nan)
        nan = np.isnan(values)
        if nan.all():
            flags["all_missing"].append(col)
        elif nan.any():
            continue
        elif values.min() == values.max():
            flags["constant"].append(col)
        elif n_rows >= 20 and np.all(np.mod(values, 1) == 0):
            step = np.diff(values)
            if (step > 0).all() or (step < 0).all():
                flags["identifier"].append(col)
            elif str(col).strip().lower() in INDEX_NAMES and np.unique(values).size == n_rows:
                flags["identifier"].append(col)  # a row index written out, in shuffled or sampled order
    if flags["all_missing"]:
        notes.append(f"all-missing column(s) kept for characterization: {', '.join(flags['all_missing'])}")
    if flags["constant"]:
        notes.append(f"constant column(s) kept for characterization: {', '.join(flags['constant'])}")
    if flags["identifier"]:
        notes.append(f"column(s) unique per row, probably identifiers: {', '.join(flags['identifier'])} (drop them if so)")
    if flags["high_cardinality"]:
        notes.append(
            f"very high-cardinality categorical column(s): {', '.join(flags['high_cardinality'])} "
            "(rare levels are grouped when encoding)"
        )
