"""Fit time of random configurations of the costly families in the installed search space (#16).

Samples ``--n`` configurations per algorithm with Optuna's RandomSampler (seed 0) through
``metalearn.space.suggest`` and fits each once, single-threaded, on ``--rows`` rows of
data/examples/kr-vs-kp.csv; prints CPU and wall time per algorithm. To compare two
versions of the space, run it in a checkout of each.

    python scripts/bench_space_cost.py [--n 15] [--rows 1000]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import optuna
import pandas as pd
from threadpoolctl import threadpool_limits

from metalearn import space

ROOT = Path(__file__).resolve().parents[1]
ALGORITHMS = ("GradientBoostingClassifier", "HistGradientBoostingClassifier", "AdaBoostClassifier", "SVC",
              "LinearSVC", "MLPClassifier", "RandomForestClassifier")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=15, help="configurations per algorithm (default 15)")
    parser.add_argument("--rows", type=int, default=1000, help="rows of kr-vs-kp (default 1000)")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    frame = pd.read_csv(ROOT / "data" / "examples" / "kr-vs-kp.csv").sample(n=args.rows, random_state=0)
    y = frame.pop(frame.columns[-1])
    frame = frame.astype("category")
    total_cpu = total_wall = 0.0
    for name in ALGORITHMS:
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
        cpu = wall = 0.0
        for _ in range(args.n):
            trial = study.ask()
            _, params = space.suggest(trial, [name])
            study.tell(trial, 0.0)
            pipe = space.make_pipeline(name, params, frame, random_state=0)
            c0, w0 = time.process_time(), time.perf_counter()
            with warnings.catch_warnings(), threadpool_limits(1):
                warnings.simplefilter("ignore")
                pipe.fit(frame, y)
            cpu += time.process_time() - c0
            wall += time.perf_counter() - w0
        total_cpu += cpu
        total_wall += wall
        print(f"{name:32s} {args.n} fits  cpu {cpu:7.1f} s  wall {wall:7.1f} s", flush=True)
    print(f"total: cpu {total_cpu:.1f} s, wall {total_wall:.1f} s")


if __name__ == "__main__":
    main()
