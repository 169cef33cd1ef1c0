"""Parquet files, read with pyarrow after a memory check from the file's metadata."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from metalearn.data._raw import check_header, check_memory
from metalearn.exceptions import DataEncodingError, EmptyDataError

__all__ = ["read_parquet"]


def read_parquet(path: Path, memory_limit: int | None) -> pd.DataFrame:
    try:
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        estimate = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        names = pq.ParquetFile(path).schema_arrow.names
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise DataEncodingError(f"{path} is not a readable Parquet file ({type(exc).__name__}: {exc}): re-export it") from None
    check_memory(path, estimate * 1.5, memory_limit)
    check_header(path, names)
    frame = pd.read_parquet(path)
    frame.columns = [str(c) for c in frame.columns]
    if frame.shape[0] == 0:
        raise EmptyDataError(f"data file {path} has columns but no rows: add rows")
    return frame
