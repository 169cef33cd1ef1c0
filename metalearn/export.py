"""Export a fitted model as a readable, runnable scikit-learn script.

:func:`export_python` writes a Python file that rebuilds the model's unfitted
estimator from its parameters (only those that differ from the class defaults, one per
line, with the imports they need) and fits it on a CSV file given on its command line:

    python model_script.py data.csv --target class --out refit.joblib --predictions pred.csv

The script uses scikit-learn, numpy, pandas and joblib only. With the same data and
the same ``random_state`` values (part of the exported parameters) it refits the same
model as the one saved.
"""

from __future__ import annotations

import importlib
import inspect
import math
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from metalearn.exceptions import ModelError

__all__ = ["estimator_source", "export_python"]

INDENT = "    "


def _public_module(obj) -> str:
    """The shortest importable module path that exposes ``obj`` under its name."""
    module = getattr(obj, "__module__", None) or "builtins"
    name = obj.__name__
    parts = module.split(".")
    for i in range(1, len(parts) + 1):
        candidate = ".".join(parts[:i])
        if any(p.startswith("_") for p in parts[1:i]):
            break
        try:
            if getattr(importlib.import_module(candidate), name, None) is obj:
                return candidate
        except ImportError:
            continue
    return module


class _Source:
    """Python source for a value, collecting the imports it needs."""

    def __init__(self):
        self.imports: set[str] = set()

    def name(self, obj) -> str:
        module = _public_module(obj)
        if module == "builtins":
            return obj.__name__
        self.imports.add(f"from {module} import {obj.__name__}")
        return obj.__name__

    def __call__(self, value, depth: int = 0) -> str:
        pad, inner = INDENT * depth, INDENT * (depth + 1)
        if isinstance(value, BaseEstimator):
            params = _changed_params(value)
            if not params:
                return f"{self.name(type(value))}()"
            body = "".join(f"{inner}{k}={self(v, depth + 1)},\n" for k, v in params.items())
            return f"{self.name(type(value))}(\n{body}{pad})"
        if value is None or isinstance(value, (bool, str, int)):
            return repr(value)
        if isinstance(value, float):
            return repr(value) if math.isfinite(value) else f'float("{value}")'
        if isinstance(value, np.generic):
            return self(value.item(), depth)
        if value is pd.NA:
            self.imports.add("import pandas as pd")
            return "pd.NA"
        if isinstance(value, np.dtype):
            self.imports.add("import numpy as np")
            return f"np.dtype({str(value)!r})"
        if isinstance(value, (list, tuple)):
            if not value:
                return "[]" if isinstance(value, list) else "()"
            items = [self(v, depth + 1) for v in value]
            opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
            if all("\n" not in i for i in items) and sum(map(len, items)) < 70:
                tail = "," if isinstance(value, tuple) and len(items) == 1 else ""
                return opening + ", ".join(items) + tail + closing
            heads = items[:-1]
            if isinstance(value, tuple) and all("\n" not in i for i in heads) and sum(map(len, heads)) < 60:
                # ('name', Estimator(...)) and ('name', Estimator(...), [columns]) read best on one opening line
                last = self(value[-1], depth)
                return opening + ", ".join([*heads, last]) + closing
            return opening + "\n" + "".join(f"{inner}{i},\n" for i in items) + pad + closing
        if isinstance(value, dict):
            items = [f"{self(k)}: {self(v, depth + 1)}" for k, v in value.items()]
            return "{" + ", ".join(items) + "}"
        if isinstance(value, type) or inspect.isroutine(value):
            return self.name(value)
        raise ModelError(f"cannot export a parameter value of type {type(value).__name__} ({value!r:.60}); "
                         f"only scikit-learn objects, functions and plain values can be written as Python")


def _same(a, b) -> bool:
    try:
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return type(a) is type(b) and bool(a == b)
    except (TypeError, ValueError):
        return a is b


def _changed_params(estimator: BaseEstimator) -> dict:
    signature = inspect.signature(type(estimator).__init__)
    params = estimator.get_params(deep=False)
    out = {}
    for key, value in params.items():
        default = signature.parameters.get(key)
        if default is not None and default.default is not inspect.Parameter.empty and _same(value, default.default):
            continue
        out[key] = value
    return out


def estimator_source(estimator) -> tuple[str, list[str]]:
    """Return (expression, import lines) rebuilding ``estimator`` unfitted."""
    src = _Source()
    code = src(estimator)
    return code, sorted(src.imports)


_TEMPLATE = '''"""{title}

Exported by metalearn {version} from {origin}.
Rebuilds the model's scikit-learn estimator with its parameters and fits it on a CSV file:

    python {script} DATA.csv [--target {target}] [--out model.joblib] [--predictions predictions.csv]
"""

import argparse

import joblib
import pandas as pd
{imports}


def make_model():
    """The unfitted estimator."""
    return {code}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="CSV file with the feature columns and the target")
    parser.add_argument("--target", default={target!r}, help="target column (default: %(default)s)")
    parser.add_argument("--out", help="write the fitted model here (joblib)")
    parser.add_argument("--predictions", help="write the fitted model's predictions on DATA here (CSV)")
    args = parser.parse_args(argv)
    frame = pd.read_csv(args.data, na_values=["?"])
    X, y = frame.drop(columns=[args.target]), frame[args.target]
    model = make_model().fit(X, y)
    if args.out:
        joblib.dump(model, args.out)
    if args.predictions:
        pd.DataFrame({{args.target: model.predict(X)}}).to_csv(args.predictions, index=False)
    return model


if __name__ == "__main__":
    main()
'''


def export_python(model, script_path, *, target: str | None = None) -> Path:
    """Write a runnable scikit-learn script rebuilding ``model`` (a model file path, a
    :class:`~metalearn.model.SavedModel` or an estimator); return the script's path.

    ``target`` is the script's default target column (by default the model file's).
    """
    from metalearn.model import SavedModel, check_writable, load_model

    origin = "an estimator"
    if isinstance(model, (str, Path)):
        origin = f"model file {Path(model).name}"
        model = load_model(model)
    if isinstance(model, SavedModel):
        target = target or model.metadata.get("target")
        estimator = model.estimator
    else:
        estimator = model
    if not isinstance(estimator, BaseEstimator):
        raise ModelError(f"cannot export {type(estimator).__name__}: not a scikit-learn estimator")
    path = check_writable(script_path)
    code, imports = estimator_source(_unfitted(estimator))
    from metalearn._version import __version__

    name = type(estimator).__name__
    if name == "Pipeline":
        name = f"Pipeline ending in {type(estimator.steps[-1][1]).__name__}"
    text = _TEMPLATE.format(title=f"A scikit-learn {name}, refitted from data.", version=__version__, origin=origin,
                            script=path.name, target=target or "target", imports="\n".join(i for i in imports if i != "import pandas as pd"),
                            code=code.replace("\n", "\n" + INDENT))
    compile(text, str(path), "exec")  # never write a script that does not parse
    path.write_text(text, encoding="utf-8")
    return path


def _unfitted(estimator):
    from sklearn.base import clone

    return clone(estimator)
