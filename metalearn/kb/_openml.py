"""Import OpenML's evaluations of scikit-learn flows into the knowledge base.

:func:`import_openml` lists a task's (or a suite's, or a flow's) evaluations
under one OpenML measure, reads each run's setup (its hyperparameters), maps
the flow's final scikit-learn estimator onto metalearn's algorithm registry,
and writes datasets, their OpenML qualities and the runs through the
:class:`~metalearn.kb.KnowledgeBase` methods. Re-running it imports only what
is missing. Nothing named by a flow is ever imported or executed: flows are
read as names.

All requests go through openml-python's own client (``openml.config.server``
says where). Tasks and datasets use openml-python's cache; evaluation listings,
setups and suites, which openml-python does not cache, are kept as JSON under
``<openml cache>/metalearn/`` so that a re-run without network still works from
what an earlier run saw.

>>> final_estimator("sklearn.pipeline.Pipeline(imputation=sklearn.preprocessing.imputation.Imputer,"
...                 "estimator=sklearn.svm.classes.SVC)(1)")
('SVC', 'sklearn.svm.classes.SVC')
>>> final_estimator("sklearn.ensemble.forest.RandomForestClassifier")
('RandomForestClassifier', 'sklearn.ensemble.forest.RandomForestClassifier')
>>> final_estimator("weka.J48(1)") is None
True
>>> protocol_name("crossvalidation", {"number_folds": "10", "number_repeats": "1"})
'10-fold CV'
>>> SCORERS["root_mean_squared_error"]
('neg_root_mean_squared_error', -1.0)
"""

from __future__ import annotations

import math
import sys
import types
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from metalearn.exceptions import InvalidParamsError, KBError, OpenMLUnavailableError, UnknownAlgorithmError
from metalearn.kb._openml_client import OpenMLSession
from metalearn.kb._openml_flows import final_estimator, map_run, protocol_name

__all__ = ["ImportReport", "import_openml", "final_estimator", "protocol_name", "SCORERS", "FIT_TIME_MEASURES"]

#: OpenML evaluation measure -> (scikit-learn scorer name, sign that makes it higher-is-better).
#: OpenML averages per-class precision, recall and F-measure weighted by class size, hence ``*_weighted``.
SCORERS: Mapping[str, tuple[str, float]] = types.MappingProxyType({
    "predictive_accuracy": ("accuracy", 1.0),
    "area_under_roc_curve": ("roc_auc", 1.0),  # multiclass tasks: roc_auc_ovr_weighted (see _scorer)
    "f_measure": ("f1_weighted", 1.0),
    "precision": ("precision_weighted", 1.0),
    "recall": ("recall_weighted", 1.0),
    "root_mean_squared_error": ("neg_root_mean_squared_error", -1.0),
    "mean_absolute_error": ("neg_mean_absolute_error", -1.0),
})

#: OpenML measures of a run's training time (summed over its folds) -> factor to seconds, preferred first.
#: The first one the server has for a run becomes its ``fit_time``.
FIT_TIME_MEASURES: Mapping[str, float] = types.MappingProxyType({
    "wall_clock_time_millis_training": 0.001,
    "usercpu_time_millis_training": 0.001,
})

QUALITIES_COMPUTED_BY = "openml-server"
_CLASSIFICATION, _REGRESSION = 1, 2
_RUN_BATCH = 500


