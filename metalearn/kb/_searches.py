"""The searches table: one row per search session."""

from __future__ import annotations

import json
import time
from typing import Any, Mapping

from metalearn._version import __version__
from metalearn.exceptions import KBContentError
from metalearn.kb.records import SEARCH_STATUSES, SearchRecord
from metalearn.kb._connection import nullable_float, translate


class Searches:
    """KnowledgeBase methods for search sessions."""

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

    @translate
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

    @translate
    def finish_search(
        self, search_id: int, *, status: str, best_score: float | None = None, n_trials: int | None = None
    ) -> None:
        """Record the end of a search: ``status`` is finished, failed, interrupted or timeout."""
        if status not in SEARCH_STATUSES:
            raise KBContentError(f"search status {status!r} is not one of {', '.join(SEARCH_STATUSES)}")
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE searches SET status = ?, best_score = ?, n_trials = ?, finished_at = ? WHERE search_id = ?",
                (status, nullable_float(best_score), None if n_trials is None else int(n_trials),
                 int(time.time()), int(search_id)),
            )
            if cursor.rowcount == 0:
                raise KBContentError(f"search_id {search_id} is not in KB {self._path}")

    @translate
    def search(self, search_id: int) -> SearchRecord:
        """The search session with this id."""
        return self._search(search_id)

