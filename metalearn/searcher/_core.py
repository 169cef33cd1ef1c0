"""The search: :func:`search` runs an Optuna study over the registry, warm-started from the KB.

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
"""

from __future__ import annotations

import json
import math
import os
import time
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any, Callable, Iterable, Mapping, Sequence

from metalearn.exceptions import MetaLearnError, RecommendationError, SearchError
from metalearn.searcher._inputs import (
    check_cross_validatable,
    quality_warnings,
    computed_by,
    load_data,
    meta_features_of,
    open_kb,
    plain_labels,
    resolve_algorithms,
)
from metalearn.searcher._cost import CostModel, budget_warm_start
from metalearn.searcher._fidelity import evaluate_trial
from metalearn.searcher._plan import WARM_START_STRATEGIES, algorithm_regret, warm_start_plan
from metalearn.searcher._progress import Progress
from metalearn.searcher._study import (
    ATTR_ALGORITHM,
    ATTR_ERROR,
    ATTR_FIT_TIME,
    ATTR_FOLDS,
    ATTR_PARAMS,
    ATTR_PROTOCOL,
    ATTR_SOURCE,
    ATTR_STATUS,
    ATTR_WARM,
    add_prior_trials,
    create_study,
    distributions_for,
    evidence_dataset_ids,
    make_sampler,
    study_name_for,
    trial_record,
)
from metalearn.searcher.result import SearchResult, TrialRecord, describe_final, finite_or_none
from metalearn.tasks import check_metric, default_metric

__all__ = ["search", "DEFAULT_TIME_BUDGET", "DEFAULT_WARM_START", "DEFAULT_TRIAL_TIMEOUT", "SYNC_BATCH"]

DEFAULT_TIME_BUDGET = 60.0
"""Seconds a search runs when neither ``n_trials`` nor ``time_budget`` is given: time is the budget users think in."""

SYNC_BATCH = 4
"""Under a trial budget (no time budget), trials are asked in batches of this many, run on the ``n_jobs``
workers, and told to the sampler in trial order once the batch is done; the sampler so sees the same
history whatever ``n_jobs`` is, and a seeded search gives the same trials with ``n_jobs=1`` and ``n_jobs=8``."""

DEFAULT_WARM_START = 10
"""Number of recommended configurations enqueued as the first trials."""

DEFAULT_TRIAL_TIMEOUT = 300.0
"""Seconds one trial may take when no time budget bounds it."""

