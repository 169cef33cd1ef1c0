"""The warm-started search: budgets, failures in worker processes, write-back, results, CLI."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import joblib
import pytest
from click.testing import CliRunner

from metalearn.cli import main
from metalearn.data import load_dataset
from metalearn.exceptions import SearchError
from metalearn.kb import KnowledgeBase
from metalearn.searcher import SearchResult, search

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
FAST = ("GaussianNB", "LogisticRegression", "DecisionTreeClassifier", "KNeighborsClassifier")


@pytest.fixture(scope="module")
def wine():
    return load_dataset(EXAMPLES / "wine.csv", "cultivar")


@pytest.fixture()
def kb_path(tmp_path):
    return tmp_path / "kb.sqlite"


def test_cold_search_writes_every_run_and_reuses_the_dataset(wine, kb_path):
    res = search(wine, n_trials=4, warm_start=False, kb=kb_path, seed=0, algorithms=FAST, cv=3, trial_timeout=60)
    assert isinstance(res, SearchResult)
    assert [t.number for t in res.trials] == [0, 1, 2, 3]
    assert res.metric == "balanced_accuracy" and res.protocol == "3-fold CV"
    assert 0.5 < res.best_score <= 1.0
    assert res.best_score == max(t.score for t in res.trials if t.status == "ok")
    assert res.algorithm in FAST and not any(t.warm_start for t in res.trials)
    predicted = res.model.predict(wine.X[:5])
    assert len(predicted) == 5 and set(predicted) <= set(wine.y.unique())
    with KnowledgeBase.open(kb_path, create=False) as kb:
        ds = kb.find_dataset(content_hash=wine.content_hash)
        assert ds is not None and ds.dataset_id == res.kb_dataset_id
        runs = kb.runs_frame(dataset_ids=[ds.dataset_id], status=None)
        assert len(runs) == 4
        assert sorted(runs["score"].dropna().round(10)) == sorted(round(t.score, 10) for t in res.trials if t.status == "ok")
        n_mf = kb.meta_features_frame([ds.dataset_id]).shape[1]
        assert n_mf > 10
        n_datasets = len(kb.datasets_frame())
    again = search(wine, n_trials=2, warm_start=False, kb=kb_path, seed=1, algorithms=FAST, cv=3)
    assert again.kb_dataset_id == res.kb_dataset_id and again.search_id != res.search_id
    with KnowledgeBase.open(kb_path, create=False) as kb:
        assert len(kb.datasets_frame()) == n_datasets
        assert len(kb.runs_frame(dataset_ids=[res.kb_dataset_id], status=None)) == 6
        assert kb.meta_features_frame([res.kb_dataset_id]).shape[1] == n_mf


def test_warm_start_enqueues_the_recommendations_first(wine, kb_path):
    from metalearn import space
    from metalearn.recommender import recommend

    KnowledgeBase.open(kb_path, create="seed").close()
    exclude = ("openml:187",)
    with KnowledgeBase.open(kb_path, create=False) as kb:
        recs = recommend(wine, kb=kb, top=2, exclude_datasets=exclude)
    res = search(wine, n_trials=3, warm_start=2, kb=kb_path, seed=0, cv=3, exclude_datasets=exclude, refit=False,
                 write_back=False, warm_start_strategy="portfolio")
    assert [t.warm_start for t in res.trials] == [True, True, False]
    assert res.n_warm_start == 2
    for trial, rec in zip(res.trials, recs):
        assert trial.algorithm == rec.algorithm
        assert json.dumps(dict(trial.params), sort_keys=True) == json.dumps(
            space.validate_params(rec.algorithm, rec.params), sort_keys=True)


def _rec(algorithm, params, rank):
    from metalearn.recommender import Evidence, Recommendation

    return Recommendation(algorithm, params, 0.9, 0.05, (Evidence(1, "x", None, 0.1, 0.9),), rank, "test")


def test_blended_warm_start_plan_deduplicates_diversifies_and_adds_defaults():
    from metalearn import space
    from metalearn.searcher import warm_start_plan

    algorithms = space.algorithms_for("binary")
    recs = [
        _rec("GradientBoostingClassifier", {"learning_rate": 0.1, "max_depth": 6, "max_features": None}, 1),
        _rec("GradientBoostingClassifier", {"learning_rate": 0.05, "max_depth": 6, "max_features": None}, 2),  # near 1
        _rec("SVC", {"C": 16.0, "coef0": 0.0, "kernel": "rbf"}, 3),
        _rec("GradientBoostingClassifier", {"learning_rate": 0.5, "max_depth": 3, "max_features": None}, 4),
        _rec("GradientBoostingClassifier", {"learning_rate": 0.025, "max_depth": 3, "max_features": None}, 5),  # 3rd GB
        _rec("GaussianNB", {}, 6),
        _rec("NoSuchAlgorithm", {}, 7),
    ]
    plan = warm_start_plan(recs, task="binary", algorithms=algorithms, n=8,
                           regret={"SVC": 0.4, "ExtraTreesClassifier": 0.01, "RandomForestClassifier": 0.1})
    names = [(name, reason) for name, _, reason in plan]
    assert names == [
        ("GradientBoostingClassifier", "recommended"), ("ExtraTreesClassifier", "default"),
        ("SVC", "recommended"), ("RandomForestClassifier", "default"),
        ("GradientBoostingClassifier", "recommended"), ("HistGradientBoostingClassifier", "default"),
        ("GaussianNB", "recommended"), ("LogisticRegression", "default"),
    ]  # the SVC default is left out: the neighbours' runs count against SVC (regret 0.4 >= 0.25)
    assert plan[4][1]["learning_rate"] == 0.5
    assert plan[1][1] == space.validate_params("ExtraTreesClassifier", space.default_params("ExtraTreesClassifier"))
    # portfolio: the recommender's order as-is, unknown algorithms dropped
    port = warm_start_plan(recs, task="binary", algorithms=algorithms, n=3, strategy="portfolio")
    assert [p[1].get("learning_rate") for p in port] == [0.1, 0.05, None]
    # regression defaults; no recommendations at all (a KB without runs) still gives a warm start
    reg = warm_start_plan([], task="regression", algorithms=space.algorithms_for("regression"), n=2)
    assert [p[0] for p in reg] == ["RandomForestRegressor", "HistGradientBoostingRegressor"]
    with pytest.raises(SearchError, match="warm_start_strategy='best'"):
        warm_start_plan(recs, task="binary", algorithms=algorithms, n=3, strategy="best")


def test_blended_warm_start_in_a_search_is_what_the_plan_says(wine, kb_path):
    from metalearn.recommender import recommend
    from metalearn.searcher._plan import algorithm_regret as _algorithm_regret, warm_start_plan

    KnowledgeBase.open(kb_path, create="seed").close()
    exclude = ("openml:187", "wine")
    with KnowledgeBase.open(kb_path, create=False) as kb:
        # the query the search makes: 3 x 4 warm-start candidates, 5 times more with `algorithms` given
        recs = recommend(wine, kb=kb, top=3 * 4 * 5, exclude_datasets=exclude)
        regret = _algorithm_regret(kb, recs, "balanced_accuracy", set())
    assert regret and all(0.0 <= v <= 1.0 for v in regret.values())
    plan = warm_start_plan(recs, task=wine.task, algorithms=sorted({r.algorithm for r in recs} | set(FAST)
                           | {"RandomForestClassifier"}), n=4, regret=regret)
    seen = []
    res = search(wine, n_trials=4, warm_start=4, kb=kb_path, seed=0, cv=3, exclude_datasets=exclude, refit=False,
                 write_back=False, algorithms=sorted({r.algorithm for r in recs} | set(FAST) | {"RandomForestClassifier"}),
                 evaluator=_fake_evaluator(seen))
    assert [t.warm_start for t in res.trials] == [True] * 4
    # compared as JSON values: a tuple parameter (MLP's hidden_layer_sizes) comes back from the study as a list
    as_json = lambda params: json.loads(json.dumps(dict(params)))  # noqa: E731
    assert [(t.algorithm, as_json(t.params)) for t in res.trials] == [(n, as_json(p)) for n, p, _ in plan]
    assert any(reason == "default" for *_, reason in plan) and any(reason == "recommended" for *_, reason in plan)


def _fake_evaluator(seen):
    """Scores each configuration by its place in the call order (no fitting): for plan-order tests."""
    from metalearn.evaluate import EvaluationResult

    def evaluate(name, params, X, y, *, task, metric, cv, timeout, memory_limit_mb, random_state):
        seen.append(name)
        return EvaluationResult(status="ok", score=0.5 + 0.01 * len(seen), fold_scores=(), fit_time=0.0, error=None,
                                protocol=f"{cv}-fold CV")

    return evaluate


def test_failing_hanging_and_memory_hungry_configurations_in_one_search(wine, kb_path):
    """Real registry configurations that crash, hang and exhaust memory: each is recorded, the search goes on."""
    bad = [
        # the lbfgs solver supports only l2 or no penalty: fit raises ValueError
        ("LogisticRegression", {"penalty": "l1", "solver": "lbfgs", "C": 1.0}),
        # thousands of deep trees with 5-fold CV: far beyond a 3-second timeout
        ("RandomForestClassifier", {"n_estimators": 5000, "max_depth": None}),
        # a 10000 x 10000 hidden layer: 800 MB of weights (plus gradients), beyond a 600 MB cap
        ("MLPClassifier", {"hidden_layer_sizes": [10000, 10000], "max_iter": 5}),
    ]
    t0 = time.monotonic()
    res = search(
        wine, n_trials=5, warm_start=False, kb=kb_path, seed=0, cv=3, configurations=bad,
        algorithms=("GaussianNB", "LogisticRegression", "RandomForestClassifier", "MLPClassifier"),
        trial_timeout=3, memory_limit_mb=600,
    )
    assert time.monotonic() - t0 < 60
    status = [t.status for t in res.trials]
    assert status[:3] == ["failed", "timeout", "memout"], [(t.status, t.error) for t in res.trials]
    assert all(t.error for t in res.trials[:3])
    assert len(res.trials) == 5 and "ok" in status[3:]
    with KnowledgeBase.open(kb_path, create=False) as kb:
        runs = kb.runs_frame(dataset_ids=[res.kb_dataset_id], status=None)
        assert sorted(runs["status"]) == sorted(status)


def test_time_budget_stops_a_running_trial(wine, kb_path):
    KnowledgeBase.open(kb_path, create="empty").close()
    t0 = time.monotonic()
    res = search(
        wine, time_budget=8, warm_start=False, kb=kb_path, cv=3, trial_timeout=600, seed=0,
        configurations=[("RandomForestClassifier", {"n_estimators": 5000})],
        algorithms=("RandomForestClassifier",), refit=False, n_jobs=1,  # one trial at a time: the one cut short
    )
    assert time.monotonic() - t0 < 20
    assert [t.status for t in res.trials] == ["stopped"]
    assert "time budget" in res.trials[0].error
    with KnowledgeBase.open(kb_path, create=False) as kb:  # a budget cut says nothing about the configuration
        assert len(kb.runs_frame(dataset_ids=[res.kb_dataset_id], status=None)) == len(res.trials) - 1


def test_parallel_trials(wine):
    res = search(wine, n_trials=4, n_jobs=2, warm_start=False, write_back=False, seed=0, algorithms=FAST, cv=3,
                 refit=False)
    assert len(res.trials) == 4 and all(t.status == "ok" for t in res.trials)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"n_trials": 0}, "n_trials=0"),
        ({"time_budget": -1}, "time_budget=-1"),
        ({"metric": "r2"}, "regression metric"),
        ({"metric": "no_such_scorer"}, "unknown metric 'no_such_scorer'"),
        ({"n_jobs": 0}, "n_jobs=0"),
        ({"algorithms": ("Ridge",)}, "does not fit the task"),
        ({"storage": "nosuchdb://x"}, "storage="),
        ({"warm_start_strategy": "best"}, "warm_start_strategy='best'"),
    ],
)
def test_bad_arguments_name_the_parameter(wine, kwargs, fragment):
    args = dict(n_trials=1, warm_start=False, write_back=False)
    args.update(kwargs)
    with pytest.raises(SearchError, match=fragment):
        search(wine, **args)


def test_cli_json_model_and_plot(tmp_path, kb_path):
    out, plot = tmp_path / "model.joblib", tmp_path / "curve.png"
    result = CliRunner().invoke(
        main,
        ["search", str(EXAMPLES / "wine.csv"), "--target", "cultivar", "--trials", "3", "--no-warm-start",
         "--kb", str(kb_path), "--seed", "0", "--cv", "3", "--algorithms", ",".join(FAST),
         "--output", str(out), "--plot", str(plot), "--json"],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    for key in ("best_score", "best_params", "algorithm", "metric", "trials"):
        assert key in payload
    assert len(payload["trials"]) == 3
    assert set(payload["trials"][0]) >= {"number", "params", "score", "status", "warm_start"}
    model = joblib.load(out)["model"]  # the saved model file is {model, metadata} (metalearn.model), a deliberate change
    wine = load_dataset(EXAMPLES / "wine.csv", "cultivar")
    assert (model.predict(wine.X) == wine.y).mean() > 0.5
    assert plot.stat().st_size > 5000 and plot.read_bytes()[:4] == b"\x89PNG"
    table = CliRunner().invoke(
        main, ["search", str(EXAMPLES / "wine.csv"), "--target", "cultivar", "--trials", "2", "--no-warm-start",
               "--kb", str(kb_path), "--cv", "3", "--algorithms", "GaussianNB"])
    assert table.exit_code == 0, table.output
    assert "best balanced_accuracy" in table.output


def test_cli_bad_option_is_one_line(kb_path):
    result = CliRunner().invoke(
        main, ["search", str(EXAMPLES / "wine.csv"), "--target", "cultivar", "--metric", "r2", "--kb", str(kb_path)]
    )
    assert result.exit_code == 2
    assert result.output.strip().startswith("Error: metric 'r2'") and len(result.output.strip().splitlines()) == 1


def test_best_so_far_and_json_round_trip(wine):
    res = search(wine, n_trials=3, warm_start=False, write_back=False, seed=0, algorithms=FAST, cv=3, refit=False)
    curve = res.best_so_far()
    assert len(curve) == 3 and all(b >= a for a, b in zip(curve, curve[1:]) if not math.isnan(a))
    assert json.loads(res.to_json())["best_score"] == pytest.approx(res.best_score)
    assert list(res.trials_frame().index) == [0, 1, 2]


def test_the_first_k_trials_of_a_longer_search_are_the_k_trial_search(wine):
    """What the benchmark relies on: best-so-far after k trials of a seeded search == a k-trial search's result."""
    import hashlib

    from metalearn.evaluate import EvaluationResult

    def by_config(name, params, X, y, *, task, metric, cv, timeout, memory_limit_mb, random_state):
        digest = hashlib.sha256(json.dumps([name, dict(params)], sort_keys=True, default=str).encode()).digest()
        return EvaluationResult(status="ok", score=digest[0] / 255, fold_scores=(), fit_time=0.0, error=None,
                                protocol=f"{cv}-fold CV")

    for sampler in ("tpe", "random"):
        long = search(wine, n_trials=14, warm_start=False, write_back=False, refit=False, seed=3, sampler=sampler,
                      evaluator=by_config)
        short = search(wine, n_trials=12, warm_start=False, write_back=False, refit=False, seed=3, sampler=sampler,
                       evaluator=by_config)
        assert [(t.algorithm, dict(t.params)) for t in short.trials] == [(t.algorithm, dict(t.params)) for t in long.trials[:12]]
        assert short.best_score == long.best_so_far()[11]
