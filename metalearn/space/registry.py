"""The registry: every algorithm's spec, looked up, listed, validated and defaulted.

The table is written by family (``trees``, ``linear``, ``svm``, ``neighbors``, ``bayes``,
``mlp``, ``discriminant``); :data:`ALGORITHMS` joins them, classification first, each task's
names in case-insensitive alphabetical order.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

from metalearn.exceptions import InvalidParamsError, UnknownAlgorithmError
from metalearn.space import bayes, discriminant, linear, mlp, neighbors, svm, trees
from metalearn.space._params import AlgorithmSpec, Param, _match_choice
from metalearn.tasks import task_family

#: The registry: scikit-learn class name -> :class:`AlgorithmSpec` (read-only).
ALGORITHMS: Mapping[str, AlgorithmSpec] = MappingProxyType({
    spec.name: spec
    for spec in sorted(
        trees.SPECS + linear.SPECS + svm.SPECS + neighbors.SPECS + bayes.SPECS + mlp.SPECS + discriminant.SPECS,
        key=lambda spec: (spec.task != "classification", spec.name.lower()),
    )
})

_PORTFOLIO = MappingProxyType(
    {
        "classification": (
            ("HistGradientBoostingClassifier", {}),
            ("RandomForestClassifier", {}),
            ("LogisticRegression", {"C": 1.0}),
            ("SVC", {"C": 1.0, "kernel": "rbf", "gamma": "scale"}),
            ("ExtraTreesClassifier", {}),
            ("KNeighborsClassifier", {"n_neighbors": 10, "weights": "distance"}),
            ("MLPClassifier", {"hidden_layer_sizes": (100,), "early_stopping": True}),
            ("HistGradientBoostingClassifier", {"learning_rate": 0.05, "max_leaf_nodes": 15, "max_iter": 300}),
            ("RandomForestClassifier", {"max_features": 0.5, "min_samples_leaf": 2}),
            ("GaussianNB", {}),
            ("SVC", {"C": 10.0, "kernel": "rbf", "gamma": "scale"}),
            ("DecisionTreeClassifier", {"max_depth": 8, "min_samples_leaf": 5}),
        ),
        "regression": (
            ("HistGradientBoostingRegressor", {}),
            ("RandomForestRegressor", {"max_features": 0.5}),
            ("Ridge", {"alpha": 1.0}),
            ("ExtraTreesRegressor", {}),
            ("SVR", {"C": 1.0, "kernel": "rbf", "gamma": "scale"}),
            ("KNeighborsRegressor", {"n_neighbors": 10, "weights": "distance"}),
            ("GradientBoostingRegressor", {}),
            ("HistGradientBoostingRegressor", {"learning_rate": 0.05, "max_leaf_nodes": 15, "max_iter": 300}),
            ("ElasticNet", {"alpha": 0.01, "l1_ratio": 0.5}),
            ("MLPRegressor", {"hidden_layer_sizes": (100,), "early_stopping": True}),
            ("SVR", {"C": 10.0, "kernel": "rbf", "gamma": "scale"}),
            ("DecisionTreeRegressor", {"max_depth": 8, "min_samples_leaf": 5}),
        ),
    }
)

def _family(task: str) -> str:
    return task_family(task, error=InvalidParamsError)

def get_algorithm(name: str) -> AlgorithmSpec:
    """Return the :class:`AlgorithmSpec` registered as ``name``.

    >>> get_algorithm("RandomForestClassifier").preprocessing
    'tree'
    >>> get_algorithm("XGBoost")
    Traceback (most recent call last):
    ...
    metalearn.exceptions.UnknownAlgorithmError: unknown algorithm 'XGBoost'; use a scikit-learn class name from metalearn.space.ALGORITHMS (e.g. 'AdaBoostClassifier', 'AdaBoostRegressor', ...)
    """
    try:
        return ALGORITHMS[name]
    except (KeyError, TypeError):
        examples = ", ".join(repr(n) for n in sorted(ALGORITHMS, key=str.lower)[:2])
        raise UnknownAlgorithmError(
            f"unknown algorithm {name!r}; use a scikit-learn class name from metalearn.space.ALGORITHMS "
            f"(e.g. {examples}, ...)"
        ) from None

def algorithms_for(task: str) -> tuple:
    """Names of the algorithms for a task (``binary``, ``multiclass``, ``classification``, ``regression``).

    >>> "SVR" in algorithms_for("regression"), "SVR" in algorithms_for("binary")
    (True, False)
    """
    family = _family(task)
    return tuple(name for name, spec in ALGORITHMS.items() if spec.task == family)

def validate_params(name: str, params: Mapping[str, Any] | None) -> dict:
    """Check a configuration against the algorithm's declared space.

    Parameters
    ----------
    name : str
        Registry name (scikit-learn class name).
    params : mapping
        Constructor keyword arguments, as Python or JSON values (lists for tuples).

    Returns
    -------
    dict
        The parameters with normalized types (int/float as declared, tuples, None), in
        the given order.

    Raises
    ------
    UnknownAlgorithmError
        ``name`` is not registered.
    InvalidParamsError
        An unknown parameter, a value of the wrong type, out of range or not among the
        choices; the message names the algorithm, parameter, value and what is allowed.

    Examples
    --------
    >>> validate_params("MLPClassifier", {"hidden_layer_sizes": [64, 32]})
    {'hidden_layer_sizes': (64, 32)}
    >>> validate_params("RandomForestClassifier", {"max_features": "sqrt", "max_depth": None})
    {'max_features': 'sqrt', 'max_depth': None}
    >>> validate_params("SVC", {"kernal": "rbf"})
    Traceback (most recent call last):
    ...
    metalearn.exceptions.InvalidParamsError: SVC: unknown parameter 'kernal'; use one of C, kernel, degree, gamma, coef0, shrinking, tol, cache_size, max_iter, verbose, class_weight, decision_function_shape, break_ties, random_state
    """
    spec = get_algorithm(name)
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise InvalidParamsError(
            f"{name}: parameters must be a mapping of name to value, got {type(params).__name__}"
        )
    out = {}
    for key, value in params.items():
        out[key] = spec.param(key).validate(value, algorithm=name)
    return out

def _active(p: Param, values: Mapping[str, Any]) -> bool:
    for other, allowed in p.condition:
        if not _match_choice(values.get(other), allowed)[0]:
            return False
    return True

def default_params(name: str) -> dict:
    """The default configuration: scikit-learn's defaults of the searched, active parameters.

    >>> default_params("KNeighborsClassifier")
    {'n_neighbors': 5, 'weights': 'uniform', 'metric': 'minkowski'}
    """
    spec = get_algorithm(name)
    values: dict = {}
    for p in spec.params:
        if p.search and _active(p, values):
            values[p.name] = p.default
    return values

#: The strong families a search tries by default (see :func:`default_search_algorithms`).
_SEARCH_DEFAULTS = MappingProxyType(
    {
        "classification": (
            "HistGradientBoostingClassifier", "RandomForestClassifier", "ExtraTreesClassifier",
            "LogisticRegression", "SVC", "KNeighborsClassifier", "MLPClassifier",
        ),
        "regression": (
            "HistGradientBoostingRegressor", "RandomForestRegressor", "ExtraTreesRegressor",
            "Ridge", "SVR", "KNeighborsRegressor", "MLPRegressor",
        ),
    }
)

def default_search_algorithms(task: str) -> tuple:
    """A small set of strong, diverse algorithms for a search to sample from.

    Seven families (histogram gradient boosting, random forest, extra trees, a regularised
    linear model, a kernel SVM, nearest neighbours, a neural network), so a search of 50
    trials is not spread over 22 families; :func:`algorithms_for` lists them all.

    >>> default_search_algorithms("binary")[:3]
    ('HistGradientBoostingClassifier', 'RandomForestClassifier', 'ExtraTreesClassifier')
    >>> len(default_search_algorithms("regression"))
    7
    """
    return _SEARCH_DEFAULTS[_family(task)]

def default_portfolio(task: str, n: int = 8) -> list:
    """A small curated list of ``(name, params)`` to try first when nothing is known.

    Diverse, robust configurations in order of how often they are good on tabular
    benchmarks; used for cold starts (an empty knowledge base or no neighbours).

    >>> [name for name, _ in default_portfolio("regression", 3)]
    ['HistGradientBoostingRegressor', 'RandomForestRegressor', 'Ridge']
    """
    family = _family(task)
    if not isinstance(n, int) or n < 0:
        raise InvalidParamsError(f"default_portfolio: n = {n!r}; use a non-negative integer")
    return [(name, dict(params)) for name, params in _PORTFOLIO[family][:n]]
