"""The search's entry point: :func:`search` builds a :class:`SearchConfig` and forwards to :func:`run_search`.

The budget is a number of trials, a number of seconds, or both (whichever runs out first). The
time budget counts from the call, includes characterization and the recommendations, excludes
the final refit, and cuts a trial short when it runs out: such a trial is reported with status
``"stopped"`` and is not written to the knowledge base (it says nothing about the configuration).

With ``storage`` set to an Optuna RDB URL (``sqlite:///study.db``, ``postgresql://...``,
``mysql://...``) several processes, on one machine or many, share one study: start ``metalearn
search`` with the same data and the same ``--storage`` (and ``--study-name``, which defaults to
one derived from the data's content hash and the metric) on each machine. Each process runs its
own ``n_trials``; the best configuration is taken over the whole study.

:func:`run_search` is the sequence, each step a module of its own (the way Optuna's ``Study.optimize``
forwards to its ``_optimize``): the inputs (:mod:`._inputs`), the recommendations, the study and
its first trials (:mod:`._start`), the trial loop (:mod:`._loop`) driving one
:class:`~._trial.TrialRunner` with the KB write-back (:mod:`._writeback`) and the caller's
``callback`` as the loop's callbacks, then the final model (:mod:`._final`) and the result.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Iterable, Mapping, Sequence

from metalearn.searcher._inputs import (
    check_cross_validatable,
    load_data,
    open_kb,
    plain_labels,
    quality_warnings,
    resolve_algorithms,
)
from metalearn.searcher._loop import run_trials
from metalearn.searcher._progress import Progress
from metalearn.searcher._start import enqueue_first_trials, narrowed, open_study, recommendations
from metalearn.searcher._study import ATTR_PROTOCOL, trial_record
from metalearn.searcher._trial import TrialRunner
from metalearn.searcher._writeback import WriteBack
from metalearn.searcher.config import SearchConfig
from metalearn.searcher.result import SearchResult, TrialRecord, describe_final, finite_or_none
from metalearn.tasks import check_metric, default_metric

__all__ = ["search", "run_search"]

_D = SearchConfig  # every option's default is SearchConfig's


def search(
    data,
    *,
    target: str | None = None,
    metric: str | None = _D.metric,
    n_trials: int | None = _D.n_trials,
    time_budget: float | None = _D.time_budget,
    warm_start: bool | int = _D.warm_start,
    kb=None,
    exclude_datasets: Iterable[str | int] = _D.exclude_datasets,
    n_jobs: int | None = _D.n_jobs,
    seed: int | None = _D.seed,
    storage: str | None = _D.storage,
    study_name: str | None = _D.study_name,
    task: str | None = None,
    algorithms: Sequence[str] | None = _D.algorithms,
    prior_runs: bool = _D.prior_runs,
    narrow: bool = _D.narrow,
    explore_trials: int = _D.explore_trials,
    configurations: Sequence[tuple[str, Mapping[str, Any]]] = _D.configurations,
    sampler: str = _D.sampler,
    cv: int = _D.cv,
    trial_timeout: float | None = _D.trial_timeout,
    memory_limit_mb: int | None = _D.memory_limit_mb,
    fidelity: bool = _D.fidelity,
    ensemble: bool = _D.ensemble,
    refit_timeout: float | None = _D.refit_timeout,
    refit: bool = _D.refit,
    write_back: bool = _D.write_back,
    progress: bool = _D.progress,
    evaluator: Callable | None = None,
    callback: Callable[[TrialRecord], None] | None = None,
    warm_start_strategy: str = _D.warm_start_strategy,
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
    explore_trials : int
        After the warm start, this many sampled trials are random before TPE models the history
        (:mod:`metalearn.searcher._sampler`); a cold search is unchanged.
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
    config = SearchConfig(
        n_trials=n_trials, time_budget=time_budget, metric=metric, warm_start=warm_start,
        warm_start_strategy=warm_start_strategy, exclude_datasets=exclude_datasets or (), n_jobs=n_jobs, seed=seed,
        storage=storage, study_name=study_name, algorithms=algorithms, prior_runs=prior_runs, narrow=narrow,
        explore_trials=explore_trials, configurations=configurations, sampler=sampler, cv=cv, trial_timeout=trial_timeout,
        memory_limit_mb=memory_limit_mb, fidelity=fidelity, ensemble=ensemble,
        refit=refit or output is not None, refit_timeout=refit_timeout, write_back=write_back, progress=progress,
    )
    return run_search(data, config, target=target, task=task, kb=kb, drop=drop, evaluator=evaluator,
                      callback=callback, output=output, plot=plot)


def run_search(data, config: SearchConfig, *, target=None, task=None, kb=None, drop: Sequence[str] = (),
               evaluator: Callable | None = None, callback: Callable[[TrialRecord], None] | None = None,
               output=None, plot=None) -> SearchResult:
    """Run the search ``config`` describes on ``data`` (the arguments are :func:`search`'s).

    The paths (``output``, ``plot``) and the data are checked before any trial, then the KB is
    opened when the search reads or writes it, and closed at the end if opened here."""
    import optuna

    start = time.monotonic()
    if output is not None:
        from metalearn.model import check_writable

        check_writable(output)  # before any work: a bad path must not cost a whole search
    if plot is not None:
        from metalearn.plot import check_can_plot

        check_can_plot(plot)
    dataset = load_data(data, target, task)
    if drop:
        dataset = dataset.drop(drop)
    check_cross_validatable(plain_labels(dataset.y), dataset.task, config.cv)
    metric = check_metric(config.metric or default_metric(dataset.task), dataset.task)
    algorithms = resolve_algorithms(config.algorithms, dataset.task)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    kb_obj, opened = open_kb(kb) if config.needs_kb else (None, False)
    try:
        result = _search_in(kb_obj, dataset, config, metric=metric, algorithms=algorithms, start=start,
                            evaluator=evaluator, callback=callback)
    finally:
        if opened:
            kb_obj.close()
    if output is not None and result.model is not None:
        result.save_model(output)
    if plot is not None:
        result.plot(plot)
    return result


def _search_in(kb, dataset, config: SearchConfig, *, metric, algorithms, start, evaluator, callback) -> SearchResult:
    """The search proper, with the KB open: the first trials, the loop, the final model."""
    budget = config.budget_seconds
    deadline = start + budget if budget is not None else None
    dataset_id = kb.register(dataset).dataset_id if config.write_back else None  # characterized once, below
    notes: list[str] = list(dataset.warnings)  # the loader's repairs and warnings, as the other commands report them
    notes.extend(quality_warnings(dataset))
    recs, why = recommendations(kb, dataset, dataset_id, config, metric)
    notes.extend(why)
    if config.narrow and recs:
        algorithms = narrowed(algorithms, recs)
    study, fresh = open_study(config, dataset, metric)
    notes.extend(enqueue_first_trials(study, config, recs=recs, kb=kb, dataset=dataset, dataset_id=dataset_id,
                                      metric=metric, algorithms=algorithms, deadline=deadline, fresh=fresh))
    writeback = None
    if config.write_back:
        writeback = WriteBack.begin(kb, dataset_id=dataset_id, metric=metric,
                                    settings=config.settings(study_name=study.study_name, algorithms=algorithms))
    if evaluator is None:
        from metalearn.evaluate import evaluate as evaluator_fn
    else:
        evaluator_fn = evaluator
    X, y = dataset.X, plain_labels(dataset.y)
    runner = TrialRunner(
        evaluator_fn, X, y, task=dataset.task, metric=metric, algorithms=algorithms, cv=config.cv,
        base_timeout=config.base_trial_timeout, deadline=deadline, memory_limit_mb=config.memory_limit_mb,
        random_state=config.random_state, fidelity=config.fidelity and evaluator is None,
        keep_predictions=config.refit and config.ensemble and evaluator is None,
    )
    callbacks = [cb for cb in (writeback, _record_callback(callback)) if cb is not None]
    bar = Progress(config.progress, config.n_trials, deadline, start)
    status = "finished"
    try:
        run_trials(study, runner, n_jobs=config.workers, n_trials=config.n_trials, deadline=deadline,
                   callbacks=callbacks, on_progress=lambda done, running: bar.update(done, runner.best, running))
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    except BaseException:
        status = "failed"
        raise
    finally:
        bar.close()
        if writeback is not None:
            writeback.end(status, best_score=finite_or_none(runner.best), n_trials=runner.n_started)
    return _result(study, runner, dataset, config, metric=metric, algorithms=algorithms, notes=notes,
                   dataset_id=dataset_id, search_id=writeback.search_id if writeback else None, start=start)


def _record_callback(callback):
    """The caller's ``callback(TrialRecord)`` as a loop callback, or ``None``."""
    if callback is None:
        return None

    def call(study, outcome):
        rec = trial_record(study.get_trials(deepcopy=False)[outcome.number])
        if rec is not None:
            callback(rec)

    return call


def _result(study, runner, dataset, config, *, metric, algorithms, notes, dataset_id, search_id, start) -> SearchResult:
    """The trials as records, the best one, the final model (ensemble or single) and its metadata."""
    from optuna.trial import TrialState

    records = []
    protocol = ""
    for frozen in study.get_trials(deepcopy=False):
        if frozen.state not in (TrialState.RUNNING, TrialState.WAITING):
            rec = trial_record(frozen)
            if rec is not None:
                records.append(rec)
        if not protocol and frozen.state != TrialState.PRUNED:  # a pruned trial's protocol is partial
            protocol = frozen.user_attrs.get(ATTR_PROTOCOL) or ""
    records.sort(key=lambda t: t.number)
    ok = [t for t in records if t.status == "ok" and math.isfinite(t.score)]
    best = max(ok, key=lambda t: (t.score, -t.number)) if ok else None
    elapsed = time.monotonic() - start
    model = metadata = final = None
    X, y = dataset.X, plain_labels(dataset.y)
    if best is not None and config.refit:
        from metalearn.searcher._final import finalize

        done = finalize(records, runner.predictions, X, y, task=dataset.task, metric=metric, ensemble=config.ensemble,
                        random_state=config.random_state, refit_timeout=config.refit_timeout,
                        memory_limit_mb=config.memory_limit_mb, progress=config.progress, n_jobs=config.workers)
        runner.predictions.clear()
        model = done.model
        notes.extend(done.notes)
        final = describe_final(done, records)
    if model is not None:
        from metalearn.model import model_metadata

        is_ensemble = final["kind"] == "ensemble"
        metadata = model_metadata(model, X, task=dataset.task, metric=metric,
                                  score=final["ensemble_score"] if is_ensemble else final["score"], protocol=protocol,
                                  target=dataset.target, content_hash=dataset.content_hash, search_id=search_id,
                                  ensemble=final if is_ensemble else None)
    return SearchResult(
        best_score=best.score if best else float("nan"), best_params=dict(best.params) if best else {},
        algorithm=best.algorithm if best else None, metric=metric, protocol=protocol, task=dataset.task,
        dataset=dataset.name, trials=tuple(records), content_hash=dataset.content_hash, kb_dataset_id=dataset_id,
        search_id=search_id, study_name=study.study_name, elapsed=elapsed, n_warm_start=sum(t.warm_start for t in records),
        algorithms=tuple(algorithms), warnings=tuple(notes), model=model, study=study, model_metadata=metadata,
        final=final,
    )
