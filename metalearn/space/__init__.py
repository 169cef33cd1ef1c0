"""The algorithm registry and search space: one declarative table.

Every algorithm metalearn can recommend, search or build is one
:class:`AlgorithmSpec` in :data:`ALGORITHMS`, keyed by its scikit-learn class
name. A spec lists its constructor parameters as :class:`Param` records
(kind, range, choices, default, whether the search samples it, and when it
is active) and names the preprocessing the algorithm needs. Everything else
in this module reads that table: validation, default configurations, the
Optuna search space, and the preprocessing + estimator pipeline.

Parameters are JSON-able scikit-learn constructor keyword arguments, as
stored in the knowledge base. Validation takes JSON types (lists, null) and
returns Python values (tuples, None).

>>> from metalearn import space
>>> space.get_algorithm("SVC").task
'classification'
>>> space.validate_params("SVC", {"C": 2, "kernel": "poly", "degree": 3})
{'C': 2.0, 'kernel': 'poly', 'degree': 3}
>>> space.validate_params("SVC", {"C": -1.0})
Traceback (most recent call last):
...
metalearn.exceptions.InvalidParamsError: SVC: parameter 'C' = -1.0 is out of range; use a float in [1e-06, 1000000.0]
>>> sorted(space.default_params("SVC"))
['C', 'class_weight', 'gamma', 'kernel']
"""

from __future__ import annotations

