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
        ``high_cardinality``, ``mixed_type``.
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
    if isinstance(source, pd.DataFrame) and (target is None or isinstance(target, str)):
        frame, label, origin = source.copy(), name or "dataframe", "<DataFrame>"
    elif isinstance(source, (str, os.PathLike)) and str(source).startswith("openml:"):
        openml_id = _parse_openml_id(str(source))
        frame, default_target, oml_name = _load_openml(openml_id, target)
        label, origin = name or oml_name, f"openml:{openml_id}"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        frame = _read_file(path, encoding=encoding, memory_limit=memory_limit)
        label, origin = name or _stem(path), str(path)
    elif target is not None and not isinstance(target, str):
        frame, target = _frame_from_arrays(source, target)
        label, origin = name or "arrays", "<arrays>"
    else:
        raise DataError(
            f"cannot load a dataset from {type(source).__name__}: give a file path, 'openml:<id>', "
            "a DataFrame with target=<column name>, or X with target=<y values>"
        )
    return _validate(frame, target, default_target, task, label, origin, openml_id, notes)


# ---------------------------------------------------------------------------
# sources
# ---------------------------------------------------------------------------
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


def _read_file(path: Path, *, encoding: str, memory_limit: int | None) -> pd.DataFrame:
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
        return _read_parquet(path, memory_limit)
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
        return _read_arff(path, encoding)
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


def _read_csv(path: Path, text_head: str, encoding: str, *, tsv: bool) -> pd.DataFrame:
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
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            encoding="utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding,
            na_values=_NA_VALUES,
            keep_default_na=True,
            skipinitialspace=True,
            low_memory=False,
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
    return frame


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


