"""``metalearn.recommend``: the recommender's former single module, kept so that
``from metalearn.recommend import Recommender, recommend, Recommendation`` keeps working.

The code lives in the :mod:`metalearn.recommender` package, by stage: ``offline`` (regret
tables, the proximity forest and its stored form), ``online`` (the query, the portfolio, the
registry check) and ``records`` (what a recommendation returns).
"""

from metalearn.recommender import *  # noqa: F401,F403
from metalearn.recommender import __all__  # noqa: F401
from metalearn.recommender import StoredForest as _StoredForest  # noqa: F401  (the name tests used)
