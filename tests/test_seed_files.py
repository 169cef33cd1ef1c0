"""Checks on the committed seed files in kb/seed/ (no network, no rebuild).

The files are written by scripts/build_seed.py from oboe 0.2.0, lcdb 0.1.0 and
auto-sklearn 0.15.0; kb/README.md documents what they hold.
"""

from __future__ import annotations

import doctest
import json
import math
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import get_scorer_names

from metalearn import space
from metalearn._canonical import canonical_json, config_hash

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "kb" / "seed"

# docs/DESIGN.md, "Algorithm registry"
CLASSIFIERS = {
    "AdaBoostClassifier", "BernoulliNB", "ComplementNB", "DecisionTreeClassifier", "ExtraTreeClassifier",
    "ExtraTreesClassifier", "GaussianNB", "GradientBoostingClassifier", "HistGradientBoostingClassifier",
    "KNeighborsClassifier", "LinearDiscriminantAnalysis", "LinearSVC", "LogisticRegression", "MLPClassifier",
    "MultinomialNB", "PassiveAggressiveClassifier", "Perceptron", "QuadraticDiscriminantAnalysis",
    "RandomForestClassifier", "RidgeClassifier", "SGDClassifier", "SVC",
}
REGRESSORS = {
    "AdaBoostRegressor", "ARDRegression", "DecisionTreeRegressor", "ElasticNet", "ExtraTreesRegressor",
    "GaussianProcessRegressor", "GradientBoostingRegressor", "HistGradientBoostingRegressor",
    "KNeighborsRegressor", "Lasso", "LinearSVR", "MLPRegressor", "RandomForestRegressor", "Ridge",
    "SGDRegressor", "SVR",
}
UNIT_INTERVAL = ("accuracy", "balanced_accuracy", "roc_auc", "average_precision", "f1", "precision", "recall")
REGRESSION_METRICS = {"r2", "neg_mean_squared_error", "neg_root_mean_squared_error", "neg_mean_absolute_error",
                      "neg_mean_squared_log_error", "neg_median_absolute_error"}


@lru_cache(maxsize=None)
def table(name: str) -> pd.DataFrame:
    return pd.read_csv(SEED / name, keep_default_na=False, na_values=[""], dtype={"openml_run_id": "Int64"})


def test_every_row_has_a_known_source_with_provenance():
    sources = table("sources.csv")
    assert sources["source_id"].is_unique
    for column in ("package", "version", "file", "license", "description"):
        assert sources[column].notna().all() and (sources[column].str.strip() != "").all(), column
    assert set(sources["package"]) == {"oboe", "lcdb", "auto-sklearn"}
    assert set(sources["license"]) <= {"BSD-3-Clause", "MIT"}
    known = set(sources["source_id"])
    for name in ("datasets.csv.gz", "qualities.csv.gz", "configurations.csv.gz", "runs.csv.gz"):
        unknown = set(table(name)["source_id"]) - known
        assert not unknown, f"{name}: source_id(s) {sorted(unknown)[:5]} missing from sources.csv"


def test_counts_meet_the_targets():
    datasets, runs, qualities = table("datasets.csv.gz"), table("runs.csv.gz"), table("qualities.csv.gz")
    with_runs = set(runs["dataset_key"])
    openml = datasets[datasets["openml_id"].notna() & datasets["dataset_key"].isin(with_runs)]
    assert len(openml) >= 400
    assert len(runs) >= 90_000
    server = qualities[qualities["computed_by"] == "openml-server"]
    assert server["dataset_key"].nunique() >= 200
    regression_keys = set(datasets.loc[datasets["task_type"] == "regression", "dataset_key"])
    regression_runs = runs[runs["dataset_key"].isin(regression_keys)]
    assert len(regression_runs) > 0
    assert set(regression_runs["metric"]) <= REGRESSION_METRICS
    # every package contributes runs
    packages = table("sources.csv").set_index("source_id")["package"]
    assert set(runs["source_id"].map(packages)) == {"oboe", "lcdb", "auto-sklearn"}


def test_keys_are_consistent_across_files():
    datasets, runs, qualities = table("datasets.csv.gz"), table("runs.csv.gz"), table("qualities.csv.gz")
    configs = table("configurations.csv.gz")
    assert datasets["dataset_key"].is_unique and configs["config_hash"].is_unique
    assert set(datasets["task_type"]) <= {"binary", "multiclass", "classification", "regression"}
    has_id = datasets["openml_id"].notna()
    assert (datasets.loc[has_id, "dataset_key"] == "openml:" + datasets.loc[has_id, "openml_id"].astype(int).astype(str)).all()
    assert not datasets.loc[~has_id, "dataset_key"].str.startswith("openml:").any()
    assert set(runs["dataset_key"]) <= set(datasets["dataset_key"])
    assert set(qualities["dataset_key"]) <= set(datasets["dataset_key"])
    assert set(runs["config_hash"]) <= set(configs["config_hash"])
    assert not qualities.duplicated(["dataset_key", "name", "computed_by"]).any()
    assert np.isfinite(qualities["value"]).all()
    names = qualities["name"]
    by = qualities["computed_by"]
    assert (names[by == "auto-sklearn 0.15.0"].str.startswith("autosklearn.")).all()
    assert not names[by == "openml-server"].str.contains(".", regex=False).any()
    assert set(by) == {"openml-server", "auto-sklearn 0.15.0"}


