"""Tests of metalearn.recommend: on the real seed KB and on small KBs built here."""

from __future__ import annotations

import numpy as np
import pytest

from metalearn import space
from metalearn.exceptions import MetaLearnError, RecommendationError
from metalearn.kb import KnowledgeBase, RunInput
from metalearn.recommender import Recommendation, Recommender, recommend

KR_VS_KP = 3  # OpenML id of kr-vs-kp: OBOE runs and OpenML server qualities in the seed


@pytest.fixture(scope="module")
def seed_kb(tmp_path_factory):
    kb = KnowledgeBase.open(tmp_path_factory.mktemp("seedkb") / "kb.sqlite", create="seed")
    yield kb
    kb.close()


@pytest.fixture(scope="module")
def seed_rec(seed_kb):
    return Recommender(seed_kb, n_trees=50)


@pytest.fixture(scope="module")
def kr_features(seed_kb):
    ds = seed_kb.datasets_frame()
    dataset_id = int(ds.index[ds["openml_id"] == KR_VS_KP][0])
    row = seed_kb.meta_features_frame(computed_by="openml-server").loc[dataset_id]
    return dataset_id, {k: float(v) for k, v in row.items() if v == v}


def test_seed_recommendations_are_valid_registry_configurations(seed_rec, kr_features):
    _, mf = kr_features
    recs = seed_rec.recommend(meta_features=mf, task="binary", top=5)
    assert [r.rank for r in recs] == [1, 2, 3, 4, 5]
    assert len({r.configuration_id for r in recs}) == 5
    for r in recs:
        assert isinstance(r, Recommendation)
        assert r.algorithm in space.algorithms_for("binary")
        assert space.validate_params(r.algorithm, r.params) == space.validate_params(r.algorithm, dict(r.params))
        assert 0.0 <= r.expected_score <= 1.0 and r.uncertainty >= 0.0
        assert r.evidence and all(e.score == e.score for e in r.evidence)
        assert r.reason == "nearest-neighbour portfolio"
    # the pipeline can be built from what we return
    import pandas as pd

    X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0]})
    space.make_pipeline(recs[0].algorithm, recs[0].params, X)


def test_dataset_in_kb_finds_itself_at_distance_zero_unless_excluded(seed_rec, kr_features):
    dataset_id, mf = kr_features
    res = seed_rec.explain(meta_features=mf, task="binary", top=3)
    assert res.neighbours[0].dataset_id == dataset_id
    assert res.neighbours[0].distance == 0.0
    assert res.neighbours[0].near_features  # the meta-features behind the nearness
    assert res.metric == "balanced_accuracy"

    for exclude in ([dataset_id], [f"openml:{KR_VS_KP}"]):
        res_x = seed_rec.explain(meta_features=mf, task="binary", top=3, exclude_datasets=exclude)
        assert dataset_id not in {n.dataset_id for n in res_x.neighbours}
        assert all(e.dataset_id != dataset_id for r in res_x.recommendations for e in r.evidence)
        assert res_x.n_datasets == res.n_datasets - 1
        assert res_x.neighbours[0].distance > 0.0


def test_recommend_function_with_kb_object(seed_kb, kr_features):
    _, mf = kr_features
    recs = recommend(meta_features=mf, task="binary", kb=seed_kb, top=2, exclude_datasets=[f"openml:{KR_VS_KP}"])
    assert len(recs) == 2 and recs[0].rank == 1


def test_seed_regression_falls_back_or_recommends_valid(seed_rec):
    recs = seed_rec.recommend(meta_features={"NumberOfInstances": 1000.0, "NumberOfFeatures": 8.0,
                                             "NumberOfClasses": 0.0}, task="regression", top=3)
    assert len(recs) == 3
    for r in recs:
        assert r.algorithm in space.algorithms_for("regression")
        space.validate_params(r.algorithm, r.params)


# --------------------------------------------------------------------------- small KBs
CONFIGS = [
    ("GaussianNB", {}),
    ("RandomForestClassifier", {"n_estimators": 100}),
    ("LogisticRegression", {"C": 1.0}),
    ("KNeighborsClassifier", {"n_neighbors": 5}),
    ("DecisionTreeClassifier", {"min_samples_split": 2}),
    ("ExtraTreesClassifier", {"n_estimators": 100}),
]


