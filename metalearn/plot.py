"""Convergence plot of a search: best score so far by trial, warm-start trials marked.

Needs matplotlib (``pip install metalearn[plot]``).

>>> from metalearn.searcher import SearchResult, TrialRecord
>>> trials = (TrialRecord(0, "GaussianNB", {}, 0.8, "ok", True), TrialRecord(1, "SVC", {}, 0.9, "ok", False))
>>> r = SearchResult(0.9, {}, "SVC", "balanced_accuracy", "5-fold CV", "binary", "demo", trials)
>>> ax = plot_convergence(r)
>>> ax.get_ylabel()
'best balanced_accuracy so far'
>>> import matplotlib.pyplot as plt; plt.close(ax.figure)
"""

from __future__ import annotations

import math

from metalearn.exceptions import MetaLearnError

__all__ = ["plot_convergence", "check_can_plot"]


def check_can_plot(path=None) -> None:
    """Raise a one-line :class:`MetaLearnError` now if a plot could not be drawn or saved at ``path`` later.

    Checks that matplotlib is installed and, with ``path``, that its directory exists and is
    writable; used before a search starts so that a missing dependency or a bad path does not
    cost the whole search.

    >>> check_can_plot("no-such-dir/curve.png")
    Traceback (most recent call last):
    ...
    metalearn.exceptions.MetaLearnError: cannot write the plot to 'no-such-dir/curve.png': directory 'no-such-dir' does not exist; create it or choose another path
    """
    import importlib.util

    from metalearn.paths import check_writable

    if importlib.util.find_spec("matplotlib") is None:
        raise MetaLearnError("the convergence plot needs matplotlib: pip install 'metalearn[plot]' (or do not ask for a plot)")
    if path is not None:
        check_writable(path, what="the plot")


def plot_convergence(result, path=None, ax=None):
    """Plot the best score so far against the trial number.

    Each successful trial is a dot (warm-start trials as orange diamonds), failed,
    timed-out and out-of-memory trials are red crosses on the lower edge, and the line
    is the best score so far.

    Parameters
    ----------
    result : SearchResult
    path : str or path-like, optional
        Save the figure there (format from the suffix, e.g. ``curve.png``).
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    try:
        import matplotlib

        if ax is None and path is not None:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MetaLearnError("the convergence plot needs matplotlib: pip install 'metalearn[plot]'") from exc

    trials = sorted(result.trials, key=lambda t: t.number)
    own_fig = ax is None
    if own_fig:
        fig, ax = plt.subplots(figsize=(7, 4.2))
    else:
        fig = ax.figure
    xs = list(range(1, len(trials) + 1))
    best = result.best_so_far()
    ok = [(x, t.score, t.warm_start) for x, t in zip(xs, trials) if t.status == "ok" and math.isfinite(t.score)]
    scores = [s for _, s, _ in ok]
    low = min(scores) if scores else 0.0
    ax.step(xs, best, where="post", color="tab:blue", label="best so far", zorder=2)
    cold = [(x, s) for x, s, w in ok if not w]
    warm = [(x, s) for x, s, w in ok if w]
    if cold:
        ax.scatter(*zip(*cold), s=14, color="tab:gray", alpha=0.7, label="trial", zorder=3)
    if warm:
        ax.scatter(*zip(*warm), s=30, marker="D", color="tab:orange", label="warm-start trial", zorder=4)
    failed = [x for x, t in zip(xs, trials) if t.status != "ok"]
    if failed:
        ax.scatter(failed, [low] * len(failed), marker="x", color="tab:red", label="failed / timeout / memout", zorder=4)
    n_warm = sum(t.warm_start for t in trials)
    if n_warm:
        last_warm = max(x for x, t in zip(xs, trials) if t.warm_start)
        ax.axvspan(0.5, last_warm + 0.5, color="tab:orange", alpha=0.08, zorder=1)
    ax.set_xlabel("trial")
    ax.set_ylabel(f"best {result.metric} so far")
    ax.set_title(f"{result.dataset}: {result.protocol or 'search'}" if result.dataset else "search")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    if path is not None:
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        if own_fig:
            plt.close(fig)
    return ax
