"""The saved model file: a fitted estimator that stands alone and says what it is.

Format: a joblib file of a plain dict ``{"model": estimator, "metadata": {...}}``. The
estimator is made of scikit-learn, numpy and pandas objects only (pipelines from
:mod:`metalearn.space`, ensembles as scikit-learn ``Voting*``, see
:mod:`metalearn.ensemble`), so ``joblib.load(path)["model"].predict(X)`` works where
metalearn is not installed. The metadata is JSON-able: metric, CV score, protocol,
task, target, the training data's content hash, class labels, feature names and
dtypes, the versions of metalearn, scikit-learn, numpy, pandas and Python, the search
id and the ensemble's members and weights.

Why joblib and not skops: joblib (a pickle) is what scikit-learn documents for
persistence and needs nothing beyond scikit-learn's own dependencies; skops.io refuses
untrusted types on load, which is safer for files from others, but is not installed
here and would be a new dependency of every user loading a model. A pickle runs code
when loaded: load only model files you trust. The versions in the metadata let a
loader warn when scikit-learn differs from the one that saved the model.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from metalearn import paths
from metalearn.exceptions import ModelError

__all__ = ["FORMAT", "SavedModel", "check_writable", "data_hash", "model_metadata", "save_model", "load_model",
           "predict", "versions"]

FORMAT = "metalearn-model/1"


@dataclass(frozen=True)
class SavedModel:
    """A loaded model file: the fitted ``estimator`` and its ``metadata`` dict."""

    estimator: Any
    metadata: Mapping[str, Any]


def versions() -> dict:
    """The library versions recorded in a saved model."""
    import joblib
    import sklearn

    from metalearn._version import __version__

    return {"metalearn": __version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "pandas": pd.__version__, "joblib": joblib.__version__, "python": platform.python_version()}


def check_writable(path) -> Path:
    """Check that a model can be written at ``path`` (before a long search); return it as a Path.

    Raises :class:`~metalearn.exceptions.ModelError` (one line) if the path is a
    directory, its directory does not exist or is not writable, or the file exists and
    is not writable (:func:`metalearn.paths.check_writable`).
    """
    return paths.check_writable(path, what="the model", error=ModelError)


def data_hash(X: pd.DataFrame, y=None) -> str:
    """A SHA-256 of a DataFrame's content (values, column names and row order; and y if given)."""
    h = hashlib.sha256()
    h.update(json.dumps([str(c) for c in X.columns]).encode())
    h.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    if y is not None:
        h.update(pd.util.hash_pandas_object(pd.Series(np.asarray(y)), index=False).to_numpy().tobytes())
    return h.hexdigest()


