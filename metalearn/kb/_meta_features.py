"""The meta_features table and its cached wide matrix."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Iterable, Mapping

from metalearn.exceptions import KBContentError
from metalearn.kb.records import DEFAULT_SOURCE
from metalearn.kb._connection import nullable_float, translate

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


_MMAP_BYTES = 0x7FFF0000  # the cached meta-feature matrix is read through a map (SQLite caps it near 2 GiB)
_BULK_META_FEATURES = 10_000  # add_meta_features_many bumps the cache generation once from this many values


def version_key(version: str) -> tuple:
    """A sort key comparing version strings by their numbers: ``0.10`` after ``0.9``, ``1.0`` after ``1.0rc1``.

    >>> sorted(["0.10.0", "0.9.1", "0.9.1rc1", "1.0"], key=version_key)
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


def preference_order(computed_by: Iterable[str]) -> dict[str, int]:
    """Rank of each ``computed_by`` value, 0 preferred: ``openml-server``, then ``metalearn <version>``
    from the highest version down (plain ``metalearn`` last of these), then the others.

    >>> preference_order(["metalearn 0.9.0", "other", "metalearn 0.10.0", "openml-server"])
    {'openml-server': 0, 'metalearn 0.10.0': 1, 'metalearn 0.9.0': 2, 'other': 3}
    """
    names = set(computed_by)
    ours = [n for n in names if n == "metalearn" or n.startswith("metalearn ")]
    ours.sort(key=lambda n: (n != "metalearn", version_key(n[len("metalearn "):])), reverse=True)
    others = sorted((n for n in names if n != "openml-server" and n not in ours), reverse=True)
    ordered = (["openml-server"] if "openml-server" in names else []) + ours + others
    return {name: rank for rank, name in enumerate(ordered)}


class MetaFeatures:
    """KnowledgeBase methods for meta-features."""

    @translate
    def add_meta_features(
        self, dataset_id: int, values: Mapping[str, float], computed_by: str, *, provenance: str | None = None
    ) -> int:
        """Write (or overwrite) meta-feature values of a dataset; return how many were written.

        ``computed_by`` is ``openml-server`` for OpenML's values, ``metalearn <version>`` for ours.
        NaN is stored as NULL (undefined for this dataset).
        """
        return self.add_meta_features_many({dataset_id: values}, computed_by, provenance=provenance)

    @translate
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
                    number = nullable_float(value)
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
        order = preference_order(long["computed_by"].unique().tolist())
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
                # a hint, never authority: a part that does not decode (non-UTF-8 or non-JSON names, a blob
                # whose length is not a multiple of 8 or not one value per dataset) is a miss, rebuilt below
                try:
                    names = json.loads(part("columns").decode("utf-8"))
                    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
                        raise ValueError("column names are not a list of strings")
                    if all(f"column:{name}" in rowids for name in names):
                        ids = np.frombuffer(part("index"), dtype="<i8")
                        matrix = np.empty((len(ids), len(names)), dtype="float64", order="F")  # columns contiguous
                        for j, name in enumerate(names):
                            column = np.frombuffer(part(f"column:{name}"), dtype="<f8")
                            if len(column) != len(ids):  # (a length-1 column would broadcast)
                                raise ValueError(f"column {name} has {len(column)} values for {len(ids)} datasets")
                            matrix[:, j] = column
                        wide = pd.DataFrame(matrix, index=pd.Index(ids.copy(), name="dataset_id"), columns=names)
                        cached = True
                except (ValueError, TypeError):
                    wide = None
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

    @translate
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

