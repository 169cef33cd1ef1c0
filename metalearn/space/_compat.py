"""scikit-learn version shims: estimators whose API changed.

The registry keeps the parameters the knowledge base's runs name and translates them
for the installed scikit-learn. The version is read from the installed distribution's
metadata, so importing the registry does not import scikit-learn; the builders import
the classes they make (each gets its class from the registry, ``build(estimator_class, **kwargs)``).
"""

from __future__ import annotations

import math
import re
from importlib import metadata

from metalearn.exceptions import InvalidParamsError

def _sklearn_version(text: str) -> tuple:
    """``(major, minor)`` of a scikit-learn version string.

    >>> _sklearn_version("1.10.dev0"), _sklearn_version("1.8.0rc1")
    ((1, 10), (1, 8))
    """
    found = re.match(r"(\d+)\.(\d+)", text)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)

def _installed_version() -> str:
    """The installed scikit-learn's version, from its distribution metadata (no import of it)."""
    try:
        return metadata.version("scikit-learn")
    except metadata.PackageNotFoundError:  # a source tree on sys.path without metadata
        import sklearn

        return sklearn.__version__

_VERSION = _sklearn_version(_installed_version())

#: scikit-learn 1.8 deprecated LogisticRegression's ``penalty`` (``l1_ratio`` and ``C`` say it),
#: and PassiveAggressiveClassifier (``SGDClassifier`` learns it with ``learning_rate="pa1"/"pa2"``);
#: 1.10 removes both.
_SKLEARN_1_8 = _VERSION >= (1, 8)

#: scikit-learn 1.6 renamed check_array's ``force_all_finite`` to ``ensure_all_finite`` (1.8 removes the old name).
_SKLEARN_1_6 = _VERSION >= (1, 6)

def _logistic_regression(estimator_class: type, **kwargs):
    """LogisticRegression from registry parameters, without deprecated ones on scikit-learn >= 1.8.

    ``penalty`` becomes ``l1_ratio`` (``"l2"`` 0, ``"l1"`` 1, ``"elasticnet"`` the given
    ``l1_ratio``) or ``C=inf`` (None), as scikit-learn 1.8's deprecation says; ``n_jobs``
    (no effect since 1.8) is dropped. On older versions a configuration without ``penalty``
    and with ``0 < l1_ratio`` gets the penalty that ``l1_ratio`` names there.

    >>> from sklearn.linear_model import LogisticRegression
    >>> model = _logistic_regression(LogisticRegression, penalty="l1", C=0.5, solver="liblinear")
    >>> model.l1_ratio == 1.0 if _SKLEARN_1_8 else model.penalty == "l1"
    True
    """
    penalty = kwargs.pop("penalty", "deprecated")
    l1_ratio = kwargs.get("l1_ratio")
    if not _SKLEARN_1_8:
        if penalty == "deprecated":
            penalty = "l2" if not l1_ratio else ("l1" if l1_ratio == 1.0 else "elasticnet")
        return estimator_class(penalty=penalty, **kwargs)
    kwargs.pop("n_jobs", None)
    if penalty == "elasticnet" and l1_ratio is None:
        raise InvalidParamsError(
            "LogisticRegression: penalty='elasticnet' needs l1_ratio; give l1_ratio in [0, 1]"
        )
    if penalty in ("l2", None) or (penalty == "deprecated" and l1_ratio is None):
        kwargs["l1_ratio"] = 0.0
    elif penalty == "l1":
        kwargs["l1_ratio"] = 1.0
    if penalty is None:
        kwargs["C"] = math.inf
    return estimator_class(**kwargs)

#: scikit-learn 1.9 deprecated trees' and forests' ``criterion="friedman_mse"`` and gradient
#: boosting's ``criterion``; 1.11 removes them.
_SKLEARN_1_9 = _VERSION >= (1, 9)

def _tree_criterion(estimator_class: type, **kwargs):
    """A tree or forest regressor with ``"friedman_mse"`` as ``"squared_error"`` on scikit-learn >= 1.9
    (which maps it so itself, with a FutureWarning: "both were always equivalent").

    >>> from sklearn.tree import DecisionTreeRegressor
    >>> model = _tree_criterion(DecisionTreeRegressor, criterion="friedman_mse")
    >>> model.criterion == ("squared_error" if _SKLEARN_1_9 else "friedman_mse")
    True
    """
    if _SKLEARN_1_9 and kwargs.get("criterion") == "friedman_mse":
        kwargs["criterion"] = "squared_error"
    return estimator_class(**kwargs)

def _gradient_boosting(estimator_class: type, **kwargs):
    """Gradient boosting without ``criterion`` on scikit-learn >= 1.9, where it has no effect."""
    if _SKLEARN_1_9:
        kwargs.pop("criterion", None)
    return estimator_class(**kwargs)

def _passive_aggressive(estimator_class: type, **kwargs):
    """PassiveAggressiveClassifier's model: ``SGDClassifier`` on scikit-learn >= 1.8.

    As the deprecation in scikit-learn 1.8 says: ``loss="hinge", penalty=None``,
    ``learning_rate="pa1"`` (PA's ``loss="hinge"``) or ``"pa2"`` (``"squared_hinge"``), and
    ``eta0=C``; ``alpha=1.0`` as PassiveAggressiveClassifier passes it (unused without a
    penalty). Other parameters keep their names. Older versions build the class itself.
    ``estimator_class`` is the registry's class for it, ``SGDClassifier``.

    >>> from sklearn.linear_model import SGDClassifier
    >>> model = _passive_aggressive(SGDClassifier, C=0.1, loss="squared_hinge", average=True)
    >>> (model.learning_rate, model.eta0) == ("pa2", 0.1) if _SKLEARN_1_8 else model.C == 0.1
    True
    """
    if not _SKLEARN_1_8:
        from sklearn.linear_model import PassiveAggressiveClassifier

        return PassiveAggressiveClassifier(**kwargs)
    C = kwargs.pop("C", 1.0)
    learning_rate = "pa1" if kwargs.pop("loss", "hinge") == "hinge" else "pa2"
    return estimator_class(loss="hinge", penalty=None, alpha=1.0, learning_rate=learning_rate, eta0=C, **kwargs)
