"""The :class:`Dataset` a loader returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import pandas as pd

from metalearn.exceptions import DataError
from metalearn.tasks import task_family

__all__ = ["Dataset"]


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
        :func:`metalearn.metafeatures.characterize` as OpenML counts them, neither numeric
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
        return task_family(self.task, error=DataError)

    @property
    def categorical_columns(self) -> tuple[str, ...]:
        """Names of the categorical feature columns."""
        return tuple(c for c in self.X.columns if isinstance(self.X[c].dtype, pd.CategoricalDtype))

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, task={self.task!r}, rows={self.n_rows}, "
            f"features={self.n_features}, target={self.target!r})"
        )
