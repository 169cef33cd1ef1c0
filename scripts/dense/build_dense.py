"""Run (or resume) the dense-core build: every manifest dataset x the fixed portfolio, all metrics from one fit.

Datasets are built one at a time in manifest order (small first), so each finished dataset is
complete in the KB; a stopped build resumes where it stopped (build_kb skips runs already there).
Protocol: seeded stratified 5-fold CV (evaluate.protocol_for, random_state 0), 120 s per evaluation,
fit time stored with every run, all meta-feature groups (landmarkers included) characterized.

    PYTHONPATH=/work/dense-build nohup python /work/dense-build/scripts/dense/build_dense.py \\
        --manifest /work/dense-build/kb/dense/manifest.csv --kb /work/dense/kb.sqlite >> /work/dense/build.log 2>&1 &
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

#: The metrics scored from each fit, per task (roc_auc is one-vs-rest for multiclass).
DENSE_METRICS = {
    "binary": ["accuracy", "f1_macro", "roc_auc", "neg_log_loss"],
    "multiclass": ["accuracy", "f1_macro", "roc_auc_ovr", "neg_log_loss"],
    "regression": ["neg_root_mean_squared_error", "neg_mean_absolute_error"],
}


def cpu_seconds() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv=None) -> int:
    from metalearn.build import build_kb, read_manifest

    here = Path(__file__).resolve().parents[2] / "kb" / "dense"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=here / "manifest.csv")
    parser.add_argument("--kb", required=True)
    parser.add_argument("--limit", type=int, default=None, help="first N datasets only (for measuring)")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    portfolio = Path(tempfile.mkdtemp()) / "portfolio.json"
    confs = [c for f in ("classification", "regression")
             for c in json.loads((here / f"portfolio-{f}.json").read_text())]
    portfolio.write_text(json.dumps(confs))
    entries = read_manifest(args.manifest)[: args.limit]
    t0, c0 = time.perf_counter(), cpu_seconds()
    for i, entry in enumerate(entries, 1):
        w, c = time.perf_counter(), cpu_seconds()
        report = build_kb([entry], kb=args.kb, portfolio=str(portfolio), metrics=DENSE_METRICS, cv=5,
                          timeout=args.timeout, n_jobs=1, progress=False)
        print(f"[{i}/{len(entries)}] {Path(str(entry.source)).stem}: {report.summary()}; "
              f"{time.perf_counter() - w:.1f} s wall, {cpu_seconds() - c:.1f} s CPU; "
              f"total {time.perf_counter() - t0:.0f} s wall, {cpu_seconds() - c0:.0f} s CPU", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
