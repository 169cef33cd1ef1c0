"""The knowledge base: datasets, meta-features, configurations and runs in one SQLite file.

This package is the only part of metalearn that speaks SQL. Open a KB with
:meth:`KnowledgeBase.open`; the default location is ``$METALEARN_KB``, else
``$XDG_DATA_HOME/metalearn/kb.sqlite``, created from the shipped seed on first use.
:func:`import_openml` adds OpenML's runs of scikit-learn flows (needs the
``openml`` package and network, or its cache).

>>> from metalearn.kb import KnowledgeBase, RunInput, SCHEMA_VERSION
>>> SCHEMA_VERSION >= 1
True
"""

from metalearn.kb._openml import ImportReport, import_openml
from metalearn.kb._locate import SEED_FILES, default_path, find_seed, resolve_path
from metalearn.kb._schema import SCHEMA_VERSION
from metalearn.kb.protocol import KBReader
from metalearn.kb._store import EXPORT_TABLES, KnowledgeBase, create_kb, upgrade_kb, validate_configuration
from metalearn.kb.records import (
    DEFAULT_SOURCE,
    RUN_STATUSES,
    SEARCH_STATUSES,
    TASK_TYPES,
    CheckIssue,
    CheckReport,
    ConfigurationRecord,
    DatasetInput,
    DatasetRecord,
    KBStats,
    RunInput,
    RunScores,
    SearchRecord,
)

__all__ = [
    "KnowledgeBase",
    "KBReader",
    "RunInput",
    "DatasetRecord",
    "DatasetInput",
    "ConfigurationRecord",
    "SearchRecord",
    "KBStats",
    "RunScores",
    "CheckIssue",
    "CheckReport",
    "SCHEMA_VERSION",
    "SEED_FILES",
    "EXPORT_TABLES",
    "DEFAULT_SOURCE",
    "RUN_STATUSES",
    "SEARCH_STATUSES",
    "TASK_TYPES",
    "default_path",
    "resolve_path",
    "find_seed",
    "create_kb",
    "upgrade_kb",
    "validate_configuration",
    "import_openml",
    "ImportReport",
]
