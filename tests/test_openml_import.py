"""`metalearn kb import-openml` and `load_dataset("openml:<id>")`, offline.

openml-python's real HTTP client talks to a local server (tests/openml_server.py)
that answers the OpenML API's URLs with the fixtures in tests/fixtures/openml/.
Nothing in openml is patched: only ``openml.config`` is pointed at the server.
"""

from __future__ import annotations

import json
import re

import pytest

from metalearn.exceptions import OpenMLUnavailableError
from metalearn.kb import ImportReport, import_openml
from metalearn.kb._openml import final_estimator, protocol_name

from openml_server import FIXTURES, OpenMLFixtureServer

openml = pytest.importorskip("openml")

EVALUATIONS = (FIXTURES / "api/v1/xml/evaluations.xml").read_text(encoding="utf-8")


def _values(function: str, run_ids) -> list[float]:
    out = []
    for block in re.findall(r"<oml:evaluation>.*?</oml:evaluation>", EVALUATIONS, re.S):
        run = int(re.search(r"<oml:run_id>(\d+)<", block).group(1))
        if run in run_ids and f"<oml:function>{function}<" in block:
            out.append(float(re.search(r"<oml:value>(.*?)<", block).group(1)))
    return sorted(out)


def _n_finite_qualities(data_id: int) -> int:
    text = (FIXTURES / f"api/v1/xml/data/qualities/{data_id}.xml").read_text(encoding="utf-8")
    values = re.findall(r"<oml:value>([^<]*)</oml:value>", text)
    return sum(1 for v in values if v not in ("", "NaN", "nan", "Infinity", "-Infinity"))


# Runs of task 59 the registry can take (run 900215 repeats setup 900109 of run 900209).
MAPPED_59 = {900201, 900202, 900203, 900205, 900206, 900207, 900208, 900209, 900210}


@pytest.fixture
def oml_cache(tmp_path):
    """openml.config pointed at a fresh cache; restored afterwards."""
    saved = openml.config.get_config_as_dict()
    cache = tmp_path / "openml-cache"
    openml.config.set_root_cache_directory(cache)
    openml.config.apikey = "0" * 32
    openml.config.connection_n_retries = 1
    yield cache
    openml.config.server = saved["server"]
    openml.config.apikey = saved["apikey"]
    openml.config.connection_n_retries = saved["connection_n_retries"]
    openml.config.set_root_cache_directory(saved["cachedir"])


@pytest.fixture
def server(oml_cache):
    srv = OpenMLFixtureServer().start()
    openml.config.server = srv.url
    yield srv
    srv.stop()


@pytest.fixture
def new_kb(tmp_path):
    kb_mod = pytest.importorskip("metalearn.kb")
    if not hasattr(kb_mod, "KnowledgeBase"):
        pytest.skip("metalearn.kb.KnowledgeBase is not written yet")
    pytest.importorskip("metalearn.space")
    made = []

    def make(name="kb.sqlite"):
        kb = kb_mod.KnowledgeBase.open(tmp_path / name, create="empty")
        made.append(kb)
        return kb

    yield make
    for kb in made:
        kb.close()


# --------------------------------------------------------------------------- pure helpers
@pytest.mark.parametrize("name, expected", [
    ("sklearn.ensemble.forest.RandomForestClassifier(3)", "RandomForestClassifier"),
    ("sklearn.pipeline.Pipeline(imputation=sklearn.preprocessing.imputation.Imputer,"
     "estimator=sklearn.svm.classes.SVC)", "SVC"),
    ("sklearn.pipeline.Pipeline(columntransformer=sklearn.compose._column_transformer.ColumnTransformer("
     "numeric=sklearn.pipeline.Pipeline(simpleimputer=sklearn.impute._base.SimpleImputer,"
     "standardscaler=sklearn.preprocessing._data.StandardScaler),nominal=sklearn.preprocessing._encoders."
     "OneHotEncoder),variancethreshold=sklearn.feature_selection._variance_threshold.VarianceThreshold,"
     "svc=sklearn.svm._classes.SVC)(1)", "SVC"),
    ("sklearn.ensemble.bagging.BaggingClassifier(base_estimator=sklearn.tree.tree.DecisionTreeClassifier)",
     "BaggingClassifier"),
    ("weka.J48(2)", None),
    ("mlr.classif.ranger(13)", None),
])
def test_final_estimator_of_flow_names(name, expected):
    found = final_estimator(name)
    assert (found[0] if found else None) == expected


