"""Multi-layer perceptrons."""

from __future__ import annotations

from metalearn.space._params import (
    _SEED,
    _VERBOSE_BOOL,
    _WARM,
    AlgorithmSpec,
    IntTupleParam,
    _b,
    _c,
    _f,
    _fixed_float,
    _fixed_int,
    _i,
)


def _mlp_params(classification):
    losses = () if classification else (_c("loss", ("squared_error", "poisson"), "squared_error", search=False),)
    return (
        IntTupleParam(name="hidden_layer_sizes", low=1, high=10000, log=True, default=(100,), search_low=8,
                      search_high=256, length=(1, 10), search_length=(1, 3)),
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


SPECS = (
    AlgorithmSpec("MLPClassifier", "classification", "sklearn.neural_network.MLPClassifier", _mlp_params(True), "scale"),
    AlgorithmSpec("MLPRegressor", "regression", "sklearn.neural_network.MLPRegressor", _mlp_params(False), "scale"),
)
