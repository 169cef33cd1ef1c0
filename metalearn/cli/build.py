"""``metalearn kb build``: evaluate a portfolio on datasets and add the runs to the knowledge base."""

from __future__ import annotations

import sys

import click

from metalearn.cli._common import echo_json, kb_option


@click.command("build")
@click.argument("datasets", nargs=-1)
@kb_option
@click.option("--target", "-t", default=None, help="Target column of every DATASET (default: OpenML's, else the last column).")
@click.option("--manifest", type=click.Path(dir_okay=False), default=None,
              help="CSV/JSON listing path,target[,task] per dataset (paths relative to the manifest).")
@click.option("--portfolio", default="defaults", show_default=True,
              help="defaults | random:N | kb-top:N | FILE (JSON/CSV list of algorithm, params).")
@click.option("--metric", default=None, help="scikit-learn scorer name (default: balanced_accuracy or r2).")
@click.option("--metrics", "metrics", multiple=True, metavar="NAME",
              help="Also score this metric (scikit-learn scorer name) from the same fit: one more run per "
              "configuration; repeatable. A name that does not fit a dataset's task is left out for that dataset.")
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
def build(datasets, kb_path, target, manifest, portfolio, metric, metrics, cv, jobs, scheduler, timeout, memory_limit_mb, seed,
          no_characterize, as_json, progress):
    """Evaluate a portfolio on DATASETS (files, folders, openml:<id>) and add the runs to the KB.

    Resumable: runs already in the KB are not repeated, so an interrupted build continues when
    started again. Failed evaluations are recorded with their status.

    \b
    Examples:
      metalearn kb build data/examples --kb my-kb.sqlite --portfolio defaults
      metalearn kb build --manifest datasets.csv --portfolio random:20 --jobs 2
      metalearn kb build data/examples/wine.csv -t cultivar --metrics accuracy --metrics neg_log_loss
    """
    from metalearn.build import build_kb

    report = build_kb(
        list(datasets), kb=kb_path, portfolio=portfolio, target=target, manifest=manifest, metric=metric,
        metrics=list(metrics), cv=cv, n_jobs=jobs, scheduler=scheduler, timeout=timeout,
        memory_limit_mb=memory_limit_mb, seed=seed, characterize=not no_characterize, progress=sys.stderr.isatty() if progress is None else progress,
    )
    echo_json(report.to_dict()) if as_json else click.echo(report.summary())
