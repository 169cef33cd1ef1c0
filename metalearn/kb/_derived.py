"""Derived data and caches kept inside the KB file (hints, never authority), and the change token."""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Mapping

from metalearn.exceptions import KBError
from metalearn.kb._connection import translate


_DERIVED_KEEP = 16  # entries of derived data kept per name (KnowledgeBase.store_derived)


class Derived:
    """KnowledgeBase methods for derived data and the caches."""

    @translate
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

    @translate
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

        conn = self._conn
        row = conn.execute(
            "SELECT data, generation = (SELECT value FROM kb_state WHERE key = 'runs_generation') "
            "FROM runs_matrix WHERE part = ?",
            (f"derived:{name}:{key}",),
        ).fetchone()
        if row is None or not row[1] or not isinstance(row[0], bytes):  # absent, stale or not a blob: a miss
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
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):  # not what store_derived writes: a miss, recomputed
            return None

    @translate
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
        if self._readonly:
            return False
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
        if self._readonly:
            return
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

