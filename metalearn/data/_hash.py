"""The content hash: the same data gives the same hash whatever file format or dtypes it came in."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from metalearn.data._text import as_numbers

__all__ = ["content_hash"]


def compact_dtype(n_levels: int) -> type:
    """The smallest signed integer type that holds codes -1 .. n_levels - 1."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_levels <= np.iinfo(dtype).max:
            return dtype
    return np.int64


def content_hash(X: pd.DataFrame, y: pd.Series, target: str) -> str:
    """SHA-256 over column names and values, independent of dtypes and file format.

    Numbers are hashed as float64 (one NaN bit pattern, no negative zero);
    categorical columns as their sorted used levels and the codes into them, in
    the smallest integer type that holds them (which depends on the levels only).
    """
    digest = hashlib.sha256()
    for col_name, s in list(X.items()) + [(target, y)]:
        digest.update(b"\x00col\x00" + str(col_name).encode("utf-8"))
        if not isinstance(s.dtype, pd.CategoricalDtype) and not pd.api.types.is_numeric_dtype(s.dtype):
            s = s.astype("category")
        if isinstance(s.dtype, pd.CategoricalDtype):
            levels = [str(v) for v in s.dtype.categories]
            as_num = as_numbers(levels)
            codes = s.array.codes
            if levels and not np.isnan(as_num).any():
                s = pd.Series(np.append(as_num, np.nan)[codes])  # code -1 (missing) takes the appended NaN
            else:  # canonical: the used levels sorted as text, codes into them; -1 for missing
                used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(levels)))
                order = sorted(used.tolist(), key=levels.__getitem__)  # stable: equal texts keep their order
                kept = [levels[i] for i in order]
                digest.update(b"cat" + "\x00".join(kept).encode("utf-8"))
                # re-indexed so unused levels (declared in ARFF, absent from the data) do not change the hash
                remap = np.full(len(levels) + 1, -1, dtype=compact_dtype(len(kept)))  # the last -1: code -1
                remap[order] = np.arange(len(kept))
                digest.update(remap[codes].tobytes())
                continue
        numbers = s.to_numpy(dtype=float, na_value=np.nan)
        numbers = np.where(np.isnan(numbers), np.nan, numbers + 0.0)  # one NaN bit pattern, -0.0 -> 0.0
        digest.update(b"num" + np.ascontiguousarray(numbers).tobytes())
    return digest.hexdigest()
