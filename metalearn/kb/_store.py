"""The knowledge base facade: one class over the KB's table-family modules.

A :class:`KnowledgeBase` wraps one SQLite file in WAL mode with a busy
timeout. Its methods live in one module per concern (``_connection``: open,
transactions, create and upgrade; ``_datasets``, ``_meta_features``,
``_configurations``, ``_runs``, ``_searches``; ``_derived``: the caches;
``_maintenance``: stats, check, export), combined here. Every write is one ``BEGIN IMMEDIATE`` transaction;
reads return frozen records or pandas DataFrames (copies). Configurations are
stored in canonical form (:func:`metalearn.space.canonical_config`: the
linear SVC below loses its inactive ``gamma``), one row per estimator. Failures are
:class:`~metalearn.exceptions.KBError` subclasses naming the file and the fix.

>>> import tempfile, os
>>> from metalearn.kb import KnowledgeBase, RunInput
>>> with tempfile.TemporaryDirectory() as tmp:
...     with KnowledgeBase.open(os.path.join(tmp, "kb.sqlite"), create="empty") as kb:
...         ds = kb.add_dataset("iris", task_type="multiclass", source="openml:61", openml_id=61)
...         cfg = kb.add_configuration("SVC", {"C": 2, "kernel": "linear", "gamma": 0.1})
...         kb.add_runs([RunInput(ds.dataset_id, cfg.configuration_id, "balanced_accuracy", 0.96, "5-fold CV")])
...         frame = kb.runs_frame(dataset_ids=[ds.dataset_id], metric="balanced_accuracy")
1
>>> frame[["algorithm", "params", "score"]].to_dict("records")
[{'algorithm': 'SVC', 'params': '{"C":2.0,"kernel":"linear"}', 'score': 0.96}]
"""

from __future__ import annotations

from metalearn.kb._configurations import Configurations, validate_configuration
from metalearn.kb._connection import Connection, create_kb, upgrade_kb
from metalearn.kb._datasets import Datasets
from metalearn.kb._derived import Derived
from metalearn.kb._maintenance import EXPORT_TABLES, Maintenance
from metalearn.kb._meta_features import MetaFeatures
from metalearn.kb._runs import Runs
from metalearn.kb._searches import Searches

__all__ = ["KnowledgeBase", "create_kb", "upgrade_kb", "validate_configuration", "EXPORT_TABLES"]


class KnowledgeBase(Datasets, MetaFeatures, Configurations, Runs, Searches, Derived, Maintenance, Connection):
    """A metalearn knowledge base file: datasets, meta-features, configurations, runs.

    Open one with :meth:`open`; use it as a context manager to close it.
    """
