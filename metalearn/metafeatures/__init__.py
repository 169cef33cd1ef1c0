"""Meta-features of a dataset: OpenML's data qualities and more.

:func:`characterize` computes meta-features in groups:

``general``
    OpenML's simple qualities (NumberOfInstances, ..., AutoCorrelation,
    ClassEntropy).
``statistical``
    OpenML's summaries of numeric attributes (means, standard deviations,
    skewness, kurtosis) and of the nominal attributes' distinct values.
``info-theory``
    OpenML's attribute entropy and mutual information summaries,
    EquivalentNumberOfAtts and MeanNoiseToSignalRatio.
``cardinality``
    OpenML's newer Cardinality qualities (distinct values per attribute).
``landmarking``
    metalearn's own landmarkers (``metalearn.Landmark<Model>.<measure>``).
``autosklearn``
    auto-sklearn 0.15.0's meta-features (``autosklearn.<name>``).

OpenML qualities carry OpenML's names and follow the server's definitions,
checked against real server values (see ``scripts/fidelity_openml.py``).
A quality that is undefined for the data is NaN, as OpenML leaves it empty,
and :attr:`MetaFeatures.reasons` says why.

>>> import pandas as pd
>>> X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": pd.Categorical(["u", "v", "u", "u"])})
>>> y = pd.Series(pd.Categorical(["p", "q", "p", "q"]))
>>> mf = characterize(X, y, groups=["general", "info-theory"])
>>> mf["NumberOfFeatures"], mf["NumberOfSymbolicFeatures"], mf["ClassEntropy"]
(3.0, 2.0, 1.0)
>>> round(mf["MeanMutualInformation"], 6)
0.311278
>>> sorted(mf.timings)
['general', 'info-theory']
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

from metalearn.metafeatures import _autosklearn, _landmarks, _openml
from metalearn.metafeatures._passes import Passes
from metalearn.metafeatures._table import make_table
from metalearn.exceptions import CharacterizationError

__all__ = ["characterize", "MetaFeatures", "GROUPS", "OPENML_GROUPS", "names_in"]

_GROUP_FUNCTIONS = MappingProxyType(
    {
        "general": (_openml.general, _openml.GENERAL_NAMES),
        "statistical": (_openml.statistical, _openml.STATISTICAL_NAMES),
        "info-theory": (_openml.information, _openml.INFO_NAMES),
        "cardinality": (_openml.cardinality, _openml.CARDINALITY_NAMES),
        "landmarking": (_landmarks.landmarking, _landmarks.NAMES),
        "autosklearn": (_autosklearn.autosklearn, _autosklearn.NAMES),
    }
)
#: All group names, in the order they are computed.
GROUPS: tuple[str, ...] = tuple(_GROUP_FUNCTIONS)
#: The groups holding OpenML's quality names with OpenML's definitions.
OPENML_GROUPS: tuple[str, ...] = ("general", "statistical", "info-theory", "cardinality")


def names_in(groups: Iterable[str]) -> frozenset[str]:
    """The meta-feature names the given groups compute (so that stored values can be cut to what
    ``characterize(groups=...)`` would give).

    >>> "NumberOfInstances" in names_in(["general"]), "NumberOfInstances" in names_in(["landmarking"])
    (True, False)
    """
    return frozenset(name for g in _resolve_groups(groups) for name in _GROUP_FUNCTIONS[g][1])


class MetaFeatures(Mapping):
    """Read-only mapping from meta-feature name to float.

    Attributes
    ----------
    timings : mapping of str to float
        Seconds spent per group.
    groups : mapping of str to str
        The group of each meta-feature.
    reasons : mapping of str to str
        Why a meta-feature is NaN, for each NaN one.

    >>> mf = MetaFeatures({"a": 1.0, "b": float("nan")}, groups={"a": "g", "b": "g"}, reasons={"b": "why"})
    >>> len(mf), mf["a"], mf.reasons["b"]
    (2, 1.0, 'why')
    >>> mf.to_dict()["a"]
    1.0
    """

    __slots__ = ("_values", "_groups", "_reasons", "_timings")

    def __init__(
        self,
        values: Mapping[str, float],
        *,
        groups: Mapping[str, str] | None = None,
        reasons: Mapping[str, str] | None = None,
        timings: Mapping[str, float] | None = None,
    ) -> None:
        object.__setattr__(self, "_values", MappingProxyType({k: float(v) for k, v in values.items()}))
        object.__setattr__(self, "_groups", MappingProxyType(dict(groups or {})))
        object.__setattr__(self, "_reasons", MappingProxyType(dict(reasons or {})))
        object.__setattr__(self, "_timings", MappingProxyType(dict(timings or {})))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"MetaFeatures is read-only: cannot set {name!r}")

    @property
    def groups(self) -> Mapping[str, str]:
        return self._groups

    @property
    def reasons(self) -> Mapping[str, str]:
        return self._reasons

    @property
    def timings(self) -> Mapping[str, float]:
        return self._timings

    def __getitem__(self, name: str) -> float:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def to_dict(self) -> dict[str, float]:
        """A plain ``dict`` copy of the values."""
        return dict(self._values)

    def group(self, name: str) -> dict[str, float]:
        """The values of one group, as a ``dict``."""
        return {k: v for k, v in self._values.items() if self.groups.get(k) == name}

    def __repr__(self) -> str:
        n_nan = sum(1 for v in self._values.values() if math.isnan(v))
        groups = ", ".join(f"{g}: {t:.3f}s" for g, t in self.timings.items())
        return f"MetaFeatures({len(self)} values, {n_nan} NaN; {groups})"


def _resolve_groups(groups: str | Iterable[str] | None) -> tuple[str, ...]:
    if groups is None:
        return GROUPS
    if isinstance(groups, str):
        groups = [g.strip() for g in groups.split(",") if g.strip()]
    chosen = []
    for g in groups:
        if g == "all":
            return GROUPS
        if g == "openml":
            chosen.extend(OPENML_GROUPS)
            continue
        if g not in _GROUP_FUNCTIONS:
            raise CharacterizationError(
                f"unknown meta-feature group {g!r}: use any of {', '.join(GROUPS)}, 'openml' or 'all'"
            )
        chosen.append(g)
    if not chosen:
        raise CharacterizationError(f"no meta-feature group given: use any of {', '.join(GROUPS)}, 'openml' or 'all'")
    return tuple(g for g in GROUPS if g in chosen)


def characterize(
    dataset_or_X: Any,
    y: Any = None,
    *,
    task: str | None = None,
    groups: str | Iterable[str] | None = None,
) -> MetaFeatures:
    """Compute the meta-features of a dataset.

    Parameters
    ----------
    dataset_or_X : metalearn.data.Dataset, pandas.DataFrame or 2-D array
        The data. In a DataFrame, ``category`` and ``bool`` columns are
        nominal, numeric columns numeric, other columns (text) are counted
        as OpenML counts ARFF ``string`` attributes: features, but neither
        numeric nor symbolic.
    y : array-like, pandas.Series or str, optional
        The target values, or the name of the target column of a DataFrame.
        Not allowed with a Dataset. Without a target, class-based qualities
        are NaN.
    task : {"binary", "multiclass", "regression"}, optional
        Default: the Dataset's task, else inferred from ``y`` (numeric with
        more than 20 distinct values: regression).
    groups : str or iterable of str, optional
        Groups to compute (comma-separated string or list): any of
        :data:`GROUPS`, ``"openml"`` (all OpenML groups) or ``"all"``
        (default).

    Returns
    -------
    MetaFeatures

    Raises
    ------
    CharacterizationError
        The input cannot be characterized (no rows, infinite values, unknown
        group, a text target for regression ...).
    """
    chosen = _resolve_groups(groups)
    table = make_table(dataset_or_X, y, task=task)
    passes = Passes(table)
    values: dict[str, float] = {}
    group_of: dict[str, str] = {}
    reasons: dict[str, str] = {}
    timings: dict[str, float] = {}
    for g in chosen:
        fn, names = _GROUP_FUNCTIONS[g]
        start = time.perf_counter()
        got, why = fn(passes)
        timings[g] = time.perf_counter() - start
        for name in names:
            value = float(got.get(name, math.nan))
            values[name] = value
            group_of[name] = g
            if math.isnan(value):
                reasons[name] = why.get(name) or "undefined for this data"
    return MetaFeatures(values, groups=group_of, reasons=reasons, timings=timings)