def _read_arff(path: Path, encoding: str) -> pd.DataFrame:
    """Read a dense ARFF file: nominal attributes become categoricals."""
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
            frame[col] = pd.to_numeric(frame[col], errors="coerce")
        else:  # string, date: text
            frame[col] = frame[col].astype(object)
    return frame


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
) -> Dataset:
    frame.columns = [str(c) for c in frame.columns]
    _check_header(Path(origin), list(frame.columns))
    if frame.shape[0] == 0:
        raise EmptyDataError(f"{origin} has no rows: give data with at least one row")
    if frame.shape[1] < 2:
        raise DataError(f"{origin} has {frame.shape[1]} column(s): it needs at least one feature and a target column")
    target_name = _resolve_target(frame, target, default_target, origin, notes)
    y = frame.pop(target_name)
    frame = frame.reset_index(drop=True)
    y = y.reset_index(drop=True)

    missing = y.isna()
    if isinstance(y.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(y.dtype):
        missing |= y.astype(str).str.strip().eq("") & y.notna()
    if missing.all():
        raise TargetError(f"target column {target_name!r} in {origin} has no values: choose another target column")
    if missing.any():
        n = int(missing.sum())
        notes.append(f"dropped {n} row(s) whose target {target_name!r} is missing")
        keep = ~missing.to_numpy()
        frame, y = frame.loc[keep].reset_index(drop=True), y.loc[keep].reset_index(drop=True)

    flags: dict[str, list[str]] = {k: [] for k in ("all_missing", "constant", "identifier", "high_cardinality", "mixed_type")}
    X = _normalise_features(frame, origin, flags, notes)
    y, task = _normalise_target(y, target_name, task, origin, notes)
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


def _numeric_ratio(values: pd.Series) -> tuple[pd.Series, float]:
    parsed = pd.to_numeric(values, errors="coerce")
    present = values.notna().sum()
    return parsed, (float(parsed.notna().sum()) / present) if present else 0.0


def _normalise_features(frame: pd.DataFrame, origin: str, flags: dict[str, list[str]], notes: list[str]) -> pd.DataFrame:
    n_rows = frame.shape[0]
    columns: dict[str, pd.Series] = {}
    for col in frame.columns:
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
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
    X = pd.DataFrame(columns, index=pd.RangeIndex(n_rows))
    _flag_columns(X, flags, notes)
    return X


def _text_column(s: pd.Series, col: str, origin: str, flags: dict[str, list[str]], notes: list[str]) -> pd.Series:
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    text = pd.Series(uniques, dtype=object).astype(str).str.strip()
    text = text.mask(text.eq(""))
    parsed = pd.to_numeric(text, errors="coerce")
    present = codes >= 0
    counts = np.bincount(codes[present], minlength=len(uniques))
    n_present = int(counts[text.notna().to_numpy()].sum())
    n_numeric = int(counts[parsed.notna().to_numpy()].sum())
    ratio = n_numeric / n_present if n_present else 0.0

    def expand(values: pd.Series) -> np.ndarray:
        out = values.to_numpy()[np.where(present, codes, 0)] if len(values) else np.full(len(codes), np.nan)
        return np.where(present, out, np.nan) if out.dtype.kind == "f" else np.where(present, out, None)

    if n_present and ratio == 1.0:
        result = pd.Series(expand(parsed.astype(float)), name=col)
    elif n_present and ratio >= MOSTLY_NUMERIC:
        bad = text[text.notna() & parsed.isna()]
        n_bad = int(counts[bad.index.to_numpy()].sum())
        notes.append(
            f"column {col!r} is numeric but has {n_bad} text value(s) such as {bad.iloc[0]!r}: read them as missing"
        )
        flags["mixed_type"].append(col)
        result = pd.Series(expand(parsed.astype(float)), name=col)
    else:
        if n_present and ratio > 0.1:
            notes.append(f"column {col!r} mixes numbers ({ratio:.0%}) and text: read as categorical")
            flags["mixed_type"].append(col)
        levels = text.dropna().unique().tolist()
        category_codes = pd.Categorical(text, categories=levels).codes if len(text) else np.array([], dtype=np.int8)
        full = np.where(present, category_codes[np.where(present, codes, 0)] if len(text) else -1, -1)
        return pd.Series(pd.Categorical.from_codes(full, categories=levels), name=col)
    if np.isinf(result.to_numpy()).any():
        raise DataError(f"column {col!r} in {origin} has infinite values: replace them with a finite value or leave them empty")
    return result


def _flag_columns(X: pd.DataFrame, flags: dict[str, list[str]], notes: list[str]) -> None:
    n_rows = X.shape[0]
    for col in X.columns:
        s = X[col]
        n_missing = int(s.isna().sum())
        if n_missing == n_rows:
            flags["all_missing"].append(col)
            continue
        distinct = s.nunique(dropna=True)
        if distinct == 1 and n_missing == 0:
            flags["constant"].append(col)
            continue
        is_cat = isinstance(s.dtype, pd.CategoricalDtype)
        if n_rows >= 20 and distinct == n_rows:
            integer_like = not is_cat and np.all(np.mod(s.to_numpy(dtype=float), 1) == 0)
            if is_cat or (integer_like and (s.is_monotonic_increasing or s.is_monotonic_decreasing)):
                flags["identifier"].append(col)
                continue
        if is_cat and (distinct > HIGH_CARDINALITY or (distinct > 50 and distinct > 0.5 * n_rows)):
            flags["high_cardinality"].append(col)
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


def _normalise_target(y: pd.Series, name: str, task: str | None, origin: str, notes: list[str]) -> tuple[pd.Series, str]:
    if isinstance(y.dtype, pd.CategoricalDtype):
        y = y.cat.remove_unused_categories()
        numeric = None
    elif pd.api.types.is_bool_dtype(y.dtype):
        numeric = None
    elif pd.api.types.is_numeric_dtype(y.dtype):
        numeric = y.astype(float)
    else:
        y = y.astype(str).str.strip()
        parsed, ratio = _numeric_ratio(y)
        numeric = parsed.astype(float) if ratio == 1.0 else None
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


def _content_hash(X: pd.DataFrame, y: pd.Series, target: str) -> str:
    """SHA-256 over column names and values, independent of dtypes and file format."""
    digest = hashlib.sha256()
    for col_name, s in list(X.items()) + [(target, y)]:
        digest.update(b"\x00col\x00" + str(col_name).encode("utf-8"))
        if not isinstance(s.dtype, pd.CategoricalDtype) and not pd.api.types.is_numeric_dtype(s.dtype):
            s = s.astype("category")
        if isinstance(s.dtype, pd.CategoricalDtype):
            levels = pd.Series(s.cat.categories.astype(str), dtype=object)
            as_num = pd.to_numeric(levels, errors="coerce")
            codes = s.cat.codes.to_numpy()
            if len(levels) and as_num.notna().all():
                s = pd.Series(np.where(codes >= 0, as_num.to_numpy(dtype=float)[np.maximum(codes, 0)], np.nan))
            else:  # canonical: levels sorted as text, codes remapped; -1 for missing
                order = np.argsort(levels.to_numpy(dtype=str), kind="stable")
                used = np.unique(codes[codes >= 0])
                kept = sorted(levels.iloc[used].tolist())
                digest.update(b"cat" + "\x00".join(kept).encode("utf-8"))
                # re-index so unused levels (declared in ARFF, absent from the data) do not change the hash
                remap = np.full(len(levels), -1, dtype=np.int64)
                remap[order[np.isin(order, used)]] = np.arange(len(kept))
                canonical = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
                digest.update(np.ascontiguousarray(canonical, dtype=np.int64).tobytes())
                continue
        numbers = s.to_numpy(dtype=float, na_value=np.nan)
        numbers = np.where(np.isnan(numbers), np.nan, numbers + 0.0)  # one NaN bit pattern, -0.0 -> 0.0
        digest.update(b"num" + np.ascontiguousarray(numbers).tobytes())
    return digest.hexdigest()
