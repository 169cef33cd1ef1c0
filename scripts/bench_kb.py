"""Benchmark the knowledge base at scale: bulk insert, the recommender's query, file size.

Builds a synthetic KB (``--datasets`` datasets with ``--meta-features`` values
each, ``--configurations`` configurations, ``--runs`` runs) through the public
``metalearn.kb`` API and prints, next to each figure, a peer measured in the
same run on the same machine:

* bulk insert: ``KnowledgeBase.add_runs`` (validation, id checks, indexes,
  foreign keys, WAL) vs. a bare ``sqlite3.executemany`` into an unindexed table
  with the same columns (the ceiling);
* the recommender's query (all meta-features, k-nearest in numpy, then the
  runs of the 25 nearest datasets under one metric), on a freshly opened KB
  each time as a CLI call would: cached meta-feature matrix vs. the uncached
  SQL pivot;
* bytes on disk per million runs;
* first, the time to create the default KB from the shipped seed (what first use does).

Usage::

    python scripts/bench_kb.py --datasets 100000 --runs 10000000   # the full size (minutes)
    python scripts/bench_kb.py --datasets 10000 --runs 1000000      # a quick run
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from metalearn.kb import DatasetInput, KnowledgeBase, RunInput, create_kb

#: Algorithms with a parameter ``C`` (> 0): the configurations are ``{"C": 1 + i / 64}``, each a distinct estimator
#: (the KB stores canonical forms, so a parameter an algorithm does not have is refused).
ALGORITHMS = ["SVC", "LogisticRegression", "LinearSVC"]


def build(path: Path, args, rng: np.random.Generator) -> dict:
    create_kb(path, from_seed=False)
    figures = {}
    with KnowledgeBase.open(path) as kb:
        names = [f"Quality{j:03d}" for j in range(args.meta_features)]
        values = rng.normal(size=(args.datasets, args.meta_features))
        t0 = time.perf_counter()
        dataset_ids = kb.add_datasets(
            DatasetInput(f"synthetic-{i}", task_type="binary", source="bench", openml_id=10_000_000 + i,
                         n_rows=int(rng.integers(100, 100_000)), n_cols=int(rng.integers(2, 500)))
            for i in range(args.datasets)
        )
        kb.add_meta_features_many(
            {dataset_id: dict(zip(names, values[row].tolist())) for row, dataset_id in enumerate(dataset_ids)},
            "openml-server",
        )
        figures["datasets + meta-features (s)"] = time.perf_counter() - t0
        # peer: the same work one dataset per call (one transaction each), on a sample
        n_peer = min(args.datasets, 2_000)
        t0 = time.perf_counter()
        for i in range(n_peer):
            record = kb.add_dataset(f"per-row-{i}", task_type="binary", source="bench-per-row")
            kb.add_meta_features(record.dataset_id, dict(zip(names, values[i].tolist())), "openml-server")
        figures["per-row datasets/s"] = n_peer / (time.perf_counter() - t0)
        figures["bulk datasets/s"] = args.datasets / figures["datasets + meta-features (s)"]
        config_ids = [
            kb.add_configuration(ALGORITHMS[i % len(ALGORITHMS)], {"C": 1.0 + i / 64}).configuration_id
            for i in range(args.configurations)
        ]
        kb.meta_features_frame()  # build the cache once, as the first recommendation would
        checkpoint(path)
        size_before = path.stat().st_size
        ds = np.asarray(dataset_ids)[rng.integers(0, len(dataset_ids), args.runs)]
        cf = np.asarray(config_ids)[rng.integers(0, len(config_ids), args.runs)]
        scores = rng.random(args.runs)
        insert_seconds = insert_cpu = 0.0
        for start in range(0, args.runs, args.batch):
            stop = min(start + args.batch, args.runs)
            batch = zip(ds[start:stop].tolist(), cf[start:stop].tolist(), scores[start:stop].tolist())
            t0, c0 = time.perf_counter(), time.process_time()
            kb.add_runs(RunInput(d, c, "balanced_accuracy", s, "10-fold CV", fit_time=1.0, source="bench")
                        for d, c, s in batch)
            insert_seconds += time.perf_counter() - t0
            insert_cpu += time.process_time() - c0
            if args.progress and (stop // args.batch) % 10 == 0:
                print(f"  {stop:,} runs: {stop / insert_seconds:,.0f} runs/s so far", flush=True)
        # the pages still in the write-ahead log are part of the insert's cost: copy them into the file
        t0 = time.perf_counter()
        checkpoint(path)
        figures["final checkpoint (s)"] = time.perf_counter() - t0
        insert_seconds += figures["final checkpoint (s)"]
        figures["add_runs (runs/s)"] = args.runs / insert_seconds
        figures["add_runs (runs per CPU s)"] = args.runs / insert_cpu
        size_after = path.stat().st_size
    figures["file size (MB)"] = path.stat().st_size / 1e6
    figures["bytes per million runs (MB)"] = (size_after - size_before) / args.runs
    figures["_dataset_ids"] = dataset_ids
    return figures


def checkpoint(path: Path) -> None:
    """Copy the write-ahead log into the KB file and truncate it (what closing the last connection does)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def raw_insert_peer(directory: Path, args, rng: np.random.Generator) -> tuple[float, float]:
    """Rows per second and per CPU second of a bare executemany into an unindexed table with the runs' columns."""
    path = directory / "raw.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE runs (run_id INTEGER PRIMARY KEY, dataset_id INTEGER, configuration_id INTEGER, "
                 "metric_id INTEGER, score REAL, protocol_id INTEGER, fit_time REAL, status TEXT, error TEXT, "
                 "source_id INTEGER, openml_run_id INTEGER, search_id INTEGER, created_at INTEGER)")
    n = min(args.runs, 2_000_000)
    ds = rng.integers(1, args.datasets + 1, n).tolist()
    cf = rng.integers(1, args.configurations + 1, n).tolist()
    sc = rng.random(n).tolist()
    now = int(time.time())
    seconds = cpu = 0.0
    for start in range(0, n, args.batch):
        rows = [(d, c, 1, s, 1, 1.0, "ok", None, 1, None, None, now)
                for d, c, s in zip(ds[start:start + args.batch], cf[start:start + args.batch],
                                   sc[start:start + args.batch])]
        t0, c0 = time.perf_counter(), time.process_time()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO runs (dataset_id, configuration_id, metric_id, score, protocol_id, fit_time, "
                         "status, error, source_id, openml_run_id, search_id, created_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
        seconds += time.perf_counter() - t0
        cpu += time.process_time() - c0
    conn.close()
    return n / seconds, n / cpu


def recommender_query(path: Path, rng: np.random.Generator, *, cached: bool) -> tuple[float, ...]:
    """Seconds for: open, all meta-features, 25 nearest (numpy), their runs under one metric.

    Returns (total, runs returned, open + meta-features, nearest-neighbour search, runs query,
    CPU seconds of the KB's part, wall seconds of the KB's part).
    """
    t0, c0 = time.perf_counter(), time.process_time()
    with KnowledgeBase.open(path, create=False) as kb:
        if cached:
            frame = kb.meta_features_frame()
        else:  # the SQL pivot the cache replaces
            frame = kb.meta_features_frame(computed_by="openml-server")
        t1, c1 = time.perf_counter(), time.process_time()
        matrix = frame.to_numpy()
        query = matrix[rng.integers(0, len(matrix))] + rng.normal(scale=0.1, size=matrix.shape[1])
        scale = np.nanstd(matrix, axis=0)
        distance = np.nansum(((matrix - query) / np.where(scale > 0, scale, 1)) ** 2, axis=1)
        nearest = frame.index.to_numpy()[np.argpartition(distance, 25)[:25]].tolist()
        t2, c2 = time.perf_counter(), time.process_time()
        runs = kb.runs_frame(dataset_ids=nearest, metric="balanced_accuracy")
    t3, c3 = time.perf_counter(), time.process_time()
    return t3 - t0, len(runs), t1 - t0, t2 - t1, t3 - t2, (c1 - c0) + (c3 - c2), (t1 - t0) + (t3 - t2)


def seed_import(directory: Path, repeats: int = 3) -> tuple[float, str]:
    """Median seconds to create a KB from the shipped seed, and its counts."""
    seconds = []
    for i in range(repeats):
        target = directory / f"seed{i}.sqlite"
        t0 = time.perf_counter()
        create_kb(target)
        seconds.append(time.perf_counter() - t0)
    with KnowledgeBase.open(target) as kb:
        stats = kb.stats()
    for i in range(repeats):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{directory / f'seed{i}.sqlite'}{suffix}").unlink(missing_ok=True)
    return statistics.median(seconds), f"{stats.n_runs:,} runs, {stats.n_datasets:,} datasets"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10_000_000)
    parser.add_argument("--meta-features", type=int, default=50)
    parser.add_argument("--configurations", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100_000, help="Runs per add_runs call (one transaction).")
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--uncached-queries", type=int, default=3)
    parser.add_argument("--dir", default=None, help="Directory for the KB files (default: a temporary one).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--progress", action="store_true", help="Print the insert rate every 10 batches.")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        directory = Path(tmp)
        seed_seconds, seed_counts = seed_import(directory)
        print(f"default KB from the shipped seed (create_kb, what first use does): median {seed_seconds:.2f} s of 3 "
              f"({seed_counts}) | load average {os.getloadavg()[0]:.1f}", flush=True)
        path = directory / "bench.sqlite"
        t0 = time.perf_counter()
        figures = build(path, args, rng)
        build_seconds = time.perf_counter() - t0
        peer_rate, peer_cpu_rate = raw_insert_peer(directory, args, rng)
        cached = [recommender_query(path, rng, cached=True) for _ in range(args.queries)]
        uncached = [recommender_query(path, rng, cached=False) for _ in range(args.uncached_queries)]
    q_cached = sorted(c[0] for c in cached)
    q_uncached = sorted(c[0] for c in uncached)
    print(f"synthetic KB: {args.datasets:,} datasets x {args.meta_features} meta-features, "
          f"{args.configurations:,} configurations, {args.runs:,} runs (built in {build_seconds:.0f} s, "
          f"{os.cpu_count()} CPUs)")
    print(f"datasets + meta-features via add_datasets/add_meta_features_many: {figures['datasets + meta-features (s)']:.1f} s "
          f"({figures['bulk datasets/s']:,.0f} datasets/s) | one add_dataset + add_meta_features per dataset: "
          f"{figures['per-row datasets/s']:,.0f} datasets/s | ratio {figures['bulk datasets/s'] / figures['per-row datasets/s']:.1f}x")
    print(f"bulk insert   add_runs: {figures['add_runs (runs/s)']:,.0f} runs/s | bare executemany, no indexes: "
          f"{peer_rate:,.0f} rows/s | ratio {figures['add_runs (runs/s)'] / peer_rate:.2f} | target >= 50,000 runs/s")
    print(f"  per CPU second of this process: add_runs {figures['add_runs (runs per CPU s)']:,.0f} runs | bare executemany "
          f"{peer_cpu_rate:,.0f} rows | load average {os.getloadavg()[0]:.1f} at the end")
    print(f"recommender query (open + all meta-features + 25-NN + runs, {statistics.mean(c[1] for c in cached):.0f} runs "
          f"returned): median {1000 * statistics.median(q_cached):.1f} ms, max {1000 * q_cached[-1]:.1f} ms | "
          f"uncached SQL pivot: median {1000 * statistics.median(q_uncached):.1f} ms | ratio "
          f"{statistics.median(q_uncached) / statistics.median(q_cached):.1f}x | target < 100 ms")
    print(f"  of which (medians): open + meta_features_frame {1000 * statistics.median(c[2] for c in cached):.1f} ms, "
          f"25-NN in numpy {1000 * statistics.median(c[3] for c in cached):.1f} ms, "
          f"runs_frame {1000 * statistics.median(c[4] for c in cached):.1f} ms")
    print(f"  KB's part (open + meta_features_frame + runs_frame): median {1000 * statistics.median(c[6] for c in cached):.1f} ms "
          f"wall, {1000 * statistics.median(c[5] for c in cached):.1f} ms CPU of this process | target < 100 ms")
    print(f"file size: {figures['file size (MB)']:.0f} MB; runs add {figures['bytes per million runs (MB)']:.0f} MB "
          f"per million runs | add_runs time includes the final checkpoint ({figures['final checkpoint (s)']:.1f} s)")


if __name__ == "__main__":
    main()