def _small_kb(path, *, metric="balanced_accuracy", n=16):
    """Datasets where class imbalance decides: imbalanced ones prefer GaussianNB, balanced ones RF."""
    kb = KnowledgeBase.open(path, create="empty")
    rng = np.random.default_rng(0)
    configs = [kb.add_configuration(a, space.validate_params(a, p)).configuration_id for a, p in CONFIGS]
    runs = []
    for i in range(n):
        imbalanced = i % 2 == 0
        ds = kb.add_dataset(f"toy{i}", task_type="binary", source=f"test:toy{i}")
        minority = rng.uniform(2, 10) if imbalanced else rng.uniform(35, 50)
        kb.add_meta_features(ds.dataset_id, {
            "MinorityClassPercentage": minority, "NumberOfInstances": float(rng.integers(200, 5000)),
            "NumberOfFeatures": float(rng.integers(5, 50)), "NumberOfClasses": 2.0}, "metalearn test")
        base = rng.uniform(0.6, 0.7, size=len(CONFIGS))
        base[0 if imbalanced else 1] = 0.9
        runs += [RunInput(ds.dataset_id, c, metric, float(s), "5-fold CV") for c, s in zip(configs, base)]
    kb.add_runs(runs)
    return kb


def test_small_kb_neighbours_decide(tmp_path):
    with _small_kb(tmp_path / "kb.sqlite") as kb:
        rec = Recommender(kb, n_trees=50)
        q = {"NumberOfInstances": 1000.0, "NumberOfFeatures": 10.0, "NumberOfClasses": 2.0}
        imb = rec.recommend(meta_features={**q, "MinorityClassPercentage": 4.0}, task="binary", top=2)
        bal = rec.recommend(meta_features={**q, "MinorityClassPercentage": 45.0}, task="binary", top=2)
        assert imb[0].algorithm == "GaussianNB"
        assert bal[0].algorithm == "RandomForestClassifier"
        # the portfolio covers the other kind of dataset too
        assert {r.algorithm for r in imb} == {"GaussianNB", "RandomForestClassifier"}
        assert imb[0].expected_score == pytest.approx(0.9, abs=0.05)


def test_metric_fallback_is_stated(tmp_path):
    with _small_kb(tmp_path / "kb.sqlite", metric="accuracy") as kb:
        recs = Recommender(kb, n_trees=20).recommend(
            meta_features={"MinorityClassPercentage": 4.0, "NumberOfInstances": 500.0}, task="binary",
            metric="balanced_accuracy", top=2)
        assert recs[0].reason == "metric fallback: no runs of balanced_accuracy, used accuracy"
        assert recs[0].algorithm == "GaussianNB"


def test_cold_start_empty_and_tiny_kb(tmp_path):
    with KnowledgeBase.open(tmp_path / "empty.sqlite", create="empty") as kb:
        recs = recommend(meta_features={"NumberOfInstances": 100.0}, task="regression", kb=kb, top=3)
        assert [(r.algorithm, dict(r.params)) for r in recs] == space.default_portfolio("regression", 3)
        assert recs[0].reason.startswith("cold start: KB has no runs for task regression")
    with _small_kb(tmp_path / "tiny.sqlite", n=2) as kb:
        recs = recommend(meta_features={"NumberOfInstances": 100.0}, task="binary", kb=kb, top=2)
        assert recs[0].reason.startswith("cold start: KB has runs on only 2 usable classification dataset(s)")
        assert [r.algorithm for r in recs] == [a for a, _ in space.default_portfolio("binary", 2)]


def test_excluding_every_dataset_gives_cold_start(tmp_path):
    with _small_kb(tmp_path / "kb.sqlite", n=4) as kb:
        ids = list(kb.datasets_frame().index)
        recs = Recommender(kb).recommend(meta_features={"NumberOfInstances": 1.0}, task="binary",
                                         exclude_datasets=ids[:2])
        assert recs[0].reason.startswith("cold start")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"top": 0, "meta_features": {"NumberOfClasses": 2.0}}, "top=0"),
        ({"meta_features": {"NumberOfClasses": 2.0}, "exclude_datasets": ["openml:abc"]}, "openml:abc"),
        ({}, "needs data or meta_features"),
        ({"meta_features": {"NumberOfInstances": 5.0}}, "task is unknown"),
        ({"meta_features": {"NumberOfClasses": 2.0}, "task": "ranking"}, "'ranking'"),
    ],
)
def test_bad_input_one_line_errors(tmp_path, kwargs, match):
    with _small_kb(tmp_path / "kb.sqlite", n=4) as kb:
        with pytest.raises(RecommendationError, match=match) as info:
            Recommender(kb).recommend(**kwargs)
        assert isinstance(info.value, MetaLearnError) and "\n" not in str(info.value)


