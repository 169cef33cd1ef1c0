"""The ``metalearn`` command line: thin click commands over the library.

Every command is a few lines: parse options, call one library function,
print its result. A :class:`~metalearn.exceptions.MetaLearnError` becomes a
one-line ``Error: ...`` on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys

import click

from metalearn._version import __version__
from metalearn.exceptions import MetaLearnError

EXIT_USAGE = 2


def _os_error_line(exc: OSError) -> str:
    """One line for an OSError: what failed, on which path, and the fix."""
    path = exc.filename if exc.filename is not None else ""
    reason = exc.strerror or str(exc)
    where = f" {str(path)!r}" if path else ""
    if isinstance(exc, FileNotFoundError):
        return f"cannot open{where}: {reason}; check the path"
    if isinstance(exc, PermissionError):
        return f"permission denied on{where}: {reason}; choose a path you can read/write"
    if isinstance(exc, IsADirectoryError):
        return f"{where.strip() or 'path'} is a directory; give a file name"
    return f"I/O error on{where}: {reason}; check the path and the free disk space"


def error_line(exc: BaseException) -> str | None:
    """The one-line message the CLI prints for ``exc``, or None if it is not an expected error.

    MetaLearnError carries its own fix; OSError, SQLite and JSON errors from underneath are
    translated here, the one place every command's errors pass through.
    """
    import sqlite3

    if isinstance(exc, MetaLearnError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); fix or regenerate the file"
    if isinstance(exc, OSError):
        return _os_error_line(exc)
    if isinstance(exc, sqlite3.Error):
        return (f"SQLite error ({type(exc).__name__}: {exc}); the KB may be in use or damaged: "
                f"run metalearn kb check, or pass another --kb")
    return None


class MetaLearnGroup(click.Group):
    """A click group that reports errors as one ``Error: ...`` line: exit 2, never a traceback.

    MetaLearnError, OSError, sqlite3.Error and JSON errors are expected (bad input, the fix
    is named); anything else is a bug, reported as one line with exit 1 (set METALEARN_DEBUG=1
    for the traceback).
    """

    def invoke(self, ctx: click.Context):
        import os

        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:  # e.g. `metalearn algorithms | head`: the reader left, say nothing
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 - the one place errors become one line
            line = error_line(exc)
            if os.environ.get("METALEARN_DEBUG"):
                raise
            if line is None:
                click.echo(f"Error: internal error ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
                           f"please report it (METALEARN_DEBUG=1 shows the traceback)", err=True)
                sys.exit(1)
            click.echo(f"Error: {line}", err=True)
            sys.exit(EXIT_USAGE)


def check_output_path(path, what: str):
    """Check before any work that ``what`` (e.g. "the model") can be written at ``path``."""
    from metalearn.paths import check_writable

    return check_writable(path, what=what)


def _echo_json(obj) -> None:
    click.echo(json.dumps(obj, indent=2, sort_keys=False, default=str))


kb_option = click.option(
    "--kb",
    "kb_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Knowledge base file. Default: $METALEARN_KB, else the per-user data directory "
    "(created from the bundled seed on first use).",
)
target_option = click.option(
    "--target", "-t", default=None, help="Target column. Default: the OpenML default target, else the last column."
)
task_option = click.option(
    "--task",
    type=click.Choice(["binary", "multiclass", "regression"]),
    default=None,
    help="Override the task inferred from the target.",
)


@click.group(cls=MetaLearnGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="metalearn")
def main() -> None:
    """metalearn: meta-learning recommendations for tabular machine learning.

    DATA arguments take a CSV/TSV, Parquet or ARFF file, or openml:<dataset id>.

    \b
    Examples:
      metalearn recommend data/examples/kr-vs-kp.csv --target class
      metalearn search data/examples/kr-vs-kp.csv --target class --trials 10
    """


# --- inspect ---------------------------------------------------------------
def _load(data: str, target: str | None, task: str | None, encoding: str = "utf-8"):
    """Load DATA and print its warnings to stderr (shared by the commands)."""
    from metalearn.data import load_dataset

    dataset = load_dataset(data, target=target, task=task, encoding=encoding)
    for line in dataset.warnings:
        click.echo(f"Warning: {line}", err=True)
    return dataset


encoding_option = click.option(
    "--encoding", default="utf-8", show_default=True, help="Text encoding of CSV/ARFF files (e.g. latin-1)."
)


@main.command()
@click.argument("data")
@target_option
@task_option
@encoding_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def inspect(data, target, task, encoding, as_json):
    """Load and validate DATA: rows, columns, task, flagged columns, warnings, leakage and identifier columns.

    \b
    Examples:
      metalearn inspect data/examples/titanic.csv --target survived
      metalearn inspect openml:31 --json
    """
    from metalearn.data import quality_report

    ds = _load(data, target, task, encoding)
    quality = quality_report(ds)
    for line in quality.warnings:
        click.echo(f"Warning: {line}", err=True)
    summary = {
        "name": ds.name,
        "source": ds.source,
        "rows": ds.n_rows,
        "features": ds.n_features,
        "categorical_features": len(ds.categorical_columns),
        "target": ds.target,
        "task": ds.task,
        "content_hash": ds.content_hash,
        "flags": {k: list(v) for k, v in ds.flags.items()},
        "warnings": list(ds.warnings),
        "quality": quality.to_dict()["issues"],
    }
    if as_json:
        _echo_json(summary)
        return
    for key in ("name", "source", "rows", "features", "categorical_features", "target", "task", "content_hash"):
        click.echo(f"{key:>22}: {summary[key]}")
    for flag, cols in summary["flags"].items():
        click.echo(f"{flag:>22}: {', '.join(cols)}")


# --- characterize ---------------------------------------------------------
@main.command()
@click.argument("data")
@target_option
@task_option
@click.option("--json", "as_json", is_flag=True, help="Print the meta-features as one JSON object.")
@click.option(
    "--groups",
    default=None,
    help="Comma-separated meta-feature groups to compute (default: all). See `metalearn.characterize` for the list.",
)
def characterize(data, target, task, as_json, groups):
    """Compute the meta-features of DATA, under OpenML's quality names.

    Groups: general, statistical, info-theory, cardinality (OpenML's qualities), landmarking
    (metalearn.Landmark*), autosklearn (autosklearn.*); also "openml" and "all".
    NaN marks a quality undefined for the data; the table says why.

    \b
    Examples:
      metalearn characterize data/examples/kr-vs-kp.csv --target class
      metalearn characterize data/examples/cpu.csv --groups general,statistical --json
    """
    import math

    from metalearn.metafeatures import characterize as run

    mf = run(_load(data, target, task), groups=groups)
    if as_json:
        _echo_json({k: (None if math.isnan(v) else v) for k, v in mf.items()})
        return
    for group, seconds in mf.timings.items():
        click.echo(f"{group} ({seconds:.3f} s)")
        for name, value in mf.group(group).items():
            note = f"  ({mf.reasons[name]})" if name in mf.reasons else ""
            click.echo(f"  {name:<48} {value:>14.6g}{note}")


# --- recommend ------------------------------------------------------------
@main.command()
@click.argument("data")
@target_option
@task_option
@kb_option
@click.option("--top", default=5, show_default=True, type=click.IntRange(1, 1000), help="Number of recommendations.")
@click.option("--metric", default=None, help="scikit-learn scorer name (default: balanced_accuracy or r2).")
@click.option("--json", "as_json", is_flag=True, help="Print the recommendations as JSON.")
@click.option("--explain", is_flag=True, help="Also show the nearest datasets and the meta-features that made them near.")
@click.option(
    "--exclude",
    "exclude",
    multiple=True,
    help="Leave this KB dataset out of the neighbourhood (KB id, openml:<id> or name); repeatable.",
)
def recommend(data, target, task, kb_path, top, metric, as_json, explain, exclude):
    """Recommend algorithm configurations for DATA from the knowledge base.

    Ranks configurations by how they did on the most similar datasets of the KB
    (a portfolio: the best of the top N should be good) and shows the evidence.

    \b
    Examples:
      metalearn recommend data/examples/kr-vs-kp.csv --target class --top 5
      metalearn recommend data/examples/penguins.csv --target species --metric roc_auc_ovr --explain
    """
    from metalearn.kb import KnowledgeBase
    from metalearn.recommender import RecommendationWarning, Recommender

    dataset = _load(data, target, task)
    with KnowledgeBase.open(kb_path) as kbase:  # the recommender characterizes the data with the groups it uses
        import warnings

        with warnings.catch_warnings(record=True) as caught:  # e.g. an --exclude matching no KB dataset
            warnings.simplefilter("always", RecommendationWarning)
            result = Recommender(kbase).explain(dataset, task=dataset.task, metric=metric, top=top,
                                                exclude_datasets=exclude)
        for warning in caught:
            click.echo(f"Warning: {warning.message}", err=True)
    if as_json:
        out = {"dataset": dataset.name, "task": result.task, "metric": result.metric, "reason": result.reason,
               "recommendations": [r.to_dict() for r in result.recommendations]}
        if explain:
            out["neighbours"] = [
                {"dataset_id": n.dataset_id, "name": n.name, "openml_id": n.openml_id, "distance": n.distance,
                 "weight": n.weight, "near_features": [list(f) for f in n.near_features]} for n in result.neighbours]
            out["features_used"] = list(result.features_used)
        _echo_json(out)
        return
    click.echo(f"{dataset.name}: {result.task}, metric {result.metric}; {result.reason}")
    import shutil

    click.echo(result.to_text(width=max(60, shutil.get_terminal_size((100, 24)).columns)))
    if explain:
        click.echo(f"\nNearest datasets (distance = share of forest trees that separate them from {dataset.name}):")
        for n in result.neighbours:
            oid = f"openml:{n.openml_id}" if n.openml_id is not None else f"kb:{n.dataset_id}"
            near = "; ".join(f"{f} {q:.4g} vs {v:.4g}" for f, q, v in n.near_features)
            click.echo(f"  {n.name} ({oid})  distance {n.distance:.3f}  weight {n.weight:.3f}  near on: {near}")


# --- search ---------------------------------------------------------------
@main.command()
@click.argument("data")
@target_option
@task_option
@kb_option
@click.option("--trials", type=click.IntRange(1), default=None, help="Number of trials (with no --time-budget, none: the search runs as many as fit).")
@click.option("--time-budget", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Wall-clock budget in seconds (default 60 when --trials is not given).")
@click.option("--no-warm-start", is_flag=True, help="Do not start from the knowledge base's recommendations (cold TPE).")
@click.option("--warm-start-size", type=click.IntRange(1), default=10, show_default=True,
              help="Recommended configurations enqueued as the first trials.")
@click.option("--warm-start-strategy", type=click.Choice(["blend", "portfolio"]), default="blend", show_default=True,
              help="blend: de-duplicated recommendations interleaved with strong defaults; portfolio: the recommender's top as-is.")
@click.option("--exclude", "exclude", multiple=True, metavar="DATASET",
              help="Dataset the recommender must not use (openml:ID or KB name); repeatable.")
@click.option("--metric", default=None, help="scikit-learn scorer name (default: balanced_accuracy or r2).")
@click.option("--algorithms", default=None, help="Comma-separated registry names to restrict the search to.")
@click.option("--jobs", type=int, default=None,
              help="Trials run in parallel, each single-threaded (default and -1: one per CPU; a seeded --trials search gives the same result for any --jobs).")
@click.option("--storage", default=None, metavar="URL",
              help="Optuna RDB URL (sqlite:///f.db, postgresql://..., mysql://...) shared by several search processes.")
@click.option("--study-name", default=None, help="Study name in --storage (default: from the data's hash and the metric).")
@click.option("--seed", type=int, default=None, help="Seed of the sampler, the CV splits and the estimators.")
@click.option("--cv", type=click.IntRange(2), default=5, show_default=True, help="Cross-validation folds.")
@click.option("--trial-timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds one trial may take (default 300, or what is left of --time-budget).")
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
def search(data, target, task, kb_path, trials, time_budget, no_warm_start, warm_start_size, warm_start_strategy, exclude, metric,
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
    from metalearn.searcher import search as run_search

    if output is not None:  # every path written is checked before the trials start
        check_output_path(output, "the model")
    if plot_path is not None:
        from metalearn.plot import check_can_plot

        check_can_plot(plot_path)  # matplotlib installed, the path writable
    dataset = _load(data, target, task)  # the loader's warnings (e.g. dropped rows) are printed here
    if drop:
        dataset = dataset.drop(drop)
    from metalearn.data import quality_report

    for issue in quality_report(dataset).issues:  # leakage and identifiers, before any trial
        click.echo(f"Warning: {issue.message} (add --drop {issue.column} to remove it)", err=True)
    if metric is not None:
        from metalearn.tasks import check_metric

        check_metric(metric, dataset.task)
    result = run_search(
        dataset, metric=metric, n_trials=trials, time_budget=time_budget,
        warm_start=False if no_warm_start else warm_start_size, kb=kb_path, exclude_datasets=exclude,
        n_jobs=jobs, seed=seed, storage=storage, study_name=study_name, cv=cv, trial_timeout=trial_timeout,
        memory_limit_mb=memory_limit_mb, write_back=not no_write_back, ensemble=not no_ensemble,
        algorithms=algorithms.split(",") if algorithms else None, refit=output is not None,
        progress=sys.stderr.isatty() if progress is None else progress, warm_start_strategy=warm_start_strategy,
    )
    if output is not None:
        result.save_model(output)
    if plot_path is not None:
        result.plot(plot_path)
    if as_json:
        _echo_json(result.to_dict())
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


# --- predict / export -----------------------------------------------------
@main.command()
@click.argument("model", type=click.Path(dir_okay=False))
@click.argument("data")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the predictions here (CSV). Default: standard output.")
@click.option("--proba", is_flag=True, help="Class probabilities, one column per class (classifiers only).")
def predict(model, data, output, proba):
    """Predict with a saved MODEL (search -o) on DATA, a CSV file with the model's feature columns.

    \b
    Examples:
      metalearn predict model.joblib new.csv -o predictions.csv
      metalearn predict model.joblib new.csv --proba
    """
    from metalearn.model import predict as predict_with

    if output is not None:
        check_output_path(output, "the predictions")
    frame = predict_with(model, data, proba=proba)
    if output is None:
        click.echo(frame.to_csv(index=False), nl=False)
    else:
        frame.to_csv(output, index=False)
        click.echo(f"wrote {len(frame)} predictions to {output}", err=True)


@main.command("export")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--python", "script", type=click.Path(dir_okay=False), required=True,
              help="Write a runnable scikit-learn script rebuilding and fitting the model here.")
def export_model(model, script):
    """Export a saved MODEL as a readable scikit-learn script (run it with: python SCRIPT DATA.csv).

    \b
    Examples:
      metalearn export model.joblib --python pipeline.py
      python pipeline.py data.csv --out refit.joblib
    """
    from metalearn.export import export_python

    click.echo(f"wrote {export_python(model, script)}", err=True)


# --- algorithms -----------------------------------------------------------
@main.command("algorithms")
@click.option("--task", type=click.Choice(["binary", "multiclass", "classification", "regression"]), default=None,
              help="Only the algorithms of this task (binary/multiclass mean classification).")
@click.option("--json", "as_json", is_flag=True, help="Print the registry and its search spaces as JSON.")
def algorithms(task, as_json):
    """List the registry's algorithms and their parameter spaces (what search and the KB may use).

    \b
    Examples:
      metalearn algorithms --task regression
      metalearn algorithms --json
    """
    from metalearn.space import ALGORITHMS, algorithms_for

    names = algorithms_for(task) if task else tuple(ALGORITHMS)
    entries = [{"algorithm": name, "task": ALGORITHMS[name].task, "preprocessing": ALGORITHMS[name].preprocessing,
                "params": {p.name: p.describe() for p in ALGORITHMS[name].params}} for name in names]
    if as_json:
        return _echo_json(entries)
    for entry in entries:
        click.echo(f"{entry['algorithm']} ({entry['task']}, preprocessing {entry['preprocessing']})")
        for name, allowed in entry["params"].items():
            click.echo(f"  {name}: {allowed}")


# --- kb -------------------------------------------------------------------
@main.group(cls=MetaLearnGroup)
def kb() -> None:
    """Inspect, check, export and grow the knowledge base.

    \b
    Examples:
      metalearn kb info
      metalearn kb check --quick
    """


def _human_bytes(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


@kb.command("info")
@kb_option
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def kb_info(kb_path, as_json):
    """Counts by source, task type, metric and status, and size on disk.

    \b
    Examples:
      metalearn kb info
      metalearn kb info --kb my-kb.sqlite --json
    """
    from pathlib import Path

    from metalearn.kb import KnowledgeBase, default_path

    if not (default_path() if kb_path is None else Path(kb_path)).exists():
        click.echo(f"creating the KB {kb_path or default_path()} from the bundled seed (first use)...", err=True)
    with KnowledgeBase.open(kb_path) as kbase:
        stats = kbase.stats()
    if as_json:
        return _echo_json(stats.to_dict())
    click.echo(f"KB {stats.path} (schema {stats.schema_version}, {_human_bytes(stats.size_bytes)} on disk)")
    click.echo(f"  {stats.n_datasets} datasets, {stats.n_meta_features} meta-feature values, "
               f"{stats.n_configurations} configurations of {stats.n_algorithms} algorithms, "
               f"{stats.n_runs} runs, {stats.n_searches} searches")
    for title, counts in (("runs by source", stats.runs_by_source), ("runs by metric", stats.runs_by_metric),
                          ("runs by status", stats.runs_by_status), ("datasets by task", stats.datasets_by_task),
                          ("datasets by source", stats.datasets_by_source)):
        click.echo(f"{title}:")
        for name, count in counts.items():
            click.echo(f"  {count:>10}  {name}")


@kb.command("check")
@kb_option
@click.option("--quick", is_flag=True, help="SQLite quick_check instead of the full integrity_check.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def kb_check(kb_path, quick, as_json):
    """Check the KB file and its content (registry names, parameters); exit 1 if anything is wrong.

    \b
    Examples:
      metalearn kb check
      metalearn kb check --kb my-kb.sqlite --quick --json
    """
    from metalearn.kb import KnowledgeBase

    with KnowledgeBase.open(kb_path, create=False) as kbase:
        report = kbase.check(quick=quick)
    if as_json:
        _echo_json(report.to_dict())
    else:
        click.echo(f"KB {report.path}: integrity {report.integrity}, "
                   f"{report.n_configurations_checked} configurations checked, {len(report.issues)} issue(s)")
        for issue in report.issues:
            click.echo(f"  {issue}")
    sys.exit(0 if report.ok else 1)


@kb.command("export")
@kb_option
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True,
              help="File format.")
@click.option("--output", "-o", type=click.Path(file_okay=False), required=True, help="Directory to write into.")
def kb_export(kb_path, fmt, output):
    """Write every KB table to OUTPUT, one file per table.

    \b
    Examples:
      metalearn kb export -o kb-csv
      metalearn kb export --format parquet -o kb-parquet
    """
    from metalearn.kb import KnowledgeBase

    with KnowledgeBase.open(kb_path, create=False) as kbase:
        for path in kbase.export(output, format=fmt):
            click.echo(str(path))


@kb.command("init")
@kb_option
@click.option("--from-seed/--empty", "from_seed", default=True, show_default=True,
              help="Fill the new KB from the shipped seed (no network), or leave it empty.")
@click.option("--seed-dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Seed directory to use instead of the shipped one.")
@click.option("--force", is_flag=True, help="Replace an existing (e.g. broken) KB file.")
def kb_init(kb_path, from_seed, seed_dir, force):
    """Create a KB (from the seed by default); --force rebuilds an existing one.

    \b
    Examples:
      metalearn kb init --kb my-kb.sqlite
      metalearn kb init --kb empty.sqlite --empty
    """
    from metalearn.kb import KnowledgeBase, create_kb

    path = create_kb(kb_path, from_seed=from_seed, seed_dir=seed_dir, force=force)
    with KnowledgeBase.open(path, create=False) as kbase:
        stats = kbase.stats()
    click.echo(f"created {path}: {stats.n_datasets} datasets, {stats.n_runs} runs")


@kb.command("upgrade")
@kb_option
def kb_upgrade(kb_path):
    """Bring a KB written by an older metalearn up to this version's schema.

    \b
    Examples:
      metalearn kb upgrade
      metalearn kb upgrade --kb old-kb.sqlite
    """
    from metalearn.kb import upgrade_kb

    old, new = upgrade_kb(kb_path)
    click.echo(f"schema version {old} -> {new}" if old != new else f"already at schema version {new}")


@kb.command("import-openml")
@kb_option
@click.option("--task", "tasks", type=int, multiple=True, metavar="ID", help="OpenML task id; repeatable.")
@click.option("--suite", default=None, help="OpenML benchmark suite id or alias (e.g. OpenML-CC18).")
@click.option("--flow", "flows", type=int, multiple=True, metavar="ID", help="Only this flow's runs; repeatable.")
@click.option("--metric", default="predictive_accuracy", show_default=True,
              help="OpenML evaluation measure (stored under its scikit-learn scorer name, higher is better).")
@click.option("--max-runs", type=click.IntRange(0), default=None, help="Stop after adding this many runs (re-run to continue).")
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: when stderr is a terminal).")
def import_openml(kb_path, tasks, suite, flows, metric, max_runs, as_json, progress):
    """Import OpenML runs of scikit-learn flows (with setups and dataset qualities); resumable.

    \b
    Examples:
      metalearn kb import-openml --task 3 --max-runs 200
      metalearn kb import-openml --suite OpenML-CC18 --flow 8353
    """
    from metalearn.kb import KnowledgeBase
    from metalearn.kb import import_openml as run_import

    with KnowledgeBase.open(kb_path) as kbase:
        report = run_import(kbase, tasks=tasks, suite=suite, flows=flows, metric=metric, max_runs=max_runs,
                            progress=sys.stderr.isatty() if progress is None else progress)
    _echo_json(report.to_dict()) if as_json else click.echo(report.summary())


@kb.command("build")
@click.argument("datasets", nargs=-1)
@kb_option
@click.option("--target", "-t", default=None, help="Target column of every DATASET (default: OpenML's, else the last column).")
@click.option("--manifest", type=click.Path(dir_okay=False), default=None,
              help="CSV/JSON listing path,target[,task] per dataset (paths relative to the manifest).")
@click.option("--portfolio", default="defaults", show_default=True,
              help="defaults | random:N | kb-top:N | FILE (JSON/CSV list of algorithm, params).")
@click.option("--metric", default=None, help="scikit-learn scorer name (default: balanced_accuracy or r2).")
@click.option("--cv", type=click.IntRange(2), default=5, show_default=True, help="Cross-validation folds.")
@click.option("--jobs", type=int, default=1, show_default=True, help="Local worker processes (-1: one per CPU).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run the evaluations on a dask.distributed cluster (tcp://host:port) instead of locally.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds one evaluation may take (then recorded as status timeout).")
@click.option("--memory-limit", "memory_limit_mb", type=click.IntRange(1), default=None, metavar="MB",
              help="Memory cap of each evaluation's worker process, in MB.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of random:N portfolios.")
@click.option("--no-characterize", is_flag=True, help="Do not compute meta-features of datasets that have none.")
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: when stderr is a terminal).")
def build(datasets, kb_path, target, manifest, portfolio, metric, cv, jobs, scheduler, timeout, memory_limit_mb, seed,
          no_characterize, as_json, progress):
    """Evaluate a portfolio on DATASETS (files, folders, openml:<id>) and add the runs to the KB.

    Resumable: runs already in the KB are not repeated, so an interrupted build continues when
    started again. Failed evaluations are recorded with their status.

    \b
    Examples:
      metalearn kb build data/examples --kb my-kb.sqlite --portfolio defaults
      metalearn kb build --manifest datasets.csv --portfolio random:20 --jobs 2
    """
    from metalearn.build import build_kb

    report = build_kb(
        list(datasets), kb=kb_path, portfolio=portfolio, target=target, manifest=manifest, metric=metric, cv=cv,
        n_jobs=jobs, scheduler=scheduler, timeout=timeout, memory_limit_mb=memory_limit_mb, seed=seed,
        characterize=not no_characterize, progress=sys.stderr.isatty() if progress is None else progress,
    )
    _echo_json(report.to_dict()) if as_json else click.echo(report.summary())


if __name__ == "__main__":  # pragma: no cover
    main()
