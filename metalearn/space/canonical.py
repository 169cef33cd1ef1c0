"""One configuration per estimator: the canonical form of ``(algorithm, params)``.

Sources write the same estimator in different ways: OBOE gives a sparse
``{"criterion": "gini", "min_samples_split": 2}``, a search writes every sampled
parameter out, an OpenML flow lists every constructor argument with its noise
(``n_jobs``, ``verbose``). :func:`canonical_config` maps all of them to one form, so
that equal estimators are one row of the knowledge base's ``configurations``:

1. Every parameter is validated and typed by the registry (``1`` and ``1.0`` for a float
   parameter are both ``1.0``; ``2.0`` for an int parameter is ``2``; lists for tuples).
2. A parameter outside the registry's space is accepted only at the installed
   scikit-learn's default for that class, and then dropped.
3. Parameters that are not part of a configuration's identity are dropped:
   :data:`NOT_IDENTITY` (the seed, threads, logging, ``warm_start``, copies and caches:
   they change how or where a model is fitted, not which model). A run's seed is a
   property of the run (``make_pipeline(..., random_state=...)``), not of the configuration.
4. Parameters that cannot matter are dropped: those of an inactive branch (the
   registry's search conditions, such as ``gamma`` of a linear SVC, and
   :data:`IRRELEVANT_WHEN`, such as ``momentum`` unless MLP's solver is ``"sgd"``).
5. Spellings scikit-learn documents as equal become one: regression trees'
   ``"friedman_mse"`` is ``"squared_error"``, gradient boosting's ``criterion`` has no
   effect, ``max_features`` ``None`` and ``1.0`` both mean every feature, and
   LogisticRegression's ``penalty`` becomes the ``l1_ratio`` it means.
6. Floats are rounded to :data:`SIGNIFICANT_DIGITS` significant digits.
7. What is left at the registry's default is dropped: the canonical form lists exactly
   the parameters that differ from the defaults (``{}`` is the default configuration).

The result holds JSON values (lists, None), so ``canonical_json`` of it is the
configuration's stored text. Results are cached by ``(algorithm, canonical_json(params))``.

>>> canonical_config("ExtraTreesClassifier", {"criterion": "gini", "min_samples_split": 2})
('ExtraTreesClassifier', {})
>>> canonical_config("SVC", {"C": 10, "kernel": "linear", "gamma": 0.1, "random_state": 3})
('SVC', {'C': 10.0, 'kernel': 'linear'})
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Mapping

from metalearn._canonical import canonical_json
from metalearn.exceptions import InvalidParamsError
from metalearn.space import get_algorithm, validate_params

__all__ = ["canonical_config", "NOT_IDENTITY", "IRRELEVANT_WHEN", "SIGNIFICANT_DIGITS"]

#: Floats are rounded to this many significant digits (``0.1 + 0.2`` is ``0.3``).
SIGNIFICANT_DIGITS = 12

#: Constructor arguments that are never part of a configuration's identity.
NOT_IDENTITY = frozenset(
    {"random_state", "n_jobs", "verbose", "warm_start", "copy_X", "copy_X_train", "cache_size"}
)

_MLP = ("MLPClassifier", "MLPRegressor")
_SGD = ("SGDClassifier", "SGDRegressor")
_FORESTS = ("RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor")
_HGB = ("HistGradientBoostingClassifier", "HistGradientBoostingRegressor")
_GB = ("GradientBoostingClassifier", "GradientBoostingRegressor")

#: ``algorithms -> ((parameter, other parameter, values of the other that make it irrelevant), ...)``,
#: beyond the registry's own search conditions; read in order (a later rule sees earlier resets).
IRRELEVANT_WHEN: Mapping[tuple, tuple] = MappingProxyType(
    {
        _MLP: (
            ("momentum", "solver", ("adam", "lbfgs")),
            ("nesterovs_momentum", "solver", ("adam", "lbfgs")),
            ("learning_rate", "solver", ("adam", "lbfgs")),
            ("power_t", "solver", ("adam", "lbfgs")),
            ("beta_1", "solver", ("sgd", "lbfgs")),
            ("beta_2", "solver", ("sgd", "lbfgs")),
            ("epsilon", "solver", ("sgd", "lbfgs")),
            ("max_fun", "solver", ("sgd", "adam")),
            ("batch_size", "solver", ("lbfgs",)),
            ("shuffle", "solver", ("lbfgs",)),
            ("early_stopping", "solver", ("lbfgs",)),
            ("n_iter_no_change", "solver", ("lbfgs",)),
            ("validation_fraction", "early_stopping", (False,)),
        ),
        _SGD: (
            ("eta0", "learning_rate", ("optimal",)),
            ("validation_fraction", "early_stopping", (False,)),
        ),
        ("PassiveAggressiveClassifier", "Perceptron"): (
            ("validation_fraction", "early_stopping", (False,)),
        ),
        _FORESTS: (
            ("max_samples", "bootstrap", (False,)),
            ("oob_score", "bootstrap", (False,)),
        ),
        _HGB: (
            ("n_iter_no_change", "early_stopping", (False,)),
            ("validation_fraction", "early_stopping", (False,)),
            ("tol", "early_stopping", (False,)),
            ("scoring", "early_stopping", (False,)),
        ),
        _GB: (
            ("validation_fraction", "n_iter_no_change", (None,)),
        ),
        ("KNeighborsClassifier", "KNeighborsRegressor"): (
            ("p", "metric", ("euclidean", "manhattan", "chebyshev", "cosine")),
        ),
    }
)
_RULES = MappingProxyType({name: rules for names, rules in IRRELEVANT_WHEN.items() for name in names})
_FRIEDMAN = frozenset({"DecisionTreeRegressor", "RandomForestRegressor", "ExtraTreesRegressor"})


def _same(a: Any, b: Any) -> bool:
    """Equal as parameter values: None only equals None, a bool only a bool."""
    if a is None or b is None:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def _round(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value) and value != 0.0:
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    if isinstance(value, tuple):
        return [_round(v) for v in value]
    return value


def _sklearn_defaults(spec) -> dict:
    return _class_defaults(spec.estimator_class)


@lru_cache(maxsize=None)
def _class_defaults(estimator_class: type) -> dict:
    return estimator_class().get_params(deep=False)


def _outside_space(algorithm: str, spec, params: Mapping[str, Any]) -> dict:
    """The parameters the registry knows; others must be at scikit-learn's default."""
    known = set(spec.param_names)
    kept = {}
    sklearn_defaults = None
    for key, value in params.items():
        if key in known:
            kept[key] = value
            continue
        if sklearn_defaults is None:
            sklearn_defaults = _sklearn_defaults(spec)
        if key in NOT_IDENTITY and key in sklearn_defaults:
            continue
        if key in sklearn_defaults and _same(value, sklearn_defaults[key]):
            continue
        if key in sklearn_defaults:
            raise InvalidParamsError(
                f"{algorithm}: parameter {key!r} = {value!r} is outside metalearn's space; "
                f"use its scikit-learn default {sklearn_defaults[key]!r} or leave it out"
            )
        spec.param(key)  # raises: unknown parameter, naming the allowed ones
    return kept


