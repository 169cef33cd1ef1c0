"""The Optuna search space, with readable trial parameters.

A trial's parameters are ``algorithm``, then ``<Algorithm>__<param>`` holding the
parameter's real value: a number, or a categorical value (None, bools, strings).
``trials_dataframe()`` and optuna-dashboard show what was fitted. Only what the search
samples is asked; parameters it does not tune keep their defaults and are not trial
parameters (no ``random_state``/``n_jobs``/``verbose`` noise).

A few helper parameters carry what one value cannot:

- ``<Algorithm>__<param>__type``: for a parameter whose sampled values mix numbers and
  special values (``max_depth`` None or an int, SVC ``gamma`` "scale", "auto" or a float),
  the special value, or ``"int"`` / ``"float"`` when ``<Algorithm>__<param>`` holds the number.
- ``<Algorithm>__hidden_layer_sizes__layers`` and ``__1``, ``__2``, ...: the layer widths.
- Only in an enqueued configuration (a knowledge-base run the search replays): a valid
  value the search does not sample is given as itself when it is a number or a value of a
  parameter the search does not tune, ``<Algorithm>__<param>__fixed`` when it is a special
  value outside the sampled ones (gradient boosting's ``max_depth=None``), and
  ``<Algorithm>__<param>__fraction`` for a fraction of the rows (``min_samples_split=0.01``).

>>> to_trial_params("RandomForestClassifier", {"max_depth": 10, "min_samples_split": 4})["RandomForestClassifier__max_depth"]
10
"""

from __future__ import annotations

import warnings
from typing import Any, Mapping, Sequence

from metalearn.exceptions import InvalidParamsError
from metalearn.space import ALGORITHMS, Param, get_algorithm, validate_params
from metalearn.space._params import _same_choice

__all__ = ["suggest", "to_trial_params", "from_trial_params", "trial_key"]

def trial_key(algorithm: str, param: str) -> str:
    """The Optuna parameter name of an algorithm's parameter: ``"<algorithm>__<param>"``.

    >>> trial_key("SVC", "C")
    'SVC__C'
    """
    return f"{algorithm}__{param}"


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return isinstance(a, tuple) and isinstance(b, tuple) and a == b
    return _same_choice(a, b)


def _given(trial, given: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The parameters a trial was given: ``given``, else an enqueued trial's fixed parameters.

    Optuna keeps an enqueued trial's parameters in its ``system_attrs["fixed_params"]``
    (public on :class:`optuna.trial.FrozenTrial`).
    """
    if given is not None:
        return given
    study = getattr(trial, "study", None)
    if study is None:
        return {}
    from optuna.trial import TrialState

    for frozen in study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING)):
        if frozen.number == trial.number:
            return frozen.system_attrs.get("fixed_params", {}) or {}
    return {}


def _active(p: Param, values: Mapping[str, Any]) -> bool:
    return all(any(_same_choice(values.get(other), v) for v in allowed) for other, allowed in p.condition)


def suggest(trial, algorithms: Sequence[str], *, given: Mapping[str, Any] | None = None) -> tuple[str, dict]:
    """Sample a configuration with an Optuna trial.

    The algorithm is ``trial.suggest_categorical("algorithm", algorithms)``; each searched,
    active parameter of it is the Optuna parameter ``"<algorithm>__<param>"`` (see the
    module docstring). A configuration enqueued with :func:`to_trial_params` is
    reproduced exactly, including parameters the search does not tune.

    Parameters
    ----------
    trial : optuna.trial.Trial or optuna.trial.FixedTrial
    algorithms : sequence of str
        Registry names to choose from.
    given : mapping, optional
        The flat parameters the trial was created from, for a :class:`~optuna.trial.FixedTrial`
        (Optuna has no public accessor for them). An enqueued trial's are read from the study.

    Returns
    -------
    (name, params)
        ``params`` holds the searched, active parameters and any other parameter whose
        value differs from its default.

    Examples
    --------
    >>> import optuna
    >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
    >>> study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    >>> study.enqueue_trial(to_trial_params("SVC", {"C": 3.0, "kernel": "poly", "degree": 2}))
    >>> trial = study.ask()
    >>> suggest(trial, ["SVC", "GaussianNB"])
    ('SVC', {'C': 3.0, 'kernel': 'poly', 'degree': 2, 'gamma': 'scale', 'coef0': 0.0, 'class_weight': None})
    >>> sorted(trial.params)
    ['SVC__C', 'SVC__class_weight', 'SVC__coef0', 'SVC__degree', 'SVC__gamma__type', 'SVC__kernel', 'algorithm']
    """
    names = list(algorithms)
    for name in names:
        get_algorithm(name)
    if not names:
        raise InvalidParamsError("suggest: no algorithms given; pass at least one registry name")
    name = trial.suggest_categorical("algorithm", names)
    spec = ALGORITHMS[name]
    fixed = _given(trial, given)
    values: dict = {}
    with warnings.catch_warnings():
        # an enqueued value outside the sampled range is kept, with a warning
        warnings.filterwarnings("ignore", message=r"Fixed parameter .* is out of range")
        warnings.filterwarnings("ignore", message=r"The value .* is out of the range")
        for p in spec.params:
            if _active(p, values):
                values[p.name] = p.suggest(trial, trial_key(name, p.name), fixed)
    return name, {
        p.name: values[p.name]
        for p in spec.params
        if p.name in values and (p.search or not _equal(values[p.name], p.default))
    }


def to_trial_params(name: str, params: Mapping[str, Any] | None) -> dict:
    """Flat Optuna parameters that make :func:`suggest` return this configuration.

    For ``study.enqueue_trial``. Parameters not given take their defaults; parameters
    inactive under the conditions of the search (e.g. SVC ``degree`` with an rbf kernel)
    are dropped, since the search never samples them; parameters the search does not
    tune appear only when they differ from their defaults.

    >>> to_trial_params("SVC", {"C": 2.0, "gamma": 0.5, "tol": 0.01})
    {'algorithm': 'SVC', 'SVC__C': 2.0, 'SVC__kernel': 'rbf', 'SVC__gamma__type': 'float', 'SVC__gamma': 0.5, 'SVC__tol': 0.01, 'SVC__class_weight': None}
    """
    spec = get_algorithm(name)
    given = validate_params(name, params)
    values = {p.name: given.get(p.name, p.default) for p in spec.params}
    active: dict = {}
    out: dict = {"algorithm": name}
    for p in spec.params:
        if not _active(p, active):
            continue
        value = active[p.name] = values[p.name]
        if not p.search and _equal(value, p.default):
            continue
        out.update(p.encode(trial_key(name, p.name), value))
    return out


def from_trial_params(flat: Mapping[str, Any]) -> tuple[str, dict]:
    """Decode flat Optuna parameters (e.g. ``study.best_params``) to ``(name, params)``.

    >>> from_trial_params(to_trial_params("SVC", {"C": 2.0}))
    ('SVC', {'C': 2.0, 'kernel': 'rbf', 'gamma': 'scale', 'class_weight': None})
    """
    from optuna.trial import FixedTrial

    if "algorithm" not in flat:
        raise InvalidParamsError("Optuna parameters have no 'algorithm' entry; pass the params of a metalearn trial")
    name = flat["algorithm"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return suggest(FixedTrial(dict(flat)), [name], given=flat)
