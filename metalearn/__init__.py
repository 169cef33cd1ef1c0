"""metalearn: meta-learning recommendations for tabular machine learning.

The top-level functions are imported lazily, so ``import metalearn`` is fast
and has no side effects. No submodule shares its name with one of
these functions, so ``metalearn.search`` is always the function:

* :func:`load_dataset` (``metalearn.data``): load and validate a dataset;
* :func:`quality_report` (``metalearn.data``): columns that leak the target, and identifiers;
* :func:`characterize` (``metalearn.metafeatures``): meta-features in OpenML's vocabulary;
* :func:`recommend` (``metalearn.recommender``): configurations ranked from the knowledge base;
* :func:`search` (``metalearn.searcher``): warm-started Bayesian search, written back to the KB;
  :class:`SearchConfig` holds its options and their defaults;
* :class:`KnowledgeBase` (``metalearn.kb``): the SQLite store of past runs;
* :class:`MetaLearnClassifier`, :class:`MetaLearnRegressor`: scikit-learn estimators.
"""

from __future__ import annotations

import importlib
from typing import Any

from metalearn._version import __version__

_LAZY = {
    "load_dataset": ("metalearn.data", "load_dataset"),
    "Dataset": ("metalearn.data", "Dataset"),
    "quality_report": ("metalearn.data", "quality_report"),
    "characterize": ("metalearn.metafeatures", "characterize"),
    "MetaFeatures": ("metalearn.metafeatures", "MetaFeatures"),
    "recommend": ("metalearn.recommender", "recommend"),
    "Recommendation": ("metalearn.recommender", "Recommendation"),
    "search": ("metalearn.searcher", "search"),
    "SearchResult": ("metalearn.searcher", "SearchResult"),
    "SearchConfig": ("metalearn.searcher.config", "SearchConfig"),
    "KnowledgeBase": ("metalearn.kb", "KnowledgeBase"),
    "MetaLearnClassifier": ("metalearn.estimators", "MetaLearnClassifier"),
    "MetaLearnRegressor": ("metalearn.estimators", "MetaLearnRegressor"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module_name, attr = _LAZY[name]
        value = getattr(importlib.import_module(module_name), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'metalearn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
