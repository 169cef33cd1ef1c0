"""Loading and validating datasets.

:func:`load_dataset` reads a user's dataset from a CSV/TSV, Parquet or ARFF
file, an OpenML id (``openml:<id>``), a pandas DataFrame, or X and y arrays,
and returns a :class:`Dataset`: features with categorical columns typed as
``category``, the target, the task, and a content hash that identifies the
same data however it was loaded.

Bad input is refused with a one-line :class:`~metalearn.exceptions.MetaLearnError`
naming the file, column or value and what to do. Problems that have a safe,
documented repair are repaired and reported in :attr:`Dataset.warnings`:

* rows whose target is missing are dropped;
* all-missing, constant, identifier-like, very-high-cardinality and mixed-type
  columns are kept and flagged in :attr:`Dataset.flags`;
* a mostly-numeric column with a few text entries becomes numeric, the text
  entries missing; a column mixing numbers and text more evenly becomes
  categorical;
* ``?`` is read as a missing value in CSV files, as in ARFF and UCI files.

>>> import pandas as pd
>>> frame = pd.DataFrame({"size": [1.0, 2.5, 3.0, 4.5], "colour": ["red", "blue", "red", "blue"],
...                       "label": ["yes", "no", "yes", "no"]})
>>> ds = load_dataset(frame, target="label")
>>> ds.task, ds.n_rows, ds.n_features, str(ds.X["colour"].dtype)
('binary', 4, 2, 'category')
>>> ds.content_hash == load_dataset(frame.copy(), target="label").content_hash
True
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from metalearn.exceptions import (
    DataEncodingError,
    DataError,
    DataFileNotFoundError,
    DataTooLargeError,
    EmptyDataError,
    OpenMLUnavailableError,
    TargetError,
)

__all__ = ["Dataset", "load_dataset", "task_family", "TASKS"]

logger = logging.getLogger(__name__)

TASKS = ("binary", "multiclass", "regression")
#: A numeric target with more distinct values than this is a regression target.
REGRESSION_MIN_DISTINCT = 20
#: Categorical columns with more levels than this are flagged ``high_cardinality``.
HIGH_CARDINALITY = 1000
#: Fraction of numeric entries above which a text column is read as numeric.
MOSTLY_NUMERIC = 0.9
#: Classes with fewer members than this trigger a warning (stratified 5-fold CV).
MIN_CLASS_MEMBERS = 5
#: In-memory size of a CSV/ARFF relative to its file size, for the up-front memory check.
TEXT_EXPANSION = 3.0
_SNIFF_BYTES = 64 * 1024
_CSV_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".data")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_ARFF_SUFFIXES = (".arff",)
_NA_VALUES = ["?"]
#: Text read as missing in CSV files: pandas' default missing-value markers plus ``?``.
_NA_TOKENS = frozenset(
    ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
     "NA", "NULL", "NaN", "None", "n/a", "nan", "null", "?"]
)  # fmt: skip


def task_family(task: str) -> str:
    """Return ``"classification"`` or ``"regression"`` for a task name.

    >>> task_family("multiclass"), task_family("regression")
    ('classification', 'regression')
    """
    if task in ("binary", "multiclass", "classification"):
        return "classification"
    if task == "regression":
        return "regression"
    raise DataError(f"task {task!r} is not one of binary, multiclass, regression")


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded, validated dataset.

    Attributes
    ----------
    X : pandas.DataFrame
        Features. Categorical columns have dtype ``category``; numeric ones are
        float64 or int64.
    y : pandas.Series
        Target. ``category`` for classification, float64 for regression.
    task : {"binary", "multiclass", "regression"}
    name : str
    target : str
        Name of the target column.
    content_hash : str
        SHA-256 of the data's content (column names, values, target), the same
        whether the data came from CSV, Parquet, ARFF or a DataFrame.
    source : str
        The path, ``openml:<id>``, ``<DataFrame>`` or ``<arrays>``.
    openml_id : int or None
    warnings : tuple of str
        What was repaired or is worth knowing, one line each.
    flags : mapping of str to tuple of str
        Column names by flag: ``all_missing``, ``constant``, ``identifier``,
        ``high_cardinality``, ``mixed_type``, and ``string`` for ARFF ``string``
        attributes (free text: categoricals for modelling, but counted by
        :func:`metalearn.characterize` as OpenML counts them, neither numeric
        nor symbolic).
    """

    X: pd.DataFrame
    y: pd.Series
    task: str
    name: str
    target: str
    content_hash: str
    source: str
    openml_id: int | None = None
    warnings: tuple[str, ...] = ()
    flags: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of feature columns (the target excluded)."""
        return int(self.X.shape[1])

    @property
    def task_family(self) -> str:
        """``"classification"`` or ``"regression"``."""
        return task_family(self.task)

    @property
    def categorical_columns(self) -> tuple[str, ...]:
        """Names of the categorical feature columns."""
        return tuple(c for c in self.X.columns if isinstance(self.X[c].dtype, pd.CategoricalDtype))

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, task={self.task!r}, rows={self.n_rows}, "
            f"features={self.n_features}, target={self.target!r})"
        )


# ---------------------------------------------------------------------------
# public entry point
# ---------------------------------------------------------------------------
def load_dataset(
    source: Any,
    target: Any = None,
    *,
    task: str | None = None,
    name: str | None = None,
    encoding: str = "utf-8",
    memory_limit: int | None = None,
) -> Dataset:
    """Load and validate a dataset.

    Parameters
    ----------
    source : str, path, pandas.DataFrame or array-like
        A CSV/TSV (delimiter detected; ``.gz`` allowed), Parquet or ARFF file;
        ``"openml:<dataset id>"``; a DataFrame (``target`` names its target
        column); or a feature array/DataFrame with ``target`` the target array.
    target : str or array-like, optional
        Target column name, or the target values when ``source`` holds only
        the features. Default: OpenML's default target, else the last column.
    task : {"binary", "multiclass", "regression"}, optional
        Override the task inferred from the target (numeric with more than
        20 distinct values: regression; otherwise classification).
    name : str, optional
        Dataset name. Default: the file's stem or OpenML's name.
    encoding : str, default "utf-8"
        Text encoding of CSV/ARFF files.
    memory_limit : int, optional
        Bytes of memory the loaded data may use. Default: the memory available
        now. Files whose estimated in-memory size exceeds it are refused before
        reading.

    Returns
    -------
    Dataset

    Raises
    ------
    DataFileNotFoundError, EmptyDataError, DataEncodingError, DataTooLargeError,
    TargetError, DataError, OpenMLUnavailableError
    """
    if task is not None and task not in TASKS:
        raise DataError(f"task={task!r} is not valid: use one of {', '.join(TASKS)}")
    notes: list[str] = []
    openml_id = None
    default_target = None
    raw = None
    if isinstance(source, pd.DataFrame) and (target is None or isinstance(target, str)):
        frame, label, origin = source.copy(), name or "dataframe", "<DataFrame>"
    elif isinstance(source, (str, os.PathLike)) and str(source).startswith("openml:"):
        openml_id = _parse_openml_id(str(source))
        frame, default_target, oml_name = _load_openml(openml_id, target)
        label, origin = name or oml_name, f"openml:{openml_id}"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        raw = _read_file(path, encoding=encoding, memory_limit=memory_limit)
        frame = raw.frame
        label, origin = name or _stem(path), str(path)
    elif target is not None and not isinstance(target, str):
        frame, target = _frame_from_arrays(source, target)
        label, origin = name or "arrays", "<arrays>"
    else:
        raise DataError(
            f"cannot load a dataset from {type(source).__name__}: give a file path, 'openml:<id>', "
            "a DataFrame with target=<column name>, or X with target=<y values>"
        )
    return _validate(frame, target, default_target, task, label, origin, openml_id, notes, raw)


# ---------------------------------------------------------------------------
# sources
# ---------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Raw:
    """A file as read, before validation.

    ``encoded_text`` names the columns read as text but held as categoricals of
    the raw (unstripped) distinct values, to be normalised like text columns;
    ``string_attributes`` names the ARFF ``string`` attributes.
    """

    frame: pd.DataFrame
    encoded_text: frozenset = frozenset()
    string_attributes: tuple = ()


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".bz2", ".xz", ".zip"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return Path(name).stem or name


def _parse_openml_id(text: str) -> int:
    value = text.split(":", 1)[1].strip()
    if not value.isdigit() or int(value) <= 0:
        raise DataError(f"{text!r} is not a valid OpenML dataset reference: write openml:<positive integer id>, e.g. openml:61")
    return int(value)


def _frame_from_arrays(X: Any, y: Any) -> tuple[pd.DataFrame, str]:
    if isinstance(X, pd.DataFrame):
        frame = X.copy()
    else:
        array = np.asarray(X)
        if array.ndim == 1:
            array = array.reshape(-1, 1)
        if array.ndim != 2:
            raise DataError(f"X must be 2-dimensional (rows x features); got an array of shape {array.shape}")
        frame = pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])
    y_series = y.copy() if isinstance(y, pd.Series) else pd.Series(np.asarray(y))
    if y_series.ndim != 1 or len(y_series) != len(frame):
        raise DataError(f"y has {len(y_series)} values but X has {len(frame)} rows: give one target value per row")
    target = str(y_series.name) if y_series.name is not None and y_series.name not in frame.columns else "target"
    while target in frame.columns:
        target = f"{target}_"
    frame = frame.reset_index(drop=True)
    frame[target] = y_series.reset_index(drop=True).to_numpy()
    return frame, target


def _available_memory() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - non-Linux
        pass
    try:  # pragma: no cover - non-Linux
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 2**63


def _human(nbytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if nbytes < 1024 or unit == "TB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.1f} TB"  # pragma: no cover


def _check_memory(path: Path, estimate: float, memory_limit: int | None) -> None:
    limit = memory_limit if memory_limit is not None else _available_memory()
    if estimate > limit:
        raise DataTooLargeError(
            f"{path} is {_human(path.stat().st_size)} on disk and needs about {_human(estimate)} in memory, "
            f"more than the {_human(limit)} available: load a sample of its rows instead"
        )


def _read_file(path: Path, *, encoding: str, memory_limit: int | None) -> _Raw:
    if not path.exists():
        raise DataFileNotFoundError(f"data file {path} does not exist: check the path")
    if path.is_dir():
        raise DataError(f"{path} is a directory: give a data file (CSV, TSV, Parquet or ARFF)")
    size = path.stat().st_size
    if size == 0:
        raise EmptyDataError(f"data file {path} is empty (0 bytes): give a file with a header and data rows")
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    lower = path.name.lower()
    compressed = head[:2] == b"\x1f\x8b"
    if head[:4] == b"PAR1" or lower.endswith(_PARQUET_SUFFIXES):
        if head[:4] != b"PAR1":
            raise DataEncodingError(f"{path} is not a Parquet file (no PAR1 header): check the file or its extension")
        return _Raw(_read_parquet(path, memory_limit))
    if compressed:
        if not lower.endswith(".gz"):
            raise DataEncodingError(f"{path} is gzip-compressed: name it with a .gz extension (e.g. data.csv.gz)")
        with gzip.open(path, "rb") as fh:
            try:
                head = fh.read(_SNIFF_BYTES)
            except (OSError, EOFError) as exc:
                raise DataEncodingError(f"{path} is not a valid gzip file ({exc}): re-compress it") from None
        size = size * 5  # typical compression ratio of text data
    if head[:2] == b"PK":
        raise DataEncodingError(f"{path} is a ZIP archive (or an Excel workbook): unpack it or export the sheet as CSV")
    if b"\x00" in head:
        raise DataEncodingError(f"{path} is a binary file, not text: give a CSV, TSV, Parquet or ARFF file")
    _check_memory(path, size * TEXT_EXPANSION, memory_limit)
    text_head = _decode_head(path, head, encoding)
    base = lower[:-3] if lower.endswith(".gz") else lower
    if base.endswith(_ARFF_SUFFIXES) or re.match(r"\s*(%.*\n\s*)*@relation", text_head, re.IGNORECASE):
        frame, strings = _read_arff(path, encoding)
        return _Raw(frame, string_attributes=strings)
    if not base.endswith(_CSV_SUFFIXES):
        logger.info("reading %s as delimited text", path)
    return _read_csv(path, text_head, encoding, tsv=base.endswith((".tsv", ".tab")))


def _decode_head(path: Path, head: bytes, encoding: str) -> str:
    try:
        decoder = io.IncrementalNewlineDecoder(None, translate=True)
        import codecs

        text = codecs.getincrementaldecoder(encoding)(errors="strict").decode(head, final=False)
        return decoder.decode(text)
    except UnicodeDecodeError as exc:
        raise _encoding_error(path, encoding, exc) from None
    except LookupError:
        raise DataError(f"encoding={encoding!r} is not a known text encoding: use e.g. 'utf-8' or 'latin-1'") from None


def _encoding_error(path: Path, encoding: str, exc: UnicodeDecodeError) -> DataEncodingError:
    byte = exc.object[exc.start : exc.start + 1].hex() if exc.object else "?"
    return DataEncodingError(
        f"{path} is not valid {encoding} text (byte 0x{byte} at offset {exc.start}): "
        "re-save it as UTF-8, or pass its encoding (e.g. --encoding latin-1)"
    )


def _check_header(path: Path, columns: Sequence[str]) -> None:
    seen: dict[str, int] = {}
    for i, col in enumerate(columns):
        key = str(col).strip()
        if key in seen:
            raise DataError(
                f"{path} has duplicate column name {key!r} (columns {seen[key] + 1} and {i + 1}): rename one of them"
            )
        seen[key] = i


def _read_csv(path: Path, text_head: str, encoding: str, *, tsv: bool) -> _Raw:
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
    _check_header(path, header)
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        fast = _read_csv_arrow(path, sep, header)
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
        raise _encoding_error(path, encoding, exc) from None
    except pd.errors.EmptyDataError:
        raise EmptyDataError(f"data file {path} has no columns: give a header and data rows") from None
    except pd.errors.ParserError as exc:
        detail = str(exc).strip().splitlines()[-1]
        raise DataError(f"{path} is not a well-formed delimited file ({detail}): check quoting and field counts") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.shape[0] == 0:
        raise EmptyDataError(f"data file {path} has a header but no data rows: add rows")
    return _Raw(frame)


def _read_csv_arrow(path: Path, sep: str, header: Sequence[str]) -> _Raw | None:
    """Read a UTF-8 delimited file with pyarrow: the fast path of :func:`_read_csv`.

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
            columns[name] = _arrow_text(column)
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
    return _Raw(frame, encoded_text=frozenset(text))


