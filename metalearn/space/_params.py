"""Parameter records and the small constructors the registry's table is written with.

A :class:`Param` is one constructor parameter: kind, valid range and choices, default,
whether and where the search samples it, and when it is active. ``check_value`` validates
one value against it (the errors name the algorithm, parameter, value and what is allowed).
The ``_i``/``_f``/``_c``/``_b`` constructors keep each line of the table readable; the
shared groups (seed, threads, class weights, liblinear's solver settings) are here once.
"""

from __future__ import annotations

import json
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from metalearn.exceptions import InvalidParamsError

KINDS = ("int", "float", "categorical", "bool", "const", "int_tuple")

@dataclass(frozen=True)
class Param:
    """One constructor parameter of an algorithm and its space.

    Parameters
    ----------
    name : str
        The scikit-learn keyword (``estimator__<name>`` for the base estimator of AdaBoost).
    kind : {"int", "float", "categorical", "bool", "const", "int_tuple"}
        ``int_tuple`` is a tuple of ints such as ``hidden_layer_sizes``.
    low, high : float or None
        Inclusive valid range of ``int``/``float`` values (and of each element of an
        ``int_tuple``). None means unbounded.
    log : bool
        Sample on a log scale.
    choices : tuple
        ``categorical``: the allowed values. ``int``/``float``: extra allowed non-numeric
        values, such as None or ``"sqrt"``.
    default : object
        scikit-learn's default.
    search : bool
        Whether the search samples this parameter; otherwise it keeps its default unless a
        configuration (such as one from the knowledge base) sets it.
    search_low, search_high : float or None
        The sampled range, when narrower than the valid range.
    condition : tuple of (str, tuple)
        The search samples this parameter only when every named parameter has one of the
        listed values (e.g. SVC ``degree`` only for ``kernel="poly"``).
    int_ok : bool
        ``float`` only: whether an integer is accepted (False where scikit-learn reads an
        int differently from a float, e.g. ``max_features``).
    length : (int, int)
        ``int_tuple`` only: allowed number of elements (the search samples 1..``length[1]``).
    fraction : bool
        ``int`` only: a float in (0, 1] is also accepted, as a fraction of the rows
        (scikit-learn's ``min_samples_split`` / ``min_samples_leaf``).
        The search samples integers only (a fraction stays valid, e.g. from the knowledge base).
    unsearched : tuple
        Choices (or special values) that are valid but the search never samples, because
        they cost minutes for nothing (gradient boosting's ``max_depth=None``).
    search_length : (int, int) or None
        ``int_tuple`` only: the numbers of elements the search samples (default ``length``).
    """

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple = ()
    default: Any = None
    search: bool = True
    search_low: float | None = None
    search_high: float | None = None
    condition: tuple = ()
    int_ok: bool = True
    length: tuple = (1, 1)
    fraction: bool = False
    unsearched: tuple = ()
    search_length: tuple | None = None

    @property
    def searched_choices(self) -> tuple:
        """The choices (or special values) the search samples: ``choices`` less ``unsearched``."""
        return tuple(c for c in self.choices if not any(_same_choice(c, u) for u in self.unsearched))

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "float")

    @property
    def bounds(self) -> tuple:
        """The sampled range (``search_low``/``search_high``, else ``low``/``high``)."""
        low = self.low if self.search_low is None else self.search_low
        high = self.high if self.search_high is None else self.search_high
        return low, high

    def allowed(self) -> str:
        """Describe the allowed values in words (used in error messages)."""
        if self.kind == "bool":
            return "use true or false"
        if self.kind in ("categorical", "const"):
            return "use one of " + ", ".join(_show(c) for c in (self.choices or (self.default,)))
        if self.kind == "int_tuple":
            return (
                f"use a list of {self.length[0]} to {self.length[1]} integers in "
                f"[{_show(self.low)}, {_show(self.high)}]"
            )
        text = f"use {'an integer' if self.kind == 'int' else 'a float'} in [{_show(self.low)}, {_show(self.high)}]"
        if self.fraction:
            text += " or a float fraction in (0, 1]"
        if self.choices:
            text += " or one of " + ", ".join(_show(c) for c in self.choices)
        return text

@dataclass(frozen=True)
class AlgorithmSpec:
    """An algorithm of the registry: its class, parameters and preprocessing.

    Parameters
    ----------
    name : str
        The scikit-learn class name (the registry key).
    task : {"classification", "regression"}
    estimator_class : type
        The scikit-learn class of the estimator. For ``PassiveAggressiveClassifier``, which
        scikit-learn 1.8 deprecated and 1.10 removes, it is ``SGDClassifier``: the equivalent
        the deprecation names (see :func:`make_pipeline`).
    params : tuple of Param
        In the order the search samples them (a parameter's condition names earlier ones).
    preprocessing : {"scale", "tree", "native", "nonneg"}
    base_estimator : type or None
        Class of the ``estimator`` built when ``estimator__*`` parameters are given.
    build : callable or None
        ``build(**kwargs) -> estimator`` where the registry's parameters must be translated
        for the installed scikit-learn (LogisticRegression's ``penalty`` and
        PassiveAggressiveClassifier, deprecated in 1.8; regression trees' ``"friedman_mse"``
        and gradient boosting's ``criterion``, deprecated in 1.9); None builds
        ``estimator_class(**kwargs)``.
    """

    name: str
    task: str
    estimator_class: type
    params: tuple
    preprocessing: str
    base_estimator: type | None = None
    build: Callable[..., Any] | None = None

    def param(self, name: str) -> Param:
        """Return the :class:`Param` called ``name`` (InvalidParamsError if unknown)."""
        for p in self.params:
            if p.name == name:
                return p
        raise InvalidParamsError(
            f"{self.name}: unknown parameter {name!r}; use one of {', '.join(p.name for p in self.params)}"
        )

    @property
    def param_names(self) -> tuple:
        return tuple(p.name for p in self.params)

