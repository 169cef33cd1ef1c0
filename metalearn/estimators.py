"""scikit-learn estimators whose ``fit`` runs a warm-started search and refits the best.

``MetaLearnClassifier`` and ``MetaLearnRegressor`` take plain keyword arguments, so
they clone, grid-search and pipeline like any scikit-learn estimator. ``fit`` calls
:func:`metalearn.search` on (X, y) and keeps the refitted best configuration
as ``model_``; ``predict``, ``predict_proba`` (when the chosen model has it) and
``score`` delegate to it. Every search option's default is :class:`metalearn.searcher.SearchConfig`'s
(the estimators declare none of their own), except ``write_back``, off here. ``X`` may be a DataFrame with string, categorical and missing
values (kept as the CLI keeps them; ``feature_names_in_`` records its columns) or a numeric
array. Nothing is written to the knowledge base unless ``write_back=True`` (so
``cross_val_score`` adds no datasets).

>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> clf = MetaLearnClassifier(n_trials=1, warm_start=False, write_back=False,
...                           algorithms=("GaussianNB",), random_state=0).fit(X, y)
>>> clf.best_algorithm_, clf.predict(X[:2]).tolist()
('GaussianNB', [0, 0])
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from metalearn.exceptions import SearchError
from metalearn.searcher.config import SearchConfig as _CONFIG  # the search options' one set of defaults

__all__ = ["MetaLearnClassifier", "MetaLearnRegressor"]


def _named_frame(X) -> bool:
    """A DataFrame whose columns scikit-learn records as feature names (all strings)."""
    return isinstance(X, pd.DataFrame) and all(isinstance(c, str) for c in X.columns)


def _model_has(attr):
    def check(self):
        model = getattr(self, "model_", None)
        return model is None or hasattr(model, attr)

    return check


class _MetaLearnBase(BaseEstimator):
    """Shared parameters and plumbing; not public."""

    _task_family = ""

    def __init__(
        self,
        *,
        n_trials=_CONFIG.n_trials,
        time_budget=_CONFIG.time_budget,
        metric=_CONFIG.metric,
        warm_start=_CONFIG.warm_start,
        explore_trials=_CONFIG.explore_trials,
        kb=None,
        exclude_datasets=_CONFIG.exclude_datasets,
        algorithms=_CONFIG.algorithms,
        cv=_CONFIG.cv,
        n_jobs=_CONFIG.n_jobs,
        trial_timeout=_CONFIG.trial_timeout,
        memory_limit_mb=_CONFIG.memory_limit_mb,
        write_back=False,
        random_state=None,
    ):
        self.n_trials = n_trials
        self.time_budget = time_budget
        self.metric = metric
        self.warm_start = warm_start
        self.explore_trials = explore_trials
        self.kb = kb
        self.exclude_datasets = exclude_datasets
        self.algorithms = algorithms
        self.cv = cv
        self.n_jobs = n_jobs
        self.trial_timeout = trial_timeout
        self.memory_limit_mb = memory_limit_mb
        self.write_back = write_back
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # the space's preprocessing imputes missing values
        tags.non_deterministic = self.random_state is None
        return tags

    # -- plumbing ---------------------------------------------------------------
    def _frame(self, X, *, reset):
        """X as the DataFrame the search and the pipelines take.

        A DataFrame is kept as it is (strings, categoricals and missing values are handled by the
        registry's preprocessing, as in the CLI); scikit-learn's validate_data only records or
        checks ``n_features_in_`` and ``feature_names_in_``. Anything else (including a DataFrame
        whose column names are not all strings, which scikit-learn does not name) must be numeric.
        """
        if _named_frame(X):
            validate_data(self, X.iloc[:1], reset=reset, dtype=None, ensure_all_finite=False, skip_check_array=True)
            return X.reset_index(drop=True)
        X = validate_data(self, X, reset=reset, ensure_all_finite="allow-nan", dtype=np.float64)
        return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])

    def _fit_frame(self, X, y):
        """(frame, y as a 1-d array) for fit, with the consistent-length check scikit-learn does."""
        from sklearn.utils import check_consistent_length, column_or_1d

        if _named_frame(X):
            frame = self._frame(X, reset=True)
            if y is None:
                raise ValueError("requires y to be passed, but the target y is None")
            y = column_or_1d(np.asarray(y), warn=True)
            check_consistent_length(frame, y)
            return frame, y
        return None, None

    def _run_search(self, frame, y, task):
        if len(frame) < 2:
            raise ValueError(f"n_samples={len(frame)}: the search cross-validates, give at least 2 samples")
        from metalearn.data import load_dataset
        from metalearn.searcher import SearchConfig, run_search

        dataset = load_dataset(frame, np.asarray(y), task=task, name=type(self).__name__)
        if self.random_state is None or isinstance(self.random_state, (int, np.integer)):
            seed = None if self.random_state is None else int(self.random_state)
        else:  # a RandomState: draw the search's seed from it
            seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        config = SearchConfig(
            n_trials=self.n_trials, time_budget=self.time_budget, metric=self.metric, warm_start=self.warm_start,
            explore_trials=self.explore_trials, exclude_datasets=self.exclude_datasets, n_jobs=self.n_jobs, seed=seed, algorithms=self.algorithms,
            cv=self.cv, trial_timeout=self.trial_timeout, memory_limit_mb=self.memory_limit_mb,
            write_back=self.write_back, refit=True,
        )
        result = run_search(dataset, config, kb=self.kb)
        if result.model is None:
            errors = {t.error for t in result.trials if t.error}
            hint = f" (e.g. {sorted(errors)[0]})" if errors else ""
            raise SearchError(
                f"none of the {len(result.trials)} trials fitted{hint}: raise n_trials or time_budget, "
                "or widen algorithms"
            )
        self.model_ = result.model
        self.search_result_ = result
        self.best_score_ = result.best_score
        self.best_params_ = dict(result.best_params)
        self.best_algorithm_ = result.algorithm
        return self


class MetaLearnClassifier(ClassifierMixin, _MetaLearnBase):
    """A classifier whose ``fit`` runs a warm-started search over metalearn's algorithm registry.

    Parameters
    ----------
    n_trials : int, optional
        Trials of the search (see :func:`metalearn.search` for all budgets).
    time_budget : float, optional
        Seconds for the search. With neither budget, the search's default: a time budget of
        :data:`metalearn.searcher.DEFAULT_TIME_BUDGET` (60 s).
    metric : str, optional
        scikit-learn scorer name; default ``balanced_accuracy``.
    warm_start : bool or int, default True
        Start from the knowledge base's top recommendations.
    explore_trials : int, default 0
        Random trials right after the warm start, before TPE models the search.
    kb : KnowledgeBase or path, optional
        The knowledge base (default location if ``None``).
    exclude_datasets : tuple, default ()
        Datasets the recommender must not use.
    algorithms : tuple of str, optional
        Restrict the search to these registry names.
    cv : int, default 5
        Cross-validation folds.
    n_jobs : int, optional
        Trials run in parallel, each single-threaded; default (``None``): one per CPU. A seeded
        trial budget gives the same model whatever ``n_jobs`` is.
    trial_timeout, memory_limit_mb : optional
        Limits of each trial's worker process.
    write_back : bool, default False
        Record the runs (and the training data as a KB dataset) in the knowledge base. Off by
        default: inside cross-validation or a grid search every ``fit`` sees another fold, and
        writing each back would add one KB dataset per fold. Set it for a final fit on all the data.
    random_state : int, optional
        Seeds the search and the estimators.

    Attributes
    ----------
    classes_ : ndarray
    model_ : sklearn Pipeline
        The best configuration refitted on all the data.
    best_algorithm_, best_params_, best_score_ :
        The best configuration and its cross-validated score.
    search_result_ : SearchResult
    """

    def fit(self, X, y):
        """Run the search on (X, y) and refit the best configuration."""
        frame, y_frame = self._fit_frame(X, y)
        if frame is None:
            X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype=np.float64)
            frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
        else:
            y = y_frame
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"y has one class only ({self.classes_[0]}): a classifier needs at least two classes"
            )
        task = "binary" if len(self.classes_) == 2 else "multiclass"
        return self._run_search(frame, encoder.transform(y), task)

    def predict(self, X):
        """Predict class labels."""
        check_is_fitted(self, "model_")
        pred = np.asarray(self.model_.predict(self._frame(X, reset=False)))
        return self.classes_[pred.astype(np.int64)]

    @available_if(_model_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``."""
        check_is_fitted(self, "model_")
        return np.asarray(self.model_.predict_proba(self._frame(X, reset=False)))

    @available_if(_model_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the chosen model."""
        check_is_fitted(self, "model_")
        return np.asarray(self.model_.decision_function(self._frame(X, reset=False)))


class MetaLearnRegressor(RegressorMixin, _MetaLearnBase):
    """A regressor whose ``fit`` runs a warm-started search over metalearn's algorithm registry.

    Same parameters and attributes as :class:`MetaLearnClassifier` (default metric ``r2``),
    without ``classes_``.

    >>> from sklearn.datasets import load_diabetes
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = MetaLearnRegressor(n_trials=1, warm_start=False, write_back=False,
    ...                          algorithms=("Ridge",), random_state=0).fit(X, y)
    >>> round(reg.score(X, y), 2) > 0.4
    True
    """

    def fit(self, X, y):
        """Run the search on (X, y) and refit the best configuration."""
        frame, y_frame = self._fit_frame(X, y)
        if frame is None:
            X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype=np.float64, y_numeric=True)
            frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
        else:
            y = y_frame
        return self._run_search(frame, np.asarray(y, dtype=np.float64), "regression")

    def predict(self, X):
        """Predict target values."""
        check_is_fitted(self, "model_")
        return np.asarray(self.model_.predict(self._frame(X, reset=False)), dtype=np.float64)
