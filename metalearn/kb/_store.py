"""The knowledge base store: the only place in metalearn that speaks SQL.

A :class:`KnowledgeBase` wraps one SQLite file (through sqlite-utils) in WAL
mode with a busy timeout. Every write is one ``BEGIN IMMEDIATE`` transaction;
reads return frozen records or pandas DataFrames (copies). Failures are
:class:`~metalearn.exceptions.KBError` subclasses naming the file and the fix.

>>> import tempfile, os
>>> from metalearn.kb import KnowledgeBase, RunInput
>>> with tempfile.TemporaryDirectory() as tmp:
...     with KnowledgeBase.open(os.path.join(tmp, "kb.sqlite"), create="empty") as kb:
...         ds = kb.add_dataset("iris", task_type="multiclass", source="openml:61", openml_id=61)
...         cfg = kb.add_configuration("SVC", {"C": 1.0, "kernel": "rbf"})
...         kb.add_runs([RunInput(ds.dataset_id, cfg.configuration_id, "balanced_accuracy", 0.96, "5-fold CV")])
...         frame = kb.runs_frame(dataset_ids=[ds.dataset_id], metric="balanced_accuracy")
1
>>> frame[["algorithm", "params", "score"]].to_dict("records")
[{'algorithm': 'SVC', 'params': '{"C":1.0,"kernel":"rbf"}', 'score': 0.96}]
"""

from __future__ import annotations

import functools
import json
import math
import operator
import re
import os
import secrets
import shlex
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

