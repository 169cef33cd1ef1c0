"""Warm-started Bayesian search that writes what it learns back to the knowledge base.

:func:`search` runs an Optuna study (TPE sampler, seedable) over the algorithm
registry of :mod:`metalearn.space`. Its first trials are the recommender's top
configurations for the dataset (the *warm start*); every trial runs in a worker
process with a wall-clock timeout and a memory cap (:func:`metalearn.evaluate.evaluate`),
so a configuration that crashes, hangs or runs out of memory is recorded as
failed with its reason and the search goes on. Each finished trial is committed
to the knowledge base at once, so a killed search loses only the trials in flight.

The package is named ``searcher`` so that no module shares its name with the
function ``metalearn.search``. By concern:

* ``_core``: :func:`search`, the entry point;
* ``_inputs``: the data, its checks, the KB and the meta-features;
* ``_plan``: the warm start;
* ``_study``: the Optuna study, its trial attributes and prior trials;
* ``_progress``: the progress bar;
* ``result``: :class:`TrialRecord` and :class:`SearchResult`.
"""

from metalearn.searcher._core import DEFAULT_TIME_BUDGET, DEFAULT_TRIAL_TIMEOUT, DEFAULT_WARM_START, SYNC_BATCH, search
from metalearn.searcher._inputs import check_cross_validatable
from metalearn.searcher._plan import WARM_START_STRATEGIES, warm_start_plan
from metalearn.searcher.result import SearchResult, TrialRecord
from metalearn.tasks import default_metric

__all__ = [
    "search",
    "SearchResult",
    "TrialRecord",
    "DEFAULT_TIME_BUDGET",
    "SYNC_BATCH",
    "DEFAULT_WARM_START",
    "DEFAULT_TRIAL_TIMEOUT",
    "WARM_START_STRATEGIES",
    "warm_start_plan",
    "default_metric",
    "check_cross_validatable",
]
