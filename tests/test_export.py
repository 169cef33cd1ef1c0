"""The exported scikit-learn script runs on its own and refits the saved model's predictions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator

from metalearn.ensemble import voting_ensemble
from metalearn.exceptions import ModelError
from metalearn.export import estimator_source, export_python
from metalearn.model import model_metadata, save_model
from metalearn.space import make_pipeline

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


def _run(script: Path, *args, cwd: Path):
    done = subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_exported_script_refits_the_saved_model(tmp_path):
    data = EXAMPLES / "penguins.csv"
    df = pd.read_csv(data, na_values=["?"])
    X, y = df.drop(columns="species"), df["species"]
    members = [make_pipeline("RandomForestClassifier", {"n_estimators": 25, "max_features": 0.5}, X, random_state=3),
               make_pipeline("LogisticRegression", {"C": 0.3}, X, random_state=0)]
    model = voting_ensemble([m.fit(X, y) for m in members], [0.7, 0.3], task="multiclass")
    path = save_model(model, tmp_path / "m.joblib", model_metadata(model, X, task="multiclass", metric="accuracy",
                                                                  target="species"))
    script = export_python(path, tmp_path / "refit.py")
    text = script.read_text()
    assert "import metalearn" not in text and "from metalearn" not in text
    assert "max_features=0.5" in text and "random_state=3" in text and "weights=[0.7, 0.3]" in text
    _run(script, data, "--out", tmp_path / "refit.joblib", "--predictions", tmp_path / "pred.csv", cwd=tmp_path)
    refit = joblib.load(tmp_path / "refit.joblib")
    np.testing.assert_allclose(refit.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(pd.read_csv(tmp_path / "pred.csv")["species"], model.predict(X))


def test_exported_regressor_with_another_target_name(tmp_path):
    data = EXAMPLES / "cpu.csv"
    df = pd.read_csv(data)
    X, y = df.drop(columns="class"), df["class"]
    model = make_pipeline("ExtraTreesRegressor", {"n_estimators": 20, "min_samples_leaf": 2}, X, random_state=7).fit(X, y)
    script = export_python(model, tmp_path / "cpu_model.py")  # an estimator: no target known
    _run(script, data, "--target", "class", "--predictions", tmp_path / "pred.csv", cwd=tmp_path)
    np.testing.assert_allclose(pd.read_csv(tmp_path / "pred.csv")["class"], model.predict(X))


class _Opaque(BaseEstimator):
    def __init__(self, thing=None):
        self.thing = thing


def test_unexportable_values_and_paths(tmp_path):
    with pytest.raises(ModelError, match="cannot export a parameter value of type object"):
        estimator_source(_Opaque(thing=object()))
    with pytest.raises(ModelError, match="not a scikit-learn estimator"):
        export_python(object(), tmp_path / "x.py")
    with pytest.raises(ModelError, match="does not exist"):
        export_python(make_pipeline("Ridge", {}, pd.DataFrame({"a": [1.0]})), tmp_path / "no" / "x.py")
    code, imports = estimator_source(make_pipeline("Ridge", {"alpha": 2.0}, pd.DataFrame({"a": [1.0]})))
    assert "alpha=2.0" in code and "from sklearn.linear_model import Ridge" in imports


def test_cli_export(tmp_path):
    from click.testing import CliRunner

    from metalearn.cli import main

    df = pd.read_csv(EXAMPLES / "cpu.csv")
    X, y = df.drop(columns="class"), df["class"]
    model = make_pipeline("Ridge", {"alpha": 3.0}, X, random_state=0).fit(X, y)
    path = save_model(model, tmp_path / "m.joblib", model_metadata(model, X, task="regression", metric="r2",
                                                                  target="class"))
    done = CliRunner().invoke(main, ["export", str(path), "--python", str(tmp_path / "s.py")])
    assert done.exit_code == 0, done.output
    assert "alpha=3.0" in (tmp_path / "s.py").read_text()
    done = CliRunner().invoke(main, ["export", str(tmp_path / "missing.joblib"), "--python", str(tmp_path / "t.py")])
    assert done.exit_code == 2 and "does not exist" in done.output and "Traceback" not in done.output
