"""Fit and predict every distinct seed configuration on a small real dataset.

The unit test (tests/test_space.py) fits a covering sample; this script fits them all
(kb/seed/configurations.csv.gz and the project's own kb/seed/metalearn-configurations.csv.gz)
and prints how many ran, how long they took, each failure, every FutureWarning or
DeprecationWarning the installed scikit-learn gave (what a later version will break), and
how many distinct estimators they are once canonicalized (metalearn.space.canonical_config).

    /work/venv/bin/python scripts/check_seed_configs.py [--rows 100]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections import Counter
from pathlib import Path

import pandas as pd
from threadpoolctl import threadpool_limits

from metalearn import space

ROOT = Path(__file__).resolve().parents[1]


def _frame(name: str, target: str, n: int):
    frame = pd.read_csv(ROOT / "data" / "examples" / name).sample(frac=1.0, random_state=0).reset_index(drop=True)
    y = frame.pop(target)
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column].dtype):
            frame[column] = frame[column].astype("category")
    return frame.iloc[:n], y.iloc[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100,
                        help="rows of each dataset (default 100: more than the seed's largest n_neighbors, 85)")
    args = parser.parse_args()
    seed = ROOT / "kb" / "seed"
    configs = pd.concat([pd.read_csv(seed / "configurations.csv.gz"), pd.read_csv(seed / "metalearn-configurations.csv.gz")])
    configs = configs.drop_duplicates(["algorithm", "params"])
    forms = (space.canonical_config(r.algorithm, json.loads(r.params)) for r in configs.itertuples())
    canonical = {(name, json.dumps(params, sort_keys=True)) for name, params in forms}
    penguins = _frame("penguins.csv", "species", 10_000)
    keep = (penguins[1] != "Chinstrap").to_numpy()  # binary: liblinear and the exponential loss need it
    classification = penguins[0][keep].iloc[: args.rows], penguins[1][keep].iloc[: args.rows]
    regression = _frame("cpu.csv", "class", args.rows)
    times: Counter = Counter()
    deprecations: Counter = Counter()
    failures = []
    start = time.perf_counter()
    for row in configs.itertuples():
        X, y = classification if space.get_algorithm(row.algorithm).task == "classification" else regression
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings(record=True) as caught, threadpool_limits(1):
                warnings.simplefilter("always")
                model = space.make_pipeline(row.algorithm, json.loads(row.params), X, random_state=0).fit(X, y)
                model.predict(X)
        except Exception as exc:  # noqa: BLE001 - reported
            failures.append(f"{row.config_hash} {row.algorithm}: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}")
        for w in caught:
            if issubclass(w.category, (FutureWarning, DeprecationWarning)):
                deprecations[(row.algorithm, f"{w.category.__name__}: {' '.join(str(w.message).split())[:160]}")] += 1
        times[row.algorithm] += time.perf_counter() - t0
    print(f"{len(configs)} distinct configurations ({len(canonical)} distinct estimators once canonicalized), "
          f"{len(configs) - len(failures)} ran, "
          f"{len(failures)} failed, {time.perf_counter() - start:.1f} s ({args.rows} rows)")
    for name, seconds in times.most_common(5):
        print(f"  slowest algorithms: {name} {seconds:.1f} s total")
    for line in failures:
        print("  FAILED", line)
    print(f"{sum(deprecations.values())} deprecation warnings")
    for (name, message), count in deprecations.most_common():
        print(f"  {count} x {name}: {message}")


if __name__ == "__main__":
    main()
