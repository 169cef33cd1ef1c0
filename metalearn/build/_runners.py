"""The worker side of a build: one evaluation, and the sequential, loky and dask runners that stream
``(task, outcome)`` pairs back to the driver (the only process writing the KB)."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

from metalearn.build._records import NOT_RUN, BuildTask, TaskOutcome
from metalearn.exceptions import BuildError


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


def iter_sequential(plan, data, timeout, memory_limit_mb, evaluator) -> Iterator[tuple[BuildTask, TaskOutcome]]:
    for task in plan:
        yield task, _run_task(data[task.dataset_id], task, timeout, memory_limit_mb, evaluator)


def iter_loky(plan, data, n_jobs, timeout, memory_limit_mb, evaluator) -> Iterator[tuple[BuildTask, TaskOutcome]]:
    from joblib import Parallel, delayed

    # Each task carries its dataset; loky pickles it per task (cheap for tabular data of this size).
    parallel = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator_unordered", batch_size=1,
                        pre_dispatch="2*n_jobs")
    yield from parallel(delayed(_run_task_pair)(data[t.dataset_id], t, timeout, memory_limit_mb, evaluator)
                        for t in plan)


def _run_task_pair(dataset, task, timeout, memory_limit_mb, evaluator):
    return task, _run_task(dataset, task, timeout, memory_limit_mb, evaluator)


def iter_dask(plan, data, scheduler, timeout, memory_limit_mb, evaluator) -> Iterator[tuple[BuildTask, TaskOutcome]]:
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
