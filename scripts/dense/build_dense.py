"""Run (or resume) the dense-core build: every manifest dataset x the fixed portfolio, all metrics from one fit.

Datasets are built one at a time in manifest order (small first), so each finished dataset is
complete in the KB; a stopped build resumes where it stopped (build_kb skips runs already there).
Manifest paths relative to the data root (kb/dense/manifest.csv: ``keel/iris0.csv``) are resolved
against --data-root, the folder scripts/dense/materialize.py wrote. With --skip-exported (the default)
a dataset whose content hash already has runs in kb/dense/runs.csv.gz is skipped, so a build on a
new machine adds to the exports instead of redoing them (--no-skip-exported rebuilds everything).
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

from dense_manifest import entries, exported_hashes, read_rows

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
    parser.add_argument("--limit", type=int, default=None, help="first N datasets only (for measuring)")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    portfolio = Path(tempfile.mkdtemp()) / "portfolio.json"
    confs = [c for f in ("classification", "regression")
             for c in json.loads((here / f"portfolio-{f}.json").read_text())]
    portfolio.write_text(json.dumps(confs))
    try:
        rows = read_rows(args.manifest)
        todo = entries(rows, args.data_root, args.manifest)
    except MetaLearnError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.skip_exported:
        done = exported_hashes(args.exported)
        kept = [(r, e) for r, e in zip(rows, todo) if content_hash(r, e) not in done] if done else list(zip(rows, todo))
        print(f"skipping {len(todo) - len(kept)} dataset(s) already exported to {args.exported}", flush=True)
        todo = [e for _, e in kept]
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