@pytest.mark.parametrize("kind, params, expected", [
    ("crossvalidation", {"number_folds": "10", "number_repeats": "1"}, "10-fold CV"),
    ("crossvalidation", {"number_folds": "5", "number_repeats": "2"}, "2x5-fold CV"),
    ("holdout", {"percentage": "33", "number_repeats": "1"}, "holdout 33%"),
    ("leaveoneout", {}, "leave-one-out CV"),
])
def test_protocol_from_estimation_procedure(kind, params, expected):
    assert protocol_name(kind, params) == expected


# --------------------------------------------------------------------------- load_dataset("openml:<id>")
def test_load_dataset_from_server_then_from_cache(server):
    from metalearn.data import load_dataset

    online = load_dataset("openml:61")
    assert online.X.shape == (150, 4) and online.task == "multiclass" and online.openml_id == 61
    assert server.count("/data/v1/download/61/iris.arff") == 1
    server.stop()
    cached = load_dataset("openml:61")
    assert cached.content_hash == online.content_hash


def test_load_dataset_unreachable_and_not_cached(server):
    from metalearn.data import load_dataset

    server.stop()
    with pytest.raises(OpenMLUnavailableError, match="openml:61 is not in the local OpenML cache") as info:
        load_dataset("openml:61")
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------- import
def test_import_task_into_empty_kb_then_rerun_adds_nothing(server, new_kb):
    kb = new_kb()
    report = import_openml(kb, tasks=[59], progress=False)
    assert isinstance(report, ImportReport)
    assert (report.datasets_added, report.runs_added, report.runs_skipped) == (1, 9, 1)
    assert dict(report.runs_unmapped) == {
        "not a scikit-learn flow": 1,
        "estimator not in registry: BaggingClassifier": 1,
        **{k: 1 for k in report.runs_unmapped if k.startswith("parameters invalid:")},
    }
    assert report.n_unmapped == 3 and report.complete and report.evaluations_seen == 13
    assert any("n_estimators" in k for k in report.runs_unmapped if k.startswith("parameters invalid:"))

    runs = kb.runs_frame(metric="accuracy")
    assert len(runs) == 9
    assert set(runs["algorithm"]) == {"RandomForestClassifier", "SVC", "KNeighborsClassifier"}
    assert set(runs["protocol"]) == {"10-fold CV"}
    assert set(runs["source"]) == {f"openml {openml.__version__}"}
    assert sorted(runs["score"]) == pytest.approx(_values("predictive_accuracy", MAPPED_59))
    svc = [p for a, p in zip(runs["algorithm"], runs["params"]) if a == "SVC"]
    assert any('"C":10.0' in p.replace(" ", "") and '"gamma":0.01' in p.replace(" ", "") for p in svc)
    linear = [p for p in svc if '"linear"' in p]
    assert len(linear) == 1 and "gamma" not in linear[0]  # inactive for kernel="linear": left out
    assert all("verbose" not in p and "random_state" not in p for p in runs["params"])

    datasets = kb.datasets_frame()
    row = datasets[datasets["openml_id"] == 61].iloc[0]
    assert (row["task_type"], row["n_rows"], row["n_cols"]) == ("multiclass", 150, 4)
    quals = kb.meta_features_frame(computed_by="openml-server")
    assert quals.loc[datasets.index[datasets["openml_id"] == 61][0], "NumberOfInstances"] == 150
    assert report.qualities_added == quals.shape[1] == _n_finite_qualities(61)

    again = import_openml(kb, tasks=[59], progress=False)
    assert (again.datasets_added, again.runs_added, again.qualities_added) == (0, 0, 0)
    assert again.runs_skipped == 10 and again.n_unmapped == 3
    assert len(kb.runs_frame(metric="accuracy")) == 9


