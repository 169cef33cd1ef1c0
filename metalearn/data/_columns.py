"""Feature columns typed for modelling: small one-job steps, composed.

Each step takes a column and its :class:`Column` context, and returns the
column typed (the step applies) or None (the next step is tried), as skrub's
``TableVectorizer`` composes ``CleanNullStrings``, ``ToNumeric`` and the others:

1. :func:`keep_categorical`: a categorical stays (unless it holds raw text from
   the fast CSV reader);
2. :func:`bool_to_categorical`;
3. :func:`check_numbers`: numeric columns must be real and finite;
4. :func:`dates_to_text`: dates become categorical text;
5. :func:`numbers_or_levels`: text becomes numbers if it mostly is numbers,
   else categorical levels (stripped, blanks missing).

:func:`normalise_features` runs them on every column, then
:func:`metalearn.data._flags.flag_columns` flags what is worth knowing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metalearn.data._flags import flag_columns
from metalearn.data._text import as_numbers, distinct_text
from metalearn.exceptions import DataError

__all__ = ["normalise_features", "Column", "STEPS", "MOSTLY_NUMERIC"]

#: Fraction of numeric entries above which a text column is read as numeric.
MOSTLY_NUMERIC = 0.9


@dataclass(frozen=True)
class Column:
    """What a step knows about the column it types: its name, where it came from, and where to report."""

    name: str
    origin: str
    flags: dict[str, list[str]]
    notes: list[str]
    raw_text: bool = False  # a categorical of unstripped text, from the fast CSV reader


def keep_categorical(s: pd.Series, col: Column) -> pd.Series | None:
    if isinstance(s.dtype, pd.CategoricalDtype) and not col.raw_text:
        return s
    return None


def bool_to_categorical(s: pd.Series, col: Column) -> pd.Series | None:
    return s.astype("category") if pd.api.types.is_bool_dtype(s.dtype) else None


def check_numbers(s: pd.Series, col: Column) -> pd.Series | None:
    if isinstance(s.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(s.dtype):
        return None
    if pd.api.types.is_complex_dtype(s.dtype):
        raise DataError(f"column {col.name!r} in {col.origin} holds complex numbers: give real numbers")
    values = s.to_numpy(dtype=float, na_value=np.nan)
    n_inf = int(np.isinf(values).sum())
    if n_inf:
        rows = np.flatnonzero(np.isinf(values))[:5].tolist()
        raise DataError(
            f"column {col.name!r} in {col.origin} has {n_inf} infinite value(s) (rows {', '.join(map(str, rows))}"
            f"{', ...' if n_inf > 5 else ''}): replace them with a finite value or leave them empty"
        )
    if pd.api.types.is_extension_array_dtype(s.dtype):
        return pd.Series(values, name=col.name) if s.isna().any() else s.astype(s.dtype.numpy_dtype)
    return s


def dates_to_text(s: pd.Series, col: Column) -> pd.Series | None:
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        return None
    col.notes.append(f"column {col.name!r} holds dates: read as categorical text")
    return s.astype(str).where(s.notna()).astype("category")


def numbers_or_levels(s: pd.Series, col: Column) -> pd.Series:
    """Text, or objects: numbers if at least :data:`MOSTLY_NUMERIC` of the entries are, else categorical levels.

    Works on the distinct values, then maps back to the rows.
    """
    name, flags, notes = col.name, col.flags, col.notes
    codes, text, counts = distinct_text(s)
    parsed = as_numbers(text)
    valid = np.array([t is not None for t in text], dtype=bool)
    numeric = ~np.isnan(parsed)
    n_present = int(counts[valid].sum())
    n_numeric = int(counts[numeric].sum())
    ratio = n_numeric / n_present if n_present else 0.0
    if not n_present:  # nothing but missing values: numeric NaN, as pandas reads an empty CSV column
        return pd.Series(np.full(len(codes), np.nan), name=name)
    if ratio >= MOSTLY_NUMERIC:
        if ratio < 1.0:
            bad = [i for i in range(len(text)) if valid[i] and not numeric[i] and counts[i]]
            notes.append(
                f"column {name!r} is numeric but has {int(counts[bad].sum())} text value(s) such as {text[bad[0]]!r}: "
                "read them as missing"
            )
            flags["mixed_type"].append(name)
        values = np.append(parsed, np.nan)[codes]  # code -1 (missing) takes the appended NaN
        if np.isinf(values).any():
            raise DataError(
                f"column {name!r} in {col.origin} has infinite values: replace them with a finite value or leave them empty"
            )
        return pd.Series(values, name=name)
    if ratio > 0.1:
        notes.append(f"column {name!r} mixes numbers ({ratio:.0%}) and text: read as categorical")
        flags["mixed_type"].append(name)
    levels = list(dict.fromkeys(t for t, c in zip(text, counts) if t is not None and c))
    if levels == text:  # distinct values already clean and all used
        full = codes
    else:  # merge values equal once stripped; blanks and unused values go
        position = {level: i for i, level in enumerate(levels)}
        full = np.array([position.get(t, -1) for t in text] + [-1], dtype=np.int64)[codes]  # code -1 takes the -1
    return pd.Series(pd.Categorical.from_codes(full, categories=levels, validate=False), name=name)


#: The steps, in the order they are tried; the last one takes any column.
STEPS = (keep_categorical, bool_to_categorical, check_numbers, dates_to_text, numbers_or_levels)


def normalise_features(
    frame: pd.DataFrame, origin: str, flags: dict[str, list[str]], notes: list[str], raw_text: frozenset = frozenset()
) -> pd.DataFrame:
    """Each column typed by the first step that applies, then the columns flagged."""
    columns: dict[str, pd.Series] = {}
    for name in frame.columns:
        col = Column(name, origin, flags, notes, raw_text=name in raw_text)
        s = frame[name]
        for step in STEPS:
            typed = step(s, col)
            if typed is not None:
                break
        columns[name] = typed
    X = pd.DataFrame(columns, index=pd.RangeIndex(frame.shape[0]), copy=False)
    flag_columns(X, flags, notes)
    return X
