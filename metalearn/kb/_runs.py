"""The runs table: bulk insert, frames and the cached score arrays."""

from __future__ import annotations

import json
import math
import operator
import time
from typing import TYPE_CHECKING, Iterable, Mapping

from metalearn.exceptions import KBContentError
from metalearn.kb.records import RunInput, RunScores
from metalearn.kb._connection import drop_triggers, int_id, nullable_float, restore_triggers, translate

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


_RUN_CHUNK = 100_000
_BULK_WAL_PAGES = 200_000  # wal_autocheckpoint of a connection once it has bulk-written runs (~800 MB)
_WRITE_CACHE_KIB = -65536  # PRAGMA cache_size of a connection once it has bulk-written runs (64 MiB)
_SORT_MIN = 5_000  # add_runs sorts chunks at least this long by the runs index's key
_RUN_INDEX_KEY = operator.itemgetter(0)  # the runs index leads with dataset_id
_RUN_FIELDS = operator.attrgetter(
    "dataset_id", "configuration_id", "metric", "score", "protocol", "fit_time", "status", "error", "source",
    "openml_run_id", "search_id",
)


def decode_run_scores(parts: Mapping[str, bytes]) -> tuple | None:
    """(dataset ids, configuration ids, scores, configurations) from the runs cache's parts, or None.

    The cache is a hint: anything that does not decode to three arrays of one
    length and a configuration for every id (non-UTF-8 or non-JSON text, a blob
    whose length is not a multiple of 8, ...) is None, a miss rebuilt from the runs.
    """
    import numpy as np

    try:
        dataset_ids = np.frombuffer(parts["dataset_id"], dtype="<i8").astype(np.int64, copy=False)
        configuration_ids = np.frombuffer(parts["configuration_id"], dtype="<i8").astype(np.int64, copy=False)
        scores = np.frombuffer(parts["score"], dtype="<f8").astype(np.float64, copy=False)
        configurations = {
            int(i): (str(a), str(p)) for i, a, p in json.loads(bytes(parts["configurations"]).decode("utf-8"))
        }
    except (ValueError, TypeError, KeyError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    if not len(dataset_ids) == len(configuration_ids) == len(scores):
        return None
    known = np.fromiter(sorted(configurations), dtype=np.int64, count=len(configurations))
    if len(configuration_ids):
        at = np.minimum(np.searchsorted(known, configuration_ids), max(len(known) - 1, 0))
        if not len(known) or not np.array_equal(known[at], configuration_ids):
            return None
    return dataset_ids, configuration_ids, scores, configurations


class Runs:
    """KnowledgeBase methods for runs."""

    @translate
    def add_runs(self, runs: Iterable[RunInput]) -> int:
        """Write runs in one transaction; return how many rows were added.

        A run already imported from OpenML (same ``openml_run_id`` and metric)
        is skipped. Unknown dataset, configuration or search ids raise
        :class:`KBContentError` and nothing is written. Large calls are
        written in slices of 100,000 runs, each sorted by dataset, metric and
        configuration (the runs index's order, so index updates stay local);
        calls of fewer than 5,000 runs keep their order.
        """
        added = 0
        # every reference is checked here, one query per table and slice (datasets, configurations,
        # searches), or created in this transaction (metrics, protocols, sources), so SQLite's per-row
        # foreign-key lookups are skipped
        # a large page cache keeps the runs index in memory across bulk calls; reads keep SQLite's small
        # default, which is faster for what they do (each page read once)
        self._conn.execute(f"PRAGMA cache_size = {_WRITE_CACHE_KIB}")
        with self._write(check_foreign_keys=False) as conn:
            ids: dict[tuple[str, str], int] = {}
            seen: dict[str, set[int]] = {"datasets": set(), "configurations": set(), "searches": set()}
            now = int(time.time())
            chunk: list[tuple] = []
            lifted: list[str] | None = None

            def name_id(table: str, name: str) -> int:
                found = ids.get((table, name))
                if found is None:
                    found = ids[table, name] = (
                        self._source_id(name) if table == "sources" else self._name_id(table, name)
                    )
                return found

            def flush(chunk: list[tuple]) -> int:
                nonlocal lifted
                for table, id_col, position in (
                    ("datasets", "dataset_id", 0), ("configurations", "configuration_id", 1),
                    ("searches", "search_id", 10),
                ):
                    new = set(map(operator.itemgetter(position), chunk)) - seen[table]
                    new.discard(None)
                    self._require(table, id_col, new)
                    seen[table].update(new)
                if len(chunk) >= _SORT_MIN:
                    if lifted is None:  # the runs' change-counter trigger fires per row: bump once instead
                        lifted = drop_triggers(conn, ("runs",))
                    # a bulk writer checkpoints every _BULK_WAL_PAGES pages rather than after each call: the
                    # index pages a slice dirties are then copied into the file once for several calls
                    conn.execute(f"PRAGMA wal_autocheckpoint = {_BULK_WAL_PAGES}")
                    if set(map(operator.itemgetter(9), chunk)) != {None}:  # the first of an OpenML run and metric wins
                        openml_seen: set[tuple[int, int]] = set()
                        kept = []
                        for row in chunk:
                            if row[9] is not None:
                                if (row[9], row[2]) in openml_seen:
                                    continue
                                openml_seen.add((row[9], row[2]))
                            kept.append(row)
                        chunk = kept
                    chunk.sort(key=_RUN_INDEX_KEY)
                # rowcount: rows this statement inserted (total_changes would count the trigger's updates too)
                return conn.executemany(
                    "INSERT OR IGNORE INTO runs (dataset_id, configuration_id, metric_id, score, protocol_id, "
                    "fit_time, status, error, source_id, openml_run_id, search_id, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    chunk,
                ).rowcount

            metric_ids: dict[str, int] = {}
            protocol_ids: dict[str, int] = {}
            source_ids: dict[str, int] = {}
            for run in runs:
                if type(run) is not RunInput and not isinstance(run, RunInput):
                    raise KBContentError(f"add_runs takes RunInput records, got {type(run).__name__}")
                (dataset_id, configuration_id, metric, score, protocol, fit_time, status, error, source,
                 openml_run_id, search_id) = _RUN_FIELDS(run)
                metric_id = metric_ids.get(metric)
                if metric_id is None:
                    metric_id = metric_ids[metric] = name_id("metrics", metric)
                protocol_id = protocol_ids.get(protocol)
                if protocol_id is None:
                    protocol_id = protocol_ids[protocol] = name_id("protocols", protocol)
                source_id = source_ids.get(source)
                if source_id is None:
                    source_id = source_ids[source] = name_id("sources", source)
                if type(score) is not float and score is not None:
                    score = nullable_float(score)  # a float NaN is bound as NULL by SQLite itself
                if fit_time is not None and type(fit_time) is not float:
                    fit_time = nullable_float(fit_time)
                if type(dataset_id) is not int or type(configuration_id) is not int:
                    dataset_id = int_id(dataset_id, "dataset_id")
                    configuration_id = int_id(configuration_id, "configuration_id")
                if error is not None:
                    error = " ".join(str(error).split())[:2000]
                if openml_run_id is not None:
                    openml_run_id = int_id(openml_run_id, "openml_run_id")
                if search_id is not None:
                    search_id = int_id(search_id, "search_id")
                chunk.append((
                    dataset_id, configuration_id, metric_id, score, protocol_id, fit_time, status, error,
                    source_id, openml_run_id, search_id, now,
                ))
                if len(chunk) >= _RUN_CHUNK:
                    added += flush(chunk)
                    chunk = []
            if chunk:
                added += flush(chunk)
            if lifted is not None:
                restore_triggers(conn, lifted, ("runs_generation",))
        return added

    @translate
    def set_openml_fit_times(self, fit_times: Mapping[int, float]) -> int:
        """Fill in the fit time of runs imported from OpenML; return how many runs got one.

        ``fit_times`` maps an OpenML run id to seconds. Only runs without a fit
        time are changed (one transaction); ids not in the KB are ignored.
        """
        rows = []
        for run_id, seconds in fit_times.items():
            seconds = nullable_float(seconds)
            if seconds is not None and math.isfinite(seconds):
                rows.append((seconds, int_id(run_id, "openml_run_id")))
        with self._write() as conn:
            before = conn.total_changes
            conn.executemany("UPDATE runs SET fit_time = ? WHERE openml_run_id = ? AND fit_time IS NULL", rows)
            return conn.total_changes - before

    @translate
    def runs_frame(
        self,
        *,
        dataset_ids: Iterable[int] | None = None,
        metric: str | None = None,
        status: str | None = "ok",
        task_type: str | None = None,
    ) -> "pd.DataFrame":
        """Runs joined with their configuration, metric, protocol and provenance.

        Columns: run_id, dataset_id, configuration_id, algorithm, params
        (canonical JSON), metric, score, protocol, fit_time, status, source,
        error, openml_run_id. ``status=None`` keeps every status;
        ``task_type="classification"`` matches binary, multiclass and
        classification datasets, other task types match exactly.
        """
        import pandas as pd

        clauses, params = [], []
        if dataset_ids is not None:
            clauses.append("r.dataset_id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps([int(i) for i in dataset_ids]))
        if metric is not None:
            clauses.append("r.metric_id = (SELECT metric_id FROM metrics WHERE name = ?)")
            params.append(metric)
        if status is not None:
            clauses.append("r.status = ?")
            params.append(status)
        join = ""
        if task_type is not None:
            join = " JOIN datasets d ON d.dataset_id = r.dataset_id"
            if task_type == "classification":
                clauses.append("d.task_type IN ('binary', 'multiclass', 'classification')")
            else:
                clauses.append("d.task_type = ?")
                params.append(task_type)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        frame = pd.read_sql_query(
            "SELECT r.run_id, r.dataset_id, r.configuration_id, a.name AS algorithm, c.params, m.name AS metric, "
            "r.score, p.name AS protocol, r.fit_time, r.status, s.name AS source, r.error, r.openml_run_id "
            f"FROM runs r{join} "
            "JOIN configurations c ON c.configuration_id = r.configuration_id "
            "JOIN algorithms a ON a.algorithm_id = c.algorithm_id "
            "JOIN metrics m ON m.metric_id = r.metric_id "
            "JOIN protocols p ON p.protocol_id = r.protocol_id "
            f"JOIN sources s ON s.source_id = r.source_id{where} ORDER BY r.run_id",
            self._conn,
            params=params,
        )
        frame["score"] = frame["score"].astype("float64")
        frame["fit_time"] = frame["fit_time"].astype("float64")
        frame["openml_run_id"] = frame["openml_run_id"].astype("Int64")
        return frame

    @translate
    def run_scores(self, metric: str) -> RunScores:
        """The successful runs of ``metric``: dataset, configuration and score arrays (a :class:`RunScores`).

        The runs with status ``ok`` and a score, in run id order, with each
        configuration's algorithm and parameters: what :meth:`runs_frame` returns for
        ``metric=metric`` reduced to those columns, served from a cache the KB keeps
        inside its file (raw arrays and JSON, rebuilt on the first read after runs or
        configurations change; a KB that cannot be written is read directly).

        >>> import tempfile, os
        >>> from metalearn.kb import KnowledgeBase, RunInput
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     with KnowledgeBase.open(os.path.join(tmp, "kb.sqlite"), create="empty") as kb:
        ...         ds = kb.add_dataset("iris", task_type="multiclass", source="openml:61", openml_id=61)
        ...         cfg = kb.add_configuration("SVC", {"C": 2.0})
        ...         _ = kb.add_runs([RunInput(ds.dataset_id, cfg.configuration_id, "accuracy", 0.96, "5-fold CV")])
        ...         scores = kb.run_scores("accuracy")
        ...         cached = kb.run_scores("accuracy")  # from the cache
        >>> scores.score.tolist(), cached.configurations
        ([0.96], {1: ('SVC', '{"C":2.0}')})
        """
        import numpy as np

        conn = self._conn
        names = ("dataset_id", "configuration_id", "score", "configurations")
        conn.execute("BEGIN")  # one read snapshot: the generation and the data agree
        try:
            generation = conn.execute("SELECT value FROM kb_state WHERE key = 'runs_generation'").fetchone()[0]
            rowids = dict(conn.execute(
                "SELECT part, rowid FROM runs_matrix WHERE generation = ? AND part IN (?, ?, ?, ?)",
                (generation, *(f"{metric}:{name}" for name in names)),
            ))
            decoded = None
            if len(rowids) == len(names):
                parts = {}
                for name in names:  # incremental blob I/O: straight from the pages into one buffer each
                    with conn.blobopen("runs_matrix", "data", rowids[f"{metric}:{name}"], readonly=True) as blob:
                        parts[name] = blob.read()
                decoded = decode_run_scores(parts)  # None when the cache does not decode: a miss
            if decoded is None:
                where = ("metric_id = (SELECT metric_id FROM metrics WHERE name = ?) "
                         "AND status = 'ok' AND score IS NOT NULL")
                rows = conn.execute(
                    f"SELECT dataset_id, configuration_id, score FROM runs WHERE {where} ORDER BY run_id", (metric,)
                ).fetchall()
                configurations = conn.execute(
                    "SELECT c.configuration_id, a.name, c.params FROM configurations c "
                    "JOIN algorithms a ON a.algorithm_id = c.algorithm_id WHERE c.configuration_id IN "
                    f"(SELECT DISTINCT configuration_id FROM runs WHERE {where}) ORDER BY c.configuration_id",
                    (metric,),
                ).fetchall()
        finally:
            conn.execute("COMMIT")
        if decoded is None:
            array = np.array(rows, dtype=[("d", "<i8"), ("c", "<i8"), ("s", "<f8")]) if rows else None
            parts = {
                "dataset_id": b"" if array is None else np.ascontiguousarray(array["d"]).tobytes(),
                "configuration_id": b"" if array is None else np.ascontiguousarray(array["c"]).tobytes(),
                "score": b"" if array is None else np.ascontiguousarray(array["s"]).tobytes(),
                "configurations": json.dumps(configurations, separators=(",", ":")).encode("utf-8"),
            }
            self._write_cache("runs_matrix", generation, {f"{metric}:{k}": v for k, v in parts.items()},
                              keep_other=True)
            decoded = decode_run_scores(parts)
        return RunScores(metric, *decoded, int(generation))

    @translate
    def has_run(self, dataset_id: int, configuration_id: int, metric: str, protocol: str) -> bool:
        """Whether this configuration was already evaluated on this dataset under this metric and protocol."""
        row = self._conn.execute(
            "SELECT 1 FROM runs WHERE dataset_id = ? AND configuration_id = ? "
            "AND metric_id = (SELECT metric_id FROM metrics WHERE name = ?) "
            "AND protocol_id = (SELECT protocol_id FROM protocols WHERE name = ?) LIMIT 1",
            (int(dataset_id), int(configuration_id), metric, protocol),
        ).fetchone()
        return row is not None

