"""Cost model and multi-fidelity search (#16 items 1-2): predicted seconds from the KB's fit
times, rungs over CV folds / row subsamples, pruned trials kept out of the KB."""

from __future__ import annotations

import math

import pytest

from metalearn.kb import KnowledgeBase, RunInput
from metalearn.searcher._cost import MIN_RUNS_FOR_SLOPES, CostModel, order_by_gain_per_second, predict_cost


def _timed_kb(path, runs):
    """A KB made here: ``runs`` is a list of (algorithm, params, n_rows, n_cols, seconds)."""
    kb = KnowledgeBase.open(path, create="empty")
    inputs = []
    for i, (algorithm, params, rows, cols, seconds) in enumerate(runs):
        dataset = kb.add_dataset(f"d{i}", task_type="binary", source="test", n_rows=rows, n_cols=cols).dataset_id
        configuration = kb.add_configuration(algorithm, params).configuration_id
        inputs.append(RunInput(dataset, configuration, "accuracy", 0.8, "5-fold CV", fit_time=seconds))
    kb.add_runs(inputs)
    return kb


def test_cost_follows_the_same_configuration_else_the_algorithm_scaled_by_rows_and_features(tmp_path):
    # SVC: t = 1e-6 * rows^1.5 * cols^0.5 on 12 datasets (the slopes are fitted); C=100 is 10x slower
    # than C=1 where both ran; KNN has two runs only (slopes b = c = 1)
    runs = []
    for i in range(12):
        rows, cols = 200 * (i + 1), 4 + 3 * (i % 5)
        runs.append(("SVC", {"C": 1.0}, rows, cols, 1e-6 * rows ** 1.5 * cols ** 0.5))
    runs += [("SVC", {"C": 100.0}, 1000, 10, 10 * 1e-6 * 1000 ** 1.5 * 10 ** 0.5)]
    runs += [("KNeighborsClassifier", {}, 1000, 10, 0.2), ("KNeighborsClassifier", {}, 1000, 10, 0.2)]
    with _timed_kb(tmp_path / "kb.sqlite", runs) as kb:
        assert len(runs) > MIN_RUNS_FOR_SLOPES
        model = CostModel.from_kb(kb)
        _, b, c, n = model.algorithms["SVC"]
        assert b == pytest.approx(1.5, abs=0.05) and c == pytest.approx(0.5, abs=0.05) and n == 13
        expected = 1e-6 * 20_000 ** 1.5 * 30 ** 0.5
        assert predict_cost(kb, "SVC", {"C": 1.0}, 20_000, 30) == pytest.approx(expected, rel=0.05)
        assert predict_cost(kb, "SVC", {"C": 100.0}, 20_000, 30) == pytest.approx(10 * expected, rel=0.05)
        # a configuration the KB never ran: the algorithm's median, i.e. about C=1's
        assert predict_cost(kb, "SVC", {"C": 3.0}, 20_000, 30) == pytest.approx(expected, rel=0.05)
        # two runs: too few for slopes of its own; it takes the slopes of all the KB's runs, which
        # are SVC's here (KNN's runs do not vary in size)
        b_all, c_all = model.pooled
        assert b_all == pytest.approx(1.5, abs=0.05) and c_all == pytest.approx(0.5, abs=0.05)
        assert model.own == {"SVC"}
        assert predict_cost(kb, "KNeighborsClassifier", {}, 4000, 20) == pytest.approx(
            0.2 * 4 ** b_all * 2 ** c_all, rel=1e-6)
        assert predict_cost(kb, "GaussianNB", {}, 1000, 10) is None  # never timed
        # the coefficients are derived data: a second model is read back equal
        again = CostModel.from_kb(kb)
        assert dict(again.algorithms) == dict(model.algorithms)
        assert dict(again.configurations) == dict(model.configurations)
        # new runs change it
        d = kb.add_dataset("late", task_type="binary", source="test", n_rows=1000, n_cols=10).dataset_id
        cfg = kb.add_configuration("GaussianNB", {}).configuration_id
        kb.add_runs([RunInput(d, cfg, "accuracy", 0.7, "5-fold CV", fit_time=0.01)])
        assert predict_cost(kb, "GaussianNB", {}, 1000, 10) == pytest.approx(0.01)


