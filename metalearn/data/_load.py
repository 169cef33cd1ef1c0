""":func:`load_dataset`: read the source, then validate and type it into a :class:`Dataset`.

The steps, each in its own module: read (:mod:`._files` and one module per
format, :mod:`._openml`, or arrays here), pick the target and drop the rows
without one (:mod:`._target`), type the features (:mod:`._columns`) and flag
them (:mod:`._flags`), type the target and infer the task (:mod:`._target`),
hash the content (:mod:`._hash`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from metalearn.data._columns import normalise_features
from metalearn.data._dataset import Dataset
from metalearn.data._files import read_file, stem
from metalearn.data._flags import FLAGS
from metalearn.data._hash import content_hash
from metalearn.data._openml import load_openml, parse_openml_id
from metalearn.data._raw import Raw, check_header
from metalearn.data._target import missing_target, normalise_target, resolve_target
from metalearn.exceptions import DataError, EmptyDataError
from metalearn.tasks import TASKS

__all__ = ["load_dataset"]

logger = logging.getLogger("metalearn.data")


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
        openml_id = parse_openml_id(str(source))
        frame, default_target, oml_name = load_openml(openml_id, target)
        label, origin = name or oml_name, f"openml:{openml_id}"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        raw = read_file(path, encoding=encoding, memory_limit=memory_limit)
        frame = raw.frame
        label, origin = name or stem(path), str(path)
    elif target is not None and not isinstance(target, str):
        frame, target = frame_from_arrays(source, target)
        label, origin = name or "arrays", "<arrays>"
    else:
        raise DataError(
            f"cannot load a dataset from {type(source).__name__}: give a file path, 'openml:<id>', "
            "a DataFrame with target=<column name>, or X with target=<y values>"
        )
    return validate(frame, target, default_target, task, label, origin, openml_id, notes, raw)


def frame_from_arrays(X: Any, y: Any) -> tuple[pd.DataFrame, str]:
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



def validate(
    frame: pd.DataFrame,
    target: Any,
    default_target: str | None,
    task: str | None,
    name: str,
    origin: str,
    openml_id: int | None,
    notes: list[str],
    raw: Raw | None = None,
) -> Dataset:
    """The steps from a frame as read to a :class:`Dataset`."""
    raw_text = raw.encoded_text if raw is not None else frozenset()
    frame.columns = [str(c) for c in frame.columns]
    check_header(Path(origin), list(frame.columns))
    if frame.shape[0] == 0:
        raise EmptyDataError(f"{origin} has no rows: give data with at least one row")
    if frame.shape[1] < 2:
        raise DataError(f"{origin} has {frame.shape[1]} column(s): it needs at least one feature and a target column")
    target_name = resolve_target(frame, target, default_target, origin, notes)
    y = frame.pop(target_name)
    if not frame.index.equals(pd.RangeIndex(frame.shape[0])):
        frame = frame.reset_index(drop=True)
        y = y.reset_index(drop=True)
    missing = missing_target(y, target_name, origin)
    if missing.any():
        notes.append(f"dropped {int(missing.sum())} row(s) whose target {target_name!r} is missing")
        keep = ~missing
        frame, y = frame.loc[keep].reset_index(drop=True), y.loc[keep].reset_index(drop=True)

    flags: dict[str, list[str]] = {k: [] for k in FLAGS}
    if raw is not None and raw.string_attributes:
        flags["string"] = [c for c in raw.string_attributes if c in frame.columns]
    X = normalise_features(frame, origin, flags, notes, raw_text)
    y, task = normalise_target(y, target_name, task, origin, notes, text=target_name in raw_text)
    digest = content_hash(X, y, target_name)
    for line in notes:
        logger.info("%s: %s", name, line)
    return Dataset(
        X=X,
        y=y,
        task=task,
        name=name,
        target=target_name,
        content_hash=digest,
        source=origin,
        openml_id=openml_id,
        warnings=tuple(notes),
        flags=MappingProxyType({k: tuple(v) for k, v in flags.items() if v}),
    )
