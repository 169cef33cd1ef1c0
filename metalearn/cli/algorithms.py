"""``metalearn algorithms``: the registry and its parameter spaces."""

from __future__ import annotations

import click

from metalearn.cli._common import echo_json


@click.command("algorithms")
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
        return echo_json(entries)
    for entry in entries:
        click.echo(f"{entry['algorithm']} ({entry['task']}, preprocessing {entry['preprocessing']})")
        for name, allowed in entry["params"].items():
            click.echo(f"  {name}: {allowed}")
