"""The task, metric and protocol facts every stage shares, in one place.

A *task* is what a dataset asks for: ``binary``, ``multiclass`` or
``regression``. Its *family* is ``classification`` or ``regression``; the KB
also accepts the family name ``classification`` as a task type for sources that
do not say how many classes there were. Every module that needs these facts
imports them from here, so a rule is written once.

>>> task_family("multiclass"), task_family("regression")
('classification', 'regression')
>>> DEFAULT_METRIC["classification"], default_metric("regression")
('balanced_accuracy', 'r2')
>>> check_metric("roc_auc", "binary")
'roc_auc'
>>> check_metric("r2", "binary")
Traceback (most recent call last):
...
metalearn.exceptions.MetricError: metric 'r2' is a regression metric but the task is binary: use a classification scorer such as balanced_accuracy
>>> cv_protocol(5)
'5-fold CV'
"""

from __future__ import annotations

import difflib

from metalearn.exceptions import MetaLearnError, MetricError

__all__ = [
    "TASKS",
    "TASK_TYPES",
    "FAMILIES",
    "DEFAULT_METRIC",
    "task_family",
    "default_metric",
    "is_regression_metric",
    "check_metric",
    "cv_protocol",
    "HOLDOUT_PROTOCOL",
]

#: The tasks a dataset can have.
TASKS = ("binary", "multiclass", "regression")
#: The task types the KB accepts: the tasks, plus the family name for sources that do not say.
TASK_TYPES = (*TASKS, "classification")
#: The two task families.
FAMILIES = ("classification", "regression")
#: The metric used when none is given, per family.
DEFAULT_METRIC = {"classification": "balanced_accuracy", "regression": "r2"}
#: The protocol string of a single stratified 80/20 holdout split.
HOLDOUT_PROTOCOL = "holdout 20%"

_FAMILY_OF = {"binary": "classification", "multiclass": "classification", "classification": "classification",
              "regression": "regression"}


def task_family(task: str, *, error: type[MetaLearnError] = MetaLearnError) -> str:
    """``"classification"`` or ``"regression"`` for a task name.

    An unknown task raises ``error`` (a :class:`MetaLearnError` subclass, so
    each stage can raise its own kind), naming the task and the valid ones.

    >>> task_family("binary")
    'classification'
    >>> task_family("ranking")
    Traceback (most recent call last):
    ...
    metalearn.exceptions.MetaLearnError: task 'ranking' is not one of binary, multiclass, regression (or classification)
    """
    try:
        return _FAMILY_OF[task]
    except (KeyError, TypeError):
        raise error(f"task {task!r} is not one of {', '.join(TASKS)} (or classification)") from None


def default_metric(task: str) -> str:
    """The metric used when none is given: ``balanced_accuracy``, or ``r2`` for regression.

    >>> default_metric("binary"), default_metric("regression")
    ('balanced_accuracy', 'r2')
    """
    return DEFAULT_METRIC[task_family(task)]


def is_regression_metric(metric: str) -> bool:
    """Whether scikit-learn's scorer ``metric`` scores regression (by its scoring function's module).

    >>> is_regression_metric("neg_root_mean_squared_error"), is_regression_metric("f1_macro")
    (True, False)
    """
    from sklearn.metrics import get_scorer

    scorer = get_scorer(metric)
    module = getattr(getattr(scorer, "_score_func", None), "__module__", "") or ""
    return module.endswith("_regression")


def check_metric(metric: str, task: str) -> str:
    """Check that ``metric`` is a scikit-learn scorer name that fits ``task``; return it.

    Raises :class:`~metalearn.exceptions.MetricError` naming the metric, the
    nearest valid names, or the kind of scorer the task needs.

    >>> check_metric("balanced_acuracy", "binary")
    Traceback (most recent call last):
    ...
    metalearn.exceptions.MetricError: unknown metric 'balanced_acuracy': did you mean balanced_accuracy, accuracy? (any name from sklearn.metrics.get_scorer_names())
    """
    from sklearn.metrics import get_scorer_names

    family = task_family(task, error=MetricError)
    names = sorted(get_scorer_names())
    if not isinstance(metric, str) or metric not in names:
        close = difflib.get_close_matches(str(metric), names, n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(close)}?" if close else f"use e.g. {DEFAULT_METRIC[family]}"
        raise MetricError(f"unknown metric {metric!r}: {hint} (any name from sklearn.metrics.get_scorer_names())")
    regression = is_regression_metric(metric)
    if family == "regression" and not regression:
        raise MetricError(
            f"metric {metric!r} is a classification metric but the task is regression: "
            "use a regression scorer such as r2"
        )
    if family == "classification" and regression:
        raise MetricError(
            f"metric {metric!r} is a regression metric but the task is {task}: "
            "use a classification scorer such as balanced_accuracy"
        )
    return metric


def cv_protocol(folds: int, *, stratified: bool = True) -> str:
    """The protocol string of ``folds``-fold cross-validation, as stored with every run.

    >>> cv_protocol(5), cv_protocol(3, stratified=False)
    ('5-fold CV', '3-fold CV (unstratified)')
    """
    return f"{int(folds)}-fold CV" if stratified else f"{int(folds)}-fold CV (unstratified)"
