"""Fill the knowledge base in bulk: a portfolio of configurations over many datasets.

:func:`build_kb` evaluates every configuration of a portfolio on every dataset
and writes each result to the knowledge base as soon as it arrives. It is

* **resumable and idempotent**: a (dataset, configuration, metric, protocol)
  already in the KB is not run again, so an interrupted build continues where
  it stopped when started again, and a finished one adds nothing;
* **guarded**: each evaluation runs under :func:`metalearn.evaluate.evaluate`
  (its own worker process, a timeout and a memory cap); failures are written
  as runs with their status (``failed``, ``timeout``, ``memout``);
* **parallel**: ``n_jobs`` local processes (joblib's loky backend), or the
  workers of a dask.distributed cluster given by ``scheduler``. Only the
  driver (the process calling :func:`build_kb`) writes the KB, so the KB file
  never needs to be shared with the workers.

Portfolios (``portfolio=``):

``"defaults"``
    each algorithm of the dataset's task with its default parameters;
``"random:N"``
    N configurations sampled at random (seeded) from the search space;
``"kb-top:N"``
    the N configurations with the best mean rank over the KB's datasets of
    the same task family and metric;
a file path
    a JSON list of ``{"algorithm": ..., "params": {...}}`` objects, or a CSV
    with columns ``algorithm`` and ``params`` (JSON text).

Examples
--------
>>> parse_portfolio_spec("random:20")
('random', 20)
>>> parse_portfolio_spec("defaults")
('defaults', None)
>>> default_protocol(5)
'5-fold CV'
"""

from __future__ import annotations

from metalearn.build._driver import build_kb, default_protocol
from metalearn.build._inputs import DATA_SUFFIXES, expand_datasets, read_manifest  # noqa: F401 (DATA_SUFFIXES)
from metalearn.build._portfolio import parse_portfolio_spec, resolve_portfolio
from metalearn.build._records import NOT_RUN, BuildReport, BuildTask, DatasetEntry, TaskOutcome  # noqa: F401 (NOT_RUN)
from metalearn.tasks import default_metric

__all__ = [
    "BuildReport",
    "BuildTask",
    "DatasetEntry",
    "TaskOutcome",
    "build_kb",
    "default_metric",
    "default_protocol",
    "expand_datasets",
    "parse_portfolio_spec",
    "read_manifest",
    "resolve_portfolio",
]
