"""The guarded worker: run a function in a forked process with a timeout and a memory cap."""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable

from metalearn.exceptions import EvaluationError

_MAX_ERROR = 300  # characters kept of an error message


@dataclass(frozen=True)
class WorkerOutcome:
    """What :func:`run_in_worker` saw: status, the function's return value or the error."""

    status: str  # "ok" | "failed" | "timeout" | "memout"
    value: Any
    error: str | None
    elapsed: float


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text[:_MAX_ERROR]


def status_of(exc: BaseException) -> str:
    return "memout" if isinstance(exc, MemoryError) else "failed"


def _vm_bytes() -> int:
    """Virtual memory size of this process (Linux), 0 if unknown."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _worker_main(conn, func, memory_limit_mb) -> None:
    import faulthandler

    faulthandler.disable()  # a crash is reported by its signal, without a dump of every thread
    try:
        os.setpgid(0, 0)  # own process group, so the parent can stop any helpers too
    except OSError:
        pass
    try:
        if memory_limit_mb is not None:
            limit = _vm_bytes() + int(memory_limit_mb) * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        from threadpoolctl import threadpool_limits

        # one thread: OpenMP (libgomp) thread pools inherited through fork deadlock, and
        # parallel evaluations share the machine's cores anyway
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")
            value = func()
        message = ("ok", value, None)
    except BaseException as exc:  # noqa: BLE001 - every failure is reported, none raised
        message = (status_of(exc), None, one_line(exc))
    try:
        conn.send(message)
    except BaseException as exc:  # noqa: BLE001 - e.g. MemoryError while pickling
        try:
            conn.send((status_of(exc), None, "could not return the result: " + one_line(exc)))
        except BaseException:  # noqa: BLE001
            pass
    finally:
        conn.close()
        os._exit(0)


def _stop(process) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass
    if process.is_alive():
        process.kill()
    process.join()


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def run_in_worker(
    func: Callable[[], Any], *, timeout: float | None = None, memory_limit_mb: int | None = None
) -> WorkerOutcome:
    """Run ``func()`` in a worker process with a timeout and a memory cap.

    The worker is forked, so ``func`` and the data it closes over are inherited, not
    pickled (on platforms without fork they are pickled). The return value must be
    picklable and small.

    Parameters
    ----------
    func : callable
        Called with no arguments in the worker.
    timeout : float or None
        Wall-clock seconds before the worker (and its process group) is killed.
    memory_limit_mb : int or None
        Address space the worker may add to what it inherits from this process, in MiB
        (``RLIMIT_AS``); exceeding it raises MemoryError in the worker.

    Returns
    -------
    WorkerOutcome
        ``status`` is ``"ok"``, ``"failed"`` (an exception or a crash), ``"timeout"`` or
        ``"memout"``; never raises for what ``func`` does.

    Examples
    --------
    >>> run_in_worker(lambda: 6 * 7).value
    42
    >>> run_in_worker(lambda: 1 / 0).error
    'ZeroDivisionError: division by zero'
    """
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise EvaluationError(f"timeout = {timeout!r}; use a positive number of seconds or None")
    if memory_limit_mb is not None and not (isinstance(memory_limit_mb, int) and memory_limit_mb > 0):
        raise EvaluationError(f"memory_limit_mb = {memory_limit_mb!r}; use a positive integer or None")
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_worker_main, args=(sender, func, memory_limit_mb))
    start = time.perf_counter()
    process.start()
    sender.close()
    message = None
    try:
        if receiver.poll(timeout):
            try:
                message = receiver.recv()
            except (EOFError, OSError):
                message = None
        else:
            _stop(process)
            return WorkerOutcome("timeout", None, f"stopped after the {timeout:g} s timeout", time.perf_counter() - start)
        process.join(5)
    finally:
        if process.is_alive():
            _stop(process)
        receiver.close()
    elapsed = time.perf_counter() - start
    if message is None:
        code = process.exitcode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            why = f"worker process died with signal {name}"
            if name == "SIGKILL" and memory_limit_mb is not None:
                return WorkerOutcome("memout", None, why + " (out of memory?)", elapsed)
            return WorkerOutcome("failed", None, why, elapsed)
        return WorkerOutcome("failed", None, f"worker process exited with code {code} without a result", elapsed)
    status, value, error = message
    return WorkerOutcome(status, value, error, elapsed)
