"""The knowledge base schema, as versioned migrations.

Each migration is a plain function of an open connection, applied once, in
the same transaction as its row in the ``migrations`` table. The schema
version of a KB is the highest version recorded there. Migrations only ever
add; a KB written by an older metalearn is brought up to date by
``metalearn kb upgrade`` (:func:`migrate`), never silently on open.

>>> import sqlite3
>>> conn = sqlite3.connect(":memory:", isolation_level=None)
>>> migrate(conn) == SCHEMA_VERSION
True
>>> schema_version(conn) == SCHEMA_VERSION
True
"""

from __future__ import annotations

import sqlite3
import time
from typing import Callable

from metalearn._version import __version__

__all__ = ["SCHEMA_VERSION", "APPLICATION_ID", "MIGRATIONS", "migrate", "schema_version"]

#: ``PRAGMA application_id`` of a metalearn KB ("MLKB").
APPLICATION_ID = 0x4D4C4B42


def _m1_base_tables(conn: sqlite3.Connection) -> None:
    """Tables for datasets, meta-features, algorithms, configurations, runs, searches, provenance."""
    for sql in (
        # key/value facts about this KB (created_at, created_from, seed_dir)
        """CREATE TABLE kb_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
        # provenance: who wrote a row (seed file with package/version/license, or "metalearn <version>")
        """CREATE TABLE sources (
            source_id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            package TEXT, version TEXT, file TEXT, license TEXT, description TEXT)""",
        """CREATE TABLE datasets (
            dataset_id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            source TEXT NOT NULL,
            openml_id INTEGER UNIQUE,
            openml_task_id INTEGER,
            task_type TEXT NOT NULL
                CHECK (task_type IN ('binary', 'multiclass', 'regression', 'classification')),
            n_rows INTEGER,
            n_cols INTEGER,
            content_hash TEXT UNIQUE,
            source_id INTEGER NOT NULL REFERENCES sources(source_id),
            created_at INTEGER NOT NULL)""",
        """CREATE TABLE meta_features (
            dataset_id INTEGER NOT NULL REFERENCES datasets(dataset_id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            computed_by TEXT NOT NULL,
            value REAL,
            source_id INTEGER NOT NULL REFERENCES sources(source_id),
            PRIMARY KEY (dataset_id, name, computed_by)) WITHOUT ROWID""",
        """CREATE TABLE algorithms (
            algorithm_id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE)""",
        """CREATE TABLE algorithm_flows (
            flow_id INTEGER PRIMARY KEY,
            algorithm_id INTEGER NOT NULL REFERENCES algorithms(algorithm_id),
            flow_name TEXT)""",
        """CREATE TABLE configurations (
            configuration_id INTEGER PRIMARY KEY,
            algorithm_id INTEGER NOT NULL REFERENCES algorithms(algorithm_id),
            params TEXT NOT NULL,
            config_hash TEXT NOT NULL UNIQUE,
            source_id INTEGER NOT NULL REFERENCES sources(source_id))""",
        """CREATE TABLE metrics (metric_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)""",
        """CREATE TABLE protocols (protocol_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)""",
        """CREATE TABLE searches (
            search_id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(dataset_id),
            metric_id INTEGER NOT NULL REFERENCES metrics(metric_id),
            settings TEXT NOT NULL,
            status TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            best_score REAL,
            n_trials INTEGER,
            metalearn_version TEXT NOT NULL)""",
        """CREATE TABLE runs (
            run_id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(dataset_id),
            configuration_id INTEGER NOT NULL REFERENCES configurations(configuration_id),
            metric_id INTEGER NOT NULL REFERENCES metrics(metric_id),
            score REAL,
            protocol_id INTEGER NOT NULL REFERENCES protocols(protocol_id),
            fit_time REAL,
            status TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'timeout', 'memout')),
            error TEXT,
            source_id INTEGER NOT NULL REFERENCES sources(source_id),
            openml_run_id INTEGER,
            search_id INTEGER REFERENCES searches(search_id),
            created_at INTEGER NOT NULL)""",
    ):
        conn.execute(sql)


def _m2_indexes_and_views(conn: sqlite3.Connection) -> None:
    """Indexes for the recommender's queries and a readable view of the runs."""
    for sql in (
        # runs_frame(dataset_ids=<nearest>, metric=...) and has_run(...)
        "CREATE INDEX runs_by_dataset ON runs (dataset_id, metric_id, configuration_id)",
        # an OpenML run is imported once per metric
        "CREATE UNIQUE INDEX runs_by_openml_run ON runs (openml_run_id, metric_id) "
        "WHERE openml_run_id IS NOT NULL",
        "CREATE INDEX runs_by_search ON runs (search_id) WHERE search_id IS NOT NULL",
        "CREATE INDEX configurations_by_algorithm ON configurations (algorithm_id)",
        """CREATE VIEW runs_view AS
            SELECT r.run_id, r.dataset_id, d.name AS dataset, d.openml_id, d.task_type,
                   r.configuration_id, a.name AS algorithm, c.params, m.name AS metric, r.score,
                   p.name AS protocol, r.fit_time, r.status, r.error, s.name AS source,
                   r.openml_run_id, r.search_id, r.created_at
            FROM runs r
            JOIN datasets d ON d.dataset_id = r.dataset_id
            JOIN configurations c ON c.configuration_id = r.configuration_id
            JOIN algorithms a ON a.algorithm_id = c.algorithm_id
            JOIN metrics m ON m.metric_id = r.metric_id
            JOIN protocols p ON p.protocol_id = r.protocol_id
            JOIN sources s ON s.source_id = r.source_id""",
    ):
        conn.execute(sql)


