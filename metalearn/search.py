"""Warm-started Bayesian search that writes what it learns back to the knowledge base.

:func:`search` runs an Optuna study (TPE sampler, seedable) over the algorithm
registry of :mod:`metalearn.space`. Its first trials are the recommender's top
configurations for the dataset (the *warm start*); every trial runs in a worker
process with a wall-clock timeout and a memory cap (:func:`metalearn.evaluate.evaluate`),
so a configuration that crashes, hangs or runs out of memory is recorded as
failed with its reason and the search goes on. Each finished trial is committed
to the knowledge base at once, so a killed search loses only the trials in flight.

The budget is a number of trials, a number of seconds, or both (whichever runs
out first). The time budget counts from the call, includes characterization and
the recommendations, excludes the final refit, and cuts a trial short when it
runs out: such a trial is reported with status ``"stopped"`` and is not written
to the knowledge base (it says nothing about the configuration).

With ``storage`` set to an Optuna RDB URL (``sqlite:///study.db``,
``postgresql://...``, ``mysql://...``) several processes, on one machine or
many, share one study: start ``metalearn search`` with the same data and the
same ``--storage`` (and ``--study-name``, which defaults to one derived from the
data's content hash and the metric) on each machine. Each process runs its own
``n_trials``; the best configuration is taken over the whole study.

Examples
--------
>>> from metalearn.search import SearchResult, TrialRecord
>>> t = TrialRecord(number=0, algorithm="GaussianNB", params={}, score=0.9, status="ok", warm_start=True)
>>> r = SearchResult(best_score=0.9, best_params={}, algorithm="GaussianNB", metric="balanced_accuracy",
...                  protocol="5-fold CV", task="multiclass", dataset="iris", trials=(t,))
>>> r.to_dict()["trials"][0]["warm_start"]
True
>>> r.best_so_far()
[0.9]
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, Sequence

from metalearn.exceptions import MetaLearnError, RecommendationError, SearchError
from metalearn.tasks import check_metric, default_metric  # the shared task/metric facts (re-exported)

__all__ = [
    "search",
    "SearchResult",
    "TrialRecord",
    "DEFAULT_TRIALS",
    "DEFAULT_WARM_START",
    "DEFAULT_TRIAL_TIMEOUT",
    "default_metric",
    "check_cross_validatable",
]

DEFAULT_TRIALS = 50
"""Trials run when neither ``n_trials`` nor ``time_budget`` is given."""

DEFAULT_WARM_START = 10
"""Number of recommended configurations enqueued as the first trials."""

DEFAULT_TRIAL_TIMEOUT = 300.0
"""Seconds one trial may take when no time budget bounds it."""

_MIN_TRIAL_SECONDS = 0.5  # do not start a trial with less budget than this left
_GRACE_SECONDS = 15.0  # how long past the deadline we wait for an evaluator that ignores its timeout

# user attributes stored on each Optuna trial
_ATTR_ALGORITHM = "metalearn.algorithm"
_ATTR_PARAMS = "metalearn.params"
_ATTR_STATUS = "metalearn.status"
_ATTR_WARM = "metalearn.warm_start"
_ATTR_SOURCE = "metalearn.source"  # "warm_start" | "given" | "sampler" | "prior"
_ATTR_ERROR = "metalearn.error"
_ATTR_FIT_TIME = "metalearn.fit_time"
_ATTR_PROTOCOL = "metalearn.protocol"
_ATTR_FOLDS = "metalearn.fold_scores"


# --------------------------------------------------------------------------
# records
# --------------------------------------------------------------------------
def _finite_or_none(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class TrialRecord:
    """One trial of a search.

    ``status`` is ``"ok"``, ``"failed"``, ``"timeout"``, ``"memout"`` (as returned by the
    evaluation) or ``"stopped"`` (cut short by the search's time budget). ``score`` is
    NaN unless the status is ``"ok"``. ``warm_start`` is true for trials enqueued from the
    knowledge base's recommendations.
    """

    number: int
    algorithm: str
    params: Mapping[str, Any]
    score: float
    status: str
    warm_start: bool
    fit_time: float | None = None
    duration: float | None = None
    error: str | None = None
    source: str = "sampler"
    score_std: float | None = None

    def to_dict(self) -> dict:
        """Return the record as a JSON-able dict (NaN as ``None``)."""
        return {
            "number": self.number,
            "algorithm": self.algorithm,
            "params": dict(self.params),
            "score": _finite_or_none(self.score),
            "status": self.status,
            "warm_start": self.warm_start,
            "source": self.source,
            "fit_time": _finite_or_none(self.fit_time),
            "duration": _finite_or_none(self.duration),
            "error": self.error,
            "score_std": _finite_or_none(self.score_std),
        }


@dataclass(frozen=True)
class SearchResult:
    """The outcome of :func:`search`.

    ``best_score`` is the best cross-validated score (higher is better) of a trial whose
    status is ``"ok"``; NaN, with ``algorithm`` ``None``, if no trial succeeded. ``model`` is
    the best configuration refitted on all the data (``None`` if ``refit=False`` or no
    trial succeeded).
    """

    best_score: float
    best_params: Mapping[str, Any]
    algorithm: str | None
    metric: str
    protocol: str
    task: str
    dataset: str
    trials: tuple[TrialRecord, ...]
    content_hash: str | None = None
    kb_dataset_id: int | None = None
    search_id: int | None = None
    study_name: str | None = None
    elapsed: float = float("nan")
    n_warm_start: int = 0
    algorithms: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    model: Any = field(default=None, repr=False, compare=False)
    study: Any = field(default=None, repr=False, compare=False)
    model_metadata: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    """The saved model's metadata (:func:`metalearn.model.model_metadata`), with the refitted ``model``."""
    """The Optuna study the trials ran in (``None`` for a result built by hand)."""

    @property
    def best_trial(self) -> TrialRecord | None:
        """The best successful trial, or ``None``."""
        ok = [t for t in self.trials if t.status == "ok" and math.isfinite(t.score)]
        return max(ok, key=lambda t: (t.score, -t.number)) if ok else None

    def best_so_far(self) -> list[float]:
        """Best score after each trial, in trial order (NaN until a trial succeeds)."""
        out, best = [], float("nan")
        for t in sorted(self.trials, key=lambda t: t.number):
            if t.status == "ok" and math.isfinite(t.score) and not (t.score <= best):
                best = t.score
            out.append(best)
        return out

    def to_dict(self) -> dict:
        """Return the result as a JSON-able dict (the ``--json`` output)."""
        return {
            "dataset": self.dataset,
            "task": self.task,
            "metric": self.metric,
            "protocol": self.protocol,
            "best_score": _finite_or_none(self.best_score),
            "algorithm": self.algorithm,
            "best_params": dict(self.best_params),
            "n_trials": len(self.trials),
            "n_warm_start": self.n_warm_start,
            "elapsed": _finite_or_none(self.elapsed),
            "search_id": self.search_id,
            "kb_dataset_id": self.kb_dataset_id,
            "content_hash": self.content_hash,
            "study_name": self.study_name,
            "algorithms": list(self.algorithms),
            "warnings": list(self.warnings),
            "trials": [t.to_dict() for t in self.trials],
        }

    def to_json(self, **kwargs) -> str:
        """Return :meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), **kwargs)

    def trials_frame(self):
        """Return the trials as a pandas DataFrame, one row per trial."""
        import pandas as pd

        rows = [t.to_dict() for t in self.trials]
        for r in rows:
            r["params"] = json.dumps(r["params"], sort_keys=True)
        cols = ["number", "algorithm", "params", "score", "status", "warm_start", "source", "fit_time", "duration", "error"]
        return pd.DataFrame(rows, columns=cols).set_index("number")

    def leaderboard(self):
        """Return the trials as a DataFrame sorted by score, best first (:func:`metalearn.leaderboard.leaderboard`).

        Columns: rank, number, algorithm, params (those differing from the defaults), score,
        score_std (spread across folds), fit_time, warm_start, status.
        """
        from metalearn.leaderboard import leaderboard

        return leaderboard(self.trials)

    def summary(self, max_rows: int = 60) -> str:
        """Return the trial table and the best configuration as text (what the CLI prints).

        >>> t = TrialRecord(number=0, algorithm="GaussianNB", params={}, score=0.9, status="ok", warm_start=True)
        >>> r = SearchResult(0.9, {}, "GaussianNB", "accuracy", "5-fold CV", "binary", "demo", (t,))
        >>> print(r.summary().splitlines()[0])
            #  warm  status   accuracy  time(s)  algorithm / params
        """
        trials = sorted(self.trials, key=lambda t: t.number)
        width = max(len(self.metric), 7)
        lines = [f"{'#':>5}  warm  status   {self.metric:>{width}}  time(s)  algorithm / params"]
        shown = trials if len(trials) <= max_rows else trials[: max_rows // 2] + [None] + trials[-max_rows // 2 :]
        for t in shown:
            if t is None:
                lines.append(f"{'...':>5}")
                continue
            score = f"{t.score:.4f}" if math.isfinite(t.score) else "-"
            secs = f"{t.duration:.1f}" if t.duration is not None else "-"
            params = json.dumps(dict(t.params), sort_keys=True, default=str)
            text = f"{t.algorithm} {params}" if t.status == "ok" else f"{t.algorithm} {params}  [{t.error or t.status}]"
            if len(text) > 110:
                text = text[:107] + "..."
            lines.append(f"{t.number:>5}  {'yes' if t.warm_start else '':<4}  {t.status:<7}  {score:>{width}}  {secs:>7}  {text}")
        n_ok = sum(t.status == "ok" for t in trials)
        lines.append("")
        lines.append(
            f"{len(trials)} trials ({n_ok} ok, {len(trials) - n_ok} failed/timeout/memout/stopped), "
            f"{self.n_warm_start} from the warm start, {self.protocol or 'no protocol'}"
        )
        lines.extend(f"note: {w}" for w in self.warnings)
        if self.algorithm is None:
            lines.append("best: none (no trial succeeded)")
        else:
            params = json.dumps(dict(self.best_params), sort_keys=True, default=str)
            lines.append(f"best {self.metric}: {self.best_score:.4f}  {self.algorithm} {params}")
        return "\n".join(lines)

    def save_model(self, path):
        """Save the refitted model with its metadata (:func:`metalearn.model.save_model`); return the path.

        The file is ``{"model": estimator, "metadata": {...}}``, read by :func:`metalearn.model.load_model`
        and ``metalearn predict``. A path that cannot be written raises :class:`~metalearn.exceptions.ModelError`.
        """
        from metalearn.model import save_model

        if self.model is None:
            raise SearchError(f"no refitted model to save to {path}: no trial succeeded, or the search ran with refit=False")
        return save_model(self.model, path, self.model_metadata or {})

    def plot(self, path=None, ax=None):
        """Draw the convergence curve (see :func:`metalearn.plot.plot_convergence`)."""
        from metalearn.plot import plot_convergence

        return plot_convergence(self, path=path, ax=ax)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def _load(data, target, task):
    from metalearn.data import Dataset, load_dataset

    if isinstance(data, Dataset):
        if target is not None and target != data.target:
            raise SearchError(
                f"target={target!r} differs from the Dataset's target {data.target!r}: pass target=None with a Dataset"
            )
        return data
    return load_dataset(data, target, task=task)


def check_cross_validatable(y, task: str, cv: int) -> None:
    """Raise :class:`SearchError` if cross-validating target ``y`` would give meaningless scores.

    Classification: every class needs at least 2 rows (one to train on, one to test; with fewer
    than ``cv`` the evaluation uses that many folds, which the loader warns about), so a class of
    one row, or a class per row, is refused. Regression: every one of the ``cv`` test folds needs
    at least 2 rows. Checked before any trial runs, so no such score reaches the knowledge base.

    >>> check_cross_validatable(["a", "b"] * 5, "binary", 5)
    >>> check_cross_validatable(["a"] * 9 + ["b"], "binary", 5)
    Traceback (most recent call last):
    ...
    metalearn.exceptions.SearchError: class 'b' of the target has 1 row: cross-validation needs at least 2 rows of every class; merge or drop the rows of the rare classes
    """
    from collections import Counter

    from metalearn.tasks import task_family

    values = list(y.tolist() if hasattr(y, "tolist") else y)
    n = len(values)
    if task_family(task, error=SearchError) == "regression":
        if n < 2 * cv:
            fix = f"give cv={n // 2} or fewer" if n >= 4 else "give at least 4 rows"
            raise SearchError(
                f"the data has {n} rows, too few for cv={cv} folds of at least 2 test rows each: {fix}"
            )
        return
    counts = Counter(values)
    if n and max(counts.values()) == 1:
        raise SearchError(
            f"the target has a class for every row ({n} rows, {len(counts)} classes): nothing can be cross-validated; "
            "choose another --target, or --task regression if it is a numeric quantity"
        )
    singles = sorted((str(k) for k, c in counts.items() if c < 2))
    if singles:
        shown = ", ".join(repr(k) for k in singles[:5]) + (f" and {len(singles) - 5} more" if len(singles) > 5 else "")
        which = f"class {shown} of the target has 1 row" if len(singles) == 1 else f"classes {shown} of the target have 1 row each"
        raise SearchError(
            f"{which}: cross-validation needs at least 2 rows of every class; merge or drop the rows of the rare classes"
        )


def _open_kb(kb):
    """Return (knowledge base, whether we opened it)."""
    from metalearn.kb import KnowledgeBase

    if isinstance(kb, KnowledgeBase):
        return kb, False
    return KnowledgeBase.open(kb, create="seed"), True


def _computed_by() -> str:
    from metalearn._version import __version__

    return f"metalearn {__version__}"


def _meta_features(kb, dataset, dataset_id):
    """Return the dataset's meta-features: from the KB if stored, else computed (and stored if dataset_id)."""
    if dataset_id is not None:
        frame = kb.meta_features_frame([dataset_id])
        if dataset_id in frame.index:
            row = frame.loc[dataset_id].dropna()
            if len(row):
                return {str(k): float(v) for k, v in row.items()}
    from metalearn.metafeatures import characterize

    mf = characterize(dataset)
    values = {str(k): float(v) for k, v in dict(mf).items() if v is not None and math.isfinite(float(v))}
    if dataset_id is not None:
        kb.add_meta_features(dataset_id, values, computed_by=getattr(mf, "computed_by", None) or _computed_by())
    return values


def _resolve_algorithms(algorithms, task) -> tuple[str, ...]:
    from metalearn import space

    allowed = tuple(space.algorithms_for(task))
    if algorithms is None:
        return allowed
    if isinstance(algorithms, str):
        algorithms = (algorithms,)
    out = []
    for name in algorithms:
        space.get_algorithm(name)  # UnknownAlgorithmError names it
        if name not in allowed:
            raise SearchError(f"algorithm {name!r} does not fit the task {task}: choose among {', '.join(allowed)}")
        if name not in out:
            out.append(name)
    if not out:
        raise SearchError("algorithms is empty: give at least one registry name, or None for all")
    return tuple(out)


def _study_name(dataset, metric) -> str:
    return f"metalearn-{(dataset.content_hash or 'data')[:16]}-{metric}"


def _make_sampler(sampler, seed):
    import optuna

    if sampler == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if isinstance(sampler, optuna.samplers.BaseSampler):
        return sampler
    raise SearchError(f"sampler={sampler!r} is not supported: use 'tpe', 'random' or an optuna sampler")


def _plain_labels(y):
    """Class labels as a Series of the categories' own dtype (ints stay ints), not ``category``."""
    import pandas as pd

    if isinstance(y.dtype, pd.CategoricalDtype):
        return pd.Series(y.cat.categories.to_numpy()[y.cat.codes.to_numpy()], index=y.index, name=y.name)
    return y


def _create_study(storage, sampler, study_name):
    """Create (or, with storage, join) the study; retry the races of processes creating one RDB schema."""
    import optuna

    if storage is None:
        return optuna.create_study(sampler=sampler, study_name=study_name, direction="maximize")
    if not isinstance(storage, str) or "://" not in storage:
        raise SearchError(f"storage={storage!r} is not an RDB URL: write e.g. sqlite:///study.db or postgresql://host/db")
    last = None
    for attempt in range(8):
        try:
            return optuna.create_study(
                storage=storage, sampler=sampler, study_name=study_name, direction="maximize", load_if_exists=True
            )
        except Exception as exc:  # bad URL, missing driver, or another process creating the schema right now
            last = exc
            text = f"{type(exc).__name__}: {exc}"
            if "NoSuchModule" in text or "ModuleNotFound" in text or "Could not parse" in text or isinstance(exc, ImportError):
                break
            time.sleep(0.2 * (attempt + 1))
    first = str(last).strip().splitlines()[0] if str(last).strip() else type(last).__name__
    raise SearchError(f"storage={storage!r} cannot be used: {first}") from last


def _distributions_for(name, params, algorithms):
    """Flat Optuna params and their distributions for a configuration, or None if outside the space."""
    import optuna

    from metalearn import space

    try:
        flat = space.to_trial_params(name, params)
        fixed = optuna.trial.FixedTrial(flat)
        with warnings.catch_warnings():  # values outside the searched ranges: we detect them below
            warnings.simplefilter("ignore")
            got_name, _ = space.suggest(fixed, algorithms, given=flat)
        if got_name != name:
            return None
        return flat, dict(fixed.distributions)
    except (MetaLearnError, ValueError, KeyError, TypeError):
        return None


def _evidence_dataset_ids(recs, exclude_ids) -> list[int]:
    """The KB ids of the datasets behind the recommendations' evidence, in order, once each, without ``exclude_ids``."""
    ids: list[int] = []
    for rec in recs:
        for ev in getattr(rec, "evidence", ()) or ():
            did = getattr(ev, "dataset_id", None)
            if did is not None and did not in ids and did not in exclude_ids:
                ids.append(did)
    return ids


def _add_prior_trials(study, kb, recs, metric, algorithms, task, exclude_ids, limit) -> int:
    """Add the neighbours' past runs as completed prior trials; return how many were added."""
    import optuna

    dataset_ids = _evidence_dataset_ids(recs, exclude_ids)
    if not dataset_ids:
        return 0
    runs = kb.runs_frame(dataset_ids=dataset_ids, metric=metric, status="ok")
    if runs is None or not len(runs):
        return 0
    runs = runs[runs["algorithm"].isin(algorithms)]
    runs = runs.sort_values("score", ascending=False).drop_duplicates("configuration_id").head(limit)
    added = 0
    for row in runs.itertuples(index=False):
        got = _distributions_for(row.algorithm, json.loads(row.params), algorithms)
        if got is None or not math.isfinite(float(row.score)):
            continue
        flat, dists = got
        try:
            frozen = optuna.trial.create_trial(
                params=flat,
                distributions=dists,
                value=float(row.score),
                user_attrs={_ATTR_SOURCE: "prior", _ATTR_ALGORITHM: row.algorithm},
            )
            study.add_trial(frozen)
            added += 1
        except (ValueError, TypeError):
            continue
    return added


def _trial_record(frozen) -> TrialRecord | None:
    from optuna.trial import TrialState

    attrs = frozen.user_attrs
    if attrs.get(_ATTR_SOURCE) == "prior" or _ATTR_STATUS not in attrs:
        return None
    score = float(frozen.value) if frozen.state == TrialState.COMPLETE and frozen.value is not None else float("nan")
    duration = None
    if frozen.datetime_start is not None and frozen.datetime_complete is not None:
        duration = (frozen.datetime_complete - frozen.datetime_start).total_seconds()
    return TrialRecord(
        number=frozen.number,
        algorithm=attrs.get(_ATTR_ALGORITHM, ""),
        params=json.loads(attrs.get(_ATTR_PARAMS, "{}")),
        score=score,
        status=attrs[_ATTR_STATUS],
        warm_start=bool(attrs.get(_ATTR_WARM, False)),
        fit_time=attrs.get(_ATTR_FIT_TIME),
        duration=duration,
        error=attrs.get(_ATTR_ERROR),
        source=attrs.get(_ATTR_SOURCE, "sampler"),
        score_std=_fold_spread(attrs.get(_ATTR_FOLDS)),
    )


def _fold_spread(folds) -> float | None:
    """The standard deviation of the fold scores stored on a trial, or ``None``."""
    try:
        values = [float(v) for v in folds or ()]
    except (TypeError, ValueError):
        return None
    values = [v for v in values if math.isfinite(v)]
    if len(values) < 2:
        return None
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


class _Progress:
    """A tqdm bar showing trials, best so far, elapsed time and remaining budget."""

    def __init__(self, enabled, n_trials, deadline, start):
        self._bar = None
        self._deadline, self._start = deadline, start
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=n_trials, desc="search", unit="trial", file=sys.stderr, dynamic_ncols=True)

    def update(self, n, best, running):
        if self._bar is None:
            return
        now = time.monotonic()
        post = {"best": "-" if not math.isfinite(best) else f"{best:.4f}", "running": running,
                "elapsed": f"{now - self._start:.0f}s"}
        if self._deadline is not None:
            post["left"] = f"{max(0.0, self._deadline - now):.0f}s"
        self._bar.set_postfix(post, refresh=False)
        self._bar.update(n)

    def close(self):
        if self._bar is not None:
            self._bar.close()


