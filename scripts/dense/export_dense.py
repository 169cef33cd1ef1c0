"""Export the dense core's finished runs from a build KB into compact files under kb/dense/, merging.

The dense build (scripts/dense/build_dense.py) writes into a KB that was created from the shipped
seed; this keeps only what the build itself added: the runs whose source is ``metalearn <version>``
on the manifest's datasets (matched by metalearn's content hash, the manifest's ``content_hash``),
with those datasets' meta-features.

The export MERGES with the files already there, so builds on several machines (or a rebuild from a
fresh KB) add up instead of overwriting each other: a dataset the KB holds replaces its rows in the
files; the rows of datasets the KB does not hold are kept, unless the dataset has left the manifest
(held out since, or its data changed), which the summary reports. Rows are sorted and the gzip
header carries no time or name, so exporting the same inputs twice gives the same bytes.
Then the shipped seed's dense set (``--seed``, default ``kb/seed/dense-*``) is rewritten from the
merged files (:mod:`metalearn._seedtools.dense`), so the default KB carries what was exported.
Only results and meta-features derived from the data are shipped, never the data (the KEEL rows'
licence is unstated: see kb/dense/manifest.csv).

    python scripts/dense/export_dense.py --kb /work/dense/kb.sqlite --out kb/dense

Writes ``runs.csv.gz`` (dataset, content hash, algorithm, params JSON, metric, score, protocol,
fit time, status, error) and ``meta-features.csv.gz`` (dataset, content hash, name, value, computed_by).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

from dense_manifest import QUALITY_COLUMNS, RUN_COLUMNS, read_gz_csv, read_rows, write_gz_csv

from metalearn.exceptions import DataError, MetaLearnError


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote and where the rows came from."""

    datasets: int  # datasets in the files after the merge
    from_kb: int  # of them, (re)exported from the KB
    kept: int  # of them, kept from the files already there
    left_manifest: int  # datasets dropped from the files: no longer in the manifest
    runs: int
    qualities: int

    def line(self, out: Path) -> str:
        return (f"exported {self.runs} runs and {self.qualities} meta-feature values on {self.datasets} datasets "
                f"to {out} ({self.from_kb} from the KB, {self.kept} kept from the files, "
                f"{self.left_manifest} dropped: no longer in the manifest)")


def _text(value) -> str:
    """A value as the CSV files hold it (so KB rows and rows read back compare and sort alike)."""
    return "" if value is None else str(value)


