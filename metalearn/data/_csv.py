"""Delimited text files (CSV, TSV; ``.gz`` allowed): pyarrow's reader when it reads the file as pandas would, else pandas'."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from metalearn.data._raw import Raw, check_header, encoding_error
from metalearn.exceptions import DataError, EmptyDataError

__all__ = ["read_csv", "read_csv_arrow"]

_NA_VALUES = ["?"]
#: Text read as missing in CSV files: pandas' default missing-value markers plus ``?``.
_NA_TOKENS = frozenset(
    ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
     "NA", "NULL", "NaN", "None", "n/a", "nan", "null", "?"]
)  # fmt: skip


def read_csv(path: Path, text_head: str, encoding: str, *, tsv: bool) -> Raw:
    lines = [ln for ln in text_head.split("\n") if ln.strip()]
    if not lines:
        raise EmptyDataError(f"data file {path} holds only white space: give a header and data rows")
    if tsv:
        sep = "\t"
    else:
        sample = "\n".join(lines[:50])
        try:
            sep = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            sep = ","
    header = next(csv.reader([lines[0].lstrip("\ufeff")], delimiter=sep))
    check_header(path, header)
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        fast = read_csv_arrow(path, sep, header)
        if fast is not None:
            if fast.frame.shape[0] == 0:
                raise EmptyDataError(f"data file {path} has a header but no data rows: add rows")
            return fast
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            encoding="utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding,
            na_values=_NA_VALUES,
            keep_default_na=True,
            skipinitialspace=True,
            low_memory=False,
            # correctly rounded numbers, as pyarrow's reader (pandas 3's default; pandas 2 needs asking)
            **({"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}),
        )
    except UnicodeDecodeError as exc:
        raise encoding_error(path, encoding, exc) from None
    except pd.errors.EmptyDataError:
        raise EmptyDataError(f"data file {path} has no columns: give a header and data rows") from None
    except pd.errors.ParserError as exc:
        detail = str(exc).strip().splitlines()[-1]
        raise DataError(f"{path} is not a well-formed delimited file ({detail}): check quoting and field counts") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.shape[0] == 0:
        raise EmptyDataError(f"data file {path} has a header but no data rows: add rows")
    return Raw(frame)


def read_csv_arrow(path: Path, sep: str, header: Sequence[str]) -> Raw | None:
    """Read a UTF-8 delimited file with pyarrow: the fast path of :func:`read_csv`.

    Numbers are parsed by pyarrow; text columns are dictionary-encoded by pyarrow
    and become categoricals of their raw distinct values, so no Python string is
    made per cell. The result is what pandas' reader gives once normalised
    (``?`` and pandas' missing-value markers, leading blanks skipped, ``True``/
    ``False`` booleans; dates stay text). Returns None when the file needs pandas'
    reader (ragged rows, unnamed columns, a type pyarrow reads differently ...):
    that reader then gives the result, or the error message.
    """
    try:
        import pyarrow as pa
        import pyarrow.csv as pa_csv
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    names = [str(h).strip() for h in header]
    if not all(names):
        return None  # pandas names them "Unnamed: <i>"
    forced: dict[str, Any] = {}
    for _ in range(3):
        convert = pa_csv.ConvertOptions(
            null_values=sorted(_NA_TOKENS),
            strings_can_be_null=True,
            true_values=["True", "TRUE", "true"],
            false_values=["False", "FALSE", "false"],
            column_types=forced,
        )
        try:
            parse = pa_csv.ParseOptions(delimiter=sep, newlines_in_values=True)  # quoted values may span lines
            table = pa_csv.read_csv(path, parse_options=parse, convert_options=convert)
        except (pa.ArrowException, OSError, ValueError):
            return None
        other = {
            name: pa.string()
            for name, kind in zip(table.column_names, table.schema.types)
            if not (
                pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)
                or pa.types.is_string(kind) or pa.types.is_null(kind)
            )
        }  # fmt: skip
        if not other:
            break
        forced.update(other)  # dates, times ...: read as text, as pandas does
    else:
        return None
    if [c.strip() for c in table.column_names] != names:
        return None
    n_rows = table.num_rows
    columns: dict[str, Any] = {}
    text = []
    for name, column in zip(names, table.columns):
        kind = column.type
        if pa.types.is_string(kind):
            columns[name] = arrow_text(column)
            if columns[name] is None:
                return None  # blanks around values: pandas' reader skips leading ones and parses numbers
            text.append(name)
        elif pa.types.is_null(kind):
            columns[name] = np.full(n_rows, np.nan)
        elif pa.types.is_boolean(kind) and column.null_count:
            columns[name] = column.to_pandas().to_numpy(dtype=object)  # True / False / None, as pandas reads it
        elif column.null_count:
            columns[name] = column.cast(pa.float64()).to_numpy()  # nulls become NaN
        else:
            columns[name] = column.to_numpy()
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n_rows), copy=False)
    return Raw(frame, encoded_text=frozenset(text))


def arrow_text(column: Any) -> pd.Categorical | None:
    """A pyarrow text column as a categorical of its distinct values (None if one has surrounding blanks)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    encoded = pc.dictionary_encode(column)
    levels = encoded.dictionary.to_pylist()
    if any(v != v.strip() for v in levels):
        return None
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    return pd.Categorical.from_codes(codes, categories=pd.Index(levels, dtype=object), validate=False)