def test_a_model_of_few_datasets_takes_its_slopes_from_the_whole_kb(tmp_path):
    # HistGradientBoostingClassifier: t = 0.01 * rows^0.5 on 12 datasets (its own slopes in the whole KB);
    # the regressor ran on two small datasets only (0.5 s on 200 x 5): linear time would predict
    # 0.5 * (20,000 x 50) / 1,000 = 500 s on 20,000 x 50; the classifier's growth predicts 5 s
    runs = [("HistGradientBoostingClassifier", {}, 200 * (i + 1), 5 + i % 3, 0.01 * (200 * (i + 1)) ** 0.5)
            for i in range(12)]
    runs += [("HistGradientBoostingRegressor", {}, 200, 5, 0.5), ("HistGradientBoostingRegressor", {}, 200, 5, 0.5)]
    with _timed_kb(tmp_path / "kb.sqlite", runs) as kb:
        whole = CostModel.from_kb(kb)
        b, c = whole.slopes("HistGradientBoostingClassifier")
        assert b == pytest.approx(0.5, abs=0.01) and c == pytest.approx(0.0, abs=0.01)
        assert whole.slopes("HistGradientBoostingRegressor") is None  # not its own
        regressor_ids = [13, 14]  # the datasets of the regressor's runs: a search's "neighbours"
        local = CostModel.from_kb(kb, regressor_ids)
        assert set(local.algorithms) == {"HistGradientBoostingRegressor"}
        expected = 0.5 * (20_000 / 200) ** 0.5
        assert local.predict("HistGradientBoostingRegressor", 20_000, 50) == pytest.approx(expected, rel=0.02)
        assert whole.predict("HistGradientBoostingRegressor", 20_000, 50) == pytest.approx(expected, rel=0.02)


def test_without_a_stored_model_the_slopes_come_from_datasets_spread_over_the_sizes(tmp_path, monkeypatch):
    from metalearn.searcher import _cost

    runs = [("HistGradientBoostingClassifier", {}, 200 * (i + 1), 5, 0.01 * (200 * (i + 1)) ** 0.5) for i in range(12)]
    runs += [("HistGradientBoostingRegressor", {}, 200, 5, 0.5)]
    with _timed_kb(tmp_path / "kb.sqlite", runs) as kb:
        assert _cost._spread(kb.datasets_frame(), 3) == [1, 6, 12]  # smallest, middle, largest of 13 (ties by id)
        monkeypatch.setattr(_cost, "PRIOR_DATASETS", 12)
        local = CostModel.from_kb(kb, [13])  # no stored model: the prior is fitted on 12 spread datasets
        assert kb.derived("cost_model", "v2") is None  # and nothing is written
        assert local.predict("HistGradientBoostingRegressor", 20_000, 5) == pytest.approx(5.0, rel=0.02)


def test_on_large_data_the_warm_start_opens_with_histogram_gradient_boosting(tmp_path):
    from metalearn.searcher._cost import budget_warm_start

    runs = [("Ridge", {}, 1000, 10, 0.1), ("HistGradientBoostingRegressor", {}, 1000, 10, 2.0)]
    with _timed_kb(tmp_path / "kb.sqlite", runs) as kb:
        model = CostModel.from_kb(kb)
        plan = [("Ridge", {}, "recommended"), ("HistGradientBoostingRegressor", {}, "default"),
                ("HistGradientBoostingRegressor", {"max_iter": 50}, "recommended")]
        small, _ = budget_warm_start(plan, model, kb, n_rows=4_000, n_features=10, seconds_left=600.0)
        assert [p[0] for p in small][:1] == ["Ridge"]  # gain per second: the cheap one first
        large, _ = budget_warm_start(plan, model, kb, n_rows=20_000, n_features=10, seconds_left=600.0)
        assert large[0] == ("HistGradientBoostingRegressor", {}, "default") and len(large) == 3