def _arrow_text(column: Any) -> pd.Categorical | None:
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


def _read_parquet(path: Path, memory_limit: int | None) -> pd.DataFrame:
    try:
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        estimate = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        names = pq.ParquetFile(path).schema_arrow.names
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise DataEncodingError(f"{path} is not a readable Parquet file ({type(exc).__name__}: {exc}): re-export it") from None
    _check_memory(path, estimate * 1.5, memory_limit)
    _check_header(path, names)
    frame = pd.read_parquet(path)
    frame.columns = [str(c) for c in frame.columns]
    if frame.shape[0] == 0:
        raise EmptyDataError(f"data file {path} has columns but no rows: add rows")
    return frame


_ARFF_ATTRIBUTE = re.compile(r"@attribute\s+('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\S+)\s+(.*)$", re.IGNORECASE)


def _read_arff(path: Path, encoding: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Read a dense ARFF file: nominal attributes become categoricals.

    Also returns the names of the ``string`` attributes (free text).
    """
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding=encoding) as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise _encoding_error(path, encoding, exc) from None
    names: list[str] = []
    kinds: list[Any] = []
    body_start = None
    pos = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        pos += len(line)
        if not stripped or stripped.startswith("%"):
            continue
        low = stripped.lower()
        if low.startswith("@attribute"):
            match = _ARFF_ATTRIBUTE.match(stripped)
            if not match:
                raise DataError(f"{path}: cannot parse ARFF attribute line {stripped[:80]!r}")
            attr, kind = match.group(1).strip("'\""), match.group(2).strip()
            if kind.startswith("{"):
                levels = next(csv.reader([kind.strip("{} ")], quotechar="'", skipinitialspace=True), [])
                kinds.append([lv.strip().strip("'\"") for lv in levels])
            else:
                kinds.append(kind.split()[0].lower())
            names.append(attr)
        elif low.startswith("@data"):
            body_start = pos
            break
    if body_start is None or not names:
        raise DataError(f"{path} is not a valid ARFF file (no @attribute or @data section): check the file")
    _check_header(path, names)
    body = text[body_start:]
    if body.lstrip().startswith("{"):
        raise DataError(f"{path} is a sparse ARFF file, which metalearn does not read: convert it to dense ARFF or CSV")
    sample = body[:_SNIFF_BYTES]
    quote = '"' if ('"' in sample and "'" not in sample) else "'"
    try:
        if '"' in sample and "'" in sample:
            raise ValueError("both quote characters")
        frame = pd.read_csv(
            io.StringIO(body),
            header=None,
            names=names,
            quotechar=quote,
            escapechar="\\",
            na_values=["?"],
            keep_default_na=False,
            skipinitialspace=True,
            comment="%",
            dtype=str,
        )
    except (pd.errors.ParserError, ValueError):
        frame = _read_arff_slow(path, text, names)
    if frame.shape[0] == 0:
        raise EmptyDataError(f"ARFF file {path} declares attributes but has no data rows: add rows")
    for col, kind in zip(names, kinds):
        if isinstance(kind, list):
            values = frame[col].str.strip().str.strip('"')
            frame[col] = pd.Categorical(values, categories=list(dict.fromkeys(kind)))
        elif kind in ("numeric", "real", "integer"):
            raw = frame[col].to_numpy(dtype=object, na_value=None)
            try:  # Python's correctly rounded reading, as the CSV readers give
                frame[col] = np.array([np.nan if v is None else float(v) for v in raw], dtype=np.float64)
            except ValueError:  # text in a numeric attribute: missing
                frame[col] = _as_numbers(raw)
        else:  # string, date: text
            frame[col] = frame[col].astype(object)
    strings = tuple(col for col, kind in zip(names, kinds) if kind == "string")
    return frame, strings


def _read_arff_slow(path: Path, text: str, names: list[str]) -> pd.DataFrame:
    """Parse with liac-arff (pure Python, slower): handles mixed quoting."""
    import arff  # liac-arff, a dependency of openml

    try:
        decoded = arff.loads(text, encode_nominal=False, return_type=arff.DENSE)
    except arff.ArffException as exc:
        raise DataError(f"{path}: malformed ARFF file ({exc}): check the file") from None
    frame = pd.DataFrame(decoded["data"], columns=names)
    return frame.apply(lambda col: col.map(lambda v: None if v is None or pd.isna(v) else str(v)))


def _load_openml(dataset_id: int, target: Any) -> tuple[pd.DataFrame, str | None, str]:
    try:
        import openml
    except ImportError:  # pragma: no cover - openml is a dependency
        raise OpenMLUnavailableError("openml-python is not installed: pip install openml") from None
    try:
        oml = openml.datasets.get_dataset(
            dataset_id, download_data=True, download_qualities=False, download_features_meta_data=False
        )
        default_target = oml.default_target_attribute
        X, _, _, _ = oml.get_data(dataset_format="dataframe", include_row_id=False, include_ignore_attribute=False)
    except openml.exceptions.OpenMLServerException as exc:
        raise DataError(f"openml:{dataset_id} could not be loaded from OpenML ({exc}): check the dataset id") from None
    except (OSError, ConnectionError, openml.exceptions.OpenMLCacheException) as exc:
        cache = getattr(openml.config, "_root_cache_directory", None) or getattr(openml.config, "cache_directory", "")
        raise OpenMLUnavailableError(
            f"openml:{dataset_id} is not in the local OpenML cache ({cache}) and OpenML cannot be reached "
            f"({type(exc).__name__}): connect to the internet once to download it, or load a local file"
        ) from None
    except Exception as exc:  # requests' exceptions are not OSError subclasses in every version
        if type(exc).__module__.startswith(("requests", "urllib3")):
            raise OpenMLUnavailableError(
                f"openml:{dataset_id} is not in the local OpenML cache and OpenML cannot be reached "
                f"({type(exc).__name__}): connect to the internet once to download it, or load a local file"
            ) from None
        raise
    if isinstance(default_target, str) and "," in default_target:
        default_target = default_target.split(",")[0]
    return X, default_target, oml.name


# ---------------------------------------------------------------------------
# validation and normalisation
# ---------------------------------------------------------------------------
def _validate(
    frame: pd.DataFrame,
    target: Any,
    default_target: str | None,
    task: str | None,
    name: str,
    origin: str,
    openml_id: int | None,
    notes: list[str],
    raw: _Raw | None = None,
) -> Dataset:
    encoded_text = raw.encoded_text if raw is not None else frozenset()
    frame.columns = [str(c) for c in frame.columns]
    _check_header(Path(origin), list(frame.columns))
    if frame.shape[0] == 0:
        raise EmptyDataError(f"{origin} has no rows: give data with at least one row")
    if frame.shape[1] < 2:
        raise DataError(f"{origin} has {frame.shape[1]} column(s): it needs at least one feature and a target column")
    target_name = _resolve_target(frame, target, default_target, origin, notes)
    y = frame.pop(target_name)
    if not frame.index.equals(pd.RangeIndex(frame.shape[0])):
        frame = frame.reset_index(drop=True)
        y = y.reset_index(drop=True)

    missing = y.isna()
    if isinstance(y.dtype, pd.CategoricalDtype):  # blank labels, found on the categories
        blank = np.array([not str(v).strip() for v in y.dtype.categories] + [False], dtype=bool)
        if blank.any():
            missing |= blank[y.array.codes]  # code -1 (already missing) takes the appended False
    elif not pd.api.types.is_numeric_dtype(y.dtype):
        missing |= y.astype(str).str.strip().eq("") & y.notna()
    if missing.all():
        raise TargetError(f"target column {target_name!r} in {origin} has no values: choose another target column")
    if missing.any():
        n = int(missing.sum())
        notes.append(f"dropped {n} row(s) whose target {target_name!r} is missing")
        keep = ~missing.to_numpy()
        frame, y = frame.loc[keep].reset_index(drop=True), y.loc[keep].reset_index(drop=True)

    flags: dict[str, list[str]] = {k: [] for k in ("all_missing", "constant", "identifier", "high_cardinality", "mixed_type")}
    if raw is not None and raw.string_attributes:
        flags["string"] = [c for c in raw.string_attributes if c in frame.columns]
    X = _normalise_features(frame, origin, flags, notes, encoded_text)
    y, task = _normalise_target(y, target_name, task, origin, notes, text=target_name in encoded_text)
    content_hash = _content_hash(X, y, target_name)
    frozen_flags = MappingProxyType({k: tuple(v) for k, v in flags.items() if v})
    for line in notes:
        logger.info("%s: %s", name, line)
    return Dataset(
        X=X,
        y=y,
        task=task,
        name=name,
        target=target_name,
        content_hash=content_hash,
        source=origin,
        openml_id=openml_id,
        warnings=tuple(notes),
        flags=frozen_flags,
    )


def _resolve_target(frame: pd.DataFrame, target: Any, default_target: str | None, origin: str, notes: list[str]) -> str:
    columns = list(frame.columns)
    if target is not None:
        name = str(target).strip()
        if name in columns:
            return name
        lowered = {c.lower(): c for c in columns}
        hint = f" (did you mean {lowered[name.lower()]!r}?)" if name.lower() in lowered else ""
        shown = ", ".join(columns[:30]) + (f", ... ({len(columns)} in all)" if len(columns) > 30 else "")
        raise TargetError(f"target column {name!r} is not in {origin}{hint}; available columns: {shown}")
    if default_target and default_target in columns:
        notes.append(f"target: using OpenML's default target {default_target!r}")
        return default_target
    notes.append(f"target: no target given, using the last column {columns[-1]!r} (choose one with --target)")
    return columns[-1]


def _normalise_features(
    frame: pd.DataFrame, origin: str, flags: dict[str, list[str]], notes: list[str], encoded_text: frozenset = frozenset()
) -> pd.DataFrame:
    n_rows = frame.shape[0]
    columns: dict[str, pd.Series] = {}
    for col in frame.columns:
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype) and col not in encoded_text:
            pass
        elif pd.api.types.is_bool_dtype(s.dtype):
            s = s.astype("category")
        elif pd.api.types.is_numeric_dtype(s.dtype):
            if pd.api.types.is_complex_dtype(s.dtype):
                raise DataError(f"column {col!r} in {origin} holds complex numbers: give real numbers")
            values = s.to_numpy(dtype=float, na_value=np.nan)
            n_inf = int(np.isinf(values).sum())
            if n_inf:
                rows = np.flatnonzero(np.isinf(values))[:5].tolist()
                raise DataError(
                    f"column {col!r} in {origin} has {n_inf} infinite value(s) (rows {', '.join(map(str, rows))}"
                    f"{', ...' if n_inf > 5 else ''}): replace them with a finite value or leave them empty"
                )
            if pd.api.types.is_extension_array_dtype(s.dtype):
                s = pd.Series(values, name=col) if s.isna().any() else s.astype(s.dtype.numpy_dtype)
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            notes.append(f"column {col!r} holds dates: read as categorical text")
            s = s.astype(str).where(s.notna()).astype("category")
        else:  # text, or objects: work on the distinct values, then map back
            s = _text_column(s, col, origin, flags, notes)
        columns[col] = s
    X = pd.DataFrame(columns, index=pd.RangeIndex(n_rows), copy=False)
    _flag_columns(X, flags, notes)
    return X


def _distinct_text(s: pd.Series) -> tuple[np.ndarray, list, np.ndarray]:
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


def _as_numbers(text: Sequence) -> np.ndarray:
    """Each text value as a float (NaN when it is not a number or is None).

    pandas decides what is a number; the value is then Python's correctly rounded
    reading of the text (pandas' own parser can be one unit in the last place off),
    which is also what pyarrow's CSV reader gives, so a number has one value
    however the file was read.

    >>> _as_numbers(["0.1", "x", None, "2"]).tolist()
    [0.1, nan, nan, 2.0]
    """
    values = np.asarray(pd.to_numeric(np.array(text, dtype=object), errors="coerce"), dtype=np.float64)
    for i in np.flatnonzero(~np.isnan(values)).tolist():
        try:
            values[i] = float(text[i])
        except (TypeError, ValueError):  # a form pandas reads and Python does not: keep pandas' value
            pass
    return values


def _text_column(s: pd.Series, col: str, origin: str, flags: dict[str, list[str]], notes: list[str]) -> pd.Series:
    codes, text, counts = _distinct_text(s)
    parsed = _as_numbers(text)
    valid = np.array([t is not None for t in text], dtype=bool)
    numeric = ~np.isnan(parsed)
    n_present = int(counts[valid].sum())
    n_numeric = int(counts[numeric].sum())
    ratio = n_numeric / n_present if n_present else 0.0
    if not n_present:  # nothing but missing values: numeric NaN, as pandas reads an empty CSV column
        return pd.Series(np.full(len(codes), np.nan), name=col)
    if ratio >= MOSTLY_NUMERIC:
        if ratio < 1.0:
            bad = [i for i in range(len(text)) if valid[i] and not numeric[i] and counts[i]]
            notes.append(
                f"column {col!r} is numeric but has {int(counts[bad].sum())} text value(s) such as {text[bad[0]]!r}: "
                "read them as missing"
            )
            flags["mixed_type"].append(col)
        values = np.append(parsed, np.nan)[codes]  # code -1 (missing) takes the appended NaN
        if np.isinf(values).any():
            raise DataError(
                f"column {col!r} in {origin} has infinite values: replace them with a finite value or leave them empty"
            )
        return pd.Series(values, name=col)
    if ratio > 0.1:
        notes.append(f"column {col!r} mixes numbers ({ratio:.0%}) and text: read as categorical")
        flags["mixed_type"].append(col)
    levels = list(dict.fromkeys(t for t, c in zip(text, counts) if t is not None and c))
    if levels == text:  # distinct values already clean and all used
        full = codes
    else:  # merge values equal once stripped; blanks and unused values go
        position = {level: i for i, level in enumerate(levels)}
        full = np.array([position.get(t, -1) for t in text] + [-1], dtype=np.int64)[codes]  # code -1 takes the -1
    return pd.Series(pd.Categorical.from_codes(full, categories=levels, validate=False), name=col)


def _flag_columns(X: pd.DataFrame, flags: dict[str, list[str]], notes: list[str]) -> None:
    """Flag all-missing, constant, identifier-like and high-cardinality columns.

    Categoricals are counted from their codes; numeric columns need no hashing:
    constant is min == max with nothing missing, an identifier is integer-valued
    and strictly monotonic (all distinct, in order).
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


def _text_target(y: pd.Series) -> tuple[pd.Series, pd.Series | None]:
    """A text target (no missing values) as stripped labels, and as numbers if all are numbers.

    Works on the distinct values: the labels are a categorical with sorted categories.
    """
    codes, text, counts = _distinct_text(y)
    used = [t is not None and c > 0 for t, c in zip(text, counts)]
    levels = sorted({t for t, u in zip(text, used) if u})
    position = {level: i for i, level in enumerate(levels)}
    remap = np.array([position.get(t, -1) for t in text] + [-1], dtype=np.int64)
    labels = pd.Series(pd.Categorical.from_codes(remap[codes], categories=levels, validate=False), name=y.name)
    parsed = _as_numbers(text)
    if not np.isnan(parsed[np.asarray(used, dtype=bool)]).any():
        return labels, pd.Series(np.append(parsed, np.nan)[codes], name=y.name)
    return labels, None


def _normalise_target(
    y: pd.Series, name: str, task: str | None, origin: str, notes: list[str], *, text: bool = False
) -> tuple[pd.Series, str]:
    if text or not (
        isinstance(y.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(y.dtype) or pd.api.types.is_numeric_dtype(y.dtype)
    ):
        y, numeric = _text_target(y)
    elif isinstance(y.dtype, pd.CategoricalDtype):
        y = y.cat.remove_unused_categories()
        numeric = None
    elif pd.api.types.is_bool_dtype(y.dtype):
        numeric = None
    else:
        numeric = y.astype(float)
    if numeric is not None and np.isinf(numeric.to_numpy()).any():
        raise TargetError(f"target column {name!r} in {origin} has infinite values: replace or drop those rows")
    if task is None:
        if numeric is not None and numeric.nunique() > REGRESSION_MIN_DISTINCT:
            task = "regression"
        else:
            task = "binary" if y.nunique() == 2 else "multiclass"
    if task == "regression":
        if numeric is None:
            example = y.dropna().astype(str).iloc[0]
            raise TargetError(
                f"target column {name!r} in {origin} is text (e.g. {example!r}) but the task is regression: "
                "choose a numeric target or --task binary/multiclass"
            )
        if numeric.nunique() < 2:
            raise TargetError(f"target column {name!r} in {origin} is constant: a regression target needs varying values")
        return numeric.rename(name), task
    if numeric is not None and np.all(np.mod(numeric.to_numpy(), 1) == 0):
        labels = numeric.astype(np.int64)
    elif numeric is not None:
        labels = numeric
    else:
        labels = y.astype(str) if not isinstance(y.dtype, pd.CategoricalDtype) else y
    labels = labels.astype("category").cat.remove_unused_categories().rename(name)
    counts = labels.value_counts()
    n_classes = int((counts > 0).sum())
    if n_classes < 2:
        raise TargetError(
            f"target column {name!r} in {origin} has a single class ({counts.index[0]!r}): "
            "classification needs at least two classes; choose another target"
        )
    if task == "binary" and n_classes != 2:
        raise TargetError(f"task=binary but target column {name!r} in {origin} has {n_classes} classes: use --task multiclass")
    small = counts[(counts > 0) & (counts < MIN_CLASS_MEMBERS)]
    if len(small):
        shown = ", ".join(f"{k!r} ({v})" for k, v in small.head(5).items())
        notes.append(
            f"class(es) with fewer than {MIN_CLASS_MEMBERS} samples: {shown}; stratified {MIN_CLASS_MEMBERS}-fold CV "
            "needs at least as many samples per class as folds, so fewer folds will be used"
        )
    return labels, task


def _compact_dtype(n_levels: int) -> type:
    """The smallest signed integer type that holds codes -1 .. n_levels - 1."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_levels <= np.iinfo(dtype).max:
            return dtype
    return np.int64


def _content_hash(X: pd.DataFrame, y: pd.Series, target: str) -> str:
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
            as_num = _as_numbers(levels)
            codes = s.array.codes
            if levels and not np.isnan(as_num).any():
                s = pd.Series(np.append(as_num, np.nan)[codes])  # code -1 (missing) takes the appended NaN
            else:  # canonical: the used levels sorted as text, codes into them; -1 for missing
                used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(levels)))
                order = sorted(used.tolist(), key=levels.__getitem__)  # stable: equal texts keep their order
                kept = [levels[i] for i in order]
                digest.update(b"cat" + "\x00".join(kept).encode("utf-8"))
                # re-indexed so unused levels (declared in ARFF, absent from the data) do not change the hash
                remap = np.full(len(levels) + 1, -1, dtype=_compact_dtype(len(kept)))  # the last -1: code -1
                remap[order] = np.arange(len(kept))
                digest.update(remap[codes].tobytes())
                continue
        numbers = s.to_numpy(dtype=float, na_value=np.nan)
        numbers = np.where(np.isnan(numbers), np.nan, numbers + 0.0)  # one NaN bit pattern, -0.0 -> 0.0
        digest.update(b"num" + np.ascontiguousarray(numbers).tobytes())
    return digest.hexdigest()
