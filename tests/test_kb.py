"""Tests of the knowledge base store (metalearn.kb): schema, seed import, safe growth, bad files."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

from metalearn._canonical import canonical_json, config_hash

SEED_CONFIGS = [
    ("SVC", {"C": 1.0, "kernel": "rbf", "gamma": 0.1}),
    ("RandomForestClassifier", {"n_estimators": 100}),
    ("Ridge", {"alpha": 1.0}),
]


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_tiny_seed(directory: Path, *, n_datasets: int = 4, runs_per_pair: int = 1) -> Path:
    """Write a seed in the DESIGN.md format: OpenML-style classification datasets plus one regression one."""
    directory.mkdir(parents=True, exist_ok=True)
    _write(directory / "sources.csv", ["source_id", "package", "version", "file", "license", "description"], [
        ["s1", "tinyseed", "1.0", "data/runs.csv", "BSD-3-Clause", "test seed runs"],
        ["s2", "tinyqual", "2.0", "qualities.csv", "CC-BY-4.0", "test seed qualities"],
    ])
    datasets = []
    for i in range(n_datasets):
        datasets.append([f"openml:{1000 + i}", f"ds{i}", 1000 + i, "binary" if i % 2 else "multiclass",
                         100 * (i + 1), 5 + i, "s1"])
    datasets.append(["tinyseed:housing", "housing", "", "regression", 506, 13, "s1"])
    _write(directory / "datasets.csv.gz",
           ["dataset_key", "name", "openml_id", "task_type", "n_rows", "n_cols", "source_id"], datasets)
    qualities = []
    for i in range(n_datasets):
        key = f"openml:{1000 + i}"
        qualities.append([key, "NumberOfInstances", 100 * (i + 1), "openml-server", "s2"])
        qualities.append([key, "NumberOfFeatures", 5 + i, "openml-server", "s2"])
        # a second party's value for the same name: openml-server must win
        qualities.append([key, "NumberOfInstances", -1, "metalearn 0.0.1", "s2"])
        qualities.append([key, "ClassEntropy", "" if i == 0 else 0.5 + i / 10, "openml-server", "s2"])
    _write(directory / "qualities.csv.gz", ["dataset_key", "name", "value", "computed_by", "source_id"], qualities)
    configs = [[config_hash(a, p), a, canonical_json(p), "s1"] for a, p in SEED_CONFIGS]
    # the same configuration written with different key order and spacing: must collapse to one row
    configs.append([config_hash("SVC", SEED_CONFIGS[0][1]), "SVC", json.dumps({"gamma": 0.1, "kernel": "rbf", "C": 1.0}, indent=1),
                    "s1"])
    _write(directory / "configurations.csv.gz", ["config_hash", "algorithm", "params", "source_id"], configs)
    runs = []
    run_id = 5000
    for i in range(n_datasets):
        for algorithm, params in SEED_CONFIGS[:2]:
            for _ in range(runs_per_pair):
                run_id += 1
                runs.append([f"openml:{1000 + i}", config_hash(algorithm, params), "balanced_accuracy",
                             0.5 + i / 10 + (0.05 if algorithm == "SVC" else 0.0), "10-fold CV", 1.5, "ok", "s1",
                             run_id])
    runs.append(["tinyseed:housing", config_hash("Ridge", {"alpha": 1.0}), "r2", 0.71, "5-fold CV", "", "ok", "s1", ""])
    runs.append(["tinyseed:housing", config_hash("Ridge", {"alpha": 1.0}), "r2", "", "5-fold CV", "", "failed", "s1",
                 ""])
    _write(directory / "runs.csv.gz", ["dataset_key", "config_hash", "metric", "score", "protocol", "fit_time",
                                       "status", "source_id", "openml_run_id"], runs)
    return directory


# --------------------------------------------------------------------------- tests
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from metalearn.exceptions import InvalidParamsError, KBContentError, KBCorruptError, KBError, KBSchemaError
from metalearn.kb import KnowledgeBase, RunInput, SCHEMA_VERSION, create_kb, upgrade_kb
from metalearn.kb._schema import migrate


@pytest.fixture
def seed(tmp_path):
    return write_tiny_seed(tmp_path / "seed")


@pytest.fixture
def kb(tmp_path, seed):
    with KnowledgeBase.open(tmp_path / "kb.sqlite", seed_dir=seed) as opened:
        yield opened


def test_created_from_seed_with_provenance(kb, seed):
    stats = kb.stats()
    assert stats.n_datasets == 5 and stats.n_configurations == 3 and stats.n_runs == 10
    assert stats.runs_by_metric == {"balanced_accuracy": 8, "r2": 2}
    assert stats.runs_by_status == {"ok": 9, "failed": 1}
    assert stats.datasets_by_task == {"multiclass": 2, "binary": 2, "regression": 1}
    assert stats.runs_by_source == {"tinyseed 1.0 data/runs.csv": 10}
    datasets = kb.datasets_frame()
    assert datasets.loc[datasets["name"] == "ds1", "openml_id"].item() == 1001
    assert set(datasets["provenance"]) == {"tinyseed 1.0 data/runs.csv"}
    # the seed directory is only read
    assert sorted(p.name for p in seed.iterdir()) == sorted(
        ["sources.csv", "datasets.csv.gz", "qualities.csv.gz", "configurations.csv.gz", "runs.csv.gz"])


def test_meta_features_prefer_openml_server_and_cache_follows_writes(kb):
    frame = kb.meta_features_frame()
    assert list(frame.columns) == ["ClassEntropy", "NumberOfFeatures", "NumberOfInstances"]
    ds0 = kb.find_dataset(openml_id=1000).dataset_id
    assert frame.loc[ds0, "NumberOfInstances"] == 100.0  # openml-server beats metalearn's -1
    assert np.isnan(frame.loc[ds0, "ClassEntropy"])  # empty in the seed -> NaN
    only_ours = kb.meta_features_frame(computed_by="metalearn")
    assert only_ours["NumberOfInstances"].tolist() == [-1.0] * 4
    # a write invalidates the cached matrix
    kb.add_meta_features(ds0, {"NumberOfInstances": 123.0, "metalearn.Landmark1NN": 0.75}, "openml-server")
    again = kb.meta_features_frame()
    assert again.loc[ds0, "NumberOfInstances"] == 123.0
    assert again.loc[ds0, "metalearn.Landmark1NN"] == 0.75
    assert kb.meta_features_frame() .equals(again)  # served from the cache, same content
    subset = kb.meta_features_frame([ds0])
    assert list(subset.index) == [ds0]


def test_runs_frame_filters_and_has_run(kb):
    ds1 = kb.find_dataset(openml_id=1001).dataset_id
    runs = kb.runs_frame(dataset_ids=[ds1], metric="balanced_accuracy")
    assert sorted(runs["algorithm"]) == ["RandomForestClassifier", "SVC"]
    assert runs["protocol"].unique().tolist() == ["10-fold CV"]
    assert runs.loc[runs["algorithm"] == "SVC", "score"].item() == pytest.approx(0.65)
    assert runs["openml_run_id"].notna().all()
    assert len(kb.runs_frame(task_type="classification")) == 8
    assert len(kb.runs_frame(task_type="regression", status=None)) == 2
    assert len(kb.runs_frame(metric="r2")) == 1  # the failed run is left out by default
    svc = kb.find_configuration("SVC", {"kernel": "rbf", "gamma": 0.1, "C": 1.0})
    assert kb.has_run(ds1, svc.configuration_id, "balanced_accuracy", "10-fold CV")
    assert not kb.has_run(ds1, svc.configuration_id, "balanced_accuracy", "5-fold CV")


def test_add_dataset_configuration_runs_and_search(kb):
    ds = kb.add_dataset("mine", task_type="binary", source="/data/mine.csv", content_hash="ab" * 32, n_rows=10)
    again = kb.add_dataset("renamed", task_type="binary", source="<DataFrame>", content_hash="ab" * 32,
                           openml_task_id=7)
    assert again.dataset_id == ds.dataset_id and again.openml_task_id == 7
    cfg = kb.add_configuration("SVC", {"C": 2.0})
    assert kb.add_configuration("SVC", {"C": 2.0}).configuration_id == cfg.configuration_id
    assert cfg.params == {"C": 2.0}
    with pytest.raises(InvalidParamsError, match="SVC"):
        kb.add_configuration("SVC", {"C": float("nan")})
    search = kb.start_search(ds.dataset_id, metric="roc_auc", settings={"n_trials": 5})
    assert search.status == "running" and search.settings == {"n_trials": 5}
    n = kb.add_runs([
        RunInput(ds.dataset_id, cfg.configuration_id, "roc_auc", 0.9, "5-fold CV", search_id=search.search_id),
        RunInput(ds.dataset_id, cfg.configuration_id, "roc_auc", None, "5-fold CV", status="timeout",
                 error="took\nlonger than 10 s"),
    ])
    assert n == 2
    kb.finish_search(search.search_id, status="finished", best_score=0.9, n_trials=2)
    assert kb.search(search.search_id).best_score == 0.9
    runs = kb.runs_frame(dataset_ids=[ds.dataset_id], status=None)
    assert runs["status"].tolist() == ["ok", "timeout"]
    assert runs["error"].tolist()[1] == "took longer than 10 s"
    assert runs["source"].unique().tolist() == [f"metalearn {__import__('metalearn').__version__}"]
    # an OpenML run is stored once per metric
    openml_run = RunInput(ds.dataset_id, cfg.configuration_id, "roc_auc", 0.8, "10-fold CV", openml_run_id=99)
    assert kb.add_runs([openml_run]) == 1 and kb.add_runs([openml_run]) == 0


def test_add_runs_refuses_unknown_ids_and_writes_nothing(kb):
    before = kb.stats().n_runs
    cfg = kb.add_configuration("SVC", {"C": 3.0})
    with pytest.raises(KBContentError, match="dataset_id 424242"):
        kb.add_runs([RunInput(1, cfg.configuration_id, "accuracy", 0.5, "holdout 20%"),
                     RunInput(424242, cfg.configuration_id, "accuracy", 0.5, "holdout 20%")])
    assert kb.stats().n_runs == before
    with pytest.raises(KBContentError, match="status 'ok' has score nan"):
        RunInput(1, cfg.configuration_id, "accuracy", float("nan"), "holdout 20%")


def test_open_missing_kb_modes(tmp_path, seed):
    with pytest.raises(KBError, match="does not exist: create it with `metalearn kb init"):
        KnowledgeBase.open(tmp_path / "none.sqlite", create=False)
    with KnowledgeBase.open(tmp_path / "empty.sqlite", create="empty") as kb:
        assert kb.stats().n_runs == 0 and kb.schema_version() == SCHEMA_VERSION
    # the default location comes from $METALEARN_KB
    os.environ["METALEARN_KB"] = str(tmp_path / "env" / "kb.sqlite")
    with KnowledgeBase.open(seed_dir=seed) as kb:
        assert kb.path == tmp_path / "env" / "kb.sqlite" and kb.stats().n_runs == 10
    with pytest.raises(KBError, match="already exists"):
        create_kb(tmp_path / "empty.sqlite")


def _fix_command(message, path):
    assert str(path) in message
    return message


def test_not_sqlite_empty_and_truncated_files(tmp_path, kb):
    text = tmp_path / "notes.sqlite"
    text.write_text("name,score\nx,1\n")
    with pytest.raises(KBCorruptError, match=r"not an SQLite file\): rebuild it with `metalearn kb init --from-seed"):
        KnowledgeBase.open(text)
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    with pytest.raises(KBCorruptError, match="an empty file"):
        KnowledgeBase.open(empty)
    kb.close()
    data = kb.path.read_bytes()
    assert len(data) > 8192
    cut = tmp_path / "cut.sqlite"
    cut.write_bytes(data[: len(data) // 2 + 100])
    with pytest.raises(KBCorruptError, match=f"KB {cut} is truncated"):
        KnowledgeBase.open(cut)
    plain = tmp_path / "other.sqlite"
    sqlite3.connect(plain).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(KBCorruptError, match="SQLite file but not a metalearn knowledge base"):
        KnowledgeBase.open(plain)
    # the suggested command fixes it
    create_kb(cut, from_seed=False, force=True)
    with KnowledgeBase.open(cut) as fixed:
        assert fixed.check().ok


def test_newer_and_older_schema(tmp_path):
    newer = create_kb(tmp_path / "newer.sqlite", from_seed=False)
    with sqlite3.connect(newer) as conn:
        conn.execute("INSERT INTO migrations VALUES (?, 'future', 0, '99.0')", (SCHEMA_VERSION + 4,))
    with pytest.raises(KBSchemaError, match=rf"schema version {SCHEMA_VERSION + 4}, newer .*pip install -U metalearn"):
        KnowledgeBase.open(newer)
    older = tmp_path / "older.sqlite"
    conn = sqlite3.connect(older, isolation_level=None)
    migrate(conn, target=SCHEMA_VERSION - 1)
    conn.close()
    with pytest.raises(KBSchemaError, match=rf"older .* run `metalearn kb upgrade --kb {older}`"):
        KnowledgeBase.open(older)
    assert upgrade_kb(older) == (SCHEMA_VERSION - 1, SCHEMA_VERSION)
    with KnowledgeBase.open(older) as kb:
        assert kb.schema_version() == SCHEMA_VERSION and kb.check().ok


PAYLOAD = "kb_crafted_payload"


def test_crafted_kb_is_reported_not_executed(tmp_path, kb, monkeypatch):
    # a module that would leave a marker file if anything imported or ran it
    marker = tmp_path / "payload-ran"
    (tmp_path / f"{PAYLOAD}.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\nclass Payload: pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    kb.add_configuration("SVC", {"C": 1.5})  # a valid one
    with sqlite3.connect(kb.path) as conn:
        conn.execute("INSERT INTO algorithms (name) VALUES (?)", (f"{PAYLOAD}.Payload",))
        alg = conn.execute("SELECT algorithm_id FROM algorithms WHERE name = ?", (f"{PAYLOAD}.Payload",)).fetchone()[0]
        svc = conn.execute("SELECT algorithm_id FROM algorithms WHERE name = 'SVC'").fetchone()[0]
        conn.execute("INSERT INTO configurations (algorithm_id, params, config_hash, source_id) VALUES (?, '{}', 'x1', 1)",
                     (alg,))
        conn.execute("INSERT INTO configurations (algorithm_id, params, config_hash, source_id) "
                     "VALUES (?, '{\"C\": 1.0,', 'x2', 1)", (svc,))
        conn.execute("INSERT INTO configurations (algorithm_id, params, config_hash, source_id) "
                     "VALUES (?, '{\"C\": -5.0}', 'x3', 1)", (svc,))
        ids = [row[0] for row in conn.execute("SELECT configuration_id FROM configurations WHERE config_hash LIKE 'x%' "
                                              "ORDER BY config_hash")]
    report = kb.check()
    assert not report.ok and report.integrity == "ok"
    kinds = {(issue.row_id, issue.kind) for issue in report.issues}
    assert kinds == {(ids[0], "unknown algorithm"), (ids[1], "malformed parameters"), (ids[2], "invalid parameters")}
    for configuration_id, pattern in zip(ids, ["unknown algorithm", "malformed parameters", "parameter 'C'"]):
        with pytest.raises(KBContentError, match=pattern):
            kb.configurations([configuration_id])
    assert kb.configurations([1])[0].algorithm in {"SVC", "RandomForestClassifier", "Ridge"}
    assert not marker.exists() and PAYLOAD not in sys.modules


WRITER = textwrap.dedent("""
    import sys
    from metalearn.kb import KnowledgeBase, RunInput
    path, worker, n, dataset_id, configuration_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    with KnowledgeBase.open(path, create=False, timeout=60) as kb:
        for i in range(n):  # one transaction per run: the most contention
            kb.add_runs([RunInput(dataset_id, configuration_id, "accuracy", 0.5, "holdout 20%",
                                  fit_time=worker * 10000 + i)])
