"""Whole-KB views and upkeep: schema version, size, stats, check, export."""

from __future__ import annotations

import json
import os
from pathlib import Path

from metalearn._canonical import config_hash
from metalearn.exceptions import KBError
from metalearn.kb._schema import schema_version
from metalearn.kb.records import CheckIssue, CheckReport, KBStats
from metalearn.kb._configurations import configuration_problem, duplicate_configurations
from metalearn.kb._connection import translate

#: Tables written by ``export`` (one file each), in dependency order.
EXPORT_TABLES = (
    "migrations", "kb_info", "sources", "datasets", "meta_features", "algorithms", "algorithm_flows",
    "configurations", "metrics", "protocols", "searches", "runs",
)


class Maintenance:
    """KnowledgeBase methods over the whole KB."""

    @translate
    def schema_version(self) -> int:
        """The schema version of this KB."""
        return schema_version(self._conn) or 0

    def size_bytes(self) -> int:
        """Bytes on disk: the file and its write-ahead log."""
        return sum(
            Path(f"{self._path}{suffix}").stat().st_size
            for suffix in ("", "-wal")
            if Path(f"{self._path}{suffix}").exists()
        )

    @translate
    def stats(self) -> KBStats:
        """Counts by table, runs by source/metric/status, datasets by task and source, size on disk."""
        conn = self._conn

        def count(table: str) -> int:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

        def grouped(sql: str) -> dict[str, int]:
            return {str(k): v for k, v in conn.execute(sql)}

        conn.execute("BEGIN")
        try:
            by_source = grouped(
                "SELECT s.name, g.n FROM (SELECT source_id, count(*) AS n FROM runs GROUP BY source_id) g "
                "JOIN sources s USING (source_id) ORDER BY g.n DESC"
            )
            stats = KBStats(
                path=str(self._path),
                schema_version=schema_version(conn) or 0,
                size_bytes=self.size_bytes(),
                n_sources=count("sources"),
                n_datasets=count("datasets"),
                n_meta_features=count("meta_features"),
                n_algorithms=count("algorithms"),
                n_configurations=count("configurations"),
                n_runs=sum(by_source.values()),
                n_searches=count("searches"),
                runs_by_source=by_source,
                runs_by_metric=grouped(
                    "SELECT m.name, g.n FROM (SELECT metric_id, count(*) AS n FROM runs GROUP BY metric_id) g "
                    "JOIN metrics m USING (metric_id) ORDER BY g.n DESC"
                ),
                runs_by_status=grouped("SELECT status, count(*) AS n FROM runs GROUP BY status ORDER BY n DESC"),
                datasets_by_task=grouped(
                    "SELECT task_type, count(*) AS n FROM datasets GROUP BY task_type ORDER BY n DESC"
                ),
                datasets_by_source=grouped(
                    "SELECT s.name, count(*) AS n FROM datasets d JOIN sources s USING (source_id) "
                    "GROUP BY s.name ORDER BY n DESC"
                ),
            )
        finally:
            conn.execute("COMMIT")
        return stats

    @translate
    def check(self, *, quick: bool = False) -> CheckReport:
        """Check the file and its content; return every problem found (nothing is run).

        Runs SQLite's ``integrity_check`` (``quick_check`` with ``quick``) and
        ``foreign_key_check``, then checks every configuration against the
        registry (algorithm known, parameters a valid JSON object the space
        accepts, stored hash matching), and that successful runs have finite scores.
        """
        conn = self._conn
        pragma = "quick_check" if quick else "integrity_check"
        messages = [row[0] for row in conn.execute(f"PRAGMA {pragma}")]
        integrity = "ok" if messages == ["ok"] else "; ".join(messages[:20])
        issues: list[CheckIssue] = []
        for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check"):
            issues.append(CheckIssue(table, rowid, "dangling reference", f"refers to a missing row of {parent}"))
        n_checked = 0
        for configuration_id, algorithm, params_json, stored_hash in conn.execute(
            "SELECT c.configuration_id, a.name, c.params, c.config_hash FROM configurations c "
            "LEFT JOIN algorithms a ON a.algorithm_id = c.algorithm_id ORDER BY c.configuration_id"
        ):
            n_checked += 1
            if algorithm is None:
                issues.append(CheckIssue("configurations", configuration_id, "unknown algorithm",
                                         "its algorithm_id is not in the algorithms table"))
                continue
            kind, message, _ = configuration_problem(algorithm, params_json)
            if kind:
                issues.append(CheckIssue("configurations", configuration_id, kind, message))
                continue
            original = json.loads(params_json)
            if config_hash(algorithm, original) != stored_hash:
                issues.append(CheckIssue("configurations", configuration_id, "hash mismatch",
                                         f"config_hash {stored_hash} does not match {algorithm} {params_json[:80]}"))
        for _, (algorithm, text, ids) in duplicate_configurations(conn).items():
            for other in ids[1:]:
                issues.append(CheckIssue(
                    "configurations", other, "duplicate estimator",
                    f"the same estimator as configuration {ids[0]} ({algorithm} {text[:80]}): merge them with "
                    "KnowledgeBase.merge_configurations()",
                ))
        bad_scores = conn.execute(
            "SELECT count(*), min(run_id) FROM runs WHERE status = 'ok' AND (score IS NULL OR abs(score) > 1e308)"
        ).fetchone()
        if bad_scores[0]:
            issues.append(CheckIssue("runs", bad_scores[1], "missing score",
                                     f"{bad_scores[0]} run(s) with status ok have no finite score"))
        return CheckReport(
            path=str(self._path),
            schema_version=schema_version(conn) or 0,
            integrity=integrity,
            n_configurations_checked=n_checked,
            issues=tuple(issues),
        )

    @translate
    def export(self, directory: str | os.PathLike, *, format: str = "csv") -> list[Path]:
        """Write one file per table (``<table>.csv`` or ``<table>.parquet``) into ``directory``."""
        if format not in ("csv", "parquet"):
            raise KBError(f"export format {format!r} is not one of csv, parquet")
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        self._conn.execute("BEGIN")  # one consistent snapshot for every table
        try:
            for table in EXPORT_TABLES:
                target = out / f"{table}.{format}"
                if format == "csv":
                    self._export_csv(table, target)
                else:
                    self._export_parquet(table, target)
                written.append(target)
        finally:
            self._conn.execute("COMMIT")
        return written

    def _export_csv(self, table: str, target: Path) -> None:
        import csv

        cursor = self._conn.execute(f"SELECT * FROM {table}")
        with open(target, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([d[0] for d in cursor.description])
            while rows := cursor.fetchmany(50_000):
                writer.writerows(rows)

    def _export_parquet(self, table: str, target: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        types = {"INTEGER": pa.int64(), "REAL": pa.float64(), "TEXT": pa.string(), "BLOB": pa.binary()}
        columns = [  # PRAGMA table_info rows: (cid, name, type, notnull, default, pk)
            (row[1], types.get(str(row[2]).upper(), pa.string()))
            for row in self._conn.execute("SELECT * FROM pragma_table_info(?)", (table,))
        ]
        schema = pa.schema(columns)
        cursor = self._conn.execute(f"SELECT {', '.join(name for name, _ in columns)} FROM {table}")
        with pq.ParquetWriter(target, schema) as writer:
            wrote = False
            while rows := cursor.fetchmany(200_000):
                arrays = [pa.array([row[j] for row in rows], type=t) for j, (_, t) in enumerate(columns)]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
                wrote = True
            if not wrote:
                writer.write_table(schema.empty_table())
