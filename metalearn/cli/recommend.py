"""``metalearn recommend``: configurations for the data from the knowledge base."""

from __future__ import annotations

import click

from metalearn.cli._common import echo_json, kb_option, load, target_option, task_option


@click.command()
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

    dataset = load(data, target, task)
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
        echo_json(out)
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
