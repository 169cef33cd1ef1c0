"""Nearest neighbours."""

from __future__ import annotations

from metalearn.space._params import (
    _NJOBS,
    AlgorithmSpec,
    _c,
    _f,
    _fixed_int,
    _i,
)


def _knn_params():
    return (
        _i("n_neighbors", 1, 10000, 5, log=True, shi=100),
        _c("weights", ("uniform", "distance"), "uniform"),
        # p is not searched: a fractional p (1.87) takes sklearn's slow general Minkowski path (14-40 s per 5-fold CV
        # on 10k rows); the search picks the distance through metric instead: minkowski (p=2) or manhattan (p=1)
        _f("p", 1.0, 100.0, 2.0, search=False),
        _c("metric", ("minkowski", "euclidean", "manhattan", "chebyshev", "cosine"), "minkowski",
           unsearched=("euclidean", "chebyshev", "cosine")),
        _c("algorithm", ("auto", "ball_tree", "kd_tree", "brute"), "auto", search=False),
        _fixed_int("leaf_size", 1, 10000, 30),
        _NJOBS,
    )


SPECS = (
    AlgorithmSpec("KNeighborsClassifier", "classification", "sklearn.neighbors.KNeighborsClassifier", _knn_params(), "scale"),
    AlgorithmSpec("KNeighborsRegressor", "regression", "sklearn.neighbors.KNeighborsRegressor", _knn_params(), "scale"),
)
