"""The benchmark scripts' own logic, on small made-up inputs: the dense suite's neighbour baselines
(scripts/evaluate_recommender.py) and the search benchmark's report (scripts/bench_search.py).

Neither runs a search or opens a KB here; the scripts themselves are run by hand (see docs/).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


@pytest.fixture(scope="module")
def scripts():
    sys.path.insert(0, str(SCRIPTS))
    try:
        yield importlib.import_module("evaluate_recommender"), importlib.import_module("bench_search")
    finally:
        sys.path.remove(str(SCRIPTS))


# ---------------------------------------------------------------- dense neighbour baselines
def test_flaml_1nn_takes_the_nearest_datasets_five_best(scripts):
    er, _ = scripts
    # 4 datasets; FLAML's four size features are columns 0-3, column 4 is another meta-feature
    F = np.array([[1.0, 1.0, 2.0, 1.0, 0.0],
                  [5.0, 5.0, 2.0, 0.0, 9.0],
                  [1.1, 1.0, 2.0, 1.0, 9.0],   # nearest to row 0 by size, far by column 4
                  [1.0, 1.2, 2.0, 1.0, 0.1]])
    T = np.array([[0.5, 0.4, 0.3, 0.2, 0.1, 0.0],    # dataset 1's regrets over 6 configurations
                  [0.0, 0.1, 0.2, 0.3, 0.4, 0.5],    # dataset 2's
                  [0.3, 0.0, 0.3, 0.3, 0.3, 0.3]])   # dataset 3's
    picks = er._dense_neighbours(F, 0, np.array([1, 2, 3]), T, flaml=[0, 1, 2, 3])
    assert picks["FLAML-style 1-NN"] == [0, 1, 2, 3, 4]        # dataset 2 is nearest on the size features
    # on every feature dataset 3 is nearest, then 2, then 1: their best configurations in that order
    assert picks["auto-sklearn-style kNN"] == [1, 0, 5]


def test_no_shared_meta_features_gives_no_neighbour_pick(scripts):
    er, _ = scripts
    F = np.array([[np.nan, np.nan], [1.0, 2.0], [2.0, 1.0]])
    T = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert er._dense_neighbours(F, 0, np.array([1, 2]), T, flaml=[]) == {}


# ---------------------------------------------------------------- search benchmark report
def _cell(holdout, trials=10, **extra):
    return {"holdout": holdout, "trials": trials, **extra}


def test_report_counts_wins_and_means_over_complete_rows(scripts):
    _, bs = scripts
    k = bs.key
    results = {
        k("metalearn", "a", 60, 0): _cell(0.9, model="ensemble", cv=0.85, best_single_cv=0.84),
        k("metalearn-single", "a", 60, 0): _cell(0.88),
        k("flaml", "a", 60, 0): _cell(0.89, improvements=3),
        k("metalearn", "b", 60, 0): _cell(0.5, model="ensemble", cv=0.70, best_single_cv=0.71),
        k("metalearn-single", "b", 60, 0): _cell(0.55),
        k("flaml", "b", 60, 0): _cell(0.6),                   # a cell from before the trial count was fixed
        k("metalearn", "c", 60, 0): _cell(0.7),
        k("metalearn-single", "c", 60, 0): {"error": ["boom"]},
        k("flaml", "c", 60, 0): _cell(0.1, improvements=1),
    }
    text = bs.report(results, ["a", "b", "c"], [60.0], [0], ["metalearn", "metalearn-single", "flaml"])
    assert "on 2 of 3 dataset-seed pairs" in text                         # a and c won, b lost
    assert "| **mean** (2 rows every method finished) | | 0.7000 | 0.7150 | 0.7450 |" in text
    assert "0.6000 (10*)" in text and "0.8900 (10)" in text             # only the stale FLAML cell is marked
    assert "holdout >= on 1 of 2 pairs, mean difference -0.0150" in text  # c's single model errored
    assert "best single trial's on 1 of 2 metalearn searches" in text
