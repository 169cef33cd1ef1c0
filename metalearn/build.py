"""Fill the knowledge base in bulk: a portfolio of configurations over many datasets.

:func:`build_kb` evaluates every configuration of a portfolio on every dataset
and writes each result to the knowledge base as soon as it arrives. It is

* **resumable and idempotent**: a (dataset, configuration, metric, protocol)
  already in the KB is not run again, so an interrupted build continues where
  it stopped when started again, and a finished one adds nothing;
* **guarded**: each evaluation runs under :func:`metalearn.evaluate.evaluate`
  (its own worker process, a timeout and a memory cap); failures are written
  as runs with their status (``failed``, ``timeout``, ``memout``);
* **parallel**: ``n_jobs`` local processes (joblib's loky backend), or the
  workers of a dask.distributed cluster given by ``scheduler``. Only the
  driver (the process calling :func:`build_kb`) writes the KB, so the KB file
  never needs to be shared with the workers.

Portfolios (``portfolio=``):

``"defaults"``
    each algorithm of the dataset's task with its default parameters;
``"random:N"``
    N configurations sampled at random (seeded) from the search space;
``"kb-top:N"``
    the N configurations with the best mean rank over the KB's datasets of
    the same task family and metric;
a file path
    a JSON list of ``{"algorithm": ..., "params": {...}}`` objects, or a CSV
    with columns ``algorithm`` and ``params`` (JSON text).

Examples
--------
>>> parse_portfolio_spec("random:20")
('random', 20)
>>> parse_portfolio_spec("defaults")
('defaults', None)
>>> default_protocol(5)
'5-fold CV'
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from metalearn._canonical import canonical_json
from metalearn._version import __version__
from metalearn.exceptions import BuildError, ConfigurationError, DataError, DataFileNotFoundError
from metalearn.tasks import cv_protocol, default_metric, task_family

__all__ = [
    "BuildReport",
    "BuildTask",
    "DatasetEntry",
    "TaskOutcome",
    "build_kb",
    "default_metric",
    "default_protocol",
    "expand_datasets",
    "parse_portfolio_spec",
    "read_manifest",
    "resolve_portfolio",
]

#: File suffixes a folder given as DATASETS is scanned for.
DATA_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz", ".parquet", ".arff", ".arff.gz")
#: Outcome status of an evaluation that raised instead of returning a result: not written to the KB
#: (it says nothing about the configuration), reported, and tried again by the next build.
NOT_RUN = "error"


# ---------------------------------------------------------------------------
# records
# ---------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------
def default_protocol(cv: int) -> str:
    """The protocol string of ``cv``-fold cross-validation (see DESIGN.md): :func:`metalearn.tasks.cv_protocol`."""
    return cv_protocol(cv)


def _family(task: str) -> str:
    return task_family(task, error=ConfigurationError)


def parse_portfolio_spec(spec: str) -> tuple[str, int | str | None]:
    """Split a portfolio spec into its kind and argument.

    Returns ``("defaults", None)``, ``("random", N)``, ``("kb-top", N)`` or
    ``("file", path)``.

    >>> parse_portfolio_spec("kb-top:10")
    ('kb-top', 10)
    >>> parse_portfolio_spec("random:x")
    Traceback (most recent call last):
    ...
    metalearn.exceptions.ConfigurationError: portfolio 'random:x': N must be a positive integer, e.g. random:20
    """
    text = str(spec).strip()
    if text == "defaults":
        return "defaults", None
    for kind in ("random", "kb-top"):
        if text.startswith(kind + ":"):
            arg = text[len(kind) + 1:]
            if not arg.isdigit() or int(arg) < 1:
                raise ConfigurationError(f"portfolio {text!r}: N must be a positive integer, e.g. {kind}:20")
            return kind, int(arg)
    path = Path(text).expanduser()
    if not path.is_file():
        raise ConfigurationError(
            f"portfolio {text!r} is not 'defaults', 'random:N', 'kb-top:N' or an existing JSON/CSV file"
        )
    return "file", str(path)


def read_manifest(path: str | Path) -> list[DatasetEntry]:
    """Read a manifest: CSV or JSON rows ``path, target[, task]``.

    Relative paths are resolved against the manifest's folder; ``openml:<id>``
    entries are kept as they are.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataFileNotFoundError(f"manifest {path} does not exist: give a CSV/JSON file with path,target[,task]")
    try:
        if path.suffix.lower() == ".json":
            rows = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
                raise DataError(f"manifest {path}: expected a JSON list of objects with keys path, target[, task]")
        else:
            with path.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise DataError(f"manifest {path} cannot be read ({exc}): give a CSV/JSON file with path,target[,task]") from None
    entries = []
    for i, row in enumerate(rows, start=1):
        src = str(row.get("path") or "").strip()
        if not src:
            raise DataError(f"manifest {path}, row {i}: empty 'path': every row needs path,target[,task]")
        if not src.startswith("openml:") and not Path(src).expanduser().is_absolute():
            src = str(path.parent / src)
        target = (str(row.get("target") or "").strip()) or None
        task = (str(row.get("task") or "").strip()) or None
        entries.append(DatasetEntry(src, target, task))
    return entries


