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
        # two runs: linear in rows x features
        assert predict_cost(kb, "KNeighborsClassifier", {}, 4000, 20) == pytest.approx(0.2 * 8, rel=1e-6)
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


def test_warm_start_order_is_gain_per_second():
    assert order_by_gain_per_second("abc", [1.0, 1.0, 1.0]) == [0, 1, 2]  # equal costs: the plan's order
    # the first candidate costs 100 s: two cheap ones go before it
    assert order_by_gain_per_second("abc", [100.0, 1.0, 2.0]) == [1, 2, 0]
    assert order_by_gain_per_second("ab", [None, math.nan]) == [0, 1]