def test_the_warm_start_skips_what_cannot_end_after_the_candidates_before_it(tmp_path):
    from metalearn.searcher._cost import budget_warm_start

    # three configurations of 30 s each (on 1000 x 10) and a 50 s budget: one worker runs one of them,
    # two workers run two; the first rung (a fifth, 6 s) of a third still fits after 30 s on one worker
    runs = [("Ridge", {"alpha": a}, 1000, 10, 30.0) for a in (1.0, 2.0, 3.0)]
    with _timed_kb(tmp_path / "kb.sqlite", runs) as kb:
        model = CostModel.from_kb(kb)
        plan = [("Ridge", {"alpha": a}, "recommended") for a in (1.0, 2.0, 3.0)]
        one = dict(model=model, kb=kb, n_rows=1000, n_features=10, seconds_left=50.0)
        kept, skipped = budget_warm_start(plan, n_workers=1, **one)
        assert [p[1]["alpha"] for p in kept] == [1.0]
        assert skipped[0] == ('warm start skipped Ridge {"alpha": 2.0}: predicted 30 s on 1000 x 10 after 30 s '
                              'of the warm start before it, more than the 50 s left')
        assert len(budget_warm_start(plan, n_workers=2, **one)[0]) == 2
        # the first rung's share does not help a candidate that will run whole (small data here)
        assert len(budget_warm_start(plan, n_workers=1, first_rung_share=0.2, **one)[0]) == 1


def test_only_a_candidate_that_will_run_in_rungs_is_judged_on_its_first_rung(tmp_path, monkeypatch):
    from metalearn.searcher import _fidelity
    from metalearn.searcher._cost import budget_warm_start

    runs = [("Ridge", {"alpha": float(a)}, 1000, 10, 1.0) for a in range(1, 6)] + [("SVC", {}, 1000, 10, 100.0)]
    with _timed_kb(tmp_path / "kb.sqlite", runs) as kb:
        model = CostModel.from_kb(kb)
        plan = [("SVC", {}, "recommended")] + [("Ridge", {"alpha": float(a)}, "default") for a in range(1, 6)]
        one = dict(model=model, kb=kb, n_rows=1000, n_features=10, seconds_left=50.0, n_workers=1,
                   first_rung_share=0.2)
        assert [p[0] for p in budget_warm_start(plan, **one)[0]] == ["Ridge"] * 5  # small data: SVC runs whole
        monkeypatch.setattr(_fidelity, "MIN_SPLIT_CELLS", 0)
        # after 5 s the five Ridges have ended: the pruner prunes, SVC runs in rungs, its first (20 s) fits
        assert [p[0] for p in budget_warm_start(plan, **one)[0]] == ["Ridge"] * 5 + ["SVC"]
        # four ended only: it would run whole
        assert [p[0] for p in budget_warm_start(plan[:5], **one)[0]] == ["Ridge"] * 4


def test_the_warm_start_runs_by_gain_per_second_and_skips_what_cannot_fit(tmp_path):
    from metalearn.searcher._cost import budget_warm_start

    # the KB: SVC C=1000 took 500 s on 1000 x 10, SVC C=1 and KNN 1 s, LogisticRegression never timed
    runs = [("SVC", {"C": 1000.0}, 1000, 10, 500.0), ("SVC", {"C": 1.0}, 1000, 10, 1.0),
            ("KNeighborsClassifier", {}, 1000, 10, 1.0)]
    with _timed_kb(tmp_path / "kb.sqlite", runs) as kb:
        model = CostModel.from_kb(kb)
        plan = [("SVC", {"C": 1000.0}, "recommended"), ("KNeighborsClassifier", {}, "default"),
                ("LogisticRegression", {}, "default"), ("SVC", {"C": 1.0}, "recommended")]
        kept, skipped = budget_warm_start(plan, model, kb, n_rows=1000, n_features=10, seconds_left=60.0)
        assert [(name, params) for name, params, _ in kept] == [
            ("KNeighborsClassifier", {}), ("LogisticRegression", {}), ("SVC", {"C": 1.0})]
        assert skipped == ['warm start skipped SVC {"C": 1000.0}: predicted 500 s on 1000 x 10, more than the 60 s left']
        # with 5-fold rungs only the first fold (a fifth) must fit, but only where the trial will run in
        # rungs (see test_only_a_candidate_that_will_run_in_rungs_is_judged_on_its_first_rung): on this
        # small data, with three candidates before it, it would run whole
        kept, skipped = budget_warm_start(plan, model, kb, n_rows=1000, n_features=10, seconds_left=120.0,
                                          first_rung_share=0.2)
        assert len(skipped) == 1 and kept[-1][:2] == ("SVC", {"C": 1.0})
        kept, skipped = budget_warm_start(plan, model, kb, n_rows=1000, n_features=10, seconds_left=600.0,
                                          first_rung_share=0.2)
        assert not skipped and kept[-1][:2] == ("SVC", {"C": 1000.0})  # it fits whole: last (gain per second)
        # the neighbours-only model: runs of the datasets given
        assert set(CostModel.from_kb(kb, [1]).algorithms) == {"SVC"}


