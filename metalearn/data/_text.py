"""Text values as distinct values and as numbers: shared by the readers, the column steps, the target and the hash."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["distinct_text", "as_numbers"]


def distinct_text(s: pd.Series) -> tuple[np.ndarray, list, np.ndarray]:
    """Codes (-1 missing), the stripped text of each distinct value (None if blank), and its count.

    ``s`` is text (object or string dtype) or a categorical of raw text. The distinct
    values are few next to the rows, so they are handled as a Python list.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, uniques = s.array.codes, s.dtype.categories
    else:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
    text = [str(v).strip() or None for v in uniques]
    counts = np.bincount(codes[codes >= 0], minlength=len(text))
    return codes, text, counts


def as_numbers(text: Sequence) -> np.ndarray:
    """Each text value as a float (NaN when it is not a number or is None).

    pandas decides what is a number; the value is then Python's correctly rounded
    reading of the text (pandas' own parser can be one unit in the last place off),
    which is also what pyarrow's CSV reader gives, so a number has one value
    however the file was read.

    >>> as_numbers(["0.1", "x", None, "2"]).tolist()
    [0.1, nan, nan, 2.0]
    """
    values = np.asarray(pd.to_numeric(np.array(text, dtype=object), errors="coerce"), dtype=np.float64)
    for i in np.flatnonzero(~np.isnan(values)).tolist():
        try:
            values[i] = float(text[i])
        except (TypeError, ValueError):  # a form pandas reads and Python does not: keep pandas' value
            pass
    return values