""")


def test_eight_concurrent_writers_lose_and_duplicate_nothing(tmp_path):
    path = create_kb(tmp_path / "kb.sqlite", from_seed=False)
    with KnowledgeBase.open(path) as kb:
        ds = kb.add_dataset("d", task_type="binary", source="test").dataset_id
        cfg = kb.add_configuration("SVC", {"C": 1.0}).configuration_id
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(w), "200", str(ds), str(cfg)],
                              stderr=subprocess.PIPE, text=True) for w in range(8)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with KnowledgeBase.open(path) as kb:
        runs = kb.runs_frame(metric="accuracy")
        assert kb.check(quick=True).ok
    assert len(runs) == 1600
    assert sorted(runs["fit_time"].astype(int)) == sorted(w * 10000 + i for w in range(8) for i in range(200))


KILLED_IMPORTER = textwrap.dedent("""
    import sys
    from metalearn.kb import KnowledgeBase, RunInput
    path, batch = sys.argv[1], int(sys.argv[2])
    with KnowledgeBase.open(path, create=False) as kb:
        ds = kb.add_dataset("d", task_type="binary", source="test").dataset_id
        cfgs = [kb.add_configuration("SVC", {"C": float(c)}).configuration_id for c in range(1, 11)]
        for t in range(100000):
            kb.add_runs(RunInput(ds, cfgs[i % 10], "accuracy", (i % 97) / 97, "5-fold CV", openml_run_id=t * batch + i)
                        for i in range(batch))
            print(t + 1, flush=True)