def test_recommender_sees_runs_written_after_it_was_made(tmp_path):
    """A Recommender kept open while runs are written to its KB recommends from the new runs."""
    with _small_kb(tmp_path / "kb.sqlite") as kb:
        rec = Recommender(kb, n_trees=20)
        query = {"MinorityClassPercentage": 30.0, "NumberOfInstances": 777.0, "NumberOfFeatures": 7.0,
                 "NumberOfClasses": 2.0}
        before = rec.explain(meta_features=query, task="binary", top=2)
        assert before.n_datasets == 16
        assert rec.refresh() is False  # nothing written: the tables are kept

        # a new dataset identical to the query, where ExtraTrees is far ahead
        ds = kb.add_dataset("twin", task_type="binary", source="test:twin")
        kb.add_meta_features(ds.dataset_id, query, "metalearn test")
        configs = [kb.find_configuration(a, space.validate_params(a, p)).configuration_id for a, p in CONFIGS]
        scores = [0.6, 0.6, 0.6, 0.6, 0.6, 0.99]
        kb.add_runs(RunInput(ds.dataset_id, c, "balanced_accuracy", s, "5-fold CV") for c, s in zip(configs, scores))

        after = rec.explain(meta_features=query, task="binary", top=2)
        assert after.n_datasets == 17
        assert after.neighbours[0].dataset_id == ds.dataset_id and after.neighbours[0].distance == 0.0
        assert any(e.dataset_id == ds.dataset_id for r in after.recommendations for e in r.evidence)
        assert rec.refresh() is False


def test_data_is_characterized_with_the_groups_the_kb_can_match_only(tmp_path, monkeypatch):
    import importlib

    from metalearn.data import load_dataset
    from metalearn.recommender import QUERY_GROUPS

    characterize_module = importlib.import_module("metalearn.metafeatures")
    seen = []
    real = characterize_module.characterize

    def spy(*args, **kwargs):
        seen.append(kwargs.get("groups"))
        return real(*args, **kwargs)

    monkeypatch.setattr(characterize_module, "characterize", spy)
    ds = load_dataset("data/examples/kr-vs-kp.csv", target="class")
    with _small_kb(tmp_path / "kb.sqlite") as kb:
        result = Recommender(kb, n_trees=20).explain(ds, top=2)
    assert seen == [QUERY_GROUPS] and "landmarking" not in QUERY_GROUPS
    assert result.task == "binary" and len(result.recommendations) == 2
    assert "MinorityClassPercentage" in result.features_used
    assert not any(f.startswith("metalearn.Landmark") for f in result.features_used)


# --------------------------------------------------------------------------- the KB's runs cache
class _FrameOnlyKB:
    """A ``KBReader`` without the KB's cached runs arrays and derived store: ``run_scores`` is made
    from ``runs_frame`` here, nothing is stored, so the recommender fits and validates everything."""

    def __init__(self, kb):
        self._kb = kb
        self.path = kb.path

    def change_token(self):
        return self._kb.change_token()

    def stats(self):
        return self._kb.stats()

    def datasets_frame(self):
        return self._kb.datasets_frame()

    def meta_features_frame(self, dataset_ids=None, *, computed_by=None):
        return self._kb.meta_features_frame(dataset_ids, computed_by=computed_by)

    def runs_frame(self, **kwargs):
        return self._kb.runs_frame(**kwargs)

    def run_scores(self, metric):
        from metalearn.kb import RunScores

        frame = self._kb.runs_frame(metric=metric)
        ids = frame["configuration_id"].to_numpy(dtype="int64")
        return RunScores(metric, frame["dataset_id"].to_numpy(dtype="int64"), ids,
                         frame["score"].to_numpy(dtype=float),
                         dict(zip(ids.tolist(), zip(frame["algorithm"], frame["params"]))), -1)

    def configurations(self, ids, *, validate=True):
        return self._kb.configurations(ids, validate=validate)

    def derived(self, name, key):
        return None

    def store_derived(self, name, key, arrays, *, info=None):
        return False