# --------------------------------------------------------------------------
# the warm start: the recommendations, de-duplicated, diversified, with strong defaults
# --------------------------------------------------------------------------
WARM_START_STRATEGIES = ("blend", "portfolio")
"""``"portfolio"``: the recommender's top configurations in its order; ``"blend"``: see :func:`warm_start_plan`."""

_STRONG_DEFAULTS = MappingProxyType({
    # well-known strong configurations of our space (scikit-learn's defaults unless given)
    "classification": (
        ("RandomForestClassifier", ()),
        ("HistGradientBoostingClassifier", ()),
        ("SVC", (("C", 1.0), ("gamma", "scale"), ("kernel", "rbf"))),
        ("ExtraTreesClassifier", ()),
        ("LogisticRegression", ()),
    ),
    "regression": (
        ("RandomForestRegressor", ()),
        ("HistGradientBoostingRegressor", ()),
        ("SVR", (("C", 1.0), ("gamma", "scale"), ("kernel", "rbf"))),
        ("ExtraTreesRegressor", ()),
        ("Ridge", ()),
    ),
})
_AGAINST = 0.25  # an algorithm whose best run on the neighbours has this normalized regret or more is not added
_NEAR = math.log(2.0)  # numeric parameters within a factor of 2 make two configurations near-identical


