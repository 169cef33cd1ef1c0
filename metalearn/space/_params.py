"""Typed parameter records, and the small constructors the registry's table is written with.

One class per kind of parameter, each owning how a value is validated, described in an
error, sampled by Optuna and written as flat Optuna parameters (see
:mod:`metalearn.space.optuna` for the names):

- :class:`IntParam`, :class:`FloatParam`: a number in a valid range, a narrower search
  range, and special values (``max_depth=None``, ``gamma="scale"``);
- :class:`IntTupleParam`: a tuple of integers (``hidden_layer_sizes``);
- :class:`Choice` (and :class:`Flag`, its booleans): one of a list of values;
- :class:`Const`: a value that cannot change.

All are frozen dataclasses with keyword-only arguments. Errors name the algorithm, the
parameter, the value and what is allowed (scikit-learn's ``_param_validation`` style):

>>> IntParam(name="degree", low=0, high=100, default=3).validate(2.5, algorithm="SVC")
Traceback (most recent call last):
...
metalearn.exceptions.InvalidParamsError: SVC: parameter 'degree' = 2.5 is not an integer; use an integer in [0, 100]

The ``_i``/``_f``/``_c``/``_b`` constructors keep each line of the table readable; the
shared groups (seed, threads, class weights, liblinear's solver settings) are here once.
"""

from __future__ import annotations

import abc
import json
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping, Sequence

import numpy as np

from metalearn.exceptions import InvalidParamsError

KINDS = ("int", "float", "categorical", "bool", "const", "int_tuple")


class _Reject(Exception):
    """A value a parameter refuses; ``Param.validate`` turns it into an InvalidParamsError."""


@dataclass(frozen=True, kw_only=True)
class Param(abc.ABC):
    """One constructor parameter of an algorithm and its space (abstract).

    Parameters
    ----------
    name : str
        The scikit-learn keyword (``estimator__<name>`` for the base estimator of AdaBoost).
    default : object
        scikit-learn's default.
    search : bool
        Whether the search samples this parameter; otherwise it keeps its default unless a
        configuration (such as one from the knowledge base) sets it.
    condition : tuple of (str, tuple)
        The search samples this parameter only when every named parameter has one of the
        listed values (e.g. SVC ``degree`` only for ``kernel="poly"``).
    choices : tuple
        :class:`Choice`: the allowed values. Numbers: extra allowed non-numeric values,
        such as None or ``"sqrt"``.
    unsearched : tuple
        Choices (or special values) that are valid but the search never samples, because
        they cost minutes for nothing (gradient boosting's ``max_depth=None``).
    """

    kind: ClassVar[str]
    numeric: ClassVar[bool] = False

    name: str
    default: Any = None
    search: bool = True
    condition: tuple = ()
    choices: tuple = ()
    unsearched: tuple = ()

    @property
    def searched_choices(self) -> tuple:
        """The choices (or special values) the search samples: ``choices`` less ``unsearched``."""
        return tuple(c for c in self.choices if not any(_same_choice(c, u) for u in self.unsearched))

    def validate(self, value: Any, *, algorithm: str) -> Any:
        """The value with its declared type (JSON lists as tuples), or InvalidParamsError."""
        value = _plain(value)
        try:
            return self._check(value)
        except _Reject as reject:
            why, *shown = reject.args  # the value as converted so far, when it got that far
            raise InvalidParamsError(
                f"{algorithm}: parameter {self.name!r} = {_show(shown[0] if shown else value)} {why}; {self.describe()}"
            ) from None

    def allowed(self) -> str:
        """Same as :meth:`describe` (the older name)."""
        return self.describe()

    @abc.abstractmethod
    def _check(self, value: Any) -> Any:
        """Return the typed value or raise ``_Reject(why)``."""

    @abc.abstractmethod
    def describe(self) -> str:
        """The allowed values in words, as error messages end (``"use one of ..."``)."""

    @abc.abstractmethod
    def suggest(self, trial, key: str, given: Mapping[str, Any]) -> Any:
        """Ask an Optuna trial for a value; ``given`` holds the parameters of an enqueued trial."""

    @abc.abstractmethod
    def encode(self, key: str, value: Any) -> dict:
        """The flat Optuna parameters under which :meth:`suggest` returns ``value``."""