def _m3_meta_feature_matrix(conn: sqlite3.Connection) -> None:
    """A cached wide matrix of the preferred meta-feature values, with a change counter.

    Triggers bump ``kb_state.meta_features_generation`` on every change to
    ``meta_features`` or ``datasets``; the cache is valid while its generation
    matches. It holds float64/int64 arrays as raw little-endian bytes (data,
    never pickles).
    """
    for sql in (
        "CREATE TABLE kb_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        "INSERT INTO kb_state (key, value) VALUES ('meta_features_generation', 0)",
        """CREATE TABLE meta_feature_matrix (
            part TEXT PRIMARY KEY,
            generation INTEGER NOT NULL,
            data BLOB NOT NULL)""",
    ):
        conn.execute(sql)
    for table, event in (
        ("meta_features", "INSERT"),
        ("meta_features", "UPDATE"),
        ("meta_features", "DELETE"),
        ("datasets", "DELETE"),
    ):
        conn.execute(
            f"CREATE TRIGGER {table}_{event.lower()}_generation AFTER {event} ON {table} "
            "BEGIN UPDATE kb_state SET value = value + 1 WHERE key = 'meta_features_generation'; END"
        )


#: Triggers of migration 4: (table, event) -> a change that may alter the runs matrix.
_RUNS_MATRIX_TRIGGERS = (
    ("runs", "INSERT"),
    ("runs", "UPDATE OF dataset_id, configuration_id, metric_id, score, status"),  # not fit_time
    ("runs", "DELETE"),
    ("configurations", "UPDATE"),
    ("configurations", "DELETE"),
    ("algorithms", "UPDATE"),
    ("algorithms", "DELETE"),
    ("metrics", "UPDATE"),
    ("metrics", "DELETE"),
)


def runs_matrix_trigger_sql(table: str, event: str) -> tuple[str, str]:
    """(name, CREATE TRIGGER statement) of one trigger bumping ``kb_state.runs_generation``."""
    name = f"{table}_{event.split()[0].lower()}_runs_generation"
    return name, (
        f"CREATE TRIGGER {name} AFTER {event} ON {table} "
        "BEGIN UPDATE kb_state SET value = value + 1 WHERE key = 'runs_generation'; END"
    )


def _m4_runs_matrix(conn: sqlite3.Connection) -> None:
    """A cached per-metric runs matrix (dataset, configuration, score arrays), with its change counter.

    Triggers bump ``kb_state.runs_generation`` whenever runs (other than their
    fit times), configurations, algorithms or metrics change; the cache is valid
    while its generation matches. Arrays are raw little-endian bytes and the
    configurations plain JSON (data, never pickles).
    """
    conn.execute("INSERT INTO kb_state (key, value) VALUES ('runs_generation', 0)")
    conn.execute(
        """CREATE TABLE runs_matrix (
            part TEXT PRIMARY KEY,
            generation INTEGER NOT NULL,
            data BLOB NOT NULL)"""
    )
    for table, event in _RUNS_MATRIX_TRIGGERS:
        conn.execute(runs_matrix_trigger_sql(table, event)[1])


def _m5_canonical_configurations(conn: sqlite3.Connection) -> None:
    """One configuration per estimator: stored configurations in canonical form, duplicates merged."""
    if conn.execute("SELECT count(*) FROM configurations").fetchone()[0]:
        from metalearn.kb._configurations import merge_configurations  # imported here: it imports the registry

        merge_configurations(conn)


#: (version, name, function), in order. Never edit an applied migration: add a new one.
MIGRATIONS: tuple[tuple[int, str, Callable[[sqlite3.Connection], None]], ...] = (
    (1, "base tables", _m1_base_tables),
    (2, "indexes and views", _m2_indexes_and_views),
    (3, "meta-feature matrix cache", _m3_meta_feature_matrix),
    (4, "runs matrix cache", _m4_runs_matrix),
    (5, "canonical configurations", _m5_canonical_configurations),
)
#: The schema version this metalearn writes and reads.
SCHEMA_VERSION = MIGRATIONS[-1][0]


def _has_migrations_table(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'"
    ).fetchone()
    return row is not None


def schema_version(conn: sqlite3.Connection) -> int | None:
    """The schema version of an open KB, or None when it has no ``migrations`` table."""
    if not _has_migrations_table(conn):
        return None
    row = conn.execute("SELECT max(version) FROM migrations").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Apply the migrations above the KB's version, up to ``target``; return the new version.

    Each migration runs in its own ``BEGIN IMMEDIATE`` transaction together with
    its row in ``migrations``, so a KB is always at a whole version. The
    connection must be in autocommit mode (``isolation_level=None``).
    """
    target = SCHEMA_VERSION if target is None else target
    conn.execute("BEGIN IMMEDIATE")
    try:
        if not _has_migrations_table(conn):
            conn.execute(
                "CREATE TABLE migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                "applied_at INTEGER NOT NULL, metalearn_version TEXT NOT NULL)"
            )
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    for version, name, function in MIGRATIONS:
        if version > target:
            break
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = schema_version(conn) or 0
            if version <= current:
                conn.execute("ROLLBACK")
                continue
            function(conn)
            conn.execute(
                "INSERT INTO migrations (version, name, applied_at, metalearn_version) VALUES (?, ?, ?, ?)",
                (version, name, int(time.time()), __version__),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return schema_version(conn) or 0
