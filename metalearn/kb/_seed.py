"""Import the shipped seed (``kb/seed/*.csv[.gz]``) into a knowledge base.

The seed format is fixed in ``docs/DESIGN.md`` ("Seed files"). The import
reads the files with the ``csv`` module, maps the seed's keys to row ids and
writes each table with ``executemany``; the caller holds the transaction.
Nothing is fetched from the network and the seed files are only read.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from metalearn._canonical import canonical_json, config_hash
from metalearn.exceptions import KBError, MetaLearnError
from metalearn.kb._locate import SEED_FILES
from metalearn.kb.records import RUN_STATUSES, TASK_TYPES

__all__ = ["import_seed", "source_name"]

_COLUMNS = {
    "sources.csv": ("source_id", "package", "version", "file", "license", "description"),
    "datasets.csv.gz": ("dataset_key", "name", "openml_id", "task_type", "n_rows", "n_cols", "source_id"),
    "qualities.csv.gz": ("dataset_key", "name", "value", "computed_by", "source_id"),
    "configurations.csv.gz": ("config_hash", "algorithm", "params", "source_id"),
    "runs.csv.gz": (
        "dataset_key", "config_hash", "metric", "score", "protocol", "fit_time", "status", "source_id",
        "openml_run_id",
    ),
}
_CHUNK = 50_000


def source_name(package: str, version: str | None, file: str | None = None) -> str:
    """The display name of a provenance source: ``"<package> <version> <file>"``.

    >>> source_name("metalearn", "0.1.0")
    'metalearn 0.1.0'
    >>> source_name("openml-qualities", "1.2", "data/q.csv")
    'openml-qualities 1.2 data/q.csv'
    """
    return " ".join(part for part in (package, version, file) if part)


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row; checks the header."""
    name = path.name.rsplit("-", 1)[-1]  # "metalearn-runs.csv.gz" has the columns of "runs.csv.gz"
    opener: Callable[..., Any] = gzip.open if name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise KBError(f"seed file {path} is empty: rebuild the seed with scripts/build_seed.py")
            missing = [col for col in _COLUMNS[name] if col not in header]
            if missing:
                raise KBError(
                    f"seed file {path} lacks column(s) {', '.join(missing)}: rebuild the seed with "
                    "scripts/build_seed.py"
                )
            index = {col: header.index(col) for col in _COLUMNS[name]}
            for line, values in enumerate(reader, start=2):
                if not values:
                    continue
                if len(values) < len(header):
                    raise KBError(
                        f"seed file {path} line {line} has {len(values)} fields, expected {len(header)}: "
                        "rebuild the seed with scripts/build_seed.py"
                    )
                yield line, {col: values[i] for col, i in index.items()}
    except (OSError, EOFError, UnicodeDecodeError, csv.Error, gzip.BadGzipFile) as exc:
        raise KBError(f"seed file {path} cannot be read ({exc}): reinstall metalearn or rebuild the seed") from exc


def _int(text: str) -> int | None:
    text = text.strip()
    if not text or text.lower() in ("nan", "none", "null"):
        return None
    return int(float(text))


