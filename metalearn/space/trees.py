"""Trees, forests and boosting: the registry's tree family."""

from __future__ import annotations

from metalearn.space._compat import _gradient_boosting, _tree_criterion

from metalearn.space._params import (
    _CW,
    _CW_FOREST,
    _NJOBS,
    _SEED,
    _VERBOSE,
    _WARM,
    AlgorithmSpec,
    _b,
    _c,
    _f,
    _fixed_float,
    _fixed_int,
    _i,
)


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


SPECS = (
    AlgorithmSpec(
        "AdaBoostClassifier",
        "classification",
        "sklearn.ensemble.AdaBoostClassifier",
        _adaboost_params((), 1),
        "tree",
        base_estimator="sklearn.tree.DecisionTreeClassifier",
    ),
    AlgorithmSpec("DecisionTreeClassifier", "classification", "sklearn.tree.DecisionTreeClassifier",
                  _tree_params(_CLF_CRITERIA, None, True) + (_c("splitter", ("best", "random"), "best", search=False),),
                  "tree"),
    AlgorithmSpec("ExtraTreeClassifier", "classification", "sklearn.tree.ExtraTreeClassifier",
                  _tree_params(_CLF_CRITERIA, "sqrt", True) + (_c("splitter", ("best", "random"), "random", search=False),),
                  "tree"),
    AlgorithmSpec("ExtraTreesClassifier", "classification", "sklearn.ensemble.ExtraTreesClassifier",
                  _forest_params(_CLF_CRITERIA, "sqrt", False, True), "tree"),
    AlgorithmSpec("GradientBoostingClassifier", "classification", "sklearn.ensemble.GradientBoostingClassifier",
                  _gb_params(("log_loss", "exponential"), True), "tree",
                  build=_gradient_boosting),
    AlgorithmSpec("HistGradientBoostingClassifier", "classification", "sklearn.ensemble.HistGradientBoostingClassifier",
                  _hgb_params(("log_loss",), True), "native"),
    AlgorithmSpec("RandomForestClassifier", "classification", "sklearn.ensemble.RandomForestClassifier",
                  _forest_params(_CLF_CRITERIA, "sqrt", True, True), "tree"),
    AlgorithmSpec(
        "AdaBoostRegressor",
        "regression",
        "sklearn.ensemble.AdaBoostRegressor",
        _adaboost_params(("linear", "square", "exponential"), 3),
        "tree",
        base_estimator="sklearn.tree.DecisionTreeRegressor",
    ),
    AlgorithmSpec("DecisionTreeRegressor", "regression", "sklearn.tree.DecisionTreeRegressor",
                  _tree_params(_REG_CRITERIA, None, False) + (_c("splitter", ("best", "random"), "best", search=False),),
                  "tree", build=_tree_criterion),
    AlgorithmSpec("ExtraTreesRegressor", "regression", "sklearn.ensemble.ExtraTreesRegressor",
                  _forest_params(_REG_CRITERIA, 1.0, False, False), "tree",
                  build=_tree_criterion),
    AlgorithmSpec("GradientBoostingRegressor", "regression", "sklearn.ensemble.GradientBoostingRegressor",
                  _gb_params(("squared_error", "absolute_error", "huber", "quantile"), False), "tree",
                  build=_gradient_boosting),
    AlgorithmSpec("HistGradientBoostingRegressor", "regression", "sklearn.ensemble.HistGradientBoostingRegressor",
                  _hgb_params(("squared_error", "absolute_error", "gamma", "poisson", "quantile"), False), "native"),
    AlgorithmSpec("RandomForestRegressor", "regression", "sklearn.ensemble.RandomForestRegressor",
                  _forest_params(_REG_CRITERIA, 1.0, True, False), "tree",
                  build=_tree_criterion),
)
