"""The splits of an evaluation: the protocol for a target, seeded subsamples, and the target as fitted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from metalearn.exceptions import EvaluationError
from metalearn.tasks import HOLDOUT_PROTOCOL, cv_protocol, task_family

DEFAULT_HOLDOUT_THRESHOLD = 100_000  # rows; above it a single 80/20 holdout replaces k-fold CV


@dataclass(frozen=True)
class Protocol:
    """The splits an evaluation uses: ``splits`` (train, test) index arrays, the
    ``protocol`` string stored with every run, ``notes`` on changes made to the
    folds asked for, and ``y``, the target as the estimators are fitted on it."""

    splits: tuple
    protocol: str
    notes: tuple
    y: Any


def protocol_for(
    y, task: str, cv: int = 5, *, random_state: int | None = 0, holdout_threshold: int = DEFAULT_HOLDOUT_THRESHOLD
) -> Protocol:
    """The cross-validation :func:`evaluate` runs for target ``y``: the public seam for
    callers (a KB build's resume check) that need the protocol string before evaluating.

    Stratified shuffled k-fold for classification (fewer folds when the smallest class
    has fewer than ``cv`` rows), shuffled k-fold for regression, a 20% holdout above
    ``holdout_threshold`` rows; folds seeded by ``random_state``.

    >>> protocol_for([0, 1] * 10, "binary", 5).protocol
    '5-fold CV'
    >>> p = protocol_for([0, 0, 0, 1, 1, 1, 1], "binary", 5)
    >>> p.protocol, p.notes
    ('3-fold CV', ('3 folds instead of 5: the smallest class has 3 rows',))
    """
    family = task_family(task, error=EvaluationError)
    if isinstance(cv, bool) or not isinstance(cv, int) or cv < 2:
        raise EvaluationError(f"cv = {cv!r}; use an integer of at least 2")
    values = prepare_target(y, family)
    splits, protocol, notes = _splits(values, family, cv, random_state, len(values), holdout_threshold)
    return Protocol(tuple(splits), protocol, notes, values)


def _splits(y, family: str, cv: int, random_state, n_rows: int, holdout_threshold: int):
    """Return (list of (train, test) index arrays, protocol, notes)."""
    from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

    indices = np.arange(n_rows)
    notes: list = []
    if n_rows > holdout_threshold:
        stratify = None
        if family == "classification":
            counts = pd.Series(y).value_counts()
            if counts.min() >= 2:
                stratify = y
            else:
                notes.append("holdout not stratified: a class has a single row")
        train, test = train_test_split(indices, test_size=0.2, random_state=random_state, stratify=stratify)
        return [(train, test)], HOLDOUT_PROTOCOL, tuple(notes)
    folds = min(cv, n_rows)
    if folds < cv:
        notes.append(f"{folds} folds instead of {cv}: only {n_rows} rows")
    if family == "classification":
        smallest = int(pd.Series(y).value_counts().min())
        if smallest >= 2:
            if smallest < folds:
                notes.append(f"{smallest} folds instead of {folds}: the smallest class has {smallest} rows")
                folds = smallest
            splitter = StratifiedKFold(folds, shuffle=True, random_state=random_state)
            return list(splitter.split(indices, y)), cv_protocol(folds), tuple(notes)
        notes.append("folds not stratified: a class has a single row")
        splitter = KFold(folds, shuffle=True, random_state=random_state)
        return list(splitter.split(indices)), cv_protocol(folds, stratified=False), tuple(notes)
    splitter = KFold(folds, shuffle=True, random_state=random_state)
    return list(splitter.split(indices)), cv_protocol(folds), tuple(notes)


def subsample_indices(y, task: str, max_rows: int, *, random_state: int | None = 0):
    """Sorted row indices of a seeded subsample of ``max_rows`` rows of target ``y``:
    stratified by class for classification when every class has 2 rows or more (so
    each class keeps its share), plain random otherwise. All rows when ``y`` has no
    more than ``max_rows``.

    >>> subsample_indices([0] * 80 + [1] * 20, "binary", 10).size
    10
    >>> int(np.sum(np.asarray([0] * 80 + [1] * 20)[subsample_indices([0] * 80 + [1] * 20, "binary", 10)]))
    2
    """
    from sklearn.model_selection import train_test_split

    family = task_family(task, error=EvaluationError)
    if isinstance(max_rows, bool) or not isinstance(max_rows, (int, np.integer)) or max_rows < 2:
        raise EvaluationError(f"max_rows = {max_rows!r}; use an integer of at least 2 or None")
    values = prepare_target(y, family)
    indices = np.arange(len(values))
    if len(values) <= max_rows:
        return indices
    stratify = None
    if family == "classification":
        counts = pd.Series(values).value_counts()
        if counts.min() >= 2 and len(counts) <= max_rows:
            stratify = values
    kept, _ = train_test_split(indices, train_size=int(max_rows), random_state=random_state, stratify=stratify)
    return np.sort(kept)


def take_rows(data, index):
    return data.iloc[index] if isinstance(data, (pd.DataFrame, pd.Series)) else data[index]


def prepare_target(y, family: str):
    if isinstance(y, pd.Series):
        if family == "classification" and isinstance(y.dtype, pd.CategoricalDtype):
            # index the categories by the codes: keeps their dtype (int64 labels stay int64;
            # an object array of Python ints would make scikit-learn call the target 'unknown')
            return y.cat.categories.to_numpy()[y.cat.codes.to_numpy()]
        return y.to_numpy()
    return np.asarray(y)
