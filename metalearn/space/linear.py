"""Linear models: logistic, ridge, SGD, passive-aggressive, perceptron, elastic net, lasso, ARD."""

from __future__ import annotations

from metalearn.space._compat import _logistic_regression, _passive_aggressive

from metalearn.space._params import (
    _CW,
    _COPY_X,
    _FIT_INTERCEPT,
    _NJOBS,
    _SEED,
    _VERBOSE,
    _VERBOSE_BOOL,
    _WARM,
    AlgorithmSpec,
    _b,
    _c,
    _f,
    _fixed_float,
    _fixed_int,
    _liblinear_params,
)


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


SPECS = (
    AlgorithmSpec(
        "LogisticRegression",
        "classification",
        "sklearn.linear_model.LogisticRegression",
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
    AlgorithmSpec(
        "PassiveAggressiveClassifier",
        "classification",
        "sklearn.linear_model.SGDClassifier",  # the class scikit-learn 1.8 deprecated is built as SGDClassifier (_passive_aggressive)
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
        "sklearn.linear_model.Perceptron",
        (
            _c("penalty", (None, "l2", "l1", "elasticnet"), None),
            _f("alpha", 0.0, 1e6, 0.0001, log=True, slo=1e-7, shi=0.1, when=(("penalty", ("l2", "l1", "elasticnet")),)),
            _f("l1_ratio", 0.0, 1.0, 0.15, when=(("penalty", ("elasticnet",)),)),
            _f("eta0", 1e-9, 1e6, 1.0, log=True, search=False),
        ) + _sgd_epochs() + _sgd_rest(True, random_state=_fixed_int("random_state", 0, 2**32 - 1, 0, choices=(None,))),
        "scale",
    ),
    AlgorithmSpec("RidgeClassifier", "classification", "sklearn.linear_model.RidgeClassifier", _ridge_params(True), "scale"),
    AlgorithmSpec("SGDClassifier", "classification", "sklearn.linear_model.SGDClassifier", _sgd_params(True), "scale"),
    AlgorithmSpec(
        "ARDRegression",
        "regression",
        "sklearn.linear_model.ARDRegression",
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
    AlgorithmSpec("ElasticNet", "regression", "sklearn.linear_model.ElasticNet", _linear_reg_params(True), "scale"),
    AlgorithmSpec("Lasso", "regression", "sklearn.linear_model.Lasso", _linear_reg_params(False), "scale"),
    AlgorithmSpec("Ridge", "regression", "sklearn.linear_model.Ridge", _ridge_params(False), "scale"),
    AlgorithmSpec("SGDRegressor", "regression", "sklearn.linear_model.SGDRegressor", _sgd_params(False), "scale"),
)
