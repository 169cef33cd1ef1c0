"""The evidence model (#12 item 2): runs compared only under comparable protocols, regrets scaled per
dataset, a thinly supported configuration first only where it dominates. KBs and arrays made here."""

from __future__ import annotations

import numpy as np

from metalearn import space
from metalearn.kb import KnowledgeBase, RunInput
from metalearn.recommender import Recommender, first_choice
from metalearn.recommender.offline import comparable_scores, scaled_regret

CONFIGS = [
    ("GaussianNB", {}),
    ("RandomForestClassifier", {"n_estimators": 100}),
    ("LogisticRegression", {"C": 1.0}),
    ("KNeighborsClassifier", {"n_neighbors": 5}),
    ("DecisionTreeClassifier", {"min_samples_split": 2}),
    ("ExtraTreesClassifier", {"n_estimators": 100}),
]


def _kb_with_a_thin_easy_protocol(path, n=12):
    """``n`` datasets with 5-fold CV runs of six configurations (RandomForest best on most), and an SVC
    run only on three of them, under another source's test split, where it scores 0.99: a number
    that is not comparable with the others' CV scores."""
    kb = KnowledgeBase.open(path, create="empty")
    rng = np.random.default_rng(1)
    ids = [kb.add_configuration(a, space.validate_params(a, p)).configuration_id for a, p in CONFIGS]
    thin = kb.add_configuration("SVC", space.validate_params("SVC", {"C": 3.0})).configuration_id
    runs, datasets = [], []
    for i in range(n):
        ds = kb.add_dataset(f"toy{i}", task_type="binary", source=f"test:toy{i}")
        datasets.append(ds.dataset_id)
        kb.add_meta_features(ds.dataset_id, {"NumberOfInstances": float(rng.integers(200, 5000)),
                                             "NumberOfFeatures": float(rng.integers(5, 50)),
                                             "MinorityClassPercentage": float(rng.uniform(5, 50)),
                                             "NumberOfClasses": 2.0}, "metalearn test")
        scores = rng.uniform(0.6, 0.75, size=len(ids))
        scores[1] = 0.8 + rng.uniform(0, 0.05)
        runs += [RunInput(ds.dataset_id, c, "balanced_accuracy", float(s), "5-fold CV", source="test:cv")
                 for c, s in zip(ids, scores)]
        if i < 3:
            runs.append(RunInput(ds.dataset_id, thin, "balanced_accuracy", 0.99, "test split", source="test:other"))
    kb.add_runs(runs)
    return kb, ids, thin


def test_a_few_runs_under_another_protocol_are_not_compared_with_the_reference(tmp_path):
    kb, ids, thin = _kb_with_a_thin_easy_protocol(tmp_path / "kb.sqlite")
    with kb:
        query = {"NumberOfInstances": 1000.0, "NumberOfFeatures": 10.0, "MinorityClassPercentage": 20.0,
                 "NumberOfClasses": 2.0}
        res = Recommender(kb, n_trees=30).explain(meta_features=query, task="binary", top=5)
        picked = [r.configuration_id for r in res.recommendations]
        assert picked[0] == ids[1]  # RandomForest: best under the one protocol every dataset has
        assert thin not in picked  # 0.99 on a test split is no evidence against 5-fold CV scores
        assert all(r.n_datasets == 12 for r in res.recommendations)


def test_comparable_scores_keep_the_reference_protocol_of_each_dataset():
    # dataset 1: group 0 has four configurations (the reference); group 1 two, one shared
    d = np.array([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2])
    c = np.array([1, 2, 3, 4, 1, 5, 1, 2, 3, 4, 5])
    s = np.array([.70, .60, .65, .62, .95, .99, .80, .70, .75, .72, .50])
    g = np.array([0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0])
    wide = comparable_scores(d, c, s, g)
    assert wide.loc[1].dropna().to_dict() == {1: 0.70, 2: 0.60, 3: 0.65, 4: 0.62}  # group 1's runs: unused
    assert wide.loc[2].dropna().to_dict() == {1: 0.80, 2: 0.70, 3: 0.75, 4: 0.72, 5: 0.50}
    # one group everywhere: plain means per (dataset, configuration)
    same = comparable_scores(np.array([1, 1, 1]), np.array([1, 1, 2]), np.array([.5, .7, .4]), np.zeros(3, int))
    assert same.loc[1].round(6).to_dict() == {1: 0.6, 2: 0.4}


