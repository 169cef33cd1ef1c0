"""The portfolio step of a query: expected regrets, the first pick, the greedy rest, the registry check.

:func:`expected_regret` turns the neighbours' proximity weights into each configuration's
expected regret under the hierarchical prior; :func:`first_choice` picks the first
configuration (a thinly supported one only where it dominates); :func:`greedy_portfolio`
adds the ones that best complement it; :func:`registered_picks` repeats that until every
pick passes the registry (:func:`registered_params`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from metalearn.exceptions import MetaLearnError
from metalearn.recommender.offline import LOCAL_SUPPORT, SHRINKAGE, SUPPORT_PRIOR, RegretTable, hierarchical_prior

__all__ = ["expected_regret", "local_support", "first_choice", "greedy_portfolio", "registered_picks",
           "registered_params"]


def expected_regret(table: RegretTable, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each configuration's expected regret on the query, and the row weights of the portfolio.

    The neighbours' proximity-weighted observed regret (``table.scaled``: in units of each
    dataset's spread), shrunk toward the configuration's
    hierarchical prior with strength ``SHRINKAGE + SUPPORT_PRIOR / n`` (``n`` = datasets with a
    run of it). The portfolio's weights blend the proximity weights with uniform ones
    (``SHRINKAGE``).
    """
    weights = np.asarray(weights, dtype=float)
    w_obs = weights[:, None] * table.observed
    local = (w_obs * table.scaled).sum(axis=0)
    prior = hierarchical_prior(np.where(table.observed, table.scaled, 0.0), table.observed, table.algorithms)
    strength = SHRINKAGE + SUPPORT_PRIOR / np.maximum(table.observed.sum(axis=0), 1)
    expected = (local + strength * prior) / (w_obs.sum(axis=0) + strength)
    blend = (weights + SHRINKAGE / len(weights)) / (1 + SHRINKAGE)
    return expected, blend


def local_support(table: RegretTable, weights: np.ndarray) -> np.ndarray:
    """Each configuration's share of the query's neighbourhood that ran it: the proximity weight of
    the datasets with a run of it, over the total weight (0 to 1; uniform weights give the share of
    all datasets).

    >>> import numpy as np
    >>> t = RegretTable(np.arange(3), np.arange(2), None, None, None,
    ...                 np.array([[1, 1], [1, 0], [0, 0]], dtype=bool), [], [])
    >>> local_support(t, np.array([0.5, 0.3, 0.2])).tolist()
    [0.8, 0.5]
    """
    weights = np.asarray(weights, dtype=float)
    total = weights.sum()
    return (weights[:, None] * table.observed).sum(axis=0) / (total if total > 0 else 1.0)


def first_choice(expected: np.ndarray, regret: np.ndarray, observed: np.ndarray,
                 min_support: float | None = None, local: np.ndarray | None = None,
                 min_local: float | None = None) -> int:
    """The column to recommend first: the least expected regret, unless that configuration is thin.

    A configuration with runs on fewer than ``min_support`` datasets (default ``SUPPORT_PRIOR``)
    is first only if it dominates where it can be compared: on the datasets with runs of both it
    and the best-supported alternative (the least expected regret among configurations with that
    support), at least two, its mean regret is no higher. Otherwise the alternative is first.

    With ``local`` (each column's :func:`local_support`), a configuration the query's neighbours
    rarely ran is thin too, whatever its global support: one whose local support is below
    ``min_local`` (default ``LOCAL_SUPPORT``) times the best local support. Its expected regret
    then rests on its prior, learned on other datasets, and those datasets cannot show it
    dominates near the query: the best locally supported alternative is first. (Session 9: OBOE's GradientBoosting ``learning_rate=0.5``, run on OBOE's datasets
    only, was first on 137 of 230 dense datasets whose neighbours never ran it.)

    >>> import numpy as np
    >>> observed = np.array([[1, 1], [1, 0], [1, 0]], dtype=bool)
    >>> regret = np.array([[0.0, 0.2], [0.1, 0.0], [0.1, 0.0]])
    >>> first_choice(np.array([0.07, 0.01]), regret, observed, min_support=3)  # column 1: one dataset
    0
    """
    min_support = SUPPORT_PRIOR if min_support is None else min_support
    first = int(np.argmin(expected))
    supported = observed.sum(axis=0) >= min_support
    near = np.ones(len(expected), dtype=bool)
    if local is not None:
        local = np.asarray(local, dtype=float)
        min_local = LOCAL_SUPPORT if min_local is None else min_local
        near = local >= min_local * local.max()
    if supported[first] and near[first]:
        return first
    strong = np.flatnonzero(supported & near)
    if not len(strong):
        return first
    alternative = int(strong[np.argmin(expected[strong])])
    if not near[first]:  # datasets far from the query cannot show it dominates here
        return alternative
    both = observed[:, first] & observed[:, alternative]
    if both.sum() >= 2 and regret[both, first].mean() <= regret[both, alternative].mean():
        return first
    return alternative