def _plain(value):
    """A JSON-able copy of a label or number (numpy scalars to Python)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def model_metadata(estimator, X: pd.DataFrame, *, task: str, metric: str, score: float | None = None,
                   protocol: str | None = None, target: str | None = None, content_hash: str | None = None,
                   search_id: str | int | None = None, ensemble: Mapping | None = None) -> dict:
    """Describe a fitted estimator trained on ``X`` (a DataFrame) as JSON-able metadata.

    ``content_hash`` is the training data's hash (a :class:`metalearn.data.Dataset`'s
    ``content_hash``); if not given, :func:`data_hash` of ``X``. ``ensemble`` is e.g.
    ``{"members": [{"algorithm": ..., "params": {...}, "weight": 0.4}, ...]}``.
    """
    if not isinstance(X, pd.DataFrame):
        raise ModelError("model_metadata: X must be the pandas DataFrame the model was trained on "
                         "(its column names and dtypes are recorded)")
    classes = getattr(estimator, "classes_", None)
    meta = {
        "format": FORMAT,
        "task": task,
        "metric": metric,
        "cv_score": None if score is None or not np.isfinite(score) else float(score),
        "protocol": protocol,
        "target": target,
        "training_data_sha256": content_hash or data_hash(X),
        "n_rows": int(len(X)),
        "classes": None if classes is None else [_plain(c) for c in classes],
        "features": [{"name": str(c), "dtype": str(t)} for c, t in X.dtypes.items()],
        "search_id": search_id,
        "ensemble": None if ensemble is None else dict(ensemble),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": versions(),
    }
    return meta


def save_model(estimator, path, metadata: Mapping[str, Any]) -> Path:
    """Write ``{"model": estimator, "metadata": metadata}`` with joblib; return the path.

    ``metadata`` must be JSON-able (see :func:`model_metadata`); ``format`` and
    ``versions`` are filled in when missing. The file is written to a temporary name
    and renamed, so a failed write leaves no half file.
    """
    import joblib

    path = check_writable(path)
    meta = {"format": FORMAT, "versions": versions(), **dict(metadata)}
    try:
        json.dumps(meta, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"model metadata is not JSON-able ({exc}); give plain str/int/float/list/dict values") from None
    tmp = path.with_name(path.name + ".tmp")
    try:
        joblib.dump({"model": estimator, "metadata": meta}, tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ModelError(f"cannot write the model to {str(path)!r}: {exc.strerror or exc}") from None
    return path


def load_model(path) -> SavedModel:
    """Read a model file written by :func:`save_model`.

    Warns (``UserWarning``) when the installed scikit-learn differs from the one that
    saved the model. Raises :class:`~metalearn.exceptions.ModelError` (one line) if the
    file is missing or not a metalearn model file.
    """
    import joblib

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file {str(path)!r} does not exist; give the path written by search --save-model")
    try:
        content = joblib.load(path)
    except Exception as exc:  # joblib/pickle raise many kinds on a foreign file
        raise ModelError(f"{str(path)!r} is not a readable model file ({type(exc).__name__}); "
                         f"give a file written by metalearn") from None
    if not (isinstance(content, dict) and "model" in content and isinstance(content.get("metadata"), dict)
            and str(content["metadata"].get("format", "")).startswith("metalearn-model/")):
        raise ModelError(f"{str(path)!r} is not a metalearn model file (no model/metadata); give a file written by metalearn")
    meta = content["metadata"]
    saved = meta.get("versions", {}).get("scikit-learn")
    current = versions()["scikit-learn"]
    if saved and saved != current:
        warnings.warn(f"model {str(path)!r} was saved with scikit-learn {saved}, this is {current}; "
                      f"predictions may differ", UserWarning, stacklevel=2)
    return SavedModel(estimator=content["model"], metadata=meta)


def _read_data(data) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    path = Path(data)
    if not path.is_file():
        raise ModelError(f"data file {str(path)!r} does not exist; give a CSV file with the model's feature columns")
    try:
        return pd.read_csv(path, na_values=["?"], keep_default_na=True)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ModelError(f"cannot read {str(path)!r} as CSV ({type(exc).__name__}); give a CSV file with a header row") from None


def _align(frame: pd.DataFrame, meta: Mapping) -> pd.DataFrame:
    """The frame's feature columns in training order and dtypes; one-line error on a mismatch."""
    features = [f["name"] for f in meta["features"]]
    columns = [str(c) for c in frame.columns]
    missing = [c for c in features if c not in columns]
    extra = [c for c in columns if c not in features and c != meta.get("target")]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(map(repr, missing[:10]))}{' ...' if len(missing) > 10 else ''}")
        if extra:
            parts.append(f"unknown column(s) {', '.join(map(repr, extra[:10]))}{' ...' if len(extra) > 10 else ''}")
        raise ModelError(f"data does not match the model's {len(features)} features: {'; '.join(parts)}; "
                         f"give the columns the model was trained on")
    frame = frame.rename(columns=str)[features]
    out = {}
    for f in meta["features"]:
        s = frame[f["name"]]
        if f["dtype"] == "category" and str(s.dtype) != "category":
            s = s.astype("category")  # the values kept as read (bool stays bool, as the loader types them)
        out[f["name"]] = s
    return pd.DataFrame(out, index=frame.index)


def predict(model, data, *, proba: bool = False) -> pd.DataFrame:
    """Predict with a saved model (a path or a :class:`SavedModel`) on a DataFrame or CSV path.

    Returns a DataFrame: one column named after the target (``prediction`` if unknown)
    or, with ``proba=True``, one column per class label. The data's columns must be the
    model's features (the target column, if present, is ignored); otherwise a one-line
    :class:`~metalearn.exceptions.ModelError` says which are missing or unknown.
    """
    saved = model if isinstance(model, SavedModel) else load_model(model)
    meta = saved.metadata
    X = _align(_read_data(data), meta)
    if proba:
        if meta.get("classes") is None or not hasattr(saved.estimator, "predict_proba"):
            raise ModelError(f"proba=True needs a classifier; this model's task is {meta.get('task')!r}")
        P = saved.estimator.predict_proba(X)
        return pd.DataFrame(P, columns=[str(c) for c in meta["classes"]], index=X.index)
    return pd.DataFrame({meta.get("target") or "prediction": saved.estimator.predict(X)}, index=X.index)
