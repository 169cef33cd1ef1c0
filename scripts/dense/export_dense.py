"""Export the dense core's finished runs from a build KB into compact files under kb/dense/.

The dense build (scripts/dense/build_dense.py) writes into a KB that was created from the
shipped seed; this keeps only what the build itself added: the runs whose source is
``metalearn <version>`` on the datasets of the manifest (matched by the file the build read), with those datasets' meta-features.
The files are progress, not yet part of the shipped seed (kb/seed/): the KEEL rows' licence
is unstated (see kb/dense/manifest.csv), and the core is far from complete.

    python scripts/dense/export_dense.py --kb /work/dense/kb.sqlite --out kb/dense

Writes ``runs.csv.gz`` (dataset, content hash, algorithm, params JSON, metric, score, protocol,
fit time, status, error) and ``meta-features.csv.gz`` (dataset, content hash, name, value,
computed_by), sorted so a re-export of the same KB is byte-identical.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sqlite3
from pathlib import Path

RUN_COLUMNS = ["dataset", "content_hash", "algorithm", "params", "metric", "score", "protocol", "fit_time",
               "status", "error"]
QUALITY_COLUMNS = ["dataset", "content_hash", "name", "value", "computed_by"]


def _write(path: Path, header: list[str], rows) -> int:
    n = 0
    with gzip.GzipFile(path, "wb", mtime=0) as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for row in rows:
            w.writerow(row)
            n += 1
    return n


def export(kb: Path, manifest: Path, out: Path) -> tuple[int, int, int]:
    with open(manifest, newline="", encoding="utf-8") as fh:
        paths = {row["path"] for row in csv.DictReader(fh)}
    con = sqlite3.connect(f"file:{kb}?mode=ro", uri=True)
    marks = ",".join("?" * len(paths))
    runs = con.execute(
        f"SELECT v.dataset, d.content_hash, v.algorithm, v.params, v.metric, v.score, v.protocol, v.fit_time, "
        f"v.status, v.error FROM runs_view v JOIN datasets d USING (dataset_id) "
        f"WHERE v.source LIKE 'metalearn %' AND v.source NOT LIKE '%grow_seed%' AND d.source IN ({marks}) "
        f"ORDER BY d.content_hash, v.algorithm, v.params, v.metric, v.protocol",
        sorted(paths),
    ).fetchall()
    done = sorted({r[1] for r in runs})
    qmarks = ",".join("?" * len(done)) or "''"
    qualities = con.execute(
        f"SELECT d.name, d.content_hash, m.name, m.value, m.computed_by FROM meta_features m "
        f"JOIN datasets d USING (dataset_id) WHERE d.content_hash IN ({qmarks}) ORDER BY d.content_hash, m.name",
        done,
    ).fetchall()
    out.mkdir(parents=True, exist_ok=True)
    n_runs = _write(out / "runs.csv.gz", RUN_COLUMNS, runs)
    n_q = _write(out / "meta-features.csv.gz", QUALITY_COLUMNS, qualities)
    return len(done), n_runs, n_q


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=Path("/work/dense/kb.sqlite"))
    parser.add_argument("--manifest", type=Path, default=Path("kb/dense/manifest.csv"))
    parser.add_argument("--out", type=Path, default=Path("kb/dense"))
    args = parser.parse_args(argv)
    n_datasets, n_runs, n_q = export(args.kb, args.manifest, args.out)
    print(f"exported {n_runs} runs and {n_q} meta-feature values on {n_datasets} datasets to {args.out}")


if __name__ == "__main__":
    main()
