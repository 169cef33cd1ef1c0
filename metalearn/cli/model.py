"""``metalearn predict`` and ``metalearn export``: using and exporting a saved model."""

from __future__ import annotations

import click

from metalearn.cli._common import check_output_path


@click.command()
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


@click.command("export")
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
