"""Opening a KB file: file checks, the connection, create and upgrade, one write transaction.

Also the small helpers the table-family modules share (error translation, id and number coercion).
"""

from __future__ import annotations

import functools
import json
import math
import os
import secrets
import shlex
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from metalearn.exceptions import KBContentError, KBCorruptError, KBError, KBReadOnlyError, KBSchemaError
from metalearn.kb._locate import find_seed, resolve_path
from metalearn.kb._schema import SCHEMA_VERSION, migrate, schema_version
from metalearn.kb._seed import import_seed
from metalearn.kb.records import DEFAULT_SOURCE


_SQLITE_MAGIC = b"SQLite format 3\x00"
_WAL_KEEP_BYTES = 64 << 20  # journal_size_limit: the WAL is truncated to this after a checkpoint


def quote_path(path: Path | str) -> str:
    return shlex.quote(str(path))


def rebuild_hint(path: Path) -> str:
    return f"rebuild it with `metalearn kb init --from-seed --force --kb {quote_path(path)}`"


#: How to go on when a KB cannot be written (said by every read-only error).
READ_ONLY_FIX = "pass --no-write-back (Python: write_back=False) to leave it unchanged, or give a writable KB with --kb PATH"


def writable(path: Path) -> bool:
    """Whether this process may write the KB file ``path`` and its directory (SQLite's -wal and -shm files)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def readonly_uri(path: Path, *, immutable: bool = False) -> str:
    """The SQLite URI opening ``path`` read-only; ``immutable`` also skips locking and the -shm file."""
    return f"{path.absolute().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")


def passes_quick_check(path: Path) -> bool:
    """Whether SQLite reads ``path`` as an intact database (``PRAGMA quick_check``, a subset of integrity_check).

    Asked before any message suggests rebuilding: a file that passes is never called corrupt.
    """
    try:
        conn = sqlite3.connect(readonly_uri(path, immutable=True), uri=True)
    except sqlite3.Error:
        return False
    try:
        return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def unreadable(path: Path, exc: BaseException, *, doing: str = "read") -> KBError:
    """The error for a KB file SQLite failed on; a rebuild is suggested only for a file failing quick_check."""
    text = str(exc)
    if passes_quick_check(path):
        if not writable(path) or "readonly" in text or "read-only" in text or "unable to open" in text:
            return KBReadOnlyError(f"KB {path} cannot be written ({text}): {READ_ONLY_FIX}")
        return KBError(f"KB {path} cannot be {doing} ({text}); the file itself is intact: check its permissions "
                       f"and free disk space, or retry")
    return KBCorruptError(f"KB {path} cannot be {doing} ({text}): {rebuild_hint(path)}")


# --- files ------------------------------------------------------------------
def check_file(path: Path) -> None:
    """Raise a clear error when ``path`` is not a whole SQLite file (cheap: reads the header)."""
    if path.is_dir():
        raise KBError(f"KB path {path} is a directory: give a file path such as {path / 'kb.sqlite'}")
    size = path.stat().st_size
    if size == 0:
        raise KBCorruptError(f"{path} is not a metalearn knowledge base (an empty file): {rebuild_hint(path)}")
    with open(path, "rb") as handle:
        header = handle.read(100)
    if not header.startswith(_SQLITE_MAGIC):
        raise KBCorruptError(
            f"{path} is not a metalearn knowledge base (not an SQLite file): {rebuild_hint(path)}"
        )
    if len(header) < 100:
        raise KBCorruptError(f"KB {path} is truncated ({size} bytes): {rebuild_hint(path)}")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    page_count = int.from_bytes(header[28:32], "big")
    header_count_valid = header[92:96] == header[24:28]
    wal = Path(f"{path}-wal")
    wal_pending = wal.exists() and wal.stat().st_size > 0  # pages may be in the WAL until a checkpoint
    if not wal_pending and page_size and (
        size % page_size or (header_count_valid and page_count and size < page_size * page_count)
    ) and not passes_quick_check(path):
        expected = page_size * page_count if header_count_valid else "a multiple of %d" % page_size
        raise KBCorruptError(f"KB {path} is truncated ({size} bytes, expected {expected}): {rebuild_hint(path)}")


def connect(path: Path, timeout: float, *, readonly: bool = False) -> sqlite3.Connection:
    """Open ``path`` (a checked file) and verify it is a KB of our schema version.

    ``readonly`` opens it with SQLite's ``mode=ro`` (``immutable=1`` when the
    directory holds no -shm file and cannot get one) and changes no setting of
    the file (no ``PRAGMA journal_mode``).
    """
    if readonly:
        conn = sqlite3.connect(readonly_uri(path), uri=True, timeout=timeout, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:  # a WAL file without a -shm in a directory that cannot be written
            conn.close()
            conn = sqlite3.connect(readonly_uri(path, immutable=True), uri=True, timeout=timeout,
                                   isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        version = schema_version(conn)
        if version is None:
            raise KBCorruptError(
                f"{path} is an SQLite file but not a metalearn knowledge base (no migrations table): "
                f"{rebuild_hint(path)}"
            )
        if version > SCHEMA_VERSION:
            raise KBSchemaError(
                f"KB {path} has schema version {version}, newer than this metalearn supports "
                f"({SCHEMA_VERSION}): upgrade metalearn (pip install -U metalearn)"
            )
        if version < SCHEMA_VERSION:
            raise KBSchemaError(
                f"KB {path} has schema version {version}, older than this metalearn uses ({SCHEMA_VERSION}): "
                f"run `metalearn kb upgrade --kb {quote_path(path)}`"
            )
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA journal_size_limit = {_WAL_KEEP_BYTES}")  # a WAL grown by bulk writes shrinks back
    except sqlite3.DatabaseError as exc:
        conn.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise KBError(f"KB {path} is locked by another process (waited {timeout:g} s): retry later") from exc
        raise unreadable(path, exc) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def fsync_file(path: Path) -> None:
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
                triggers = drop_triggers(conn, ("runs", "meta_features"))
                counts = import_seed(conn, seed)
                restore_triggers(conn, triggers, ("runs_generation", "meta_features_generation"))
                info["created_from"] = "seed"
                info["seed_counts"] = json.dumps(counts, sort_keys=True)
            else:
                info["created_from"] = "empty"
            conn.executemany("INSERT OR REPLACE INTO kb_info (key, value) VALUES (?, ?)", info.items())
            conn.execute("COMMIT")
            conn.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.close()
        fsync_file(tmp)
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
        raise KBError(f"KB {path} does not exist: create it with `metalearn kb init --kb {quote_path(path)}`")
    check_file(path)
    conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
    try:
        old = schema_version(conn)
        if old is None:
            raise KBCorruptError(
                f"{path} is an SQLite file but not a metalearn knowledge base (no migrations table): "
                f"{rebuild_hint(path)}"
            )
        if old > SCHEMA_VERSION:
            raise KBSchemaError(
                f"KB {path} has schema version {old}, newer than this metalearn supports "
                f"({SCHEMA_VERSION}): upgrade metalearn (pip install -U metalearn)"
            )
        return old, migrate(conn)
    except sqlite3.DatabaseError as exc:
        raise unreadable(path, exc, doing="upgraded") from exc
    finally:
        conn.close()


# --- helpers ------------------------------------------------------------------
def drop_triggers(conn: sqlite3.Connection, tables: Sequence[str]) -> list[str]:
    """Drop the change-counter triggers on ``tables`` (inside the caller's transaction); return their SQL.

    Triggers fire per row: a bulk write lifts them, bumps the counters once
    (:func:`restore_triggers`) and puts them back, all in one transaction.
    """
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (SELECT value FROM json_each(?))",
        (json.dumps(list(tables)),),
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    return [sql for _, sql in triggers]


def restore_triggers(conn: sqlite3.Connection, triggers: Sequence[str], counters: Sequence[str]) -> None:
    conn.execute(
        "UPDATE kb_state SET value = value + 1 WHERE key IN (SELECT value FROM json_each(?))", (json.dumps(list(counters)),)
    )
    for sql in triggers:
        conn.execute(sql)


def translate(method):
    """Turn sqlite3 errors raised by a KnowledgeBase method into KBError subclasses."""

    @functools.wraps(method)
    def wrapper(self: "Connection", *args, **kwargs):
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
                raise KBReadOnlyError(f"KB {self.path} cannot be written ({text}): {READ_ONLY_FIX}") from exc
            raise KBError(f"KB {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise unreadable(self.path, exc) from exc

    return wrapper


def split_source(name: str) -> tuple[str, str | None]:
    package, _, version = name.partition(" ")
    return package, (version or None)


def nullable_float(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def int_id(value: Any, name: str) -> int:
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


class Connection:
    """The open SQLite connection of a KB and the transaction and lookup helpers every table family uses."""

    def __init__(self, conn: sqlite3.Connection, path: Path, timeout: float = 30.0, *, readonly: bool = False) -> None:
        self._conn = conn
        self._path = path
        self._timeout = timeout
        self._readonly = readonly
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
        readonly: bool | None = None,
    ) -> "Connection":
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
        readonly : bool, optional
            Open without ever writing (SQLite ``mode=ro``; the KB's caches are
            then computed but not stored, and every write raises
            :class:`~metalearn.exceptions.KBReadOnlyError`). Default: read-only
            exactly when this process cannot write the file or its directory.
        """
        if create not in ("seed", "empty", False):
            raise KBError(f"create={create!r} is not one of 'seed', 'empty', False")
        path = resolve_path(path)
        if not path.exists():
            if create is False:
                raise KBError(f"KB {path} does not exist: create it with `metalearn kb init --kb {quote_path(path)}`")
            create_kb(path, from_seed=create == "seed", seed_dir=seed_dir)
        check_file(path)
        if readonly is None:
            readonly = not writable(path)
        return cls(connect(path, timeout, readonly=bool(readonly)), path, timeout, readonly=bool(readonly))

    @property
    def readonly(self) -> bool:
        """Whether this KB was opened read-only (see :meth:`open`)."""
        return self._readonly

    @property
    def path(self) -> Path:
        """The KB file."""
        return self._path

    def close(self) -> None:
        """Close the connection (the KB stays valid on disk)."""
        self._conn.close()

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"KnowledgeBase({str(self._path)!r})"

    @contextmanager
    def _write(self, *, check_foreign_keys: bool = True) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction; ``check_foreign_keys=False`` when the caller checks every reference."""
        if self._readonly:
            raise KBReadOnlyError(f"KB {self._path} is open read-only: {READ_ONLY_FIX}")
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
        package, version = split_source(name)
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

