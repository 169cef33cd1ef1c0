"""The machine is used (#16 item 5): --jobs defaults to every core, and a seeded trial budget gives the same
trials whatever --jobs is; the default budget is time (60 s), and a time budget holds."""

from __future__ import annotations

import os
import time

import pytest

import metalearn
from metalearn.searcher import DEFAULT_TIME_BUDGET

CHEAP = ["LogisticRegression", "GaussianNB", "DecisionTreeClassifier", "KNeighborsClassifier"]


@pytest.fixture(scope="module")
def wine():
    return metalearn.load_dataset("data/examples/wine.csv", "cultivar")


def _trials(result):
    return [(t.number, t.algorithm, tuple(sorted(t.params.items())), t.status, round(t.score, 12))
            for t in sorted(result.trials, key=lambda t: t.number)]


def test_jobs_do_not_change_a_seeded_trial_budget(wine):
    kwargs = dict(algorithms=CHEAP, n_trials=16, warm_start=0, cv=3, seed=3, write_back=False, refit=False)
    one = metalearn.search(wine, n_jobs=1, **kwargs)
    two = metalearn.search(wine, n_jobs=2, **kwargs)
    assert len(one.trials) == 16  # past TPE's 10 random start-up trials, the history matters
    assert _trials(one) == _trials(two)
    assert one.best_score == two.best_score


def test_default_budget_is_time_and_it_holds(wine):
    assert DEFAULT_TIME_BUDGET == 60.0
    budget = 8.0
    start = time.monotonic()
    r = metalearn.search(wine, algorithms=CHEAP, time_budget=budget, warm_start=0, cv=3, seed=0,
                         write_back=False, refit=False)
    elapsed = time.monotonic() - start
    longest = max((t.duration or 0.0) for t in r.trials)
    assert elapsed <= budget * 1.1 + longest + 1.0, (elapsed, longest)
    assert len(r.trials) >= 2


def test_jobs_default_to_every_core(wine, monkeypatch):
    seen = {}
    import metalearn.searcher._loop as core

    real = core.ThreadPoolExecutor

    def spy(*args, **kwargs):
        seen["workers"] = kwargs.get("max_workers")
        return real(*args, **kwargs)

    monkeypatch.setattr(core, "ThreadPoolExecutor", spy)
    metalearn.search(wine, algorithms=["GaussianNB"], n_trials=1, warm_start=0, cv=3, write_back=False, refit=False)
    assert seen["workers"] == (os.cpu_count() or 1)
