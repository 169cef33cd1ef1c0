"""Corrupted derived KB data never breaks recommend (#15): a hypothesis property test.

A tiny KB (made here: 8 datasets with meta-features, 4 registry configurations, their runs) is
recommended from once, which stores its derived rows (runs_matrix: the runs cache and the
recommender's derived data; meta_feature_matrix). Each example copies that file and corrupts
1-3 derived rows at random: random bytes, truncation, extension, JSON garbage, a forged
``os.system`` configuration, another generation. ``metalearn.recommend`` must then raise nothing
but a MetaLearnError, list only registry algorithms, and give the answer of the intact KB (the
cache is rebuilt, never trusted).

Examples: the "ci" profile (default) runs 60; ``HYPOTHESIS_PROFILE=full`` runs 500 (the #15 target).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import metalearn
from metalearn.exceptions import MetaLearnError
from metalearn.kb import DatasetInput, KnowledgeBase, RunInput
from metalearn.space import ALGORITHMS

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("full", max_examples=500, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
CONFIGS = [("GaussianNB", {}), ("LogisticRegression", {"C": 0.5}), ("DecisionTreeClassifier", {"max_depth": 3}),
           ("KNeighborsClassifier", {"n_neighbors": 7})]


def _query():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    return metalearn.load_dataset(X, (X["a"] > 0).astype(int).to_numpy(), task="binary", name="query")


def _answer(recs):
    return [(r.algorithm, json.dumps(dict(r.params), sort_keys=True, default=str)) for r in recs]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    path = tmp_path_factory.mktemp("corrupt") / "kb.sqlite"
    query = _query()
    mf = dict(metalearn.characterize(query))
    rng = np.random.default_rng(1)
    with KnowledgeBase.open(path, create="empty") as kb:
        ids = kb.add_datasets([DatasetInput(f"d{i}", task_type="binary", source="test", openml_id=1000 + i)
                               for i in range(8)])
        kb.add_meta_features_many({d: {k: (v * (1 + 0.1 * d) if np.isfinite(v) else v) for k, v in mf.items()}
                                   for d in ids}, "metalearn")
        configs = [kb.add_configuration(a, p).configuration_id for a, p in CONFIGS]
        kb.add_runs([RunInput(d, c, "balanced_accuracy", float(rng.uniform(0.5, 1.0)), "5-fold CV")
                     for d in ids for c in configs])
    expected = _answer(metalearn.recommend(query, kb=str(path), top=3))  # stores the derived rows
    con = sqlite3.connect(path)
    parts = [("runs_matrix", p) for (p,) in con.execute("SELECT part FROM runs_matrix")]
    parts += [("meta_feature_matrix", p) for (p,) in con.execute("SELECT part FROM meta_feature_matrix")]
    con.close()
    assert parts, "the recommender stored no derived rows to corrupt"
    return path, query, expected, parts


FORGED = json.dumps([[1, "os.system", {"command": "touch /tmp/pwned"}]]).encode()
DAMAGE = st.one_of(
    st.binary(max_size=64).map(lambda b: ("replace", b)),
    st.integers(0, 64).map(lambda n: ("truncate", n)),
    st.binary(min_size=1, max_size=16).map(lambda b: ("extend", b)),
    st.sampled_from([b"{not json", b"[]", b"null", b'{"a": 1}', b"\xff\xfe", FORGED]).map(lambda b: ("replace", b)),
    st.integers(-3, 3).map(lambda g: ("generation", g)),
)


def _corrupt(path, table, part, how, value):
    con = sqlite3.connect(path)
    with con:
        if how == "generation":
            if table == "runs_matrix":
                con.execute("UPDATE runs_matrix SET generation = generation + ? WHERE part = ?", (value, part))
            return
        (data,) = con.execute(f"SELECT data FROM {table} WHERE part = ?", (part,)).fetchone()
        data = bytes(data) if isinstance(data, (bytes, memoryview)) else str(data).encode()
        new = {"replace": lambda: value, "truncate": lambda: data[:value], "extend": lambda: data + value}[how]()
        con.execute(f"UPDATE {table} SET data = ? WHERE part = ?", (new, part))
    con.close()


@settings(settings.get_profile(PROFILE))
@given(data=st.data())
def test_corrupted_derived_rows_never_break_recommend(base, tmp_path, data):
    path, query, expected, parts = base
    copy = tmp_path / f"kb-{data.draw(st.integers(0, 10**9))}.sqlite"
    shutil.copy(path, copy)
    for table, part in data.draw(st.lists(st.sampled_from(parts), min_size=1, max_size=3, unique=True)):
        how, value = data.draw(DAMAGE)
        _corrupt(copy, table, part, how, value)
    try:
        recs = metalearn.recommend(query, kb=str(copy), top=3)
    except MetaLearnError:
        return
    assert all(r.algorithm in ALGORITHMS for r in recs)
    assert _answer(recs) == expected
    again = _answer(metalearn.recommend(query, kb=str(copy), top=3))  # from the rebuilt cache
    assert again == expected
    copy.unlink()


def test_search_with_one_trial_on_a_kb_whose_every_derived_row_is_garbage(base, tmp_path):
    path, query, expected, parts = base
    copy = tmp_path / "kb.sqlite"
    shutil.copy(path, copy)
    for table, part in parts:
        _corrupt(copy, table, part, "replace", b"\xff{garbage")
    result = metalearn.search(query, kb=str(copy), n_trials=1, cv=2, seed=0, write_back=False, trial_timeout=120)
    assert result.algorithm in ALGORITHMS and result.trials[0].status == "ok"
    assert _answer(metalearn.recommend(query, kb=str(copy), top=3)) == expected