def _rounded(value):
    """``value`` with every float rounded to 12 significant digits: a forest read back from the KB's
    arrays sums the same numbers in another order, so weights can differ in the last unit (seen
    under numpy 2.4); everything else (configurations, order, ids) must match exactly."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_rounded(v) for v in value)
    return value


def _outcome(rec, mf, **kwargs):
    res = rec.explain(meta_features=mf, task="binary", top=5, **kwargs)
    return _rounded(([r.to_dict() for r in res.recommendations],
                     [(n.dataset_id, n.distance, n.weight) for n in res.neighbours],
                     res.features_used, res.n_datasets, res.n_configurations))


def test_same_recommendations_with_the_runs_cache_cold_warm_and_without(seed_kb, kr_features):
    import sqlite3

    _, mf = kr_features
    with sqlite3.connect(seed_kb.path) as conn:
        conn.execute("DELETE FROM runs_matrix")
    assert seed_kb._conn.execute("SELECT count(*) FROM runs_matrix").fetchone()[0] == 0
    cold = _outcome(Recommender(seed_kb, n_trees=20), mf)
    assert seed_kb._conn.execute("SELECT count(*) FROM runs_matrix").fetchone()[0] > 0  # filled by that query
    warm = _outcome(Recommender(seed_kb, n_trees=20), mf)
    without = _outcome(Recommender(_FrameOnlyKB(seed_kb), n_trees=20), mf)
    assert cold == warm == without
    assert len(cold[0]) == 5 and cold[3] > 100  # the real seed: a few hundred datasets
    # with excluded datasets and candidate restrictions too
    some = [r["configuration_id"] for r in cold[0]] + [int(c) for c in seed_kb.run_scores("balanced_accuracy")
                                                          .configuration_id[:300]]
    kwargs = {"exclude_datasets": [f"openml:{KR_VS_KP}"], "candidates": some}
    assert _outcome(Recommender(seed_kb, n_trees=20), mf, **kwargs) == _outcome(
        Recommender(_FrameOnlyKB(seed_kb), n_trees=20), mf, **kwargs)


def test_runs_cache_follows_add_runs_and_a_query_does_not_look_like_a_change(tmp_path):
    with _small_kb(tmp_path / "kb.sqlite") as kb:
        rec = Recommender(kb, n_trees=20)
        query = {"MinorityClassPercentage": 4.0, "NumberOfInstances": 900.0, "NumberOfClasses": 2.0}
        first = rec.explain(meta_features=query, task="binary", top=2, metric="accuracy")  # fallback metric
        assert first.metric == "balanced_accuracy" and first.recommendations[0].algorithm == "GaussianNB"
        assert rec.refresh() is False  # the cache the query filled is not new content
        generation = kb.run_scores("balanced_accuracy").generation
        # a new configuration, best everywhere: the cached arrays are rebuilt, the recommendation follows
        ids = list(kb.datasets_frame().index)
        extra = kb.add_configuration("ExtraTreesClassifier", space.validate_params(
            "ExtraTreesClassifier", {"n_estimators": 300})).configuration_id
        kb.add_runs(RunInput(d, extra, "balanced_accuracy", 0.999, "5-fold CV") for d in ids)  # comparable runs
        assert kb.run_scores("balanced_accuracy").generation > generation
        after = rec.explain(meta_features=query, task="binary", top=2)
        assert after.recommendations[0].configuration_id == extra
        assert _outcome(rec, query) == _outcome(Recommender(_FrameOnlyKB(kb), n_trees=20), query)


def test_crafted_configurations_with_runs_are_skipped_not_run(tmp_path, monkeypatch):
    """Configurations the registry rejects never reach a recommendation, however good their runs."""
    import sqlite3
    import sys

    marker = tmp_path / "payload-ran"
    (tmp_path / "evilpayload.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\nclass Payload: pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with _small_kb(tmp_path / "kb.sqlite") as kb:
        ids = list(kb.datasets_frame().index)
        with sqlite3.connect(kb.path) as conn:
            conn.execute("INSERT INTO algorithms (name) VALUES ('evilpayload.Payload')")
            evil = conn.execute("SELECT algorithm_id FROM algorithms WHERE name = 'evilpayload.Payload'").fetchone()[0]
            svc = conn.execute("INSERT INTO algorithms (name) VALUES ('SVC')").lastrowid
            crafted = []
            for algorithm_id, params, digest in ((evil, "{}", "x1"), (svc, '{"C": 1.0,', "x2"),
                                                 (svc, '{"C": -5.0}', "x3"), (svc, "[1, 2]", "x4")):
                crafted.append(conn.execute(
                    "INSERT INTO configurations (algorithm_id, params, config_hash, source_id) VALUES (?, ?, ?, 1)",
                    (algorithm_id, params, digest)).lastrowid)
        kb.add_runs(RunInput(d, c, "balanced_accuracy", 1.0, "5-fold CV") for d in ids for c in crafted)
        assert len(kb.run_scores("balanced_accuracy").configurations) == len(CONFIGS) + len(crafted)
        assert {i.row_id for i in kb.check().issues} >= set(crafted)  # reported
        for rec in (Recommender(kb, n_trees=20), Recommender(kb, n_trees=20)):  # cold, then from the cache
            res = rec.explain(meta_features={"MinorityClassPercentage": 4.0, "NumberOfInstances": 900.0},
                              task="binary", top=6)
            assert {r.configuration_id for r in res.recommendations}.isdisjoint(crafted)
            assert res.n_configurations == len(CONFIGS)
            assert res.recommendations[0].algorithm == "GaussianNB"
    assert not marker.exists() and "evilpayload" not in sys.modules


def test_stored_forest_applies_like_scikit_learn():
    from metalearn.recommender import StoredForest as _StoredForest, forest_proximity

    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 6)) * [1, 10, 100, 1e-3, 1, 1]
    X[rng.random(X.shape) < 0.15] = np.nan  # missing values are routed as scikit-learn routes them
    regret = np.abs(rng.normal(size=(120, 9)))
    _, _, forest = forest_proximity(X, regret, X[0], n_trees=25, random_state=3, return_forest=True)
    stored = _StoredForest.from_arrays(_StoredForest.arrays_of(forest))
    queries = np.vstack([X, rng.normal(size=(200, 6)) * [1, 10, 100, 1e-3, 1, 1]])
    queries[rng.random(queries.shape) < 0.2] = np.nan
    queries[:5] = np.nextafter(queries[:5], np.inf)  # values a hair above the stored ones (float32 rounding)
    np.testing.assert_array_equal(stored.apply(queries), forest.apply(queries))
    np.testing.assert_array_equal(stored.feature_importances_, forest.feature_importances_)
    # arrays that do not form trees over these features (a loop, a feature out of range) are refused
    arrays = _StoredForest.arrays_of(forest)
    looped = {**arrays, "left": np.where(arrays["left"] == -1, -1, 0)}
    with pytest.raises(ValueError, match="not a forest"):
        _StoredForest.from_arrays(looped, 6)
    with pytest.raises(ValueError, match="not a forest"):
        _StoredForest.from_arrays(arrays, 5)


FRESH = """
import json, sys
import metalearn.recommender.online as R  # the query stage, which fits the forest when none is stored
from metalearn.kb import KnowledgeBase
fits = []
fit = R.forest_proximity
R.forest_proximity = lambda *a, **k: fits.append(1) or fit(*a, **k)
with KnowledgeBase.open(sys.argv[1], create=False) as kb:
    res = R.Recommender(kb, n_trees=20).explain(meta_features=json.loads(sys.argv[2]), task="binary", top=3)