def _kb_rows(kb: Path, hashes: list[str]) -> tuple[list[list[str]], list[list[str]]]:
    """The dense runs on the given datasets, and the meta-features of the datasets that have runs."""
    if not kb.is_file():
        raise DataError(f"KB {kb} does not exist: give --kb, the build's KB (build_dense.py --kb)")
    con = sqlite3.connect(f"file:{kb}?mode=ro", uri=True)
    try:
        marks = ",".join("?" * len(hashes)) or "''"
        runs = con.execute(
            f"SELECT v.dataset, d.content_hash, v.algorithm, v.params, v.metric, v.score, v.protocol, v.fit_time, "
            f"v.status, v.error FROM runs_view v JOIN datasets d USING (dataset_id) "
            f"WHERE v.source LIKE 'metalearn %' AND v.source NOT LIKE '%grow_seed%' AND d.content_hash IN ({marks})",
            hashes,
        ).fetchall()
        done = sorted({r[1] for r in runs})
        qmarks = ",".join("?" * len(done)) or "''"
        qualities = con.execute(
            f"SELECT d.name, d.content_hash, m.name, m.value, m.computed_by FROM meta_features m "
            f"JOIN datasets d USING (dataset_id) WHERE d.content_hash IN ({qmarks})",
            done,
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise DataError(f"KB {kb} cannot be read ({exc}): give the build's KB (build_dense.py --kb)") from None
    finally:
        con.close()
    return [[_text(v) for v in r] for r in runs], [[_text(v) for v in r] for r in qualities]


def _merge(path: Path, header: list[str], fresh: list[list[str]], replaced: set[str], allowed: set[str],
           current: tuple[list[str], list[list[str]]] | None = None):
    """The file's rows for datasets not in ``replaced`` (and still ``allowed``) plus ``fresh``, sorted.
    ``current`` is the file's (header, rows) when the caller has read it already."""
    old_header, old = current if current is not None else read_gz_csv(path)
    if old_header and old_header != header:
        raise DataError(f"{path} has columns {old_header}, expected {header}: move it away or fix it")
    h = header.index("content_hash")
    kept = [r for r in old if r[h] not in replaced and r[h] in allowed]
    gone = {r[h] for r in old if r[h] not in replaced and r[h] not in allowed}
    return sorted(kept + fresh), {r[h] for r in kept}, gone


def portfolio_sizes(directory: Path) -> dict[str, int]:
    """Distinct configurations per task family in the build's portfolios (``portfolio-<family>.json`` in
    ``directory``), counted in the canonical form the KB stores (two entries for one estimator are one)."""
    import json

    from metalearn import space
    from metalearn._canonical import canonical_json

    sizes = {}
    for family in ("classification", "regression"):
        path = directory / f"portfolio-{family}.json"
        if path.is_file():
            entries = json.loads(path.read_text())
            sizes[family] = len({(name, canonical_json(params)) for name, params in
                                 (space.canonical_config(e["algorithm"], e.get("params") or {}) for e in entries)})
    return sizes


def export(kb: Path, manifest: Path, out: Path, complete: dict[str, int] | None = None) -> ExportSummary:
    """Merge the KB's dense runs into ``out``. With ``complete`` (task family -> configurations in its
    portfolio), a dataset whose runs cover fewer configurations is still being built: its rows are not
    exported (those already in the files stay), so an export during a build never replaces a finished
    dataset by a partial one, nor ships one half done. A dataset the KB covers in full replaces its
    rows in the files; one whose KB runs complete the files' runs (a configuration added to the
    portfolio, run on the datasets exported before) adds the runs of the configurations the files
    lack, and keeps the rest."""
    from metalearn.tasks import task_family

    rows = read_rows(manifest)
    if any(not r.get("content_hash") for r in rows):
        raise DataError(f"manifest {manifest} has rows without content_hash: regenerate it with "
                        "scripts/dense/materialize.py")
    allowed = {r["content_hash"] for r in rows}
    runs, qualities = _kb_rows(kb, sorted(allowed))
    current_runs = read_gz_csv(out / "runs.csv.gz")
    old_runs = current_runs[1]
    filling: set[str] = set()
    if complete:
        family = {r["content_hash"]: task_family(r["task"]) for r in rows}
        in_kb, in_files = _configurations(runs), _configurations(old_runs)
        need = {h: complete.get(family[h], 0) for h in in_kb}
        filling = {h for h, c in in_kb.items() if len(c) < need[h] <= len(c | in_files.get(h, set()))}
        building = {h for h, c in in_kb.items() if len(c | in_files.get(h, set())) < need[h]}
        new = {(h, conf) for h, c in in_kb.items() if h in filling for conf in c - in_files.get(h, set())}
        runs = [r for r in runs if r[1] not in building and (r[1] not in filling or (r[1], (r[2], r[3])) in new)]
        qualities = [q for q in qualities if q[1] not in building and q[1] not in filling]
    from_kb = {r[1] for r in runs}
    replaced = from_kb - filling
    out.mkdir(parents=True, exist_ok=True)
    all_runs, kept, gone = _merge(out / "runs.csv.gz", RUN_COLUMNS, runs, replaced, allowed, current_runs)
    all_q, _, _ = _merge(out / "meta-features.csv.gz", QUALITY_COLUMNS, qualities, replaced, allowed)
    n_runs = write_gz_csv(out / "runs.csv.gz", RUN_COLUMNS, all_runs)
    n_q = write_gz_csv(out / "meta-features.csv.gz", QUALITY_COLUMNS, all_q)
    return ExportSummary(len(from_kb | kept), len(from_kb), len(kept - from_kb), len(gone), n_runs, n_q)


def _configurations(runs: list[list[str]]) -> dict[str, set[tuple[str, str]]]:
    """Content hash -> the (algorithm, params) pairs its run rows cover."""
    out: dict[str, set[tuple[str, str]]] = {}
    for r in runs:
        out.setdefault(r[1], set()).add((r[2], r[3]))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=Path("/work/dense/kb.sqlite"))
    parser.add_argument("--manifest", type=Path, default=Path("kb/dense/manifest.csv"))
    parser.add_argument("--out", type=Path, default=Path("kb/dense"))
    parser.add_argument("--seed", type=Path, default=Path("kb/seed"),
                        help="where the seed's dense-* files are rewritten from --out (default kb/seed)")
    args = parser.parse_args(argv)
    try:
        summary = export(args.kb, args.manifest, args.out, complete=portfolio_sizes(args.manifest.parent))
    except MetaLearnError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary.line(args.out))
    from metalearn._seedtools.dense import encode_dense

    for name, blob in sorted(encode_dense(args.out).items()):
        (args.seed / name).write_bytes(blob)
    print(f"wrote {args.seed}/dense-* from {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
