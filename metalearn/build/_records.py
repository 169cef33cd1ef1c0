"""The records of a build: what to build on, what to run, what a worker sends back, and the report."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Outcome status of an evaluation that raised instead of returning a result: not written to the KB
#: (it says nothing about the configuration), reported, and tried again by the next build.
NOT_RUN = "error"


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset to build on: a file, ``openml:<id>`` or a loaded Dataset, and its target.

    >>> DatasetEntry("data/examples/cpu.csv", target="class").target
    'class'
    """

    source: Any
    target: str | None = None
    task: str | None = None


@dataclass(frozen=True)
class BuildTask:
    """One evaluation to run: a configuration on a dataset under a metric and protocol."""

    dataset_id: int
    configuration_id: int
    algorithm: str
    params_json: str
    metric: str
    protocol: str
    cv: int
    extra_metrics: tuple[str, ...] = ()

    @property
    def params(self) -> dict[str, Any]:
        """The parameters as a dict.

        >>> BuildTask(1, 2, "SVC", '{"C":1.0}', "accuracy", "5-fold CV", 5).params
        {'C': 1.0}
        """
        return json.loads(self.params_json)


@dataclass(frozen=True)
class TaskOutcome:
    """What a worker sends back to the driver: small, picklable, written by the driver."""

    dataset_id: int
    configuration_id: int
    metric: str
    status: str
    score: float | None
    protocol: str
    fit_time: float | None
    error: str | None
    elapsed: float
    scores: Mapping[str, float] | None = None  # every metric's score from the same fit (extra_metrics)


@dataclass(frozen=True)
class BuildReport:
    """Summary of one :func:`build_kb` call.

    Attributes
    ----------
    n_datasets, n_configurations : int
        Datasets built on and distinct configurations in the portfolios.
    n_planned : int
        Dataset x configuration pairs of the build.
    n_skipped : int
        Pairs already in the KB (not run again).
    n_added : int
        Runs written by this call (ok and failed).
    n_ok, n_failed : int
        Runs added with status ``ok`` / any other status.
    by_status : Mapping[str, int]
        Runs added per status.
    elapsed : float
        Wall-clock seconds of the call.
    setup_seconds : float
        Of which loading, registering and characterizing the datasets and planning
        the runs; the rest is running the evaluations and writing the results.
    eval_seconds : float
        Sum of the evaluations' wall-clock seconds, as the workers measured them.
    backend : str
        ``"sequential"``, ``"loky (N jobs)"`` or ``"dask <scheduler address>"``.
    failures : tuple of str
        One line per failed run: dataset, algorithm, status and error.
    n_errors : int
        Evaluations that raised an unexpected error (a bug, not the configuration's fault):
        not written to the KB, listed in ``failures`` as ``not recorded``, retried by the next build.
    kb_path : str
        The knowledge base written.

    >>> r = BuildReport(1, 2, 2, 0, 2, 1, 1, {"ok": 1, "timeout": 1}, 3.0, 2.5, "sequential", (), "kb.sqlite", 0.5)
    >>> print(r.summary())
    2 runs added (1 ok, 1 failed: timeout 1), 0 already in the KB, 2 planned on 1 datasets x 2 configurations, in 3.0 s (sequential)
    """

    n_datasets: int
    n_configurations: int
    n_planned: int
    n_skipped: int
    n_added: int
    n_ok: int
    n_failed: int
    by_status: Mapping[str, int]
    elapsed: float
    eval_seconds: float
    backend: str
    failures: tuple[str, ...] = ()
    kb_path: str = ""
    setup_seconds: float = 0.0
    n_errors: int = 0

    def summary(self) -> str:
        """One line: runs added, failed, skipped and time."""
        failed = ", ".join(f"{k} {v}" for k, v in sorted(self.by_status.items()) if k != "ok")
        return (
            f"{self.n_added} runs added ({self.n_ok} ok, {self.n_failed} failed{': ' + failed if failed else ''}), "
            f"{self.n_skipped} already in the KB, {self.n_planned} planned on {self.n_datasets} datasets x "
            f"{self.n_configurations} configurations, in {self.elapsed:.1f} s ({self.backend})"
            + (f"; {self.n_errors} not recorded (errors, see failures)" if self.n_errors else "")
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict of the report."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["by_status"] = dict(self.by_status)
        out["failures"] = list(self.failures)
        return out