def test_warm_start_order_is_gain_per_second():
    assert order_by_gain_per_second("abc", [1.0, 1.0, 1.0]) == [0, 1, 2]  # equal costs: the plan's order
    # the first candidate costs 100 s: two cheap ones go before it
    assert order_by_gain_per_second("abc", [100.0, 1.0, 2.0]) == [1, 2, 0]
    assert order_by_gain_per_second("ab", [None, math.nan]) == [0, 1]


# --------------------------------------------------------------------------
# Rungs
# --------------------------------------------------------------------------
import numpy as np  # noqa: E402
import optuna  # noqa: E402

from metalearn import evaluate as ev  # noqa: E402
from metalearn.data import load_dataset  # noqa: E402
from metalearn.searcher._fidelity import Rung, make_pruner, run_rungs, rung_schedule  # noqa: E402
from pathlib import Path  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


def _scripted(fold_score):
    """An evaluator with evaluate's signature whose fold f of a configuration scores fold_score(params, f);
    it records the calls."""
    calls = []

    def evaluate(name, params, X, y, *, timeout=None, folds=None, max_rows=None, cv=5, **kwargs):
        calls.append((dict(params), folds, max_rows))
        chosen = tuple(range(cv)) if folds is None else tuple(folds)
        scores = tuple(float(fold_score(params, f)) for f in chosen)
        partial = folds is not None and len(chosen) < cv
        word = "fold" if len(chosen) == 1 else "folds"  # evaluate's protocol string of a partial evaluation
        protocol = "5-fold CV" + (f", {word} {','.join(str(f + 1) for f in chosen)} of {cv}" if partial else "")
        return ev.EvaluationResult("ok", float(np.mean(scores)), scores, 0.01, None, protocol, (),
                                   {"accuracy": float(np.mean(scores))}, None, None,
                                   chosen if partial else None, cv if partial else None)

    return evaluate, calls


def _study():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(direction="maximize", pruner=make_pruner(), sampler=optuna.samplers.RandomSampler(0))


def test_rungs_prune_a_lagging_configuration_and_reuse_the_first_fold():
    evaluate, calls = _scripted(lambda params, fold: params["q"])
    study = _study()
    rungs = rung_schedule(500, 5)
    for q in (0.8, 0.82, 0.84, 0.86, 0.88):  # 5 completed trials: the median at rung 0 is 0.84
        trial = study.ask()
        result, pruned_at = run_rungs(evaluate, "X", {"q": q}, None, None, rungs=rungs, trial=trial, cv=5)
        assert pruned_at is None and result.protocol == "5-fold CV" and result.fold_scores == (q,) * 5
        study.tell(trial, result.score)
    # each completed trial: fold 0 once, then folds 1-4 once (no refit of fold 0)
    assert [c[1] for c in calls[:2]] == [(0,), (1, 2, 3, 4)]
    calls.clear()
    trial = study.ask()
    result, pruned_at = run_rungs(evaluate, "X", {"q": 0.5}, None, None, rungs=rungs, trial=trial, cv=5)
    assert pruned_at == 0 and result.fold_scores == (0.5,) and calls == [({"q": 0.5}, (0,), None)]
    study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    # a warm-start configuration as bad is not pruned on rung 0
    trial = study.ask()
    result, pruned_at = run_rungs(evaluate, "X", {"q": 0.5}, None, None, rungs=rungs, trial=trial, cv=5,
                                  protect_first=True)
    assert pruned_at is None and len(result.fold_scores) == 5
    # a better one is not pruned
    trial = study.ask()
    assert run_rungs(evaluate, "X", {"q": 0.9}, None, None, rungs=rungs, trial=trial, cv=5)[1] is None


