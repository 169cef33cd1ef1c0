"""auto-sklearn configurations (ConfigSpace dicts) translated into metalearn's registry parameters."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping


class Unmapped(Exception):
    """A configuration that cannot be expressed as registry name + scikit-learn kwargs."""


@dataclass(frozen=True)
class AskContext:
    """What a translation may use besides the configuration itself."""

    n_features: float | None  # auto-sklearn's NumberOfFeatures of the dataset (raw columns, before encoding)
    balanced: bool            # balancing:strategy == "weighting"


def _hp(cfg: Mapping[str, Any], prefix: str, name: str, default: Any = ...) -> Any:
    key = f"{prefix}{name}"
    if key in cfg:
        return cfg[key]
    if default is ...:
        raise Unmapped(f"missing hyperparameter {key}")
    return default


def _none(value: Any) -> Any:
    return None if value in (None, "None") else value


def _int_or_none(value: Any) -> int | None:
    value = _none(value)
    return None if value is None else int(value)


def exponent_max_features(exponent: float, ctx: AskContext) -> Any:
    """auto-sklearn's ``max_features = int(n_features ** e)`` as a scikit-learn ``max_features``.

    e = 0.5 is exactly ``"sqrt"``, e = 1 exactly ``None`` (all), e = 0 exactly 1; otherwise the
    fraction n**e / n with n = the dataset's raw feature count (see kb/README.md).

    >>> exponent_max_features(0.5, AskContext(10.0, False))
    'sqrt'
    >>> exponent_max_features(0.75, AskContext(16.0, False))
    0.5
    """
    exponent = float(exponent)
    if exponent == 0.5:
        return "sqrt"
    if exponent >= 1.0:
        return None
    if exponent <= 0.0:
        return 1
    if not ctx.n_features or ctx.n_features < 1:
        raise Unmapped("max_features exponent needs the dataset's feature count, which is unknown")
    n = float(ctx.n_features)
    fraction = max(1.0, math.floor(n ** exponent)) / n
    return float(f"{min(1.0, fraction):.4g}")


def depth_from_factor(factor: Any, ctx: AskContext) -> int | None:
    """auto-sklearn's ``max_depth = max(1, round(int(factor) * n_features))`` (note the int truncation)."""
    factor = _none(factor)
    if factor is None:
        return None
    whole = int(float(factor))
    if whole == 0:
        return 1
    if not ctx.n_features or ctx.n_features < 1:
        raise Unmapped("max_depth_factor >= 1 needs the dataset's feature count, which is unknown")
    return max(1, int(round(whole * float(ctx.n_features))))


def _balanced(params: dict[str, Any], ctx: AskContext) -> dict[str, Any]:
    if ctx.balanced:
        params["class_weight"] = "balanced"
    return params


def _tree_common(cfg, p, ctx) -> dict[str, Any]:
    return {
        "min_samples_split": int(_hp(cfg, p, "min_samples_split")),
        "min_samples_leaf": int(_hp(cfg, p, "min_samples_leaf")),
        "min_weight_fraction_leaf": float(_hp(cfg, p, "min_weight_fraction_leaf")),
        "max_leaf_nodes": _int_or_none(_hp(cfg, p, "max_leaf_nodes", None)),
        "min_impurity_decrease": float(_hp(cfg, p, "min_impurity_decrease")),
    }


# scikit-learn 1.9 deprecates "friedman_mse" for trees and forests as "always equivalent" to squared_error
REGRESSION_CRITERIA = {"mse": "squared_error", "mae": "absolute_error", "friedman_mse": "squared_error"}


def _criterion(value: str, regression: bool) -> str:
    if not regression:
        if value not in ("gini", "entropy"):
            raise Unmapped(f"unknown criterion {value!r}")
        return value
    if value not in REGRESSION_CRITERIA:
        raise Unmapped(f"unknown criterion {value!r}")
    return REGRESSION_CRITERIA[value]


