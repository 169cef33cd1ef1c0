"""SearchConfig (#16 item 6): every search option and its one default, validated by a table of constraints;
metalearn.search, the estimators (and the CLI) take their defaults from it."""

from __future__ import annotations

import dataclasses
import inspect
import math
import os

import numpy as np
import pytest

import metalearn
from metalearn.exceptions import MetaLearnError, SearchError
from metalearn.searcher import DEFAULT_TIME_BUDGET, DEFAULT_WARM_START, SearchConfig
from metalearn.searcher.config import CONSTRAINTS


def test_defaults_resolve_to_what_a_user_gets():
    config = SearchConfig()
    assert config.budget_seconds == DEFAULT_TIME_BUDGET == 60.0  # time is the default budget
    assert config.workers == (os.cpu_count() or 1)
    assert config.n_warm == DEFAULT_WARM_START
    assert SearchConfig(n_trials=5).budget_seconds is None  # a trial budget alone has no deadline
    assert SearchConfig(n_trials=5, time_budget=30).budget_seconds == 30.0
    assert SearchConfig(n_jobs=-1).workers == (os.cpu_count() or 1) and SearchConfig(n_jobs=3).workers == 3
    assert SearchConfig(warm_start=False).n_warm == 0 and SearchConfig(warm_start=4).n_warm == 4
    assert not SearchConfig(warm_start=False, write_back=False).needs_kb


def test_every_option_has_a_constraint_and_every_constraint_an_option():
    assert set(CONSTRAINTS) == {f.name for f in dataclasses.fields(SearchConfig)}


@pytest.mark.parametrize(
    "option, value, allowed",
    [
        ("n_trials", 0, "None or an integer >= 1"),
        ("n_trials", 2.5, "None or an integer >= 1"),
        ("n_trials", True, "None or an integer >= 1"),  # a bool is not a count
        ("time_budget", -1, "None or a number > 0"),
        ("time_budget", float("nan"), "None or a number > 0"),
        ("time_budget", "60", "None or a number > 0"),
        ("n_jobs", 0, "None or one of -1 or an integer >= 1"),
        ("cv", 1, "an integer >= 2"),
        ("seed", -1, "None or an integer >= 0"),
        ("warm_start", -2, "True or False or an integer >= 0"),
        ("warm_start_strategy", "best", "one of 'blend', 'portfolio'"),
        ("sampler", "grid", "one of 'tpe', 'random' or an optuna sampler"),
        ("fidelity", "yes", "True or False"),
        ("memory_limit_mb", 0, "None or an integer >= 1"),
        ("trial_timeout", 0, "None or a number > 0"),
        ("exclude_datasets", [1.5], "dataset names or OpenML ids (openml:<id>)"),
        ("algorithms", [3], "None or registry names"),
        ("configurations", [("SVC",)], "a sequence of (algorithm name, params dict) pairs"),
    ],
)
def test_a_bad_value_names_the_option_the_value_and_what_is_allowed(option, value, allowed):
    with pytest.raises(SearchError) as info:
        SearchConfig(**{option: value})
    message = str(info.value)
    assert message == f"{option}={value!r} is not allowed: give {allowed}"
    assert "\n" not in message and isinstance(info.value, MetaLearnError)


def test_good_values_are_kept_and_sequences_become_tuples():
    config = SearchConfig(n_trials=3, time_budget=1.5, exclude_datasets=["iris", 61], algorithms="GaussianNB",
                          configurations=[("SVC", {"C": 1.0})], seed=0, n_jobs=-1, warm_start=0)
    assert config.exclude_datasets == ("iris", 61) and config.algorithms == ("GaussianNB",)
    assert config.configurations == (("SVC", {"C": 1.0}),)
    assert hash(SearchConfig(algorithms=["SVC"])) == hash(SearchConfig(algorithms=("SVC",)))
    numpy_values = SearchConfig(exclude_datasets=np.array([61]), n_jobs=np.int64(-1), seed=np.int64(2), cv=np.int64(3))
    assert numpy_values.workers == (os.cpu_count() or 1) and numpy_values.settings(
        study_name=None, algorithms=())["exclude_datasets"] == ["61"]
    with pytest.raises(SearchError, match=r"algorithms=\(\) is empty"):
        SearchConfig(algorithms=[])


