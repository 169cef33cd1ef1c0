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
        _f("p", 1.0, 100.0, 2.0, shi=2.0),
        _c("metric", ("minkowski", "euclidean", "manhattan", "chebyshev", "cosine"), "minkowski", search=False),
        _c("algorithm", ("auto", "ball_tree", "kd_tree", "brute"), "auto", search=False),
        _fixed_int("leaf_size", 1, 10000, 30),
        _NJOBS,
    )


SPECS = (
    AlgorithmSpec("KNeighborsClassifier", "classification", "sklearn.neighbors.KNeighborsClassifier", _knn_params(), "scale"),
    AlgorithmSpec("KNeighborsRegressor", "regression", "sklearn.neighbors.KNeighborsRegressor", _knn_params(), "scale"),
)
