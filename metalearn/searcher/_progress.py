"""The search's progress bar."""

from __future__ import annotations

import math
import sys
import time

__all__ = ["Progress"]


class Progress:
    """A tqdm bar showing trials, best so far, elapsed time and remaining budget."""

    def __init__(self, enabled, n_trials, deadline, start):
        self._bar = None
        self._deadline, self._start = deadline, start
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=n_trials, desc="search", unit="trial", file=sys.stderr, dynamic_ncols=True)

    def update(self, n, best, running):
        if self._bar is None:
            return
        now = time.monotonic()
        post = {"best": "-" if not math.isfinite(best) else f"{best:.4f}", "running": running,
                "elapsed": f"{now - self._start:.0f}s"}
        if self._deadline is not None:
            post["left"] = f"{max(0.0, self._deadline - now):.0f}s"
        self._bar.set_postfix(post, refresh=False)
        self._bar.update(n)

    def close(self):
        if self._bar is not None:
            self._bar.close()