print(json.dumps({"recs": [r.to_dict() for r in res.recommendations],
                  "near": [[n.dataset_id, n.distance, n.weight, [list(f) for f in n.near_features]] for n in res.neighbours],
                  "fits": len(fits)}))
"""


def test_a_new_process_recommends_from_the_stored_forest(tmp_path):
    """The first query stores the validation and the forest in the KB; the next process reuses them.

    The second process fits no forest; that it imports no scikit-learn either (the registry check
    of every pick no longer imports it) is tests/test_import_cost.py's check."""
    import json
    import subprocess
    import sys

    query = {"MinorityClassPercentage": 6.0, "NumberOfInstances": 800.0, "NumberOfFeatures": 12.0,
             "NumberOfClasses": 2.0}
    _small_kb(tmp_path / "kb.sqlite").close()

    def fresh():
        out = subprocess.run([sys.executable, "-c", FRESH, str(tmp_path / "kb.sqlite"), json.dumps(query)],
                             check=True, capture_output=True, text=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    first, second = fresh(), fresh()
    assert first["fits"] == 1 and second["fits"] == 0
    assert first["recs"] == second["recs"] and first["near"] == second["near"]
    assert second["recs"][0]["algorithm"] == "GaussianNB"


# --------------------------------------------------------------------------- #15 items 2 and 5, #12 item 4
def _craft_unregistered(path):
    """The small KB with its GaussianNB configuration (best on half the datasets) renamed ``os.system``
    by hand in the file: a row no KB method would write."""
    import sqlite3

    _small_kb(path).close()
    con = sqlite3.connect(path)
    with con:
        con.execute("INSERT INTO algorithms (name) VALUES ('os.system')")
        new_id = con.execute("SELECT algorithm_id FROM algorithms WHERE name = 'os.system'").fetchone()[0]
        con.execute("UPDATE configurations SET algorithm_id = ? WHERE algorithm_id = "
                    "(SELECT algorithm_id FROM algorithms WHERE name = 'GaussianNB')", (new_id,))
    con.close()


def test_unregistered_algorithm_marked_valid_in_the_derived_cache_is_never_listed(tmp_path):
    import sqlite3

    path = tmp_path / "kb.sqlite"
    _craft_unregistered(path)
    query = {"MinorityClassPercentage": 4.0, "NumberOfInstances": 1000.0, "NumberOfFeatures": 10.0,
             "NumberOfClasses": 2.0}
    with KnowledgeBase.open(path, create=False) as kb:
        assert "os.system" in {a for a, _ in kb.run_scores("balanced_accuracy").configurations.values()}
        first = Recommender(kb, n_trees=20).recommend(meta_features=query, task="binary", top=6)
    con = sqlite3.connect(path)
    keys = [part.split(":", 2)[2] for (part,) in
            con.execute("SELECT part FROM runs_matrix WHERE part LIKE 'derived:validated:%'")]
    con.close()
    assert keys  # the outcome was stored: now mark every configuration valid in it
    with KnowledgeBase.open(path, create=False) as kb:
        for key in keys:
            _, info = kb.derived("validated", key)
            assert None in info["params"]  # os.system was stored as invalid
            info["params"] = [{} if p is None else p for p in info["params"]]
            assert kb.store_derived("validated", key, {}, info=info)
        for rec in (Recommender(kb, n_trees=20), Recommender(kb, n_trees=20, validate=False)):
            recs = rec.recommend(meta_features=query, task="binary", top=6)
            assert recs and all(r.algorithm != "os.system" for r in recs)
            # the same registered configurations (the hint's extra column may shift the priors' order)
            assert {r.configuration_id for r in recs} == {r.configuration_id for r in first}
            assert recs[0].configuration_id == first[0].configuration_id
            assert all(r.algorithm in space.algorithms_for("binary") for r in recs)


def test_validation_and_forest_caches_that_do_not_decode_are_misses(tmp_path):
    import sqlite3

    path = tmp_path / "kb.sqlite"
    query = {"MinorityClassPercentage": 4.0, "NumberOfInstances": 1000.0, "NumberOfFeatures": 10.0,
             "NumberOfClasses": 2.0}
    _small_kb(path).close()
    with KnowledgeBase.open(path, create=False) as kb:
        expected = [r.to_dict() for r in Recommender(kb, n_trees=20).recommend(meta_features=query, task="binary")]
    con = sqlite3.connect(path)
    parts = [p for (p,) in con.execute("SELECT part FROM runs_matrix WHERE part LIKE 'derived:%'")]
    con.close()
    assert any(":validated:" in p for p in parts) and any(":forest:" in p for p in parts)
    garbage = [
        ({}, {"params": "not a list"}), ({}, {"params": [1, 2]}), ({}, {"params": [{"__tuple__": 5}] * 6}),
        ({}, {"params": [None]}), ({}, None), ({}, {"nothing": 1}), ({}, {"params": [["a"]] * 6}),
    ]
    forests = [
        {"offsets": np.array([0, 1]), "left": np.array([5]), "right": np.array([5]), "feature": np.array([0]),
         "threshold": np.array([0.0]), "missing_left": np.array([0], np.uint8), "importances": np.ones(4),
         "leaves": np.zeros((16, 1), np.int64)},
        {"leaves": np.zeros((16, 20), np.int64)},
        {"offsets": np.array([0, 1]), "left": np.array([-1]), "right": np.array([-1]), "feature": np.array([-2]),
         "threshold": np.array([0.0]), "missing_left": np.array([0], np.uint8), "importances": np.ones(4),
         "leaves": np.full((16, 1), 7, np.int64)},
    ]
    for i in range(max(len(garbage), len(forests))):
        with KnowledgeBase.open(path, create=False) as kb:
            for part in parts:
                _, name, key = part.split(":", 2)
                if name == "validated":
                    arrays, info = garbage[i % len(garbage)]
                    kb.store_derived(name, key, arrays, info=info)
                elif name == "forest":
                    kb.store_derived(name, key, forests[i % len(forests)])
            got = [r.to_dict() for r in Recommender(kb, n_trees=20).recommend(meta_features=query, task="binary")]
            assert got == expected, i


@pytest.mark.parametrize("metric, match", [
    ("balanced_acuracy", r"unknown metric 'balanced_acuracy': did you mean balanced_accuracy"),
    ("r2", r"metric 'r2' is a regression metric but the task is binary"),
    ("no_such_scorer_at_all", r"unknown metric 'no_such_scorer_at_all'"),
])
def test_recommend_validates_the_metric(tmp_path, metric, match):
    from metalearn.exceptions import MetricError

    with _small_kb(tmp_path / "kb.sqlite") as kb:
        with pytest.raises(MetricError, match=match):
            Recommender(kb, n_trees=20).recommend(meta_features={"NumberOfInstances": 500.0}, task="binary",
                                                  metric=metric)
        with pytest.raises(MetricError, match="classification metric but the task is regression"):
            Recommender(kb, n_trees=20).recommend(meta_features={"NumberOfInstances": 500.0}, task="regression",
                                                  metric="accuracy")
        # a real scorer of the task without runs is the documented fallback, not an error
        recs = Recommender(kb, n_trees=20).recommend(meta_features={"NumberOfInstances": 500.0}, task="binary",
                                                     metric="f1_macro")
        assert recs[0].reason == "metric fallback: no runs of f1_macro, used balanced_accuracy"


def test_cli_recommend_unknown_metric_exits_2_naming_the_nearest(tmp_path):
    from click.testing import CliRunner

    from metalearn.cli import main

    _small_kb(tmp_path / "kb.sqlite").close()
    out = CliRunner().invoke(main, ["recommend", "data/examples/kr-vs-kp.csv", "--kb", str(tmp_path / "kb.sqlite"),
                                    "--metric", "balanced_acuracy"])
    assert out.exit_code == 2, out.output
    assert "did you mean balanced_accuracy" in out.output and "Traceback" not in out.output


def test_exclude_names_case_insensitive_and_unknown_names_warn_with_near_matches(tmp_path):
    from metalearn.recommender import RecommendationWarning

    with _small_kb(tmp_path / "kb.sqlite") as kb:
        rec = Recommender(kb, n_trees=20)
        q = {"MinorityClassPercentage": 4.0, "NumberOfInstances": 1000.0, "NumberOfClasses": 2.0}
        base = rec.explain(meta_features=q, task="binary")
        ds = kb.datasets_frame()
        toy3 = int(ds.index[ds["name"] == "toy3"][0])
        for spelling in ("TOY3", "Toy3", " toy3 ", str(toy3), toy3):
            res = rec.explain(meta_features=q, task="binary", exclude_datasets=[spelling])
            assert res.n_datasets == base.n_datasets - 1, spelling
            assert toy3 not in {n.dataset_id for n in res.neighbours}
        with pytest.warns(RecommendationWarning, match=r"'toy33' matches no KB dataset.*nearest KB names: toy3"):
            res = rec.explain(meta_features=q, task="binary", exclude_datasets=["toy33"])
        assert res.n_datasets == base.n_datasets
        with pytest.warns(RecommendationWarning, match=r"'openml:999' matches no KB dataset"):
            rec.explain(meta_features=q, task="binary", exclude_datasets=["openml:999"])


def test_an_excluded_dataset_is_excluded_under_every_name_and_id(tmp_path):
    """Two KB rows of one dataset (another source's row of it under its name, without the OpenML id):
    excluding either by any of its names or ids leaves both out."""
    path = tmp_path / "kb.sqlite"
    kb = KnowledgeBase.open(path, create="empty")
    rng = np.random.default_rng(1)
    configs = [kb.add_configuration(a, space.validate_params(a, p)).configuration_id for a, p in CONFIGS]
    runs, ids = [], {}
    for i in range(8):
        extra = {"openml_id": 4000 + i} if i < 6 else {}
        ds = kb.add_dataset(f"toy{i}", task_type="binary", source=f"test:toy{i}", **extra)
        ids[f"toy{i}"] = ds.dataset_id
    twin = kb.add_dataset("TOY2", task_type="binary", source="other")
    ids["twin"] = twin.dataset_id
    for name, dataset_id in ids.items():
        kb.add_meta_features(dataset_id, {"NumberOfInstances": float(rng.integers(200, 5000)),
                                          "MinorityClassPercentage": float(rng.uniform(2, 50)),
                                          "NumberOfClasses": 2.0}, "metalearn test")
        runs += [RunInput(dataset_id, c, "balanced_accuracy", float(s), "5-fold CV")
                 for c, s in zip(configs, rng.uniform(0.5, 0.9, size=len(configs)))]
    kb.add_runs(runs)
    with kb:
        rec = Recommender(kb, n_trees=20)
        q = {"MinorityClassPercentage": 4.0, "NumberOfInstances": 1000.0, "NumberOfClasses": 2.0}
        n = rec.explain(meta_features=q, task="binary").n_datasets
        assert n == 9
        for spelling in ("toy2", "openml:4002", "Toy2", ids["twin"], ids["toy2"], str(ids["twin"])):
            res = rec.explain(meta_features=q, task="binary", exclude_datasets=[spelling], n_neighbours=9)
            assert res.n_datasets == n - 2, spelling
            assert not {ids["toy2"], ids["twin"]} & {nb.dataset_id for nb in res.neighbours}


def test_the_table_shows_changed_parameters_in_full_wrapped_and_the_neighbours_distances(tmp_path):
    from metalearn.recommender import RecommendationResult

    long = {"n_estimators": 300, "max_features": 0.123456, "min_samples_leaf": 7, "criterion": "entropy",
            "class_weight": "balanced_subsample", "max_depth": 17, "min_samples_split": 9}
    params = space.validate_params("RandomForestClassifier", {**space.default_params("RandomForestClassifier"),
                                                              **long})
    from metalearn.recommender import Evidence

    ev = tuple(Evidence(i, f"neighbour-dataset-{i}", None, 0.1 * i, 0.8) for i in range(4))
    rec = Recommendation("RandomForestClassifier", params, 0.9, 0.01, ev, 1, "nearest-neighbour portfolio", 7, 12)
    result = RecommendationResult((rec,), (), "binary", "balanced_accuracy", "nearest-neighbour portfolio", (), 20, 30)
    text = result.to_text(width=72)
    lines = text.splitlines()
    assert all(len(line) <= 72 for line in lines), text
    flat = " ".join(line.strip() for line in lines)
    for k, v in long.items():
        shown = f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v!r}" if isinstance(v, str) else f"{k}={v}"
        assert shown in flat, shown  # whole, on one line
    unchanged = [k for k, v in params.items() if k not in long and space.default_params("RandomForestClassifier").get(k) == v]
    assert unchanged and not any(f"{k}=" in flat for k in unchanged)  # defaults are not repeated
    assert "12 datasets" in lines[1]
    assert "neighbour-dataset-0 (distance 0.00, score 0.800)" in flat
    assert "neighbour-dataset-2 (distance 0.20, score 0.800)" in flat
    assert "neighbour-dataset-3" not in flat  # three nearest by default