def ask_forest(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    mf = _hp(cfg, p, "max_features")
    if regression:
        max_features = float(mf)  # auto-sklearn passes the fraction through unchanged for regressors
        max_features = None if max_features >= 1.0 else max_features
    elif isinstance(mf, str):
        if mf == "auto":
            max_features = "sqrt"  # classifier 'auto' meant sqrt; removed in scikit-learn 1.3
        elif mf in ("sqrt", "log2"):
            max_features = mf
        else:
            raise Unmapped(f"unknown max_features {mf!r}")
    else:
        max_features = exponent_max_features(mf, ctx)
    params = {
        "n_estimators": 512,
        "criterion": _criterion(_hp(cfg, p, "criterion"), regression),
        "max_depth": _int_or_none(_hp(cfg, p, "max_depth", None)),
        "max_features": max_features,
        "bootstrap": bool(_hp(cfg, p, "bootstrap")),
        **_tree_common(cfg, p, ctx),
    }
    return algorithm, params if regression else _balanced(params, ctx)


def ask_decision_tree(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    params = {
        "criterion": _criterion(_hp(cfg, p, "criterion"), regression),
        "max_depth": depth_from_factor(_hp(cfg, p, "max_depth_factor", None), ctx),
        **_tree_common(cfg, p, ctx),
    }
    return algorithm, params if regression else _balanced(params, ctx)


def ask_adaboost(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    """auto-sklearn's AdaBoost: the base tree's depth is ``estimator__max_depth`` (registry name), kept
    only where it differs from scikit-learn's default (1 for the classifier, 3 for the regressor), so
    configurations at the default depth keep their identity.

    >>> cfg = {"classifier:adaboost:max_depth": 4, "classifier:adaboost:n_estimators": 50,
    ...        "classifier:adaboost:learning_rate": 0.5}
    >>> ask_adaboost(cfg, "classifier:adaboost:", None, regression=False, algorithm="AdaBoostClassifier")
    ('AdaBoostClassifier', {'n_estimators': 50, 'learning_rate': 0.5, 'estimator__max_depth': 4})
    """
    depth = int(_hp(cfg, p, "max_depth"))
    params: dict[str, Any] = {"n_estimators": int(_hp(cfg, p, "n_estimators")),
                              "learning_rate": float(_hp(cfg, p, "learning_rate"))}
    if regression:
        params["loss"] = str(_hp(cfg, p, "loss"))
    if depth != (3 if regression else 1):
        params["estimator__max_depth"] = depth
    return algorithm, params


def ask_hist_gb(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    loss = str(_hp(cfg, p, "loss"))
    loss = {"auto": "log_loss", "least_squares": "squared_error"}.get(loss, loss)
    if loss not in (("squared_error", "absolute_error", "poisson", "quantile", "gamma") if regression
                    else ("log_loss",)):
        raise Unmapped(f"unknown gradient_boosting loss {loss!r}")
    params: dict[str, Any] = {
        "loss": loss,
        "learning_rate": float(_hp(cfg, p, "learning_rate")),
        "max_iter": 512,
        "min_samples_leaf": int(_hp(cfg, p, "min_samples_leaf")),
        "max_depth": _int_or_none(_hp(cfg, p, "max_depth", None)),
        "max_leaf_nodes": _int_or_none(_hp(cfg, p, "max_leaf_nodes", None)),
        "max_bins": int(_hp(cfg, p, "max_bins")),
        "l2_regularization": float(_hp(cfg, p, "l2_regularization")),
        "tol": float(_hp(cfg, p, "tol")),
        "scoring": _none(_hp(cfg, p, "scoring", None)),
    }
    early = _hp(cfg, p, "early_stop")
    if early == "off":
        params["early_stopping"] = False
    elif early == "train":
        params.update(early_stopping=True, validation_fraction=None,
                      n_iter_no_change=int(_hp(cfg, p, "n_iter_no_change")))
    elif early == "valid":
        params.update(early_stopping=True, validation_fraction=float(_hp(cfg, p, "validation_fraction")),
                      n_iter_no_change=int(_hp(cfg, p, "n_iter_no_change")))
    else:
        raise Unmapped(f"unknown early_stop {early!r}")
    return algorithm, params if regression else _balanced(params, ctx)


def ask_knn(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    return algorithm, {"n_neighbors": int(_hp(cfg, p, "n_neighbors")), "weights": str(_hp(cfg, p, "weights")),
                       "p": int(_hp(cfg, p, "p"))}


def ask_mlp(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    depth, width = int(_hp(cfg, p, "hidden_layer_depth")), int(_hp(cfg, p, "num_nodes_per_layer"))
    batch = _hp(cfg, p, "batch_size")
    params: dict[str, Any] = {
        "hidden_layer_sizes": [width] * depth,
        "activation": str(_hp(cfg, p, "activation")),
        "solver": str(_hp(cfg, p, "solver")),
        "alpha": float(_hp(cfg, p, "alpha")),
        "batch_size": batch if isinstance(batch, str) else int(batch),
        "learning_rate_init": float(_hp(cfg, p, "learning_rate_init")),
        "max_iter": 512,
        "shuffle": bool(_hp(cfg, p, "shuffle")),
        "n_iter_no_change": int(_hp(cfg, p, "n_iter_no_change")),
        "tol": float(_hp(cfg, p, "tol")),
        # auto-sklearn 0.15 passes beta_1=<its beta_2> and beta_2=<its beta_1>; we keep what sklearn received
        "beta_1": float(_hp(cfg, p, "beta_2")),
        "beta_2": float(_hp(cfg, p, "beta_1")),
        "epsilon": float(_hp(cfg, p, "epsilon")),
    }
    early = _hp(cfg, p, "early_stopping")
    if early == "train":
        params.update(early_stopping=False, validation_fraction=0.0)
    elif early == "valid":
        params.update(early_stopping=True, validation_fraction=float(_hp(cfg, p, "validation_fraction")))
    else:
        raise Unmapped(f"unknown MLP early_stopping {early!r}")
    return algorithm, params


SGD_LOSSES = {"log": "log_loss", "squared_loss": "squared_error"}


def ask_sgd(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    loss = str(_hp(cfg, p, "loss"))
    params = {
        "loss": SGD_LOSSES.get(loss, loss),
        "penalty": str(_hp(cfg, p, "penalty")),
        "alpha": float(_hp(cfg, p, "alpha")),
        "fit_intercept": bool(_hp(cfg, p, "fit_intercept")),
        "tol": float(_hp(cfg, p, "tol")),
        "learning_rate": str(_hp(cfg, p, "learning_rate")),
        # inactive hyperparameters take the component's __init__ defaults
        "l1_ratio": float(_hp(cfg, p, "l1_ratio", 0.15)),
        "epsilon": float(_hp(cfg, p, "epsilon", 0.1)),
        "eta0": float(_hp(cfg, p, "eta0", 0.01)),
        "power_t": float(_hp(cfg, p, "power_t", 0.5)),
        "average": bool(_hp(cfg, p, "average")),
        "max_iter": 1024,
    }
    return algorithm, params if regression else _balanced(params, ctx)


def ask_passive_aggressive(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    params = {"C": float(_hp(cfg, p, "C")), "fit_intercept": bool(_hp(cfg, p, "fit_intercept")),
              "tol": float(_hp(cfg, p, "tol")), "loss": str(_hp(cfg, p, "loss")),
              "average": bool(_hp(cfg, p, "average")), "max_iter": 1024}
    return algorithm, _balanced(params, ctx)


def ask_nb(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    return algorithm, {"alpha": float(_hp(cfg, p, "alpha")), "fit_prior": bool(_hp(cfg, p, "fit_prior"))}


def ask_gaussian_nb(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    return algorithm, {}


def ask_lda(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    shrinkage = _none(_hp(cfg, p, "shrinkage", None))
    tol = float(_hp(cfg, p, "tol"))
    if shrinkage is None:
        return algorithm, {"solver": "svd", "tol": tol}
    if shrinkage == "auto":
        return algorithm, {"solver": "lsqr", "shrinkage": "auto", "tol": tol}
    if shrinkage == "manual":
        return algorithm, {"solver": "lsqr", "shrinkage": float(_hp(cfg, p, "shrinkage_factor")), "tol": tol}
    raise Unmapped(f"unknown LDA shrinkage {shrinkage!r}")


def ask_qda(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    return algorithm, {"reg_param": float(_hp(cfg, p, "reg_param"))}


def ask_liblinear_svc(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    params = {"penalty": str(_hp(cfg, p, "penalty")), "loss": str(_hp(cfg, p, "loss")),
              "dual": bool(_hp(cfg, p, "dual")), "tol": float(_hp(cfg, p, "tol")), "C": float(_hp(cfg, p, "C")),
              "multi_class": str(_hp(cfg, p, "multi_class")), "fit_intercept": bool(_hp(cfg, p, "fit_intercept")),
              "intercept_scaling": float(_hp(cfg, p, "intercept_scaling"))}
    return algorithm, _balanced(params, ctx)


def ask_libsvm(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    # inactive hyperparameters take the component's __init__ defaults (degree 3, coef0 0, SVR gamma 0.1)
    degree = _none(_hp(cfg, p, "degree", None))
    coef0 = _none(_hp(cfg, p, "coef0", None))
    params = {"C": float(_hp(cfg, p, "C")), "kernel": str(_hp(cfg, p, "kernel")),
              "degree": 3 if degree is None else int(degree), "gamma": float(_hp(cfg, p, "gamma", 0.1)),
              "coef0": 0.0 if coef0 is None else float(coef0), "shrinking": bool(_hp(cfg, p, "shrinking")),
              "tol": float(_hp(cfg, p, "tol")), "max_iter": int(float(_hp(cfg, p, "max_iter")))}
    if regression:
        params["epsilon"] = float(_hp(cfg, p, "epsilon"))
        return algorithm, params
    return algorithm, _balanced(params, ctx)


def ask_liblinear_svr(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    return algorithm, {"epsilon": float(_hp(cfg, p, "epsilon")), "loss": str(_hp(cfg, p, "loss")),
                       "dual": bool(_hp(cfg, p, "dual")), "tol": float(_hp(cfg, p, "tol")),
                       "C": float(_hp(cfg, p, "C")), "fit_intercept": bool(_hp(cfg, p, "fit_intercept")),
                       "intercept_scaling": float(_hp(cfg, p, "intercept_scaling"))}


def ask_ard(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    # auto-sklearn always passes fit_intercept=True whatever the configuration says; n_iter became max_iter
    return algorithm, {"max_iter": int(_hp(cfg, p, "n_iter")), "tol": float(_hp(cfg, p, "tol")),
                       "alpha_1": float(_hp(cfg, p, "alpha_1")), "alpha_2": float(_hp(cfg, p, "alpha_2")),
                       "lambda_1": float(_hp(cfg, p, "lambda_1")), "lambda_2": float(_hp(cfg, p, "lambda_2")),
                       "threshold_lambda": float(_hp(cfg, p, "threshold_lambda")), "fit_intercept": True}


def ask_gaussian_process(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    raise Unmapped("GaussianProcessRegressor kernel (anisotropic RBF with thetaL/thetaU bounds) "
                   "is an object, not a JSON kwarg")


# component -> (registry name, translator); classification and regression
ASK_CLASSIFIERS = {
    "adaboost": ("AdaBoostClassifier", ask_adaboost),
    "bernoulli_nb": ("BernoulliNB", ask_nb),
    "decision_tree": ("DecisionTreeClassifier", ask_decision_tree),
    "extra_trees": ("ExtraTreesClassifier", ask_forest),
    "gaussian_nb": ("GaussianNB", ask_gaussian_nb),
    "gradient_boosting": ("HistGradientBoostingClassifier", ask_hist_gb),
    "k_nearest_neighbors": ("KNeighborsClassifier", ask_knn),
    "lda": ("LinearDiscriminantAnalysis", ask_lda),
    "liblinear_svc": ("LinearSVC", ask_liblinear_svc),
    "libsvm_svc": ("SVC", ask_libsvm),
    "mlp": ("MLPClassifier", ask_mlp),
    "multinomial_nb": ("MultinomialNB", ask_nb),
    "passive_aggressive": ("PassiveAggressiveClassifier", ask_passive_aggressive),
    "qda": ("QuadraticDiscriminantAnalysis", ask_qda),
    "random_forest": ("RandomForestClassifier", ask_forest),
    "sgd": ("SGDClassifier", ask_sgd),
}


ASK_REGRESSORS = {
    "adaboost": ("AdaBoostRegressor", ask_adaboost),
    "ard_regression": ("ARDRegression", ask_ard),
    "decision_tree": ("DecisionTreeRegressor", ask_decision_tree),
    "extra_trees": ("ExtraTreesRegressor", ask_forest),
    "gaussian_process": ("GaussianProcessRegressor", ask_gaussian_process),
    "gradient_boosting": ("HistGradientBoostingRegressor", ask_hist_gb),
    "k_nearest_neighbors": ("KNeighborsRegressor", ask_knn),
    "liblinear_svr": ("LinearSVR", ask_liblinear_svr),
    "libsvm_svr": ("SVR", ask_libsvm),
    "mlp": ("MLPRegressor", ask_mlp),
    "random_forest": ("RandomForestRegressor", ask_forest),
    "sgd": ("SGDRegressor", ask_sgd),
}


def map_autosklearn(cfg: Mapping[str, Any], *, regression: bool, n_features: float | None
                    ) -> tuple[str, dict[str, Any]]:
    """Translate one auto-sklearn pipeline configuration's model part into (registry name, sklearn kwargs).

    Raises :class:`Unmapped` with the reason when no honest translation exists.

    >>> cfg = {"classifier:__choice__": "qda", "classifier:qda:reg_param": 0.25}
    >>> map_autosklearn(cfg, regression=False, n_features=4.0)
    ('QuadraticDiscriminantAnalysis', {'reg_param': 0.25})
    """
    role = "regressor" if regression else "classifier"
    choice = cfg.get(f"{role}:__choice__")
    table = ASK_REGRESSORS if regression else ASK_CLASSIFIERS
    if choice not in table:
        raise Unmapped(f"unknown {role} {choice!r}")
    algorithm, translate = table[choice]
    ctx = AskContext(n_features=n_features, balanced=(not regression and cfg.get("balancing:strategy") == "weighting"))
    if ctx.balanced and choice in ("adaboost",):
        # AdaBoostClassifier has no class_weight; the balancing sample weights are dropped (counted)
        ctx = AskContext(n_features=n_features, balanced=False)
    return translate(cfg, f"{role}:{choice}:", ctx, regression=regression, algorithm=algorithm)


def dropped_preprocessing(cfg: Mapping[str, Any], regression: bool) -> list[str]:
    """The pipeline choices that the seed's configuration leaves out."""
    dropped = []
    feature = cfg.get("feature_preprocessor:__choice__")
    if feature and feature != "no_preprocessing":
        dropped.append(f"feature_preprocessor={feature}")
    rescaling = cfg.get("data_preprocessor:feature_type:numerical_transformer:rescaling:__choice__")
    if rescaling and rescaling != "none":
        dropped.append(f"rescaling={rescaling}")
    encoding = cfg.get("data_preprocessor:feature_type:categorical_transformer:categorical_encoding:__choice__")
    if encoding and encoding != "one_hot_encoding":
        dropped.append(f"categorical_encoding={encoding}")
    coalescence = cfg.get("data_preprocessor:feature_type:categorical_transformer:category_coalescence:__choice__")
    if coalescence and coalescence != "no_coalescense":
        dropped.append(f"category_coalescence={coalescence}")
    if not regression and cfg.get("balancing:strategy") == "weighting" and cfg.get("classifier:__choice__") == "adaboost":
        dropped.append("balancing=weighting (AdaBoost)")
    return dropped