@dataclass(frozen=True)
class ImportReport:
    """What one :func:`import_openml` call did.

    ``runs_unmapped`` counts the evaluations that could not become runs, by
    reason (``"not a scikit-learn flow"``, ``"estimator not in registry: X"``,
    ``"parameters invalid: ..."``). ``complete`` is False when ``max_runs``
    stopped the import early (re-run to get the rest). ``offline`` lists what
    was read from the cache because OpenML could not be reached.
    ``fit_times_added`` counts the runs that got their training time from
    OpenML (new runs, and runs imported earlier without one).
    """

    datasets_added: int
    runs_added: int
    runs_skipped: int
    runs_unmapped: Mapping[str, int]
    qualities_added: int
    tasks: tuple[int, ...] = ()
    evaluations_seen: int = 0
    complete: bool = True
    offline: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    fit_times_added: int = 0

    @property
    def n_unmapped(self) -> int:
        """Number of evaluations that could not be mapped, whatever the reason."""
        return sum(self.runs_unmapped.values())

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-able types."""
        out = dict(self.__dict__)
        out["runs_unmapped"] = dict(self.runs_unmapped)
        out["tasks"] = list(self.tasks)
        out["offline"] = list(self.offline)
        out["notes"] = list(self.notes)
        return out

    def summary(self) -> str:
        """A few human-readable lines."""
        lines = [
            f"tasks: {', '.join(map(str, self.tasks)) or '-'} ({self.evaluations_seen} evaluations)",
            f"datasets added: {self.datasets_added}, qualities added: {self.qualities_added}",
            f"runs added: {self.runs_added}, already present: {self.runs_skipped}, unmapped: {self.n_unmapped}",
            f"fit times from OpenML: {self.fit_times_added} runs",
        ]
        lines += [f"  unmapped ({n}): {reason}" for reason, n in sorted(self.runs_unmapped.items())]
        if not self.complete:
            lines.append("stopped at max_runs: run the import again to continue")
        lines += [f"offline: {what}" for what in self.offline]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def _scorer(metric: str, n_classes: int | None) -> tuple[str, float]:
    name, sign = SCORERS[metric]
    if metric == "area_under_roc_curve" and n_classes is not None and n_classes > 2:
        name = "roc_auc_ovr_weighted"  # OpenML averages one-vs-rest AUCs weighted by class size
    return name, sign


def _finite(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _progress(total: int, enabled: bool, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="run", disable=not (enabled and sys.stderr.isatty()), leave=False)


def import_openml(
    kb,
    *,
    tasks: Iterable[int] = (),
    suite: int | str | None = None,
    flows: Iterable[int] = (),
    metric: str = "predictive_accuracy",
    max_runs: int | None = None,
    progress: bool = True,
    fit_times: bool = True,
) -> ImportReport:
    """Import OpenML evaluations of scikit-learn flows into the knowledge base ``kb``.

    Parameters
    ----------
    kb : KnowledgeBase
        An open knowledge base.
    tasks : iterable of int
        OpenML task ids.
    suite : int or str, optional
        A benchmark suite id or alias (e.g. ``"OpenML-CC18"``): its tasks are added to ``tasks``.
    flows : iterable of int
        Only these flows' runs (with no tasks and no suite: these flows' runs on every task).
    metric : str
        OpenML evaluation measure; stored under its scikit-learn scorer name, higher is better
        (see :data:`SCORERS`).
    max_runs : int, optional
        Stop after adding this many new runs (run again to continue).
    progress : bool
        Show a progress bar on stderr (only when it is a terminal).
    fit_times : bool
        Also list each task's training-time evaluations (one call per measure of
        :data:`FIT_TIME_MEASURES`, cached like the rest) and store them as the runs'
        ``fit_time`` in seconds, also on runs an earlier import left without one.

    Returns
    -------
    ImportReport

    Raises
    ------
    OpenMLUnavailableError
        OpenML cannot be reached and what is needed is not cached.
    KBError
        The options are not usable (unknown measure, nothing to import).
    """

    if metric not in SCORERS:
        raise KBError(f"OpenML measure {metric!r} cannot be imported: use one of {', '.join(SCORERS)}")
    if max_runs is not None and max_runs < 0:
        raise KBError(f"max_runs={max_runs} must be >= 0 (or None for no limit)")
    flows = tuple(int(f) for f in flows)
    task_ids = list(dict.fromkeys(int(t) for t in tasks))
    if suite is None and not task_ids and not flows:
        raise KBError("nothing to import: give tasks, a suite (e.g. OpenML-CC18) or flows")

    import openml

    try:
        return _import(kb, task_ids, suite, flows, metric, max_runs, progress, fit_times)
    except openml.exceptions.OpenMLServerException as exc:
        message = " ".join(str(exc.message).split())
        raise KBError(
            f"OpenML answered {exc.url} with error {exc.code} ({message}): check the task, suite and flow ids, "
            f"or retry later; runs imported so far are kept and a re-run continues"
        ) from None


def _import(kb, task_ids: list[int], suite, flows: tuple[int, ...], metric: str, max_runs: int | None,
            progress: bool, with_fit_times: bool) -> ImportReport:
    import openml

    from metalearn.kb import RunInput

    session = OpenMLSession()
    source = f"openml {openml.__version__}"
    if suite is not None:
        task_ids += [t for t in session.suite_tasks(suite) if t not in task_ids]

    by_task: dict[int, list[dict]] = {}
    if task_ids:
        for tid in task_ids:
            by_task[tid] = session.evaluations(metric, tid, flows)
    else:
        for row in session.evaluations(metric, None, flows):
            by_task.setdefault(int(row["task_id"]), []).append(row)

    counts = Counter()
    unmapped: Counter = Counter()
    notes: list[str] = []
    complete = True
    listed: dict[tuple[str, int | None], list[dict]] = {}

    def fit_times(tid: int) -> dict[int, float]:
        """OpenML run id -> training seconds for task ``tid``, from the first measure that has the run."""
        out: dict[int, float] = {}
        if not with_fit_times:
            return out
        for measure, to_seconds in FIT_TIME_MEASURES.items():
            key = (measure, tid if task_ids else None)
            if key not in listed:
                try:
                    listed[key] = session.evaluations(measure, key[1], flows)
                except OpenMLUnavailableError:
                    listed[key] = []
                    notes.append(f"{measure} of task {tid} is neither reachable nor cached: fit times left empty")
            for row in listed[key]:
                value = _finite(row["value"])
                if value is not None and value >= 0 and int(row["task_id"]) == tid:
                    out.setdefault(int(row["run_id"]), value * to_seconds)
        return out

    total = sum(len(rows) for rows in by_task.values())
    bar = _progress(total, progress, "OpenML runs")
    try:
        for tid, rows in by_task.items():
            if max_runs is not None and counts["runs"] >= max_runs:
                complete = False
                break
            if not rows:
                notes.append(f"task {tid} has no {metric} evaluations" + (f" for flows {list(flows)}" if flows else ""))
                continue
            task = session.openml_cached(f"task {tid}", lambda: openml.tasks.get_task(tid, download_splits=False))
            if int(task.task_type_id.value) not in (_CLASSIFICATION, _REGRESSION):
                notes.append(f"task {tid} is a {task.task_type} task: skipped")
                bar.update(len(rows))
                continue
            did = int(task.dataset_id)
            dataset = session.openml_cached(
                f"dataset {did}",
                lambda: openml.datasets.get_dataset(did, download_data=False, download_qualities=True,
                                                    download_features_meta_data=False),
            )
            qualities = {k: v for k, v in (dataset.qualities or {}).items() if _finite(v) is not None}
            if int(task.task_type_id.value) == _CLASSIFICATION:
                n_classes = len(task.class_labels or ()) or int(qualities.get("NumberOfClasses", 0)) or None
                task_type = "binary" if n_classes == 2 else "multiclass" if n_classes else "classification"
            else:
                n_classes, task_type = None, "regression"
            scorer, sign = _scorer(metric, n_classes)
            protocol = protocol_name(task.estimation_procedure.get("type", ""),
                                     task.estimation_procedure.get("parameters") or {})

            record = kb.find_dataset(openml_id=did)
            if record is None:
                n_feat = qualities.get("NumberOfFeatures")
                record = kb.add_dataset(
                    dataset.name, task_type=task_type, source=f"openml:{did}",
                    n_rows=int(qualities["NumberOfInstances"]) if "NumberOfInstances" in qualities else None,
                    n_cols=int(n_feat) - 1 if n_feat else None, openml_id=did, openml_task_id=tid,
                )
                counts["datasets"] += 1
            have = kb.meta_features_frame([record.dataset_id], computed_by=QUALITIES_COMPUTED_BY)
            if qualities and (len(have) == 0 or have.dropna(axis=1, how="all").shape[1] == 0):
                counts["qualities"] += kb.add_meta_features(
                    record.dataset_id, {k: float(v) for k, v in qualities.items()}, computed_by=QUALITIES_COMPUTED_BY
                )

            setups = session.setups(int(r["setup_id"]) for r in rows)
            times = fit_times(tid)
            pending: list = []
            seen: set = set()
            for row in rows:
                if max_runs is not None and counts["runs"] + len(pending) >= max_runs:
                    complete = False
                    break
                bar.update(1)
                counts["seen"] += 1
                sid = int(row["setup_id"])
                if sid not in setups:
                    continue  # offline and not cached: left for a later import (noted by the session)
                value = _finite(row["value"])
                if value is None:
                    unmapped["no value"] += 1
                    continue
                mapped = map_run(str(row["flow_name"]), setups[sid])
                if isinstance(mapped, str):
                    unmapped[mapped] += 1
                    continue
                algorithm, params = mapped
                try:
                    config = kb.add_configuration(algorithm, params)  # stored in canonical form
                except (UnknownAlgorithmError, InvalidParamsError):
                    unmapped["parameters outside the registry"] += 1
                    continue
                key = (config.configuration_id, scorer, protocol)
                if key in seen or kb.has_run(record.dataset_id, config.configuration_id, scorer, protocol):
                    counts["skipped"] += 1
                    continue
                seen.add(key)
                pending.append(RunInput(record.dataset_id, config.configuration_id, scorer, sign * value, protocol,
                                        source=source, openml_run_id=int(row["run_id"]),
                                        fit_time=times.get(int(row["run_id"]))))
                if len(pending) >= _RUN_BATCH:
                    counts["runs"] += kb.add_runs(pending)
                    counts["fit_times"] += sum(run.fit_time is not None for run in pending)
                    pending = []
            if pending:
                counts["runs"] += kb.add_runs(pending)
                counts["fit_times"] += sum(run.fit_time is not None for run in pending)
            if times:  # runs an earlier import (or one without fit times) left without a fit time
                counts["fit_times"] += kb.set_openml_fit_times(times)
    finally:
        bar.close()
    return ImportReport(
        datasets_added=counts["datasets"],
        runs_added=counts["runs"],
        runs_skipped=counts["skipped"],
        runs_unmapped=types.MappingProxyType(dict(unmapped)),
        qualities_added=counts["qualities"],
        tasks=tuple(by_task),
        evaluations_seen=counts["seen"],
        complete=complete,
        offline=tuple(dict.fromkeys(session.offline)),
        notes=tuple(notes),
        fit_times_added=counts["fit_times"],
    )
