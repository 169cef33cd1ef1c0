"""The end of a search (#16 item 3, #14 item 1): the greedy ensemble, the guarded refit and its fallbacks."""

from __future__ import annotations

import time

import joblib
import numpy as np
import pytest
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.pipeline import Pipeline

import metalearn
from metalearn.evaluate import evaluate, fit_final
from metalearn.model import load_model
from metalearn.searcher import TrialRecord
from metalearn.searcher._final import finalize

CLASSIFIERS = ["LogisticRegression", "GaussianNB", "KNeighborsClassifier", "DecisionTreeClassifier"]


@pytest.fixture(scope="module")
def glass():
    return metalearn.load_dataset("data/examples/glass2.csv", "class")


@pytest.fixture(scope="module")
def glass_search(glass):
    return metalearn.search(glass, algorithms=CLASSIFIERS, n_trials=8, warm_start=0, cv=3, fidelity=False,
                            write_back=False, seed=0, n_jobs=2)


def test_search_ends_in_an_ensemble_that_predicts(glass, glass_search, tmp_path):
    r = glass_search
    assert r.final["kind"] == "ensemble", r.final
    assert r.final["ensemble_score"] > r.final["best_single_score"]
    assert len(r.final["members"]) >= 2
    assert abs(sum(m["weight"] for m in r.final["members"]) - 1.0) < 1e-9
    assert {m["algorithm"] for m in r.final["members"]} <= set(CLASSIFIERS)
    assert isinstance(r.model, VotingClassifier)
    pred = r.model.predict(glass.X)
    proba = r.model.predict_proba(glass.X)
    assert pred.shape == (len(glass.X),)
    assert proba.shape == (len(glass.X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(pred) <= set(np.unique(glass.y))
    # the summary and the JSON say what the model is
    assert "model: an ensemble of" in r.summary()
    assert r.to_dict()["final"]["kind"] == "ensemble"
    # joblib round trip through the model file, with the metadata
    path = r.save_model(tmp_path / "ens.joblib")
    saved = load_model(path)
    model, meta = saved.estimator, saved.metadata
    np.testing.assert_array_equal(model.predict(glass.X), pred)
    np.testing.assert_allclose(model.predict_proba(glass.X), proba)
    assert meta["ensemble"]["kind"] == "ensemble"
    assert meta["cv_score"] == pytest.approx(r.final["ensemble_score"])
    assert isinstance(joblib.load(path)["model"], VotingClassifier)


def test_no_ensemble_gives_the_best_single_model(glass):
    r = metalearn.search(glass, algorithms=CLASSIFIERS, n_trials=4, warm_start=0, cv=3, fidelity=False,
                         write_back=False, seed=0, n_jobs=2, ensemble=False)
    assert r.final["kind"] == "single"
    assert r.final["trial"] == r.best_trial.number
    assert isinstance(r.model, Pipeline)
    assert r.final["members"] == []


def test_regression_ensemble_predicts():
    ds = metalearn.load_dataset("data/examples/cpu.csv", "class")
    r = metalearn.search(ds, algorithms=["Ridge", "KNeighborsRegressor", "DecisionTreeRegressor"], n_trials=8,
                         warm_start=0, cv=3, fidelity=False, write_back=False, seed=0, n_jobs=2)
    assert r.final["kind"] == "ensemble", r.final
    assert isinstance(r.model, VotingRegressor)
    assert np.isfinite(r.model.predict(ds.X)).all()


def _oof_trials(ds, configs):
    """TrialRecords and out-of-fold predictions of ``configs`` on ``ds``, as a search keeps them."""
    trials, preds = [], {}
    for number, (name, params) in enumerate(configs):
        res = evaluate(name, params, ds.X, ds.y, task=ds.task, metric="balanced_accuracy", cv=3,
                       keep_predictions=True, random_state=0)
        assert res.ok, res.error
        trials.append(TrialRecord(number, name, params, res.score, "ok", False, fit_time=res.fit_time))
        preds[number] = (res.oof, res.classes)
    return trials, preds


CONFIGS = [("LogisticRegression", {}), ("KNeighborsClassifier", {}), ("DecisionTreeClassifier", {"max_depth": 4}),
           ("GaussianNB", {})]


def test_a_failing_refit_falls_back_to_the_next_best_trial(glass):
    trials, preds = _oof_trials(glass, CONFIGS)
    best = max(trials, key=lambda t: t.score)

    def fit(name, params, X, y, random_state=0):
        if name == best.algorithm:
            raise RuntimeError("boom in the refit")
        return fit_final(name, params, X, y, random_state=random_state)

    done = finalize(trials, preds, glass.X, glass.y, task=glass.task, metric="balanced_accuracy", ensemble=False,
                    fit=fit)
    assert done.kind == "single"
    assert done.trial != best.number
    assert any("boom in the refit" in n and "next-best" in n for n in done.notes), done.notes
    assert done.model.predict(glass.X).shape == (len(glass.X),)


def test_an_ensemble_member_that_times_out_is_dropped_and_nothing_is_lost(glass):
    trials, preds = _oof_trials(glass, CONFIGS)
    full = finalize(trials, preds, glass.X, glass.y, task=glass.task, metric="balanced_accuracy")
    assert full.kind == "ensemble", full.notes
    slow = next(t for t in trials if t.number == full.members[0][0])

    def fit(name, params, X, y, random_state=0):
        if name == slow.algorithm:
            time.sleep(30)
        return fit_final(name, params, X, y, random_state=random_state)

    start = time.monotonic()
    done = finalize(trials, preds, glass.X, glass.y, task=glass.task, metric="balanced_accuracy", fit=fit,
                    refit_timeout=2)
    assert time.monotonic() - start < 25
    assert done.model is not None  # the search still ends in a model
    assert any("dropped" in n and "timed out" in n for n in done.notes), done.notes
    assert slow.number not in [n for n, _ in done.members]
    if done.kind == "ensemble":
        assert abs(sum(w for _, w in done.members) - 1.0) < 1e-9
        assert done.ensemble_score > done.best_single_score


def test_ensemble_members_refit_in_parallel_give_the_same_ensemble(glass):
    trials, preds = _oof_trials(glass, CONFIGS)
    one = finalize(trials, preds, glass.X, glass.y, task=glass.task, metric="balanced_accuracy", n_jobs=1)
    assert one.kind == "ensemble" and len(one.members) >= 2, one.notes
    def fit(name, params, X, y, random_state=0):
        t0 = time.time()
        time.sleep(1.0)
        model = fit_final(name, params, X, y, random_state=random_state)
        model.refit_span_ = (t0, time.time())  # measured in the worker; the parent reads it off the model
        return model

    two = finalize(trials, preds, glass.X, glass.y, task=glass.task, metric="balanced_accuracy", n_jobs=2, fit=fit)
    assert (two.kind, two.members, two.ensemble_score) == (one.kind, one.members, one.ensemble_score)
    np.testing.assert_array_equal(two.model.predict(glass.X), one.model.predict(glass.X))
    starts = sorted(est.refit_span_ for est in two.model.estimators_)
    assert starts[1][0] < starts[0][1]  # the second member's refit began before the first one's ended


def test_nothing_to_refit_says_so():
    failed = [TrialRecord(0, "GaussianNB", {}, float("nan"), "failed", False)]
    done = finalize(failed, {}, None, None, task="binary", metric="balanced_accuracy")
    assert done.model is None and done.kind is None
    assert "no trial finished" in done.notes[0]


def test_cli_search_saves_the_ensemble(tmp_path):
    from click.testing import CliRunner

    from metalearn.cli import main

    out = tmp_path / "m.joblib"
    res = CliRunner().invoke(main, ["search", "data/examples/glass2.csv", "--target", "class", "--trials", "8",
                                    "--no-warm-start", "--cv", "3", "--seed", "0", "--no-write-back", "--algorithms",
                                    ",".join(CLASSIFIERS), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "model: an ensemble of" in res.output
    assert isinstance(load_model(out).estimator, VotingClassifier)
    res = CliRunner().invoke(main, ["search", "data/examples/glass2.csv", "--target", "class", "--trials", "3",
                                    "--no-warm-start", "--cv", "3", "--seed", "0", "--no-write-back", "--algorithms",
                                    ",".join(CLASSIFIERS), "--no-ensemble", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "refitted on all the data" in res.output
    assert isinstance(load_model(out).estimator, Pipeline)
