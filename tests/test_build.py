"""kb build: portfolios, manifests, real builds, resume, failures, and a driver killed mid-build."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from metalearn import space
from metalearn.build import (
    BuildReport,
    build_kb,
    expand_datasets,
    parse_portfolio_spec,
    read_manifest,
    resolve_portfolio,
)
from metalearn.exceptions import (
    ConfigurationError,
    DataError,
    DataFileNotFoundError,
    UnknownAlgorithmError,
)
from metalearn.exceptions import MetaLearnError
from metalearn.kb import KnowledgeBase, RunInput

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples"
ZOO, CPU, PENGUINS = EXAMPLES / "zoo.csv", EXAMPLES / "cpu.csv", EXAMPLES / "penguins.csv"

CHEAP = [
    {"algorithm": "GaussianNB", "params": {}},
    {"algorithm": "DecisionTreeClassifier", "params": {"max_depth": 3}},
    {"algorithm": "Ridge", "params": {"alpha": 1.0}},
    {"algorithm": "DecisionTreeRegressor", "params": {"max_depth": 3}},
]


@pytest.fixture
def kb_path(tmp_path):
    path = tmp_path / "kb.sqlite"
    KnowledgeBase.open(path, create="empty").close()
    return path


@pytest.fixture
def cheap_portfolio(tmp_path):
    path = tmp_path / "portfolio.json"
    path.write_text(json.dumps(CHEAP))
    return path


def _duplicates(kb: KnowledgeBase) -> int:
    runs = kb.runs_frame(status=None)
    return int(runs.duplicated(["dataset_id", "configuration_id", "metric", "protocol"]).sum())


# --- portfolios ----------------------------------------------------------------------------
def test_defaults_portfolio_covers_every_algorithm_of_the_family():
    for family in ("classification", "regression"):
        names = [name for name, _ in resolve_portfolio("defaults", family)]
        assert sorted(names) == sorted(space.algorithms_for(family))


def test_random_portfolio_is_seeded_valid_and_of_the_right_family():
    a = resolve_portfolio("random:12", "regression", seed=3)
    b = resolve_portfolio("random:12", "regression", seed=3)
    c = resolve_portfolio("random:12", "regression", seed=4)
    assert a == b and a != c
    assert 1 < len(a) <= 12
    for name, params in a:
        assert name in space.algorithms_for("regression")
        assert space.validate_params(name, params) == params


def test_file_portfolio_json_and_csv_filtered_by_task(tmp_path, cheap_portfolio):
    assert [n for n, _ in resolve_portfolio(str(cheap_portfolio), "binary")] == ["GaussianNB", "DecisionTreeClassifier"]
    csv_path = tmp_path / "p.csv"
    csv_path.write_text('algorithm,params\nRidge,"{""alpha"": 2.0}"\nLasso,\n')
    got = resolve_portfolio(str(csv_path), "regression")
    assert [n for n, _ in got] == ["Ridge", "Lasso"] and got[0][1]["alpha"] == 2.0


def test_file_portfolio_with_unknown_algorithm_names_it(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps([{"algorithm": "XGBoostClassifier", "params": {}}]))
    with pytest.raises(UnknownAlgorithmError, match="XGBoostClassifier"):
        resolve_portfolio(str(path), "binary")


@pytest.mark.parametrize("spec", ["random:0", "kb-top:", "best:3", "no/such/file.json"])
def test_bad_portfolio_specs_raise_one_line(spec):
    with pytest.raises(ConfigurationError, match="portfolio") as info:
        parse_portfolio_spec(spec)
    assert "\n" not in str(info.value)


def test_kb_top_ranks_configurations_by_mean_rank_over_datasets(kb_path):
    with KnowledgeBase.open(kb_path) as kb:
        confs = [kb.add_configuration("DecisionTreeClassifier", {"max_depth": d}) for d in (1, 2, 3)]
        # max_depth=2 is best on both datasets, max_depth=1 worst; scales differ between datasets.
        for k, scores in enumerate([(0.5, 0.9, 0.7), (0.1, 0.3, 0.2)]):
            ds = kb.add_dataset(f"d{k}", task_type="binary", source="test", content_hash=f"h{k}")
            kb.add_runs(RunInput(ds.dataset_id, c.configuration_id, "balanced_accuracy", s, "5-fold CV")
                        for c, s in zip(confs, scores))
        top = resolve_portfolio("kb-top:2", "binary", kb=kb)
        assert [p["max_depth"] for _, p in top] == [2, 3]
        with pytest.raises(ConfigurationError, match="no ok regression runs"):
            resolve_portfolio("kb-top:2", "regression", kb=kb)


# --- datasets and manifests ----------------------------------------------------------------
def test_folder_expands_to_its_data_files_and_target_applies(tmp_path):
    entries = expand_datasets([EXAMPLES], target="class")
    assert [Path(e.source).name for e in entries] == sorted(p.name for p in EXAMPLES.glob("*.csv"))
    assert {e.target for e in entries} == {"class"}


def test_manifest_csv_resolves_relative_paths_and_targets(tmp_path):
    manifest = tmp_path / "m.csv"
    rel = os.path.relpath(ZOO, tmp_path)
    manifest.write_text(f"path,target,task\n{rel},type,multiclass\nopenml:61,,\n")
    entries = read_manifest(manifest)
    assert Path(entries[0].source).resolve() == ZOO and entries[0].target == "type" and entries[0].task == "multiclass"
    assert entries[1].source == "openml:61" and entries[1].target is None


def test_bad_dataset_inputs_raise_one_line_errors(tmp_path):
    with pytest.raises(DataFileNotFoundError, match="missing.csv"):
        expand_datasets([tmp_path / "missing.csv"])
    with pytest.raises(DataFileNotFoundError, match="has no data files"):
        expand_datasets([tmp_path])
    bad = tmp_path / "m.json"
    bad.write_text(json.dumps([{"target": "x"}]))
    with pytest.raises(DataError, match="row 1: empty 'path'"):
        read_manifest(bad)
    with pytest.raises(DataError, match="no datasets"):
        expand_datasets([])


# --- real builds -----------------------------------------------------------------------------
def test_build_writes_every_run_once_and_resume_adds_nothing(kb_path, cheap_portfolio):
    report = build_kb([ZOO, CPU], kb=kb_path, portfolio=str(cheap_portfolio), cv=3, n_jobs=2, progress=False)
    assert isinstance(report, BuildReport)
    assert (report.n_datasets, report.n_planned, report.n_skipped) == (2, 4, 0)
    assert report.n_added == 4 and report.n_ok == 4, report.failures
    with KnowledgeBase.open(kb_path, create=False) as kb:
        runs = kb.runs_frame(status=None)
        assert len(runs) == 4 and _duplicates(kb) == 0
        assert set(runs["protocol"]) == {"3-fold CV"}
        assert set(runs["metric"]) == {"balanced_accuracy", "r2"}
        assert set(runs["source"]) == {f"metalearn {__import__('metalearn').__version__}"}
        # the datasets were characterized on the way
        assert len(kb.meta_features_frame()) == 2
    again = build_kb([ZOO, CPU], kb=kb_path, portfolio=str(cheap_portfolio), cv=3, progress=False)
    assert (again.n_added, again.n_skipped) == (0, 4)
    # a different protocol is a different run
    more = build_kb([CPU], kb=kb_path, portfolio=str(cheap_portfolio), cv=2, progress=False, characterize=False)
    assert (more.n_added, more.n_skipped) == (2, 0)


def test_failed_and_timed_out_evaluations_are_recorded_with_their_status(kb_path, tmp_path):
    portfolio = tmp_path / "p.json"
    portfolio.write_text(json.dumps([
        {"algorithm": "GaussianNB", "params": {}},
        {"algorithm": "RandomForestClassifier", "params": {"n_estimators": 2000}},
    ]))
    report = build_kb([PENGUINS], kb=kb_path, portfolio=str(portfolio), timeout=4.0, characterize=False,
                      progress=False)
    assert report.by_status.get("timeout") == 1 and report.n_ok == 1
    assert any("RandomForestClassifier" in line and "timeout" in line for line in report.failures)
    with KnowledgeBase.open(kb_path, create=False) as kb:
        runs = kb.runs_frame(status=None).set_index("algorithm")
        assert runs.at["RandomForestClassifier", "status"] == "timeout"
        assert runs.at["GaussianNB", "status"] == "ok"
    # knowing what fails is knowledge: the failed run is not repeated either
    assert build_kb([PENGUINS], kb=kb_path, portfolio=str(portfolio), timeout=1.0, characterize=False,
                    progress=False).n_added == 0


# --- the driver killed mid-build -------------------------------------------------------------
def _count_runs(path: Path) -> int:
    try:
        with KnowledgeBase.open(path, create=False) as kb:
            return len(kb.runs_frame(status=None))
    except Exception:  # noqa: BLE001 - the KB may be locked for a moment by the writer
        return -1


def test_cli_build_killed_then_restarted_completes_without_duplicates(kb_path, tmp_path):
    portfolio = tmp_path / "p.json"
    portfolio.write_text(json.dumps(
        [{"algorithm": "DecisionTreeClassifier", "params": {"max_depth": d}} for d in range(1, 5)]
        + [{"algorithm": "DecisionTreeRegressor", "params": {"max_depth": d}} for d in range(1, 5)]
    ))
    cmd = [sys.executable, "-m", "metalearn.cli", "kb", "build", str(ZOO), str(CPU), "--kb", str(kb_path),
           "--portfolio", str(portfolio), "--cv", "2", "--no-progress", "--no-characterize", "--json"]
    total = 8
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _count_runs(kb_path) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = _count_runs(kb_path)
    assert 2 <= done < total, f"kill came too late or too early: {done} runs"

    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["n_skipped"] >= done and report["n_skipped"] + report["n_added"] == total
    with KnowledgeBase.open(kb_path, create=False) as kb:
        assert len(kb.runs_frame(status=None)) == total and _duplicates(kb) == 0


def test_cli_build_without_datasets_is_a_one_line_error(kb_path):
    from click.testing import CliRunner

    from metalearn.cli import main

    res = CliRunner().invoke(main, ["kb", "build", "--kb", str(kb_path)])
    assert res.exit_code == 2 and res.output.startswith("Error: no datasets")


def test_cli_build_metrics_adds_one_run_per_metric_and_rejects_a_metric_of_no_task(kb_path, tmp_path):
    from click.testing import CliRunner

    from metalearn.cli import main

    portfolio = tmp_path / "p.json"
    portfolio.write_text(json.dumps([{"algorithm": "GaussianNB"}]))
    base = ["kb", "build", str(PENGUINS), "--kb", str(kb_path), "--portfolio", str(portfolio), "--cv", "3",
            "--no-characterize", "--no-progress"]
    res = CliRunner().invoke(main, [*base, "--metrics", "accuracy", "--metrics", "f1_macro", "--json"])
    assert res.exit_code == 0, res.output
    with KnowledgeBase.open(kb_path) as kb:
        runs = kb.runs_frame(status=None)
    runs = runs[(runs["algorithm"] == "GaussianNB") & (runs["protocol"] == "3-fold CV")]
    assert sorted(runs["metric"]) == ["accuracy", "balanced_accuracy", "f1_macro"]
    assert set(runs["status"]) == {"ok"}
    for bad, says in (["--metrics", "acuracy"], "unknown metric 'acuracy'"), (["--metrics", "r2"], "r2 fit none"):
        res = CliRunner().invoke(main, [*base, *bad])
        assert res.exit_code == 2 and res.stderr.startswith("Error: ") and says in res.stderr, res.output
        assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.output


def test_resume_check_uses_the_protocol_evaluate_reports(kb_path, cheap_portfolio):
    # zoo's smallest class has 4 rows: evaluate runs 4 folds when asked for 5
    from metalearn.build._driver import expected_protocol
    from metalearn.data import load_dataset
    from metalearn.evaluate import evaluate

    ds = load_dataset(ZOO)
    res = evaluate("GaussianNB", {}, ds.X, ds.y, task=ds.task, cv=5)
    assert expected_protocol(ds, 5, None) == res.protocol != "5-fold CV"


def _evaluate_but_break_on_trees(name, params, X, y, **kwargs):
    """The real evaluate, except that it raises for one algorithm (a stand-in for a bug in metalearn)."""
    from metalearn.evaluate import evaluate

    if name == "DecisionTreeClassifier":
        raise RuntimeError("simulated bug\nsecond line")
    return evaluate(name, params, X, y, **kwargs)


def test_an_evaluation_that_raises_is_reported_not_recorded_and_retried(kb_path, cheap_portfolio):
    report = build_kb([PENGUINS], kb=kb_path, portfolio=str(cheap_portfolio), characterize=False, progress=False,
                      evaluator=_evaluate_but_break_on_trees)
    assert (report.n_added, report.n_errors) == (1, 1)
    assert any("not recorded: RuntimeError: simulated bug" in line for line in report.failures)
    again = build_kb([PENGUINS], kb=kb_path, portfolio=str(cheap_portfolio), characterize=False, progress=False)
    assert (again.n_skipped, again.n_added) == (1, 1)


def test_one_fit_writes_one_run_per_metric_and_resume_runs_only_missing_metrics(tmp_path):
    """build_kb(metrics=...) scores extra metrics from the same fit; a second build adds nothing."""
    kb_path = tmp_path / "kb.sqlite"
    wine = ROOT / "data" / "examples" / "wine.csv"
    metrics = {"multiclass": ["accuracy", "f1_macro", "neg_log_loss"]}
    portfolio = tmp_path / "p.json"
    portfolio.write_text(json.dumps([{"algorithm": "GaussianNB"}, {"algorithm": "SVC", "params": {"C": 1.0}}]))
    report = build_kb([str(wine)], kb=str(kb_path), target="cultivar", portfolio=str(portfolio), metrics=metrics,
                      cv=3, progress=False, characterize=False, timeout=60)
    assert report.n_ok == 2 and report.n_failed == 0
    with KnowledgeBase.open(kb_path) as kb:
        runs = kb.runs_frame(status=None)
    runs = runs[runs["algorithm"].isin(["GaussianNB", "SVC"]) & (runs["protocol"] == "3-fold CV")]
    assert sorted(runs["metric"].unique()) == ["accuracy", "balanced_accuracy", "f1_macro", "neg_log_loss"]
    assert len(runs) == 8
    nb = runs[runs["algorithm"] == "GaussianNB"].set_index("metric")
    assert nb.loc["accuracy", "status"] == "ok" and 0.9 < nb.loc["accuracy", "score"] <= 1.0
    assert nb.loc["neg_log_loss", "score"] < 0
    # SVC (no probability=True) has no predict_proba: its log-loss run is failed with a reason, the others ok
    svc = runs[runs["algorithm"] == "SVC"].set_index("metric")
    assert svc.loc["neg_log_loss", "status"] == "failed" and "could not be computed" in svc.loc["neg_log_loss", "error"]
    assert svc.loc["balanced_accuracy", "status"] == "ok"
    again = build_kb([str(wine)], kb=str(kb_path), target="cultivar", portfolio=str(portfolio), metrics=metrics,
                     cv=3, progress=False, characterize=False, timeout=60)
    assert again.n_added == 0 and again.n_skipped == 2
    with pytest.raises(MetaLearnError, match="'r2' is a regression metric"):
        build_kb([str(wine)], kb=str(kb_path), target="cultivar", portfolio=str(portfolio),
                 metrics={"multiclass": ["r2"]}, cv=3, progress=False, characterize=False)
