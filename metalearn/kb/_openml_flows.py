"""Reading OpenML flows and setups as names: a flow's final scikit-learn estimator, its parameters
mapped onto metalearn's registry, and OpenML's estimation procedures as protocol strings.
Nothing named by a flow is ever imported or executed."""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping, Sequence

from metalearn.exceptions import InvalidParamsError, UnknownAlgorithmError


def _strip_version(name: str) -> str:
    return re.sub(r"\(\d+\)$", "", name.strip())


def _split_call(name: str) -> tuple[str, list[tuple[str, str]]]:
    """``a.B(x=c.D,y=e.F(z=g.H))`` -> ``("a.B", [("x", "c.D"), ("y", "e.F(z=g.H)")])``."""
    if not name.endswith(")") or "(" not in name:
        return name, []
    head, inner = name[: name.index("(")], name[name.index("(") + 1 : -1]
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    pairs = []
    for part in parts:
        key, _, value = part.partition("=")
        pairs.append((key.strip(), value.strip()))
    return head, pairs


def final_estimator(flow_name: str) -> tuple[str, str] | None:
    """The final estimator of a scikit-learn flow: ``(class name, component flow name)``.

    Pipelines are followed to their last step; any other flow is its own
    estimator. Returns None for flows that are not scikit-learn's.
    """
    name = _strip_version(flow_name)
    if not name.startswith("sklearn."):
        return None
    head, parts = _split_call(name)
    if head.rsplit(".", 1)[-1] == "Pipeline" and parts:
        return final_estimator(parts[-1][1])
    return head.rsplit(".", 1)[-1], name


def protocol_name(procedure_type: str, parameters: Mapping[str, Any]) -> str:
    """metalearn's protocol string for an OpenML estimation procedure."""
    folds = str(parameters.get("number_folds") or "").strip()
    repeats = str(parameters.get("number_repeats") or "1").strip() or "1"
    percentage = str(parameters.get("percentage") or "").strip()
    kind = (procedure_type or "").lower()
    if kind == "crossvalidation" and folds:
        return f"{folds}-fold CV" if repeats == "1" else f"{repeats}x{folds}-fold CV"
    if kind == "holdout" and percentage:
        return f"holdout {percentage}%" if repeats == "1" else f"holdout {percentage}%, {repeats} repeats"
    if kind == "leaveoneout":
        return "leave-one-out CV"
    return f"openml {procedure_type}"


def _decode(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


#: Values scikit-learn renamed since OpenML's older runs were uploaded: (parameter, old value) -> new value,
#: by estimator kind ("Classifier"/"Regressor" suffix, or "" for any). Same meaning, new spelling.
_RENAMED = {
    ("", "criterion", "mse"): "squared_error",
    ("", "criterion", "mae"): "absolute_error",
    ("", "loss", "ls"): "squared_error",
    ("", "loss", "lad"): "absolute_error",
    ("", "loss", "deviance"): "log_loss",
    ("", "penalty", "none"): None,
    ("Classifier", "max_features", "auto"): "sqrt",
    ("Regressor", "max_features", "auto"): 1.0,
}


def _renamed(cls: str, params: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in params.items():
        for kind in ("", "Classifier" if cls.endswith("Classifier") else "Regressor"):
            if isinstance(value, str) and (kind, key, value) in _RENAMED:
                value = _RENAMED[kind, key, value]
                break
        out[key] = value
    return out


def _estimator_params(setup_params: Iterable[Mapping[str, Any]], component: str, cls: str) -> dict[str, Any]:
    """The decoded parameters of the flow component ``component`` in a setup."""
    exact = [p for p in setup_params if _strip_version(p["flow_name"] or "") == component]
    if not exact:  # fall back on the class name
        exact = [p for p in setup_params
                 if _split_call(_strip_version(p["flow_name"] or ""))[0].rsplit(".", 1)[-1] == cls]
    return {p["parameter_name"]: _decode(p["value"]) for p in exact}


def _searched_params(spec, decoded: Mapping[str, Any]) -> dict[str, Any]:
    """The registry's searched hyperparameters among ``decoded``, dropping inactive conditional ones.

    Settings the registry does not search (``verbose``, ``n_jobs``, ``random_state``, ...) and
    parameters it does not know are left out, so OpenML's configurations compare equal to ours.
    """
    kept: dict[str, Any] = {}
    for p in spec.params:
        if not p.search or p.name not in decoded:
            continue
        active = all(
            kept.get(other, decoded.get(other, _default(spec, other))) in tuple(allowed)
            for other, allowed in p.condition
        )
        if active:
            kept[p.name] = decoded[p.name]
    return kept


def _default(spec, name: str) -> Any:
    return next((p.default for p in spec.params if p.name == name), None)


def map_run(flow_name: str, setup_params: Sequence[Mapping[str, Any]] | None) -> tuple[str, dict] | str:
    """``(algorithm, params)`` for our registry, or the reason the run cannot be mapped."""
    from metalearn import space

    found = final_estimator(flow_name)
    if found is None:
        return "not a scikit-learn flow"
    cls, component = found
    try:
        space.get_algorithm(cls)
    except UnknownAlgorithmError:
        return f"estimator not in registry: {cls}"
    decoded = _renamed(cls, _estimator_params(setup_params or (), component, cls))
    params = _searched_params(space.get_algorithm(cls), decoded)
    for key, value in params.items():
        if isinstance(value, dict) and "oml-python:serialized_object" in value:
            return f"parameters invalid: {cls} parameter {key} is a serialized object"
    try:
        params = space.validate_params(cls, params)
    except InvalidParamsError as exc:
        return f"parameters invalid: {exc}"
    return cls, dict(params)
