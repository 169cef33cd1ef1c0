"""How a search begins: the recommendations, the study, and its first (enqueued) trials.

* :func:`recommendations`: the recommender's top configurations for the dataset, as many as the
  warm start (and ``narrow``) need, or why there are none;
* :func:`narrowed`: the space cut to the recommended algorithms (``narrow=True``);
* :func:`open_study`: the Optuna study, new or joined in a shared storage, its TPE sampler exploring
  at random for ``explore_trials`` trials after the warm start (:mod:`._sampler`);
* :func:`enqueue_first_trials`: the given configurations, then the warm start (:mod:`._plan`'s
  plan, ordered by gain per second and cut to what fits under a time budget by :mod:`._cost`),
  then, with ``prior_runs``, the neighbours' runs as completed prior trials.
"""

from __future__ import annotations

import json
import time

from metalearn.exceptions import RecommendationError, SearchError
from metalearn.searcher._cost import CostModel, budget_warm_start
from metalearn.searcher._inputs import meta_features_of
from metalearn.searcher._plan import algorithm_regret, warm_start_plan
from metalearn.searcher._sampler import exploring
from metalearn.searcher._study import (
    ATTR_ALGORITHM,
    ATTR_PARAMS,
    ATTR_SOURCE,
    ATTR_WARM,
    add_prior_trials,
    create_study,
    distributions_for,
    evidence_dataset_ids,
    make_sampler,
    study_name_for,
)
from metalearn.searcher.config import DEFAULT_WARM_START, SearchConfig

__all__ = ["recommendations", "narrowed", "open_study", "enqueue_first_trials"]

PRIOR_TRIALS = 200
"""At most this many of the neighbours' runs become prior trials (``prior_runs``)."""


def recommendations(kb, dataset, dataset_id, config: SearchConfig, metric: str) -> tuple[list, list[str]]:
    """(the recommendations, notes saying why there are none) for the warm start, ``narrow`` and ``prior_runs``.

    Without any of them nothing is recommended; the dataset is still characterized once when
    written back, for future searches."""
    n_warm = config.n_warm
    if not (n_warm > 0 or config.prior_runs or config.narrow):
        if config.write_back:
            meta_features_of(kb, dataset, dataset_id)
        return [], []
    from metalearn.metafeatures import names_in
    from metalearn.recommender import QUERY_GROUPS, recommend

    # the query recommend(dataset) makes: the stored or computed values cut to its groups (no landmarkers)
    asked = names_in(QUERY_GROUPS)
    mf = {k: v for k, v in meta_features_of(kb, dataset, dataset_id).items() if k in asked}
    blend = config.warm_start_strategy == "blend"
    top = max(3 * n_warm if blend else n_warm, 3 * DEFAULT_WARM_START if config.narrow else 0, 1)
    if config.algorithms is not None:  # recommendations outside the restricted space are dropped: ask for more
        top *= 5
    try:
        recs = list(recommend(meta_features=mf, task=dataset.task, metric=metric, kb=kb, top=top,
                              exclude_datasets=config.exclude_datasets))
    except RecommendationError as exc:  # e.g. no runs under this metric: search cold, say why
        return [], [f"no warm start: {exc}"]
    if not recs:
        return [], ["no warm start: the knowledge base had no recommendation for this dataset"]
    return recs, []


def narrowed(algorithms: tuple[str, ...], recs) -> tuple[str, ...]:
    """The algorithms of ``algorithms`` among the recommendations, in their order (all if none is)."""
    favoured = tuple(dict.fromkeys(r.algorithm for r in recs if r.algorithm in algorithms))
    return favoured or algorithms


def open_study(config: SearchConfig, dataset, metric: str):
    """Return ``(study, fresh)``: a new study, or the shared one in ``config.storage`` (``fresh``: it had no trials)."""
    study_name = config.study_name
    if config.storage is not None and study_name is None:
        study_name = study_name_for(dataset, metric)
    sampler = exploring(make_sampler(config.sampler, config.seed), config.explore_trials, config.seed)
    study = create_study(config.storage, sampler, study_name)
    return study, not study.get_trials(deepcopy=False)


def enqueue_first_trials(study, config: SearchConfig, *, recs, kb, dataset, dataset_id, metric, algorithms,
                         deadline: float | None, fresh: bool) -> list[str]:
    """Enqueue the given configurations and the warm start; add the prior trials. Return the notes (skipped candidates)."""
    from metalearn import space

    notes: list[str] = []
    starting = []  # (algorithm, params, source)
    for name, params in config.configurations:
        if name not in algorithms:
            raise SearchError(f"configuration algorithm {name!r} is not in the search space: {', '.join(algorithms)}")
        starting.append((name, space.validate_params(name, params), "given"))
    n_warm, strategy = config.n_warm, config.warm_start_strategy
    if n_warm > 0 and (recs or strategy == "blend"):
        regret = algorithm_regret(kb, recs, metric, set()) if strategy == "blend" else {}
        plan = warm_start_plan(recs, task=dataset.task, algorithms=algorithms, n=n_warm, strategy=strategy,
                               regret=regret)
        if deadline is not None and plan:  # cost-aware: gain per second, no candidate that cannot fit (#16 item 1)
            neighbours = evidence_dataset_ids(recs, {dataset_id} if dataset_id is not None else set())
            plan, skipped = budget_warm_start(
                plan, CostModel.from_kb(kb, neighbours), kb, n_rows=len(dataset.y),
                n_features=dataset.X.shape[1], seconds_left=deadline - time.monotonic(),
                first_rung_share=1.0 / config.cv if config.fidelity else 1.0, n_workers=config.workers)
            notes.extend(skipped)
        starting.extend((name, params, "warm_start") for name, params, _reason in plan)
    seen = set()
    for name, params, source in starting:
        key = (name, json.dumps(params, sort_keys=True, default=str))
        if key in seen:
            continue
        if config.n_trials is not None and len(seen) >= config.n_trials:
            break  # an enqueued trial the budget never asks for would stay WAITING in a shared storage
        seen.add(key)
        got = distributions_for(name, params, algorithms)
        study.enqueue_trial(
            got[0] if got is not None else {"algorithm": name},
            user_attrs={ATTR_SOURCE: source, ATTR_WARM: source == "warm_start", ATTR_ALGORITHM: name,
                        ATTR_PARAMS: json.dumps(params, sort_keys=True)},
            skip_if_exists=config.storage is not None,
        )
    if config.prior_runs and recs and fresh:
        exclude_ids = {dataset_id} if dataset_id is not None else set()
        add_prior_trials(study, kb, recs, metric, algorithms, dataset.task, exclude_ids, limit=PRIOR_TRIALS)
    return notes