def test_a_configuration_run_on_two_datasets_is_not_first_where_it_has_no_runs(tmp_path):
    """A configuration run only on two datasets where it beat five weak ones (regret 0 there) is not
    recommended first for a query whose neighbours never ran it: its evidence is shrunk toward its
    algorithm's and the global regret (#12 item 2), not read as 'regret 0 everywhere'."""
    kb = _small_kb(tmp_path / "kb.sqlite")
    thin = kb.add_configuration("LogisticRegression", space.validate_params("LogisticRegression", {"C": 0.1}))
    configs = [kb.add_configuration(a, space.validate_params(a, p)).configuration_id for a, p in CONFIGS]
    runs = []
    for i in range(2):
        ds = kb.add_dataset(f"thin{i}", task_type="binary", source=f"test:thin{i}")
        kb.add_meta_features(ds.dataset_id, {"MinorityClassPercentage": 40.0 + i, "NumberOfInstances": 3000.0,
                                             "NumberOfFeatures": 30.0, "NumberOfClasses": 2.0}, "metalearn test")
        runs += [RunInput(ds.dataset_id, c, "balanced_accuracy", 0.6, "holdout") for c in configs[1:]]
        runs.append(RunInput(ds.dataset_id, thin.configuration_id, "balanced_accuracy", 0.95, "holdout"))
    kb.add_runs(runs)
    with kb:
        recs = Recommender(kb, n_trees=50).recommend(
            meta_features={"MinorityClassPercentage": 4.0, "NumberOfInstances": 1000.0, "NumberOfFeatures": 10.0,
                           "NumberOfClasses": 2.0}, task="binary", top=3)
        assert recs[0].algorithm == "GaussianNB"
        assert recs[0].configuration_id != thin.configuration_id
        assert recs[0].n_datasets == 16  # the toys it was run on (the explanation counts its support)