def _logistic_penalty(values: dict) -> None:
    """LogisticRegression's ``penalty`` as the ``l1_ratio`` it means (scikit-learn 1.8's spelling)."""
    penalty = values.get("penalty", "deprecated")
    if penalty == "l2":
        values["l1_ratio"] = 0.0
    elif penalty == "l1":
        values["l1_ratio"] = 1.0
    elif penalty == "elasticnet" and values.get("l1_ratio") is None:
        return  # invalid: make_pipeline says so; keep it as given
    if penalty in ("l2", "l1", "elasticnet"):
        values["penalty"] = "deprecated"
    elif penalty is None:
        values["l1_ratio"] = 0.0  # no penalty: its mix cannot matter


def _equal_spellings(algorithm: str, spec, values: dict) -> None:
    if algorithm == "LogisticRegression":
        _logistic_penalty(values)
    if algorithm in _FRIEDMAN and values.get("criterion") == "friedman_mse":
        values["criterion"] = "squared_error"
    if algorithm in _GB:
        values["criterion"] = spec.param("criterion").default
    if "max_features" in values:
        default = spec.param("max_features").default
        if any(_same(values["max_features"], v) for v in (None, 1.0)):
            values["max_features"] = default if any(_same(default, v) for v in (None, 1.0)) else 1.0