def greedy_portfolio(regret: np.ndarray, weights: np.ndarray, n: int, *, first: int | None = None) -> list[int]:
    """Greedy best-of-N: columns of ``regret`` minimizing the weighted mean of the row-wise minimum.

    ``first`` forces the first pick (e.g. the configuration with the least expected regret).

    >>> greedy_portfolio(np.array([[0.0, 0.3, 0.1], [0.4, 0.0, 0.1]]), np.array([0.5, 0.5]), 2)
    [2, 0]
    """
    regret = np.asarray(regret, dtype=float)
    weights = np.asarray(weights, dtype=float)
    chosen: list[int] = []
    current = np.full(regret.shape[0], np.inf)
    for _ in range(min(n, regret.shape[1])):
        if first is not None and not chosen:
            j = int(first)
        else:
            cost = (np.minimum(current[:, None], regret) * weights[:, None]).sum(axis=0)
            cost[chosen] = np.inf
            j = int(np.argmin(cost))
        chosen.append(j)
        current = np.minimum(current, regret[:, j])
    return chosen


def registered_picks(table: RegretTable, family: str, expected: np.ndarray, blend: np.ndarray,
                     top: int, local: np.ndarray | None = None) -> tuple[list[int], dict[int, dict]]:
    """The portfolio's columns, each checked against the registry now (never trusted from a cache).

    The first pick is :func:`first_choice` on the scaled regrets (and ``local``, each column's
    :func:`local_support`, when given); the rest are chosen greedily on the
    raw regrets (best of N in the metric's own units: 0.0059 against 0.0071 on scaled regrets, best
    of 5 on the design third, three forest seeds).

    A configuration whose algorithm is not a registered one of the task family, or whose
    parameters ``metalearn.space.validate_params`` refuses, is dropped and the portfolio
    chosen again without it. Returns the columns and their normalized parameters.
    """
    allowed = np.ones(len(expected), dtype=bool)
    checked: dict[int, dict] = {}
    while allowed.any():
        idx = np.flatnonzero(allowed)
        first = first_choice(expected[idx], table.scaled[:, idx], table.observed[:, idx],
                             local=None if local is None else local[idx])
        local = greedy_portfolio(table.regret[:, idx], blend, min(top, len(idx)), first=first)
        picks = [int(idx[i]) for i in local]
        bad = []
        for j in picks:
            if j not in checked:
                params = registered_params(table.algorithms[j], table.params[j], family)
                if params is None:
                    bad.append(j)
                else:
                    checked[j] = params
        if not bad:
            return picks, checked
        allowed[bad] = False
    return [], checked


def registered_params(algorithm, params, family: str) -> dict | None:
    """``params`` normalized by the registry if ``algorithm`` is a registered algorithm of the task
    family and ``validate_params`` accepts them; else ``None``.

    Checked on every recommendation: the KB's rows and its derived caches are data, never authority.

    >>> registered_params("KNeighborsClassifier", {"n_neighbors": 7}, "classification")
    {'n_neighbors': 7}
    >>> registered_params("os.system", {}, "classification") is None
    True
    """
    from metalearn import space

    if not isinstance(algorithm, str) or not isinstance(params, Mapping):
        return None
    try:
        spec = space.get_algorithm(algorithm)
        if spec.task != family:
            return None
        return dict(space.validate_params(algorithm, dict(params)))
    except (MetaLearnError, TypeError, ValueError):
        return None
