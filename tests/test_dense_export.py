"""The dense core's exports merge (scripts/dense/export_dense.py): two KBs exported in turn lose nothing.

Two small KBs are built in the test (zoo, then cpu, from data/examples) and exported into the same
folder; the second export must keep the first one's rows, a re-export must give the same bytes, and
build_dense.py --skip-exported must skip what is fully exported and build again what is not.
"""

from __future__ import annotations

import csv
import gzip
import importlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from metalearn.build import DatasetEntry, build_kb
from metalearn.data import load_dataset
from metalearn.kb import KnowledgeBase

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples"
CHEAP = [{"algorithm": "GaussianNB", "params": {}},
         {"algorithm": "DecisionTreeClassifier", "params": {"max_depth": 3}},
         {"algorithm": "Ridge", "params": {"alpha": 1.0}},
         {"algorithm": "DecisionTreeRegressor", "params": {"max_depth": 3}}]
DATASETS = {"zoo": ("type", "multiclass"), "cpu": ("class", "regression")}


@pytest.fixture(scope="module")
def dense():
    """The dense scripts as modules (they import each other from their own folder)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(ROOT / "scripts" / "dense"))
        yield importlib.import_module("export_dense"), importlib.import_module("build_dense")


@pytest.fixture
def setup(tmp_path):
    """A data root with zoo and cpu under examples/, a manifest with relative paths, and a portfolio."""
    root = tmp_path / "data"
    (root / "examples").mkdir(parents=True)
    rows = []
    for name, (target, task) in DATASETS.items():
        shutil.copy(EXAMPLES / f"{name}.csv", root / "examples" / f"{name}.csv")
        digest = load_dataset(str(root / "examples" / f"{name}.csv"), target=target, task=task).content_hash
        rows.append({"path": f"examples/{name}.csv", "target": target, "task": task, "dataset": name,
                     "content_hash": digest})
    manifest = tmp_path / "manifest.csv"
    with manifest.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    portfolio = tmp_path / "portfolio.json"
    portfolio.write_text(json.dumps(CHEAP))
    return root, manifest, portfolio, {r["dataset"]: r["content_hash"] for r in rows}


def _kb(path: Path, root: Path, name: str, portfolio: Path, n_ok: int = 2) -> Path:
    KnowledgeBase.open(path, create="empty").close()
    target, task = DATASETS[name]
    report = build_kb([DatasetEntry(str(root / "examples" / f"{name}.csv"), target, task)], kb=path,
                      portfolio=str(portfolio), cv=2, n_jobs=1, progress=False)
    assert report.n_ok == n_ok, report.failures
    return path


def _rows(path: Path) -> list[list[str]]:
    with gzip.open(path, "rt", newline="") as fh:
        return list(csv.reader(fh))[1:]


def test_two_kbs_exported_in_turn_keep_both_and_a_reexport_is_byte_identical(dense, setup, tmp_path):
    export_dense, _ = dense
    root, manifest, portfolio, hashes = setup
    out = tmp_path / "out"
    kb_zoo = _kb(tmp_path / "zoo.sqlite", root, "zoo", portfolio)
    kb_cpu = _kb(tmp_path / "cpu.sqlite", root, "cpu", portfolio)

    first = export_dense.export(kb_zoo, manifest, out)
    assert (first.datasets, first.from_kb, first.kept) == (1, 1, 0)
    zoo_runs, zoo_q = _rows(out / "runs.csv.gz"), _rows(out / "meta-features.csv.gz")
    assert {r[1] for r in zoo_runs} == {hashes["zoo"]} and len(zoo_runs) == 2 and zoo_q

    second = export_dense.export(kb_cpu, manifest, out)
    assert (second.datasets, second.from_kb, second.kept) == (2, 1, 1)
    runs, qualities = _rows(out / "runs.csv.gz"), _rows(out / "meta-features.csv.gz")
    assert {r[1] for r in runs} == set(hashes.values()) and len(runs) == 4
    assert [r for r in runs if r[1] == hashes["zoo"]] == zoo_runs  # nothing of the first export lost or changed
    assert [r for r in qualities if r[1] == hashes["zoo"]] == zoo_q
    assert {r[1] for r in qualities} == set(hashes.values())

    before = (out / "runs.csv.gz").read_bytes(), (out / "meta-features.csv.gz").read_bytes()
    again = export_dense.export(kb_zoo, manifest, out)  # the zoo KB again: its rows replaced by the same rows
    assert (again.datasets, again.from_kb, again.kept) == (2, 1, 1)
    assert ((out / "runs.csv.gz").read_bytes(), (out / "meta-features.csv.gz").read_bytes()) == before


def test_a_dataset_that_left_the_manifest_leaves_the_export(dense, setup, tmp_path):
    export_dense, _ = dense
    root, manifest, portfolio, hashes = setup
    out = tmp_path / "out"
    export_dense.export(_kb(tmp_path / "cpu.sqlite", root, "cpu", portfolio), manifest, out)
    lines = manifest.read_text().splitlines()
    manifest.write_text("\n".join(line for line in lines if "cpu" not in line) + "\n")
    summary = export_dense.export(tmp_path / "cpu.sqlite", manifest, out)
    assert (summary.datasets, summary.left_manifest, summary.runs) == (0, 1, 0)


def test_build_skips_fully_exported_datasets_rebuilds_partial_ones_and_needs_the_data_root(dense, setup, tmp_path,
                                                                                          capsys):
    export_dense, build_dense = dense
    root, manifest, portfolio, hashes = setup
    folder = tmp_path / "portfolios"  # the dense portfolios of this test: 2 configurations per family
    folder.mkdir()
    (folder / "portfolio-classification.json").write_text(json.dumps(CHEAP[:2]))
    (folder / "portfolio-regression.json").write_text(json.dumps(CHEAP[2:]))
    only_ridge = tmp_path / "ridge.json"  # cpu exported with 1 of its 2 configurations: as if cut short
    only_ridge.write_text(json.dumps(CHEAP[2:3]))
    out = tmp_path / "out"
    export_dense.export(_kb(tmp_path / "zoo.sqlite", root, "zoo", portfolio), manifest, out)
    export_dense.export(_kb(tmp_path / "cpu.sqlite", root, "cpu", only_ridge, n_ok=1), manifest, out)
    fresh = tmp_path / "fresh.sqlite"
    KnowledgeBase.open(fresh, create="empty").close()
    args = ["--manifest", str(manifest), "--kb", str(fresh), "--exported", str(out / "runs.csv.gz"),
            "--portfolios", str(folder)]
    assert build_dense.main([*args, "--data-root", str(root)]) == 0
    printed = capsys.readouterr().out
    assert "skipping 1 dataset(s) already exported" in printed and "1 exported only in part, built again" in printed
    with sqlite3.connect(fresh) as con:
        built = con.execute("SELECT DISTINCT dataset, algorithm FROM runs_view").fetchall()
    assert sorted(built) == [("cpu", "DecisionTreeRegressor"), ("cpu", "Ridge")]
    assert build_dense.main(args) == 2
    err = capsys.readouterr().err
    assert "--data-root" in err and "examples/zoo.csv" in err and "Traceback" not in err


def test_a_dataset_still_being_built_is_not_exported_and_its_finished_rows_stay(dense, setup, tmp_path):
    export_dense, _ = dense
    root, manifest, portfolio, hashes = setup
    out = tmp_path / "out"
    full = export_dense.export(_kb(tmp_path / "cpu.sqlite", root, "cpu", portfolio), manifest, out,
                               complete={"regression": 2})
    assert (full.from_kb, full.runs) == (1, 2)
    before = (out / "runs.csv.gz").read_bytes()
    only_ridge = tmp_path / "ridge.json"  # a KB where cpu has 1 of its portfolio's 2 configurations so far
    only_ridge.write_text(json.dumps(CHEAP[2:3]))
    partial = _kb(tmp_path / "partial.sqlite", root, "cpu", only_ridge, n_ok=1)
    summary = export_dense.export(partial, manifest, out, complete={"regression": 2})
    assert (summary.from_kb, summary.kept, summary.runs) == (0, 1, 2)
    assert (out / "runs.csv.gz").read_bytes() == before  # the finished rows were not replaced by the partial ones
    fresh = tmp_path / "fresh"
    assert export_dense.export(partial, manifest, fresh, complete={"regression": 2}).runs == 0
    assert export_dense.portfolio_sizes(ROOT / "kb" / "dense") == {"classification": 84, "regression": 74}


def test_a_configuration_added_to_the_portfolio_is_filled_in_on_an_exported_dataset(dense, setup, tmp_path):
    export_dense, _ = dense
    root, manifest, portfolio, hashes = setup
    out = tmp_path / "out"
    only_ridge, only_tree = tmp_path / "ridge.json", tmp_path / "tree.json"
    only_ridge.write_text(json.dumps(CHEAP[2:3]))
    only_tree.write_text(json.dumps(CHEAP[3:4]))
    first = export_dense.export(_kb(tmp_path / "ridge.sqlite", root, "cpu", only_ridge, n_ok=1), manifest, out,
                                complete={"regression": 1})  # the portfolio of one configuration, done
    assert (first.from_kb, first.runs) == (1, 1)
    ridge_rows, qualities = _rows(out / "runs.csv.gz"), (out / "meta-features.csv.gz").read_bytes()
    backfill = _kb(tmp_path / "tree.sqlite", root, "cpu", only_tree, n_ok=1)  # the added one, on its own KB
    assert export_dense.export(backfill, manifest, tmp_path / "empty", complete={"regression": 2}).runs == 0
    summary = export_dense.export(backfill, manifest, out, complete={"regression": 2})
    assert (summary.datasets, summary.from_kb, summary.kept, summary.runs) == (1, 1, 0, 2)
    runs = _rows(out / "runs.csv.gz")
    assert sorted(r[2] for r in runs) == ["DecisionTreeRegressor", "Ridge"]
    assert [r for r in runs if r[2] == "Ridge"] == ridge_rows  # the exported run is kept as it was
    assert (out / "meta-features.csv.gz").read_bytes() == qualities