def test_no_duplicate_runs_and_scores_are_plausible():
    runs = table("runs.csv.gz")
    assert not runs.duplicated(["dataset_key", "config_hash", "metric", "protocol"]).any()
    assert (runs["status"] == "ok").all()
    assert np.isfinite(runs["score"]).all()
    assert set(runs["metric"]) <= set(get_scorer_names())
    for metric, scores in runs.groupby("metric")["score"]:
        if metric.startswith(UNIT_INTERVAL):
            assert scores.between(0.0, 1.0).all(), metric
        elif metric.startswith("neg_"):
            assert (scores <= 0.0).all(), metric
        elif metric == "r2":
            assert (scores <= 1.0).all(), metric
        else:
            pytest.fail(f"metric {metric} has no plausibility rule")
    fit = runs["fit_time"].dropna()
    assert (fit >= 0).all() and len(fit) > 0.9 * len(runs[~runs["source_id"].str.startswith("autosklearn")])
    # classification metrics only on classification datasets and vice versa
    task = table("datasets.csv.gz").set_index("dataset_key")["task_type"]
    is_regression = runs["dataset_key"].map(task) == "regression"
    assert runs.loc[is_regression, "metric"].isin(REGRESSION_METRICS).all()
    assert not runs.loc[~is_regression, "metric"].isin(REGRESSION_METRICS).any()


def test_every_configuration_is_canonical_and_instantiates():
    """Every configuration builds, as metalearn builds it for the installed scikit-learn, into an
    estimator that passes scikit-learn's own parameter validation, with no deprecation warning
    (LogisticRegression's ``penalty`` and PassiveAggressiveClassifier are translated)."""
    configs = table("configurations.csv.gz")
    task = table("datasets.csv.gz").set_index("dataset_key")["task_type"]
    runs = table("runs.csv.gz")
    on_regression = set(runs.loc[runs["dataset_key"].map(task) == "regression", "config_hash"])
    X = np.zeros((4, 2))
    for row in configs.itertuples(index=False):
        params = json.loads(row.params)
        assert canonical_json(params) == row.params
        assert config_hash(row.algorithm, params) == row.config_hash
        registry = REGRESSORS if row.config_hash in on_regression else CLASSIFIERS
        assert row.algorithm in registry, row.algorithm
        with warnings.catch_warnings():
            warnings.simplefilter("error", FutureWarning)
            warnings.simplefilter("error", DeprecationWarning)
            estimator = space.make_pipeline(row.algorithm, params, X)[-1]
            estimator._validate_params()  # scikit-learn's own constraint check, without fitting


def test_oboe_lcdb_and_autosklearn_content_matches_their_protocols():
    runs = table("runs.csv.gz")
    sources = table("sources.csv").set_index("source_id")
    package = runs["source_id"].map(sources["package"])
    oboe = runs[package == "oboe"]
    assert len(oboe) == 418 * 219  # the full error matrix, no gaps
    assert set(oboe["metric"]) == {"balanced_accuracy"} and oboe["protocol"].nunique() == 1
    lcdb = runs[package == "lcdb"]
    assert set(lcdb["metric"]) == {"accuracy", "roc_auc", "f1", "neg_log_loss"}
    assert lcdb["protocol"].str.fullmatch(r"learning curve \(train size \d+\), mean of \d+ seeds").all()
    configs = table("configurations.csv.gz").set_index("config_hash")
    lcdb_configs = configs.loc[sorted(set(lcdb["config_hash"]))]
    assert len(lcdb_configs) == 20
    assert set(lcdb_configs["params"]) <= {"{}", '{"kernel":"poly"}', '{"kernel":"rbf"}', '{"kernel":"sigmoid"}'}
    ask = runs[package == "auto-sklearn"]
    assert ask["fit_time"].isna().all()
    assert ask["dataset_key"].str.startswith(("openml:", "autosklearn:", "autosklearn-regression:")).all()


def test_seed_is_compact():
    total = sum(path.stat().st_size for path in SEED.iterdir() if path.is_file())
    assert total < 5_000_000


