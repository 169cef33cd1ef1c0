"""The search's inputs: the data, its checks, the KB, the meta-features and the algorithm list."""

from __future__ import annotations

import math

from metalearn.exceptions import SearchError

__all__ = ["check_cross_validatable", "quality_warnings", "computed_by", "load_data", "meta_features_of", "open_kb", "plain_labels",
           "resolve_algorithms"]


def load_data(data, target, task):
    from metalearn.data import Dataset, load_dataset

    if isinstance(data, Dataset):
        if target is not None and target != data.target:
            raise SearchError(
                f"target={target!r} differs from the Dataset's target {data.target!r}: pass target=None with a Dataset"
            )
        return data
    return load_dataset(data, target, task=task)


def check_cross_validatable(y, task: str, cv: int) -> None:
    """Raise :class:`SearchError` if cross-validating target ``y`` would give meaningless scores.

    Classification: every class needs at least 2 rows (one to train on, one to test; with fewer
    than ``cv`` the evaluation uses that many folds, which the loader warns about), so a class of
    one row, or a class per row, is refused. Regression: every one of the ``cv`` test folds needs
    at least 2 rows. Checked before any trial runs, so no such score reaches the knowledge base.

    >>> check_cross_validatable(["a", "b"] * 5, "binary", 5)
    >>> check_cross_validatable(["a"] * 9 + ["b"], "binary", 5)
    Traceback (most recent call last):
    ...
    metalearn.exceptions.SearchError: class 'b' of the target has 1 row: cross-validation needs at least 2 rows of every class; merge or drop the rows of the rare classes
    """
    from collections import Counter

    from metalearn.tasks import task_family

    values = list(y.tolist() if hasattr(y, "tolist") else y)
    n = len(values)
    if task_family(task, error=SearchError) == "regression":
        if n < 2 * cv:
            fix = f"give cv={n // 2} or fewer" if n >= 4 else "give at least 4 rows"
            raise SearchError(
                f"the data has {n} rows, too few for cv={cv} folds of at least 2 test rows each: {fix}"
            )
        return
    counts = Counter(values)
    if n and max(counts.values()) == 1:
        raise SearchError(
            f"the target has a class for every row ({n} rows, {len(counts)} classes): nothing can be cross-validated; "
            "choose another --target, or --task regression if it is a numeric quantity"
        )
    singles = sorted((str(k) for k, c in counts.items() if c < 2))
    if singles:
        shown = ", ".join(repr(k) for k in singles[:5]) + (f" and {len(singles) - 5} more" if len(singles) > 5 else "")
        which = f"class {shown} of the target has 1 row" if len(singles) == 1 else f"classes {shown} of the target have 1 row each"
        raise SearchError(
            f"{which}: cross-validation needs at least 2 rows of every class; merge or drop the rows of the rare classes"
        )


def open_kb(kb):
    """Return (knowledge base, whether we opened it)."""
    from metalearn.kb import KnowledgeBase

    if isinstance(kb, KnowledgeBase):
        return kb, False
    return KnowledgeBase.open(kb, create="seed"), True


def computed_by() -> str:
    from metalearn._version import __version__

    return f"metalearn {__version__}"


def meta_features_of(kb, dataset, dataset_id):
    """Return the dataset's meta-features: from the KB if stored, else computed (and stored if dataset_id)."""
    if dataset_id is not None:
        frame = kb.meta_features_frame([dataset_id])
        if dataset_id in frame.index:
            row = frame.loc[dataset_id].dropna()
            if len(row):
                return {str(k): float(v) for k, v in row.items()}
    from metalearn.metafeatures import characterize

    mf = characterize(dataset)
    values = {str(k): float(v) for k, v in dict(mf).items() if v is not None and math.isfinite(float(v))}
    if dataset_id is not None:
        kb.add_meta_features(dataset_id, values, computed_by=getattr(mf, "computed_by", None) or computed_by())
    return values


def resolve_algorithms(algorithms, task) -> tuple[str, ...]:
    from metalearn import space

    allowed = tuple(space.algorithms_for(task))
    if algorithms is None:
        return allowed
    if isinstance(algorithms, str):
        algorithms = (algorithms,)
    out = []
    for name in algorithms:
        space.get_algorithm(name)  # UnknownAlgorithmError names it
        if name not in allowed:
            raise SearchError(f"algorithm {name!r} does not fit the task {task}: choose among {', '.join(allowed)}")
        if name not in out:
            out.append(name)
    if not out:
        raise SearchError("algorithms is empty: give at least one registry name, or None for all")
    return tuple(out)


def plain_labels(y):
    """Class labels as a Series of the categories' own dtype (ints stay ints), not ``category``."""
    import pandas as pd

    if isinstance(y.dtype, pd.CategoricalDtype):
        return pd.Series(y.cat.categories.to_numpy()[y.cat.codes.to_numpy()], index=y.index, name=y.name)
    return y


def quality_warnings(dataset) -> list[str]:
    """The data-quality report's lines (:func:`metalearn.data.quality_report`: columns that leak the target,
    give it away by their presence, or identify rows), each with the ``drop`` that removes the column."""
    from metalearn.data import quality_report

    return [f"{issue.message} (search with --drop {issue.column!r} / drop=[{issue.column!r}] to remove it)"
            for issue in quality_report(dataset).issues]