""")


def test_sigkill_mid_import_leaves_whole_transactions(tmp_path):
    path = create_kb(tmp_path / "kb.sqlite", from_seed=False)
    batch = 2000
    proc = subprocess.Popen([sys.executable, "-c", KILLED_IMPORTER, str(path), str(batch)],
                            stdout=subprocess.PIPE, text=True)
    try:
        committed = 0
        while committed < 5:
            line = proc.stdout.readline()
            assert line, "the importer ended before it was killed"
            committed = int(line)
        time.sleep(0.05)  # let it get into the next transaction
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    n_runs = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
    conn.close()
    assert n_runs >= 5 * batch and n_runs % batch == 0
    with KnowledgeBase.open(path) as kb:
        assert kb.check().ok and kb.stats().n_runs == n_runs


def test_add_runs_checks_search_ids_and_keeps_foreign_keys_whole(kb):
    cfg = kb.add_configuration("SVC", {"C": 4.0})
    with pytest.raises(KBContentError, match="search_id 777"):
        kb.add_runs([RunInput(1, cfg.configuration_id, "accuracy", 0.5, "holdout 20%", search_id=777)])
    kb.add_runs([RunInput(1, cfg.configuration_id, "accuracy", 0.5, "holdout 20%")])
    assert kb.check().ok
    # foreign keys are enforced again after add_runs
    assert kb._conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(KBContentError, match="dataset_id 999"):
        kb.add_meta_features(999, {"x": 1.0}, "metalearn 0.1.0")
    with sqlite3.connect(kb.path) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_newest_metalearn_version_wins_by_number_not_text(kb):
    ds = kb.add_dataset("versions", task_type="binary", source="test").dataset_id
    for version, value in (("0.9.0", 9.0), ("0.10.0", 10.0), ("0.10.0rc1", -1.0), ("0.2.0", 2.0)):
        kb.add_meta_features(ds, {"metalearn.Landmark1NN": value}, f"metalearn {version}")
    frame = kb.meta_features_frame()
    assert frame.loc[ds, "metalearn.Landmark1NN"] == 10.0  # as text, "0.9.0" > "0.10.0"
    assert kb.meta_features_frame([ds]).loc[ds, "metalearn.Landmark1NN"] == 10.0
    kb.add_meta_features(ds, {"metalearn.Landmark1NN": 11.0}, "openml-server")
    assert kb.meta_features_frame().loc[ds, "metalearn.Landmark1NN"] == 11.0


def test_add_datasets_in_bulk_matches_add_dataset(kb):
    from metalearn.kb import DatasetInput

    existing = kb.find_dataset(openml_id=1001)
    items = [
        DatasetInput("new-a", task_type="binary", source="test", openml_id=5001, n_rows=10),
        DatasetInput("ds1-again", task_type="binary", source="test", openml_id=1001, openml_task_id=31),
        DatasetInput("by-hash", task_type="regression", source="/data/h.csv", content_hash="cd" * 32),
        DatasetInput("new-a-dup", task_type="binary", source="test", openml_id=5001, n_cols=3),
        DatasetInput("by-hash-later", task_type="regression", source="<DataFrame>", content_hash="cd" * 32,
                     openml_id=5002),
    ]
    ids = kb.add_datasets(items)
    assert ids[1] == existing.dataset_id and ids[0] == ids[3] and ids[2] == ids[4]
    assert len(set(ids)) == 3
    assert kb.dataset(ids[1]).openml_task_id == 31  # a known dataset gains the fields it lacked
    assert (kb.dataset(ids[0]).n_rows, kb.dataset(ids[0]).n_cols) == (10, 3)
    assert kb.dataset(ids[2]).openml_id == 5002
    assert kb.add_datasets(items) == ids  # idempotent
    assert kb.add_dataset("by-hash", task_type="regression", source="x", content_hash="cd" * 32).dataset_id == ids[2]
    with pytest.raises(KBContentError, match="task_type 'tabular'"):
        DatasetInput("bad", task_type="tabular", source="test")


def test_add_meta_features_many_bulk_path_keeps_cache_and_triggers(kb):
    from metalearn.kb import DatasetInput

    triggers = kb._conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").fetchall()
    before = kb.meta_features_frame()  # fills the cache
    ids = kb.add_datasets(DatasetInput(f"bulk{i}", task_type="binary", source="test") for i in range(300))
    values = {d: {f"Q{j:02d}": float(d * 100 + j) for j in range(40)} for d in ids}  # 12,000 values: bulk path
    assert kb.add_meta_features_many(values, "openml-server") == 12_000
    after = kb.meta_features_frame()
    assert len(after) == len(before) + 300 and after.loc[ids[7], "Q05"] == ids[7] * 100 + 5
    assert kb._conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").fetchall() == triggers
    kb.add_meta_features(ids[0], {"Q00": -1.0}, "openml-server")  # the triggers still invalidate the cache
    assert kb.meta_features_frame().loc[ids[0], "Q00"] == -1.0
    with pytest.raises(KBContentError, match="dataset_id 987654"):
        kb.add_meta_features_many({ids[1]: {"Q00": 5.0}, 987654: {"Q00": 1.0}}, "openml-server")
    assert kb.meta_features_frame().loc[ids[1], "Q00"] == ids[1] * 100  # nothing written
    assert kb.check().ok


def test_add_runs_large_call_sorted_numpy_ids_and_duplicates(kb):
    ds = kb.add_datasets(
        __import__("metalearn.kb", fromlist=["DatasetInput"]).DatasetInput(f"r{i}", task_type="binary", source="t")
        for i in range(50))
    cfgs = [kb.add_configuration("SVC", {"C": float(c)}).configuration_id for c in range(1, 21)]
    rng = np.random.default_rng(0)
    n = 12_000  # above the sorting threshold
    pick_d, pick_c, scores = rng.integers(0, 50, n), rng.integers(0, 20, n), rng.random(n)
    runs = [RunInput(np.int64(ds[d]), np.int64(cfgs[c]), "accuracy", np.float64(s), "5-fold CV", openml_run_id=i % 11_000,
                     fit_time=np.float32(0.5))
            for i, (d, c, s) in enumerate(zip(pick_d, pick_c, scores))]
    assert kb.add_runs(iter(runs)) == 11_000  # openml run ids 0..999 come twice: the second is skipped
    frame = kb.runs_frame(dataset_ids=ds, metric="accuracy")
    assert len(frame) == 11_000 and frame["fit_time"].eq(0.5).all()
    expected = sorted((ds[d], cfgs[c], round(float(s), 12)) for d, c, s in zip(pick_d[:11_000], pick_c[:11_000],
                                                                                scores[:11_000]))
    got = sorted(zip(frame["dataset_id"], frame["configuration_id"], frame["score"].round(12)))
    assert got == expected
    assert kb.add_runs(iter(runs)) == 0
    with pytest.raises(KBContentError, match="configuration_id 1.5 is not an integer id"):
        kb.add_runs([RunInput(ds[0], 1.5, "accuracy", 0.5, "5-fold CV")])
    with pytest.raises(KBContentError, match="add_runs takes RunInput records, got tuple"):
        kb.add_runs([(ds[0], cfgs[0], "accuracy", 0.5, "5-fold CV")])


def _scores_from_runs_frame(kb, metric):
    frame = kb.runs_frame(metric=metric)
    frame = frame[frame["score"].notna()]
    configurations = {int(c): (a, p) for c, a, p in frame[["configuration_id", "algorithm", "params"]].itertuples(
        index=False)}
    return frame["dataset_id"].tolist(), frame["configuration_id"].tolist(), frame["score"].tolist(), configurations


def _same(scores, expected):
    return (scores.dataset_id.tolist(), scores.configuration_id.tolist(), scores.score.tolist(),
            dict(scores.configurations)) == expected


def _cache_rows(kb):
    return kb._conn.execute("SELECT part, generation FROM runs_matrix ORDER BY part").fetchall()


def test_run_scores_cache_matches_runs_frame_and_follows_writes(kb):
    for metric in ("balanced_accuracy", "r2", "no-such-metric"):
        cold = kb.run_scores(metric)
        assert _same(cold, _scores_from_runs_frame(kb, metric))
        assert {p for p, _ in _cache_rows(kb)} >= {f"{metric}:score", f"{metric}:configurations"}
        warm = kb.run_scores(metric)  # served from the cache: same content
        assert _same(warm, _scores_from_runs_frame(kb, metric)) and warm.generation == cold.generation
    assert len(kb.run_scores("r2")) == 1  # the failed run is left out
    assert len(kb.run_scores("no-such-metric")) == 0 and kb.run_scores("no-such-metric").score.dtype == np.float64
    before = kb.run_scores("balanced_accuracy")
    assert not before.score.flags.writeable

    # a new run invalidates it
    ds = kb.find_dataset(openml_id=1001).dataset_id
    ridge = kb.find_configuration("Ridge", {"alpha": 1.0}).configuration_id
    kb.add_runs([RunInput(ds, ridge, "balanced_accuracy", 0.42, "5-fold CV", fit_time=2.0)])
    after = kb.run_scores("balanced_accuracy")
    assert after.generation > before.generation and len(after) == len(before) + 1
    assert after.configurations[ridge][0] == "Ridge"
    assert _same(after, _scores_from_runs_frame(kb, "balanced_accuracy"))
    # so does any change of a score or a configuration, whoever makes it; fit times do not matter
    kb.set_openml_fit_times({5001: 9.0})
    assert kb.run_scores("balanced_accuracy").generation == after.generation
    with sqlite3.connect(kb.path) as conn:
        conn.execute("UPDATE runs SET score = 0.01 WHERE openml_run_id = 5001")
        conn.execute("UPDATE configurations SET params = '{\"C\":3.0}' WHERE configuration_id = ?",
                     (int(before.configuration_id[0]),))
    changed = kb.run_scores("balanced_accuracy")
    assert 0.01 in changed.score.tolist() and '{"C":3.0}' in {p for _, p in changed.configurations.values()}
    assert _same(changed, _scores_from_runs_frame(kb, "balanced_accuracy"))
    assert {g for _, g in _cache_rows(kb)} == {changed.generation}  # stale parts are gone


def test_run_scores_bulk_add_runs_bumps_once_and_keeps_triggers(kb):
    triggers = kb._conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").fetchall()
    assert any(name.endswith("runs_generation") for name, _ in triggers)
    first = kb.run_scores("accuracy")
    ds = kb.find_dataset(openml_id=1000).dataset_id
    cfgs = [kb.add_configuration("SVC", {"C": float(c)}).configuration_id for c in range(1, 7)]
    runs = [RunInput(ds, cfgs[i % 6], "accuracy", (i % 997) / 1000, "5-fold CV") for i in range(6_000)]  # bulk path
    assert kb.add_runs(runs) == 6_000
    assert kb._conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").fetchall() == triggers
    bulk = kb.run_scores("accuracy")
    assert bulk.generation == first.generation + 1 and len(bulk) == 6_000
    assert _same(bulk, _scores_from_runs_frame(kb, "accuracy"))


def test_run_scores_on_a_kb_that_cannot_be_written(kb):
    expected = _scores_from_runs_frame(kb, "balanced_accuracy")
    kb._conn.execute("PRAGMA query_only = ON")  # as a KB on a read-only path: every write fails
    try:
        assert _same(kb.run_scores("balanced_accuracy"), expected)
        assert _cache_rows(kb) == []  # nothing cached, nothing failed
    finally:
        kb._conn.execute("PRAGMA query_only = OFF")
    # a writer holding the lock: the reader computes the arrays at once instead of waiting for it
    with sqlite3.connect(kb.path, isolation_level=None) as other:
        other.execute("BEGIN IMMEDIATE")
        start = time.perf_counter()
        assert _same(kb.run_scores("balanced_accuracy"), expected)
        assert time.perf_counter() - start < 5.0 and _cache_rows(kb) == []
        other.execute("ROLLBACK")
    assert _same(kb.run_scores("balanced_accuracy"), expected) and _cache_rows(kb)
    assert kb.add_runs([RunInput(1, 1, "accuracy", 0.5, "5-fold CV")]) == 1  # the busy timeout is back in force
    assert kb._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000


def test_derived_data_round_trip_pruning_and_change_token(kb):
    arrays = {"i": np.arange(6, dtype=np.int64).reshape(2, 3), "f": np.array([0.5, np.nan]),
              "u": np.array([1, 0], dtype=np.uint8), "empty": np.zeros((0, 4))}
    token = kb.change_token()
    assert kb.store_derived("forest", "k0", arrays, info={"params": [{"C": 1.0}, None]}) is True
    assert kb.change_token() == token  # a cache write is not a content change
    got, info = kb.derived("forest", "k0")
    assert info == {"params": [{"C": 1.0}, None]}
    for name, value in arrays.items():
        assert got[name].dtype == value.dtype and got[name].shape == value.shape
        np.testing.assert_array_equal(got[name], value)
    assert kb.derived("forest", "other") is None and kb.derived("validated", "k0") is None
    with pytest.raises(KBError, match="store numbers only"):
        kb.store_derived("forest", "bad", {"o": np.array(["a"], dtype=object)})
    for i in range(1, 20):  # only the newest 16 entries of a name are kept
        kb.store_derived("forest", f"k{i}", {"x": np.array([i])})
    kept = [p for (p,) in kb._conn.execute("SELECT part FROM runs_matrix WHERE part LIKE 'derived:forest:%'")]
    assert len(kept) == 16 and "derived:forest:k19" in kept and kb.derived("forest", "k0") is None
    with sqlite3.connect(kb.path) as conn:  # a damaged entry is a miss, not an error
        conn.execute("UPDATE runs_matrix SET data = x'00ff' WHERE part = 'derived:forest:k19'")
    assert kb.derived("forest", "k19") is None
    assert kb.change_token() != token  # another connection committed
    token = kb.change_token()
    kb._conn.execute("PRAGMA query_only = ON")
    try:
        assert kb.store_derived("forest", "ro", {"x": np.array([1])}) is False
    finally:
        kb._conn.execute("PRAGMA query_only = OFF")
    ds = kb.find_dataset(openml_id=1000).dataset_id
    kb.add_runs([RunInput(ds, 1, "accuracy", 0.5, "5-fold CV")])
    assert kb.change_token() != token
    kb.store_derived("validated", "new", {})  # entries of older runs are dropped at the next write
    assert [p for (p,) in kb._conn.execute("SELECT part FROM runs_matrix WHERE part LIKE 'derived:%'")] == [
        "derived:validated:new"]


@pytest.mark.parametrize("file, column, bad", [
    ("datasets.csv.gz", "source_id", "s9"),
    ("qualities.csv.gz", "dataset_key", "openml:999999"),
    ("runs.csv.gz", "config_hash", "0" * 64),
])
def test_seed_row_pointing_at_an_unknown_row_is_a_clear_error(tmp_path, file, column, bad):
    seed = write_tiny_seed(tmp_path / "seed")
    with gzip.open(seed / file, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index(column)] = bad
    _write(seed / file, rows[0], rows[1:])
    listed_in = {"source_id": "sources.csv", "dataset_key": "datasets.csv.gz",
                 "config_hash": "configurations.csv.gz"}[column]
    with pytest.raises(KBError, match=rf"{file}.*line 2.*{column} '{bad}' is not in {listed_in}"):
        create_kb(tmp_path / "kb.sqlite", seed_dir=seed)
    assert not (tmp_path / "kb.sqlite").exists()


# --- register: the one way a loaded dataset and its meta-features enter the KB --------------
def test_register_stores_n_cols_as_feature_columns_and_is_idempotent(tmp_path):
    import pandas as pd

    from metalearn.data import load_dataset
    from metalearn.exceptions import KBContentError

    frame = pd.DataFrame({"a": [0.5, 1.5, 2.5, 3.5] * 6, "b": list("xyzx") * 6, "c": range(24), "y": [0, 1, 1] * 8})
    ds = load_dataset(frame, target="y")
    with KnowledgeBase.open(tmp_path / "kb.sqlite", create="empty") as kb:
        first = kb.register(ds, meta_features={"NumberOfInstances": 24.0, "ClassEntropy": float("nan")})
        again = kb.register(ds, meta_features={"NumberOfInstances": 24.0}, computed_by="metalearn 9.9")
        assert (first.n_rows, first.n_cols) == (24, 3) == (ds.n_rows, ds.n_features)
        assert again.dataset_id == first.dataset_id and again.content_hash == ds.content_hash
        assert len(kb.datasets_frame()) == 1
        long = kb.meta_features_frame([first.dataset_id], computed_by="metalearn")
        assert long["NumberOfInstances"].tolist() == [24.0]
        with pytest.raises(KBContentError, match="register takes a metalearn Dataset"):
            kb.register(frame)