def test_build_script_translations():
    from metalearn._seedtools import autosklearn, autosklearn_map, build_seed, lcdb, oboe, output, sources
    from metalearn._seedtools import autosklearn_map as ask  # the translations of auto-sklearn configurations
    from metalearn._seedtools import records  # the provenance record build_seed and grow_seed.py share

    for module in (build_seed, sources, oboe, lcdb, autosklearn, autosklearn_map, output):
        assert doctest.testmod(module, verbose=False).failed == 0, module.__name__
    assert doctest.testmod(records, verbose=False).failed == 0
    assert sources.Source is records.Source and output.SEED_HEADERS is records.SEED_HEADERS
    ctx = ask.AskContext(n_features=100.0, balanced=True)
    assert ask.exponent_max_features(1.0, ctx) is None
    assert ask.exponent_max_features(0.0, ctx) == 1
    assert ask.exponent_max_features(0.5, ctx) == "sqrt"
    assert math.isclose(ask.exponent_max_features(0.25, ctx), 0.03)  # int(100 ** 0.25) = 3 of 100
    assert ask.depth_from_factor(0.7, ctx) == 1           # auto-sklearn truncates the factor to int first
    assert ask.depth_from_factor(1.9, ctx) == 100
    assert ask.depth_from_factor("None", ctx) is None
    with pytest.raises(ask.Unmapped):
        ask.depth_from_factor(1.5, ask.AskContext(n_features=None, balanced=False))
    cfg = {"classifier:__choice__": "libsvm_svc", "balancing:strategy": "weighting",
           "classifier:libsvm_svc:C": 2.0, "classifier:libsvm_svc:kernel": "rbf",
           "classifier:libsvm_svc:gamma": 0.1, "classifier:libsvm_svc:shrinking": True,
           "classifier:libsvm_svc:tol": 0.001, "classifier:libsvm_svc:max_iter": -1}
    assert ask.map_autosklearn(cfg, regression=False, n_features=5.0) == (
        "SVC", {"C": 2.0, "kernel": "rbf", "degree": 3, "gamma": 0.1, "coef0": 0.0, "shrinking": True,
                "tol": 0.001, "max_iter": -1, "class_weight": "balanced"})
    ada = {"classifier:__choice__": "adaboost", "classifier:adaboost:max_depth": 4,
           "classifier:adaboost:n_estimators": 50, "classifier:adaboost:learning_rate": 0.5,
           "classifier:adaboost:algorithm": "SAMME", "balancing:strategy": "weighting"}
    assert ask.map_autosklearn(ada, regression=False, n_features=5.0) == (
        "AdaBoostClassifier", {"n_estimators": 50, "learning_rate": 0.5, "estimator__max_depth": 4})
    ada["classifier:adaboost:max_depth"] = 1  # scikit-learn's default depth: not stored, same identity as before
    assert ask.map_autosklearn(ada, regression=False, n_features=5.0)[1] == {"n_estimators": 50, "learning_rate": 0.5}
    ada_reg = {"regressor:__choice__": "adaboost", "regressor:adaboost:max_depth": 3, "regressor:adaboost:loss": "square",
               "regressor:adaboost:n_estimators": 80, "regressor:adaboost:learning_rate": 0.1}
    assert ask.map_autosklearn(ada_reg, regression=True, n_features=5.0)[1] == {
        "n_estimators": 80, "learning_rate": 0.1, "loss": "square"}
    ada_reg["regressor:adaboost:max_depth"] = 8
    assert ask.map_autosklearn(ada_reg, regression=True, n_features=5.0)[1]["estimator__max_depth"] == 8
    with pytest.raises(ask.Unmapped, match="kernel"):
        ask.map_autosklearn({"regressor:__choice__": "gaussian_process"}, regression=True, n_features=5.0)
    assert autosklearn.AUTOSKLEARN_METRICS["log_loss"][1][1](0.3) == -0.3
    assert math.isclose(autosklearn.AUTOSKLEARN_METRICS["r2"][1][1](0.25), 0.75)
    assert autosklearn.folder_parts("f1_macro_multiclass.classification_sparse") == (
        "f1_macro", "multiclass.classification", "sparse")


@pytest.mark.parametrize("script", ["build_seed.py", "make_openml_fixtures.py"])
def test_seed_scripts_are_thin_wrappers_over_the_installed_package(script):
    import subprocess
    import sys

    text = (REPO / "scripts" / script).read_text()
    assert "sys.path" not in text and "from metalearn._seedtools." in text
    if script == "build_seed.py":  # the wrapper passes the checkout, so the default output is its kb/seed
        out = subprocess.run([sys.executable, str(REPO / "scripts" / script), "--help"],
                             capture_output=True, text=True, cwd="/", check=True)
        assert "--check" in out.stdout and str(REPO / "kb" / "seed") in " ".join(out.stdout.split())