def _drop_irrelevant(algorithm: str, spec, values: dict) -> None:
    for p in spec.params:
        if any(not any(_same(values.get(other), v) for v in allowed) for other, allowed in p.condition):
            values[p.name] = p.default
    for name, other, when in _RULES.get(algorithm, ()):
        if any(_same(values.get(other), v) for v in when):
            values[name] = spec.param(name).default


@lru_cache(maxsize=65536)
def _canonical_text(algorithm: str, text: str) -> str:
    spec = get_algorithm(algorithm)
    given = validate_params(algorithm, _outside_space(algorithm, spec, json.loads(text)))
    defaults = {p.name: p.default for p in spec.params}
    values = {**defaults, **given}
    _equal_spellings(algorithm, spec, values)
    _drop_irrelevant(algorithm, spec, values)
    out = {}
    for p in spec.params:
        if p.name in NOT_IDENTITY:
            continue
        value, default = _round(values[p.name]), _round(p.default)
        if not _same_json(value, default):
            out[p.name] = value
    return canonical_json(out)


def _same_json(a: Any, b: Any) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    return _same(a, b)


def canonical_config(algorithm: str, params: Mapping[str, Any] | None) -> tuple[str, dict]:
    """Return the canonical ``(algorithm, params)`` of a configuration.

    Parameters
    ----------
    algorithm : str
        Registry name (scikit-learn class name). A dotted path such as
        ``"sklearn.ensemble.ExtraTreesClassifier"`` (an OpenML flow's class) is read as its
        last component.
    params : mapping or None
        Constructor keyword arguments, as Python or JSON values.

    Returns
    -------
    (str, dict)
        The registry name and the parameters that differ from the registry's defaults
        once resolved (see the module docstring), as JSON values in registry order.

    Raises
    ------
    UnknownAlgorithmError, InvalidParamsError
        As :func:`metalearn.space.validate_params`; also a parameter outside the space set
        to something other than scikit-learn's default.

    Examples
    --------
    >>> canonical_config("sklearn.ensemble.RandomForestClassifier", {"n_estimators": 100.0, "n_jobs": -1})
    ('RandomForestClassifier', {})
    >>> canonical_config("MLPClassifier", {"hidden_layer_sizes": (64,), "solver": "adam", "momentum": 0.5})
    ('MLPClassifier', {'hidden_layer_sizes': [64]})
    >>> canonical_config("LogisticRegression", {"penalty": "l1", "C": 0.1, "solver": "liblinear"})
    ('LogisticRegression', {'C': 0.1, 'l1_ratio': 1.0, 'solver': 'liblinear'})
    """
    if isinstance(algorithm, str) and "." in algorithm:
        algorithm = algorithm.rsplit(".", 1)[1]
    get_algorithm(algorithm)
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise InvalidParamsError(
            f"{algorithm}: parameters must be a mapping of name to value, got {type(params).__name__}"
        )
    try:
        text = canonical_json(params)
    except (TypeError, ValueError) as error:
        raise InvalidParamsError(f"{algorithm}: parameters cannot be written as JSON ({error}); use JSON values") from None
    return algorithm, json.loads(_canonical_text(algorithm, text))