def test_frozen_replace_and_from_kwargs():
    config = SearchConfig(n_trials=4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.n_trials = 5
    assert config.replace(cv=3).cv == 3 and config.cv == 5
    with pytest.raises(SearchError, match="cv=1 is not allowed"):
        config.replace(cv=1)
    assert SearchConfig.from_kwargs(n_trials=2) == SearchConfig(n_trials=2)
    with pytest.raises(SearchError, match="unknown search option .trials.: the options are algorithms, configurations, cv,"):
        SearchConfig.from_kwargs(trials=2)


def test_the_settings_recorded_in_the_kb():
    settings = SearchConfig(n_trials=8, warm_start=True, n_jobs=2, seed=1, cv=3).settings(
        study_name="s", algorithms=("GaussianNB",))
    assert settings == {
        "n_trials": 8, "time_budget": None, "warm_start": 10, "n_jobs": 2, "seed": 1, "storage": False,
        "study_name": "s", "sampler": "tpe", "cv": 3, "prior_runs": False, "narrow": False,
        "explore_trials": 0, "warm_start_strategy": "blend", "algorithms": ["GaussianNB"], "exclude_datasets": [],
    }
    assert SearchConfig().settings(study_name=None, algorithms=())["time_budget"] == 60.0


def _defaults(function) -> dict:
    return {name: p.default for name, p in inspect.signature(function).parameters.items()
            if p.default is not inspect.Parameter.empty}


def test_search_declares_no_default_of_its_own():
    options = {f.name: f.default for f in dataclasses.fields(SearchConfig)}
    declared = _defaults(metalearn.search)
    assert set(options) <= set(declared)  # every option is a keyword of search()
    assert {name: declared[name] for name in options} == options


def test_the_estimators_default_to_the_config_except_write_back():
    from metalearn.estimators import MetaLearnClassifier, MetaLearnRegressor

    options = {f.name: f.default for f in dataclasses.fields(SearchConfig)}
    for cls in (MetaLearnClassifier, MetaLearnRegressor):
        params = cls().get_params()
        shared = {name: value for name, value in params.items() if name in options and name != "write_back"}
        assert shared == {name: options[name] for name in shared}, cls
        assert {"n_trials", "time_budget", "n_jobs", "cv", "warm_start"} <= set(shared)
        assert params["write_back"] is False  # deliberate: a fit inside cross-validation must not add a KB dataset


def test_search_reports_the_config_error_before_loading_anything(tmp_path):
    missing = tmp_path / "no-such-file.csv"  # never read: the options are checked first
    with pytest.raises(SearchError, match="n_jobs=0 is not allowed"):
        metalearn.search(missing, n_jobs=0)
    assert math.isfinite(SearchConfig(time_budget=1e9).budget_seconds)


def test_the_cli_search_options_default_to_the_config():
    from metalearn.cli.search import search as command

    # the values the command receives when no option is given (click >= 8.3 keeps a flag's unset default as a
    # sentinel on the parameter, so read them from a parsed command line, not from Parameter.default)
    defaults = command.make_context("search", ["data.csv"], resilient_parsing=True).params
    config = SearchConfig()
    assert defaults["cv"] == config.cv and defaults["jobs"] == config.n_jobs and defaults["seed"] == config.seed
    assert defaults["warm_start_size"] == config.n_warm == DEFAULT_WARM_START
    assert defaults["warm_start_strategy"] == config.warm_start_strategy
    assert defaults["explore_trials"] == config.explore_trials == 0
    assert defaults["trials"] == config.n_trials and defaults["time_budget"] == config.time_budget
    flags = ("no_warm_start", "no_write_back", "no_ensemble")  # each turns off an option that is on by default
    assert all(defaults[f] is False for f in flags) and config.warm_start and config.write_back and config.ensemble