MIN_TRIAL_SECONDS = 0.5  # do not start a trial with less budget than this left
GRACE_SECONDS = 15.0  # how long past the deadline we wait for an evaluator that ignores its timeout


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
    n_jobs: int | None = None,
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
    fidelity: bool = True,
    ensemble: bool = True,
    refit_timeout: float | None = None,
    refit: bool = True,
    write_back: bool = True,
    progress: bool = False,
    evaluator: Callable | None = None,
    callback: Callable[[TrialRecord], None] | None = None,
    warm_start_strategy: str = "blend",
    drop: Sequence[str] = (),
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
        running trials short at the deadline. Default: a time budget of
        :data:`DEFAULT_TIME_BUDGET` (60 s).
    warm_start : bool or int
        Enqueue the recommender's top configurations (10 if ``True``, else this many) as the
        first trials.
    kb : KnowledgeBase, path or None
        The knowledge base (default location if ``None``).
    exclude_datasets : iterable
        Datasets the recommender must not use (``openml:<id>``, names, ids), as in ``recommend``.
        Use it to benchmark honestly on datasets the KB already knows.
    n_jobs : int, optional
        Trials run in parallel, each in its own single-threaded worker process. Default (``None``,
        or ``-1``): one per CPU. Under a trial budget the result for a seed does not depend on it
        (see :data:`SYNC_BATCH`); under a time budget more workers run more trials.
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
    fidelity : bool
        Multi-fidelity screening (:mod:`metalearn.searcher._fidelity`): each trial runs the first
        CV fold (on large data first 10,000-row samples) and is pruned, status ``"pruned"``, not
        written to the KB, when it scores below the median of the completed trials there; the
        survivors run the remaining folds. Enqueued configurations are not pruned on the first
        rung. Applies with the built-in evaluator only (a custom ``evaluator`` runs each trial whole).
    refit : bool
        Refit on all the data (``SearchResult.model``): the ensemble, or the best trial
        (:func:`metalearn.searcher._final.finalize`). Each refit runs in a guarded worker,
        single-threaded, with ``refit_timeout`` seconds (default ``max(60, 3 x the trial's CV
        time)``), outside the time budget; a refit that fails falls back to the next-best trial.
    ensemble : bool
        Build a greedy (Caruana) ensemble of the best trials from their out-of-fold predictions,
        and use it when its CV score beats the best single trial's (``SearchResult.final``
        reports both scores and the members). ``False`` gives the best single model.
    refit_timeout : float, optional
        Seconds each final refit may take (see ``refit``).
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
    drop : sequence of str
        Feature columns removed before the search (:meth:`metalearn.data.Dataset.drop`), e.g. the
        leaking or identifier-like columns the data-quality warnings name.
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
        time_budget = DEFAULT_TIME_BUDGET
    if n_jobs is None or n_jobs == -1:
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

    dataset = load_data(data, target, task)
    if drop:
        dataset = dataset.drop(drop)
    check_cross_validatable(plain_labels(dataset.y), dataset.task, cv)
    metric = check_metric(metric or default_metric(dataset.task), dataset.task)
    space_algorithms = resolve_algorithms(algorithms, dataset.task)
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    kb_obj, opened = (None, False)
    if write_back or n_warm > 0 or prior_runs or narrow:
        kb_obj, opened = open_kb(kb)
    search_id = None
    dataset_id = None
    try:
        # ---- the dataset in the KB, characterized once --------------------
        if write_back:
            dataset_id = kb_obj.register(dataset).dataset_id

        # ---- recommendations -------------------------------------------------
        recs = []
        notes: list[str] = list(dataset.warnings)  # the loader's repairs and warnings, as the other commands report them
        notes.extend(quality_warnings(dataset))
        if n_warm > 0 or prior_runs or narrow:
            from metalearn.recommender import recommend

            mf = meta_features_of(kb_obj, dataset, dataset_id)
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
            meta_features_of(kb_obj, dataset, dataset_id)  # characterize once, for future searches
        if narrow and recs:
            favoured = [r.algorithm for r in recs if r.algorithm in space_algorithms]
            narrowed = tuple(dict.fromkeys(favoured))
            if len(narrowed) >= 1:
                space_algorithms = narrowed

        # ---- the study -----------------------------------------------------------
        if storage is not None and study_name is None:
            study_name = study_name_for(dataset, metric)
        study = create_study(storage, make_sampler(sampler, seed), study_name)
        study_name = study.study_name
        fresh_study = not study.get_trials(deepcopy=False)

        starting = []  # (algorithm, params, source)
        for name, params in configurations:
            if name not in space_algorithms:
                raise SearchError(f"configuration algorithm {name!r} is not in the search space: {', '.join(space_algorithms)}")
            starting.append((name, space.validate_params(name, params), "given"))
        if n_warm > 0 and (recs or warm_start_strategy == "blend"):
            regret = algorithm_regret(kb_obj, recs, metric, set()) if warm_start_strategy == "blend" else {}
            plan = warm_start_plan(recs, task=dataset.task, algorithms=space_algorithms, n=n_warm,
                                   strategy=warm_start_strategy, regret=regret)
            if deadline is not None and plan:  # cost-aware: gain per second, no candidate that cannot fit (#16 item 1)
                neighbours = evidence_dataset_ids(recs, {dataset_id} if dataset_id is not None else set())
                plan, skipped = budget_warm_start(
                    plan, CostModel.from_kb(kb_obj, neighbours), kb_obj, n_rows=len(dataset.y),
                    n_features=dataset.X.shape[1], seconds_left=deadline - time.monotonic(),
                    first_rung_share=1.0 / cv if fidelity else 1.0)
                notes.extend(skipped)
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
            got = distributions_for(name, params, space_algorithms)
            flat = got[0] if got is not None else {"algorithm": name}
            study.enqueue_trial(
                flat,
                user_attrs={
                    ATTR_SOURCE: source,
                    ATTR_WARM: source == "warm_start",
                    ATTR_ALGORITHM: name,
                    ATTR_PARAMS: json.dumps(params, sort_keys=True),
                },
                skip_if_exists=storage is not None,
            )
            n_enqueued += source == "warm_start"
        if prior_runs and recs and fresh_study:
            exclude_ids = {dataset_id} if dataset_id is not None else set()
            add_prior_trials(study, kb_obj, recs, metric, space_algorithms, dataset.task, exclude_ids, limit=200)

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
        X, y = dataset.X, plain_labels(dataset.y)
        progress_bar = Progress(progress, n_trials, deadline, start)
        pending: dict = {}
        # out-of-fold predictions of the finished trials, for the ensemble; in memory only, never in the KB
        keep_predictions = bool(refit and ensemble and evaluator is None)
        predictions: dict[int, tuple] = {}
        n_asked = 0
        own_best = float("nan")
        status_final = "finished"

        def launch(pool):
            nonlocal n_asked
            trial = study.ask()
            attrs = trial.user_attrs
            enqueued = ATTR_PARAMS in attrs
            name, params = space.suggest(trial, space_algorithms)
            params = dict(params)
            if ATTR_PARAMS in attrs:  # enqueued configuration: evaluate exactly it
                name, params = attrs[ATTR_ALGORITHM], json.loads(attrs[ATTR_PARAMS])
            else:
                trial.set_user_attr(ATTR_SOURCE, "sampler")
                trial.set_user_attr(ATTR_WARM, False)
                trial.set_user_attr(ATTR_ALGORITHM, name)
                trial.set_user_attr(ATTR_PARAMS, json.dumps(params, sort_keys=True, default=str))
            timeout = base_timeout
            limited = False
            if deadline is not None:
                left = deadline - time.monotonic()
                if left < timeout:
                    timeout, limited = max(left, 0.05), True
            fut = pool.submit(
                evaluate_trial, evaluate_fn, name, params, X, y, task=dataset.task, metric=metric, cv=cv,
                timeout=timeout, memory_limit_mb=memory_limit_mb, random_state=random_state,
                trial=trial, fidelity=fidelity and evaluator is None, protect_first=enqueued,
                **({"keep_predictions": True} if keep_predictions else {}),
            )
            pending[fut] = (trial, name, params, limited)
            n_asked += 1

        def finish(fut):
            nonlocal own_best
            trial, name, params, limited = pending.pop(fut)
            res, pruned_at = fut.result()  # an exception here is systemic (EvaluationError): stop the search
            status = "pruned" if pruned_at is not None else res.status
            if status == "timeout" and limited:
                status = "stopped"
            score = float(res.score) if res.score is not None else float("nan")
            ok = status == "ok" and math.isfinite(score)
            if status == "ok" and not ok:
                status = "failed"
            error = res.error if not ok else None
            if status == "stopped":
                error = "stopped: the search's time budget ran out during this trial"
            if status == "pruned":
                error = f"pruned after rung {pruned_at + 1}: {res.protocol} scored {score:.4g}"
            trial.set_user_attr(ATTR_STATUS, status)
            if error:
                trial.set_user_attr(ATTR_ERROR, str(error)[:500])
            if res.fit_time is not None and math.isfinite(float(res.fit_time)):
                trial.set_user_attr(ATTR_FIT_TIME, float(res.fit_time))
            trial.set_user_attr(ATTR_PROTOCOL, res.protocol)
            folds = [float(v) for v in (getattr(res, "fold_scores", None) or ()) if math.isfinite(float(v))]
            if ok and folds:
                trial.set_user_attr(ATTR_FOLDS, folds)
            if ok:
                study.tell(trial, score)
                if keep_predictions and getattr(res, "oof", None) is not None:
                    predictions[trial.number] = (res.oof, res.classes)
                if not (score <= own_best):
                    own_best = score
            else:
                study.tell(trial, state=TrialState.PRUNED if status == "pruned" else TrialState.FAIL)
            if write_back and status not in ("stopped", "pruned"):  # neither is a full run
                from metalearn.kb import RunInput

                cfg = kb_obj.add_configuration(name, params)
                kb_obj.add_runs([
                    RunInput(
                        dataset_id, cfg.configuration_id, metric, score if ok else None, res.protocol,
                        status=status, fit_time=finite_or_none(res.fit_time), error=error,
                        source=computed_by(), search_id=search_id,
                    )
                ])
            progress_bar.update(1, own_best, len(pending))
            if callback is not None:
                rec = trial_record(study.get_trials(deepcopy=False)[trial.number])
                if rec is not None:
                    callback(rec)

        try:
            with ThreadPoolExecutor(max_workers=n_jobs, thread_name_prefix="metalearn-trial") as pool:
                try:
                    synchronous = deadline is None  # reproducible whatever n_jobs (SYNC_BATCH)
                    while True:
                        now = time.monotonic()
                        room = (SYNC_BATCH if not pending else 0) if synchronous else n_jobs - len(pending)
                        while (
                            room > 0
                            and (n_trials is None or n_asked < n_trials)
                            and (deadline is None or deadline - now > MIN_TRIAL_SECONDS)
                        ):
                            launch(pool)
                            room -= 1
                            now = time.monotonic()
                        if not pending:
                            break
                        wait_for = 1.0
                        if deadline is not None:
                            over = now - deadline
                            if over > GRACE_SECONDS:  # an evaluator that ignores its timeout
                                for fut, (trial, *_rest) in list(pending.items()):
                                    trial.set_user_attr(ATTR_STATUS, "stopped")
                                    study.tell(trial, state=TrialState.FAIL)
                                    fut.cancel()
                                pending.clear()
                                break
                        if synchronous:  # the whole batch, then its trials told in trial order
                            done, running = wait(list(pending), timeout=wait_for, return_when=ALL_COMPLETED)
                            if running:
                                done = ()
                            for fut in sorted(done, key=lambda f: pending[f][0].number):
                                finish(fut)
                        else:
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
                        best_score=finite_or_none(own_best), n_trials=n_asked,
                    )
                except MetaLearnError:
                    if status_final == "finished":
                        raise

        # ---- the result ---------------------------------------------------------------
        records = []
        for frozen in study.get_trials(deepcopy=False):
            if frozen.state in (TrialState.RUNNING, TrialState.WAITING):
                continue
            rec = trial_record(frozen)
            if rec is not None:
                records.append(rec)
        records.sort(key=lambda t: t.number)
        ok = [t for t in records if t.status == "ok" and math.isfinite(t.score)]
        best = max(ok, key=lambda t: (t.score, -t.number)) if ok else None
        protocol = ""
        for frozen in study.get_trials(deepcopy=False):
            if frozen.state == TrialState.PRUNED:
                continue  # a partial protocol
            protocol = frozen.user_attrs.get(ATTR_PROTOCOL) or protocol
            if protocol:
                break
        elapsed = time.monotonic() - start
        model = metadata = final = None
        if best is not None and refit:
            from metalearn.searcher._final import finalize

            done = finalize(records, predictions, X, y, task=dataset.task, metric=metric, ensemble=ensemble,
                            random_state=random_state, refit_timeout=refit_timeout, memory_limit_mb=memory_limit_mb,
                            progress=progress)
            predictions.clear()
            model = done.model
            notes.extend(done.notes)
            final = describe_final(done, records)
        if model is not None:
            from metalearn.model import model_metadata

            score = final["ensemble_score"] if final["kind"] == "ensemble" else final["score"]
            metadata = model_metadata(model, X, task=dataset.task, metric=metric, score=score, protocol=protocol,
                                      target=dataset.target, content_hash=dataset.content_hash, search_id=search_id,
                                      ensemble=final if final["kind"] == "ensemble" else None)
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
            final=final,
        )
        if output is not None and model is not None:
            result.save_model(output)
        if plot is not None:
            result.plot(plot)
        return result
    finally:
        if opened:
            kb_obj.close()