def test_max_runs_interrupts_and_a_rerun_resumes(server, new_kb):
    kb = new_kb()
    first = import_openml(kb, tasks=[59], max_runs=4, progress=False)
    assert first.runs_added == 4 and not first.complete
    assert len(kb.runs_frame(metric="accuracy")) == 4
    rest = import_openml(kb, tasks=[59], progress=False)
    assert rest.runs_added == 5 and rest.complete and rest.datasets_added == 0
    runs = kb.runs_frame(metric="accuracy")
    assert len(runs) == 9 and runs["configuration_id"].is_unique
    assert sorted(runs["score"]) == pytest.approx(_values("predictive_accuracy", MAPPED_59))


def test_server_error_stops_with_one_line_and_a_rerun_completes(server, new_kb):
    from metalearn.exceptions import KBError

    kb = new_kb()
    server.fail_on.append("/task/59")
    with pytest.raises(KBError, match=r"OpenML answered .*task/59 with error 999") as info:
        import_openml(kb, tasks=[59], progress=False)
    assert "\n" not in str(info.value) and len(kb.runs_frame()) == 0
    server.fail_on.clear()
    report = import_openml(kb, tasks=[59], progress=False)
    assert report.runs_added == 9 and report.datasets_added == 1


def test_suite_and_regression_measure_are_stored_higher_is_better(server, new_kb):
    kb = new_kb()
    report = import_openml(kb, suite="metalearn-fixture-suite", metric="root_mean_squared_error", progress=False)
    assert report.tasks == (59, 900301)
    assert report.runs_added == 4 and report.datasets_added == 1
    assert any("task 59 has no root_mean_squared_error evaluations" in n for n in report.notes)
    runs = kb.runs_frame(metric="neg_root_mean_squared_error")
    assert set(runs["algorithm"]) == {"RandomForestRegressor", "Ridge"}
    forests = [p for a, p in zip(runs["algorithm"], runs["params"]) if a == "RandomForestRegressor"]
    # OpenML's "mse" is "squared_error", the default, which the canonical form leaves out
    assert forests and all(json.loads(p).get("criterion", "squared_error") == "squared_error" for p in forests)
    expected = sorted(-v for v in _values("root_mean_squared_error", {900213, 900214, 900216, 900217}))
    assert sorted(runs["score"]) == pytest.approx(expected)
    ds = kb.datasets_frame()
    assert ds.loc[ds["openml_id"] == 561, "task_type"].tolist() == ["regression"]


def test_flow_filter_and_multiclass_auc(server, new_kb):
    kb = new_kb()
    report = import_openml(kb, tasks=[59], flows=[900003], metric="area_under_roc_curve", progress=False)
    assert report.runs_added == 3 and report.runs_skipped == 1 and report.n_unmapped == 0
    runs = kb.runs_frame(metric="roc_auc_ovr_weighted")
    assert set(runs["algorithm"]) == {"KNeighborsClassifier"} and len(runs) == 3
    assert "/flow/900003" in " ".join(server.requests)


def test_flows_without_tasks_import_that_flows_runs_on_every_task(server, new_kb):
    kb = new_kb()
    report = import_openml(kb, flows=[900007], metric="root_mean_squared_error", progress=False)
    assert report.tasks == (900301,) and report.runs_added == 2
    assert set(kb.runs_frame(metric="neg_root_mean_squared_error")["algorithm"]) == {"Ridge"}


def test_offline_rerun_works_from_the_cache_and_says_so(server, new_kb):
    import_openml(new_kb("a.sqlite"), tasks=[59], progress=False)
    server.stop()
    kb = new_kb("b.sqlite")
    report = import_openml(kb, tasks=[59], progress=False)
    assert report.runs_added == 9 and report.datasets_added == 1
    assert report.qualities_added == _n_finite_qualities(61)
    assert report.offline and any("read from the cache" in line for line in report.offline)
    assert "offline:" in report.summary()


