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

* ``config``: :class:`SearchConfig`, every search option and its one default, validated;
* ``_core``: :func:`search`, the entry point, which builds a config and forwards to :func:`run_search`;
* ``_inputs``: the data, its checks, the KB and the meta-features;
* ``_start``: the recommendations, the study and its first trials; ``_plan``: the warm start;
  ``_cost``: the cost model that fits it to a time budget;
* ``_loop``: the trial loop (workers, budgets, batches, callbacks; no KB);
* ``_trial``: one trial (configuration, evaluation, attributes); ``_fidelity``: its rungs and the pruner;
* ``_writeback``: the KB write-back, a callback of the loop;
* ``_final``: the ensemble or single model refitted at the end;
* ``_study``: the Optuna study, its trial attributes and prior trials; ``_progress``: the progress bar;
* ``result``: :class:`TrialRecord` and :class:`SearchResult`.

The names below are loaded on first use (PEP 562), so that importing ``metalearn.searcher.config``
(the CLI and the estimators do, for the defaults) does not import the whole search.
"""

from __future__ import annotations

import importlib

_NAMES = {
    "search": "_core", "run_search": "_core",
    "SearchConfig": "config", "DEFAULT_TIME_BUDGET": "config", "DEFAULT_TRIAL_TIMEOUT": "config",
    "DEFAULT_WARM_START": "config",
    "SYNC_BATCH": "_loop",
    "check_cross_validatable": "_inputs",
    "WARM_START_STRATEGIES": "_plan", "warm_start_plan": "_plan",
    "SearchResult": "result", "TrialRecord": "result",
}

__all__ = ["search", "run_search", "SearchConfig", "SearchResult", "TrialRecord", "DEFAULT_TIME_BUDGET", "SYNC_BATCH",
           "DEFAULT_WARM_START", "DEFAULT_TRIAL_TIMEOUT", "WARM_START_STRATEGIES", "warm_start_plan", "default_metric",
           "check_cross_validatable"]


def __getattr__(name):
    if name == "default_metric":
        from metalearn.tasks import default_metric

        return default_metric
    if name not in _NAMES:
        raise AttributeError(f"module 'metalearn.searcher' has no attribute {name!r}")
    return getattr(importlib.import_module(f"metalearn.searcher.{_NAMES[name]}"), name)


def __dir__():
    return sorted(set(globals()) | set(__all__))
