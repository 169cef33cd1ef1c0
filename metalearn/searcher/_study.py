"""The Optuna side of a search: the study, its sampler, the trial attributes, and prior trials."""

from __future__ import annotations

import json
import math
import time
import warnings

from metalearn.exceptions import MetaLearnError, SearchError
from metalearn.searcher.result import TrialRecord

# user attributes stored on each Optuna trial
ATTR_ALGORITHM = "metalearn.algorithm"
ATTR_PARAMS = "metalearn.params"
ATTR_STATUS = "metalearn.status"
ATTR_WARM = "metalearn.warm_start"
ATTR_SOURCE = "metalearn.source"  # "warm_start" | "given" | "sampler" | "prior"
ATTR_ERROR = "metalearn.error"
ATTR_FIT_TIME = "metalearn.fit_time"
ATTR_PROTOCOL = "metalearn.protocol"
ATTR_FOLDS = "metalearn.fold_scores"


def study_name_for(dataset, metric) -> str:
    return f"metalearn-{(dataset.content_hash or 'data')[:16]}-{metric}"


def make_sampler(sampler, seed):
    import optuna

    if sampler == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if isinstance(sampler, optuna.samplers.BaseSampler):
        return sampler
    raise SearchError(f"sampler={sampler!r} is not supported: use 'tpe', 'random' or an optuna sampler")


def create_study(storage, sampler, study_name):
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


def distributions_for(name, params, algorithms):
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


def evidence_dataset_ids(recs, exclude_ids) -> list[int]:
    """The KB ids of the datasets behind the recommendations' evidence, in order, once each, without ``exclude_ids``."""
    ids: list[int] = []
    for rec in recs:
        for ev in getattr(rec, "evidence", ()) or ():
            did = getattr(ev, "dataset_id", None)
            if did is not None and did not in ids and did not in exclude_ids:
                ids.append(did)
    return ids


def add_prior_trials(study, kb, recs, metric, algorithms, task, exclude_ids, limit) -> int:
    """Add the neighbours' past runs as completed prior trials; return how many were added."""
    import optuna

    dataset_ids = evidence_dataset_ids(recs, exclude_ids)
    if not dataset_ids:
        return 0
    runs = kb.runs_frame(dataset_ids=dataset_ids, metric=metric, status="ok")
    if runs is None or not len(runs):
        return 0
    runs = runs[runs["algorithm"].isin(algorithms)]
    runs = runs.sort_values("score", ascending=False).drop_duplicates("configuration_id").head(limit)
    added = 0
    for row in runs.itertuples(index=False):
        got = distributions_for(row.algorithm, json.loads(row.params), algorithms)
        if got is None or not math.isfinite(float(row.score)):
            continue
        flat, dists = got
        try:
            frozen = optuna.trial.create_trial(
                params=flat,
                distributions=dists,
                value=float(row.score),
                user_attrs={ATTR_SOURCE: "prior", ATTR_ALGORITHM: row.algorithm},
            )
            study.add_trial(frozen)
            added += 1
        except (ValueError, TypeError):
            continue
    return added


def trial_record(frozen) -> TrialRecord | None:
    from optuna.trial import TrialState

    attrs = frozen.user_attrs
    if attrs.get(ATTR_SOURCE) == "prior" or ATTR_STATUS not in attrs:
        return None
    score = float(frozen.value) if frozen.state == TrialState.COMPLETE and frozen.value is not None else float("nan")
    duration = None
    if frozen.datetime_start is not None and frozen.datetime_complete is not None:
        duration = (frozen.datetime_complete - frozen.datetime_start).total_seconds()
    return TrialRecord(
        number=frozen.number,
        algorithm=attrs.get(ATTR_ALGORITHM, ""),
        params=json.loads(attrs.get(ATTR_PARAMS, "{}")),
        score=score,
        status=attrs[ATTR_STATUS],
        warm_start=bool(attrs.get(ATTR_WARM, False)),
        fit_time=attrs.get(ATTR_FIT_TIME),
        duration=duration,
        error=attrs.get(ATTR_ERROR),
        source=attrs.get(ATTR_SOURCE, "sampler"),
        score_std=fold_spread(attrs.get(ATTR_FOLDS)),
    )


def fold_spread(folds) -> float | None:
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
