"""``metalearn inspect`` and ``metalearn characterize``: what the data is, and its meta-features."""

from __future__ import annotations

import click

from metalearn.cli._common import echo_json, encoding_option, load, target_option, task_option


@click.command()
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

    ds = load(data, target, task, encoding)
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
        echo_json(summary)
        return
    for key in ("name", "source", "rows", "features", "categorical_features", "target", "task", "content_hash"):
        click.echo(f"{key:>22}: {summary[key]}")
    for flag, cols in summary["flags"].items():
        click.echo(f"{flag:>22}: {', '.join(cols)}")



@click.command()
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

    mf = run(load(data, target, task), groups=groups)
    if as_json:
        echo_json({k: (None if math.isnan(v) else v) for k, v in mf.items()})
        return
    for group, seconds in mf.timings.items():
        click.echo(f"{group} ({seconds:.3f} s)")
        for name, value in mf.group(group).items():
            note = f"  ({mf.reasons[name]})" if name in mf.reasons else ""
            click.echo(f"  {name:<48} {value:>14.6g}{note}")
