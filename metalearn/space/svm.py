"""Support vector machines: kernel (libsvm) and linear (liblinear)."""

from __future__ import annotations

from metalearn.space._params import (
    _CW,
    _SEED,
    _VERBOSE,
    _VERBOSE_BOOL,
    AlgorithmSpec,
    _b,
    _c,
    _f,
    _fixed_float,
    _fixed_int,
    _i,
    _liblinear_params,
)


_KERNELS = ("linear", "poly", "rbf", "sigmoid")

#: kernel SVMs: C up to 2**10 (libsvm's fit time grows with C; 2**15 took minutes on a linear kernel)
_C_SVM = _f("C", 1e-6, 1e6, 1.0, log=True, slo=0.03125, shi=1024.0)

#: liblinear (LinearSVC, LinearSVR): C up to 100, beyond which it rarely converges within max_iter
_C_LIBLINEAR = _f("C", 1e-6, 1e6, 1.0, log=True, slo=0.03125, shi=100.0)

_GAMMA_WHEN = (("kernel", ("poly", "rbf", "sigmoid")),)

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


SPECS = (
    AlgorithmSpec(
        "LinearSVC",
        "classification",
        "sklearn.svm.LinearSVC",
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
    AlgorithmSpec("SVC", "classification", "sklearn.svm.SVC", _svm_params(True), "scale"),
    AlgorithmSpec(
        "LinearSVR",
        "regression",
        "sklearn.svm.LinearSVR",
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
    AlgorithmSpec("SVR", "regression", "sklearn.svm.SVR", _svm_params(False), "scale"),
)
