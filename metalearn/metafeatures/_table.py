"""Turn the caller's input into one read-only view of typed columns.

Nothing here copies the feature matrix: numeric columns are read in chunks of
columns when they are summarised, nominal columns as their integer codes.
Weka's attribute types are mapped from pandas dtypes:

* ``category`` and ``bool`` columns are *nominal* (``bool`` has the two
  values ``False``, ``True``); the declared categories are the nominal values,
  in their order;
* integer and float columns are *numeric*;
* anything else (``object``, ``string``: free text, e.g. an ARFF ``string``
  attribute) is a *string* attribute, which OpenML counts as a feature but
  neither as numeric nor as symbolic;
* so is a column a :class:`~metalearn.data.Dataset` flags ``string`` (an ARFF
  ``string`` attribute, which the loader holds as a categorical for modelling).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from metalearn.data import REGRESSION_MIN_DISTINCT  # the same rule as load_dataset
from metalearn.exceptions import CharacterizationError
from metalearn.tasks import TASKS


def _is_nominal(dtype: Any) -> bool:
    return isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype)


def _is_numeric(dtype: Any) -> bool:
    return (
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not pd.api.types.is_complex_dtype(dtype)
    )


def nominal_codes(s: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes (-1 for missing) and the number of declared values.

    The codes are pandas' own array (no copy), in the smallest signed integer
    type pandas chose for them: cast before arithmetic that could overflow it.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.array.codes, len(s.dtype.categories)
    # bool, possibly nullable
    values = s.to_numpy(dtype=object, na_value=None) if s.hasnans else s.to_numpy()
    if s.hasnans:
        codes = np.array([-1 if v is None else int(bool(v)) for v in values], dtype=np.int64)
    else:
        codes = np.asarray(values, dtype=np.int64)
    return codes, 2


@dataclass(frozen=True, eq=False)
class Table:
    """Typed, read-only view of a dataset for characterization."""

    X: pd.DataFrame
    y: pd.Series | None
    task: str | None  # "binary" | "multiclass" | "regression" | None (no target)
    strings: frozenset = frozenset()  # columns that are string attributes whatever their dtype

    @cached_property
    def n_rows(self) -> int:
        return int(self.X.shape[0])

    @cached_property
    def numeric(self) -> tuple[str, ...]:
        return tuple(c for c, t in self.X.dtypes.items() if _is_numeric(t) and c not in self.strings)

    @cached_property
    def nominal(self) -> tuple[str, ...]:
        return tuple(c for c, t in self.X.dtypes.items() if _is_nominal(t) and c not in self.strings)

    @cached_property
    def text(self) -> tuple[str, ...]:
        return tuple(
            c for c, t in self.X.dtypes.items() if c in self.strings or not (_is_numeric(t) or _is_nominal(t))
        )

    @property
    def classification(self) -> bool:
        return self.task in ("binary", "multiclass")

    @cached_property
    def y_codes(self) -> tuple[np.ndarray, int]:
        """Class codes (-1 missing) and number of declared classes."""
        if not self.classification:
            raise AssertionError("y_codes needs a classification target")
        y = self.y
        if _is_nominal(y.dtype):
            codes, k = nominal_codes(y)
            return codes.astype(np.int64), k
        codes, uniques = pd.factorize(y, sort=True)
        return np.asarray(codes, dtype=np.int64), len(uniques)

    @cached_property
    def y_values(self) -> np.ndarray:
        """Regression target as float64 (NaN for missing)."""
        return self.y.to_numpy(dtype=np.float64, na_value=np.nan)


def _infer_task(y: pd.Series) -> str:
    if _is_numeric(y.dtype) and y.nunique(dropna=True) > REGRESSION_MIN_DISTINCT:
        return "regression"
    return "binary" if y.nunique(dropna=True) == 2 else "multiclass"


def make_table(data: Any, y: Any = None, *, task: str | None = None) -> Table:
    """Build a :class:`Table` from a Dataset, a DataFrame or an array."""
    if task is not None and task not in TASKS:
        raise CharacterizationError(f"task={task!r} is not valid: use one of {', '.join(TASKS)}")
    if hasattr(data, "X") and hasattr(data, "y") and hasattr(data, "task") and not isinstance(data, pd.DataFrame):
        if y is not None:
            raise CharacterizationError("y must not be given with a Dataset: the Dataset holds its target")
        X, target, task = data.X, data.y, task or data.task
        strings = frozenset(getattr(data, "flags", {}).get("string", ()))
    else:
        strings = frozenset()
        if isinstance(data, pd.DataFrame):
            X = data
        elif isinstance(data, pd.Series):
            X = data.to_frame()
        else:
            try:
                arr = np.asarray(data)
            except Exception as exc:  # noqa: BLE001 - report any conversion failure the same way
                raise CharacterizationError(
                    f"cannot characterize a {type(data).__name__}: give a metalearn Dataset, a DataFrame or a 2-D array"
                ) from exc
            if arr.ndim == 1:
                arr = arr.reshape(-1, 1)
            if arr.ndim != 2:
                raise CharacterizationError(f"X has {arr.ndim} dimensions: give a 2-D array or a DataFrame")
            X = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
        if isinstance(y, str) and isinstance(data, pd.DataFrame):
            if y not in X.columns:
                raise CharacterizationError(f"target column {y!r} is not in X: give one of its columns or the target values")
            target, X = X[y], X.drop(columns=[y])
        elif y is None:
            target = None
        else:
            target = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y).ravel(), name="target")
            if len(target) != len(X):
                raise CharacterizationError(f"y has {len(target)} values but X has {len(X)} rows: give one target per row")
            # rows are matched by position, never by index label
            target = target.reset_index(drop=True)
        # infinite feature values are refused by the numeric pass (no extra pass here)
    if X.shape[0] == 0:
        raise CharacterizationError("the data has no rows: give at least one row")
    if X.columns.has_duplicates:
        dup = X.columns[X.columns.duplicated()][0]
        raise CharacterizationError(f"column name {dup!r} appears more than once in X: give each column a unique name")
    if target is None:
        return Table(X=X, y=None, task=None, strings=strings)
    if target.notna().sum() == 0:
        raise CharacterizationError(f"target {target.name!r} has no values: give a target with values")
    if task is None:
        task = _infer_task(target)
    if task == "regression":
        if not _is_numeric(target.dtype):
            raise CharacterizationError(
                f"target {target.name!r} is not numeric but task is regression: give a numeric target or task='binary'/'multiclass'"
            )
        values = target.to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isinf(values).any():
            raise CharacterizationError(f"target {target.name!r} has infinite values: replace or drop those rows")
    return Table(X=X, y=target, task=task, strings=strings)
