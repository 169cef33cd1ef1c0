"""The saved model file: save/load/predict, its metadata, path checks, and loading without metalearn."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from metalearn.ensemble import voting_ensemble
from metalearn.exceptions import MetaLearnError, ModelError
from metalearn.leaderboard import leaderboard
from metalearn.model import check_writable, load_model, model_metadata, predict, save_model
from metalearn.space import make_pipeline

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"

# what a saved model needs at load time: scikit-learn, pandas and joblib with their installed requirements
LOAD_TIME_DISTRIBUTIONS = ("scikit-learn", "pandas", "joblib")


@pytest.fixture(scope="module")
def penguins():
    df = pd.read_csv(EXAMPLES / "penguins.csv")
    return df, df.drop(columns="species"), df["species"]


@pytest.fixture(scope="module")
def ensemble_file(tmp_path_factory, penguins):
    df, X, y = penguins
    members = [("LogisticRegression", {"C": 1.0}), ("RandomForestClassifier", {"n_estimators": 15})]
    fitted = [make_pipeline(a, p, X, random_state=0).fit(X, y) for a, p in members]
    model = voting_ensemble(fitted, [0.6, 0.4], task="multiclass")
    meta = model_metadata(model, X, task="multiclass", metric="balanced_accuracy", score=0.97, protocol="5-fold CV",
                          target="species", search_id="s1",
                          ensemble={"members": [{"algorithm": a, "params": p, "weight": w}
                                                for (a, p), w in zip(members, [0.6, 0.4])]})
    path = save_model(model, tmp_path_factory.mktemp("m") / "penguins.joblib", meta)
    return path, model


def test_round_trip_and_metadata(ensemble_file, penguins):
    path, model = ensemble_file
    df, X, y = penguins
    saved = load_model(path)
    meta = saved.metadata
    json.dumps(meta, allow_nan=False)  # JSON-able throughout
    assert meta["format"] == "metalearn-model/1"
    assert meta["metric"] == "balanced_accuracy" and meta["cv_score"] == 0.97 and meta["protocol"] == "5-fold CV"
    assert meta["classes"] == sorted(y.unique())
    assert [f["name"] for f in meta["features"]] == list(X.columns)
    assert {f["name"]: f["dtype"] for f in meta["features"]}["island"] in ("str", "object")
    assert set(meta["versions"]) >= {"metalearn", "scikit-learn", "python", "numpy", "pandas"}
    assert meta["ensemble"]["members"][0]["weight"] == 0.6
    assert len(meta["training_data_sha256"]) == 64
    np.testing.assert_allclose(saved.estimator.predict_proba(X), model.predict_proba(X))
    # a plain joblib dict: no metalearn needed to read it
    raw = joblib.load(path)
    assert set(raw) == {"model", "metadata"}


def test_predict_from_frame_and_csv(ensemble_file, penguins, tmp_path):
    path, model = ensemble_file
    df, X, y = penguins
    out = predict(path, df)  # the target column is ignored
    assert list(out.columns) == ["species"]
    np.testing.assert_array_equal(out["species"], model.predict(X))
    csv = tmp_path / "new.csv"
    X.head(20).to_csv(csv, index=False)
    proba = predict(path, csv, proba=True)
    assert list(proba.columns) == sorted(y.unique())
    np.testing.assert_allclose(proba.to_numpy(), model.predict_proba(X.head(20)), atol=1e-12)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_predict_names_missing_and_extra_columns(ensemble_file, penguins):
    path, _ = ensemble_file
    df, X, y = penguins
    bad = X.drop(columns=["sex"]).assign(colour="x")
    with pytest.raises(ModelError) as info:
        predict(path, bad)
    msg = str(info.value)
    assert "missing column(s) 'sex'" in msg and "unknown column(s) 'colour'" in msg and "\n" not in msg


def test_regression_model_has_no_proba(tmp_path):
    df = pd.read_csv(EXAMPLES / "cpu.csv")
    X, y = df.drop(columns="class"), df["class"]
    model = make_pipeline("Ridge", {}, X, random_state=0).fit(X, y)
    path = save_model(model, tmp_path / "cpu.joblib", model_metadata(model, X, task="regression", metric="r2",
                                                                    target="class"))
    np.testing.assert_allclose(predict(path, X)["class"], model.predict(X))
    with pytest.raises(ModelError, match="needs a classifier"):
        predict(path, X, proba=True)


def test_bad_paths_are_one_line_errors(tmp_path, ensemble_file):
    with pytest.raises(ModelError, match="does not exist; create it"):
        check_writable(tmp_path / "no" / "such" / "model.joblib")
    with pytest.raises(ModelError, match="is a directory"):
        check_writable(tmp_path)
    assert check_writable(tmp_path / "ok.joblib") == tmp_path / "ok.joblib"
    if os.geteuid() != 0:  # root writes anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        with pytest.raises(ModelError, match="not writable"):
            check_writable(ro / "m.joblib")
    with pytest.raises(ModelError, match="does not exist"):
        load_model(tmp_path / "missing.joblib")
    junk = tmp_path / "junk.joblib"
    junk.write_text("not a model")
    with pytest.raises(ModelError, match="not a readable model file"):
        load_model(junk)
    joblib.dump({"something": 1}, tmp_path / "other.joblib")
    with pytest.raises(ModelError, match="not a metalearn model file"):
        load_model(tmp_path / "other.joblib")
    with pytest.raises(ModelError, match="not JSON-able"):
        save_model(1, tmp_path / "x.joblib", {"bad": object()})
    assert issubclass(ModelError, MetaLearnError)


def _requirement_closure(names) -> set:
    """The installed distributions ``names`` need (non-extra requirements, recursively)."""
    from importlib import metadata

    seen, todo = set(), list(names)
    while todo:
        name = re.split(r"[ ;<>=!~\[(]", todo.pop(), maxsplit=1)[0].lower().replace("_", "-")
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        todo.extend(r for r in dist.requires or () if "extra ==" not in r)
    return seen


def _load_time_dir(tmp_path: Path) -> Path:
    """A directory with links to the load-time distributions' files only (no metalearn, no optuna)."""
    from importlib import metadata

    libs = tmp_path / "site"
    libs.mkdir()
    for name in _requirement_closure(LOAD_TIME_DISTRIBUTIONS):
        dist = metadata.distribution(name)
        for file in dist.files or ():
            top = file.parts[0]
            if top.endswith((".dist-info", ".egg-info", ".pth")) or top in ("..", "__pycache__") or (libs / top).exists():
                continue
            src = Path(dist.locate_file(top))
            if src.exists():
                (libs / top).symlink_to(src)
    assert not (libs / "metalearn").exists()
    return libs