def expand_datasets(
    datasets: Iterable[Any], *, target: str | None = None, manifest: str | Path | None = None
) -> list[DatasetEntry]:
    """Expand DATASETS (files, folders, ``openml:<id>``, loaded Datasets) and a manifest into entries.

    Folders contribute their data files (sorted, not recursive). ``target``
    applies to every entry not from the manifest.
    """
    from metalearn.data import Dataset

    entries: list[DatasetEntry] = []
    for item in [datasets] if isinstance(datasets, (str, Path, Dataset)) else datasets:
        if isinstance(item, DatasetEntry):
            entries.append(item)
        elif isinstance(item, Dataset):
            entries.append(DatasetEntry(item, item.target, item.task))
        elif str(item).startswith("openml:"):
            entries.append(DatasetEntry(str(item), target))
        else:
            path = Path(item).expanduser()
            if path.is_dir():
                files = sorted(p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(DATA_SUFFIXES))
                if not files:
                    raise DataFileNotFoundError(
                        f"folder {path} has no data files ({', '.join(DATA_SUFFIXES)}): give files or another folder"
                    )
                entries.extend(DatasetEntry(str(p), target) for p in files)
            elif path.is_file():
                entries.append(DatasetEntry(str(path), target))
            else:
                raise DataFileNotFoundError(f"dataset {item} does not exist: give a file, a folder or openml:<id>")
    if manifest is not None:
        entries.extend(read_manifest(manifest))
    if not entries:
        raise DataError("no datasets to build on: give files, folders, openml:<id> entries or a manifest")
    return entries


# ---------------------------------------------------------------------------
# portfolios
# ---------------------------------------------------------------------------
def _portfolio_from_file(path: str, family: str) -> list[tuple[str, dict]]:
    from metalearn import space

    p = Path(path)
    try:
        if p.suffix.lower() == ".json":
            rows = json.loads(p.read_text(encoding="utf-8"))
        else:
            with p.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise ConfigurationError(f"portfolio file {p} cannot be read ({exc}): give JSON or CSV with algorithm,params") from None
    if not isinstance(rows, list):
        raise ConfigurationError(f"portfolio file {p}: expected a list of {{'algorithm': ..., 'params': {{...}}}} objects")
    allowed = set(space.algorithms_for(family))
    out = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping) or not row.get("algorithm"):
            raise ConfigurationError(f"portfolio file {p}, entry {i}: needs an 'algorithm' (and optional 'params')")
        name = str(row["algorithm"]).strip()
        params = row.get("params") or {}
        if isinstance(params, str):
            try:
                params = json.loads(params)
            except json.JSONDecodeError:
                raise ConfigurationError(f"portfolio file {p}, entry {i}: params {params[:60]!r} is not JSON") from None
        space.get_algorithm(name)  # UnknownAlgorithmError names it
        if name in allowed:
            out.append((name, space.validate_params(name, params)))
    return out


def _portfolio_random(n: int, family: str, seed: int) -> list[tuple[str, dict]]:
    import optuna

    from metalearn import space

    algorithms = list(space.algorithms_for(family))
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no "study created" line; restored below
    try:
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    finally:
        optuna.logging.set_verbosity(verbosity)
    out = []
    for _ in range(n):
        trial = study.ask()
        name, params = space.suggest(trial, algorithms)
        out.append((name, space.validate_params(name, params)))
        study.tell(trial, 0.0)
    return out