def test_offline_with_nothing_cached_is_one_clear_error(server, new_kb):
    server.stop()
    with pytest.raises(OpenMLUnavailableError, match=r"cannot be reached .* not in the local cache") as info:
        import_openml(new_kb(), tasks=[59], progress=False)
    assert "\n" not in str(info.value) and "task 59" in str(info.value)


def test_bad_options_are_one_line_errors(new_kb):
    from metalearn.exceptions import KBError

    kb = new_kb()
    with pytest.raises(KBError, match="OpenML measure 'accuracy' cannot be imported"):
        import_openml(kb, tasks=[59], metric="accuracy")
    with pytest.raises(KBError, match="nothing to import"):
        import_openml(kb)


def test_cli_import_openml(server, tmp_path, new_kb):
    from click.testing import CliRunner

    from metalearn.cli import main

    path = tmp_path / "cli.sqlite"
    new_kb("cli.sqlite")
    result = CliRunner().invoke(main, ["kb", "import-openml", "--kb", str(path), "--task", "59", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "runs added: 9" in result.output


def _value_by_run(function: str) -> dict[int, float]:
    out = {}
    for block in re.findall(r"<oml:evaluation>.*?</oml:evaluation>", EVALUATIONS, re.S):
        if f"<oml:function>{function}<" in block:
            out[int(re.search(r"<oml:run_id>(\d+)<", block).group(1))] = float(
                re.search(r"<oml:value>(.*?)<", block).group(1))
    return out


def test_fit_times_come_from_the_timing_measures_and_fill_earlier_imports(server, new_kb):
    wall = _value_by_run("wall_clock_time_millis_training")
    cpu = _value_by_run("usercpu_time_millis_training")
    expected = {}
    for run_id in MAPPED_59:
        if run_id in wall:
            expected[run_id] = wall[run_id] / 1000  # wall clock preferred
        elif run_id in cpu:
            expected[run_id] = cpu[run_id] / 1000  # the CPU-time measure when the server has no wall clock
    # the fixtures cover the three cases: both measures, CPU time only, neither
    assert any(r in cpu and r not in wall for r in MAPPED_59) and any(r in wall for r in MAPPED_59)
    assert any(r not in expected for r in MAPPED_59)

    kb = new_kb()
    report = import_openml(kb, tasks=[59], progress=False)
    assert report.fit_times_added == len(expected) and "fit times from OpenML" in report.summary()
    for measure in ("wall_clock_time_millis_training", "usercpu_time_millis_training"):  # one listing each
        assert server.count(f"/evaluation/list/function/{measure}/") == 1
    runs = kb.runs_frame(metric="accuracy")
    got = dict(zip(runs["openml_run_id"].astype(int), runs["fit_time"]))
    assert {r: t for r, t in got.items() if t == t} == pytest.approx(expected)
    assert all(got[r] != got[r] for r in MAPPED_59 if r not in expected)  # no timing measure: NaN

    # an import without fit times, then a re-run (as after upgrading metalearn) fills them in
    older = new_kb("older.sqlite")
    first = import_openml(older, tasks=[59], progress=False, fit_times=False)
    assert first.runs_added == 9 and first.fit_times_added == 0
    assert kb.runs_frame(metric="accuracy")["fit_time"].notna().sum() == len(expected)
    assert older.runs_frame(metric="accuracy")["fit_time"].isna().all()
    again = import_openml(older, tasks=[59], progress=False)
    assert again.runs_added == 0 and again.fit_times_added == len(expected)
    filled = older.runs_frame(metric="accuracy")
    assert dict(zip(filled["openml_run_id"].astype(int), filled["fit_time"].fillna(-1))) == pytest.approx(
        {r: expected.get(r, -1) for r in MAPPED_59})
    assert import_openml(older, tasks=[59], progress=False).fit_times_added == 0  # nothing left to fill
