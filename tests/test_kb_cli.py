"""The `metalearn kb info|check|export|init|upgrade` commands, on a KB made from a tiny seed."""

from __future__ import annotations

import csv
import json
import sqlite3

import pyarrow.parquet as pq
from click.testing import CliRunner

from metalearn.cli import main
from metalearn.kb import EXPORT_TABLES, SCHEMA_VERSION
from metalearn.kb._schema import migrate
from test_kb import write_tiny_seed


def _run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def test_init_info_check_export(tmp_path):
    seed = write_tiny_seed(tmp_path / "seed")
    path = tmp_path / "kb.sqlite"
    code, out = _run("kb", "init", "--kb", path, "--seed-dir", seed)
    assert code == 0 and "5 datasets, 10 runs" in out
    code, out = _run("kb", "info", "--kb", path)
    assert code == 0
    assert "tinyseed 1.0 data/runs.csv" in out and "balanced_accuracy" in out and "multiclass" in out
    code, out = _run("kb", "info", "--kb", path, "--json")
    info = json.loads(out)
    assert info["n_runs"] == 10 and info["runs_by_metric"] == {"balanced_accuracy": 8, "r2": 2}
    assert info["size_bytes"] > 0
    code, out = _run("kb", "check", "--kb", path)
    assert code == 0 and "integrity ok" in out and "0 issue(s)" in out
    code, out = _run("kb", "export", "--kb", path, "--format", "csv", "--output", tmp_path / "csv")
    assert code == 0
    with open(tmp_path / "csv" / "runs.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 10 and {"run_id", "score", "metric_id", "source_id"} <= set(rows[0])
    code, out = _run("kb", "export", "--kb", path, "--format", "parquet", "--output", tmp_path / "pq")
    assert code == 0
    assert sorted(p.stem for p in (tmp_path / "pq").iterdir()) == sorted(EXPORT_TABLES)
    assert pq.read_table(tmp_path / "pq" / "meta_features.parquet").num_rows == 16
    code, out = _run("kb", "init", "--kb", path, "--empty")
    assert code == 2 and "already exists" in out


def test_check_reports_crafted_rows_and_exits_1(tmp_path):
    path = tmp_path / "kb.sqlite"
    assert _run("kb", "init", "--kb", path, "--empty")[0] == 0
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO sources (name) VALUES ('crafted')")
        conn.execute("INSERT INTO algorithms (name) VALUES ('subprocess.Popen')")
        conn.execute("INSERT INTO configurations (algorithm_id, params, config_hash, source_id) "
                     "VALUES (1, '[\"rm\", \"-rf\"]', 'x', 1)")
    code, out = _run("kb", "check", "--kb", path, "--json")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    assert [issue["kind"] for issue in report["issues"]] == ["malformed parameters"]


def test_broken_files_name_the_fix(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"\x00\x01 not sqlite" * 100)
    code, out = _run("kb", "info", "--kb", bad)
    assert code == 2 and out.startswith(f"Error: {bad} is not a metalearn knowledge base (not an SQLite file)")
    assert "metalearn kb init --from-seed --force --kb" in out
    assert _run("kb", "init", "--kb", bad, "--empty", "--force")[0] == 0
    assert _run("kb", "check", "--kb", bad)[0] == 0
    old = tmp_path / "old.sqlite"
    conn = sqlite3.connect(old, isolation_level=None)
    migrate(conn, target=1)
    conn.close()
    code, out = _run("kb", "info", "--kb", old)
    assert code == 2 and f"run `metalearn kb upgrade --kb {old}`" in out
    code, out = _run("kb", "upgrade", "--kb", old)
    assert code == 0 and f"schema version 1 -> {SCHEMA_VERSION}" in out
    assert _run("kb", "info", "--kb", old)[0] == 0


def test_fresh_install_kb_info_shows_the_shipped_seed(tmp_path, monkeypatch):
    """No --kb, no KB yet: the default KB is created from the repository's kb/seed, offline."""
    from metalearn.kb import find_seed

    seed = find_seed()
    packages = set()
    for sources in seed.glob("*sources.csv"):  # the main set and the project's own (metalearn-sources.csv)
        with open(sources, newline="") as handle:
            packages |= {row["package"] for row in csv.DictReader(handle)}
    default = tmp_path / "data" / "metalearn" / "kb.sqlite"
    monkeypatch.setenv("METALEARN_KB", str(default))
    seed_files = {p.name: p.stat().st_mtime_ns for p in seed.iterdir()}
    result = CliRunner().invoke(main, ["kb", "info", "--json"])
    assert result.exit_code == 0, result.output
    assert "from the bundled seed (first use)" in result.stderr  # the progress line goes to stderr
    info = json.loads(result.stdout)
    assert info["path"] == str(default) and default.exists()
    assert info["n_runs"] > 1000 and info["n_datasets"] > 100
    run_packages = {name.split(" ")[0] for name in info["runs_by_source"]}
    assert run_packages <= packages  # sources.csv files also name where datasets came from
    assert {"oboe", "lcdb", "auto-sklearn", "metalearn"} <= run_packages
    assert {p.name: p.stat().st_mtime_ns for p in seed.iterdir()} == seed_files  # the seed is never written