def _portfolio_kb_top(kb, n: int, family: str, metric: str) -> list[tuple[str, dict]]:
    from metalearn import space

    runs = kb.runs_frame(metric=metric, status="ok")
    allowed = set(space.algorithms_for(family))
    runs = runs[runs["algorithm"].isin(allowed)]
    if runs.empty:
        raise ConfigurationError(
            f"portfolio kb-top:{n}: the KB has no ok {family} runs with metric {metric}: use 'defaults' or 'random:N'"
        )
    best = runs.groupby(["dataset_id", "configuration_id"], as_index=False)["score"].max()
    best["pct"] = best.groupby("dataset_id")["score"].rank(pct=True)
    table = best.groupby("configuration_id")["pct"].agg(["mean", "count"])
    table = table.sort_values(["mean", "count"], ascending=False)
    params_of = runs.drop_duplicates("configuration_id").set_index("configuration_id")
    out: list[tuple[str, dict]] = []
    for cid in table.index:
        name = params_of.at[cid, "algorithm"]
        try:
            params = space.validate_params(name, json.loads(params_of.at[cid, "params"]))
        except ConfigurationError:
            continue  # a KB configuration outside our space (e.g. imported from OpenML)
        out.append((name, params))
        if len(out) == n:
            break
    return out


def resolve_portfolio(spec: str, task: str, *, kb=None, metric: str | None = None, seed: int = 0) -> list[tuple[str, dict]]:
    """The configurations ``(algorithm, params)`` a portfolio spec gives for a task.

    Parameters
    ----------
    spec : str
        ``"defaults"``, ``"random:N"``, ``"kb-top:N"`` or a JSON/CSV file.
    task : str
        ``"binary"``, ``"multiclass"``, ``"classification"`` or ``"regression"``.
    kb : KnowledgeBase, optional
        Needed for ``kb-top:N``.
    metric : str, optional
        Metric ``kb-top:N`` ranks by (default: :func:`default_metric`).
    seed : int
        Seed of ``random:N``.

    Examples
    --------
    >>> confs = resolve_portfolio("defaults", "regression")
    >>> "HistGradientBoostingRegressor" in [name for name, _ in confs]
    True
    """
    from metalearn import space

    kind, arg = parse_portfolio_spec(spec)
    family = _family(task)
    if kind == "defaults":
        out = [(name, space.validate_params(name, space.default_params(name))) for name in space.algorithms_for(family)]
    elif kind == "random":
        out = _portfolio_random(int(arg), family, seed)
    elif kind == "kb-top":
        if kb is None:
            raise ConfigurationError(f"portfolio kb-top:{arg} needs a knowledge base: pass kb=")
        out = _portfolio_kb_top(kb, int(arg), family, metric or default_metric(task))
    else:
        out = _portfolio_from_file(str(arg), family)
    seen, unique = set(), []
    for name, params in out:
        key = (name, canonical_json(params))
        if key not in seen:
            seen.add(key)
            unique.append((name, params))
    return unique


# ---------------------------------------------------------------------------
# the worker side
# ---------------------------------------------------------------------------
def _run_task(dataset, task: BuildTask, timeout, memory_limit_mb, evaluator) -> TaskOutcome:
    """Evaluate one task on a loaded dataset (runs in a loky or dask worker)."""
    if evaluator is None:
        from metalearn.evaluate import evaluate as evaluator
    from metalearn.exceptions import EvaluationError

    start = time.perf_counter()
    extra = {"metrics": task.extra_metrics} if task.extra_metrics else {}
    try:
        res = evaluator(
            task.algorithm, task.params, dataset.X, dataset.y, task=dataset.task, metric=task.metric,
            cv=task.cv, timeout=timeout, memory_limit_mb=memory_limit_mb, random_state=0, **extra,
        )
    except EvaluationError:
        raise  # arguments that make every evaluation impossible: stop the build
    except Exception as exc:  # noqa: BLE001 - a bug outside the configuration: report it, write nothing
        first = str(exc).splitlines()[0] if str(exc) else ""
        return TaskOutcome(task.dataset_id, task.configuration_id, task.metric, NOT_RUN, None, task.protocol,
                           None, f"{type(exc).__name__}: {first}"[:500], time.perf_counter() - start)
    score = None if res.score is None or not math.isfinite(float(res.score)) else float(res.score)
    scores = None
    if task.extra_metrics:
        scores = {str(k): float(v) for k, v in (getattr(res, "scores", None) or {}).items()}
    return TaskOutcome(
        task.dataset_id, task.configuration_id, task.metric, str(res.status), score,
        str(res.protocol or task.protocol), res.fit_time, res.error, time.perf_counter() - start, scores,
    )


