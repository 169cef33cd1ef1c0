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

    def drop(self, columns) -> "Dataset":
        """The same dataset without the feature ``columns`` (a name or a sequence of names).

        The content hash is recomputed (it is another dataset now), the flags lose the
        dropped columns, and a warning says what was dropped. An unknown name, or the
        target, raises :class:`~metalearn.exceptions.DataError` naming the columns there are.
        """
        import dataclasses

        from metalearn.data._hash import content_hash

        names = [columns] if isinstance(columns, str) else [str(c) for c in columns]
        if not names:
            return self
        for name in names:
            if name == self.target:
                raise DataError(f"cannot drop {name!r}: it is the target of {self.name}; choose another --target")
            if name not in self.X.columns:
                shown = ", ".join(map(str, self.X.columns[:30])) + (" ..." if self.X.shape[1] > 30 else "")
                raise DataError(f"cannot drop {name!r}: {self.name} has no such feature column; it has: {shown}")
        names = list(dict.fromkeys(names))
        if len(names) == self.X.shape[1]:
            raise DataError(f"cannot drop every feature column of {self.name} ({', '.join(names)}): keep at least one")
        X = self.X.drop(columns=names)
        flags = MappingProxyType({k: tuple(c for c in v if c not in names) for k, v in self.flags.items()})
        return dataclasses.replace(
            self, X=X, content_hash=content_hash(X, self.y, self.target), flags=flags,
            warnings=self.warnings + (f"dropped column(s) {', '.join(map(repr, names))} as asked",),
        )

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, task={self.task!r}, rows={self.n_rows}, "
            f"features={self.n_features}, target={self.target!r})"
        )
