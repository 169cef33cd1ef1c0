"""What the recommender reads from a knowledge base: the :class:`KBReader` protocol.

:class:`~metalearn.kb.KnowledgeBase` implements it; so may any other store
(an in-memory fake in a test, a read-only snapshot). Code that only reads a
KB types its argument as ``KBReader`` and calls these methods directly:
every method is part of the contract, so nothing needs ``hasattr`` probing.

Contracts shared by every method:

* Results are copies (frames, arrays, records): changing them never changes
  the KB, and they stay valid after the KB is closed.
* Failures are :class:`~metalearn.exceptions.KBError` subclasses with one
  line naming the file and the fix (never a bare ``sqlite3`` error).
* Thread-safety: one instance is NOT safe for concurrent calls from several
  threads; open one instance per thread or process. Several processes may
  read and write one KB file at once (SQLite WAL): each call sees one
  consistent snapshot.
* A read-only KB (see ``KnowledgeBase.open(readonly=True)``) supports every
  method here; :meth:`KBReader.store_derived` then returns False.

>>> import tempfile, os
>>> from metalearn.kb import KBReader, KnowledgeBase
>>> with tempfile.TemporaryDirectory() as tmp:
...     with KnowledgeBase.open(os.path.join(tmp, "kb.sqlite"), create="empty") as kb:
...         isinstance(kb, KBReader)
True
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from metalearn.kb.records import ConfigurationRecord, KBStats, RunScores

__all__ = ["KBReader"]


@runtime_checkable
class KBReader(Protocol):
    """The read side of a knowledge base, as the recommender uses it."""

    @property
    def path(self) -> Path:
        """The KB's file (used in messages and as part of cache keys). Never raises."""
        ...

    def change_token(self) -> tuple[int, int]:
        """A value that changes whenever the KB's content may have changed.

        Equal tokens from one instance mean the content read before is still
        current, so results derived from it may be reused. The KB's own cache
        writes (:meth:`run_scores`, :meth:`meta_features_frame`,
        :meth:`store_derived`) are not changes. Cheap: reads no table; call it
        as often as needed.
        """
        ...

    def stats(self) -> "KBStats":
        """Row counts by table and breakdowns of runs and datasets (a :class:`~metalearn.kb.KBStats`).

        Counts every table: milliseconds on a seed KB, longer on a large one.
        """
        ...

    def datasets_frame(self) -> "pd.DataFrame":
        """Every dataset: index ``dataset_id`` (int); columns name, openml_id, openml_task_id,
        task_type, n_rows, n_cols (nullable Int64 where unknown), content_hash, source, key,
        provenance. An empty KB gives an empty frame with these columns."""
        ...

    def meta_features_frame(
        self, dataset_ids: Iterable[int] | None = None, *, computed_by: str | None = None
    ) -> "pd.DataFrame":
        """Meta-features wide: index ``dataset_id``, one float64 column per name, NaN where missing.

        Where several parties computed a name, ``openml-server`` is preferred,
        then ``metalearn <version>`` (highest first). ``dataset_ids`` keeps
        those datasets (unknown ids are absent, not an error); ``computed_by``
        keeps one party's values (``"metalearn"`` matches every version).
        Datasets without meta-features are absent.
        """
        ...

    def runs_frame(
        self,
        *,
        dataset_ids: Iterable[int] | None = None,
        metric: str | None = None,
        status: str | None = "ok",
        task_type: str | None = None,
    ) -> "pd.DataFrame":
        """Runs joined with their configuration: columns run_id, dataset_id, configuration_id,
        algorithm, params (canonical JSON text), metric, score (float64), protocol, fit_time,
        status, source, error, openml_run_id (Int64); in run id order. Filters combine with AND;
        ``status=None`` keeps every status; ``task_type="classification"`` matches binary,
        multiclass and classification datasets. An unknown metric gives an empty frame."""
        ...

    def run_scores(self, metric: str) -> "RunScores":
        """The successful runs (status ok, score not NULL) of ``metric`` as arrays (a
        :class:`~metalearn.kb.RunScores`): dataset_id, configuration_id (int64) and score
        (float64) in run id order, and ``configurations`` {id: (algorithm, params JSON)} for
        every configuration among them. The same rows as ``runs_frame(metric=metric)``.
        An unknown metric gives empty arrays. The algorithm names and parameters are stored
        data: check them against the registry (:func:`metalearn.kb.validate_configuration`)
        before running anything."""
        ...

    def configurations(self, ids: Iterable[int], *, validate: bool = True) -> list["ConfigurationRecord"]:
        """The configurations with these ids, in that order. An unknown id raises
        :class:`~metalearn.exceptions.KBContentError`; with ``validate`` each is checked
        against the registry and one that does not validate raises KBContentError naming it."""
        ...

    def derived(self, name: str, key: str) -> "tuple[dict[str, Any], Any] | None":
        """Data stored by :meth:`store_derived` under (name, key): ``(arrays, info)``, or None.

        A hint, never authority: None (a miss) when there is no entry, the runs
        changed since it was stored, or the entry does not decode; never raises
        for stored content. The caller recomputes on a miss and re-checks
        anything it will act on.
        """
        ...

    def store_derived(self, name: str, key: str, arrays: Mapping[str, Any], *, info: Any = None) -> bool:
        """Store numeric ``arrays`` and JSON-able ``info`` under (name, key) for :meth:`derived`.

        Best effort: returns True when stored, False (nothing changed, nothing
        raised) when the KB is read-only, busy or full. Raises
        :class:`~metalearn.exceptions.KBError` only for a bad ``name`` (empty
        or containing ``:``) or a non-numeric array: programming errors.
        """
        ...
