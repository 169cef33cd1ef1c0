"""The target: which column it is, the rows it leaves out, its labels or values, and the task it implies.

Three steps, in the order :func:`metalearn.data.load_dataset` runs them:
:func:`resolve_target` (the column), :func:`missing_target` (rows to drop),
:func:`normalise_target` (labels or numbers, and the task).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from metalearn.data._text import as_numbers, distinct_text
from metalearn.exceptions import TargetError

__all__ = ["resolve_target", "missing_target", "normalise_target", "REGRESSION_MIN_DISTINCT", "MIN_CLASS_MEMBERS"]

#: A numeric target with more distinct values than this is a regression target.
REGRESSION_MIN_DISTINCT = 20
#: Classes with fewer members than this trigger a warning (stratified 5-fold CV).
MIN_CLASS_MEMBERS = 5


def resolve_target(frame: pd.DataFrame, target: Any, default_target: str | None, origin: str, notes: list[str]) -> str:
    columns = list(frame.columns)
    if target is not None:
        name = str(target).strip()
        if name in columns:
            return name
        lowered = {c.lower(): c for c in columns}
        hint = f" (did you mean {lowered[name.lower()]!r}?)" if name.lower() in lowered else ""
        shown = ", ".join(columns[:30]) + (f", ... ({len(columns)} in all)" if len(columns) > 30 else "")
        raise TargetError(f"target column {name!r} is not in {origin}{hint}; available columns: {shown}")
    if default_target and default_target in columns:
        notes.append(f"target: using OpenML's default target {default_target!r}")
        return default_target
    notes.append(f"target: no target given, using the last column {columns[-1]!r} (choose one with --target)")
    return columns[-1]


def missing_target(y: pd.Series, name: str, origin: str) -> np.ndarray:
    """Which rows have no target: missing, or blank text. Raises if none has one."""
    missing = y.isna()
    if isinstance(y.dtype, pd.CategoricalDtype):  # blank labels, found on the categories
        blank = np.array([not str(v).strip() for v in y.dtype.categories] + [False], dtype=bool)
        if blank.any():
            missing |= blank[y.array.codes]  # code -1 (already missing) takes the appended False
    elif not pd.api.types.is_numeric_dtype(y.dtype):
        missing |= y.astype(str).str.strip().eq("") & y.notna()
    if missing.all():
        raise TargetError(f"target column {name!r} in {origin} has no values: choose another target column")
    return missing.to_numpy()
def text_target(y: pd.Series) -> tuple[pd.Series, pd.Series | None]:
    """A text target (no missing values) as stripped labels, and as numbers if all are numbers.

    Works on the distinct values: the labels are a categorical with sorted categories.
    """
    codes, text, counts = distinct_text(y)
    used = [t is not None and c > 0 for t, c in zip(text, counts)]
    levels = sorted({t for t, u in zip(text, used) if u})
    position = {level: i for i, level in enumerate(levels)}
    remap = np.array([position.get(t, -1) for t in text] + [-1], dtype=np.int64)
    labels = pd.Series(pd.Categorical.from_codes(remap[codes], categories=levels, validate=False), name=y.name)
    parsed = as_numbers(text)
    if not np.isnan(parsed[np.asarray(used, dtype=bool)]).any():
        return labels, pd.Series(np.append(parsed, np.nan)[codes], name=y.name)
    return labels, None


def normalise_target(
    y: pd.Series, name: str, task: str | None, origin: str, notes: list[str], *, text: bool = False
) -> tuple[pd.Series, str]:
    if text or not (
        isinstance(y.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(y.dtype) or pd.api.types.is_numeric_dtype(y.dtype)
    ):
        y, numeric = text_target(y)
    elif isinstance(y.dtype, pd.CategoricalDtype):
        y = y.cat.remove_unused_categories()
        numeric = None
    elif pd.api.types.is_bool_dtype(y.dtype):
        numeric = None
    else:
        numeric = y.astype(float)
    if numeric is not None and np.isinf(numeric.to_numpy()).any():
        raise TargetError(f"target column {name!r} in {origin} has infinite values: replace or drop those rows")
    if task is None:
        if numeric is not None and numeric.nunique() > REGRESSION_MIN_DISTINCT:
            task = "regression"
        else:
            task = "binary" if y.nunique() == 2 else "multiclass"
    if task == "regression":
        if numeric is None:
            example = y.dropna().astype(str).iloc[0]
            raise TargetError(
                f"target column {name!r} in {origin} is text (e.g. {example!r}) but the task is regression: "
                "choose a numeric target or --task binary/multiclass"
            )
        if numeric.nunique() < 2:
            raise TargetError(f"target column {name!r} in {origin} is constant: a regression target needs varying values")
        return numeric.rename(name), task
    if numeric is not None and np.all(np.mod(numeric.to_numpy(), 1) == 0):
        labels = numeric.astype(np.int64)
    elif numeric is not None:
        # scikit-learn calls non-whole float labels 'continuous' and refuses to classify them: they
        # become text labels written as the numbers are ("0", "0.5", "1")
        labels = numeric.map(lambda v: np.format_float_positional(v, trim="-"))
        notes.append(f"target column {name!r} has class labels that are not whole numbers "
                     f"(e.g. {labels.iloc[int(np.argmax(np.mod(numeric.to_numpy(), 1) != 0))]!r}): "
                     "they are used as text labels")
    else:
        labels = y.astype(str) if not isinstance(y.dtype, pd.CategoricalDtype) else y
    labels = labels.astype("category").cat.remove_unused_categories().rename(name)
    counts = labels.value_counts()
    n_classes = int((counts > 0).sum())
    if n_classes < 2:
        raise TargetError(
            f"target column {name!r} in {origin} has a single class ({counts.index[0]!r}): "
            "classification needs at least two classes; choose another target"
        )
    if task == "binary" and n_classes != 2:
        raise TargetError(f"task=binary but target column {name!r} in {origin} has {n_classes} classes: use --task multiclass")
    small = counts[(counts > 0) & (counts < MIN_CLASS_MEMBERS)]
    if len(small):
        shown = ", ".join(f"{k!r} ({v})" for k, v in small.head(5).items())
        notes.append(
            f"class(es) with fewer than {MIN_CLASS_MEMBERS} samples: {shown}; stratified {MIN_CLASS_MEMBERS}-fold CV "
            "needs at least as many samples per class as folds, so fewer folds will be used"
        )
    return labels, task
