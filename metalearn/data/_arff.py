"""Dense ARFF files (OpenML's and Weka's format): nominal attributes become categoricals."""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from metalearn.data._raw import SNIFF_BYTES, check_header, encoding_error
from metalearn.data._text import as_numbers
from metalearn.exceptions import DataError, EmptyDataError

__all__ = ["read_arff"]

_ARFF_ATTRIBUTE = re.compile(r"@attribute\s+('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\S+)\s+(.*)$", re.IGNORECASE)


def read_arff(path: Path, encoding: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Read a dense ARFF file: nominal attributes become categoricals.

    Also returns the names of the ``string`` attributes (free text).
    """
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding=encoding) as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise encoding_error(path, encoding, exc) from None
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
    check_header(path, names)
    body = text[body_start:]
    if body.lstrip().startswith("{"):
        raise DataError(f"{path} is a sparse ARFF file, which metalearn does not read: convert it to dense ARFF or CSV")
    sample = body[:SNIFF_BYTES]
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
        frame = read_arff_slow(path, text, names)
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
                frame[col] = as_numbers(raw)
        else:  # string, date: text
            frame[col] = frame[col].astype(object)
    strings = tuple(col for col, kind in zip(names, kinds) if kind == "string")
    return frame, strings


def read_arff_slow(path: Path, text: str, names: list[str]) -> pd.DataFrame:
    """Parse with liac-arff (pure Python, slower): handles mixed quoting."""
    import arff  # liac-arff, a dependency of openml

    try:
        decoded = arff.loads(text, encode_nominal=False, return_type=arff.DENSE)
    except arff.ArffException as exc:
        raise DataError(f"{path}: malformed ARFF file ({exc}): check the file") from None
    frame = pd.DataFrame(decoded["data"], columns=names)
    return frame.apply(lambda col: col.map(lambda v: None if v is None or pd.isna(v) else str(v)))