def _near_identical(a: tuple[str, Mapping], b: tuple[str, Mapping]) -> bool:
    """Same algorithm, same non-numeric values, numeric values within a factor of 2 (inclusive).

    >>> _near_identical(("SVC", {"C": 16.0, "kernel": "rbf"}), ("SVC", {"C": 10.0, "kernel": "rbf"}))
    True
    >>> _near_identical(("SVC", {"C": 16.0, "kernel": "rbf"}), ("SVC", {"C": 1.0, "kernel": "rbf"}))
    False
    """
    (name_a, pa), (name_b, pb) = a, b
    if name_a != name_b or set(pa) != set(pb):
        return False
    for key, va in pa.items():
        vb = pb[key]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (va, vb))
        if not numeric:
            if va != vb:
                return False
        elif va != vb:
            if va <= 0 or vb <= 0 or abs(math.log(va / vb)) > _NEAR + 1e-9:
                return False
    return True


def _full(cand) -> tuple[str, dict]:
    from metalearn import space

    return cand[0], {**space.default_params(cand[0]), **cand[1]}


def _algorithm_regret(kb, recs, metric, exclude_ids) -> dict[str, float]:
    """Mean normalized regret of each algorithm's best run on the recommendations' neighbour datasets.

    On each neighbour, ``(best - best of the algorithm) / (best - worst)`` over its runs under ``metric``;
    averaged over the neighbours with a run of the algorithm. An algorithm absent from the neighbours'
    runs is absent from the result (no evidence either way).
    """
    ids = _evidence_dataset_ids(recs, exclude_ids)
    if kb is None or not ids:
        return {}
    runs = kb.runs_frame(dataset_ids=ids, metric=metric, status="ok")
    if runs is None or not len(runs):
        return {}
    runs = runs[["dataset_id", "algorithm", "score"]].dropna()
    per = runs.groupby(["dataset_id", "algorithm"])["score"].max().unstack()
    best, worst = per.max(axis=1), runs.groupby("dataset_id")["score"].min().reindex(per.index)
    spread = (best - worst).where(lambda s: s > 0)
    regret = per.rsub(best, axis=0).div(spread, axis=0)
    return {str(k): float(v) for k, v in regret.mean(axis=0, skipna=True).items() if math.isfinite(v)}


