"""Greedy ensemble selection over a search's trials, and the fitted ensemble estimator.

:func:`select_ensemble` is ensemble selection with replacement (Caruana et al., 2004):
starting from the empty ensemble, each round adds the member (possibly one already in)
whose addition gives the best score of the averaged out-of-fold predictions; the result
is the best ensemble over the rounds, so it never scores below the best single member
on the same out-of-fold data. Ties go to the lowest member index, so the result is
deterministic.

:func:`voting_ensemble` assembles an already fitted scikit-learn
:class:`~sklearn.ensemble.VotingClassifier` (soft voting) or
:class:`~sklearn.ensemble.VotingRegressor` from fitted member pipelines and the
weights, without refitting. The estimator class is scikit-learn's, so a saved ensemble
loads with scikit-learn alone (no metalearn class is pickled).

>>> import numpy as np
>>> y = np.array([0.0, 1.0, 2.0, 3.0])
>>> oof = [y + 1.0, y - 1.0, y * 0.0]
>>> sel = select_ensemble(oof, y, "r2", task="regression", rounds=10)
>>> sel.members, sel.weights, sel.score
((0, 1), (0.5, 0.5), 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.metrics import get_scorer
from sklearn.preprocessing import LabelEncoder

from metalearn.exceptions import MetricError, SearchError
from metalearn.tasks import task_family

__all__ = ["EnsembleSelection", "fast_metric", "select_ensemble", "score_predictions", "voting_ensemble"]

DEFAULT_ROUNDS = 50


@dataclass(frozen=True)
class EnsembleSelection:
    """The outcome of :func:`select_ensemble`.

    ``members`` are indices into the candidate list (sorted, distinct), ``weights`` their
    weights (the number of times each was picked over the rounds used, summing to 1).
    ``score`` is the ensemble's score on the out-of-fold predictions (higher is better),
    ``best_single_score`` / ``best_single`` the best usable candidate's. ``skipped``
    lists candidates left out (no predictions, wrong shape or non-finite values).
    """

    members: tuple[int, ...]
    weights: tuple[float, ...]
    score: float
    best_single: int
    best_single_score: float
    rounds: int
    skipped: tuple[int, ...] = ()

    @property
    def improves(self) -> bool:
        """Whether the ensemble's CV score beats the best single member's (use it, else the single)."""
        return len(self.members) > 1 and self.score > self.best_single_score

    def to_dict(self) -> dict:
        """Return the selection as a JSON-able dict."""
        return {"members": list(self.members), "weights": list(self.weights), "score": self.score,
                "best_single": self.best_single, "best_single_score": self.best_single_score,
                "rounds": self.rounds, "skipped": list(self.skipped), "improves": self.improves}


class _FixedClassifier(ClassifierMixin, BaseEstimator):
    """Serves precomputed probabilities to a scikit-learn scorer (never leaves this module)."""

    def __init__(self, proba=None, classes=None):
        self.proba = proba
        self.classes = classes

    def fit(self, X=None, y=None):  # pragma: no cover - the scorer never fits
        return self

    def __sklearn_is_fitted__(self):
        return True

    @property
    def classes_(self):
        return self.classes

    def predict_proba(self, X):
        return self.proba

    def decision_function(self, X):
        return self.proba[:, 1] if self.proba.shape[1] == 2 else self.proba

    def predict(self, X):
        return np.asarray(self.classes)[np.argmax(self.proba, axis=1)]


class _FixedRegressor(RegressorMixin, BaseEstimator):
    """Serves precomputed values to a scikit-learn scorer (never leaves this module)."""

    def __init__(self, values=None):
        self.values = values

    def fit(self, X=None, y=None):  # pragma: no cover - the scorer never fits
        return self

    def __sklearn_is_fitted__(self):
        return True

    def predict(self, X):
        return self.values


def _scorer(metric: str):
    try:
        return get_scorer(metric)
    except (ValueError, KeyError, TypeError):
        raise MetricError(f"metric {metric!r} is not a scikit-learn scorer name; use e.g. "
                          f"balanced_accuracy, roc_auc, neg_log_loss, r2, neg_mean_squared_error") from None


def score_predictions(pred, y, metric: str, *, task: str, classes=None) -> float:
    """Score out-of-fold predictions with a scikit-learn scorer name (higher is better).

    ``pred`` is a probability matrix (rows x ``classes``) for classification, a vector of
    values for regression. Scorers needing labels get ``classes[argmax]``; scorers
    needing scores get the probabilities (the positive class's column for binary tasks).
    """
    scorer = _scorer(metric)
    pred = np.asarray(pred, dtype=float)
    dummy = np.zeros((len(pred), 1))
    if task_family(task, error=SearchError) == "classification":
        if classes is None:
            raise SearchError("score_predictions: classes= is required for a classification task "
                              "(the column order of the probability matrices)")
        return float(scorer(_FixedClassifier(pred, np.asarray(classes)), dummy, np.asarray(y)))
    return float(scorer(_FixedRegressor(pred), dummy, np.asarray(y)))


def fast_metric(metric: str, y, *, task: str, classes=None):
    """A numpy scorer equal to scikit-learn's for the common metrics, or ``None``.

    scikit-learn's scorers validate their inputs on every call (about 10 ms on 1,000
    rows); greedy selection scores rounds x candidates ensembles of inputs it checked
    once, so for these metrics it uses the same formulas in numpy (tested equal).
    """
    y = np.asarray(y)
    if task_family(task, error=SearchError) == "classification":
        if classes is None:
            return None
        classes = np.asarray(classes)
        index = {c: i for i, c in enumerate(classes.tolist())}
        if any(v not in index for v in np.unique(y).tolist()):
            return None
        y_idx = np.array([index[v] for v in y.tolist()])
        rows = np.arange(len(y))
        present = np.unique(y_idx)
        counts = np.bincount(y_idx, minlength=len(classes))[present]
        if metric == "accuracy":
            return lambda p: float(np.mean(np.argmax(p, axis=1) == y_idx))
        if metric == "balanced_accuracy":
            def balanced(p):
                hit = np.bincount(y_idx, weights=np.argmax(p, axis=1) == y_idx, minlength=len(classes))[present]
                return float(np.mean(hit / counts))
            return balanced
        if metric == "neg_log_loss":
            def neg_log_loss(p):
                eps = np.finfo(p.dtype).eps
                return float(np.mean(np.log(np.clip(p[rows, y_idx], eps, 1 - eps))))
            return neg_log_loss
        if metric == "roc_auc" and len(classes) == 2 and len(present) == 2:
            from scipy.stats import rankdata

            positive = y_idx == 1
            n_pos, n_neg = int(positive.sum()), int((~positive).sum())

            def roc_auc(p):  # the Mann-Whitney statistic, ties counted half
                ranks = rankdata(p[:, 1])
                return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
            return roc_auc
        return None
    y = y.astype(float)
    if metric == "r2":
        total = float(np.sum((y - y.mean()) ** 2))
        return (lambda p: float(1 - np.sum((y - p) ** 2) / total)) if total > 0 else None
    if metric == "neg_mean_squared_error":
        return lambda p: float(-np.mean((y - p) ** 2))
    if metric == "neg_root_mean_squared_error":
        return lambda p: float(-np.sqrt(np.mean((y - p) ** 2)))
    if metric == "neg_mean_absolute_error":
        return lambda p: float(-np.mean(np.abs(y - p)))
    return None


def _usable(pred, n: int, width: int | None) -> bool:
    if pred is None:
        return False
    try:  # a classifier without predict_proba leaves labels, which may be text ("A", "B", ...): not usable
        arr = np.asarray(pred, dtype=float)
    except (TypeError, ValueError):
        return False
    shape_ok = arr.shape == (n,) if width is None else arr.shape == (n, width)
    return bool(shape_ok and np.isfinite(arr).all())


def select_ensemble(predictions: Sequence, y, metric: str, *, task: str, classes=None,
                    rounds: int = DEFAULT_ROUNDS) -> EnsembleSelection:
    """Choose members and weights by greedy ensemble selection with replacement.

    ``predictions[i]`` is candidate ``i``'s out-of-fold predictions (a probability
    matrix with columns in ``classes`` order for classification, a vector for
    regression) or ``None`` for a failed trial; unusable candidates are skipped.
    Raises :class:`~metalearn.exceptions.SearchError` if no candidate is usable.
    """
    if not isinstance(rounds, (int, np.integer)) or isinstance(rounds, bool) or rounds < 1:
        raise SearchError(f"rounds={rounds!r} is invalid; use a positive integer such as {DEFAULT_ROUNDS}")
    y = np.asarray(y)
    family = task_family(task, error=SearchError)
    width = len(classes) if family == "classification" and classes is not None else None
    if family == "classification" and classes is None:
        raise SearchError("select_ensemble: classes= is required for a classification task")
    usable = [i for i, p in enumerate(predictions) if _usable(p, len(y), width)]
    skipped = tuple(i for i in range(len(predictions)) if i not in set(usable))
    if not usable:
        raise SearchError(f"no trial has usable out-of-fold predictions ({len(predictions)} candidates: "
                          f"failed, wrong shape or non-finite); nothing to ensemble")
    preds = {i: np.asarray(predictions[i], dtype=float) for i in usable}

    fast = fast_metric(metric, y, task=task, classes=classes)

    def score(p):
        if fast is not None:
            s = fast(p)
        else:  # the inputs are checked once above: skip scikit-learn's per-call parameter validation
            with config_context(skip_parameter_validation=True, assume_finite=True):
                s = score_predictions(p, y, metric, task=task, classes=classes)
        return s if np.isfinite(s) else -np.inf

    singles = {i: score(preds[i]) for i in usable}
    best_single = max(usable, key=lambda i: (singles[i], -i))
    counts = np.zeros(len(predictions), dtype=int)
    total = np.zeros_like(preds[usable[0]])
    best = (-np.inf, None, 0)  # score, counts, rounds used
    for r in range(1, rounds + 1):
        round_best = None
        for i in usable:
            s = score((total + preds[i]) / r)
            if round_best is None or s > round_best[0]:  # strict: ties keep the lowest index
                round_best = (s, i)
        s, i = round_best
        counts[i] += 1
        total = total + preds[i]
        if s > best[0]:
            best = (s, counts.copy(), r)
    score_, chosen, used = best
    if chosen is None:  # every score was -inf: fall back to the first usable member
        chosen = np.zeros(len(predictions), dtype=int)
        chosen[best_single] = 1
        used, score_ = 1, float("nan")
    members = tuple(int(i) for i in np.flatnonzero(chosen))
    weights = tuple(float(chosen[i] / chosen.sum()) for i in members)
    return EnsembleSelection(members=members, weights=weights, score=float(score_), best_single=int(best_single),
                             best_single_score=float(singles[best_single]), rounds=int(used), skipped=skipped)


def voting_ensemble(pipelines: Sequence, weights: Sequence[float], *, task: str, names: Sequence[str] | None = None):
    """Return a fitted soft-voting VotingClassifier / VotingRegressor from fitted pipelines.

    Nothing is refitted: the members are used as given (``estimators_``), with the
    weights. Classifiers must share ``classes_`` (same labels, same order). The result
    has ``classes_`` (classification), ``feature_names_in_`` (when the first member has
    it) and pickles with scikit-learn classes only.
    """
    pipelines = list(pipelines)
    weights = [float(w) for w in weights]
    if not pipelines or len(pipelines) != len(weights):
        raise SearchError(f"voting_ensemble needs one weight per member; got {len(pipelines)} members "
                          f"and {len(weights)} weights")
    names = list(names) if names is not None else [f"m{i}" for i in range(len(pipelines))]
    estimators = list(zip(names, pipelines))
    if task_family(task, error=SearchError) == "classification":
        classes = np.asarray(pipelines[0].classes_)
        for name, p in estimators:
            if not np.array_equal(np.asarray(p.classes_), classes):
                raise SearchError(f"ensemble member {name!r} has classes {list(p.classes_)}, "
                                  f"the first member {list(classes)}; members must share the class order")
        model = VotingClassifier(estimators, voting="soft", weights=weights)
        model.le_ = LabelEncoder()
        model.le_.classes_ = classes
        model.classes_ = classes
    else:
        model = VotingRegressor(estimators, weights=weights)
    model.estimators_ = list(pipelines)
    model.named_estimators_ = _bunch(dict(estimators))
    if hasattr(pipelines[0], "feature_names_in_"):
        model.feature_names_in_ = np.asarray(pipelines[0].feature_names_in_, dtype=object)
    return model


def _bunch(d):
    from sklearn.utils import Bunch

    return Bunch(**d)
