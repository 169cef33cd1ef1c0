"""What a build runs on: DATASETS (files, folders, ``openml:<id>``, loaded Datasets) and manifests."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from metalearn.build._records import DatasetEntry
from metalearn.exceptions import DataError, DataFileNotFoundError

#: File suffixes a folder given as DATASETS is scanned for.
DATA_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz", ".parquet", ".arff", ".arff.gz")


def read_manifest(path: str | Path) -> list[DatasetEntry]:
    """Read a manifest: CSV or JSON rows ``path, target[, task]``.

    Relative paths are resolved against the manifest's folder; ``openml:<id>``
    entries are kept as they are.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataFileNotFoundError(f"manifest {path} does not exist: give a CSV/JSON file with path,target[,task]")
    try:
        if path.suffix.lower() == ".json":
            rows = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
                raise DataError(f"manifest {path}: expected a JSON list of objects with keys path, target[, task]")
        else:
            with path.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise DataError(f"manifest {path} cannot be read ({exc}): give a CSV/JSON file with path,target[,task]") from None
    entries = []
    for i, row in enumerate(rows, start=1):
        src = str(row.get("path") or "").strip()
        if not src:
            raise DataError(f"manifest {path}, row {i}: empty 'path': every row needs path,target[,task]")
        if not src.startswith("openml:") and not Path(src).expanduser().is_absolute():
            src = str(path.parent / src)
        target = (str(row.get("target") or "").strip()) or None
        task = (str(row.get("task") or "").strip()) or None
        entries.append(DatasetEntry(src, target, task))
    return entries


def expand_datasets(
    datasets: Iterable[Any], *, target: str | None = None, manifest: str | Path | None = None
) -> list[DatasetEntry]:
    """Expand DATASETS (files, folders, ``openml:<id>``, loaded Datasets) and a manifest into entries.

    Folders contribute their data files (sorted, not recursive). ``target``
    applies to every entry not from the manifest.
    """
    from metalearn.data import Dataset

    entries: list[DatasetEntry] = []
    for item in [datasets] if isinstance(datasets, (str, Path, Dataset)) else datasets:
        if isinstance(item, DatasetEntry):
            entries.append(item)
        elif isinstance(item, Dataset):
            entries.append(DatasetEntry(item, item.target, item.task))
        elif str(item).startswith("openml:"):
            entries.append(DatasetEntry(str(item), target))
        else:
            path = Path(item).expanduser()
            if path.is_dir():
                files = sorted(p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(DATA_SUFFIXES))
                if not files:
                    raise DataFileNotFoundError(
                        f"folder {path} has no data files ({', '.join(DATA_SUFFIXES)}): give files or another folder"
                    )
                entries.extend(DatasetEntry(str(p), target) for p in files)
            elif path.is_file():
                entries.append(DatasetEntry(str(path), target))
            else:
                raise DataFileNotFoundError(f"dataset {item} does not exist: give a file, a folder or openml:<id>")
    if manifest is not None:
        entries.extend(read_manifest(manifest))
    if not entries:
        raise DataError("no datasets to build on: give files, folders, openml:<id> entries or a manifest")
    return entries
