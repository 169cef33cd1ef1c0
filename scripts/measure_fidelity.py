"""Trials a time-bounded search completes with and without multi-fidelity screening (#16 item 2).

    python scripts/measure_fidelity.py --budget 60 kr-vs-kp titanic cpu

For each data/examples dataset and each setting (fidelity on, off), one search with
the default KB's warm start, ``write_back=False``, ``refit=False``; prints the trials
completed (full CV), pruned, failed/stopped, the best CV score, wall seconds and CPU
seconds (this process plus its worker processes).
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from metalearn import search

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="+", help="names of data/examples/*.csv")
    parser.add_argument("--budget", type=float, default=60.0, help="time budget in seconds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    print(f"{'dataset':<10} {'fidelity':<8} {'ok':>4} {'pruned':>6} {'other':>5} {'best':>7} {'wall':>6} {'cpu':>6}")
    for name in args.datasets:
        for fidelity in (True, False):
            wall, cpu = time.perf_counter(), cpu_seconds()
            result = search(EXAMPLES / f"{name}.csv", time_budget=args.budget, seed=args.seed, n_jobs=args.jobs,
                            write_back=False, refit=False, fidelity=fidelity)
            wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            statuses = [t.status for t in result.trials]
            ok, pruned = statuses.count("ok"), statuses.count("pruned")
            print(f"{name:<10} {str(fidelity):<8} {ok:>4} {pruned:>6} {len(statuses) - ok - pruned:>5} "
                  f"{result.best_score:>7.4f} {wall:>6.1f} {cpu:>6.1f}", flush=True)


if __name__ == "__main__":
    main()