def test_rungs_on_large_data_start_on_subsamples():
    evaluate, calls = _scripted(lambda params, fold: params["q"])
    study = _study()
    rungs = rung_schedule(98_842, 5)
    for q in (0.8, 0.82, 0.84, 0.86, 0.88):
        trial = study.ask()
        result, pruned_at = run_rungs(evaluate, "X", {"q": q}, None, None, rungs=rungs, trial=trial, cv=5)
        study.tell(trial, result.score)
    assert [c[1:] for c in calls[:4]] == [((0,), 10_000), ((0,), 40_000), ((0,), None), ((1, 2, 3, 4), None)]
    trial = study.ask()
    calls.clear()
    assert run_rungs(evaluate, "X", {"q": 0.1}, None, None, rungs=rungs, trial=trial, cv=5)[1] == 0
    assert calls == [({"q": 0.1}, (0,), 10_000)]  # only the 10,000-row fold was paid for


def test_no_subsample_rung_of_more_than_half_the_data():
    # 40,000 of 48,842 rows (or 10,000 of 15,000) costs nearly the full fold: no such rung
    assert [r.max_rows for r in rung_schedule(48_842, 5)] == [10_000, None, None]
    assert [r.max_rows for r in rung_schedule(80_000, 5)] == [10_000, 40_000, None, None]
    assert [r.max_rows for r in rung_schedule(15_000, 5)] == [None, None]
    assert [r.max_rows for r in rung_schedule(20_000, 5)] == [10_000, None, None]


def test_a_full_run_through_the_rungs_equals_one_full_evaluation():
    ds = load_dataset(EXAMPLES / "titanic.csv")
    kwargs = dict(task=ds.task, metric="balanced_accuracy", keep_predictions=True, random_state=0, cv=5)
    full = ev.evaluate("DecisionTreeClassifier", {"max_depth": 4}, ds.X, ds.y, **kwargs)
    result, pruned_at = run_rungs(ev.evaluate, "DecisionTreeClassifier", {"max_depth": 4}, ds.X, ds.y,
                                  rungs=rung_schedule(len(ds.y), 5), trial=_study().ask(), timeout=60, **kwargs)
    assert pruned_at is None and result.protocol == full.protocol and result.fold_scores == full.fold_scores
    np.testing.assert_array_equal(result.oof, full.oof)
    # a rung that fails ends the trial with its status
    bad, pruned_at = run_rungs(ev.evaluate, "LinearSVC", {"penalty": "l1", "loss": "hinge"}, ds.X, ds.y,
                               rungs=(Rung(None, (0,)), Rung(None, (1, 2, 3, 4))), trial=_study().ask(), **kwargs)
    assert bad.status == "failed" and pruned_at is None


# --------------------------------------------------------------------------
# In the search
# --------------------------------------------------------------------------
FAST = ("GaussianNB", "DecisionTreeClassifier", "LogisticRegression", "KNeighborsClassifier")