def test_regrets_are_scaled_by_their_dataset_spread_floored_at_its_lower_quartile():
    base = np.array([0.0, 0.1, 0.2, 0.5])
    regret = np.array([base, base * 2, base / 2, base / 100])  # spreads s, 2s, s/2 and s/100
    observed = np.ones((4, 4), dtype=bool)
    observed[1, 3] = False
    scaled = scaled_regret(regret, observed)
    sd = [regret[0].std(), regret[1, :3].std(), regret[2].std(), regret[3].std()]
    floor = np.quantile(sd, 0.25)
    assert sd[3] < floor < sd[2]
    for i in range(3):  # a spread above the floor: divided by it
        kept = observed[i]
        np.testing.assert_allclose(scaled[i, kept], regret[i, kept] / sd[i])
    assert scaled[1, 3] == 0.0
    # the same preferences at half or twice the spread weigh as much ...
    np.testing.assert_allclose(scaled[2], scaled[0])
    # ... but a dataset where every configuration ties does not: its tiny differences are divided by the floor
    np.testing.assert_allclose(scaled[3], regret[3] / floor)
    assert scaled[3].max() < scaled[0].max() / 10


def test_a_thin_configuration_is_first_only_where_it_dominates():
    # column 2 has runs on 2 of 6 datasets; column 0 on all
    observed = np.ones((6, 3), dtype=bool)
    observed[2:, 2] = False
    regret = np.array([[0.1, 0.3, 0.0], [0.1, 0.3, 0.0], [0.0, 0.2, 0], [0.0, 0.2, 0], [0.0, 0.2, 0],
                       [0.0, 0.2, 0]])
    expected = np.array([0.05, 0.25, 0.01])
    assert first_choice(expected, regret, observed, min_support=5) == 2  # it beats column 0 where both ran
    worse = regret.copy()
    worse[:2, 2] = 0.2
    assert first_choice(expected, worse, observed, min_support=5) == 0  # it does not: the supported one
    assert first_choice(expected, worse, observed, min_support=2) == 2  # enough support: least expected
    alone = observed.copy()
    alone[:, 2] = [True, False, False, False, False, False]
    assert first_choice(expected, regret, alone, min_support=5) == 0  # one shared dataset is not enough


def test_a_configuration_the_neighbours_never_ran_is_not_first_however_good_elsewhere():
    from metalearn.recommender.offline import RegretTable
    from metalearn.recommender.portfolio import local_support

    # column 1 has runs on many datasets (support 4), all far from the query; column 0 on the near ones
    observed = np.array([[1, 0], [1, 0], [1, 1], [0, 1], [0, 1], [0, 1]], dtype=bool)
    regret = np.where(observed, [[0.1, 0.0]] * 6, 0.0)
    regret[2] = [0.2, 0.0]  # where both ran, column 1 dominates
    weights = np.array([0.45, 0.45, 0.04, 0.02, 0.02, 0.02])
    table = RegretTable(np.arange(6), np.arange(2), None, regret, regret, observed, ["A", "B"], [{}, {}])
    local = local_support(table, weights)
    np.testing.assert_allclose(local, [0.94, 0.1])
    expected = np.array([0.1, 0.02])
    assert first_choice(expected, regret, observed, min_support=3) == 1  # without local support: least expected
    # with it, column 1 is thin near the query, and the far datasets cannot show it dominates there
    assert first_choice(expected, regret, observed, min_support=3, local=local) == 0
    assert first_choice(expected, regret, observed, min_support=3, local=local, min_local=0.1) == 1
    # near datasets ran both: the least expected regret is first again
    both = np.ones_like(observed)
    full = RegretTable(np.arange(6), np.arange(2), None, regret, regret, both, ["A", "B"], [{}, {}])
    assert first_choice(expected, regret, both, min_support=3, local=local_support(full, weights)) == 1
