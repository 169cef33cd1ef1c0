"""The datasets table: add, find, list."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from metalearn._version import __version__
from metalearn.exceptions import KBContentError
from metalearn.kb.records import DEFAULT_SOURCE, DatasetInput, DatasetRecord
from metalearn.kb._connection import translate

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


class Datasets:
    """KnowledgeBase methods for datasets."""

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

    def register(
        self,
        dataset: Any,
        *,
        meta_features: Mapping[str, float] | None = None,
        computed_by: str | None = None,
        provenance: str | None = None,
    ) -> DatasetRecord:
        """Add a loaded dataset (a :class:`~metalearn.data.Dataset`) and its meta-features; return its record.

        The one way search, build and the estimators put a dataset in the KB.
        Identity as :meth:`add_dataset` (OpenML id, then content hash): a known
        dataset is returned (gaining fields it lacked) and its meta-features are
        written (or overwritten) under ``computed_by`` (default ``metalearn
        <version>``). ``n_cols`` is ``dataset.n_features``: feature columns, the
        target excluded (as OpenML's ``NumberOfFeatures - 1`` and the seed).

        >>> import tempfile, os, pandas as pd
        >>> from metalearn.data import load_dataset
        >>> from metalearn.kb import KnowledgeBase
        >>> frame = pd.DataFrame({"a": [1.0, 2, 3, 4] * 5, "b": list("xyxy") * 5, "y": [0, 1] * 10})
        >>> ds = load_dataset(frame, target="y")
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     with KnowledgeBase.open(os.path.join(tmp, "kb.sqlite"), create="empty") as kb:
        ...         rec = kb.register(ds, meta_features={"NumberOfInstances": 20.0})
        ...         again = kb.register(ds)
        ...         values = kb.meta_features_frame([rec.dataset_id]).to_dict("records")
        >>> rec.n_rows, rec.n_cols, again.dataset_id == rec.dataset_id, values
        (20, 2, True, [{'NumberOfInstances': 20.0}])
        """
        from metalearn.data import Dataset  # imported here: data imports pandas

        if not isinstance(dataset, Dataset):
            raise KBContentError(
                f"register takes a metalearn Dataset (from metalearn.load_dataset), got {type(dataset).__name__}"
            )
        record = self.add_dataset(
            dataset.name, task_type=dataset.task, source=dataset.source, n_rows=int(dataset.n_rows),
            n_cols=int(dataset.n_features), content_hash=dataset.content_hash or None,
            openml_id=dataset.openml_id, provenance=provenance,
        )
        if meta_features:
            self.add_meta_features(
                record.dataset_id, meta_features, computed_by or f"metalearn {__version__}", provenance=provenance
            )
        return record

    @translate
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

    @translate
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

    @translate
    def find_dataset(self, *, content_hash: str | None = None, openml_id: int | None = None) -> DatasetRecord | None:
        """The dataset with this OpenML id or content hash, or None."""
        if openml_id is not None:
            found = self._dataset_where("d.openml_id = ?", (int(openml_id),))
            if found is not None:
                return found
        if content_hash:
            return self._dataset_where("d.content_hash = ?", (content_hash,))
        return None

    @translate
    def dataset(self, dataset_id: int) -> DatasetRecord:
        """The dataset with this id (KBContentError when there is none)."""
        found = self._dataset_where("d.dataset_id = ?", (int(dataset_id),))
        if found is None:
            raise KBContentError(f"dataset_id {dataset_id} is not in KB {self._path}")
        return found

    @translate
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