from metalearn._canonical import canonical_json, config_hash
from metalearn._version import __version__
from metalearn.exceptions import (
    InvalidParamsError,
    KBContentError,
    KBCorruptError,
    KBError,
    KBSchemaError,
    MetaLearnError,
)
from metalearn.kb._locate import find_seed, resolve_path
from metalearn.kb._schema import SCHEMA_VERSION, migrate, schema_version
from metalearn.kb._seed import import_seed
from metalearn.kb.records import (
    DEFAULT_SOURCE,
    SEARCH_STATUSES,
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

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["KnowledgeBase", "create_kb", "upgrade_kb", "validate_configuration", "EXPORT_TABLES"]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_RUN_CHUNK = 100_000
_MMAP_BYTES = 0x7FFF0000  # the cached meta-feature matrix is read through a map (SQLite caps it near 2 GiB)
_BULK_WAL_PAGES = 200_000  # wal_autocheckpoint of a connection once it has bulk-written runs (~800 MB)
_WAL_KEEP_BYTES = 64 << 20  # journal_size_limit: the WAL is truncated to this after a checkpoint
_WRITE_CACHE_KIB = -65536  # PRAGMA cache_size of a connection once it has bulk-written runs (64 MiB)
_BULK_META_FEATURES = 10_000  # add_meta_features_many bumps the cache generation once from this many values
_DERIVED_KEEP = 16  # entries of derived data kept per name (KnowledgeBase.store_derived)
_SORT_MIN = 5_000  # add_runs sorts chunks at least this long by the runs index's key
_RUN_INDEX_KEY = operator.itemgetter(0)  # the runs index leads with dataset_id
_RUN_FIELDS = operator.attrgetter(
    "dataset_id", "configuration_id", "metric", "score", "protocol", "fit_time", "status", "error", "source",
    "openml_run_id", "search_id",
)
#: Tables written by ``export`` (one file each), in dependency order.
EXPORT_TABLES = (
    "migrations", "kb_info", "sources", "datasets", "meta_features", "algorithms", "algorithm_flows",
    "configurations", "metrics", "protocols", "searches", "runs",
)


def _q(path: Path | str) -> str:
    return shlex.quote(str(path))


def _rebuild_hint(path: Path) -> str:
    return f"rebuild it with `metalearn kb init --from-seed --force --kb {_q(path)}`"


# --- files ------------------------------------------------------------------
def _check_file(path: Path) -> None:
    """Raise a clear error when ``path`` is not a whole SQLite file (cheap: reads the header)."""
    if path.is_dir():
        raise KBError(f"KB path {path} is a directory: give a file path such as {path / 'kb.sqlite'}")
    size = path.stat().st_size
    if size == 0:
        raise KBCorruptError(f"{path} is not a metalearn knowledge base (an empty file): {_rebuild_hint(path)}")
    with open(path, "rb") as handle:
        header = handle.read(100)
    if not header.startswith(_SQLITE_MAGIC):
        raise KBCorruptError(
            f"{path} is not a metalearn knowledge base (not an SQLite file): {_rebuild_hint(path)}"
        )
    if len(header) < 100:
        raise KBCorruptError(f"KB {path} is truncated ({size} bytes): {_rebuild_hint(path)}")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    page_count = int.from_bytes(header[28:32], "big")
    header_count_valid = header[92:96] == header[24:28]
    wal = Path(f"{path}-wal")
    wal_pending = wal.exists() and wal.stat().st_size > 0  # pages may be in the WAL until a checkpoint
    if not wal_pending and page_size and (
        size % page_size or (header_count_valid and page_count and size < page_size * page_count)
    ):
        expected = page_size * page_count if header_count_valid else "a multiple of %d" % page_size
        raise KBCorruptError(f"KB {path} is truncated ({size} bytes, expected {expected}): {_rebuild_hint(path)}")


def _connect(path: Path, timeout: float) -> sqlite3.Connection:
    """Open ``path`` (a checked file) and verify it is a KB of our schema version."""
    conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        version = schema_version(conn)
        if version is None:
            raise KBCorruptError(
                f"{path} is an SQLite file but not a metalearn knowledge base (no migrations table): "
                f"{_rebuild_hint(path)}"
            )
        if version > SCHEMA_VERSION:
            raise KBSchemaError(
                f"KB {path} has schema version {version}, newer than this metalearn supports "
                f"({SCHEMA_VERSION}): upgrade metalearn (pip install -U metalearn)"
            )
        if version < SCHEMA_VERSION:
            raise KBSchemaError(
                f"KB {path} has schema version {version}, older than this metalearn uses ({SCHEMA_VERSION}): "
                f"run `metalearn kb upgrade --kb {_q(path)}`"
            )
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA journal_size_limit = {_WAL_KEEP_BYTES}")  # a WAL grown by bulk writes shrinks back
    except sqlite3.DatabaseError as exc:
        conn.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise KBError(f"KB {path} is locked by another process (waited {timeout:g} s): retry later") from exc
        raise KBCorruptError(f"KB {path} cannot be read ({exc}): {_rebuild_hint(path)}") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def create_kb(
    path: str | os.PathLike | None = None,
    *,
    from_seed: bool = True,
    seed_dir: str | os.PathLike | None = None,
    force: bool = False,
) -> Path:
    """Create a KB at ``path`` (default: :func:`~metalearn.kb.default_path`); return its path.

    The KB is built in a temporary file next to ``path`` and linked into place
    only when complete, so a crash never leaves a half-built KB, and two
    processes creating the same KB at once both end up using one whole file.
    ``from_seed`` imports the shipped seed (no network; the seed is only
    read); ``force`` replaces an existing file.
    """
    path = resolve_path(path)
    if path.exists() and not force:
        raise KBError(f"KB {path} already exists: pass force=True (--force) to replace it")
    seed = find_seed(seed_dir) if from_seed else None
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        conn = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = MEMORY")
            conn.execute("PRAGMA synchronous = OFF")
            migrate(conn)
            conn.execute("BEGIN IMMEDIATE")
            info = {"created_at": str(int(time.time())), "created_by": DEFAULT_SOURCE}
            if seed is not None:
                triggers = _drop_triggers(conn, ("runs", "meta_features"))
                counts = import_seed(conn, seed)
                _restore_triggers(conn, triggers, ("runs_generation", "meta_features_generation"))
                info["created_from"] = "seed"
                info["seed_counts"] = json.dumps(counts, sort_keys=True)
            else:
                info["created_from"] = "empty"
            conn.executemany("INSERT OR REPLACE INTO kb_info (key, value) VALUES (?, ?)", info.items())
            conn.execute("COMMIT")
            conn.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.close()
        _fsync(tmp)
        if force:
            for suffix in ("-wal", "-shm"):  # a stale WAL must never be replayed onto the new file
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process created it first: use theirs
            except OSError:  # no hard links on this file system
                if not path.exists():
                    os.replace(tmp, path)
    except sqlite3.Error as exc:
        raise KBError(f"cannot create KB {path} ({exc}): check the directory is writable") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return path


def upgrade_kb(path: str | os.PathLike | None = None, *, timeout: float = 30.0) -> tuple[int, int]:
    """Apply pending schema migrations to the KB at ``path``; return (old version, new version)."""
    path = resolve_path(path)
    if not path.exists():
        raise KBError(f"KB {path} does not exist: create it with `metalearn kb init --kb {_q(path)}`")
    _check_file(path)
    conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
    try:
        old = schema_version(conn)
        if old is None:
            raise KBCorruptError(
                f"{path} is an SQLite file but not a metalearn knowledge base (no migrations table): "
                f"{_rebuild_hint(path)}"
            )
        if old > SCHEMA_VERSION:
            raise KBSchemaError(
                f"KB {path} has schema version {old}, newer than this metalearn supports "
                f"({SCHEMA_VERSION}): upgrade metalearn (pip install -U metalearn)"
            )
        return old, migrate(conn)
    except sqlite3.DatabaseError as exc:
        raise KBCorruptError(f"KB {path} cannot be upgraded ({exc}): {_rebuild_hint(path)}") from exc
    finally:
        conn.close()


# --- validation against the registry -----------------------------------------
def _problem(algorithm: str, params_json: str) -> tuple[str, str, dict[str, Any] | None]:
    """(kind, message, normalized params): kind is "" when the configuration is valid."""
    from metalearn import space  # imported here: space imports scikit-learn

    try:
        params = json.loads(params_json)
    except (TypeError, ValueError) as exc:
        return ("malformed parameters",
                f"params {str(params_json)[:80]!r} of {algorithm!r} are not JSON ({exc})", None)
    if not isinstance(params, dict):
        return "malformed parameters", f"params {str(params_json)[:80]!r} of {algorithm!r} are not a JSON object", None
    try:
        space.get_algorithm(algorithm)
    except MetaLearnError as exc:
        return "unknown algorithm", str(exc), None
    try:
        normalized = space.validate_params(algorithm, params)
    except MetaLearnError as exc:
        return "invalid parameters", str(exc), None
    return "", "", dict(normalized)


def validate_configuration(algorithm: str, params_json: str, *, where: str = "") -> tuple[str, dict[str, Any]]:
    """Check a stored configuration against metalearn's registry before it is run.

    The algorithm name is looked up in :mod:`metalearn.space` (never imported
    by name); the parameters must be a JSON object the space accepts. Returns
    ``(algorithm, normalized params)``; raises :class:`KBContentError`
    naming ``where`` otherwise.
    """
    kind, message, params = _problem(algorithm, params_json)
    if kind:
        label = f"{where}: " if where else ""
        raise KBContentError(f"{label}{kind}: {message}: remove the row, or rebuild the KB from the seed")
    return algorithm, params


# --- helpers ------------------------------------------------------------------
def _drop_triggers(conn: sqlite3.Connection, tables: Sequence[str]) -> list[str]:
    """Drop the change-counter triggers on ``tables`` (inside the caller's transaction); return their SQL.

    Triggers fire per row: a bulk write lifts them, bumps the counters once
    (:func:`_restore_triggers`) and puts them back, all in one transaction.
    """
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (SELECT value FROM json_each(?))",
        (json.dumps(list(tables)),),
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    return [sql for _, sql in triggers]


def _restore_triggers(conn: sqlite3.Connection, triggers: Sequence[str], counters: Sequence[str]) -> None:
    conn.execute(
        "UPDATE kb_state SET value = value + 1 WHERE key IN (SELECT value FROM json_each(?))", (json.dumps(list(counters)),)
    )
    for sql in triggers:
        conn.execute(sql)


def _translate(method):
    """Turn sqlite3 errors raised by a KnowledgeBase method into KBError subclasses."""

    @functools.wraps(method)
    def wrapper(self: "KnowledgeBase", *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.IntegrityError as exc:
            raise KBContentError(f"KB {self.path}: {method.__name__} would break a constraint ({exc})") from exc
        except sqlite3.ProgrammingError as exc:
            raise KBError(f"KB {self.path}: {exc}: open it again with KnowledgeBase.open") from exc
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise KBError(
                    f"KB {self.path} is locked by another process (waited {self._timeout:g} s): retry later"
                ) from exc
            if "readonly" in text or "read-only" in text:
                raise KBError(f"KB {self.path} is read-only: give a writable KB with --kb PATH") from exc
            raise KBError(f"KB {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise KBCorruptError(f"KB {self.path} cannot be read ({exc}): {_rebuild_hint(self.path)}") from exc

    return wrapper


def _split_source(name: str) -> tuple[str, str | None]:
    package, _, version = name.partition(" ")
    return package, (version or None)


def _nullable_float(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _int_id(value: Any, name: str) -> int:
    """An id as a Python int (numpy integers bind to SQLite only as ints); one-line error otherwise."""
    if type(value) is int:
        return value
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise KBContentError(f"run {name} {value!r} is not an integer id") from None
    if number != value or isinstance(value, (bool, str, bytes)):
        raise KBContentError(f"run {name} {value!r} is not an integer id")
    return number


def _version_key(version: str) -> tuple:
    """A sort key comparing version strings by their numbers: ``0.10`` after ``0.9``, ``1.0`` after ``1.0rc1``.

    >>> sorted(["0.10.0", "0.9.1", "0.9.1rc1", "1.0"], key=_version_key)
    ['0.9.1rc1', '0.9.1', '0.10.0', '1.0']
    """
    match = re.match(r"v?(\d+(?:\.\d+)*)(.*)$", version.strip())
    if match is None:
        return ((), 0, version)
    release = tuple(int(part) for part in match.group(1).split("."))
    while len(release) > 1 and release[-1] == 0:  # 1.0 == 1.0.0
        release = release[:-1]
    suffix = match.group(2)
    return (release, 0 if suffix else 1, suffix)  # a pre-release or dev suffix sorts before the release


def _preference_order(computed_by: Iterable[str]) -> dict[str, int]:
    """Rank of each ``computed_by`` value, 0 preferred: ``openml-server``, then ``metalearn <version>``
    from the highest version down (plain ``metalearn`` last of these), then the others.

    >>> _preference_order(["metalearn 0.9.0", "other", "metalearn 0.10.0", "openml-server"])
    {'openml-server': 0, 'metalearn 0.10.0': 1, 'metalearn 0.9.0': 2, 'other': 3}
    """
    names = set(computed_by)
    ours = [n for n in names if n == "metalearn" or n.startswith("metalearn ")]
    ours.sort(key=lambda n: (n != "metalearn", _version_key(n[len("metalearn "):])), reverse=True)
    others = sorted((n for n in names if n != "openml-server" and n not in ours), reverse=True)
    ordered = (["openml-server"] if "openml-server" in names else []) + ours + others
    return {name: rank for rank, name in enumerate(ordered)}


class KnowledgeBase:
    """A metalearn knowledge base file: datasets, meta-features, configurations, runs.

    Open one with :meth:`open`; use it as a context manager to close it.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, timeout: float = 30.0) -> None:
        import sqlite_utils  # imported here: it imports pandas

        self._db = sqlite_utils.Database(conn, execute_plugins=False)
        self._conn = conn
        self._path = path
        self._timeout = timeout
        self._cache_changes = 0  # rows this connection wrote to the KB's caches (see change_token)

    # -- opening and closing ---------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | os.PathLike | None = None,
        *,
        create: str | bool = "seed",
        seed_dir: str | os.PathLike | None = None,
        timeout: float = 30.0,
    ) -> "KnowledgeBase":
        """Open the KB at ``path`` (default: ``$METALEARN_KB``, else the per-user data directory).

        Parameters
        ----------
        path : path-like, optional
            The KB file.
        create : {"seed", "empty", False}
            What to do when the file does not exist: create it from the shipped
            seed (no network, seconds), create an empty KB, or raise.
        seed_dir : path-like, optional
            A seed directory to use instead of the shipped one.
        timeout : float
            Seconds to wait for another process's write lock.
        """
        if create not in ("seed", "empty", False):
            raise KBError(f"create={create!r} is not one of 'seed', 'empty', False")
        path = resolve_path(path)
        if not path.exists():
            if create is False:
                raise KBError(f"KB {path} does not exist: create it with `metalearn kb init --kb {_q(path)}`")
            create_kb(path, from_seed=create == "seed", seed_dir=seed_dir)
        _check_file(path)
        return cls(_connect(path, timeout), path, timeout)

    @property
    def path(self) -> Path:
        """The KB file."""
        return self._path

    def close(self) -> None:
        """Close the connection (the KB stays valid on disk)."""
        self._conn.close()

    def __enter__(self) -> "KnowledgeBase":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"KnowledgeBase({str(self._path)!r})"

    @contextmanager
    def _write(self, *, check_foreign_keys: bool = True) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction; ``check_foreign_keys=False`` when the caller checks every reference."""
        conn = self._conn
        if not check_foreign_keys:
            conn.execute("PRAGMA foreign_keys = OFF")  # only effective outside a transaction
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
        finally:
            if not check_foreign_keys:
                conn.execute("PRAGMA foreign_keys = ON")

    def _name_id(self, table: str, name: str) -> int:
        """Id of ``name`` in a lookup table (metrics, protocols, algorithms), created if new."""
        id_col = {"metrics": "metric_id", "protocols": "protocol_id", "algorithms": "algorithm_id"}[table]
        row = self._conn.execute(f"SELECT {id_col} FROM {table} WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return row[0]
        return self._conn.execute(f"INSERT INTO {table} (name) VALUES (?)", (name,)).lastrowid

    def _source_id(self, name: str) -> int:
        row = self._conn.execute("SELECT source_id FROM sources WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return row[0]
        package, version = _split_source(name)
        return self._conn.execute(
            "INSERT INTO sources (name, package, version) VALUES (?, ?, ?)", (name, package, version)
        ).lastrowid

    def _require(self, table: str, id_col: str, ids: Iterable[int]) -> None:
        wanted = {int(i) for i in ids}
        if not wanted:
            return
        found = {
            row[0]
            for row in self._conn.execute(
                f"SELECT {id_col} FROM {table} WHERE {id_col} IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(wanted)),),
            )
        }
        missing = sorted(wanted - found)
        if missing:
            raise KBContentError(
                f"{id_col} {', '.join(map(str, missing[:5]))} not in KB {self._path}: add the "
                f"{table[:-1]} first"
            )

    # -- datasets ------------------------------------------------------------------
    _DATASET_COLUMNS = (
        "d.dataset_id, d.name, d.task_type, d.source, d.n_rows, d.n_cols, d.content_hash, d.openml_id, "
        "d.openml_task_id, d.key, s.name"
    )

    def _dataset_where(self, where: str, params: Sequence[Any]) -> DatasetRecord | None:
        row = self._conn.execute(
            f"SELECT {self._DATASET_COLUMNS} FROM datasets d JOIN sources s ON s.source_id = d.source_id "
            f"WHERE {where}",
            params,
        ).fetchone()
        return None if row is None else DatasetRecord(*row)

    @_translate
    def add_dataset(
        self,
        name: str,
        *,
        task_type: str,
        source: str,
        n_rows: int | None = None,
        n_cols: int | None = None,
        content_hash: str | None = None,
        openml_id: int | None = None,
        openml_task_id: int | None = None,
        provenance: str | None = None,
    ) -> DatasetRecord:
        """Add a dataset, or return the existing row with the same OpenML id or content hash.

        Identity is, in order: ``openml_id``, ``content_hash``, else ``"<source>:<name>"``.
        A known dataset gains the identity fields it lacked (e.g. its OpenML task id).
        """
        item = DatasetInput(
            name, task_type=task_type, source=source, n_rows=n_rows, n_cols=n_cols, content_hash=content_hash,
            openml_id=openml_id, openml_task_id=openml_task_id, provenance=provenance,
        )
        (dataset_id,) = self.add_datasets([item])
        return self._dataset_where("d.dataset_id = ?", (dataset_id,))

    @_translate
    def add_datasets(self, datasets: Iterable[DatasetInput]) -> list[int]:
        """Add many datasets in one transaction; return their dataset ids, in input order.

        Each :class:`DatasetInput` is handled as :meth:`add_dataset` would (same
        identity rules; a known dataset gains the fields it lacked), with the
        existing rows looked up in three queries rather than per dataset.

        >>> import tempfile, os
        >>> from metalearn.kb import KnowledgeBase, DatasetInput
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     with KnowledgeBase.open(os.path.join(tmp, "kb.sqlite"), create="empty") as kb:
        ...         kb.add_datasets([DatasetInput(f"d{i}", task_type="binary", source="x", openml_id=i)
        ...                          for i in (1, 2, 1)])
        [1, 2, 1]
        """
        items = list(datasets)
        for item in items:
            if not isinstance(item, DatasetInput):
                raise KBContentError(f"add_datasets takes DatasetInput records, got {type(item).__name__}")
        keyed = []
        for item in items:
            openml_id = None if item.openml_id is None else int(item.openml_id)
            if openml_id is not None:
                key = f"openml:{openml_id}"
            elif item.content_hash:
                key = f"sha256:{item.content_hash}"
            else:
                key = f"{item.source}:{item.name}"
            keyed.append((item, openml_id, key))
        columns = ("dataset_id", "openml_id", "content_hash", "key", "openml_task_id", "n_rows", "n_cols")
        ids: list[int] = []
        with self._write() as conn:
            # the rows these datasets may already be: one query per identity
            known: dict[tuple[str, Any], dict[str, Any]] = {}

            def remember(row: dict[str, Any]) -> None:
                for column in ("openml_id", "content_hash", "key"):
                    if row[column] is not None:
                        known.setdefault((column, row[column]), row)

            for column, values in (
                ("openml_id", {o for _, o, _ in keyed if o is not None}),
                ("content_hash", {i.content_hash for i, _, _ in keyed if i.content_hash}),
                ("key", {k for _, _, k in keyed}),
            ):
                if values:
                    for row in conn.execute(
                        f"SELECT {', '.join(columns)} FROM datasets WHERE {column} IN (SELECT value FROM json_each(?))",
                        (json.dumps(sorted(values)),),
                    ):
                        remember(dict(zip(columns, row)))
            source_ids: dict[str, int] = {}
            now = int(time.time())
            for item, openml_id, key in keyed:
                found = None
                if openml_id is not None:
                    found = known.get(("openml_id", openml_id))
                if found is None and item.content_hash:
                    found = known.get(("content_hash", item.content_hash))
                if found is None:
                    found = known.get(("key", key))
                if found is not None:
                    for column, value in (
                        ("openml_id", openml_id), ("content_hash", item.content_hash),
                        ("openml_task_id", item.openml_task_id), ("n_rows", item.n_rows), ("n_cols", item.n_cols),
                    ):
                        if value is not None and found[column] is None:
                            try:
                                conn.execute(
                                    f"UPDATE datasets SET {column} = ? WHERE dataset_id = ?",
                                    (value, found["dataset_id"]),
                                )
                            except sqlite3.IntegrityError:
                                continue  # that identity belongs to another row: keep this one as it is
                            found[column] = value
                            remember(found)
                    ids.append(found["dataset_id"])
                    continue
                provenance = item.provenance or DEFAULT_SOURCE
                if provenance not in source_ids:
                    source_ids[provenance] = self._source_id(provenance)
                dataset_id = conn.execute(
                    "INSERT INTO datasets (key, name, source, openml_id, openml_task_id, task_type, n_rows, n_cols, "
                    "content_hash, source_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, item.name, item.source, openml_id, item.openml_task_id, item.task_type, item.n_rows,
                     item.n_cols, item.content_hash, source_ids[provenance], now),
                ).lastrowid
                remember({
                    "dataset_id": dataset_id, "openml_id": openml_id, "content_hash": item.content_hash,
                    "key": key, "openml_task_id": item.openml_task_id, "n_rows": item.n_rows, "n_cols": item.n_cols,
                })
                ids.append(dataset_id)
        return ids

    @_translate
    def find_dataset(self, *, content_hash: str | None = None, openml_id: int | None = None) -> DatasetRecord | None:
        """The dataset with this OpenML id or content hash, or None."""
        if openml_id is not None:
            found = self._dataset_where("d.openml_id = ?", (int(openml_id),))
            if found is not None:
                return found
        if content_hash:
            return self._dataset_where("d.content_hash = ?", (content_hash,))
        return None

    @_translate
    def dataset(self, dataset_id: int) -> DatasetRecord:
        """The dataset with this id (KBContentError when there is none)."""
        found = self._dataset_where("d.dataset_id = ?", (int(dataset_id),))
        if found is None:
            raise KBContentError(f"dataset_id {dataset_id} is not in KB {self._path}")
        return found

    @_translate
    def datasets_frame(self) -> "pd.DataFrame":
        """All datasets: index ``dataset_id``; name, openml_id, task_type, n_rows, n_cols, content_hash, ..."""
        import pandas as pd

        frame = pd.read_sql_query(
            "SELECT d.dataset_id, d.name, d.openml_id, d.openml_task_id, d.task_type, d.n_rows, d.n_cols, "
            "d.content_hash, d.source, d.key, s.name AS provenance FROM datasets d "
            "JOIN sources s ON s.source_id = d.source_id ORDER BY d.dataset_id",
            self._conn,
            index_col="dataset_id",
        )
        for column in ("openml_id", "openml_task_id", "n_rows", "n_cols"):
            frame[column] = frame[column].astype("Int64")
        return frame

    # -- meta-features -----------------------------------------------------------------
    @_translate
    def add_meta_features(
        self, dataset_id: int, values: Mapping[str, float], computed_by: str, *, provenance: str | None = None
    ) -> int:
        """Write (or overwrite) meta-feature values of a dataset; return how many were written.

        ``computed_by`` is ``openml-server`` for OpenML's values, ``metalearn <version>`` for ours.
        NaN is stored as NULL (undefined for this dataset).
        """
        return self.add_meta_features_many({dataset_id: values}, computed_by, provenance=provenance)

    @_translate
    def add_meta_features_many(
        self,
        values: Mapping[int, Mapping[str, float]],
        computed_by: str,
        *,
        provenance: str | None = None,
    ) -> int:
        """Write (or overwrite) meta-features of many datasets in one transaction; return how many were written.

        ``values`` maps a dataset id to its ``{name: value}``, as :meth:`add_meta_features` takes
        them; every dataset id is checked in one query, and nothing is written if one is unknown.

        >>> import tempfile, os
        >>> from metalearn.kb import KnowledgeBase, DatasetInput
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     with KnowledgeBase.open(os.path.join(tmp, "kb.sqlite"), create="empty") as kb:
        ...         a, b = kb.add_datasets([DatasetInput(n, task_type="binary", source="x") for n in "ab"])
        ...         kb.add_meta_features_many({a: {"NumberOfInstances": 10}, b: {"NumberOfInstances": 20}},
        ...                                   "openml-server")
        ...         kb.meta_features_frame()["NumberOfInstances"].tolist()
        2
        [10.0, 20.0]
        """
        if not isinstance(computed_by, str) or not computed_by:
            raise KBContentError(f"computed_by {computed_by!r} must be a non-empty string such as 'openml-server'")
        rows = []
        for dataset_id, named in values.items():
            dataset_id = int(dataset_id)
            for name, value in named.items():
                try:
                    number = _nullable_float(value)
                except (TypeError, ValueError):
                    raise KBContentError(f"meta-feature {name!r} has value {value!r}, not a number") from None
                rows.append((dataset_id, str(name), computed_by, number))
        bulk = len(rows) >= _BULK_META_FEATURES
        # references are checked here (datasets) or created in this transaction (the source)
        with self._write(check_foreign_keys=False) as conn:
            self._require("datasets", "dataset_id", values.keys())
            source_id = self._source_id(provenance or DEFAULT_SOURCE)
            triggers = []
            if bulk:  # the cache-generation triggers fire per row: lift them for this write, bump once
                triggers = conn.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'meta_features'"
                ).fetchall()
                for name, _ in triggers:
                    conn.execute(f'DROP TRIGGER "{name}"')
            conn.executemany(
                "INSERT INTO meta_features (dataset_id, name, computed_by, value, source_id) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (dataset_id, name, computed_by) DO UPDATE SET value = excluded.value, "
                "source_id = excluded.source_id",
                [row + (source_id,) for row in rows],
            )
            if bulk:
                conn.execute("UPDATE kb_state SET value = value + 1 WHERE key = 'meta_features_generation'")
                for _, sql in triggers:
                    conn.execute(sql)
        return len(rows)

    def _meta_features_long(self, dataset_ids: Iterable[int] | None, computed_by: str | None) -> "pd.DataFrame":
        import pandas as pd

        clauses, params = [], []
        if dataset_ids is not None:
            clauses.append("dataset_id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps([int(i) for i in dataset_ids]))
        if computed_by == "metalearn":
            clauses.append("(computed_by = 'metalearn' OR computed_by LIKE 'metalearn %')")
        elif computed_by is not None:
            clauses.append("computed_by = ?")
            params.append(computed_by)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        return pd.read_sql_query(
            f"SELECT dataset_id, name, computed_by, value FROM meta_features{where}", self._conn, params=params
        )

    @staticmethod
    def _pivot_preferred(long: "pd.DataFrame") -> "pd.DataFrame":
        import pandas as pd

        if long.empty:
            return pd.DataFrame(index=pd.Index([], dtype="int64", name="dataset_id"), dtype="float64")
        order = _preference_order(long["computed_by"].unique().tolist())
        long = long.assign(_rank=long["computed_by"].map(order).astype("int64"))
        long = long.sort_values("_rank", kind="stable")
        long = long.drop_duplicates(["dataset_id", "name"], keep="first")
        wide = long.pivot(index="dataset_id", columns="name", values="value").astype("float64")
        wide = wide.sort_index().sort_index(axis=1)
        wide.columns.name = None
        return wide

    def _cached_matrix(self) -> "pd.DataFrame":
        import numpy as np
        import pandas as pd

        conn = self._conn
        # the matrix is read through a memory map (copied straight from the mapped pages); other reads
        # touch scattered pages once, for which SQLite's reads are cheaper than first-touch page faults
        conn.execute(f"PRAGMA mmap_size = {_MMAP_BYTES}")
        conn.execute("BEGIN")  # one read snapshot: the generation and the data agree
        try:
            generation = conn.execute(
                "SELECT value FROM kb_state WHERE key = 'meta_features_generation'"
            ).fetchone()[0]
            # the columns are read with incremental blob I/O (straight from the pages into one buffer each)
            rowids = dict(conn.execute(
                "SELECT part, rowid FROM meta_feature_matrix WHERE generation = ?", (generation,)
            ))

            def part(name: str) -> bytes:
                with conn.blobopen("meta_feature_matrix", "data", rowids[name], readonly=True) as blob:
                    return blob.read()

            wide = None
            cached = False
            if "index" in rowids and "columns" in rowids:
                names = json.loads(part("columns").decode("utf-8"))
                if all(f"column:{name}" in rowids for name in names):
                    ids = np.frombuffer(part("index"), dtype="<i8")
                    matrix = np.empty((len(ids), len(names)), dtype="float64", order="F")  # columns contiguous
                    for j, name in enumerate(names):
                        matrix[:, j] = np.frombuffer(part(f"column:{name}"), dtype="<f8")
                    wide = pd.DataFrame(matrix, index=pd.Index(ids.copy(), name="dataset_id"), columns=names)
                    cached = True
            if wide is None:
                wide = self._pivot_preferred(self._meta_features_long(None, None))
        finally:
            conn.execute("COMMIT")
            conn.execute("PRAGMA mmap_size = 0")
        if cached:
            return wide
        rows = [("index", generation, np.ascontiguousarray(wide.index.to_numpy(), dtype="<i8").tobytes()),
                ("columns", generation, json.dumps(list(wide.columns)).encode("utf-8"))]
        rows += [
            (f"column:{name}", generation, np.ascontiguousarray(wide[name].to_numpy(), dtype="<f8").tobytes())
            for name in wide.columns
        ]
        self._write_cache("meta_feature_matrix", generation, {name: data for name, _, data in rows}, keep_other=False)
        return wide

    @_translate
    def meta_features_frame(
        self, dataset_ids: Iterable[int] | None = None, *, computed_by: str | None = None
    ) -> "pd.DataFrame":
        """Meta-features as a wide frame: index ``dataset_id``, one float column per name.

        Where a name was computed by several parties, the value of
        ``openml-server`` is preferred, then ``metalearn <version>`` (highest
        version first, compared by number: 0.10 after 0.9), then others. ``computed_by`` keeps only one
        party's values (``"metalearn"`` matches every metalearn version).
        Missing values are NaN; datasets without meta-features are absent.
        The full frame (no arguments) is served from a cache the KB keeps up
        to date.
        """
        if dataset_ids is None and computed_by is None:
            return self._cached_matrix()
        return self._pivot_preferred(self._meta_features_long(dataset_ids, computed_by))

    # -- configurations ----------------------------------------------------------------
    _CONFIG_COLUMNS = "c.configuration_id, a.name, c.params, c.config_hash, s.name"
    _CONFIG_FROM = (
        "configurations c JOIN algorithms a ON a.algorithm_id = c.algorithm_id "
        "JOIN sources s ON s.source_id = c.source_id"
    )

    @_translate
    def add_configuration(
        self, algorithm: str, params: Mapping[str, Any], *, provenance: str | None = None
    ) -> ConfigurationRecord:
        """Add a configuration (idempotent by :func:`metalearn._canonical.config_hash`)."""
        if not isinstance(algorithm, str) or not algorithm:
            raise KBContentError(f"algorithm {algorithm!r} must be a registry name such as 'SVC'")
        try:
            text = canonical_json(params)
        except (TypeError, ValueError) as exc:
            raise InvalidParamsError(f"parameters of {algorithm} cannot be stored as JSON ({exc})") from None
        identity = config_hash(algorithm, params)
        with self._write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO configurations (algorithm_id, params, config_hash, source_id) "
                "VALUES (?, ?, ?, ?)",
                (self._name_id("algorithms", algorithm), text, identity,
                 self._source_id(provenance or DEFAULT_SOURCE)),
            )
            row = conn.execute(
                f"SELECT {self._CONFIG_COLUMNS} FROM {self._CONFIG_FROM} WHERE c.config_hash = ?", (identity,)
            ).fetchone()
        return ConfigurationRecord(*row)

    @_translate
    def find_configuration(self, algorithm: str, params: Mapping[str, Any]) -> ConfigurationRecord | None:
        """The stored configuration with this algorithm and parameters, or None."""
        row = self._conn.execute(
            f"SELECT {self._CONFIG_COLUMNS} FROM {self._CONFIG_FROM} WHERE c.config_hash = ?",
            (config_hash(algorithm, params),),
        ).fetchone()
        return None if row is None else ConfigurationRecord(*row)

    @_translate
    def configurations(self, ids: Iterable[int], *, validate: bool = True) -> list[ConfigurationRecord]:
        """The configurations with these ids, in that order.

        With ``validate`` (the default, for configurations about to be run) each
        is checked against the registry by :func:`validate_configuration`: an
        unknown algorithm or malformed parameters raise :class:`KBContentError`;
        nothing from the KB is ever imported or executed by name.
        """
        ids = [int(i) for i in ids]
        rows = {
            row[0]: ConfigurationRecord(*row)
            for row in self._conn.execute(
                f"SELECT {self._CONFIG_COLUMNS} FROM {self._CONFIG_FROM} "
                "WHERE c.configuration_id IN (SELECT value FROM json_each(?))",
                (json.dumps(ids),),
            )
        }
        missing = [i for i in ids if i not in rows]
        if missing:
            raise KBContentError(f"configuration_id {', '.join(map(str, missing[:5]))} not in KB {self._path}")
        records = [rows[i] for i in ids]
        if validate:
            for record in records:
                validate_configuration(
                    record.algorithm, record.params_json,
                    where=f"KB {self._path} configuration {record.configuration_id}",
                )
        return records

    @_translate
    def add_algorithm_flow(self, algorithm: str, flow_id: int, flow_name: str | None = None) -> None:
        """Record that OpenML flow ``flow_id`` corresponds to registry algorithm ``algorithm``."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO algorithm_flows (flow_id, algorithm_id, flow_name) VALUES (?, ?, ?) "
                "ON CONFLICT (flow_id) DO UPDATE SET algorithm_id = excluded.algorithm_id, "
                "flow_name = coalesce(excluded.flow_name, flow_name)",
                (int(flow_id), self._name_id("algorithms", algorithm), flow_name),
            )

    @_translate
    def algorithm_flows(self) -> dict[int, str]:
        """OpenML flow id -> registry algorithm name."""
        return dict(
            self._conn.execute(
                "SELECT f.flow_id, a.name FROM algorithm_flows f JOIN algorithms a USING (algorithm_id)"
            )
        )

    # -- runs ---------------------------------------------------------------------------
    @_translate
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
                        lifted = _drop_triggers(conn, ("runs",))
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
                    score = _nullable_float(score)  # a float NaN is bound as NULL by SQLite itself
                if fit_time is not None and type(fit_time) is not float:
                    fit_time = _nullable_float(fit_time)
                if type(dataset_id) is not int or type(configuration_id) is not int:
                    dataset_id = _int_id(dataset_id, "dataset_id")
                    configuration_id = _int_id(configuration_id, "configuration_id")
                if error is not None:
                    error = " ".join(str(error).split())[:2000]
                if openml_run_id is not None:
                    openml_run_id = _int_id(openml_run_id, "openml_run_id")
                if search_id is not None:
                    search_id = _int_id(search_id, "search_id")
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
                _restore_triggers(conn, lifted, ("runs_generation",))
        return added

    @_translate
    def set_openml_fit_times(self, fit_times: Mapping[int, float]) -> int:
        """Fill in the fit time of runs imported from OpenML; return how many runs got one.

        ``fit_times`` maps an OpenML run id to seconds. Only runs without a fit
        time are changed (one transaction); ids not in the KB are ignored.
        """
        rows = []
        for run_id, seconds in fit_times.items():
            seconds = _nullable_float(seconds)
            if seconds is not None and math.isfinite(seconds):
                rows.append((seconds, _int_id(run_id, "openml_run_id")))
        with self._write() as conn:
            before = conn.total_changes
            conn.executemany("UPDATE runs SET fit_time = ? WHERE openml_run_id = ? AND fit_time IS NULL", rows)
            return conn.total_changes - before

    @_translate
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

    @_translate
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
        ...         cfg = kb.add_configuration("SVC", {"C": 1.0})
        ...         _ = kb.add_runs([RunInput(ds.dataset_id, cfg.configuration_id, "accuracy", 0.96, "5-fold CV")])
        ...         scores = kb.run_scores("accuracy")
        ...         cached = kb.run_scores("accuracy")  # from the cache
        >>> scores.score.tolist(), cached.configurations
        ([0.96], {1: ('SVC', '{"C":1.0}')})
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
            parts: dict[str, bytes] | None = None
            if len(rowids) == len(names):
                parts = {}
                for name in names:  # incremental blob I/O: straight from the pages into one buffer each
                    with conn.blobopen("runs_matrix", "data", rowids[f"{metric}:{name}"], readonly=True) as blob:
                        parts[name] = blob.read()
                cached = True
            else:
                cached = False
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
        if not cached:
            array = np.array(rows, dtype=[("d", "<i8"), ("c", "<i8"), ("s", "<f8")]) if rows else None
            parts = {
                "dataset_id": b"" if array is None else np.ascontiguousarray(array["d"]).tobytes(),
                "configuration_id": b"" if array is None else np.ascontiguousarray(array["c"]).tobytes(),
                "score": b"" if array is None else np.ascontiguousarray(array["s"]).tobytes(),
                "configurations": json.dumps(configurations, separators=(",", ":")).encode("utf-8"),
            }
            self._write_cache("runs_matrix", generation, {f"{metric}:{k}": v for k, v in parts.items()},
                              keep_other=True)
        return RunScores(
            metric,
            np.frombuffer(parts["dataset_id"], dtype="<i8").astype(np.int64, copy=False),
            np.frombuffer(parts["configuration_id"], dtype="<i8").astype(np.int64, copy=False),
            np.frombuffer(parts["score"], dtype="<f8").astype(np.float64, copy=False),
            {int(i): (str(a), str(p)) for i, a, p in json.loads(parts["configurations"].decode("utf-8"))},
            int(generation),
        )

    @_translate
    def change_token(self) -> tuple[int, int]:
        """A value that changes whenever the KB's content may have changed, the KB's own caches aside.

        Commits by other connections (``PRAGMA data_version``, which may include
        another process refreshing a cache) and this connection's writes other than
        to its caches. Cheap (no table is read): poll it to know when to re-read.

        >>> import tempfile, os
        >>> from metalearn.kb import KnowledgeBase
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     with KnowledgeBase.open(os.path.join(tmp, "kb.sqlite"), create="empty") as kb:
        ...         before = kb.change_token()
        ...         _ = kb.run_scores("accuracy")  # fills a cache: not a change
        ...         same = kb.change_token() == before
        ...         _ = kb.add_dataset("iris", task_type="multiclass", source="openml:61", openml_id=61)
        ...         changed = kb.change_token() != before
        >>> same, changed
        (True, True)
        """
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        return int(version), self._conn.total_changes - self._cache_changes

    @_translate
    def derived(self, name: str, key: str) -> "tuple[dict[str, Any], Any] | None":
        """Data derived from this KB's content and stored by :meth:`store_derived`: ``(arrays, info)`` or None.

        ``key`` should address the content the data was derived from (e.g. a hash
        of its inputs), so that a hit is always right; entries are dropped when the
        runs change and at most :data:`_DERIVED_KEEP` are kept per ``name``.

        >>> import tempfile, os, numpy as np
        >>> from metalearn.kb import KnowledgeBase
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     with KnowledgeBase.open(os.path.join(tmp, "kb.sqlite"), create="empty") as kb:
        ...         kb.store_derived("demo", "k1", {"x": np.arange(3.0)}, info={"n": 3})
        ...         arrays, info = kb.derived("demo", "k1")
        ...         missing = kb.derived("demo", "k2")
        True
        >>> arrays["x"].tolist(), info, missing
        ([0.0, 1.0, 2.0], {'n': 3}, None)
        """
        import numpy as np

        row = self._conn.execute("SELECT data FROM runs_matrix WHERE part = ?", (f"derived:{name}:{key}",)).fetchone()
        if row is None:
            return None
        data = bytes(row[0])
        try:
            size = int.from_bytes(data[:8], "little")
            header = json.loads(data[8:8 + size].decode("utf-8"))
            body = memoryview(data)[8 + size:]
            arrays = {}
            for array_name, dtype, shape, offset, nbytes in header["arrays"]:
                if np.dtype(dtype).kind not in "biuf":  # numbers only: the KB holds data, never objects
                    return None
                arrays[array_name] = np.frombuffer(body[offset:offset + nbytes], dtype=dtype).reshape(shape)
            return arrays, header.get("info")
        except (ValueError, TypeError, KeyError):  # not what store_derived writes: a miss, recomputed
            return None

    @_translate
    def store_derived(self, name: str, key: str, arrays: Mapping[str, Any], *, info: Any = None) -> bool:
        """Store numeric ``arrays`` (raw bytes, dtype and shape recorded) and JSON ``info`` under (name, key).

        Best effort, like the KB's own caches: returns False, and changes nothing,
        when the KB is read-only or busy. See :meth:`derived`.
        """
        import numpy as np

        if not name or ":" in name:
            raise KBError(f"derived data name {name!r} must be non-empty without ':'")
        entries, chunks, offset = [], [], 0
        for array_name, value in arrays.items():
            value = np.ascontiguousarray(value)
            if value.dtype.kind not in "biuf":
                raise KBError(f"derived array {array_name!r} has dtype {value.dtype}: store numbers only")
            value = value.astype(value.dtype.newbyteorder("<"), copy=False)
            entries.append([str(array_name), value.dtype.str, list(value.shape), offset, value.nbytes])
            chunks.append(value.tobytes())
            offset += value.nbytes
        header = json.dumps({"info": info, "arrays": entries}, separators=(",", ":")).encode("utf-8")
        blob = len(header).to_bytes(8, "little") + header + b"".join(chunks)
        conn = self._conn
        conn.execute("PRAGMA busy_timeout = 0")  # a writer holds the lock: skip rather than wait
        before = conn.total_changes
        try:
            with self._write() as write:
                generation = write.execute("SELECT value FROM kb_state WHERE key = 'runs_generation'").fetchone()[0]
                write.execute("DELETE FROM runs_matrix WHERE part LIKE 'derived:%' AND generation != ?", (generation,))
                write.execute("INSERT OR REPLACE INTO runs_matrix (part, generation, data) VALUES (?, ?, ?)",
                              (f"derived:{name}:{key}", generation, blob))
                write.execute(
                    "DELETE FROM runs_matrix WHERE part LIKE ? AND rowid NOT IN "
                    "(SELECT rowid FROM runs_matrix WHERE part LIKE ? ORDER BY rowid DESC LIMIT ?)",
                    (f"derived:{name}:%", f"derived:{name}:%", _DERIVED_KEEP),
                )
            return True
        except sqlite3.OperationalError:
            return False  # read-only, busy or full
        finally:
            self._cache_changes += conn.total_changes - before
            conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")

    def _write_cache(self, table: str, generation: int, parts: Mapping[str, bytes], *, keep_other: bool) -> None:
        """Best effort: store cache ``parts`` of ``generation`` in ``table``, without waiting for a busy KB.

        Parts of other generations are removed; with ``keep_other`` the current
        generation's other parts (e.g. other metrics) stay. A read-only, busy or
        full KB is left as it is: the cache is only an optimisation.
        """
        conn = self._conn
        conn.execute("PRAGMA busy_timeout = 0")  # a writer holds the lock: skip rather than wait
        before = conn.total_changes
        try:
            with self._write() as write:
                if keep_other:
                    write.execute(f"DELETE FROM {table} WHERE generation != ?", (generation,))
                else:
                    write.execute(f"DELETE FROM {table}")
                write.executemany(
                    f"INSERT OR REPLACE INTO {table} (part, generation, data) VALUES (?, ?, ?)",
                    [(name, generation, data) for name, data in parts.items()],
                )
        except sqlite3.OperationalError:
            pass  # read-only, busy or full
        finally:
            self._cache_changes += conn.total_changes - before
            conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")

    @_translate
    def has_run(self, dataset_id: int, configuration_id: int, metric: str, protocol: str) -> bool:
        """Whether this configuration was already evaluated on this dataset under this metric and protocol."""
        row = self._conn.execute(
            "SELECT 1 FROM runs WHERE dataset_id = ? AND configuration_id = ? "
            "AND metric_id = (SELECT metric_id FROM metrics WHERE name = ?) "
            "AND protocol_id = (SELECT protocol_id FROM protocols WHERE name = ?) LIMIT 1",
            (int(dataset_id), int(configuration_id), metric, protocol),
        ).fetchone()
        return row is not None

    # -- searches --------------------------------------------------------------------------
    def _search(self, search_id: int) -> SearchRecord:
        row = self._conn.execute(
            "SELECT s.search_id, s.dataset_id, m.name, s.settings, s.status, s.started_at, s.finished_at, "
            "s.best_score, s.n_trials, s.metalearn_version FROM searches s JOIN metrics m USING (metric_id) "
            "WHERE s.search_id = ?",
            (int(search_id),),
        ).fetchone()
        if row is None:
            raise KBContentError(f"search_id {search_id} is not in KB {self._path}")
        return SearchRecord(*row)

    @_translate
    def start_search(self, dataset_id: int, *, metric: str, settings: Mapping[str, Any]) -> SearchRecord:
        """Record the start of a search session on a dataset; status ``running``."""
        text = json.dumps(dict(settings), sort_keys=True, separators=(",", ":"), default=str)
        with self._write() as conn:
            self._require("datasets", "dataset_id", [dataset_id])
            search_id = conn.execute(
                "INSERT INTO searches (dataset_id, metric_id, settings, status, started_at, metalearn_version) "
                "VALUES (?, ?, ?, 'running', ?, ?)",
                (int(dataset_id), self._name_id("metrics", metric), text, int(time.time()), __version__),
            ).lastrowid
        return self._search(search_id)

    @_translate
    def finish_search(
        self, search_id: int, *, status: str, best_score: float | None = None, n_trials: int | None = None
    ) -> None:
        """Record the end of a search: ``status`` is finished, failed, interrupted or timeout."""
        if status not in SEARCH_STATUSES:
            raise KBContentError(f"search status {status!r} is not one of {', '.join(SEARCH_STATUSES)}")
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE searches SET status = ?, best_score = ?, n_trials = ?, finished_at = ? WHERE search_id = ?",
                (status, _nullable_float(best_score), None if n_trials is None else int(n_trials),
                 int(time.time()), int(search_id)),
            )
            if cursor.rowcount == 0:
                raise KBContentError(f"search_id {search_id} is not in KB {self._path}")

    @_translate
    def search(self, search_id: int) -> SearchRecord:
        """The search session with this id."""
        return self._search(search_id)

    # -- whole-KB views ----------------------------------------------------------------------
    @_translate
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

    @_translate
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

    @_translate
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
            kind, message, _ = _problem(algorithm, params_json)
            if kind:
                issues.append(CheckIssue("configurations", configuration_id, kind, message))
                continue
            original = json.loads(params_json)
            if config_hash(algorithm, original) != stored_hash:
                issues.append(CheckIssue("configurations", configuration_id, "hash mismatch",
                                         f"config_hash {stored_hash} does not match {algorithm} {params_json[:80]}"))
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

    @_translate
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
        columns = [(c.name, types.get(c.type.upper(), pa.string())) for c in self._db[table].columns]
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
