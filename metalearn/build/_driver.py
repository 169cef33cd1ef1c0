"""The driver of a build: plan the missing runs, stream them through a runner, write each result."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from metalearn._canonical import canonical_json
from metalearn._version import __version__
from metalearn.build._inputs import expand_datasets
from metalearn.build._portfolio import parse_portfolio_spec, resolve_portfolio
from metalearn.build._records import NOT_RUN, BuildReport, BuildTask, TaskOutcome
from metalearn.build._runners import iter_dask, iter_loky, iter_sequential
from metalearn.exceptions import ConfigurationError
from metalearn.tasks import cv_protocol, default_metric, task_family


def default_protocol(cv: int) -> str:
    """The protocol string of ``cv``-fold cross-validation (see DESIGN.md): :func:`metalearn.tasks.cv_protocol`."""
    return cv_protocol(cv)


def expected_protocol(ds, cv: int, evaluator) -> str:
    """The protocol :func:`metalearn.evaluate.evaluate` will report for this dataset.

    It reduces the folds when a class is smaller than ``cv`` and uses a holdout on large data,
    so the resume check must ask the KB for that protocol, not for ``"<cv>-fold CV"``.
    """
    if evaluator is not None:
        return default_protocol(cv)
    from metalearn.evaluate import protocol_for

    try:  # evaluate's own split rule (tests/test_build.py checks this against evaluate's results)
        return protocol_for(ds.y, ds.task, cv, random_state=0).protocol
    except (TypeError, ValueError):
        # Unknown rule: the plain protocol. A wrong guess only costs a re-evaluation on resume;
        # the driver's has_run check before writing still keeps the KB free of duplicates.
        return default_protocol(cv)


def _open_kb(kb):
    from metalearn.kb import KnowledgeBase

    if isinstance(kb, KnowledgeBase):
        return kb, False
    return KnowledgeBase.open(kb, create="seed"), True


def _register(kb, ds, characterize: bool):
    record = kb.register(ds)
    if characterize:
        have = kb.meta_features_frame([record.dataset_id], computed_by=f"metalearn {__version__}")
        if have.empty or have.dropna(how="all").empty:
            from metalearn.metafeatures import characterize as compute

            values = {k: float(v) for k, v in dict(compute(ds)).items() if v is not None}
            kb.add_meta_features(record.dataset_id, values, computed_by=f"metalearn {__version__}")
    return record


def build_kb(
    datasets: Iterable[Any] | str,
    *,
    kb=None,
    portfolio: str = "defaults",
    target: str | None = None,
    manifest: str | Path | None = None,
    metric: str | None = None,
    metrics: Mapping[str, Iterable[str]] | Iterable[str] = (),
    cv: int = 5,
    n_jobs: int = 1,
    scheduler: Any = None,
    timeout: float | None = None,
    memory_limit_mb: int | None = None,
    progress: bool = True,
    characterize: bool = True,
    seed: int = 0,
    evaluator: Callable | None = None,
) -> BuildReport:
    """Evaluate a portfolio of configurations on datasets and write the runs to the KB.

    Parameters
    ----------
    datasets : str, path, Dataset or iterable of them
        Data files, folders (their data files), ``"openml:<id>"`` entries or
        loaded :class:`~metalearn.data.Dataset` objects.
    kb : KnowledgeBase, path or None
        The KB to grow (default location if None; created from the seed).
    portfolio : str
        ``"defaults"``, ``"random:N"``, ``"kb-top:N"`` or a JSON/CSV file.
    target : str, optional
        Target column of every dataset given in ``datasets``.
    manifest : path, optional
        CSV/JSON with ``path, target[, task]`` per dataset.
    metric : str, optional
        scikit-learn scorer name. Default: ``balanced_accuracy`` for
        classification, ``r2`` for regression.
    metrics : iterable of str, or mapping of task to iterable of str
        Extra metrics scored from the same fit as ``metric``: one run per metric per
        configuration (``{"binary": [...], "multiclass": [...], "regression": [...]}``
        to give each task its own; a plain list applies to every dataset, and names
        that do not fit a dataset's task are left out for it). Resume checks every
        metric: a configuration is run again only for the metrics it lacks.
    cv : int
        Cross-validation folds; the protocol is ``"<cv>-fold CV"``.
    n_jobs : int
        Local worker processes (loky); -1 for one per CPU. Ignored with ``scheduler``.
    scheduler : str or distributed.Client, optional
        Address of a dask.distributed scheduler (``tcp://host:port``), or a Client.
    timeout, memory_limit_mb : optional
        Per-evaluation guards passed to :func:`metalearn.evaluate.evaluate`.
    progress : bool
        Show a progress bar (counts, failures, ETA) on stderr.
    characterize : bool
        Compute and store the meta-features of datasets that have none yet.
    seed : int
        Seed of ``random:N`` portfolios.
    evaluator : callable, optional
        Replaces :func:`metalearn.evaluate.evaluate` (same signature, returns a
        record with ``status, score, protocol, fit_time, error``); must be
        picklable. For benchmarks and tests.

    Returns
    -------
    BuildReport

    Examples
    --------
    >>> from metalearn.build import build_kb
    >>> report = build_kb(["data/examples/"], kb="kb.sqlite", portfolio="defaults", n_jobs=2)  # doctest: +SKIP
    >>> print(report.summary())  # doctest: +SKIP
    """
    from metalearn.data import load_dataset

    t0 = time.perf_counter()
    if not isinstance(cv, int) or cv < 2:
        raise ConfigurationError(f"cv={cv!r} is not valid: give an integer of at least 2")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or (n_jobs < 1 and n_jobs != -1):
        raise ConfigurationError(f"n_jobs={n_jobs!r} is not valid: give a positive integer, or -1 for one per CPU")
    parse_portfolio_spec(portfolio)  # fail before any loading
    _check_metrics_spec(metrics)
    entries = expand_datasets(datasets, target=target, manifest=manifest)
    kb_obj, opened = _open_kb(kb)
    try:
        loaded: dict[int, Any] = {}
        names: dict[int, str] = {}
        portfolios: dict[tuple[str, str], list[tuple[str, dict]]] = {}
        plan: list[BuildTask] = []
        configs: set[int] = set()
        n_skipped = 0
        used_metrics: set[str] = set()
        for entry in entries:
            ds = entry.source if not isinstance(entry.source, (str, Path)) else load_dataset(
                entry.source, target=entry.target, task=entry.task
            )
            record = _register(kb_obj, ds, characterize)
            if record.dataset_id in loaded:
                continue  # the same data given twice
            loaded[record.dataset_id], names[record.dataset_id] = ds, ds.name
            protocol = expected_protocol(ds, cv, evaluator)
            ds_metric = metric or default_metric(ds.task)
            all_metrics = [ds_metric, *(m for m in _metrics_for(metrics, ds.task) if m != ds_metric)]
            used_metrics.update(all_metrics)
            key = (task_family(ds.task, error=ConfigurationError), ds_metric)
            if key not in portfolios:
                portfolios[key] = resolve_portfolio(portfolio, ds.task, kb=kb_obj, metric=ds_metric, seed=seed)
            for name, params in portfolios[key]:
                conf = kb_obj.add_configuration(name, params)
                configs.add(conf.configuration_id)
                missing = [m for m in all_metrics if not kb_obj.has_run(record.dataset_id, conf.configuration_id, m,
                                                                         protocol)]
                if not missing:
                    n_skipped += 1
                    continue
                plan.append(BuildTask(record.dataset_id, conf.configuration_id, name, canonical_json(params),
                                      missing[0], protocol, cv, tuple(missing[1:])))
        unused = [m for m in metrics if m not in used_metrics] if not isinstance(metrics, Mapping) else []
        if unused and loaded:
            tasks = sorted({ds.task for ds in loaded.values()})
            raise ConfigurationError(f"metrics {', '.join(unused)} fit none of the datasets' tasks "
                                     f"({', '.join(tasks)}): leave them out or use a scorer of these tasks")
        data = {i: loaded[i] for i in {t.dataset_id for t in plan}}
        setup_seconds = time.perf_counter() - t0

        if scheduler is not None:
            backend = f"dask {scheduler if isinstance(scheduler, str) else scheduler.scheduler.address}"
            stream = iter_dask(plan, data, scheduler, timeout, memory_limit_mb, evaluator)
        elif n_jobs != 1 and len(plan) > 1:
            backend = f"loky ({n_jobs} jobs)"
            stream = iter_loky(plan, data, n_jobs, timeout, memory_limit_mb, evaluator)
        else:
            backend = "sequential"
            stream = iter_sequential(plan, data, timeout, memory_limit_mb, evaluator)

        by_status: Counter = Counter()
        failures: list[str] = []
        n_errors = 0
        eval_seconds = 0.0
        bar = _progress_bar(len(plan), progress)
        try:
            for task, out in stream:
                eval_seconds += out.elapsed
                bar.update(1)
                if out.status == NOT_RUN:
                    n_errors += 1
                    failures.append(f"{names[task.dataset_id]} {task.algorithm} {task.params_json}: not recorded: "
                                    f"{out.error}")
                    bar.set_postfix(failed=sum(v for k, v in by_status.items() if k != "ok"), errors=n_errors,
                                    refresh=False)
                    continue
                if kb_obj.has_run(out.dataset_id, out.configuration_id, out.metric, out.protocol):
                    continue  # another build wrote it meanwhile
                kb_obj.add_runs([_run_input(out)] + [
                    r for r in _extra_run_inputs(out, task.extra_metrics)
                    if not kb_obj.has_run(r.dataset_id, r.configuration_id, r.metric, r.protocol)
                ])
                by_status[out.status] += 1
                if out.status != "ok":
                    failures.append(f"{names[task.dataset_id]} {task.algorithm} {task.params_json}: "
                                    f"{out.status}: {out.error or ''}".strip())
                    bar.set_postfix(failed=sum(v for k, v in by_status.items() if k != "ok"), refresh=False)
        finally:
            bar.close()
        n_ok = by_status.get("ok", 0)
        n_added = sum(by_status.values())
        return BuildReport(
            n_datasets=len(loaded), n_configurations=len(configs), n_planned=len(plan) + n_skipped,
            n_skipped=n_skipped, n_added=n_added, n_ok=n_ok, n_failed=n_added - n_ok,
            by_status=MappingProxyType(dict(by_status)), elapsed=time.perf_counter() - t0,
            eval_seconds=eval_seconds, backend=backend, failures=tuple(failures), kb_path=str(kb_obj.path),
            setup_seconds=setup_seconds, n_errors=n_errors,
        )
    finally:
        if opened:
            kb_obj.close()


def _check_metrics_spec(metrics) -> None:
    """Fail before any loading on a ``metrics=`` that can never be right: a string, an unknown
    scorer name, or (in a mapping) a key that is no task or a name that does not fit its task."""
    from metalearn.exceptions import MetricError
    from metalearn.tasks import check_metric

    if isinstance(metrics, str):
        raise ConfigurationError(f"metrics={metrics!r}: give a list of scorer names, e.g. [{metrics!r}]")
    if isinstance(metrics, Mapping):
        for task, names in metrics.items():
            for name in names:
                check_metric(name, task)
        return
    for name in metrics:  # a known scorer fits classification or regression: this catches unknown names
        try:
            check_metric(name, "binary")
        except MetricError:
            check_metric(name, "regression")


def _metrics_for(metrics, task: str) -> list[str]:
    """The extra metrics of ``build_kb(metrics=...)`` that apply to ``task``."""
    from metalearn.exceptions import MetricError
    from metalearn.tasks import check_metric

    if isinstance(metrics, str):
        raise ConfigurationError(f"metrics={metrics!r}: give a list of scorer names, e.g. [{metrics!r}]")
    if isinstance(metrics, Mapping):
        names = metrics.get(task, metrics.get(task_family(task, error=ConfigurationError), ()))
    else:
        names = metrics
    out = []
    for name in names:
        try:
            out.append(check_metric(name, task))
        except MetricError:
            if isinstance(metrics, Mapping):
                raise
    return out


def _extra_run_inputs(out: TaskOutcome, extra_metrics) -> list:
    """One run per extra metric from the same fit: ok with its score, or failed when it could not be
    computed (e.g. log loss without predict_proba); a failed evaluation fails for every metric."""
    from metalearn.kb import RunInput

    runs = []
    for name in extra_metrics:
        value = (out.scores or {}).get(name) if out.status == "ok" else None
        ok = value is not None and math.isfinite(value)
        status = "ok" if ok else ("failed" if out.status == "ok" else out.status)
        error = None if ok else (out.error if out.status != "ok" else f"metric {name} could not be computed for this model")
        runs.append(RunInput(out.dataset_id, out.configuration_id, name, value if ok else None, out.protocol,
                             status=status, fit_time=out.fit_time, error=error, source=f"metalearn {__version__}"))
    return runs


def _run_input(out: TaskOutcome):
    from metalearn.kb import RunInput

    return RunInput(
        out.dataset_id, out.configuration_id, out.metric, out.score if out.status == "ok" else None, out.protocol,
        status=out.status, fit_time=out.fit_time, error=out.error, source=f"metalearn {__version__}",
    )


def _progress_bar(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, unit="run", desc="kb build", dynamic_ncols=True)
