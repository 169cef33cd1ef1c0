"""The trial loop: a pool of workers, the budgets, the synchronous batches, the callbacks.

:func:`run_trials` asks the study for trials and hands each to a *trial function* (an object with
``start(trial) -> work``, ``finish(trial, work's result) -> outcome`` and ``abandon(trial)``,
:class:`metalearn.searcher._trial.TrialRunner` in a search), runs the work on ``n_jobs`` threads
(each trial's evaluation runs in a worker process of its own), and calls every callback with
``(study, outcome)`` after each finished trial, in the loop's thread. It knows nothing of the
knowledge base: writing back is one of the callbacks (:mod:`metalearn.searcher._writeback`).

* Under a trial budget only (``deadline`` None) trials are asked in batches of :data:`SYNC_BATCH`
  and finished in trial order once the whole batch is done, so the sampler sees the same history
  whatever ``n_jobs`` is and a seeded search gives the same trials for any ``n_jobs``.
* Under a time budget the loop is free-running: a worker that frees up gets the next trial, no
  trial starts with less than :data:`MIN_TRIAL_SECONDS` left, and a trial still running
  :data:`GRACE_SECONDS` past the deadline (an evaluator ignoring its timeout) is abandoned.
"""

from __future__ import annotations

import time
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any, Callable, Protocol, Sequence

__all__ = ["run_trials", "TrialFunction", "SYNC_BATCH", "MIN_TRIAL_SECONDS", "GRACE_SECONDS"]

SYNC_BATCH = 4
"""Under a trial budget (no time budget), trials are asked in batches of this many, run on the ``n_jobs``
workers, and told to the sampler in trial order once the batch is done; the sampler so sees the same
history whatever ``n_jobs`` is, and a seeded search gives the same trials with ``n_jobs=1`` and ``n_jobs=8``."""

MIN_TRIAL_SECONDS = 0.5
"""No trial starts with less than this many seconds of the time budget left."""

GRACE_SECONDS = 15.0
"""How long past the deadline the loop waits for an evaluator that ignores its timeout."""

WAIT_SECONDS = 1.0
"""How often the loop wakes up (progress, deadline) while trials run."""


class TrialFunction(Protocol):
    def start(self, trial) -> Callable[[], Any]: ...

    def finish(self, trial, result) -> Any: ...

    def abandon(self, trial) -> None: ...


def run_trials(
    study,
    trial_fn: TrialFunction,
    *,
    n_jobs: int,
    n_trials: int | None = None,
    deadline: float | None = None,
    callbacks: Sequence[Callable[[Any, Any], None]] = (),
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Run trials of ``study`` until ``n_trials`` have been asked or ``deadline`` (``time.monotonic()``) passes.

    ``on_progress(n_finished, n_running)`` is called after each finished trial (1) and each wait that
    finished none (0). An exception of ``trial_fn.finish`` (or of the work, raised by it) stops the loop:
    the trials not started are cancelled and the exception propagates. Returns the number of trials asked.
    """
    pending: dict = {}  # future -> trial
    n_asked = 0

    def finish(fut):
        trial = pending.pop(fut)
        outcome = trial_fn.finish(trial, fut.result())
        for callback in callbacks:
            callback(study, outcome)
        if on_progress is not None:
            on_progress(1, len(pending))

    with ThreadPoolExecutor(max_workers=n_jobs, thread_name_prefix="metalearn-trial") as pool:
        try:
            synchronous = deadline is None  # reproducible whatever n_jobs (SYNC_BATCH)
            while True:
                now = time.monotonic()
                room = (SYNC_BATCH if not pending else 0) if synchronous else n_jobs - len(pending)
                while (
                    room > 0
                    and (n_trials is None or n_asked < n_trials)
                    and (deadline is None or deadline - now > MIN_TRIAL_SECONDS)
                ):
                    trial = study.ask()
                    pending[pool.submit(trial_fn.start(trial))] = trial
                    n_asked += 1
                    room -= 1
                    now = time.monotonic()
                if not pending:
                    break
                if deadline is not None and now - deadline > GRACE_SECONDS:  # an evaluator that ignores its timeout
                    for fut, trial in list(pending.items()):
                        trial_fn.abandon(trial)
                        fut.cancel()
                    pending.clear()
                    break
                if synchronous:  # the whole batch, then its trials finished in trial order
                    done, running = wait(list(pending), timeout=WAIT_SECONDS, return_when=ALL_COMPLETED)
                    if running:
                        done = ()
                    for fut in sorted(done, key=lambda f: pending[f].number):
                        finish(fut)
                else:
                    done, _ = wait(list(pending), timeout=WAIT_SECONDS, return_when=FIRST_COMPLETED)
                    for fut in done:
                        finish(fut)
                if not done and on_progress is not None:
                    on_progress(0, len(pending))
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
    return n_asked