@dataclass(frozen=True, kw_only=True)
class _Number(Param):
    """A number in ``[low, high]`` (None: unbounded), sampled in ``[search_low, search_high]``.

    ``log`` samples on a log scale; ``choices`` adds special values (None, ``"sqrt"``).
    """

    numeric: ClassVar[bool] = True

    low: float | None = None
    high: float | None = None
    log: bool = False
    search_low: float | None = None
    search_high: float | None = None

    @property
    def bounds(self) -> tuple:
        """The sampled range (``search_low``/``search_high``, else ``low``/``high``)."""
        low = self.low if self.search_low is None else self.search_low
        high = self.high if self.search_high is None else self.search_high
        return low, high

    def _check(self, value: Any) -> Any:
        ok, choice = _match_choice(value, _non_numbers(self.choices))
        if ok:
            return choice
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise _Reject("has the wrong type")
        if isinstance(value, float) and not math.isfinite(value):
            raise _Reject("is not finite")
        value = self._convert(value)
        if not _in_range(value, self.low, self.high):
            raise _Reject("is out of range", value)
        return value

    @abc.abstractmethod
    def _convert(self, value: numbers.Real) -> numbers.Real:
        """The number in this parameter's type (or ``_Reject``)."""

    def _range_text(self, what: str) -> str:
        text = f"use {what} in [{_show(self.low)}, {_show(self.high)}]"
        if self.choices:
            text += " or one of " + ", ".join(_show(c) for c in self.choices)
        return text

    @abc.abstractmethod
    def _ask(self, trial, key: str, low, high, log: bool):
        """``trial.suggest_int`` or ``suggest_float``."""

    def suggest(self, trial, key: str, given: Mapping[str, Any]) -> Any:
        if f"{key}__fixed" in given:
            return _ask_choice(trial, f"{key}__fixed", _non_numbers(self.choices))
        if not self.search:
            return self._ask(trial, key, given[key], given[key], False) if key in given else self.default
        specials = _non_numbers(self.searched_choices)
        if specials:
            picked = _ask_choice(trial, f"{key}__type", specials + (self.kind,))
            if not (isinstance(picked, str) and picked == self.kind):
                return picked
        low, high = self.bounds
        return self._ask(trial, key, low, high, self.log)

    def encode(self, key: str, value: Any) -> dict:
        if not _is_number(value):
            specials = _non_numbers(self.searched_choices)
            if self.search and any(_same_choice(value, s) for s in specials):
                return {f"{key}__type": value}
            return {f"{key}__fixed": _encode_value(value, _non_numbers(self.choices))}
        out = {f"{key}__type": self.kind} if self.search and _non_numbers(self.searched_choices) else {}
        out[key] = value
        return out


@dataclass(frozen=True, kw_only=True)
class IntParam(_Number):
    """An integer parameter.

    ``fraction``: a float in (0, 1] is also valid, as a fraction of the rows (scikit-learn's
    ``min_samples_split`` / ``min_samples_leaf``); the search samples integers only.
    """

    kind: ClassVar[str] = "int"

    fraction: bool = False

    def _check(self, value: Any) -> Any:
        if self.fraction and isinstance(value, float) and 0.0 < value <= 1.0:
            return value  # a fraction of the rows
        return super()._check(value)

    def _convert(self, value):
        if isinstance(value, float):
            if not value.is_integer():
                raise _Reject("is not an integer")
            value = int(value)
        return value

    def describe(self) -> str:
        text = self._range_text("an integer")
        if self.fraction:
            base, _, rest = text.partition(" or one of ")
            text = base + " or a float fraction in (0, 1]" + (" or one of " + rest if rest else "")
        return text

    def _ask(self, trial, key, low, high, log):
        if log and low <= 0:
            low = 1
        return int(trial.suggest_int(key, int(low), int(high), log=log))

    def suggest(self, trial, key: str, given: Mapping[str, Any]) -> Any:
        if f"{key}__fraction" in given:
            fraction = given[f"{key}__fraction"]
            return float(trial.suggest_float(f"{key}__fraction", fraction, fraction))
        return super().suggest(trial, key, given)

    def encode(self, key: str, value: Any) -> dict:
        if isinstance(value, float):  # a fraction of the rows
            return {f"{key}__fraction": value}
        return super().encode(key, value)


