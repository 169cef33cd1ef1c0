"""Throughput and overhead of `metalearn kb build` with 1 and 2 workers.

Every evaluation is a deterministic 1-second evaluation: an evaluator passed to
``build_kb(evaluator=...)`` that sleeps ``--seconds`` and returns an ``ok``
result. Everything else is the real build machinery: dataset loading and
registration, portfolio resolution, the has-run checks, scheduling on loky
processes or on a dask.distributed LocalCluster (worker processes on
127.0.0.1), shipping each task's dataset to the worker, and one KB transaction
per result. Sleeping (not computing) keeps the figures about the machinery and
independent of how busy the machine's cores are.

Figures:

* throughput: evaluations per second of wall time (whole ``build_kb`` call);
* speed-up: throughput with 2 workers / throughput with 1 (target >= 1.8);
* overhead per evaluation: (wall time x workers - evaluation time) / evaluations,
  i.e. worker-seconds not spent evaluating (scheduling, transfer, KB writes,
  set-up), as a share of the evaluation time (target < 5%).

Usage::

    python scripts/bench_build.py [--runs 24] [--seconds 1.0] [--no-dask] [--out docs/results/bench_build.md]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASETS = [ROOT / "data/examples/cpu.csv", ROOT / "data/examples/penguins.csv"]


@dataclass(frozen=True)
class SleepResult:
    status: str
    score: float
    protocol: str
    fit_time: float
    error: str | None = None


@dataclass(frozen=True)
class SleepEvaluator:
    """A picklable stand-in for metalearn.evaluate.evaluate that takes exactly ``seconds``."""

    seconds: float

    def __call__(self, name, params, X, y, *, task, metric, cv, timeout, memory_limit_mb, random_state):
        time.sleep(self.seconds)
        return SleepResult("ok", 0.5, f"{cv}-fold CV", self.seconds)


def _warm() -> int:
    """Start-up work of a worker process: the imports a build task needs."""
    import os

    import metalearn.build  # noqa: F401
    import metalearn.data  # noqa: F401

    time.sleep(0.2)  # keep each worker busy so that every worker gets a warm-up call
    return os.getpid()


def _portfolio_file(folder: Path, n_per_dataset: int) -> Path:
    """A portfolio of distinct cheap configurations, valid for both task families."""
    import json

    confs = [{"algorithm": "DecisionTreeClassifier", "params": {"max_depth": d}} for d in range(1, n_per_dataset + 1)]
    confs += [{"algorithm": "DecisionTreeRegressor", "params": {"max_depth": d}} for d in range(1, n_per_dataset + 1)]
    path = folder / "portfolio.json"
    path.write_text(json.dumps(confs))
    return path


def run_once(label: str, workers: int, *, runs: int, seconds: float, backend: str, folder: Path) -> dict:
    from metalearn.build import build_kb
    from metalearn.kb import KnowledgeBase

    import metalearn.space  # noqa: F401  (scikit-learn's import time is not the build's: every build pays it once)

    kb_path = folder / f"{label}.sqlite"
    KnowledgeBase.open(kb_path, create="empty").close()
    portfolio = _portfolio_file(folder, runs // len(DATASETS))
    kwargs = dict(kb=str(kb_path), portfolio=str(portfolio), characterize=False, progress=False,
                  evaluator=SleepEvaluator(seconds))
    cluster = client = None
    try:
        if backend == "dask":
            from distributed import Client, LocalCluster

            cluster = LocalCluster(n_workers=workers, processes=True, threads_per_worker=1, host="127.0.0.1",
                                   dashboard_address=None)
            client = Client(cluster)
            kwargs["scheduler"] = cluster.scheduler_address
            t_start = time.perf_counter()
            client.run(_warm)
            startup = time.perf_counter() - t_start
        else:
            kwargs["n_jobs"] = workers
            t_start = time.perf_counter()
            if workers > 1:  # the build reuses joblib's loky executor started here
                from joblib import Parallel, delayed

                Parallel(n_jobs=workers, backend="loky")(delayed(_warm)() for _ in range(2 * workers))
            startup = time.perf_counter() - t_start
        t0 = time.perf_counter()
        report = build_kb([str(p) for p in DATASETS], **kwargs)
        wall = time.perf_counter() - t0
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    assert report.n_added == report.n_planned == runs, report.summary()
    eval_time = report.n_added * seconds
    run_wall = wall - report.setup_seconds
    overhead = (run_wall * workers - eval_time) / report.n_added
    return {"setup": label, "backend": report.backend, "workers": workers, "runs": report.n_added,
            "wall_s": wall, "startup_s": startup, "prep_s": report.setup_seconds, "run_s": run_wall,
            "throughput": report.n_added / run_wall, "overhead_s": overhead,
            "overhead_pct": 100 * overhead / seconds}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=24, help="evaluations per setting (even; default 24)")
    ap.add_argument("--seconds", type=float, default=1.0, help="seconds per evaluation (default 1)")
    ap.add_argument("--no-dask", action="store_true", help="only the local (loky) backend")
    ap.add_argument("--out", default=None, help="also write the table (Markdown) to this file")
    args = ap.parse_args(argv)
    settings = [("local, 1 worker", 1, "local"), ("local, 2 workers", 2, "local")]
    if not args.no_dask:
        settings += [("dask LocalCluster, 1 worker", 1, "dask"), ("dask LocalCluster, 2 workers", 2, "dask")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (label, workers, backend) in enumerate(settings):
            folder = Path(tmp) / str(i)
            folder.mkdir()
            row = run_once(label, workers, runs=args.runs, seconds=args.seconds, backend=backend, folder=folder)
            rows.append(row)
            print(f"{label:<30} prep {row['prep_s']:5.2f} s, run {row['run_s']:6.2f} s  {row['throughput']:5.2f} eval/s  "
                  f"overhead {row['overhead_s'] * 1000:6.1f} ms/eval ({row['overhead_pct']:.1f}%)", flush=True)
    lines = [
        f"Evaluations: {args.runs} per setting, each a deterministic {args.seconds:g}-second sleep-based evaluation "
        "(`build_kb(evaluator=...)`); everything else is the real build (dataset loading, has-run checks, "
        "scheduling, shipping data to workers, one KB transaction per result). `prep` is loading and registering "
        "the datasets and planning (once per build); `run` is dispatching, evaluating and writing, and includes "
        "nothing else. Worker processes are started and warmed up (imports) before the clock, as in a long build "
        "where this is paid once; `start-up` shows that one-time cost. Throughput and overhead are over `run`.",
        "",
        "| setting | backend | workers | evaluations | worker start-up (s) | prep (s) | run (s) | throughput (eval/s) | "
        "speed-up vs 1 worker | overhead per eval (ms) | overhead (% of eval) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    base = {r["setup"].split(",")[0]: r["throughput"] for r in rows if r["workers"] == 1}
    for r in rows:
        speedup = r["throughput"] / base[r["setup"].split(",")[0]]
        lines.append(f"| {r['setup']} | {r['backend']} | {r['workers']} | {r['runs']} | {r['startup_s']:.2f} | {r['prep_s']:.2f} | {r['run_s']:.2f} | "
                     f"{r['throughput']:.3f} | {speedup:.2f}x | {r['overhead_s'] * 1000:.0f} | {r['overhead_pct']:.1f}% |")
    lines += ["", "Targets: 2 workers >= 1.8x the throughput of 1; overhead < 5% of the evaluation time."]
    print("\n".join(lines))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
