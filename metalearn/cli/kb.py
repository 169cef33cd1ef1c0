"""``metalearn kb``: inspect, check, export, create, upgrade and import into the knowledge base."""

from __future__ import annotations

import sys

import click

from metalearn.cli._common import MetaLearnGroup, echo_json, kb_option


@click.group(cls=MetaLearnGroup)
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
        return echo_json(stats.to_dict())
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
        echo_json(report.to_dict())
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
    echo_json(report.to_dict()) if as_json else click.echo(report.summary())
