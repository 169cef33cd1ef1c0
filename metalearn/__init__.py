"""metalearn: meta-learning recommendations for tabular machine learning.

The top-level functions are imported lazily, so ``import metalearn`` is fast
and has no side effects:

* :func:`load_dataset` (``metalearn.data``): load and validate a dataset;
* :func:`quality_report` (``metalearn.data``): columns that leak the target, and identifiers;
* :func:`characterize` (``metalearn.metafeatures``): meta-features in OpenML's vocabulary;
* :func:`recommend` (``metalearn.recommender``): configurations ranked from the knowledge base;
* :func:`search` (``metalearn.search``): warm-started Bayesian search, written back to the KB;
* :class:`KnowledgeBase` (``metalearn.kb``): the SQLite store of past runs;
* :class:`MetaLearnClassifier`, :class:`MetaLearnRegressor`: scikit-learn estimators.
"""

from __future__ import annotations

import importlib
import sys
import types
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
    "search": ("metalearn.search", "search"),
    "SearchResult": ("metalearn.search", "SearchResult"),
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


class _Package(types.ModuleType):
    """Keeps ``metalearn.recommend`` and ``metalearn.search`` the functions.

    Those two names are still also submodules: ``metalearn/recommend.py`` (a shim
    of :mod:`metalearn.recommender`, kept for ``from metalearn.recommend import
    ...``) and ``metalearn/search.py``. Importing a submodule makes
    Python set the package attribute of that name to the module; this keeps the
    function there instead, so ``metalearn.search(...)`` works whatever was
    imported first, while ``import metalearn.search`` and ``from
    metalearn.search import SearchResult`` still find the module in
    ``sys.modules``. Only the names in :data:`_SHADOWED` are affected; once no
    submodule carries a function's name, the rule never applies (the
    meta-features live in :mod:`metalearn.metafeatures`, so ``characterize``
    needs none of this).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType) and value.__name__ == f"{__name__}.{name}":
            value = getattr(value, name)
        super().__setattr__(name, value)


#: Exported functions that share their name with a submodule.
_SHADOWED = frozenset({"recommend", "search"})

sys.modules[__name__].__class__ = _Package


def __dir__() -> list[str]:
    return sorted(__all__)
