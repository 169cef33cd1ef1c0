"""Trials a time-bounded search completes with and without multi-fidelity screening (#16 item 2).

    python scripts/measure_fidelity.py --budget 60 kr-vs-kp titanic cpu
    python scripts/measure_fidelity.py --budget 60 --warm-start 0 kr-vs-kp titanic
    python scripts/measure_fidelity.py --trials 30 --warm-start 0 --sampler random kr-vs-kp titanic

(the last: the same 30 configurations in both settings, so the difference is the work pruning saved).

For each data/examples dataset and each setting (fidelity on, off), one search with
the default KB's warm start (or none), ``write_back=False``, ``refit=False``; prints the trials
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
    parser.add_argument("datasets", nargs="+", help="names of data/examples/*.csv, or paths of CSV files")
    parser.add_argument("--budget", type=float, default=60.0, help="time budget in seconds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--warm-start", type=int, default=10, help="warm-start configurations (0: cold)")
    parser.add_argument("--trials", type=int, default=None, help="a trial budget instead of the time budget")
    parser.add_argument("--sampler", default="tpe", help="'random': both settings draw the same configurations")
    args = parser.parse_args()
    print(f"{'dataset':<10} {'fidelity':<8} {'ok':>4} {'pruned':>6} {'other':>5} {'best':>7} {'wall':>6} {'cpu':>6}")
    for name in args.datasets:
        for fidelity in (True, False):
            wall, cpu = time.perf_counter(), cpu_seconds()
            budget = {"n_trials": args.trials} if args.trials else {"time_budget": args.budget}
            path = Path(name) if name.endswith(".csv") else EXAMPLES / f"{name}.csv"
            result = search(path, **budget, seed=args.seed, n_jobs=args.jobs, sampler=args.sampler,
                            write_back=False, refit=False, fidelity=fidelity, warm_start=args.warm_start)
            wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            statuses = [t.status for t in result.trials]
            ok, pruned = statuses.count("ok"), statuses.count("pruned")
            print(f"{Path(name).stem:<10} {str(fidelity):<8} {ok:>4} {pruned:>6} {len(statuses) - ok - pruned:>5} "
                  f"{result.best_score:>7.4f} {wall:>6.1f} {cpu:>6.1f}", flush=True)


if __name__ == "__main__":
    main()
