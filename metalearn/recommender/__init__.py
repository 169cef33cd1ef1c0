"""Recommend algorithm configurations from the knowledge base.

Given a dataset (or its meta-features), :func:`recommend` ranks configurations by
how well they did on the most similar datasets of the knowledge base (KB), and
returns each with its evidence: the neighbour datasets and their runs of it.

How it works
------------
1. **Scores made comparable.** For the requested metric, the KB's runs form a
   dataset x configuration matrix, each dataset's row under one source and protocol only
   (the one with most configurations there: a few runs under an easier protocol are not
   compared with 5-fold CV scores). Each score becomes a *regret*: the dataset's best known
   score minus this score (0 for the best configuration there).
2. **Similarity learned from the runs.** A random forest maps the meta-features
   (those known both for the query and for most KB datasets; missing values are
   handled per feature by the trees) to the leading singular vectors of the regret
   matrix, i.e. to what makes datasets prefer the same configurations. Two
   datasets are near when they fall in the same leaves (forest proximity), so
   meta-features that do not matter for the choice of configuration do not count.
   The distance shown is ``1 - proximity`` (0: same leaf in every tree).
3. **Expected regret.** A configuration's expected regret is the neighbours'
   proximity-weighted regret, each dataset's regrets in units of their spread there,
   shrunk toward a hierarchical prior (configuration, then algorithm, then global;
   ``SUPPORT_PRIOR`` pseudo-datasets), so configurations seen on few datasets move most.
   The first recommendation minimizes it; one with runs on fewer than ``SUPPORT_PRIOR``
   datasets is first only where it beats the best well-supported one on the datasets
   both were run on.
4. **A portfolio, not near-copies.** The next ones are chosen greedily so that the
   best of the first N is as good as possible on the weighted neighbours (a warm
   start evaluates all N).
5. **Fallbacks, stated in ``reason``:** no runs of the metric -> a related metric;
   a KB with fewer than 3 usable datasets -> the registry's default portfolio.

Only meta-features a new dataset can have are used: data is characterized with
:data:`QUERY_GROUPS`, and OpenML's Weka landmarkers (:data:`UNMATCHED_FEATURES`) are
ignored. A :class:`Recommender` re-reads its KB when the KB's content changed
(:meth:`Recommender.refresh`, called by every query).

Speed: the runs come from the KB's cached arrays (``kb.run_scores``); the registry check
of the configurations and the fitted forest are stored in the KB as data under hashes of
their inputs (``kb.store_derived``), so a new process whose query has the same inputs
(same KB content, same meta-feature names) recommends without importing scikit-learn.
Every configuration is checked against the registry before it can be recommended.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> features = rng.normal(size=(30, 3))
>>> regret = np.abs(rng.normal(size=(30, 6))) * 0.1
>>> w, d = forest_proximity(features, regret, features[0], n_trees=20, random_state=0)
>>> round(float(w.sum()), 6), float(d[0])
(1.0, 0.0)
>>> greedy_portfolio(np.array([[0.0, 0.3, 0.1], [0.4, 0.0, 0.1]]), np.array([0.5, 0.5]), 2)
[2, 0]
"""

from metalearn.recommender.offline import (
    DEFAULT_METRICS, QUERY_GROUPS, RELATED_METRICS, SUPPORT_PRIOR, UNMATCHED_FEATURES, StoredForest, forest_proximity,
)
from metalearn.recommender.online import Recommender, recommend
from metalearn.recommender.portfolio import first_choice, greedy_portfolio, registered_params
from metalearn.recommender.records import (
    Evidence, Neighbour, Recommendation, RecommendationResult, RecommendationWarning,
)

__all__ = [
    "Evidence", "Recommendation", "Neighbour", "RecommendationResult", "RecommendationWarning", "Recommender",
    "recommend", "registered_params", "forest_proximity", "greedy_portfolio", "first_choice", "StoredForest", "DEFAULT_METRICS",
    "RELATED_METRICS", "QUERY_GROUPS", "UNMATCHED_FEATURES", "SUPPORT_PRIOR",
]