def _float(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    value = float(text)
    return None if math.isnan(value) else value


def _chunks(rows: Iterator[tuple], size: int = _CHUNK) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _name_ids(conn: sqlite3.Connection, table: str, id_col: str, names: set[str]) -> dict[str, int]:
    conn.executemany(f"INSERT OR IGNORE INTO {table} (name) VALUES (?)", [(n,) for n in sorted(names)])
    return {name: row_id for name, row_id in conn.execute(f"SELECT name, {id_col} FROM {table}")}


def import_seed(conn: sqlite3.Connection, seed_dir: Path) -> dict[str, int]:
    """Import every seed file set of ``seed_dir`` through ``conn`` (inside the caller's transaction).

    The main set is ``sources.csv``, ``datasets.csv.gz``, ... ; further sets in the same
    format carry a prefix (``metalearn-sources.csv``, ``metalearn-runs.csv.gz``, ...: the
    project's own runs, written by ``scripts/grow_seed.py``) and are imported after it.
    Datasets are merged on ``dataset_key``, configurations on their hash.

    Returns the number of rows read per table. Raises :class:`KBError` naming
    the file and line of the first malformed row.
    """
    prefixes = [""] + sorted(p.name[: -len("sources.csv")] for p in seed_dir.glob("?*-sources.csv"))
    counts: dict[str, int] = {}
    for prefix in prefixes:
        for table, n in _import_set(conn, seed_dir, prefix).items():
            counts[table] = counts.get(table, 0) + n
    return counts


def _import_set(conn: sqlite3.Connection, seed_dir: Path, prefix: str) -> dict[str, int]:
    """Import one seed file set (the files named ``<prefix><name>``)."""
    for name in SEED_FILES:
        if not (seed_dir / f"{prefix}{name}").is_file():
            raise KBError(f"seed directory {seed_dir} lacks {prefix}{name}: reinstall metalearn or rebuild the seed")
    now = int(time.time())
    counts: dict[str, int] = {}

    def fail(name: str, line: int, message: str) -> KBError:
        return KBError(
            f"seed file {seed_dir / (prefix + name)} line {line}: {message}: rebuild the seed with scripts/build_seed.py"
        )

    # sources -------------------------------------------------------------
    source_ids: dict[str, int] = {}
    n = 0
    for line, row in _rows(seed_dir / f"{prefix}sources.csv"):
        if not row["package"].strip():
            raise fail("sources.csv", line, "empty package")
        display = source_name(row["package"], row["version"], row["file"])
        conn.execute(
            "INSERT OR IGNORE INTO sources (name, package, version, file, license, description) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (display, row["package"], row["version"] or None, row["file"] or None, row["license"] or None,
             row["description"] or None),
        )
        source_ids[row["source_id"]] = conn.execute(
            "SELECT source_id FROM sources WHERE name = ?", (display,)
        ).fetchone()[0]
        n += 1
    counts["sources"] = n

    def lookup(ids: dict[str, int], column: str, listed_in: str, name: str, line: int, row: dict[str, str]) -> int:
        """The id that ``row[column]`` refers to, or a clear error: it must be listed in ``listed_in``."""
        try:
            return ids[row[column]]
        except KeyError:
            raise fail(name, line, f"{column} {row[column]!r} is not in {listed_in}") from None

    def source_of(name: str, line: int, row: dict[str, str]) -> int:
        return lookup(source_ids, "source_id", "sources.csv", name, line, row)

    # datasets ------------------------------------------------------------
    def dataset_rows() -> Iterator[tuple]:
        for line, row in _rows(seed_dir / f"{prefix}datasets.csv.gz"):
            key = row["dataset_key"].strip()
            if not key:
                raise fail("datasets.csv.gz", line, "empty dataset_key")
            if row["task_type"] not in TASK_TYPES:
                raise fail("datasets.csv.gz", line, f"task_type {row['task_type']!r} is not one of {TASK_TYPES}")
            try:
                values = (_int(row["openml_id"]), _int(row["n_rows"]), _int(row["n_cols"]))
            except ValueError as exc:
                raise fail("datasets.csv.gz", line, str(exc)) from None
            yield (key, row["name"] or key, key, values[0], row["task_type"], values[1], values[2],
                   source_of("datasets.csv.gz", line, row), now)

    n = 0
    for chunk in _chunks(dataset_rows()):
        conn.executemany(
            "INSERT OR IGNORE INTO datasets (key, name, source, openml_id, task_type, n_rows, n_cols, "
            "source_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            chunk,
        )
        n += len(chunk)
    counts["datasets"] = n
    dataset_ids = dict(conn.execute("SELECT key, dataset_id FROM datasets"))

    def dataset_of(name: str, line: int, row: dict[str, str]) -> int:
        return lookup(dataset_ids, "dataset_key", "datasets.csv.gz", name, line, row)

    # qualities -----------------------------------------------------------
    def quality_rows() -> Iterator[tuple]:
        for line, row in _rows(seed_dir / f"{prefix}qualities.csv.gz"):
            if not row["name"] or not row["computed_by"]:
                raise fail("qualities.csv.gz", line, "empty name or computed_by")
            try:
                value = _float(row["value"])
            except ValueError:
                raise fail("qualities.csv.gz", line, f"value {row['value']!r} is not a number") from None
            yield (dataset_of("qualities.csv.gz", line, row), row["name"], row["computed_by"], value,
                   source_of("qualities.csv.gz", line, row))

    n = 0
    for chunk in _chunks(quality_rows()):
        conn.executemany(
            "INSERT OR REPLACE INTO meta_features (dataset_id, name, computed_by, value, source_id) "
            "VALUES (?, ?, ?, ?, ?)",
            chunk,
        )
        n += len(chunk)
    counts["meta_features"] = n

    # configurations ------------------------------------------------------
    from metalearn.kb._configurations import canonical_configuration  # imported here: it imports the registry

    configs: list[tuple[str, str, str, str, int]] = []  # seed hash, algorithm, params, our hash, source
    for line, row in _rows(seed_dir / f"{prefix}configurations.csv.gz"):
        algorithm = row["algorithm"].strip()
        if not algorithm:
            raise fail("configurations.csv.gz", line, "empty algorithm")
        try:
            params = json.loads(row["params"])
            if not isinstance(params, dict):
                raise ValueError("not a JSON object")
            text = canonical_json(params)
        except ValueError as exc:
            raise fail("configurations.csv.gz", line, f"params {row['params'][:80]!r} are not valid ({exc})") from None
        try:  # one row per estimator: the canonical form (a configuration the registry refuses is kept as
            # written, for `kb check` to report)
            algorithm, text, ours = canonical_configuration(algorithm, params)
        except MetaLearnError:
            ours = config_hash(algorithm, params)
        configs.append((row["config_hash"], algorithm, text, ours, source_of("configurations.csv.gz", line, row)))
    algorithm_ids = _name_ids(conn, "algorithms", "algorithm_id", {c[1] for c in configs})
    conn.executemany(
        "INSERT OR IGNORE INTO configurations (algorithm_id, params, config_hash, source_id) VALUES (?, ?, ?, ?)",
        [(algorithm_ids[alg], text, ours, src) for _, alg, text, ours, src in configs],
    )
    counts["configurations"] = len(configs)
    by_hash = dict(conn.execute("SELECT config_hash, configuration_id FROM configurations"))
    config_ids = {seed_hash: by_hash[ours] for seed_hash, _, _, ours, _ in configs}
    del configs

    # runs ----------------------------------------------------------------
    metric_ids: dict[str, int] = dict(conn.execute("SELECT name, metric_id FROM metrics"))
    protocol_ids: dict[str, int] = dict(conn.execute("SELECT name, protocol_id FROM protocols"))

    def name_id(table: str, ids: dict[str, int], name: str) -> int:
        if name not in ids:
            ids.update(_name_ids(conn, table, table[:-1] + "_id", {name}))
        return ids[name]

    def run_rows() -> Iterator[tuple]:
        for line, row in _rows(seed_dir / f"{prefix}runs.csv.gz"):
            status = row["status"].strip() or "ok"
            if status not in RUN_STATUSES:
                raise fail("runs.csv.gz", line, f"status {status!r} is not one of {RUN_STATUSES}")
            try:
                score, fit_time = _float(row["score"]), _float(row["fit_time"])
                openml_run_id = _int(row["openml_run_id"])
            except ValueError as exc:
                raise fail("runs.csv.gz", line, str(exc)) from None
            if status == "ok" and (score is None or not math.isfinite(score)):
                raise fail("runs.csv.gz", line, f"status ok with score {row['score']!r}")
            if not row["metric"] or not row["protocol"]:
                raise fail("runs.csv.gz", line, "empty metric or protocol")
            configuration_id = lookup(config_ids, "config_hash", "configurations.csv.gz", "runs.csv.gz", line, row)
            yield (dataset_of("runs.csv.gz", line, row), configuration_id,
                   name_id("metrics", metric_ids, row["metric"]), score,
                   name_id("protocols", protocol_ids, row["protocol"]), fit_time, status,
                   source_of("runs.csv.gz", line, row), openml_run_id, now)

    n = 0
    for chunk in _chunks(run_rows()):
        conn.executemany(
            "INSERT OR IGNORE INTO runs (dataset_id, configuration_id, metric_id, score, protocol_id, fit_time, "
            "status, source_id, openml_run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            chunk,
        )
        n += len(chunk)
    counts["runs"] = n
    return counts
