"""Naive Bayes."""

from __future__ import annotations

from metalearn.space._params import (
    AlgorithmSpec,
    _b,
    _f,
)


SPECS = (
    AlgorithmSpec(
        "BernoulliNB",
        "classification",
        "sklearn.naive_bayes.BernoulliNB",
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
        "sklearn.naive_bayes.ComplementNB",
        (
            _f("alpha", 0.0, 1e6, 1.0, log=True, slo=0.01, shi=100.0),
            _b("fit_prior", True, search=False),
            _b("norm", False),
            _b("force_alpha", True, search=False),
        ),
        "nonneg",
    ),
    AlgorithmSpec(
        "GaussianNB",
        "classification",
        "sklearn.naive_bayes.GaussianNB",
        (_f("var_smoothing", 0.0, 1e3, 1e-9, log=True, slo=1e-12, shi=1e-3),),
        "scale",
    ),
    AlgorithmSpec(
        "MultinomialNB",
        "classification",
        "sklearn.naive_bayes.MultinomialNB",
        (
            _f("alpha", 0.0, 1e6, 1.0, log=True, slo=0.01, shi=100.0),
            _b("fit_prior", True),
            _b("force_alpha", True, search=False),
        ),
        "nonneg",
    ),
)
