"""Reading a data file: the checks before reading (exists, not empty, not binary, fits in memory, decodes), then the format's reader.

Each format has its own module (:mod:`._csv`, :mod:`._parquet`, :mod:`._arff`);
this one recognises the format and dispatches.
"""

from __future__ import annotations

import codecs
import gzip
import io
import logging
import re
from pathlib import Path

from metalearn.data._arff import read_arff
from metalearn.data._csv import read_csv
from metalearn.data._parquet import read_parquet
from metalearn.data._raw import SNIFF_BYTES, Raw, check_memory, encoding_error
from metalearn.exceptions import DataEncodingError, DataError, DataFileNotFoundError, EmptyDataError

__all__ = ["read_file", "stem"]

logger = logging.getLogger("metalearn.data")

#: In-memory size of a CSV/ARFF relative to its file size, for the up-front memory check.
TEXT_EXPANSION = 3.0
_CSV_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".data")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_ARFF_SUFFIXES = (".arff",)


def stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".bz2", ".xz", ".zip"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return Path(name).stem or name



def read_file(path: Path, *, encoding: str, memory_limit: int | None) -> Raw:
    if not path.exists():
        raise DataFileNotFoundError(f"data file {path} does not exist: check the path")
    if path.is_dir():
        raise DataError(f"{path} is a directory: give a data file (CSV, TSV, Parquet or ARFF)")
    size = path.stat().st_size
    if size == 0:
        raise EmptyDataError(f"data file {path} is empty (0 bytes): give a file with a header and data rows")
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    lower = path.name.lower()
    compressed = head[:2] == b"\x1f\x8b"
    if head[:4] == b"PAR1" or lower.endswith(_PARQUET_SUFFIXES):
        if head[:4] != b"PAR1":
            raise DataEncodingError(f"{path} is not a Parquet file (no PAR1 header): check the file or its extension")
        return Raw(read_parquet(path, memory_limit))
    if compressed:
        if not lower.endswith(".gz"):
            raise DataEncodingError(f"{path} is gzip-compressed: name it with a .gz extension (e.g. data.csv.gz)")
        with gzip.open(path, "rb") as fh:
            try:
                head = fh.read(SNIFF_BYTES)
            except (OSError, EOFError) as exc:
                raise DataEncodingError(f"{path} is not a valid gzip file ({exc}): re-compress it") from None
        size = size * 5  # typical compression ratio of text data
    if head[:2] == b"PK":
        raise DataEncodingError(f"{path} is a ZIP archive (or an Excel workbook): unpack it or export the sheet as CSV")
    if b"\x00" in head:
        raise DataEncodingError(f"{path} is a binary file, not text: give a CSV, TSV, Parquet or ARFF file")
    check_memory(path, size * TEXT_EXPANSION, memory_limit)
    text_head = decode_head(path, head, encoding)
    base = lower[:-3] if lower.endswith(".gz") else lower
    if base.endswith(_ARFF_SUFFIXES) or re.match(r"\s*(%.*\n\s*)*@relation", text_head, re.IGNORECASE):
        frame, strings = read_arff(path, encoding)
        return Raw(frame, string_attributes=strings)
    if not base.endswith(_CSV_SUFFIXES):
        logger.info("reading %s as delimited text", path)
    return read_csv(path, text_head, encoding, tsv=base.endswith((".tsv", ".tab")))


def decode_head(path: Path, head: bytes, encoding: str) -> str:
    try:
        decoder = io.IncrementalNewlineDecoder(None, translate=True)

        text = codecs.getincrementaldecoder(encoding)(errors="strict").decode(head, final=False)
        return decoder.decode(text)
    except UnicodeDecodeError as exc:
        raise encoding_error(path, encoding, exc) from None
    except LookupError:
        raise DataError(f"encoding={encoding!r} is not a known text encoding: use e.g. 'utf-8' or 'latin-1'") from None