def warm_start_plan(recs, *, task: str, algorithms: Sequence[str], n: int, strategy: str = "blend",
                    regret: Mapping[str, float] | None = None) -> list[tuple[str, dict, str]]:
    """Choose the warm start's configurations: a list of ``(algorithm, params, reason)``, at most ``n``.

    ``"portfolio"`` keeps the recommender's top ``n`` in its order. ``"blend"`` (the default):

    * drops near-identical configurations (same algorithm and choices, numbers within a factor of 2,
      compared with the unset parameters at their defaults)
      and keeps at most ``max(2, n // 4)`` configurations per algorithm, for diversity;
    * adds strong well-known configurations of the space (RandomForest, HistGradientBoosting,
      ExtraTrees and logistic regression / ridge with scikit-learn's defaults, an RBF SVC/SVR with
      ``gamma="scale"``) unless the neighbours' runs count against their algorithm (``regret``: its
      mean normalized regret there is 0.25 or more), ordered by that regret (no evidence: last);
    * interleaves them: recommendation, default, recommendation, default, ... .

    >>> plan = warm_start_plan([], task="binary", algorithms=["SVC", "RandomForestClassifier"], n=3)
    >>> [(name, reason) for name, _, reason in plan]
    [('RandomForestClassifier', 'default'), ('SVC', 'default')]
    """
    from metalearn import space

    if strategy not in WARM_START_STRATEGIES:
        raise SearchError(f"warm_start_strategy={strategy!r} is not one of {', '.join(WARM_START_STRATEGIES)}")
    recommended = []
    for r in recs:
        if r.algorithm in algorithms:
            try:
                recommended.append((r.algorithm, space.validate_params(r.algorithm, r.params), "recommended"))
            except MetaLearnError:
                continue
    if strategy == "portfolio" or n <= 0:
        return recommended[: max(n, 0)]
    cap = max(2, n // 4)
    kept: list[tuple[str, dict, str]] = []
    for cand in recommended:
        if sum(c[0] == cand[0] for c in kept) >= cap:
            continue
        if any(_near_identical(_full(cand), _full(c)) for c in kept):
            continue
        kept.append(cand)
    regret = dict(regret or {})
    defaults = []
    table = _STRONG_DEFAULTS["regression" if task == "regression" else "classification"]
    for order, (name, overrides) in enumerate(table):
        if name not in algorithms or regret.get(name, 0.0) >= _AGAINST:
            continue
        params = space.validate_params(name, {**space.default_params(name), **dict(overrides)})
        defaults.append((regret.get(name, math.inf), order, (name, params, "default")))
    defaults = [d[2] for d in sorted(defaults, key=lambda d: d[:2])]
    out: list[tuple[str, dict, str]] = []
    queues = [kept, defaults]  # the recommender's first choice first
    turn = 0
    while len(out) < n and (defaults or kept):
        queue = queues[turn % 2] if queues[turn % 2] else queues[(turn + 1) % 2]
        cand = queue.pop(0)
        turn += 1
        if any(_near_identical(_full(cand), _full(c)) for c in out):
            continue
        out.append(cand)
    return out


# --------------------------------------------------------------------------
# the search
# --------------------------------------------------------------------------
def search(
    data,
    *,
    target: str | None = None,
    metric: str | None = None,
    n_trials: int | None = None,
    time_budget: float | None = None,
    warm_start: bool | int = True,
    kb=None,
    exclude_datasets: Iterable[str | int] = (),
    n_jobs: int = 1,
    seed: int | None = None,
    storage: str | None = None,
    study_name: str | None = None,
    task: str | None = None,
    algorithms: Sequence[str] | None = None,
    prior_runs: bool = False,
    narrow: bool = False,
    configurations: Sequence[tuple[str, Mapping[str, Any]]] = (),
    sampler: str = "tpe",
    cv: int = 5,
    trial_timeout: float | None = None,
    memory_limit_mb: int | None = None,
    refit: bool = True,
    write_back: bool = True,
    progress: bool = False,
    evaluator: Callable | None = None,
    callback: Callable[[TrialRecord], None] | None = None,
    warm_start_strategy: str = "blend",
    output=None,
    plot=None,
) -> SearchResult:
    """Search for the best configuration on ``data``, warm-started from the knowledge base.

    Parameters
    ----------
    data : Dataset, path, ``"openml:<id>"``, DataFrame or (X, y)
        Anything :func:`metalearn.data.load_dataset` accepts, or a loaded ``Dataset``.
    target : str, optional
        Target column (see ``load_dataset``).
    metric : str, optional
        scikit-learn scorer name; default ``balanced_accuracy`` (classification) or ``r2``.
    n_trials, time_budget : int, float, optional
        Budget in trials and/or seconds; the search stops when either runs out, cutting the
        running trials short at the deadline. Default: 50 trials.
    warm_start : bool or int
        Enqueue the recommender's top configurations (10 if ``True``, else this many) as the
        first trials.
    kb : KnowledgeBase, path or None
        The knowledge base (default location if ``None``).
    exclude_datasets : iterable
        Datasets the recommender must not use (``openml:<id>``, names, ids), as in ``recommend``.
        Use it to benchmark honestly on datasets the KB already knows.
    n_jobs : int
        Trials run in parallel (each in its own worker process). ``-1``: one per CPU.
    seed : int, optional
        Seeds the sampler, the CV splits and the estimators.
    storage : str, optional
        Optuna RDB URL; processes using the same storage and study name share the study.
    study_name : str, optional
        Default with ``storage``: derived from the data's content hash and the metric.
    task : str, optional
        Override the task inferred by ``load_dataset``.
    algorithms : sequence of str, optional
        Restrict the space to these registry names (default: all that fit the task).
    prior_runs : bool
        Add the nearest datasets' past runs as completed prior trials, so TPE starts with a model.
    narrow : bool
        Restrict the space to the algorithms among the top recommendations.
    configurations : sequence of (algorithm, params)
        Configurations of your own to try first (before the warm start).
    sampler : {"tpe", "random"}
        ``"random"`` gives the random-search baseline over the same space.
    cv : int
        Number of CV folds (the evaluation may switch to a holdout on large data).
    trial_timeout : float, optional
        Seconds a trial may take (default: 300, or what is left of ``time_budget``).
    memory_limit_mb : int, optional
        Memory cap of each trial's worker process.
    refit : bool
        Refit the best configuration on all the data (``SearchResult.model``).
    write_back : bool
        Commit the dataset, its meta-features, each configuration and each finished run to
        the KB. ``False`` leaves the KB untouched (used by benchmarks).
    progress : bool
        Show a progress bar on stderr.
    evaluator : callable, optional
        Replaces :func:`metalearn.evaluate.evaluate` (same signature). For tests.
    callback : callable, optional
        Called with each finished :class:`TrialRecord`, in the calling thread.
    warm_start_strategy : {"blend", "portfolio"}
        How the warm start is chosen from the recommendations (see :func:`warm_start_plan`):
        ``"portfolio"`` takes the recommender's top configurations in its order; ``"blend"``
        de-duplicates them, caps each algorithm's share and interleaves strong defaults of the space
        that the neighbours' runs do not count against.
    output : path, optional
        Save the refitted model there (:meth:`SearchResult.save_model`). The path is checked
        before the search starts (a missing or read-only directory is a one-line
        :class:`~metalearn.exceptions.ModelError` at once, not after the trials). Implies ``refit``.
    plot : path, optional
        Save the convergence plot there at the end; matplotlib and the path are checked
        before the search starts (:func:`metalearn.plot.check_can_plot`).

    Returns
    -------
    SearchResult
    """
    import optuna
    from optuna.trial import TrialState

    from metalearn import space

    start = time.monotonic()
    # ---- arguments -------------------------------------------------------
    if n_trials is not None and (isinstance(n_trials, bool) or int(n_trials) != n_trials or n_trials < 1):
        raise SearchError(f"n_trials={n_trials!r} is not a positive integer: give at least 1")
    if time_budget is not None and not (isinstance(time_budget, (int, float)) and time_budget > 0):
        raise SearchError(f"time_budget={time_budget!r} is not a positive number of seconds")
    if trial_timeout is not None and not trial_timeout > 0:
        raise SearchError(f"trial_timeout={trial_timeout!r} is not a positive number of seconds")
    if n_trials is None and time_budget is None:
        n_trials = DEFAULT_TRIALS
    if n_jobs == -1:
        n_jobs = os.cpu_count() or 1
    if isinstance(n_jobs, bool) or int(n_jobs) != n_jobs or n_jobs < 1:
        raise SearchError(f"n_jobs={n_jobs!r} is not a positive integer (or -1 for one per CPU)")
    n_jobs = int(n_jobs)
    n_warm = DEFAULT_WARM_START if warm_start is True else int(warm_start or 0)
    if n_warm < 0:
        raise SearchError(f"warm_start={warm_start!r} is negative: give True, False or a number of configurations")
    if cv < 2:
        raise SearchError(f"cv={cv!r} is below 2: give a number of folds of at least 2")
    if warm_start_strategy not in WARM_START_STRATEGIES:
        raise SearchError(
            f"warm_start_strategy={warm_start_strategy!r} is not supported: use one of {', '.join(WARM_START_STRATEGIES)}"
        )
    if output is not None:
        from metalearn.model import check_writable

        check_writable(output)  # before any work: a bad path must not cost a whole search
        refit = True
    if plot is not None:
        from metalearn.plot import check_can_plot

        check_can_plot(plot)
    deadline = start + time_budget if time_budget is not None else None
    evaluate_fn = evaluator
    if evaluate_fn is None:
        from metalearn.evaluate import evaluate as evaluate_fn
    exclude_datasets = tuple(exclude_datasets or ())

    dataset = _load(data, target, task)
    check_cross_validatable(_plain_labels(dataset.y), dataset.task, cv)
    metric = check_metric(metric or default_metric(dataset.task), dataset.task)
    space_algorithms = _resolve_algorithms(algorithms, dataset.task)
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    kb_obj, opened = (None, False)
    if write_back or n_warm > 0 or prior_runs or narrow:
        kb_obj, opened = _open_kb(kb)
    search_id = None
    dataset_id = None
    try:
        # ---- the dataset in the KB, characterized once --------------------
        if write_back:
            dataset_id = kb_obj.register(dataset).dataset_id

        # ---- recommendations -------------------------------------------------
        recs = []
        notes: list[str] = list(dataset.warnings)  # the loader's repairs and warnings, as the other commands report them
        if n_warm > 0 or prior_runs or narrow:
            from metalearn.recommend import recommend

            mf = _meta_features(kb_obj, dataset, dataset_id)
            top = max(3 * n_warm if warm_start_strategy == "blend" else n_warm, 3 * DEFAULT_WARM_START if narrow else 0, 1)
            if algorithms is not None:  # recommendations outside the restricted space are dropped: ask for more
                top *= 5
            try:
                recs = list(
                    recommend(meta_features=mf, task=dataset.task, metric=metric, kb=kb_obj, top=top,
                              exclude_datasets=exclude_datasets)
                )
            except RecommendationError as exc:  # e.g. no runs under this metric: search cold, say why
                notes.append(f"no warm start: {exc}")
            if not recs and not notes:
                notes.append("no warm start: the knowledge base had no recommendation for this dataset")
        elif write_back:
            _meta_features(kb_obj, dataset, dataset_id)  # characterize once, for future searches
        if narrow and recs:
            favoured = [r.algorithm for r in recs if r.algorithm in space_algorithms]
            narrowed = tuple(dict.fromkeys(favoured))
            if len(narrowed) >= 1:
                space_algorithms = narrowed

        # ---- the study -----------------------------------------------------------
        if storage is not None and study_name is None:
            study_name = _study_name(dataset, metric)
        study = _create_study(storage, _make_sampler(sampler, seed), study_name)
        study_name = study.study_name
        fresh_study = not study.get_trials(deepcopy=False)

        starting = []  # (algorithm, params, source)
        for name, params in configurations:
            if name not in space_algorithms:
                raise SearchError(f"configuration algorithm {name!r} is not in the search space: {', '.join(space_algorithms)}")
            starting.append((name, space.validate_params(name, params), "given"))
        if n_warm > 0 and (recs or warm_start_strategy == "blend"):
            regret = _algorithm_regret(kb_obj, recs, metric, set()) if warm_start_strategy == "blend" else {}
            plan = warm_start_plan(recs, task=dataset.task, algorithms=space_algorithms, n=n_warm,
                                   strategy=warm_start_strategy, regret=regret)
            starting.extend((name, params, "warm_start") for name, params, _reason in plan)
        n_enqueued = 0
        seen = set()
        for name, params, source in starting:
            key = (name, json.dumps(params, sort_keys=True, default=str))
            if key in seen:
                continue
            if n_trials is not None and len(seen) >= n_trials:
                break  # an enqueued trial the budget never asks for would stay WAITING in a shared storage
            seen.add(key)
            got = _distributions_for(name, params, space_algorithms)
            flat = got[0] if got is not None else {"algorithm": name}
            study.enqueue_trial(
                flat,
                user_attrs={
                    _ATTR_SOURCE: source,
                    _ATTR_WARM: source == "warm_start",
                    _ATTR_ALGORITHM: name,
                    _ATTR_PARAMS: json.dumps(params, sort_keys=True),
                },
                skip_if_exists=storage is not None,
            )
            n_enqueued += source == "warm_start"
        if prior_runs and recs and fresh_study:
            exclude_ids = {dataset_id} if dataset_id is not None else set()
            _add_prior_trials(study, kb_obj, recs, metric, space_algorithms, dataset.task, exclude_ids, limit=200)

        if write_back:
            settings = {
                "n_trials": n_trials, "time_budget": time_budget, "warm_start": n_warm, "n_jobs": n_jobs,
                "seed": seed, "storage": bool(storage), "study_name": study_name, "sampler": str(sampler),
                "cv": cv, "prior_runs": prior_runs, "narrow": narrow, "warm_start_strategy": warm_start_strategy, "algorithms": list(space_algorithms),
                "exclude_datasets": [str(x) for x in exclude_datasets],
            }
            search_id = kb_obj.start_search(dataset_id, metric=metric, settings=settings).search_id

        # ---- the trial loop -------------------------------------------------------
        base_timeout = float(trial_timeout) if trial_timeout is not None else DEFAULT_TRIAL_TIMEOUT
        random_state = 0 if seed is None else int(seed)
        X, y = dataset.X, _plain_labels(dataset.y)
        progress_bar = _Progress(progress, n_trials, deadline, start)
        pending: dict = {}
        n_asked = 0
        own_best = float("nan")
        status_final = "finished"

        def launch(pool):
            nonlocal n_asked
            trial = study.ask()
            attrs = trial.user_attrs
            name, params = space.suggest(trial, space_algorithms)
            params = dict(params)
            if _ATTR_PARAMS in attrs:  # enqueued configuration: evaluate exactly it
                name, params = attrs[_ATTR_ALGORITHM], json.loads(attrs[_ATTR_PARAMS])
            else:
                trial.set_user_attr(_ATTR_SOURCE, "sampler")
                trial.set_user_attr(_ATTR_WARM, False)
                trial.set_user_attr(_ATTR_ALGORITHM, name)
                trial.set_user_attr(_ATTR_PARAMS, json.dumps(params, sort_keys=True, default=str))
            timeout = base_timeout
            limited = False
            if deadline is not None:
                left = deadline - time.monotonic()
                if left < timeout:
                    timeout, limited = max(left, 0.05), True
            fut = pool.submit(
                evaluate_fn, name, params, X, y, task=dataset.task, metric=metric, cv=cv,
                timeout=timeout, memory_limit_mb=memory_limit_mb, random_state=random_state,
            )
            pending[fut] = (trial, name, params, limited)
            n_asked += 1

        def finish(fut):
            nonlocal own_best
            trial, name, params, limited = pending.pop(fut)
            res = fut.result()  # an exception here is systemic (EvaluationError): stop the search
            status = res.status
            if status == "timeout" and limited:
                status = "stopped"
            score = float(res.score) if res.score is not None else float("nan")
            ok = status == "ok" and math.isfinite(score)
            if status == "ok" and not ok:
                status = "failed"
            error = res.error if not ok else None
            if status == "stopped":
                error = "stopped: the search's time budget ran out during this trial"
            trial.set_user_attr(_ATTR_STATUS, status)
            if error:
                trial.set_user_attr(_ATTR_ERROR, str(error)[:500])
            if res.fit_time is not None and math.isfinite(float(res.fit_time)):
                trial.set_user_attr(_ATTR_FIT_TIME, float(res.fit_time))
            trial.set_user_attr(_ATTR_PROTOCOL, res.protocol)
            folds = [float(v) for v in (getattr(res, "fold_scores", None) or ()) if math.isfinite(float(v))]
            if ok and folds:
                trial.set_user_attr(_ATTR_FOLDS, folds)
            if ok:
                study.tell(trial, score)
                if not (score <= own_best):
                    own_best = score
            else:
                study.tell(trial, state=TrialState.FAIL)
            if write_back and status != "stopped":
                from metalearn.kb import RunInput

                cfg = kb_obj.add_configuration(name, params)
                kb_obj.add_runs([
                    RunInput(
                        dataset_id, cfg.configuration_id, metric, score if ok else None, res.protocol,
                        status=status, fit_time=_finite_or_none(res.fit_time), error=error,
                        source=_computed_by(), search_id=search_id,
                    )
                ])
            progress_bar.update(1, own_best, len(pending))
            if callback is not None:
                rec = _trial_record(study.get_trials(deepcopy=False)[trial.number])
                if rec is not None:
                    callback(rec)

        try:
            with ThreadPoolExecutor(max_workers=n_jobs, thread_name_prefix="metalearn-trial") as pool:
                try:
                    while True:
                        now = time.monotonic()
                        while (
                            len(pending) < n_jobs
                            and (n_trials is None or n_asked < n_trials)
                            and (deadline is None or deadline - now > _MIN_TRIAL_SECONDS)
                        ):
                            launch(pool)
                            now = time.monotonic()
                        if not pending:
                            break
                        wait_for = 1.0
                        if deadline is not None:
                            over = now - deadline
                            if over > _GRACE_SECONDS:  # an evaluator that ignores its timeout
                                for fut, (trial, *_rest) in list(pending.items()):
                                    trial.set_user_attr(_ATTR_STATUS, "stopped")
                                    study.tell(trial, state=TrialState.FAIL)
                                    fut.cancel()
                                pending.clear()
                                break
                        done, _ = wait(list(pending), timeout=wait_for, return_when=FIRST_COMPLETED)
                        for fut in done:
                            finish(fut)
                        if not done:
                            progress_bar.update(0, own_best, len(pending))
                except BaseException:
                    for fut in pending:
                        fut.cancel()
                    raise
        except KeyboardInterrupt:
            status_final = "interrupted"
            raise
        except BaseException:
            status_final = "failed"
            raise
        finally:
            progress_bar.close()
            if write_back and search_id is not None:
                try:
                    kb_obj.finish_search(
                        search_id, status=status_final,
                        best_score=_finite_or_none(own_best), n_trials=n_asked,
                    )
                except MetaLearnError:
                    if status_final == "finished":
                        raise

        # ---- the result ---------------------------------------------------------------
        records = []
        for frozen in study.get_trials(deepcopy=False):
            if frozen.state in (TrialState.RUNNING, TrialState.WAITING):
                continue
            rec = _trial_record(frozen)
            if rec is not None:
                records.append(rec)
        records.sort(key=lambda t: t.number)
        ok = [t for t in records if t.status == "ok" and math.isfinite(t.score)]
        best = max(ok, key=lambda t: (t.score, -t.number)) if ok else None
        protocol = ""
        for frozen in study.get_trials(deepcopy=False):
            protocol = frozen.user_attrs.get(_ATTR_PROTOCOL) or protocol
            if protocol:
                break
        elapsed = time.monotonic() - start
        model = None
        if best is not None and refit:
            from metalearn.evaluate import fit_final

            model = fit_final(best.algorithm, dict(best.params), X, y, random_state=random_state)
        metadata = None
        if model is not None:
            from metalearn.model import model_metadata

            metadata = model_metadata(model, X, task=dataset.task, metric=metric, score=best.score, protocol=protocol,
                                      target=dataset.target, content_hash=dataset.content_hash, search_id=search_id)
        result = SearchResult(
            best_score=best.score if best else float("nan"),
            best_params=dict(best.params) if best else {},
            algorithm=best.algorithm if best else None,
            metric=metric,
            protocol=protocol,
            task=dataset.task,
            dataset=dataset.name,
            trials=tuple(records),
            content_hash=dataset.content_hash,
            kb_dataset_id=dataset_id,
            search_id=search_id,
            study_name=study_name,
            elapsed=elapsed,
            n_warm_start=sum(t.warm_start for t in records),
            algorithms=tuple(space_algorithms),
            warnings=tuple(notes),
            model=model,
            study=study,
            model_metadata=metadata,
        )
        if output is not None and model is not None:
            result.save_model(output)
        if plot is not None:
            result.plot(plot)
        return result
    finally:
        if opened:
            kb_obj.close()