def test_search_prunes_lagging_trials_and_keeps_them_out_of_the_kb(tmp_path, monkeypatch):
    from metalearn import search
    from metalearn.searcher import _fidelity

    monkeypatch.setattr(_fidelity, "MIN_SPLIT_CELLS", 0)  # split on this small data too

    with KnowledgeBase.open(tmp_path / "kb.sqlite", create="empty") as kb:
        # 16 trials: a trial budget runs in batches of SYNC_BATCH told at the batch's end, so pruning (after 5
        # completed trials) starts with the third batch
        result = search(EXAMPLES / "titanic.csv", n_trials=16, warm_start=False, kb=kb, sampler="random", seed=1,
                        algorithms=FAST, refit=False, n_jobs=1)
        pruned = [t for t in result.trials if t.status == "pruned"]
        full = [t for t in result.trials if t.status == "ok"]
        assert pruned and len(full) >= 5, [(t.status, t.score) for t in result.trials]
        assert all(t.error.startswith("pruned after rung 1: 5-fold CV, fold 1 of 5 scored") for t in pruned)
        assert all(math.isnan(t.score) for t in pruned)
        states = {t.number: t.state for t in result.study.get_trials(deepcopy=False)}
        assert all(states[t.number] == optuna.trial.TrialState.PRUNED for t in pruned)
        # a pruned trial is not a run of the KB; every other finished trial is, under the full protocol
        runs = kb.runs_frame(status=None)
        assert len(runs) == len(result.trials) - len(pruned)
        assert set(runs["protocol"]) == {"5-fold CV"} and result.protocol == "5-fold CV"
        best_pruned_rung = max(float(t.error.rsplit(" ", 1)[1]) for t in pruned)
        assert result.best_score > best_pruned_rung - 0.05  # what was pruned lagged
        # the same search without fidelity prunes nothing
        plain = search(EXAMPLES / "titanic.csv", n_trials=3, warm_start=False, write_back=False, sampler="random",
                       seed=1, algorithms=FAST, refit=False, fidelity=False)
        assert {t.status for t in plain.trials} == {"ok"}


def test_the_time_budget_holds_with_rungs():
    import time

    from metalearn import search

    budget = 6.0
    start = time.monotonic()
    result = search(EXAMPLES / "titanic.csv", time_budget=budget, warm_start=False, write_back=False, sampler="random",
                    seed=2, algorithms=FAST, refit=False, n_jobs=1)
    wall = time.monotonic() - start
    longest = max((t.duration or 0.0) for t in result.trials)
    assert result.trials and wall <= budget * 1.1 + longest + 1.0, (wall, longest)
    # a trial cut by the deadline during a later rung is 'stopped', not a KB run and not 'pruned'
    assert {t.status for t in result.trials} <= {"ok", "pruned", "stopped"}


def test_rungs_are_used_only_when_they_can_pay():
    from metalearn.searcher._fidelity import MIN_SPLIT_CELLS, evaluate_trial, rungs_pay

    folds_only = rung_schedule(500, 5)
    big = MIN_SPLIT_CELLS
    study = _study()

    def add(value=0.8):
        study.add_trial(optuna.trial.create_trial(params={}, distributions={}, value=value))

    for _ in range(4):
        add()
    assert not rungs_pay(folds_only, study.ask(), False, big)  # 4 completed: no pruning yet, so no split
    assert not rungs_pay(rung_schedule(50_000, 5), study.ask(), False, big)
    add()
    assert rungs_pay(folds_only, study.ask(), False, big)
    assert not rungs_pay(folds_only, study.ask(), False, big - 1)  # small data: one worker per trial is cheaper
    assert not rungs_pay(folds_only, study.ask(), True, big)  # a warm-start trial cannot be pruned on the fold rung
    assert rungs_pay(rung_schedule(50_000, 5), study.ask(), True, big)  # ... but on the later rungs it can
    assert not rungs_pay(rung_schedule(500, 1), study.ask(), False, big)  # a holdout: one rung
    # a trial run whole reports its first fold at the first-fold rung, as a split one would
    evaluate, calls = _scripted(lambda params, fold: params["q"] + fold / 100)
    trial = study.ask()
    X = np.zeros((100, 3))
    result, pruned_at = evaluate_trial(evaluate, "X", {"q": 0.5}, X, [0, 1] * 50, trial=trial, fidelity=True,
                                       protect_first=False, task="binary", cv=5, random_state=0)
    assert pruned_at is None and calls == [({"q": 0.5}, None, None)] and len(result.fold_scores) == 5
    assert study.get_trials(deepcopy=False)[trial.number].intermediate_values == {0: 0.5}