@dataclass(frozen=True, kw_only=True)
class FloatParam(_Number):
    """A float parameter. ``int_ok=False`` refuses integers where scikit-learn reads an int
    differently from a float (``max_features=1`` is one feature, ``1.0`` all of them)."""

    kind: ClassVar[str] = "float"

    int_ok: bool = True

    def _convert(self, value):
        if isinstance(value, int) and not self.int_ok:
            raise _Reject("is an integer (scikit-learn reads it as a count, not a fraction)")
        return float(value)

    def describe(self) -> str:
        return self._range_text("a float")

    def _ask(self, trial, key, low, high, log):
        if log and low <= 0:
            low = 1e-12
        return float(trial.suggest_float(key, float(low), float(high), log=log))


@dataclass(frozen=True, kw_only=True)
class IntTupleParam(Param):
    """A tuple of integers in ``[low, high]`` such as ``hidden_layer_sizes``: ``length`` elements
    are valid, the search samples ``search_length`` of them, each in the search range."""

    kind: ClassVar[str] = "int_tuple"

    low: int = 1
    high: int | None = None
    log: bool = False
    search_low: int | None = None
    search_high: int | None = None
    length: tuple = (1, 1)
    search_length: tuple | None = None

    def _check(self, value: Any) -> Any:
        items = (value,) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(items, tuple):
            raise _Reject("has the wrong type")
        out = []
        for item in items:
            if isinstance(item, float) and item.is_integer():
                item = int(item)
            if isinstance(item, bool) or not isinstance(item, int) or not _in_range(item, self.low, self.high):
                raise _Reject("has an element that is not an integer in range")
            out.append(item)
        if not self.length[0] <= len(out) <= self.length[1]:
            raise _Reject("has the wrong length")
        return tuple(out)

    def describe(self) -> str:
        return (
            f"use a list of {self.length[0]} to {self.length[1]} integers in "
            f"[{_show(self.low)}, {_show(self.high)}]"
        )

    def suggest(self, trial, key: str, given: Mapping[str, Any]) -> Any:
        if not self.search and f"{key}__layers" not in given:
            return self.default
        lengths = self.search_length or self.length
        layers = trial.suggest_int(f"{key}__layers", lengths[0], lengths[1])
        low = self.low if self.search_low is None else self.search_low
        high = self.high if self.search_high is None else self.search_high
        return tuple(int(trial.suggest_int(f"{key}__{i + 1}", low, high, log=self.log)) for i in range(layers))

    def encode(self, key: str, value: Any) -> dict:
        return {f"{key}__layers": len(value), **{f"{key}__{i + 1}": width for i, width in enumerate(value)}}


