"""The search's options, declared once: :class:`SearchConfig`.

Every option of a search and its one default live here. :func:`metalearn.search`, the CLI's
``search`` command and the scikit-learn estimators take their defaults from this class and build
one; nothing else declares a default. The options are checked in ``__post_init__`` against
:data:`CONSTRAINTS`, a table of allowed values per option (data, in the style of scikit-learn's
``_parameter_constraints``); a bad value is a one-line :class:`~metalearn.exceptions.SearchError`
naming the option, the value and what is allowed.

>>> SearchConfig(n_trials=10).n_warm
10
>>> SearchConfig().budget_seconds  # neither budget given: time is the budget
60.0
>>> SearchConfig(cv=1)
Traceback (most recent call last):
...
metalearn.exceptions.SearchError: cv=1 is not allowed: give an integer >= 2
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from numbers import Integral, Real
from types import MappingProxyType
from typing import Any, Mapping

from metalearn.exceptions import SearchError
from metalearn.searcher._plan import WARM_START_STRATEGIES

__all__ = ["SearchConfig", "CONSTRAINTS", "DEFAULT_TIME_BUDGET", "DEFAULT_WARM_START", "DEFAULT_TRIAL_TIMEOUT", "SAMPLERS"]

DEFAULT_TIME_BUDGET = 60.0
"""Seconds a search runs when neither ``n_trials`` nor ``time_budget`` is given: time is the budget users think in."""

DEFAULT_WARM_START = 10
"""Number of recommended configurations enqueued as the first trials (``warm_start=True``)."""

DEFAULT_TRIAL_TIMEOUT = 300.0
"""Seconds one trial may take when no time budget bounds it."""

SAMPLERS = ("tpe", "random")
"""The samplers named by a string (an ``optuna.samplers.BaseSampler`` instance is taken as well)."""


# ---- the constraints: each describes itself and tests a value ------------------------------------------
@dataclass(frozen=True)
class _Interval:
    kind: type  # Integral or Real
    low: float | None = None
    high: float | None = None
    open_low: bool = False

    def accepts(self, value) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind) or (self.kind is Real and math.isnan(value)):
            return False
        if self.low is not None and (value <= self.low if self.open_low else value < self.low):
            return False
        return self.high is None or value <= self.high

    def describe(self) -> str:
        what = "an integer" if self.kind is Integral else "a number"
        if self.low is None:
            return what
        return f"{what} {'>' if self.open_low else '>='} {self.low:g}"


@dataclass(frozen=True)
class _Options:
    values: tuple

    def accepts(self, value) -> bool:
        return not isinstance(value, bool) and isinstance(value, (str, Integral)) and value in self.values

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


@dataclass(frozen=True)
class _Type:
    kind: Any  # a type, or a tuple of types
    text: str

    def accepts(self, value) -> bool:
        return isinstance(value, self.kind)

    def describe(self) -> str:
        return self.text


@dataclass(frozen=True)
class _Items:
    """A string, or an iterable of strings (and integers with ``ints``), kept as a tuple."""

    text: str
    ints: bool = False

    def accepts(self, value) -> bool:
        kinds = (str, Integral) if self.ints else (str,)
        if isinstance(value, str):
            return True
        try:
            return all(isinstance(v, kinds) and not isinstance(v, bool) for v in value)
        except TypeError:
            return False

    def describe(self) -> str:
        return self.text


@dataclass(frozen=True)
class _Pairs:
    """(algorithm name, params mapping) pairs."""

    def accepts(self, value) -> bool:
        try:
            return all(len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], Mapping) for p in value)
        except TypeError:
            return False

    def describe(self) -> str:
        return "a sequence of (algorithm name, params dict) pairs"


class _OptunaSampler:
    """An ``optuna.samplers.BaseSampler`` instance (optuna is imported only to check one)."""

    def accepts(self, value) -> bool:
        if isinstance(value, (str, bool, int, float)) or value is None:
            return False
        import optuna

        return isinstance(value, optuna.samplers.BaseSampler)

    def describe(self) -> str:
        return "an optuna sampler"


_NONE = _Type(type(None), "None")
_BOOL = _Type(bool, "True or False")
_POSITIVE_SECONDS = _Interval(Real, 0, open_low=True)

CONSTRAINTS: Mapping[str, tuple] = MappingProxyType({
    "n_trials": (_NONE, _Interval(Integral, 1)),
    "time_budget": (_NONE, _POSITIVE_SECONDS),
    "metric": (_NONE, _Type(str, "a scikit-learn scorer name")),
    "warm_start": (_BOOL, _Interval(Integral, 0)),
    "warm_start_strategy": (_Options(WARM_START_STRATEGIES),),
    "exclude_datasets": (_Items("dataset names or OpenML ids (openml:<id>)", ints=True),),
    "n_jobs": (_NONE, _Options((-1,)), _Interval(Integral, 1)),
    "seed": (_NONE, _Interval(Integral, 0)),
    "storage": (_NONE, _Type(str, "an Optuna RDB URL")),
    "study_name": (_NONE, _Type(str, "a study name")),
    "algorithms": (_NONE, _Items("registry names")),
    "prior_runs": (_BOOL,),
    "narrow": (_BOOL,),
    "explore_trials": (_Interval(Integral, 0),),
    "configurations": (_Pairs(),),
    "sampler": (_Options(SAMPLERS), _OptunaSampler()),
    "cv": (_Interval(Integral, 2),),
    "trial_timeout": (_NONE, _POSITIVE_SECONDS),
    "memory_limit_mb": (_NONE, _Interval(Integral, 1)),
    "fidelity": (_BOOL,),
    "ensemble": (_BOOL,),
    "refit": (_BOOL,),
    "refit_timeout": (_NONE, _POSITIVE_SECONDS),
    "write_back": (_BOOL,),
    "progress": (_BOOL,),
})
"""Option name -> the allowed kinds of value (any one will do)."""

_AS_TUPLE = ("exclude_datasets", "algorithms", "configurations")  # stored as tuples: the config is immutable


@dataclass(frozen=True)
class SearchConfig:
    """Every option of a search (:func:`metalearn.search` documents each), validated once.

    Budgets: ``n_trials`` and/or ``time_budget`` (whichever runs out first); with neither, a time
    budget of :data:`DEFAULT_TIME_BUDGET`. ``warm_start`` is ``True`` (:data:`DEFAULT_WARM_START`
    configurations), ``False``/0, or a number. ``n_jobs`` ``None`` or -1: one worker per CPU.
    """

    n_trials: int | None = None
    time_budget: float | None = None
    metric: str | None = None
    warm_start: bool | int = True
    warm_start_strategy: str = "blend"
    exclude_datasets: tuple = ()
    n_jobs: int | None = None
    seed: int | None = None
    storage: str | None = None
    study_name: str | None = None
    algorithms: tuple | None = None
    prior_runs: bool = False
    narrow: bool = False
    explore_trials: int = 0
    """Sampled trials after the warm start that are random before TPE takes over (:mod:`._sampler`);
    without it TPE's "good" group is the best warm trials and the search stays near them."""
    configurations: tuple = ()
    sampler: Any = "tpe"
    cv: int = 5
    trial_timeout: float | None = None
    memory_limit_mb: int | None = None
    fidelity: bool = True
    ensemble: bool = True
    refit: bool = True
    refit_timeout: float | None = None
    write_back: bool = True
    progress: bool = False

    def __post_init__(self):
        for name, allowed in CONSTRAINTS.items():
            value = getattr(self, name)
            if not any(c.accepts(value) for c in allowed):
                raise SearchError(f"{name}={value!r} is not allowed: give {' or '.join(c.describe() for c in allowed)}")
        for name in _AS_TUPLE:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, (value,) if isinstance(value, str) else tuple(value))
        if self.algorithms == ():
            raise SearchError("algorithms=() is empty: give at least one registry name, or None for all")

    # ---- building ----------------------------------------------------------------------------------
    @classmethod
    def from_kwargs(cls, **options) -> SearchConfig:
        """A config from keyword options; an unknown name is a :class:`SearchError` listing the known ones."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise SearchError(f"unknown search option {unknown[0]!r}: the options are {', '.join(sorted(known))}")
        return cls(**options)

    def replace(self, **changes) -> SearchConfig:
        """A copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)

    # ---- what the options resolve to ------------------------------------------------------------------
    @property
    def budget_seconds(self) -> float | None:
        """The time budget in seconds: ``time_budget``, else :data:`DEFAULT_TIME_BUDGET` without ``n_trials``."""
        if self.time_budget is None and self.n_trials is None:
            return DEFAULT_TIME_BUDGET
        return None if self.time_budget is None else float(self.time_budget)

    @property
    def workers(self) -> int:
        """Trials run at once: ``n_jobs``, or one per CPU."""
        return (os.cpu_count() or 1) if self.n_jobs in (None, -1) else int(self.n_jobs)

    @property
    def n_warm(self) -> int:
        """Number of warm-start configurations."""
        return DEFAULT_WARM_START if self.warm_start is True else int(self.warm_start or 0)

    @property
    def base_trial_timeout(self) -> float:
        """Seconds a trial may take before the time budget cuts it: ``trial_timeout`` or :data:`DEFAULT_TRIAL_TIMEOUT`."""
        return float(self.trial_timeout) if self.trial_timeout is not None else DEFAULT_TRIAL_TIMEOUT

    @property
    def random_state(self) -> int:
        """The seed of the CV splits and the estimators (0 without ``seed``)."""
        return 0 if self.seed is None else int(self.seed)

    @property
    def needs_kb(self) -> bool:
        """Whether the search reads or writes the knowledge base."""
        return self.write_back or self.n_warm > 0 or self.prior_runs or self.narrow

    def settings(self, *, study_name: str | None, algorithms) -> dict:
        """The settings recorded with the search in the KB (``kb.start_search``), with the study's name and
        the algorithms the search space resolved to."""
        return {
            "n_trials": self.n_trials, "time_budget": self.budget_seconds, "warm_start": self.n_warm,
            "n_jobs": self.workers, "seed": self.seed, "storage": bool(self.storage), "study_name": study_name,
            "sampler": str(self.sampler), "cv": self.cv, "prior_runs": self.prior_runs, "narrow": self.narrow,
            "explore_trials": self.explore_trials, "warm_start_strategy": self.warm_start_strategy, "algorithms": list(algorithms),
            "exclude_datasets": [str(x) for x in self.exclude_datasets],
        }
