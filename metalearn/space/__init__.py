"""The algorithm registry and search space: one declarative table.

Every algorithm metalearn can recommend, search or build is one
:class:`AlgorithmSpec` in :data:`ALGORITHMS`, keyed by its scikit-learn class
name. A spec lists its constructor parameters as :class:`Param` records
(kind, valid range, search range, choices, default, whether the search samples
it, and when it is active) and names the preprocessing the algorithm needs.
Everything else reads that table: validation, default configurations, the
Optuna search space, canonical configurations and the pipelines.

The package, one job per module: ``_params`` (Param, AlgorithmSpec, checking one
value, the table's constructors), the table by family (``trees``, ``linear``,
``svm``, ``neighbors``, ``bayes``, ``mlp``, ``discriminant``), ``_compat``
(scikit-learn version shims), ``registry`` (ALGORITHMS, lookup, validation,
defaults, portfolios), ``pipeline`` (preprocessing recipes and pipelines),
``optuna`` (the search space as readable Optuna parameters) and ``canonical``
(one configuration per estimator). Every public name is importable from here.

A spec names its estimator class by dotted path (``"sklearn.svm.SVC"``); scikit-learn is
imported only when an estimator or pipeline is built (:meth:`AlgorithmSpec.make_estimator`,
:func:`make_pipeline`), so reading the table, validating and canonicalizing configurations,
and the recommender's check of every pick do not import it (``tests/test_import_cost.py``).

Parameters are JSON-able scikit-learn constructor keyword arguments, as
stored in the knowledge base. Validation takes JSON types (lists, null) and
returns Python values (tuples, None).

>>> from metalearn import space
>>> space.get_algorithm("SVC").task
'classification'
>>> space.validate_params("SVC", {"C": 2, "kernel": "poly", "degree": 3})
{'C': 2.0, 'kernel': 'poly', 'degree': 3}
>>> space.validate_params("SVC", {"C": -1.0})
Traceback (most recent call last):
...
metalearn.exceptions.InvalidParamsError: SVC: parameter 'C' = -1.0 is out of range; use a float in [1e-06, 1000000.0]
>>> sorted(space.default_params("SVC"))
['C', 'class_weight', 'gamma', 'kernel']
"""

from __future__ import annotations

__all__ = [
    "Param",
    "AlgorithmSpec",
    "ALGORITHMS",
    "PREPROCESSING",
    "get_algorithm",
    "algorithms_for",
    "validate_params",
    "default_params",
    "default_portfolio",
    "default_search_algorithms",
    "make_pipeline",
    "make_preprocessor",
    "suggest",
    "to_trial_params",
    "from_trial_params",
    "canonical_config",
    "trial_key",
]

from metalearn.space._compat import _SKLEARN_1_6, _SKLEARN_1_8, _SKLEARN_1_9  # noqa: F401  (tests read them)
from metalearn.space._params import KINDS, AlgorithmSpec, Param  # noqa: F401  (KINDS: the kinds of Param)
from metalearn.space.registry import (
    ALGORITHMS,
    algorithms_for,
    default_params,
    default_portfolio,
    default_search_algorithms,
    get_algorithm,
    validate_params,
)
from metalearn.space.pipeline import (  # noqa: F401  (ONE_HOT_*: the recipes' constants)
    ONE_HOT_MAX_CATEGORIES,
    ONE_HOT_MIN_FREQUENCY,
    PREPROCESSING,
    make_pipeline,
    make_preprocessor,
)
from metalearn.space.optuna import from_trial_params, suggest, to_trial_params, trial_key
from metalearn.space.canonical import canonical_config