def _lost_outcome(task: BuildTask, exc: BaseException) -> TaskOutcome:
    msg = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".strip()
    return TaskOutcome(task.dataset_id, task.configuration_id, task.metric, "failed", None, task.protocol,
                       None, f"worker lost: {msg}"[:500], 0.0)


def _iter_sequential(plan, data, timeout, memory_limit_mb, evaluator) -> Iterator[tuple[BuildTask, TaskOutcome]]:
    for task in plan:
        yield task, _run_task(data[task.dataset_id], task, timeout, memory_limit_mb, evaluator)


def _iter_loky(plan, data, n_jobs, timeout, memory_limit_mb, evaluator) -> Iterator[tuple[BuildTask, TaskOutcome]]:
    from joblib import Parallel, delayed

    # Each task carries its dataset; loky pickles it per task (cheap for tabular data of this size).
    parallel = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered", batch_size=1,
                        pre_dispatch="2*n_jobs")
    yield from parallel(delayed(_run_task_pair)(data[t.dataset_id], t, timeout, memory_limit_mb, evaluator)
                        for t in plan)


def _run_task_pair(dataset, task, timeout, memory_limit_mb, evaluator):
    return task, _run_task(dataset, task, timeout, memory_limit_mb, evaluator)


def _iter_dask(plan, data, scheduler, timeout, memory_limit_mb, evaluator) -> Iterator[tuple[BuildTask, TaskOutcome]]:
    try:
        from distributed import Client, KilledWorker, as_completed
    except ImportError:
        raise BuildError(
            f"--scheduler {scheduler} needs dask.distributed: pip install 'metalearn[dask]'"
        ) from None
    try:
        client = scheduler if isinstance(scheduler, Client) else Client(scheduler, timeout="5s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise BuildError(
            f"cannot reach the Dask scheduler {scheduler!r} ({exc}): start it with `dask scheduler` and give its tcp://host:port"
        ) from None
    own_client = client is not scheduler
    try:
        if evaluator is None:
            _check_workers(client)
        # One copy of each dataset per worker, sent once: tasks refer to it by future.
        scattered = {i: client.scatter(ds, broadcast=True, hash=False) for i, ds in data.items()}
        futures = {}
        for task in plan:
            fut = client.submit(_run_task, scattered[task.dataset_id], task, timeout, memory_limit_mb, evaluator,
                                pure=False, retries=1)
            futures[fut] = task
        for fut in as_completed(list(futures)):
            task = futures.pop(fut)
            try:
                outcome = fut.result()
            except KilledWorker as exc:  # the evaluation took down every worker it was retried on
                outcome = _lost_outcome(task, exc)
            fut.release()
            yield task, outcome
    finally:
        if own_client:
            client.close()


# ---------------------------------------------------------------------------
# the driver
# ---------------------------------------------------------------------------
def _expected_protocol(ds, cv: int, evaluator) -> str:
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


def _check_workers(client) -> None:
    """Refuse daemonic Dask workers: evaluate's guarded child process cannot start in them."""

    def daemonic() -> bool:
        import multiprocessing

        return bool(multiprocessing.current_process().daemon)

    bad = sorted(addr for addr, flag in client.run(daemonic).items() if flag)
    if bad:
        raise BuildError(
            f"Dask worker(s) {', '.join(bad)} are daemonic processes, which cannot start the guarded evaluation "
            "process: start them with DASK_DISTRIBUTED__WORKER__DAEMON=False (or dask config distributed.worker.daemon: False)"
        )


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
            protocol = _expected_protocol(ds, cv, evaluator)
            ds_metric = metric or default_metric(ds.task)
            all_metrics = [ds_metric, *(m for m in _metrics_for(metrics, ds.task) if m != ds_metric)]
            used_metrics.update(all_metrics)
            key = (_family(ds.task), ds_metric)
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
            stream = _iter_dask(plan, data, scheduler, timeout, memory_limit_mb, evaluator)
        elif n_jobs != 1 and len(plan) > 1:
            backend = f"loky ({n_jobs} jobs)"
            stream = _iter_loky(plan, data, n_jobs, timeout, memory_limit_mb, evaluator)
        else:
            backend = "sequential"
            stream = _iter_sequential(plan, data, timeout, memory_limit_mb, evaluator)

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
    names = metrics.get(task, metrics.get(_family(task), ())) if isinstance(metrics, Mapping) else metrics
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
