"""``metalearn search``: the warm-started search, and the leaderboard it prints."""

from __future__ import annotations

import json
import sys

import click

from metalearn.cli._common import check_output_path, echo_json, kb_option, load, target_option, task_option
from metalearn.searcher import WARM_START_STRATEGIES
from metalearn.searcher.config import DEFAULT_TIME_BUDGET, DEFAULT_TRIAL_TIMEOUT, DEFAULT_WARM_START, SearchConfig

# every default below is SearchConfig's (the options' one declaration); a flag turns an option off


@click.command()
@click.argument("data")
@target_option
@task_option
@kb_option
@click.option("--trials", type=click.IntRange(1), default=None, help="Number of trials (with no --time-budget, none: the search runs as many as fit).")
@click.option("--time-budget", type=click.FloatRange(min=0, min_open=True), default=None,
              help=f"Wall-clock budget in seconds (default {DEFAULT_TIME_BUDGET:g} when --trials is not given).")
@click.option("--no-warm-start", is_flag=True, help="Do not start from the knowledge base's recommendations (cold TPE).")
@click.option("--warm-start-size", type=click.IntRange(1), default=DEFAULT_WARM_START, show_default=True,
              help="Recommended configurations enqueued as the first trials.")
@click.option("--warm-start-strategy", type=click.Choice(WARM_START_STRATEGIES), default=SearchConfig.warm_start_strategy,
              show_default=True,
              help="blend: de-duplicated recommendations interleaved with strong defaults; portfolio: the recommender's top as-is.")
@click.option("--explore-trials", type=click.IntRange(0), default=SearchConfig.explore_trials, show_default=True,
              help="Random trials right after the warm start, before TPE models the search (0: TPE at once).")
@click.option("--exclude", "exclude", multiple=True, metavar="DATASET",
              help="Dataset the recommender must not use (openml:ID or KB name); repeatable.")
@click.option("--metric", default=None, help="scikit-learn scorer name (default: balanced_accuracy or r2).")
@click.option("--algorithms", default=None, help="Comma-separated registry names to restrict the search to.")
@click.option("--jobs", type=int, default=SearchConfig.n_jobs,
              help="Trials run in parallel, each single-threaded (default and -1: one per CPU; a seeded --trials search gives the same result for any --jobs).")
@click.option("--storage", default=None, metavar="URL",
              help="Optuna RDB URL (sqlite:///f.db, postgresql://..., mysql://...) shared by several search processes.")
@click.option("--study-name", default=None, help="Study name in --storage (default: from the data's hash and the metric).")
@click.option("--seed", type=int, default=SearchConfig.seed, help="Seed of the sampler, the CV splits and the estimators.")
@click.option("--cv", type=click.IntRange(2), default=SearchConfig.cv, show_default=True, help="Cross-validation folds.")
@click.option("--trial-timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help=f"Seconds one trial may take (default {DEFAULT_TRIAL_TIMEOUT:g}, or what is left of --time-budget).")
@click.option("--memory-limit", "memory_limit_mb", type=click.IntRange(1), default=None, metavar="MB",
              help="Memory cap of each trial's worker process, in MB.")
@click.option("--no-write-back", is_flag=True, help="Leave the knowledge base unchanged.")
@click.option("--drop", "drop", multiple=True, metavar="COLUMN",
              help="Remove this feature column before the search (repeatable), e.g. one the leakage warnings name.")
@click.option("--no-ensemble", is_flag=True,
              help="Save the best single model, not the greedy ensemble of the best trials (used only when it scores higher).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Save the refitted best model (joblib).")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), default=None,
              help="Save the convergence plot (best score so far by trial; warm-start trials marked).")
@click.option("--json", "as_json", is_flag=True, help="Print the result and the trial table as one JSON object.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: when stderr is a terminal).")
def search(data, target, task, kb_path, trials, time_budget, no_warm_start, warm_start_size, warm_start_strategy, explore_trials, exclude,
           metric,
           algorithms, jobs, storage, study_name, seed, cv, trial_timeout, memory_limit_mb, no_write_back, drop, no_ensemble,
           output, plot_path, as_json, progress):
    """Search for the best configuration on DATA, warm-started from the knowledge base.

    Every finished trial is written to the knowledge base at once. Several processes given the
    same --storage URL (and data) work on one shared study.

    \b
    Examples:
      metalearn search data/examples/kr-vs-kp.csv --target class --trials 10
      metalearn search data/examples/penguins.csv --target species --time-budget 120 -o model.joblib
    """
    from metalearn.exceptions import SearchError
    from metalearn.searcher import run_search

    if output is not None:  # every path written is checked before the trials start
        check_output_path(output, "the model")
    if plot_path is not None:
        from metalearn.plot import check_can_plot

        check_can_plot(plot_path)  # matplotlib installed, the path writable
    dataset = load(data, target, task)  # the loader's warnings (e.g. dropped rows) are printed here
    if drop:
        dataset = dataset.drop(drop)
    from metalearn.data import quality_report

    for issue in quality_report(dataset).issues:  # leakage and identifiers, before any trial
        click.echo(f"Warning: {issue.message} (add --drop {issue.column} to remove it)", err=True)
    if metric is not None:
        from metalearn.tasks import check_metric

        check_metric(metric, dataset.task)
    config = SearchConfig(
        metric=metric, n_trials=trials, time_budget=time_budget, warm_start=False if no_warm_start else warm_start_size,
        exclude_datasets=exclude, n_jobs=jobs, seed=seed, storage=storage, study_name=study_name, cv=cv,
        trial_timeout=trial_timeout, memory_limit_mb=memory_limit_mb, write_back=not no_write_back,
        ensemble=not no_ensemble, algorithms=tuple(algorithms.split(",")) if algorithms else None,
        refit=output is not None, progress=sys.stderr.isatty() if progress is None else progress,
        warm_start_strategy=warm_start_strategy, explore_trials=explore_trials,
    )
    result = run_search(dataset, config, kb=kb_path)
    if output is not None:
        result.save_model(output)
    if plot_path is not None:
        result.plot(plot_path)
    if as_json:
        echo_json(result.to_dict())
    else:
        click.echo(_leaderboard_text(result))
    if result.algorithm is None:
        raise SearchError(f"no trial succeeded on {data} (see the errors above): raise --trials/--trial-timeout or --memory-limit")


def _finite(value) -> bool:
    import math

    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _leaderboard_text(result, top: int = 10) -> str:
    """The top of the leaderboard (best first; trials numbered 1..N as in the plot), then the best."""
    from metalearn.leaderboard import leaderboard

    board = leaderboard(result.trials)
    width = max(len(result.metric), 7)
    lines = [f"{'rank':>4}  {'trial':>5}  warm  {result.metric:>{width}}  {'fit(s)':>7}  algorithm / parameters"]
    for row in board.head(top).itertuples(index=False):
        score = f"{row.score:.4f}" if _finite(row.score) else "-"
        fit = f"{row.fit_time:.1f}" if _finite(row.fit_time) else "-"
        rank = str(int(row.rank)) if _finite(row.rank) else ""
        params = json.dumps(dict(row.params), sort_keys=True, default=str)
        text = f"{row.algorithm} {params}" + ("" if row.status == "ok" else f"  [{row.status}]")
        lines.append(f"{rank:>4}  {int(row.number) + 1:>5}  {'yes' if row.warm_start else '':<4}  {score:>{width}}  "
                     f"{fit:>7}  {text}")
    if len(board) > top:
        lines.append(f"      ... {len(board) - top} more trial(s) (--json for all)")
    lines.append("")
    lines.extend(result.footer())
    return "\n".join(lines)
