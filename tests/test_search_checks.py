"""search refuses data it cannot cross-validate, before any trial or KB write (#15 item 1), and reports the loader's warnings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from metalearn.cli import main
from metalearn.exceptions import SearchError
from metalearn.searcher import check_cross_validatable, search

FAST = ("GaussianNB", "DecisionTreeClassifier")


def _frame(labels, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x1": rng.normal(size=len(labels)), "x2": rng.normal(size=len(labels)), "y": labels})


def _never(*args, **kwargs):  # an evaluator that must not be reached
    raise AssertionError("a trial ran on data the search should have refused")


@pytest.mark.parametrize(
    "labels, fragment",
    [
        (["a", "b"], "class for every row"),
        ([f"c{i}" for i in range(60)], "class for every row (60 rows, 60 classes)"),
        (["a"] * 30 + ["b"] * 30 + ["rare"], "class 'rare' of the target has 1 row"),
        (["a"] * 30 + ["b"] * 30 + ["r1", "r2"], "classes 'r1', 'r2' of the target have 1 row each"),
    ],
)
def test_classification_it_cannot_cross_validate_is_refused_before_any_trial(tmp_path, labels, fragment):
    kb = tmp_path / "kb.sqlite"
    with pytest.raises(SearchError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        search(_frame(labels), target="y", n_trials=2, warm_start=False, kb=kb, cv=2, algorithms=FAST, evaluator=_never)
    assert not kb.exists()  # nothing written, not even the dataset


def test_regression_with_too_few_rows_per_fold_is_refused():
    frame = _frame([float(i) * 1.5 for i in range(9)])
    with pytest.raises(SearchError, match="9 rows, too few for cv=5 folds.*cv=4 or fewer"):
        search(frame, target="y", task="regression", n_trials=1, warm_start=False, write_back=False, evaluator=_never)
    check_cross_validatable(frame["y"], "regression", 4)  # 4 folds of >= 2 rows: accepted


def test_rare_class_with_two_rows_runs_on_fewer_folds_and_reports_the_loader_warning():
    labels = ["a"] * 30 + ["b"] * 30 + ["c"] * 3
    res = search(_frame(labels), target="y", n_trials=2, warm_start=False, write_back=False, cv=5, seed=0,
                 algorithms=FAST, refit=False)
    assert [t.status for t in res.trials] == ["ok", "ok"]
    assert any("fewer than 5 samples: 'c' (3)" in w for w in res.warnings), res.warnings
    assert any("fewer than 5 samples" in w for w in res.to_dict()["warnings"])


def test_loader_repairs_reach_the_result(tmp_path):
    frame = _frame(["a", "b"] * 30)
    frame.loc[[3, 7], "y"] = None  # rows with a missing target are dropped by the loader
    res = search(frame, target="y", n_trials=1, warm_start=False, write_back=False, seed=0, algorithms=FAST, refit=False)
    assert any("dropped 2 row" in w for w in res.warnings), res.warnings


def test_cli_refuses_a_two_row_file_in_one_line(tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text("x,y\n1,a\n2,b\n")
    kb = tmp_path / "kb.sqlite"
    result = CliRunner().invoke(main, ["search", str(path), "--target", "y", "--trials", "2", "--cv", "2", "--kb", str(kb)])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.strip().splitlines() if not line.startswith("Warning:")]
    assert len(errors) == 1 and "class for every row" in errors[0] and "Traceback" not in result.output
    assert not kb.exists()


def test_result_exposes_the_study_a_readable_storage_and_a_leaderboard(tmp_path):
    import optuna
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True, as_frame=True)
    frame = X.assign(cultivar=y.astype(str))
    url = f"sqlite:///{tmp_path / 'study.db'}"
    res = search(frame, target="cultivar", n_trials=3, warm_start=False, write_back=False, seed=0, cv=3,
                 algorithms=FAST, storage=url, study_name="wine-study", refit=False,
                 configurations=[("GaussianNB", {}), ("DecisionTreeClassifier", {"max_depth": 3}),
                                 ("DecisionTreeClassifier", {"max_depth": 5}), ("GaussianNB", {"var_smoothing": 1e-3})])
    assert res.study is not None and res.study.study_name == "wine-study"
    loaded = optuna.load_study(study_name="wine-study", storage=url)
    states = [t.state.name for t in loaded.trials]
    assert states == ["COMPLETE"] * 3  # the 4th given configuration was never enqueued: no WAITING trial left
    columns = set(loaded.trials_dataframe().columns)
    assert "params_algorithm" in columns and "value" in columns
    assert all(not c.startswith("params_") or c == "params_algorithm" or "__" in c for c in columns), columns

    board = res.leaderboard()
    assert list(board.columns) == ["rank", "number", "algorithm", "params", "score", "score_std", "fit_time",
                                   "warm_start", "status"]
    assert list(board["score"]) == sorted(board["score"], reverse=True)
    assert list(board["rank"]) == [1, 2, 3]
    assert board.loc[0, "score"] == pytest.approx(res.best_score)
    assert board["score_std"].notna().all() and (board["score_std"] >= 0).all()  # spread over the 3 folds
    assert board.loc[board["number"] == 1, "params"].iloc[0] == {"max_depth": 3}


def test_bad_output_path_fails_before_any_trial(tmp_path):
    from metalearn.exceptions import ModelError

    kb = tmp_path / "kb.sqlite"
    with pytest.raises(ModelError, match="no-such-dir.*does not exist"):
        search(_frame(["a", "b"] * 30), target="y", n_trials=2, warm_start=False, kb=kb, algorithms=FAST,
               evaluator=_never, output=tmp_path / "no-such-dir" / "model.joblib")
    assert not kb.exists()


def test_output_is_a_model_file_with_metadata_that_predicts(tmp_path):
    from metalearn.model import load_model, predict

    frame = _frame(["a", "b"] * 30)
    frame["y"] = np.where(frame["x1"] > 0, "a", "b")
    out = tmp_path / "model.joblib"
    res = search(frame, target="y", n_trials=2, warm_start=False, write_back=False, seed=0, cv=3,
                 algorithms=FAST, output=out)
    saved = load_model(out)
    # the saved model's CV score: the ensemble's out-of-fold score when the model is the ensemble, else the trial's
    cv_score = res.final["ensemble_score"] if res.final["kind"] == "ensemble" else res.final["score"]
    assert saved.metadata["metric"] == res.metric and saved.metadata["cv_score"] == pytest.approx(cv_score)
    assert res.final["kind"] in ("ensemble", "single") and res.final["score"] is not None
    assert saved.metadata["target"] == "y" and [f["name"] for f in saved.metadata["features"]] == ["x1", "x2"]
    got = predict(out, frame.drop(columns="y"))
    assert (got.iloc[:, 0].to_numpy() == frame["y"].to_numpy()).mean() > 0.8


def test_plot_path_and_matplotlib_are_checked_before_any_trial(tmp_path, monkeypatch):
    import importlib.util

    from metalearn.exceptions import MetaLearnError

    frame = _frame(["a", "b"] * 30)
    with pytest.raises(MetaLearnError, match="cannot write the plot to .*does not exist"):
        search(frame, target="y", n_trials=1, warm_start=False, write_back=False, algorithms=FAST, evaluator=_never,
               plot=tmp_path / "missing" / "curve.png")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    with pytest.raises(MetaLearnError, match="needs matplotlib"):
        search(frame, target="y", n_trials=1, warm_start=False, write_back=False, algorithms=FAST, evaluator=_never,
               plot=tmp_path / "curve.png")
    monkeypatch.undo()
    out = tmp_path / "curve.png"
    search(frame, target="y", n_trials=2, warm_start=False, write_back=False, seed=0, cv=3, algorithms=FAST,
           refit=False, plot=out)
    assert out.read_bytes()[:4] == b"\x89PNG"
