"""Tests of metalearn.recommend: on the real seed KB and on small KBs built here."""

from __future__ import annotations

import numpy as np
import pytest

from metalearn import space
from metalearn.exceptions import MetaLearnError, RecommendationError
from metalearn.kb import KnowledgeBase, RunInput
from metalearn.recommend import Recommendation, Recommender, recommend

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
    from metalearn.recommend import QUERY_GROUPS

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
    """The KB without its cached runs arrays: the recommender reads ``runs_frame`` as it did before."""

    def __init__(self, kb):
        self._kb = kb
        self.path = kb.path

    def datasets_frame(self):
        return self._kb.datasets_frame()

    def meta_features_frame(self):
        return self._kb.meta_features_frame()

    def runs_frame(self, **kwargs):
        return self._kb.runs_frame(**kwargs)


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
        kb.add_runs(RunInput(d, extra, "balanced_accuracy", 0.999, "10-fold CV") for d in ids)
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
    from metalearn.recommend import _StoredForest, forest_proximity

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
from metalearn.kb import KnowledgeBase
from metalearn.recommend import Recommender
with KnowledgeBase.open(sys.argv[1], create=False) as kb:
    res = Recommender(kb, n_trees=20).explain(meta_features=json.loads(sys.argv[2]), task="binary", top=3)
print(json.dumps({"recs": [r.to_dict() for r in res.recommendations],
                  "near": [[n.dataset_id, n.distance, n.weight, [list(f) for f in n.near_features]] for n in res.neighbours],
                  "sklearn": "sklearn" in sys.modules}))
"""


def test_a_new_process_recommends_from_the_kb_without_scikit_learn(tmp_path):
    """The first query stores the validation and the forest in the KB; the next process reuses them."""
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
    assert first["sklearn"] is True and second["sklearn"] is False
    assert first["recs"] == second["recs"] and first["near"] == second["near"]
    assert second["recs"][0]["algorithm"] == "GaussianNB"
