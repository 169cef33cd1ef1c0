"""Frozen records the knowledge base hands out and takes in.

Records are plain data: they hold ids, names, numbers and JSON text, never
live database handles. Parameters are kept as canonical JSON text so a record
is hashable; :attr:`ConfigurationRecord.params` parses a fresh ``dict`` on
each access.

>>> from metalearn.kb.records import RunInput
>>> run = RunInput(1, 2, "balanced_accuracy", 0.88, "5-fold CV")
>>> run.status, run.source.startswith("metalearn ")
('ok', True)
>>> RunInput(1, 2, "balanced_accuracy", 0.88, "5-fold CV", status="crashed")
Traceback (most recent call last):
...
metalearn.exceptions.KBContentError: run status 'crashed' is not one of ok, failed, timeout, memout
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from metalearn._version import __version__
from metalearn.exceptions import KBContentError

__all__ = [
    "RUN_STATUSES",
    "SEARCH_STATUSES",
    "TASK_TYPES",
    "DEFAULT_SOURCE",
    "DatasetRecord",
    "DatasetInput",
    "ConfigurationRecord",
    "RunInput",
    "SearchRecord",
    "KBStats",
    "RunScores",
    "CheckIssue",
    "CheckReport",
]

#: Status of one run: the evaluation finished, raised, ran out of time or of memory.
RUN_STATUSES = ("ok", "failed", "timeout", "memout")
#: Status of a search session.
SEARCH_STATUSES = ("running", "finished", "failed", "interrupted", "timeout")
#: Task types of datasets (``classification`` where a source does not tell binary from multiclass).
TASK_TYPES = ("binary", "multiclass", "regression", "classification")
#: Provenance written on rows this version of metalearn produces.
DEFAULT_SOURCE = f"metalearn {__version__}"


@dataclass(frozen=True)
class DatasetRecord:
    """One dataset of the knowledge base.

    ``source`` is where the data came from (a path, ``openml:<id>``, ``<DataFrame>``);
    ``provenance`` is who wrote the row (a seed file's package and version, or
    ``metalearn <version>``). ``n_cols`` is the number of feature columns, the
    target excluded (OpenML's ``NumberOfFeatures - 1``; a
    :class:`~metalearn.data.Dataset`'s ``n_features``), everywhere in the KB.
    """

    dataset_id: int
    name: str
    task_type: str
    source: str
    n_rows: int | None = None
    n_cols: int | None = None
    content_hash: str | None = None
    openml_id: int | None = None
    openml_task_id: int | None = None
    key: str = ""
    provenance: str = ""


@dataclass(frozen=True)
class DatasetInput:
    """A dataset to add with :meth:`~metalearn.kb.KnowledgeBase.add_datasets` (the arguments of ``add_dataset``).

    >>> DatasetInput("iris", task_type="multiclass", source="openml:61", openml_id=61).openml_id
    61
    """

    name: str
    task_type: str = field(kw_only=True)
    source: str = field(kw_only=True)
    n_rows: int | None = field(default=None, kw_only=True)
    n_cols: int | None = field(default=None, kw_only=True)
    content_hash: str | None = field(default=None, kw_only=True)
    openml_id: int | None = field(default=None, kw_only=True)
    openml_task_id: int | None = field(default=None, kw_only=True)
    provenance: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if self.task_type not in TASK_TYPES:
            raise KBContentError(f"task_type {self.task_type!r} is not one of {', '.join(TASK_TYPES)}")
        if not isinstance(self.name, str) or not self.name:
            raise KBContentError(f"dataset name {self.name!r} must be a non-empty string")


@dataclass(frozen=True)
class ConfigurationRecord:
    """One algorithm configuration: a registry name and canonical JSON parameters.

    >>> rec = ConfigurationRecord(1, "SVC", '{"C":1.0}', "0123456789abcdef")
    >>> rec.params
    {'C': 1.0}
    """

    configuration_id: int
    algorithm: str
    params_json: str
    config_hash: str
    provenance: str = ""

    @property
    def params(self) -> dict[str, Any]:
        """The parameters as a new ``dict`` (parsed from :attr:`params_json`)."""
        return json.loads(self.params_json)


@dataclass(frozen=True, init=False)
class RunInput:
    """A run to write: a configuration evaluated on a dataset under a metric and protocol.

    ``score`` is higher-is-better under the scikit-learn scorer name ``metric``
    (a balanced error rate of 0.12 is ``balanced_accuracy`` 0.88). Runs that did
    not finish (``status`` other than ``ok``) may have ``score=None`` and carry
    their one-line ``error``.

    >>> RunInput(1, 2, "accuracy", 0.9, "10-fold CV", fit_time=0.5) == RunInput(1, 2, "accuracy", 0.9, "10-fold CV", fit_time=0.5)
    True
    """

    dataset_id: int
    configuration_id: int
    metric: str
    score: float | None
    protocol: str
    status: str = field(default="ok", kw_only=True)
    fit_time: float | None = field(default=None, kw_only=True)
    error: str | None = field(default=None, kw_only=True)
    source: str = field(default=DEFAULT_SOURCE, kw_only=True)
    search_id: int | None = field(default=None, kw_only=True)
    openml_run_id: int | None = field(default=None, kw_only=True)

    def __init__(
        self,
        dataset_id: int,
        configuration_id: int,
        metric: str,
        score: float | None,
        protocol: str,
        *,
        status: str = "ok",
        fit_time: float | None = None,
        error: str | None = None,
        source: str = DEFAULT_SOURCE,
        search_id: int | None = None,
        openml_run_id: int | None = None,
    ) -> None:
        # Written by hand: the generated __init__ of a frozen dataclass sets each field with
        # object.__setattr__, which made building the records a third of add_runs' time.
        # Filling the instance dict in one call keeps the record frozen afterwards.
        self.__dict__.update(
            dataset_id=dataset_id, configuration_id=configuration_id, metric=metric, score=score,
            protocol=protocol, status=status, fit_time=fit_time, error=error, source=source,
            search_id=search_id, openml_run_id=openml_run_id,
        )
        if status not in RUN_STATUSES:
            raise KBContentError(f"run status {status!r} is not one of {', '.join(RUN_STATUSES)}")
        for name, value in (("metric", metric), ("protocol", protocol), ("source", source)):
            if type(value) is not str or not value or value.isspace():
                raise KBContentError(f"run {name} {value!r} must be a non-empty string")
        if status == "ok":
            if type(score) is float:
                if score - score != 0.0:  # NaN or infinite
                    raise KBContentError(
                        f"run with status 'ok' has score {score!r}: give a finite score, or a status "
                        f"such as 'failed' with the error"
                    )
            elif score is None or not _is_finite(score):
                raise KBContentError(
                    f"run with status 'ok' has score {score!r}: give a finite score, or a status "
                    f"such as 'failed' with the error"
                )
        elif score is not None and not _is_real(score):
            raise KBContentError(f"run score {score!r} is not a number")


def _is_real(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, (str, bytes, bool))


def _is_finite(value: Any) -> bool:
    return _is_real(value) and math.isfinite(float(value))


@dataclass(frozen=True)
class SearchRecord:
    """One search session, written when it starts and updated when it ends."""

    search_id: int
    dataset_id: int
    metric: str
    settings_json: str
    status: str
    started_at: int
    finished_at: int | None = None
    best_score: float | None = None
    n_trials: int | None = None
    metalearn_version: str = ""

    @property
    def settings(self) -> dict[str, Any]:
        """The search settings as a new ``dict``."""
        return json.loads(self.settings_json)


@dataclass(frozen=True)
class RunScores:
    """The successful runs of one metric as parallel arrays (what the recommender reads).

    ``dataset_id``, ``configuration_id`` (int64) and ``score`` (float64, higher is
    better, never NaN) have one entry per run with status ``ok`` and a score, in
    run id order; the arrays are read-only. ``configurations`` maps each
    configuration id found there to ``(algorithm, params JSON)``, as stored
    (unchecked: validate before running one). ``generation`` is the KB's runs
    change counter when they were read.

    >>> import numpy as np
    >>> r = RunScores("accuracy", np.array([1]), np.array([7]), np.array([0.9]), {7: ("SVC", "{}")}, 0)
    >>> len(r), r.configurations[7][0]
    (1, 'SVC')
    """

    metric: str
    dataset_id: Any
    configuration_id: Any
    score: Any
    configurations: Mapping[int, tuple[str, str]]
    generation: int

    def __len__(self) -> int:
        return len(self.score)


@dataclass(frozen=True)
class KBStats:
    """Counts and size of a knowledge base (what ``metalearn kb info`` prints)."""

    path: str
    schema_version: int
    size_bytes: int
    n_sources: int
    n_datasets: int
    n_meta_features: int
    n_algorithms: int
    n_configurations: int
    n_runs: int
    n_searches: int
    runs_by_source: Mapping[str, int]
    runs_by_metric: Mapping[str, int]
    runs_by_status: Mapping[str, int]
    datasets_by_task: Mapping[str, int]
    datasets_by_source: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        """The stats as plain JSON-able types."""
        return {
            name: dict(value) if isinstance(value, Mapping) else value
            for name, value in self.__dict__.items()
        }


@dataclass(frozen=True)
class CheckIssue:
    """One problem :meth:`KnowledgeBase.check` found: where it is and what is wrong."""

    table: str
    row_id: int | None
    kind: str
    message: str

    def __str__(self) -> str:
        where = self.table if self.row_id is None else f"{self.table} row {self.row_id}"
        return f"{where}: {self.kind}: {self.message}"


@dataclass(frozen=True)
class CheckReport:
    """The result of :meth:`KnowledgeBase.check`; ``ok`` when nothing was found."""

    path: str
    schema_version: int
    integrity: str
    n_configurations_checked: int
    issues: tuple[CheckIssue, ...] = ()

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and not self.issues

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "ok": self.ok,
            "schema_version": self.schema_version,
            "integrity": self.integrity,
            "n_configurations_checked": self.n_configurations_checked,
            "issues": [issue.__dict__ for issue in self.issues],
        }
