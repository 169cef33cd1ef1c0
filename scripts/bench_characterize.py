"""Speed of metalearn.characterize against pymfe and a plain numpy pass.

Three workloads, each measured in one run on the same data (medians of
``--repeats`` runs):

1. ``numeric``: 100,000 rows x 50 numeric features, 3 classes. metalearn's
   OpenML groups against pymfe's ``general``, ``statistical`` and
   ``info-theory`` groups, and against the floor: ``X.sum(0)`` and
   ``X.std(0)`` over the matrix.
2. ``large``: 1,000,000 rows x 100 features (80 numeric with 2% missing
   values, 20 categorical), landmarkers included; the peak memory metalearn
   allocates is measured with ``tracemalloc`` (numpy reports its buffers to
   it) in a separate run and compared with the data's own size.
3. ``categorical``: 100,000 rows x 200 categorical columns of up to 1,000
   levels.
4. ``krvskp``: kr-vs-kp (36 categorical attributes, data/examples) resampled
   with replacement to 100,000 rows and loaded with ``load_dataset``: the groups
   the recommender uses (the OpenML groups and auto-sklearn's) and all groups.

Workloads 3 and 4 also print the CPU time (median), which on a machine shared
with other jobs stays near what a quiet machine shows while wall time grows.

    python scripts/bench_characterize.py                 # full size
    python scripts/bench_characterize.py --scale 0.1     # rows scaled down, for development
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from metalearn.metafeatures import characterize

OPENML_COMPARED = ["general", "statistical", "info-theory"]  # the groups pymfe also has


def median_time(fn, repeats: int) -> float:
    return wall_and_cpu(fn, repeats)[0]


def wall_and_cpu(fn, repeats: int) -> tuple[float, float]:
    """Median wall-clock and CPU (this process) seconds of ``fn()``."""
    walls, cpus = [], []
    for _ in range(repeats):
        cpu = time.process_time()
        start = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def numeric_data(rows: int, cols: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(rows, cols)) * rng.uniform(0.5, 5, cols) + rng.uniform(-3, 3, cols),
                     columns=[f"x{i}" for i in range(cols)])
    y = pd.Series(pd.Categorical(rng.integers(0, 3, rows)), name="y")
    return X, y


def mixed_data(rows: int, n_num: int, n_cat: int, levels: int, missing: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    num = rng.normal(size=(rows, n_num))
    if missing:
        num[rng.random((rows, n_num)) < missing] = np.nan
    cols = {f"x{i}": num[:, i] for i in range(n_num)}
    del num
    for j in range(n_cat):
        k = int(rng.integers(2, levels + 1))
        codes = rng.integers(0, k, rows).astype(np.int16 if k < 30000 else np.int32)
        cols[f"c{j}"] = pd.Categorical.from_codes(codes, categories=[f"v{i}" for i in range(k)])
    X = pd.DataFrame(cols)
    y = pd.Series(pd.Categorical(rng.integers(0, 3, rows)), name="y")
    return X, y


def data_bytes(X: pd.DataFrame) -> int:
    return int(X.memory_usage(index=False, deep=False).sum())


def run_pymfe(X: pd.DataFrame, y: pd.Series) -> None:
    from pymfe.mfe import MFE

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mfe = MFE(groups=OPENML_COMPARED, random_state=0)
        mfe.fit(X.to_numpy(), y.cat.codes.to_numpy(), suppress_warnings=True)
        mfe.extract(suppress_warnings=True)


def bench_numeric(scale: float, repeats: int, pymfe_repeats: int) -> None:
    rows = int(100_000 * scale)
    X, y = numeric_data(rows, 50)
    print(f"\n[numeric] {rows} rows x 50 numeric features, 3 classes")
    A = X.to_numpy()
    floor = median_time(lambda: (A.sum(axis=0), A.std(axis=0)), repeats)
    ours = median_time(lambda: characterize(X, y, groups=OPENML_COMPARED), repeats)
    ours_all_openml = median_time(lambda: characterize(X, y, groups="openml"), repeats)
    mf = characterize(X, y, groups="openml")
    print(f"  numpy floor (sum + std over the matrix):           {floor:8.3f} s")
    print(f"  metalearn general+statistical+info-theory:         {ours:8.3f} s   ({ours / floor:.1f}x the floor)")
    print(f"  metalearn all OpenML groups (+ cardinality):       {ours_all_openml:8.3f} s   "
          f"(cardinality in one run: {mf.timings['cardinality']:.3f} s)")
    if pymfe_repeats:
        theirs = median_time(lambda: run_pymfe(X, y), pymfe_repeats)
        print(f"  pymfe general+statistical+info-theory:             {theirs:8.3f} s")
        print(f"  ratio pymfe / metalearn (same groups):             {theirs / ours:8.1f}x")


def bench_large(scale: float, repeats: int) -> None:
    rows = int(1_000_000 * scale)
    X, y = mixed_data(rows, 80, 20, 10, 0.02)
    size = data_bytes(X)
    print(f"\n[large] {rows} rows x 100 features (80 numeric, 2% missing; 20 categorical), data {size / 2**20:.0f} MiB")
    A = X[[f"x{i}" for i in range(80)]].to_numpy()
    floor = median_time(lambda: (np.nansum(A, axis=0), np.nanstd(A, axis=0)), 1)
    del A
    ours = median_time(lambda: characterize(X, y), repeats)
    mf = characterize(X, y)
    print(f"  numpy floor (nansum + nanstd, numeric block):      {floor:8.3f} s")
    print(f"  metalearn all groups incl. landmarkers:            {ours:8.3f} s")
    print("  per group: " + ", ".join(f"{g} {t:.2f} s" for g, t in mf.timings.items()))
    tracemalloc.start()
    characterize(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  peak memory allocated by characterize: {peak / 2**20:.0f} MiB; "
          f"data + peak = {(size + peak) / size:.2f}x the data's size")


def bench_categorical(scale: float, repeats: int) -> None:
    rows = int(100_000 * scale)
    X, y = mixed_data(rows, 0, 200, 1000, 0.0)
    print(f"\n[categorical] {rows} rows x 200 categorical columns of 2-1000 levels")
    characterize(X, y)  # warm-up: scikit-learn's imports for the landmarkers
    ours, ours_cpu = wall_and_cpu(lambda: characterize(X, y, groups="openml"), repeats)
    ours_all, ours_all_cpu = wall_and_cpu(lambda: characterize(X, y), repeats)
    mf = characterize(X, y)
    print(f"  metalearn all OpenML groups:                       {ours:8.3f} s   (cpu {ours_cpu:.3f} s)")
    print(f"  metalearn all groups incl. landmarkers:            {ours_all:8.3f} s   (cpu {ours_all_cpu:.3f} s; "
          f"target 2 s)")
    print("  per group: " + ", ".join(f"{g} {t:.2f} s" for g, t in mf.timings.items()))


def bench_krvskp(scale: float, repeats: int) -> None:
    import tempfile

    from metalearn.data import load_dataset

    rows = int(100_000 * scale)
    base = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "examples" / "kr-vs-kp.csv")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kr-vs-kp.csv"
        base.sample(rows, replace=True, random_state=0).to_csv(path, index=False)
        ds = load_dataset(path, target="class")
    print(f"\n[krvskp] kr-vs-kp resampled to {rows} rows: 36 categorical attributes and the class")
    characterize(ds)  # warm-up
    groups = ["openml", "autosklearn"]
    ours, ours_cpu = wall_and_cpu(lambda: characterize(ds, groups=groups), repeats)
    ours_all, ours_all_cpu = wall_and_cpu(lambda: characterize(ds), repeats)
    mf = characterize(ds)
    print(f"  metalearn OpenML groups + autosklearn:             {ours:8.3f} s   (cpu {ours_cpu:.3f} s; target 0.3 s)")
    print(f"  metalearn all groups incl. landmarkers:            {ours_all:8.3f} s   (cpu {ours_all_cpu:.3f} s)")
    print("  per group: " + ", ".join(f"{g} {t:.3f} s" for g, t in mf.timings.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="Scale the row counts (default 1: full size).")
    parser.add_argument("--repeats", type=int, default=5, help="Runs per measurement (median reported).")
    parser.add_argument("--pymfe-repeats", type=int, default=3, help="Runs of pymfe (0: skip pymfe).")
    parser.add_argument("--only", choices=["numeric", "large", "categorical", "krvskp"], default=None)
    args = parser.parse_args()
    print(f"metalearn characterize benchmark: scale {args.scale}, median of {args.repeats} runs")
    if args.only in (None, "numeric"):
        bench_numeric(args.scale, args.repeats, args.pymfe_repeats)
    if args.only in (None, "large"):
        bench_large(args.scale, max(1, min(args.repeats, 3)))
    if args.only in (None, "categorical"):
        bench_categorical(args.scale, args.repeats)
    if args.only in (None, "krvskp"):
        bench_krvskp(args.scale, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