@dataclass(frozen=True, kw_only=True)
class Choice(Param):
    """One of ``choices`` (strings, None, bools, numbers, matched by type: ``1`` is not ``True``)."""

    kind: ClassVar[str] = "categorical"

    def _check(self, value: Any) -> Any:
        ok, choice = _match_choice(value, self.choices)
        if ok:
            return choice
        raise _Reject("is not allowed")

    def describe(self) -> str:
        return "use one of " + ", ".join(_show(c) for c in self.choices)

    def suggest(self, trial, key: str, given: Mapping[str, Any]) -> Any:
        if f"{key}__fixed" in given:
            return _ask_choice(trial, f"{key}__fixed", self.choices)
        if self.search:
            return _ask_choice(trial, key, self.searched_choices, like=self.choices)
        return _ask_choice(trial, key, self.choices) if key in given else self.default

    def encode(self, key: str, value: Any) -> dict:
        if self.search and not any(_same_choice(value, c) for c in self.searched_choices):
            return {f"{key}__fixed": _encode_value(value, self.choices)}
        return {key: _encode_value(value, self.choices)}


@dataclass(frozen=True, kw_only=True)
class Flag(Choice):
    """True or False."""

    kind: ClassVar[str] = "bool"

    choices: tuple = (False, True)

    def _check(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        raise _Reject("is not a boolean")

    def describe(self) -> str:
        return "use true or false"


@dataclass(frozen=True, kw_only=True)
class Const(Param):
    """A value that cannot change (only ``default`` is valid; the search never asks it)."""

    kind: ClassVar[str] = "const"

    def _check(self, value: Any) -> Any:
        if _same_choice(value, self.default):
            return self.default
        raise _Reject("is not allowed")

    def describe(self) -> str:
        return f"use {_show(self.default)}"

    def suggest(self, trial, key: str, given: Mapping[str, Any]) -> Any:
        return self.default

    def encode(self, key: str, value: Any) -> dict:
        return {}


#: The one package the registry's estimators come from: a dotted name outside it is never imported.
ESTIMATOR_PACKAGE = "sklearn"


def resolve_estimator(dotted: str) -> type:
    """The class a registry spec declares by dotted name (imports its scikit-learn module).

    Only names under :data:`ESTIMATOR_PACKAGE` resolve; callers pass the names the registry's
    own table declares (:attr:`AlgorithmSpec.estimator`), never a name read from a knowledge base.

    >>> resolve_estimator("sklearn.naive_bayes.GaussianNB").__name__
    'GaussianNB'
    >>> resolve_estimator("os.system")
    Traceback (most recent call last):
    ...
    metalearn.exceptions.InvalidParamsError: estimator 'os.system' is not a scikit-learn class name; the registry declares only sklearn.* classes
    """
    module, _, attr = str(dotted).rpartition(".")
    if not module or (module != ESTIMATOR_PACKAGE and not module.startswith(ESTIMATOR_PACKAGE + ".")):
        raise InvalidParamsError(
            f"estimator {dotted!r} is not a scikit-learn class name; the registry declares only {ESTIMATOR_PACKAGE}.* classes"
        )
    import importlib

    found = getattr(importlib.import_module(module), attr, None)
    if not isinstance(found, type):
        raise InvalidParamsError(f"estimator {dotted!r}: module {module} has no class {attr!r}")
    return found


@dataclass(frozen=True)
class AlgorithmSpec:
    """An algorithm of the registry: its class, parameters and preprocessing.

    The estimator is declared by dotted name and imported only when one is built
    (:meth:`make_estimator`, :func:`metalearn.space.make_pipeline`): reading the registry,
    validating and canonicalizing configurations do not import scikit-learn.

    Parameters
    ----------
    name : str
        The scikit-learn class name (the registry key).
    task : {"classification", "regression"}
    estimator : str
        Dotted name of the scikit-learn class (``"sklearn.svm.SVC"``). For
        ``PassiveAggressiveClassifier``, which scikit-learn 1.8 deprecated and 1.10 removes, it
        is ``SGDClassifier``: the equivalent the deprecation names (see :func:`make_pipeline`).
    params : tuple of Param
        In the order the search samples them (a parameter's condition names earlier ones).
    preprocessing : {"scale", "tree", "native", "nonneg"}
    base_estimator : str or None
        Dotted name of the class of the ``estimator`` built when ``estimator__*`` parameters are given.
    build : callable or None
        ``build(estimator_class, **kwargs) -> estimator`` where the registry's parameters must
        be translated for the installed scikit-learn (LogisticRegression's ``penalty`` and
        PassiveAggressiveClassifier, deprecated in 1.8; regression trees' ``"friedman_mse"``
        and gradient boosting's ``criterion``, deprecated in 1.9); None builds
        ``estimator_class(**kwargs)``.

    >>> spec = AlgorithmSpec("GaussianNB", "classification", "sklearn.naive_bayes.GaussianNB", (), "scale")
    >>> spec.make_estimator(var_smoothing=1e-8).var_smoothing
    1e-08
    """

    name: str
    task: str
    estimator: str
    params: tuple
    preprocessing: str
    base_estimator: str | None = None
    build: Callable[..., Any] | None = None

    @property
    def estimator_class(self) -> type:
        """The scikit-learn class of :attr:`estimator` (imported on first use)."""
        return resolve_estimator(self.estimator)

    @property
    def base_estimator_class(self) -> type | None:
        """The class of :attr:`base_estimator`, or None."""
        return None if self.base_estimator is None else resolve_estimator(self.base_estimator)

    def make_estimator(self, **kwargs) -> Any:
        """The (unfitted) estimator of these constructor arguments, translated by :attr:`build`."""
        estimator_class = self.estimator_class
        return self.build(estimator_class, **kwargs) if self.build is not None else estimator_class(**kwargs)

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


# --------------------------------------------------------------------------
# Values: display, comparison, Optuna encoding
# --------------------------------------------------------------------------
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



def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _non_numbers(choices: Sequence) -> tuple:
    return tuple(c for c in choices if not _is_number(c))


def _encode_value(value: Any, choices: Sequence) -> Any:
    """Optuna choices are None, bool, int, float or str: a tuple, or a value of a parameter whose
    choices mix bools and numbers (``True`` and ``1`` would collide), is written as JSON."""
    mixed = any(isinstance(c, bool) for c in choices) and any(_is_number(c) for c in choices)
    if isinstance(value, tuple) or mixed:
        return json.dumps(list(value) if isinstance(value, tuple) else value)
    return value


def _ask_choice(trial, key: str, choices: Sequence, *, like: Sequence | None = None) -> Any:
    """``trial.suggest_categorical`` over ``choices`` (encoded as ``like``'s values are), decoded."""
    like = choices if like is None else like
    encoded = [_encode_value(c, like) for c in choices]
    picked = trial.suggest_categorical(key, encoded)
    for choice, code in zip(choices, encoded):
        if _same_choice(picked, code):
            return choice
    raise InvalidParamsError(f"Optuna value {picked!r} of {key!r} is not one of {list(choices)!r}")


# --------------------------------------------------------------------------
# The table's constructors and shared parameter groups
# --------------------------------------------------------------------------
def _i(name, low, high, default, *, log=False, choices=(), search=True, slo=None, shi=None, when=(), fraction=False,
       unsearched=()):
    return IntParam(name=name, low=low, high=high, log=log, choices=tuple(choices), default=default, search=search,
                    search_low=slo, search_high=shi, condition=tuple(when), fraction=fraction,
                    unsearched=tuple(unsearched))


def _f(name, low, high, default, *, log=False, choices=(), search=True, slo=None, shi=None, when=(), int_ok=True):
    return FloatParam(name=name, low=low, high=high, log=log, choices=tuple(choices), default=default, search=search,
                      search_low=slo, search_high=shi, condition=tuple(when), int_ok=int_ok)


def _c(name, choices, default, *, search=True, when=(), unsearched=()):
    return Choice(name=name, choices=tuple(choices), default=default, search=search, condition=tuple(when),
                  unsearched=tuple(unsearched))


def _b(name, default, *, search=True, when=()):
    return Flag(name=name, default=default, search=search, condition=tuple(when))

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