import json
import math
import numbers
import re
import warnings
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
from sklearn.ensemble import (
    AdaBoostClassifier,
    AdaBoostRegressor,
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import (
    ARDRegression,
    ElasticNet,
    Lasso,
    LogisticRegression,
    Perceptron,
    Ridge,
    RidgeClassifier,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.naive_bayes import BernoulliNB, ComplementNB, GaussianNB, MultinomialNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.svm import SVC, SVR, LinearSVC, LinearSVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor, ExtraTreeClassifier
from sklearn.utils import check_array

from metalearn.exceptions import InvalidParamsError, UnknownAlgorithmError
from metalearn.tasks import task_family

__all__ = [
    "Param",
    "AlgorithmSpec",
    "ALGORITHMS",
    "PREPROCESSING",
    "get_algorithm",
    "algorithms_for",
    "validate_params",
    "default_params",
    "default_portfolio",
    "default_search_algorithms",
    "make_pipeline",
    "make_preprocessor",
    "suggest",
    "to_trial_params",
    "from_trial_params",
    "canonical_config",
]

KINDS = ("int", "float", "categorical", "bool", "const", "int_tuple")
#: Preprocessing recipes: "scale" (impute, standardize, one-hot), "tree" (impute, ordinal codes),
#: "native" (NaN kept, ordinal codes marked categorical for HistGradientBoosting),
#: "nonneg" (impute, min-max scale to [0, 1], one-hot; for multinomial/complement naive Bayes).
PREPROCESSING = ("scale", "tree", "native", "nonneg")
MISSING = "__missing__"  # category given to missing values of categorical columns
ONE_HOT_MIN_FREQUENCY = 5  # levels seen fewer times are grouped as "infrequent"
ONE_HOT_MAX_CATEGORIES = 32  # at most this many one-hot columns per categorical column


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


# --------------------------------------------------------------------------
# The table. Small constructors keep each line readable.
# --------------------------------------------------------------------------
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
_MAX_FEATURES_SPECIALS = ("sqrt", "log2", None)
_CLF_CRITERIA = ("gini", "entropy", "log_loss")
_REG_CRITERIA = ("squared_error", "friedman_mse", "absolute_error", "poisson")


def _tree_params(criteria, max_features_default, classification):
    return (
        _c("criterion", criteria, criteria[0]),
        _i("max_depth", 1, 1000, None, log=True, choices=(None,), shi=64),
        _i("min_samples_split", 2, 10000, 2, log=True, shi=64, fraction=True),
        _i("min_samples_leaf", 1, 10000, 1, log=True, shi=64, fraction=True),
        _f("max_features", 0.0001, 1.0, max_features_default, choices=_MAX_FEATURES_SPECIALS, slo=0.05, int_ok=False),
        _fixed_float("min_weight_fraction_leaf", 0.0, 0.5, 0.0),
        _fixed_int("max_leaf_nodes", 2, 10**9, None, choices=(None,)),
        _fixed_float("min_impurity_decrease", 0.0, None, 0.0),
        _fixed_float("ccp_alpha", 0.0, None, 0.0),
        _SEED,
    ) + ((_CW,) if classification else ())


def _forest_params(criteria, max_features_default, bootstrap_default, classification):
    return (
        _i("n_estimators", 1, 10000, 100, log=True, slo=16, shi=512),
        _c("criterion", criteria, criteria[0]),
        _i("max_depth", 1, 1000, None, log=True, choices=(None,), shi=64),
        _i("min_samples_split", 2, 10000, 2, log=True, shi=64, fraction=True),
        _i("min_samples_leaf", 1, 10000, 1, log=True, shi=64, fraction=True),
        _f("max_features", 0.0001, 1.0, max_features_default, choices=_MAX_FEATURES_SPECIALS, slo=0.05, int_ok=False),
        _b("bootstrap", bootstrap_default),
        _fixed_float("max_samples", 0.0001, 1.0, None, choices=(None,)),
        _fixed_float("min_weight_fraction_leaf", 0.0, 0.5, 0.0),
        _fixed_int("max_leaf_nodes", 2, 10**9, None, choices=(None,)),
        _fixed_float("min_impurity_decrease", 0.0, None, 0.0),
        _fixed_float("ccp_alpha", 0.0, None, 0.0),
        _b("oob_score", False, search=False),
        _SEED,
        _NJOBS,
        _VERBOSE,
        _WARM,
    ) + ((_CW_FOREST,) if classification else ())


def _gb_params(losses, classification):
    extra = () if classification else (_f("alpha", 0.0001, 0.9999, 0.9, when=(("loss", ("huber", "quantile")),)),)
    return (
        # "exponential" is for binary tasks only: accepted, not searched
        _c("loss", losses, losses[0], search=not classification),
        _f("learning_rate", 0.0001, 10.0, 0.1, log=True, slo=0.005, shi=1.0),
        _i("n_estimators", 1, 10000, 100, log=True, slo=16, shi=512),
        _f("subsample", 0.01, 1.0, 1.0, slo=0.3),
        # unlimited depth: minutes per fit for nothing (boosting wants shallow trees); valid, not sampled
        _i("max_depth", 1, 1000, 3, log=True, choices=(None,), shi=12, unsearched=(None,)),
        _i("min_samples_split", 2, 10000, 2, log=True, shi=64, fraction=True),
        _i("min_samples_leaf", 1, 10000, 1, log=True, shi=64, fraction=True),
        _f("max_features", 0.0001, 1.0, None, choices=_MAX_FEATURES_SPECIALS, slo=0.05, int_ok=False),
        _fixed_float("min_weight_fraction_leaf", 0.0, 0.5, 0.0),
        _fixed_float("min_impurity_decrease", 0.0, None, 0.0),
        _fixed_int("max_leaf_nodes", 2, 10**9, None, choices=(None,)),
        _fixed_float("validation_fraction", 0.01, 0.99, 0.1),
        _fixed_int("n_iter_no_change", 1, 10**6, None, choices=(None,)),
        _fixed_float("tol", 0.0, None, 0.0001),
        _fixed_float("ccp_alpha", 0.0, None, 0.0),
        _c("criterion", ("friedman_mse", "squared_error"), "friedman_mse", search=False),
        _SEED,
        _VERBOSE,
        _WARM,
    ) + extra


def _hgb_params(losses, classification):
    extra = (
        (_CW,)
        if classification
        else (_fixed_float("quantile", 0.0, 1.0, None, choices=(None,)),)
    )
    return (
        _c("loss", losses, losses[0], search=len(losses) > 1 and not classification),
        _f("learning_rate", 0.0001, 10.0, 0.1, log=True, slo=0.005, shi=1.0),
        _i("max_iter", 1, 100000, 100, log=True, slo=16, shi=1024),
        _i("max_leaf_nodes", 2, 100000, 31, log=True, choices=(None,), shi=256),
        _i("max_depth", 1, 1000, None, log=True, choices=(None,), shi=32),
        _i("min_samples_leaf", 1, 100000, 20, log=True, shi=200),
        _f("l2_regularization", 0.0, 10000.0, 0.0, search=False),
        _f("max_features", 0.0001, 1.0, 1.0, slo=0.1),
        _i("max_bins", 2, 255, 255, search=False),
        # False with many iterations costs minutes on small data: the search keeps early stopping possible
        _c("early_stopping", ("auto", True, False), "auto", unsearched=(False,)),
        _fixed_int("n_iter_no_change", 1, 10**6, 10),
        _fixed_float("validation_fraction", 0.0001, 0.9999, 0.1, choices=(None,)),
        _fixed_float("tol", 0.0, None, 1e-7),
        _c("scoring", ("loss", None), "loss", search=False),
        _SEED,
        _VERBOSE,
        _WARM,
    ) + extra


def _adaboost_params(losses, depth):
    """AdaBoost's parameters; ``depth`` is scikit-learn's default depth of its base tree."""
    return (
        _i("n_estimators", 1, 10000, 50, log=True, slo=16, shi=500),
        _f("learning_rate", 1e-6, 100.0, 1.0, log=True, slo=0.01, shi=2.0),
        *((_c("loss", losses, losses[0]),) if losses else ()),
        _i("estimator__max_depth", 1, 1000, depth, log=True, shi=6),
        _SEED,
    )


def _knn_params():
    return (
        _i("n_neighbors", 1, 10000, 5, log=True, shi=100),
        _c("weights", ("uniform", "distance"), "uniform"),
        _f("p", 1.0, 100.0, 2.0, shi=2.0),
        _c("metric", ("minkowski", "euclidean", "manhattan", "chebyshev", "cosine"), "minkowski", search=False),
        _c("algorithm", ("auto", "ball_tree", "kd_tree", "brute"), "auto", search=False),
        _fixed_int("leaf_size", 1, 10000, 30),
        _NJOBS,
    )


def _mlp_params(classification):
    losses = () if classification else (_c("loss", ("squared_error", "poisson"), "squared_error", search=False),)
    return (
        Param("hidden_layer_sizes", "int_tuple", 1, 10000, True, (), (100,), True, 8, 256, (), True, (1, 10),
              search_length=(1, 3)),
        _c("activation", ("identity", "logistic", "tanh", "relu"), "relu"),
        _f("alpha", 0.0, 1000.0, 0.0001, log=True, slo=1e-7, shi=1.0),
        _f("learning_rate_init", 1e-7, 10.0, 0.001, log=True, slo=1e-4, shi=0.5),
        _b("early_stopping", False),
        _c("solver", ("adam", "sgd", "lbfgs"), "adam", search=False),
        _i("batch_size", 1, 10**7, "auto", choices=("auto",), search=False),
        _c("learning_rate", ("constant", "invscaling", "adaptive"), "constant", search=False),
        _fixed_float("power_t", 0.0, None, 0.5),
        _fixed_int("max_iter", 1, 10**7, 200),
        _b("shuffle", True, search=False),
        _fixed_float("tol", 0.0, None, 0.0001),
        _fixed_float("momentum", 0.0, 1.0, 0.9),
        _b("nesterovs_momentum", True, search=False),
        _fixed_float("validation_fraction", 0.0, 0.9999, 0.1),
        _fixed_float("beta_1", 0.0, 0.9999999, 0.9),
        _fixed_float("beta_2", 0.0, 0.9999999, 0.999),
        _fixed_float("epsilon", 0.0, None, 1e-8),
        _fixed_int("n_iter_no_change", 1, 10**7, 10),
        _fixed_int("max_fun", 1, 10**9, 15000),
        _SEED,
        _VERBOSE_BOOL,
        _WARM,
    ) + losses


_KERNELS = ("linear", "poly", "rbf", "sigmoid")
#: kernel SVMs: C up to 2**10 (libsvm's fit time grows with C; 2**15 took minutes on a linear kernel)
_C_SVM = _f("C", 1e-6, 1e6, 1.0, log=True, slo=0.03125, shi=1024.0)
#: liblinear (LinearSVC, LinearSVR): C up to 100, beyond which it rarely converges within max_iter
_C_LIBLINEAR = _f("C", 1e-6, 1e6, 1.0, log=True, slo=0.03125, shi=100.0)


def _liblinear_params(max_iter):
    """The solver settings LinearSVC, LinearSVR and LogisticRegression share."""
    return (
        _fixed_float("tol", 0.0, None, 0.0001),
        _FIT_INTERCEPT,
        _fixed_float("intercept_scaling", 0.0, None, 1.0),
        _fixed_int("max_iter", 1, 10**9, max_iter),
    )
_GAMMA_WHEN = (("kernel", ("poly", "rbf", "sigmoid")),)


def _ridge_params(classification):
    """RidgeClassifier and Ridge share their parameters; the classifier adds class_weight."""
    weights = (_CW,) if classification else ()
    return (
        _f("alpha", 0.0, 1e9, 1.0, log=True, slo=1e-4, shi=1e4),
        *weights,
        _c("solver", ("auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga", "lbfgs"), "auto", search=False),
        _FIT_INTERCEPT,
        _fixed_int("max_iter", 1, 10**9, None, choices=(None,)),
        _fixed_float("tol", 0.0, None, 0.0001),
        _b("positive", False, search=False),
        _COPY_X,
        _SEED,
    )


def _svm_params(classification):
    extra = (
        (
            _CW,
            _c("decision_function_shape", ("ovr", "ovo"), "ovr", search=False),
            _b("break_ties", False, search=False),
            _SEED,
        )
        if classification
        else (_f("epsilon", 0.0, 1000.0, 0.1, log=False, shi=1.0),)
    )
    return (
        _C_SVM,
        _c("kernel", _KERNELS, "rbf"),
        _i("degree", 0, 100, 3, when=(("kernel", ("poly",)),), slo=2, shi=5),
        _f("gamma", 0.0, 1e6, "scale", log=True, choices=("scale", "auto"), slo=3.0517578125e-05, shi=8.0, when=_GAMMA_WHEN),
        _f("coef0", -1000.0, 1000.0, 0.0, slo=-1.0, shi=1.0, when=(("kernel", ("poly", "sigmoid")),)),
        _b("shrinking", True, search=False),
        _fixed_float("tol", 0.0, None, 0.001),
        _fixed_float("cache_size", 0.0, None, 200),
        _fixed_int("max_iter", -1, 10**12, -1),
        _VERBOSE_BOOL,
    ) + extra


_SGD_CLF_LOSSES = (
    "hinge", "log_loss", "modified_huber", "squared_hinge", "perceptron",
    "squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive",
)
_SGD_REG_LOSSES = ("squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive")


_AVERAGE = _c("average", (False, True) + tuple(range(1, 11)), False, search=False)


def _sgd_epochs():
    """Epochs and stopping rule of the SGD family (SGD*, PassiveAggressiveClassifier, Perceptron)."""
    return (
        _FIT_INTERCEPT,
        _fixed_int("max_iter", 1, 10**9, 1000),
        _fixed_float("tol", 0.0, None, 0.001, choices=(None,)),
        _b("early_stopping", False, search=False),
        _fixed_float("validation_fraction", 0.0001, 0.9999, 0.1),
        _fixed_int("n_iter_no_change", 1, 10**6, 5),
        _b("shuffle", True, search=False),
    )


def _sgd_rest(classification, random_state=_SEED):
    """The SGD family's class weights, seed, threads and bookkeeping."""
    if not classification:
        return (random_state, _VERBOSE, _WARM)
    return (_CW, random_state, _NJOBS, _VERBOSE, _WARM)


def _sgd_params(classification):
    losses = _SGD_CLF_LOSSES if classification else _SGD_REG_LOSSES
    return (
        _c("loss", losses, losses[0]),
        _c("penalty", ("l2", "l1", "elasticnet", None), "l2"),
        _f("alpha", 0.0, 1e6, 0.0001, log=True, slo=1e-7, shi=0.1),
        _f("l1_ratio", 0.0, 1.0, 0.15, slo=1e-9, when=(("penalty", ("elasticnet",)),)),
        _c(
            "learning_rate",
            ("optimal", "invscaling", "constant", "adaptive", "pa1", "pa2"),
            "optimal" if classification else "invscaling",
            search=False,
        ),
        _f("eta0", 0.0, 1e6, 0.01, log=False, search=False),
        # negative values: deprecated in scikit-learn 1.8, an error from 1.10
        _f("power_t", 0.0, 1e6, 0.5 if classification else 0.25, search=False),
        _f("epsilon", 0.0, 1e6, 0.1, search=False),
        _AVERAGE,
    ) + _sgd_epochs() + _sgd_rest(classification)



# --------------------------------------------------------------------------
# Estimators whose scikit-learn API changed: the registry keeps the parameters the
# knowledge base's runs name and translates them for the installed version.
# --------------------------------------------------------------------------
def _sklearn_version(text: str) -> tuple:
    """``(major, minor)`` of a scikit-learn version string.

    >>> _sklearn_version("1.10.dev0"), _sklearn_version("1.8.0rc1")
    ((1, 10), (1, 8))
    """
    found = re.match(r"(\d+)\.(\d+)", text)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)


#: scikit-learn 1.8 deprecated LogisticRegression's ``penalty`` (``l1_ratio`` and ``C`` say it),
#: and PassiveAggressiveClassifier (``SGDClassifier`` learns it with ``learning_rate="pa1"/"pa2"``);
#: 1.10 removes both.
_SKLEARN_1_8 = _sklearn_version(sklearn.__version__) >= (1, 8)
#: scikit-learn 1.6 renamed check_array's ``force_all_finite`` to ``ensure_all_finite`` (1.8 removes the old name).
_SKLEARN_1_6 = _sklearn_version(sklearn.__version__) >= (1, 6)


def _logistic_regression(**kwargs) -> LogisticRegression:
    """LogisticRegression from registry parameters, without deprecated ones on scikit-learn >= 1.8.

    ``penalty`` becomes ``l1_ratio`` (``"l2"`` 0, ``"l1"`` 1, ``"elasticnet"`` the given
    ``l1_ratio``) or ``C=inf`` (None), as scikit-learn 1.8's deprecation says; ``n_jobs``
    (no effect since 1.8) is dropped. On older versions a configuration without ``penalty``
    and with ``0 < l1_ratio`` gets the penalty that ``l1_ratio`` names there.

    >>> model = _logistic_regression(penalty="l1", C=0.5, solver="liblinear")
    >>> model.l1_ratio == 1.0 if _SKLEARN_1_8 else model.penalty == "l1"
    True
    """
    penalty = kwargs.pop("penalty", "deprecated")
    l1_ratio = kwargs.get("l1_ratio")
    if not _SKLEARN_1_8:
        if penalty == "deprecated":
            penalty = "l2" if not l1_ratio else ("l1" if l1_ratio == 1.0 else "elasticnet")
        return LogisticRegression(penalty=penalty, **kwargs)
    kwargs.pop("n_jobs", None)
    if penalty == "elasticnet" and l1_ratio is None:
        raise InvalidParamsError(
            "LogisticRegression: penalty='elasticnet' needs l1_ratio; give l1_ratio in [0, 1]"
        )
    if penalty in ("l2", None) or (penalty == "deprecated" and l1_ratio is None):
        kwargs["l1_ratio"] = 0.0
    elif penalty == "l1":
        kwargs["l1_ratio"] = 1.0
    if penalty is None:
        kwargs["C"] = math.inf
    return LogisticRegression(**kwargs)


#: scikit-learn 1.9 deprecated trees' and forests' ``criterion="friedman_mse"`` and gradient
#: boosting's ``criterion``; 1.11 removes them.
_SKLEARN_1_9 = _sklearn_version(sklearn.__version__) >= (1, 9)


def _tree_criterion(estimator_class: type, **kwargs):
    """A tree or forest regressor with ``"friedman_mse"`` as ``"squared_error"`` on scikit-learn >= 1.9
    (which maps it so itself, with a FutureWarning: "both were always equivalent").

    >>> model = _tree_criterion(DecisionTreeRegressor, criterion="friedman_mse")
    >>> model.criterion == ("squared_error" if _SKLEARN_1_9 else "friedman_mse")
    True
    """
    if _SKLEARN_1_9 and kwargs.get("criterion") == "friedman_mse":
        kwargs["criterion"] = "squared_error"
    return estimator_class(**kwargs)


def _gradient_boosting(estimator_class: type, **kwargs):
    """Gradient boosting without ``criterion`` on scikit-learn >= 1.9, where it has no effect."""
    if _SKLEARN_1_9:
        kwargs.pop("criterion", None)
    return estimator_class(**kwargs)


def _passive_aggressive(**kwargs):
    """PassiveAggressiveClassifier's model: ``SGDClassifier`` on scikit-learn >= 1.8.

    As the deprecation in scikit-learn 1.8 says: ``loss="hinge", penalty=None``,
    ``learning_rate="pa1"`` (PA's ``loss="hinge"``) or ``"pa2"`` (``"squared_hinge"``), and
    ``eta0=C``; ``alpha=1.0`` as PassiveAggressiveClassifier passes it (unused without a
    penalty). Other parameters keep their names. Older versions build the class itself.

    >>> model = _passive_aggressive(C=0.1, loss="squared_hinge", average=True)
    >>> (model.learning_rate, model.eta0) == ("pa2", 0.1) if _SKLEARN_1_8 else model.C == 0.1
    True
    """
    if not _SKLEARN_1_8:
        from sklearn.linear_model import PassiveAggressiveClassifier

        return PassiveAggressiveClassifier(**kwargs)
    C = kwargs.pop("C", 1.0)
    learning_rate = "pa1" if kwargs.pop("loss", "hinge") == "hinge" else "pa2"
    return SGDClassifier(loss="hinge", penalty=None, alpha=1.0, learning_rate=learning_rate, eta0=C, **kwargs)


_CLASSIFICATION = (
    AlgorithmSpec(
        "AdaBoostClassifier",
        "classification",
        AdaBoostClassifier,
        _adaboost_params((), 1),
        "tree",
        base_estimator=DecisionTreeClassifier,
    ),
    AlgorithmSpec(
        "BernoulliNB",
        "classification",
        BernoulliNB,
        (
            _f("alpha", 0.0, 1e6, 1.0, log=True, slo=0.01, shi=100.0),
            _b("fit_prior", True),
            _f("binarize", -1e6, 1e6, 0.0, choices=(None,), search=False),
            _b("force_alpha", True, search=False),
        ),
        "scale",
    ),
    AlgorithmSpec(
        "ComplementNB",
        "classification",
        ComplementNB,
        (
            _f("alpha", 0.0, 1e6, 1.0, log=True, slo=0.01, shi=100.0),
            _b("fit_prior", True, search=False),
            _b("norm", False),
            _b("force_alpha", True, search=False),
        ),
        "nonneg",
    ),
    AlgorithmSpec("DecisionTreeClassifier", "classification", DecisionTreeClassifier,
                  _tree_params(_CLF_CRITERIA, None, True) + (_c("splitter", ("best", "random"), "best", search=False),),
                  "tree"),
    AlgorithmSpec("ExtraTreeClassifier", "classification", ExtraTreeClassifier,
                  _tree_params(_CLF_CRITERIA, "sqrt", True) + (_c("splitter", ("best", "random"), "random", search=False),),
                  "tree"),
    AlgorithmSpec("ExtraTreesClassifier", "classification", ExtraTreesClassifier,
                  _forest_params(_CLF_CRITERIA, "sqrt", False, True), "tree"),
    AlgorithmSpec(
        "GaussianNB",
        "classification",
        GaussianNB,
        (_f("var_smoothing", 0.0, 1e3, 1e-9, log=True, slo=1e-12, shi=1e-3),),
        "scale",
    ),
    AlgorithmSpec("GradientBoostingClassifier", "classification", GradientBoostingClassifier,
                  _gb_params(("log_loss", "exponential"), True), "tree",
                  build=partial(_gradient_boosting, GradientBoostingClassifier)),
    AlgorithmSpec("HistGradientBoostingClassifier", "classification", HistGradientBoostingClassifier,
                  _hgb_params(("log_loss",), True), "native"),
    AlgorithmSpec("KNeighborsClassifier", "classification", KNeighborsClassifier, _knn_params(), "scale"),
    AlgorithmSpec(
        "LinearDiscriminantAnalysis",
        "classification",
        LinearDiscriminantAnalysis,
        (
            _c("solver", ("svd", "lsqr", "eigen"), "svd"),
            _f("shrinkage", 0.0, 1.0, None, choices=(None, "auto"), when=(("solver", ("lsqr", "eigen")),)),
            _fixed_float("tol", 0.0, None, 0.0001),
            _fixed_int("n_components", 1, 10**6, None, choices=(None,)),
            _b("store_covariance", False, search=False),
        ),
        "scale",
    ),
    AlgorithmSpec(
        "LinearSVC",
        "classification",
        LinearSVC,
        (
            _C_LIBLINEAR,
            _c("penalty", ("l2", "l1"), "l2", search=False),
            _c("loss", ("squared_hinge", "hinge"), "squared_hinge", search=False),
            _c("dual", ("auto", True, False), "auto", search=False),
            _c("multi_class", ("ovr", "crammer_singer"), "ovr", search=False),
            _CW,
            *_liblinear_params(1000),
            _SEED,
            _VERBOSE,
        ),
        "scale",
    ),
    AlgorithmSpec(
        "LogisticRegression",
        "classification",
        LogisticRegression,
        (
            _f("C", 1e-6, 1e6, 1.0, log=True, slo=1e-4, shi=1e4),
            _CW,
            # scikit-learn >= 1.8 reads the penalty from l1_ratio and C; the search never sets
            # penalty, which stays accepted for the knowledge base's runs (see _logistic_regression)
            _c("penalty", ("l2", "l1", "elasticnet", None, "deprecated"), "deprecated", search=False),
            _f("l1_ratio", 0.0, 1.0, 0.0, choices=(None,), search=False),
            _c("solver", ("lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga"), "lbfgs", search=False),
            _b("dual", False, search=False),
            *_liblinear_params(100),
            _SEED,
            _NJOBS,
            _VERBOSE,
            _WARM,
        ),
        "scale",
        build=_logistic_regression,
    ),
    AlgorithmSpec("MLPClassifier", "classification", MLPClassifier, _mlp_params(True), "scale"),
    AlgorithmSpec(
        "MultinomialNB",
        "classification",
        MultinomialNB,
        (
            _f("alpha", 0.0, 1e6, 1.0, log=True, slo=0.01, shi=100.0),
            _b("fit_prior", True),
            _b("force_alpha", True, search=False),
        ),
        "nonneg",
    ),
    AlgorithmSpec(
        "PassiveAggressiveClassifier",
        "classification",
        SGDClassifier,  # the class scikit-learn 1.8 deprecated is built as SGDClassifier (_passive_aggressive)
        (
            _f("C", 1e-6, 1e6, 1.0, log=True, slo=1e-5, shi=10.0),
            _c("loss", ("hinge", "squared_hinge"), "hinge"),
            _AVERAGE,
        ) + _sgd_epochs() + _sgd_rest(True),
        "scale",
        build=_passive_aggressive,
    ),
    AlgorithmSpec(
        "Perceptron",
        "classification",
        Perceptron,
        (
            _c("penalty", (None, "l2", "l1", "elasticnet"), None),
            _f("alpha", 0.0, 1e6, 0.0001, log=True, slo=1e-7, shi=0.1, when=(("penalty", ("l2", "l1", "elasticnet")),)),
            _f("l1_ratio", 0.0, 1.0, 0.15, when=(("penalty", ("elasticnet",)),)),
            _f("eta0", 1e-9, 1e6, 1.0, log=True, search=False),
        ) + _sgd_epochs() + _sgd_rest(True, random_state=_fixed_int("random_state", 0, 2**32 - 1, 0, choices=(None,))),
        "scale",
    ),
    AlgorithmSpec(
        "QuadraticDiscriminantAnalysis",
        "classification",
        QuadraticDiscriminantAnalysis,
        (
            _f("reg_param", 0.0, 1.0, 0.0),
            _c("solver", ("svd", "eigen"), "svd", search=False),
            _f("shrinkage", 0.0, 1.0, None, choices=(None, "auto"), search=False),
            _fixed_float("tol", 0.0, None, 0.0001),
            _b("store_covariance", False, search=False),
        ),
        "scale",
    ),
    AlgorithmSpec("RandomForestClassifier", "classification", RandomForestClassifier,
                  _forest_params(_CLF_CRITERIA, "sqrt", True, True), "tree"),
    AlgorithmSpec("RidgeClassifier", "classification", RidgeClassifier, _ridge_params(True), "scale"),
    AlgorithmSpec("SGDClassifier", "classification", SGDClassifier, _sgd_params(True), "scale"),
    AlgorithmSpec("SVC", "classification", SVC, _svm_params(True), "scale"),
)


def _linear_reg_params(l1_ratio: bool):
    head = (_f("alpha", 0.0, 1e9, 1.0, log=True, slo=1e-5, shi=10.0),)
    if l1_ratio:
        head += (_f("l1_ratio", 0.0, 1.0, 0.5, slo=0.01),)
    return head + (
        _FIT_INTERCEPT,
        _b("precompute", False, search=False),
        _fixed_int("max_iter", 1, 10**9, 1000, choices=(None,)),
        _fixed_float("tol", 0.0, None, 0.0001),
        _b("positive", False, search=False),
        _c("selection", ("cyclic", "random"), "cyclic", search=False),
        _COPY_X,
        _SEED,
        _WARM,
    )


_REGRESSION = (
    AlgorithmSpec(
        "AdaBoostRegressor",
        "regression",
        AdaBoostRegressor,
        _adaboost_params(("linear", "square", "exponential"), 3),
        "tree",
        base_estimator=DecisionTreeRegressor,
    ),
    AlgorithmSpec(
        "ARDRegression",
        "regression",
        ARDRegression,
        (
            _f("alpha_1", 0.0, 1e6, 1e-6, log=True, slo=1e-10, shi=1e-3),
            _f("alpha_2", 0.0, 1e6, 1e-6, log=True, slo=1e-10, shi=1e-3),
            _f("lambda_1", 0.0, 1e6, 1e-6, log=True, slo=1e-10, shi=1e-3),
            _f("lambda_2", 0.0, 1e6, 1e-6, log=True, slo=1e-10, shi=1e-3),
            _f("threshold_lambda", 1.0, 1e12, 10000.0, log=True, slo=1e3, shi=1e5),
            _fixed_int("max_iter", 1, 10**9, 300),
            _fixed_float("tol", 0.0, None, 0.001),
            _FIT_INTERCEPT,
            _b("compute_score", False, search=False),
            _COPY_X,
            _VERBOSE_BOOL,
        ),
        "scale",
    ),
    AlgorithmSpec("DecisionTreeRegressor", "regression", DecisionTreeRegressor,
                  _tree_params(_REG_CRITERIA, None, False) + (_c("splitter", ("best", "random"), "best", search=False),),
                  "tree", build=partial(_tree_criterion, DecisionTreeRegressor)),
    AlgorithmSpec("ElasticNet", "regression", ElasticNet, _linear_reg_params(True), "scale"),
    AlgorithmSpec("ExtraTreesRegressor", "regression", ExtraTreesRegressor,
                  _forest_params(_REG_CRITERIA, 1.0, False, False), "tree",
                  build=partial(_tree_criterion, ExtraTreesRegressor)),
    AlgorithmSpec(
        "GaussianProcessRegressor",
        "regression",
        GaussianProcessRegressor,
        (
            _f("alpha", 0.0, 1e6, 1e-10, log=True, slo=1e-14, shi=1.0),
            _b("normalize_y", False),
            _fixed_int("n_restarts_optimizer", 0, 1000, 0),
            _c("optimizer", ("fmin_l_bfgs_b", None), "fmin_l_bfgs_b", search=False),
            _b("copy_X_train", True, search=False),
            _SEED,
        ),
        "scale",
    ),
    AlgorithmSpec("GradientBoostingRegressor", "regression", GradientBoostingRegressor,
                  _gb_params(("squared_error", "absolute_error", "huber", "quantile"), False), "tree",
                  build=partial(_gradient_boosting, GradientBoostingRegressor)),
    AlgorithmSpec("HistGradientBoostingRegressor", "regression", HistGradientBoostingRegressor,
                  _hgb_params(("squared_error", "absolute_error", "gamma", "poisson", "quantile"), False), "native"),
    AlgorithmSpec("KNeighborsRegressor", "regression", KNeighborsRegressor, _knn_params(), "scale"),
    AlgorithmSpec("Lasso", "regression", Lasso, _linear_reg_params(False), "scale"),
    AlgorithmSpec(
        "LinearSVR",
        "regression",
        LinearSVR,
        (
            _C_LIBLINEAR,
            _f("epsilon", 0.0, 1e6, 0.0, shi=1.0),
            _c("loss", ("epsilon_insensitive", "squared_epsilon_insensitive"), "epsilon_insensitive"),
            _c("dual", ("auto", True, False), "auto", search=False),
            *_liblinear_params(1000),
            _SEED,
            _VERBOSE,
        ),
        "scale",
    ),
    AlgorithmSpec("MLPRegressor", "regression", MLPRegressor, _mlp_params(False), "scale"),
    AlgorithmSpec("RandomForestRegressor", "regression", RandomForestRegressor,
                  _forest_params(_REG_CRITERIA, 1.0, True, False), "tree",
                  build=partial(_tree_criterion, RandomForestRegressor)),
    AlgorithmSpec("Ridge", "regression", Ridge, _ridge_params(False), "scale"),
    AlgorithmSpec("SGDRegressor", "regression", SGDRegressor, _sgd_params(False), "scale"),
    AlgorithmSpec("SVR", "regression", SVR, _svm_params(False), "scale"),
)

#: The registry: scikit-learn class name -> :class:`AlgorithmSpec` (read-only).
ALGORITHMS: Mapping[str, AlgorithmSpec] = MappingProxyType({s.name: s for s in _CLASSIFICATION + _REGRESSION})

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


# --------------------------------------------------------------------------
# Registry access and validation
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
        out[key] = _check_value(name, spec.param(key), value)
    return out


def _active(p: Param, values: Mapping[str, Any]) -> bool:
    for other, allowed in p.condition:
        if not _match_choice(values.get(other), allowed)[0]:
            return False
    return True


def default_params(name: str) -> dict:
    """The default configuration: scikit-learn's defaults of the searched, active parameters.

    >>> default_params("KNeighborsClassifier")
    {'n_neighbors': 5, 'weights': 'uniform', 'p': 2.0}
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


# --------------------------------------------------------------------------
# Preprocessing and pipelines
# --------------------------------------------------------------------------
def _as_float() -> FunctionTransformer:
    """Numeric columns (including bool and nullable dtypes) as a float64 array, NaN kept.

    scikit-learn objects only (a saved model must load without metalearn): scikit-learn's
    public ``check_array`` converts pandas' nullable dtypes, missing values to NaN.
    """
    allow_nan = {("ensure_all_finite" if _SKLEARN_1_6 else "force_all_finite"): "allow-nan"}
    return FunctionTransformer(check_array, kw_args={"dtype": "float64", **allow_nan}, feature_names_out="one-to-one")


def _as_category_strings() -> list:
    """Steps giving categorical columns as strings, missing values (NaN, None, pd.NA) as :data:`MISSING`.

    scikit-learn objects and numpy functions only: ``SimpleImputer`` with
    ``missing_values=pd.NA`` recognises every missing marker, ``numpy.asarray(dtype=str)``
    makes levels of mixed types uniform text (``1`` and ``"a"``) for the encoders.
    """
    return [
        ("impute", SimpleImputer(strategy="constant", fill_value=MISSING, missing_values=pd.NA)),
        ("as_str", FunctionTransformer(np.asarray, kw_args={"dtype": str}, feature_names_out="one-to-one")),
    ]


def _column_groups(X) -> tuple[list, list, list]:
    """Split X's columns into (numeric, categorical, dropped all-missing) keys."""
    if isinstance(X, pd.DataFrame):
        numeric, categorical, dropped = [], [], []
        for column in X.columns:
            series = X[column]
            if series.isna().all():
                dropped.append(column)
            elif pd.api.types.is_bool_dtype(series.dtype) or (
                pd.api.types.is_numeric_dtype(series.dtype)
                and not isinstance(series.dtype, pd.CategoricalDtype)
            ):
                numeric.append(column)
            else:
                categorical.append(column)
        return numeric, categorical, dropped
    array = np.asarray(X)
    if array.ndim != 2:
        raise InvalidParamsError(f"X must be 2-dimensional, got an array of shape {array.shape}")
    if array.dtype.kind in "biuf":
        missing = np.isnan(array.astype("float64")).all(axis=0) if array.shape[0] else np.zeros(array.shape[1], bool)
        return [i for i in range(array.shape[1]) if not missing[i]], [], [i for i in range(array.shape[1]) if missing[i]]
    return [], list(range(array.shape[1])), []


def make_preprocessor(preprocessing: str, X, *, max_bins: int = 255) -> tuple[ColumnTransformer, list]:
    """Build the ColumnTransformer of a preprocessing recipe for X's columns.

    Returns the (unfitted) transformer and, for ``"native"``, a boolean mask of its
    categorical output columns (empty list otherwise). Numeric columns come first,
    then categorical ones; columns that are entirely missing in X are dropped.

    >>> import pandas as pd
    >>> X = pd.DataFrame({"a": [1.0, None, 3.0], "c": pd.Categorical(["x", "y", None])})
    >>> ct, mask = make_preprocessor("native", X)
    >>> ct.fit_transform(X).shape, mask
    ((3, 2), [False, True])
    """
    if preprocessing not in PREPROCESSING:
        raise InvalidParamsError(f"unknown preprocessing {preprocessing!r}; use one of {', '.join(PREPROCESSING)}")
    numeric, categorical, _ = _column_groups(X)
    transformers = []
    if preprocessing == "native":
        if numeric:
            transformers.append(("numeric", _as_float(), numeric))
        if categorical:
            encoder = OrdinalEncoder(
                handle_unknown="use_encoded_value",
                unknown_value=np.nan,
                max_categories=max(2, min(int(max_bins), 255)),
                dtype=np.float64,
            )
            transformers.append(("categorical", Pipeline([*_as_category_strings(), ("encode", encoder)]), categorical))
        mask = [False] * len(numeric) + [True] * len(categorical)
    else:
        steps = [("as_float", _as_float()), ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True))]
        if preprocessing == "scale":
            steps.append(("scale", StandardScaler()))
        elif preprocessing == "nonneg":
            steps.append(("scale", MinMaxScaler(clip=True)))
        if numeric:
            transformers.append(("numeric", Pipeline(steps), numeric))
        if categorical:
            if preprocessing == "tree":
                encoder = OrdinalEncoder(
                    handle_unknown="use_encoded_value",
                    unknown_value=-1,
                    min_frequency=ONE_HOT_MIN_FREQUENCY,
                    dtype=np.float64,
                )
            else:
                encoder = OneHotEncoder(
                    handle_unknown="infrequent_if_exist",
                    min_frequency=ONE_HOT_MIN_FREQUENCY,
                    max_categories=ONE_HOT_MAX_CATEGORIES,
                    sparse_output=False,
                    dtype=np.float64,
                )
            transformers.append(("categorical", Pipeline([*_as_category_strings(), ("encode", encoder)]), categorical))
        mask = []
    if not transformers:
        raise InvalidParamsError("X has no usable column (every column is entirely missing); give at least one column with values")
    return ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0), mask