def test_loads_and_predicts_without_metalearn(ensemble_file, penguins, tmp_path):
    path, model = ensemble_file
    df, X, y = penguins
    X.to_csv(tmp_path / "X.csv", index=False)
    libs = _load_time_dir(tmp_path)
    script = f"""
import sys
sys.path.insert(0, {str(libs)!r})
try:
    import metalearn
    raise SystemExit("metalearn is importable: the test would prove nothing")
except ImportError:
    pass
import joblib, numpy, pandas
content = joblib.load({str(path)!r})
X = pandas.read_csv({str(tmp_path / 'X.csv')!r})
numpy.save({str(tmp_path / 'proba.npy')!r}, content["model"].predict_proba(X))
numpy.save({str(tmp_path / 'labels.npy')!r}, content["model"].predict(X).astype(str))
print(sorted(m for m in sys.modules if m.split('.')[0] in ('metalearn', 'optuna')))
"""
    done = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
    np.testing.assert_allclose(np.load(tmp_path / "proba.npy"), model.predict_proba(X))
    np.testing.assert_array_equal(np.load(tmp_path / "labels.npy"), model.predict(X).astype(str))


def test_leaderboard_sorts_and_shows_key_params():
    trials = [
        {"number": 0, "algorithm": "SVC", "params": {"C": 1.0, "kernel": "rbf"}, "score": 0.8, "status": "ok",
         "warm_start": True, "fit_time": 0.5},
        {"number": 1, "algorithm": "SVC", "params": {"C": 10.0}, "score": None, "status": "failed",
         "warm_start": False, "fit_time": None},
        {"number": 2, "algorithm": "ExtraTreesClassifier", "params": {"criterion": "gini", "min_samples_split": 2,
                                                                      "n_estimators": 300},
         "score": 0.9, "status": "ok", "warm_start": False, "fit_time": 2.0, "score_std": 0.01},
        {"number": 3, "algorithm": "SVC", "params": {"C": 2.0}, "score": 0.8, "status": "ok", "warm_start": False},
    ]
    board = leaderboard(trials)
    assert list(board["number"]) == [2, 0, 3, 1]
    assert list(board["rank"][:3]) == [1, 2, 3] and board["rank"].isna().iloc[3]
    assert board["params"].iloc[0] == {"n_estimators": 300}  # defaults left out
    assert board["params"].iloc[1] == {}
    assert board["score_std"].iloc[0] == 0.01 and np.isnan(board["score_std"].iloc[1])
    assert list(board["warm_start"]) == [False, True, False, False]


def test_cli_predict(ensemble_file, penguins, tmp_path):
    from click.testing import CliRunner

    from metalearn.cli import main

    path, model = ensemble_file
    df, X, y = penguins
    data = tmp_path / "new.csv"
    X.head(30).to_csv(data, index=False)
    out = tmp_path / "pred.csv"
    done = CliRunner().invoke(main, ["predict", str(path), str(data), "-o", str(out)])
    assert done.exit_code == 0, done.output
    np.testing.assert_array_equal(pd.read_csv(out)["species"], model.predict(X.head(30)))
    done = CliRunner().invoke(main, ["predict", str(path), str(data), "--proba"])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[0] == ",".join(sorted(y.unique()))
    X.head(5).drop(columns="island").to_csv(tmp_path / "bad.csv", index=False)
    done = CliRunner().invoke(main, ["predict", str(path), str(tmp_path / "bad.csv")])
    assert done.exit_code == 2 and "missing column(s) 'island'" in done.output and "Traceback" not in done.output
    done = CliRunner().invoke(main, ["predict", str(path), str(data), "-o", str(tmp_path / "no" / "p.csv")])
    assert done.exit_code == 2 and "does not exist" in done.output


@pytest.mark.parametrize("name, target", [("zoo.csv", "type"), ("titanic.csv", "survived")])
def test_predict_on_the_csv_matches_the_loaded_training_data(tmp_path, name, target):
    # a search trains on load_dataset's X (bool and text columns typed category); predict reads the
    # CSV with pandas and must give the model the same values (zoo: bool columns, titanic: missing values)
    from metalearn.data import load_dataset

    ds = load_dataset(EXAMPLES / name, target=target)
    model = make_pipeline("DecisionTreeClassifier", {"max_depth": 4}, ds.X, random_state=0).fit(ds.X, ds.y)
    path = save_model(model, tmp_path / "m.joblib", model_metadata(model, ds.X, task=ds.task, metric="accuracy",
                                                                  target=target, content_hash=ds.content_hash))
    assert load_model(path).metadata["training_data_sha256"] == ds.content_hash
    out = predict(path, EXAMPLES / name)
    np.testing.assert_array_equal(out[target].astype(str), model.predict(ds.X).astype(str))
