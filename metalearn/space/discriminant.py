"""Discriminant analysis and Gaussian processes."""

from __future__ import annotations

from metalearn.space._params import (
    _SEED,
    AlgorithmSpec,
    _b,
    _c,
    _f,
    _fixed_float,
    _fixed_int,
)


SPECS = (
    AlgorithmSpec(
        "LinearDiscriminantAnalysis",
        "classification",
        "sklearn.discriminant_analysis.LinearDiscriminantAnalysis",
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
        "QuadraticDiscriminantAnalysis",
        "classification",
        "sklearn.discriminant_analysis.QuadraticDiscriminantAnalysis",
        (
            _f("reg_param", 0.0, 1.0, 0.0),
            _c("solver", ("svd", "eigen"), "svd", search=False),
            _f("shrinkage", 0.0, 1.0, None, choices=(None, "auto"), search=False),
            _fixed_float("tol", 0.0, None, 0.0001),
            _b("store_covariance", False, search=False),
        ),
        "scale",
    ),
    AlgorithmSpec(
        "GaussianProcessRegressor",
        "regression",
        "sklearn.gaussian_process.GaussianProcessRegressor",
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
)