def _estimator_kwargs(spec: AlgorithmSpec, params: Mapping[str, Any]) -> dict:
    kwargs = {k: v for k, v in params.items() if "__" not in k}
    nested = {k.split("__", 1)[1]: v for k, v in params.items() if k.startswith("estimator__")}
    if spec.base_estimator is not None:
        defaults = {p.name.split("__", 1)[1]: p.default for p in spec.params if p.name.startswith("estimator__")}
        kwargs["estimator"] = spec.base_estimator(**{**defaults, **nested})
    return kwargs


def make_pipeline(name: str, params: Mapping[str, Any] | None, X, *, random_state: int | None = None) -> Pipeline:
    """Build the preprocessing + estimator pipeline of a configuration for data like X.

    Parameters
    ----------
    name : str
        Registry name.
    params : mapping or None
        Constructor parameters (validated here; JSON values accepted).
    X : DataFrame or array
        Data whose column types choose the preprocessing (numeric vs categorical,
        entirely-missing columns dropped). The pipeline is not fitted.
    random_state : int or None
        Seed given to estimators that take one, unless ``params`` sets ``random_state``.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``"preprocess"`` (a ColumnTransformer) and ``"estimator"``.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "c": pd.Categorical(["a", "b", "a", "b"])})
    >>> pipe = make_pipeline("SVC", {"C": 10}, X, random_state=0).fit(X, [0, 1, 0, 1])
    >>> pipe.predict(X).tolist()
    [0, 1, 0, 1]
    """
    spec = get_algorithm(name)
    values = validate_params(name, params)
    kwargs = _estimator_kwargs(spec, values)
    preprocess, mask = make_preprocessor(spec.preprocessing, X, max_bins=values.get("max_bins", 255))
    if spec.preprocessing == "native":
        kwargs["categorical_features"] = mask if any(mask) else None
    estimator = (spec.build or spec.estimator_class)(**kwargs)
    if random_state is not None and "random_state" not in values and "random_state" in estimator.get_params(deep=False):
        estimator.set_params(random_state=random_state)
    return Pipeline([("preprocess", preprocess), ("estimator", estimator)])


from metalearn.space.optuna import from_trial_params, suggest, to_trial_params  # noqa: E402  (reads the registry above)
from metalearn.space.canonical import canonical_config  # noqa: E402  (reads the registry above)
