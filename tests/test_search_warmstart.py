"""A warm start that keeps exploring (#16 item 4): ``explore_trials`` random trials after the enqueued ones."""

from __future__ import annotations

import optuna
import pytest

import metalearn
from metalearn.exceptions import SearchError
from metalearn.searcher import SearchConfig
from metalearn.searcher._sampler import ExploringSampler, exploring

CHEAP = ["LogisticRegression", "GaussianNB", "DecisionTreeClassifier", "KNeighborsClassifier"]


def _study(n_explore, n_enqueued, n_trials, seed=0):
    """A study over one float in [0, 1]: ``n_enqueued`` enqueued trials in [0.8, 0.92), then sampled ones."""
    sampler = ExploringSampler(optuna.samplers.TPESampler(seed=seed), n_explore=n_explore, seed=seed)
    study = optuna.create_study(sampler=sampler, direction="maximize")
    for i in range(n_enqueued):
        study.enqueue_trial({"x": 0.8 + 0.01 * i})
    decisions = []

    def objective(trial):
        decisions.append(sampler.exploring(study, study.get_trials(deepcopy=False)[trial.number]))
        return -abs(trial.suggest_float("x", 0.0, 1.0) - 0.9)

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study.optimize(objective, n_trials=n_trials)
    return study, decisions


def test_the_first_sampled_trials_after_the_enqueued_ones_are_random_then_tpe():
    study, decisions = _study(n_explore=3, n_enqueued=12, n_trials=20)
    assert decisions == [False] * 12 + [True] * 3 + [False] * 5
    random_study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))  # the study's seed + 1
    expected = [random_study.ask().suggest_float("x", 0.0, 1.0) for _ in range(3)]
    got = [t.params["x"] for t in study.trials[12:15]]
    assert got == pytest.approx(expected)  # what a seeded random sampler draws, not TPE near 0.9


def test_a_cold_study_is_plain_tpe():
    _, decisions = _study(n_explore=5, n_enqueued=0, n_trials=8)
    assert decisions == [False] * 8
    tpe = optuna.samplers.TPESampler(seed=0)
    assert exploring(tpe, 0, 0) is tpe
    assert exploring(optuna.samplers.RandomSampler(seed=0), 5, 0).__class__ is optuna.samplers.RandomSampler
    assert isinstance(exploring(tpe, 5, 0), ExploringSampler)


def test_explore_trials_is_checked():
    assert SearchConfig().explore_trials >= 0
    with pytest.raises(SearchError, match=r"explore_trials=-1 is not allowed: give an integer >= 0"):
        SearchConfig(explore_trials=-1)


def test_search_explores_after_given_configurations_the_same_for_any_jobs():
    wine = metalearn.load_dataset("data/examples/wine.csv", "cultivar")
    given = [("GaussianNB", {}), ("DecisionTreeClassifier", {"max_depth": 3})]
    kwargs = dict(algorithms=CHEAP, n_trials=6, warm_start=0, configurations=given, cv=3, seed=1,
                  write_back=False, refit=False, explore_trials=4)
    one = metalearn.search(wine, n_jobs=1, **kwargs)
    two = metalearn.search(wine, n_jobs=2, **kwargs)
    key = lambda r: [(t.number, t.algorithm, sorted(t.params.items()), t.source) for t in r.trials]  # noqa: E731
    assert key(one) == key(two)
    assert [t.source for t in one.trials] == ["given"] * 2 + ["sampler"] * 4
    # plain TPE is still in its 10 random start-up trials here, but draws them from another stream
    plain = metalearn.search(wine, n_jobs=1, **{**kwargs, "explore_trials": 0})
    assert key(plain)[:2] == key(one)[:2] and key(plain)[2:] != key(one)[2:]


def test_cli_and_estimators_forward_explore_trials(monkeypatch):
    from click.testing import CliRunner

    import metalearn.searcher
    from metalearn.cli import main as cli
    from metalearn.estimators import MetaLearnClassifier

    seen = []

    def capture(dataset, config, kb=None):
        seen.append(config)
        raise SearchError("captured")

    monkeypatch.setattr(metalearn.searcher, "run_search", capture)
    done = CliRunner().invoke(cli, ["search", "data/examples/wine.csv", "--target", "cultivar", "--trials", "2",
                                    "--explore-trials", "3", "--no-write-back"])
    assert "captured" in done.output and seen[-1].explore_trials == 3
    bad = CliRunner().invoke(cli, ["search", "data/examples/wine.csv", "--target", "cultivar", "--explore-trials", "-1"])
    assert bad.exit_code == 2 and "--explore-trials" in bad.output
    wine = metalearn.load_dataset("data/examples/wine.csv", "cultivar")
    with pytest.raises(SearchError, match="captured"):
        MetaLearnClassifier(n_trials=2, explore_trials=5).fit(wine.X, wine.y)
    assert seen[-1].explore_trials == 5 and MetaLearnClassifier(explore_trials=5).get_params()["explore_trials"] == 5
