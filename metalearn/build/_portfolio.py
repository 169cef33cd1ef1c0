"""Portfolios: the configurations a build evaluates (defaults, random:N, kb-top:N or a file)."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path

from metalearn._canonical import canonical_json
from metalearn.exceptions import ConfigurationError
from metalearn.tasks import default_metric, task_family


def parse_portfolio_spec(spec: str) -> tuple[str, int | str | None]:
    """Split a portfolio spec into its kind and argument.

    Returns ``("defaults", None)``, ``("random", N)``, ``("kb-top", N)`` or
    ``("file", path)``.

    >>> parse_portfolio_spec("kb-top:10")
    ('kb-top', 10)
    >>> parse_portfolio_spec("random:x")
    Traceback (most recent call last):
    ...
    metalearn.exceptions.ConfigurationError: portfolio 'random:x': N must be a positive integer, e.g. random:20
    """
    text = str(spec).strip()
    if text == "defaults":
        return "defaults", None
    for kind in ("random", "kb-top"):
        if text.startswith(kind + ":"):
            arg = text[len(kind) + 1:]
            if not arg.isdigit() or int(arg) < 1:
                raise ConfigurationError(f"portfolio {text!r}: N must be a positive integer, e.g. {kind}:20")
            return kind, int(arg)
    path = Path(text).expanduser()
    if not path.is_file():
        raise ConfigurationError(
            f"portfolio {text!r} is not 'defaults', 'random:N', 'kb-top:N' or an existing JSON/CSV file"
        )
    return "file", str(path)


def _portfolio_from_file(path: str, family: str) -> list[tuple[str, dict]]:
    from metalearn import space

    p = Path(path)
    try:
        if p.suffix.lower() == ".json":
            rows = json.loads(p.read_text(encoding="utf-8"))
        else:
            with p.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise ConfigurationError(f"portfolio file {p} cannot be read ({exc}): give JSON or CSV with algorithm,params") from None
    if not isinstance(rows, list):
        raise ConfigurationError(f"portfolio file {p}: expected a list of {{'algorithm': ..., 'params': {{...}}}} objects")
    allowed = set(space.algorithms_for(family))
    out = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping) or not row.get("algorithm"):
            raise ConfigurationError(f"portfolio file {p}, entry {i}: needs an 'algorithm' (and optional 'params')")
        name = str(row["algorithm"]).strip()
        params = row.get("params") or {}
        if isinstance(params, str):
            try:
                params = json.loads(params)
            except json.JSONDecodeError:
                raise ConfigurationError(f"portfolio file {p}, entry {i}: params {params[:60]!r} is not JSON") from None
        space.get_algorithm(name)  # UnknownAlgorithmError names it
        if name in allowed:
            out.append((name, space.validate_params(name, params)))
    return out


def _portfolio_random(n: int, family: str, seed: int) -> list[tuple[str, dict]]:
    import optuna

    from metalearn import space

    algorithms = list(space.algorithms_for(family))
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no "study created" line; restored below
    try:
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    finally:
        optuna.logging.set_verbosity(verbosity)
    out = []
    for _ in range(n):
        trial = study.ask()
        name, params = space.suggest(trial, algorithms)
        out.append((name, space.validate_params(name, params)))
        study.tell(trial, 0.0)
    return out


def _portfolio_kb_top(kb, n: int, family: str, metric: str) -> list[tuple[str, dict]]:
    from metalearn import space

    runs = kb.runs_frame(metric=metric, status="ok")
    allowed = set(space.algorithms_for(family))
    runs = runs[runs["algorithm"].isin(allowed)]
    if runs.empty:
        raise ConfigurationError(
            f"portfolio kb-top:{n}: the KB has no ok {family} runs with metric {metric}: use 'defaults' or 'random:N'"
        )
    best = runs.groupby(["dataset_id", "configuration_id"], as_index=False)["score"].max()
    best["pct"] = best.groupby("dataset_id")["score"].rank(pct=True)
    table = best.groupby("configuration_id")["pct"].agg(["mean", "count"])
    table = table.sort_values(["mean", "count"], ascending=False)
    params_of = runs.drop_duplicates("configuration_id").set_index("configuration_id")
    out: list[tuple[str, dict]] = []
    for cid in table.index:
        name = params_of.at[cid, "algorithm"]
        try:
            params = space.validate_params(name, json.loads(params_of.at[cid, "params"]))
        except ConfigurationError:
            continue  # a KB configuration outside our space (e.g. imported from OpenML)
        out.append((name, params))
        if len(out) == n:
            break
    return out


def resolve_portfolio(spec: str, task: str, *, kb=None, metric: str | None = None, seed: int = 0) -> list[tuple[str, dict]]:
    """The configurations ``(algorithm, params)`` a portfolio spec gives for a task.

    Parameters
    ----------
    spec : str
        ``"defaults"``, ``"random:N"``, ``"kb-top:N"`` or a JSON/CSV file.
    task : str
        ``"binary"``, ``"multiclass"``, ``"classification"`` or ``"regression"``.
    kb : KnowledgeBase, optional
        Needed for ``kb-top:N``.
    metric : str, optional
        Metric ``kb-top:N`` ranks by (default: :func:`default_metric`).
    seed : int
        Seed of ``random:N``.

    Examples
    --------
    >>> confs = resolve_portfolio("defaults", "regression")
    >>> "HistGradientBoostingRegressor" in [name for name, _ in confs]
    True
    """
    from metalearn import space

    kind, arg = parse_portfolio_spec(spec)
    family = task_family(task, error=ConfigurationError)
    if kind == "defaults":
        out = [(name, space.validate_params(name, space.default_params(name))) for name in space.algorithms_for(family)]
    elif kind == "random":
        out = _portfolio_random(int(arg), family, seed)
    elif kind == "kb-top":
        if kb is None:
            raise ConfigurationError(f"portfolio kb-top:{arg} needs a knowledge base: pass kb=")
        out = _portfolio_kb_top(kb, int(arg), family, metric or default_metric(task))
    else:
        out = _portfolio_from_file(str(arg), family)
    seen, unique = set(), []
    for name, params in out:
        key = (name, canonical_json(params))
        if key not in seen:
            seen.add(key)
            unique.append((name, params))
    return unique