def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, tuple):
        return json.dumps(list(value))
    return repr(value)

def _same_choice(value: Any, choice: Any) -> bool:
    if value is None or choice is None:
        return value is choice
    if isinstance(value, bool) or isinstance(choice, bool):
        return isinstance(value, bool) and isinstance(choice, bool) and value == choice
    if isinstance(value, numbers.Number) and isinstance(choice, numbers.Number):
        return value == choice
    return type(value) is type(choice) and value == choice

def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return isinstance(a, tuple) and isinstance(b, tuple) and a == b
    return _same_choice(a, b)

def _match_choice(value: Any, choices: Sequence) -> tuple[bool, Any]:
    for choice in choices:
        if _same_choice(value, choice):
            return True, choice
    return False, None

def _plain(value: Any) -> Any:
    """numpy scalars -> Python, lists -> tuples (recursively)."""
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value

def _in_range(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)

def _check_value(algorithm: str, p: Param, value: Any) -> Any:
    value = _plain(value)

    def bad(why: str) -> InvalidParamsError:
        return InvalidParamsError(
            f"{algorithm}: parameter {p.name!r} = {_show(value)} {why}; {p.allowed()}"
        )

    if p.kind == "bool":
        if isinstance(value, bool):
            return value
        raise bad("is not a boolean")
    if p.kind in ("categorical", "const"):
        ok, choice = _match_choice(value, p.choices or (p.default,))
        if ok:
            return choice
        raise bad("is not allowed")
    if p.kind == "int_tuple":
        items = (value,) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(items, tuple):
            raise bad("has the wrong type")
        out = []
        for item in items:
            if isinstance(item, float) and item.is_integer():
                item = int(item)
            if isinstance(item, bool) or not isinstance(item, int) or not _in_range(item, p.low, p.high):
                raise bad("has an element that is not an integer in range")
            out.append(item)
        if not p.length[0] <= len(out) <= p.length[1]:
            raise bad("has the wrong length")
        return tuple(out)
    # int / float, possibly with special values
    if p.choices:
        ok, choice = _match_choice(value, tuple(c for c in p.choices if not isinstance(c, numbers.Number)))
        if ok:
            return choice
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise bad("has the wrong type")
    if isinstance(value, float) and not math.isfinite(value):
        raise bad("is not finite")
    if p.kind == "int":
        if p.fraction and isinstance(value, float) and 0.0 < value <= 1.0:
            return value
        if isinstance(value, float):
            if not value.is_integer():
                raise bad("is not an integer")
            value = int(value)
    else:
        if isinstance(value, int) and not p.int_ok:
            raise bad("is an integer (scikit-learn reads it as a count, not a fraction)")
        value = float(value)
    if not _in_range(value, p.low, p.high):
        raise bad("is out of range")
    return value


def _i(name, low, high, default, *, log=False, choices=(), search=True, slo=None, shi=None, when=(), fraction=False,
       unsearched=()):
    return Param(name, "int", low, high, log, tuple(choices), default, search, slo, shi, tuple(when), fraction=fraction,
                 unsearched=tuple(unsearched))

def _f(name, low, high, default, *, log=False, choices=(), search=True, slo=None, shi=None, when=(), int_ok=True):
    return Param(name, "float", low, high, log, tuple(choices), default, search, slo, shi, tuple(when), int_ok)

def _c(name, choices, default, *, search=True, when=(), unsearched=()):
    return Param(name, "categorical", choices=tuple(choices), default=default, search=search, condition=tuple(when),
                 unsearched=tuple(unsearched))

def _b(name, default, *, search=True, when=()):
    return Param(name, "bool", choices=(False, True), default=default, search=search, condition=tuple(when))

def _fixed_int(name, low, high, default, choices=()):
    return _i(name, low, high, default, choices=choices, search=False)

def _fixed_float(name, low, high, default, choices=()):
    return _f(name, low, high, default, choices=choices, search=False)

_SEED = _fixed_int("random_state", 0, 2**32 - 1, None, choices=(None,))

_NJOBS = _fixed_int("n_jobs", -1, 256, None, choices=(None,))

_VERBOSE = _fixed_int("verbose", 0, 1000, 0)

_VERBOSE_BOOL = _b("verbose", False, search=False)

_WARM = _b("warm_start", False, search=False)

_COPY_X = _b("copy_X", True, search=False)

_FIT_INTERCEPT = _b("fit_intercept", True, search=False)

_CW = _c("class_weight", (None, "balanced"), None)

_CW_FOREST = _c("class_weight", (None, "balanced", "balanced_subsample"), None)

def _liblinear_params(max_iter):
    """The solver settings LinearSVC, LinearSVR and LogisticRegression share."""
    return (
        _fixed_float("tol", 0.0, None, 0.0001),
        _FIT_INTERCEPT,
        _fixed_float("intercept_scaling", 0.0, None, 1.0),
        _fixed_int("max_iter", 1, 10**9, max_iter),
    )
