"""What every reader shares: the :class:`Raw` file as read, and the checks and messages the readers have in common."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pandas as pd

from metalearn.exceptions import DataEncodingError, DataError, DataTooLargeError

__all__ = ["Raw", "check_header", "check_memory", "encoding_error", "SNIFF_BYTES"]

#: Bytes read from the start of a file to recognise its format.
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True, eq=False)
class Raw:
    """A file as read, before validation.

    ``encoded_text`` names the columns read as text but held as categoricals of
    the raw (unstripped) distinct values, to be normalised like text columns;
    ``string_attributes`` names the ARFF ``string`` attributes.
    """

    frame: pd.DataFrame
    encoded_text: frozenset = frozenset()
    string_attributes: tuple = ()


def available_memory() -> int:
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


def human(nbytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if nbytes < 1024 or unit == "TB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.1f} TB"  # pragma: no cover


def check_memory(path: Path, estimate: float, memory_limit: int | None) -> None:
    limit = memory_limit if memory_limit is not None else available_memory()
    if estimate > limit:
        raise DataTooLargeError(
            f"{path} is {human(path.stat().st_size)} on disk and needs about {human(estimate)} in memory, "
            f"more than the {human(limit)} available: load a sample of its rows instead"
        )


def encoding_error(path: Path, encoding: str, exc: UnicodeDecodeError) -> DataEncodingError:
    byte = exc.object[exc.start : exc.start + 1].hex() if exc.object else "?"
    return DataEncodingError(
        f"{path} is not valid {encoding} text (byte 0x{byte} at offset {exc.start}): "
        "re-save it as UTF-8, or pass its encoding (e.g. --encoding latin-1)"
    )


def check_header(path: Path, columns: Sequence[str]) -> None:
    seen: dict[str, int] = {}
    for i, col in enumerate(columns):
        key = str(col).strip()
        if key in seen:
            raise DataError(
                f"{path} has duplicate column name {key!r} (columns {seen[key] + 1} and {i + 1}): rename one of them"
            )
        seen[key] = i
