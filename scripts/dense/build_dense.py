"""Run (or resume) the dense-core build: every manifest dataset x the fixed portfolio, all metrics from one fit.

Datasets are built one at a time in manifest order (small first), so each finished dataset is
complete in the KB; a stopped build resumes where it stopped (build_kb skips runs already there).
Manifest paths relative to the data root (kb/dense/manifest.csv: ``keel/iris0.csv``) are resolved
against --data-root, the folder scripts/dense/materialize.py wrote. With --skip-exported (the default)
a dataset whose content hash already has its full portfolio in kb/dense/runs.csv.gz is skipped, so a
build on a new machine adds to the exports instead of redoing them (--no-skip-exported rebuilds
everything). "Full": as many configurations as the most complete exported dataset of its task family,
and at least 90% of the portfolio (the build drops configurations that collapse onto another); a
dataset exported while its build was still running has fewer, and is built again.
Protocol: seeded stratified 5-fold CV (evaluate.protocol_for, random_state 0), 120 s per evaluation,
fit time stored with every run, all meta-feature groups (landmarkers included) characterized.

    nohup nice python scripts/dense/build_dense.py --manifest kb/dense/manifest.csv \\
        --data-root /work/dense/data --kb /work/dense/kb.sqlite >> /work/dense/build.log 2>&1 &
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from dense_manifest import entries, exported_configurations, read_rows

#: The metrics scored from each fit, per task (roc_auc is one-vs-rest for multiclass).
DENSE_METRICS = {
    "binary": ["accuracy", "f1_macro", "roc_auc", "neg_log_loss"],
    "multiclass": ["accuracy", "f1_macro", "roc_auc_ovr", "neg_log_loss"],
    "regression": ["neg_root_mean_squared_error", "neg_mean_absolute_error"],
}


def cpu_seconds() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def content_hash(row: dict[str, str], entry) -> str:
    """The manifest's content hash of a dataset; loaded and hashed when the manifest has none."""
    if row.get("content_hash"):
        return row["content_hash"]
    from metalearn.data import load_dataset

    return load_dataset(entry.source, target=entry.target, task=entry.task).content_hash


FULL_SHARE = 0.9


def family(task: str) -> str:
    return "regression" if task == "regression" else "classification"


def complete_hashes(rows: list[dict[str, str]], hashes: list[str], exported: dict[str, int],
                    portfolio_sizes: dict[str, int]) -> set[str]:
    """The hashes whose export holds the full portfolio (see the module docstring)."""
    fam = {h: family(r["task"]) for r, h in zip(rows, hashes)}
    best: dict[str, int] = {}
    for h, n in exported.items():
        if h in fam:
            best[fam[h]] = max(best.get(fam[h], 0), n)
    return {h for h, n in exported.items() if h in fam and n >= best[fam[h]]
            and n >= FULL_SHARE * portfolio_sizes[fam[h]]}


def main(argv=None) -> int:
    from metalearn.build import build_kb
    from metalearn.exceptions import MetaLearnError

    here = Path(__file__).resolve().parents[2] / "kb" / "dense"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=here / "manifest.csv")
    parser.add_argument("--data-root", type=Path, default=None,
                        help="folder the manifest's relative paths are under (materialize.py --out)")
    parser.add_argument("--kb", required=True)
    parser.add_argument("--skip-exported", action=argparse.BooleanOptionalAction, default=True,
                        help="skip datasets whose content hash already has runs in --exported (default: on)")
    parser.add_argument("--exported", type=Path, default=here / "runs.csv.gz")
    parser.add_argument("--portfolios", type=Path, default=here,
                        help="folder with portfolio-classification.json and portfolio-regression.json")
    parser.add_argument("--limit", type=int, default=None, help="first N datasets only (for measuring)")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    portfolio = Path(tempfile.mkdtemp()) / "portfolio.json"
    by_family = {f: json.loads((args.portfolios / f"portfolio-{f}.json").read_text())
                 for f in ("classification", "regression")}
    confs = [c for f in ("classification", "regression") for c in by_family[f]]
    portfolio.write_text(json.dumps(confs))
    try:
        rows = read_rows(args.manifest)
        todo = entries(rows, args.data_root, args.manifest)
    except MetaLearnError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.skip_exported:
        exported = exported_configurations(args.exported)
        hashes = [content_hash(r, e) for r, e in zip(rows, todo)] if exported else []
        done = complete_hashes(rows, hashes, exported, {f: len(c) for f, c in by_family.items()})
        partial = sum(1 for h in hashes if h in exported and h not in done)
        print(f"skipping {len(done)} dataset(s) already exported to {args.exported}"
              f"{f'; {partial} exported only in part, built again' if partial else ''}", flush=True)
        todo = [e for e, h in zip(todo, hashes or [None] * len(todo)) if h not in done]
    todo = todo[: args.limit]
    t0, c0 = time.perf_counter(), cpu_seconds()
    for i, entry in enumerate(todo, 1):
        w, c = time.perf_counter(), cpu_seconds()
        report = build_kb([entry], kb=args.kb, portfolio=str(portfolio), metrics=DENSE_METRICS, cv=5,
                          timeout=args.timeout, n_jobs=1, progress=False)
        print(f"[{i}/{len(todo)}] {Path(str(entry.source)).stem}: {report.summary()}; "
              f"{time.perf_counter() - w:.1f} s wall, {cpu_seconds() - c:.1f} s CPU; "
              f"total {time.perf_counter() - t0:.0f} s wall, {cpu_seconds() - c0:.0f} s CPU", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
