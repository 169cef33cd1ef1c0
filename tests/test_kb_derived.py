"""The KB's caches and derived data are hints, never authority (#15 item 5).

Whatever a cache row holds (non-JSON, non-UTF-8, a blob of odd length, a column of the wrong length,
another generation), reading it is a miss: the value is rebuilt from the tables, never an error.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from metalearn.kb import DatasetInput, KnowledgeBase, RunInput


@pytest.fixture
def kb_path(tmp_path):
    path = tmp_path / "kb.sqlite"
    with KnowledgeBase.open(path, create="empty") as kb:
        ids = kb.add_datasets([DatasetInput(f"d{i}", task_type="binary", source="x", openml_id=i) for i in (1, 2, 3)])
        kb.add_meta_features_many({d: {"a": float(d), "b": 2.0 * d} for d in ids}, "openml-server")
        configs = [kb.add_configuration("SVC", {"C": c}).configuration_id for c in (1.0, 2.0)]
        kb.add_runs([RunInput(d, c, "accuracy", 0.5 + 0.1 * d + 0.01 * c, "5-fold CV") for d in ids for c in configs])
    return path


def _truth(path):
    with KnowledgeBase.open(path) as kb:
        frame = kb.runs_frame(metric="accuracy")
        return frame, kb.meta_features_frame([1, 2, 3])


def _damage(path, table, part_like, value):
    conn = sqlite3.connect(path)
    with conn:
        n = conn.execute(f"UPDATE {table} SET data = ? WHERE part LIKE ?", (value, part_like)).rowcount
    conn.close()
    assert n >= 1, f"no {table} row like {part_like}"


RUNS_DAMAGE = [
    ("accuracy:configurations", b"\xff\xfe not utf-8"),
    ("accuracy:configurations", b"{not json"),
    ("accuracy:configurations", b'[[1, "SVC"]]'),  # rows of the wrong width
    ("accuracy:configurations", b"[]"),  # configurations missing for the ids
    ("accuracy:score", b"\x00" * 13),  # not a multiple of 8
    ("accuracy:score", b"\x00" * 8),  # one score for six runs
    ("accuracy:dataset_id", b""),
    ("accuracy:configuration_id", np.array([99] * 6, dtype="<i8").tobytes()),  # unknown configuration ids
    ("accuracy:score", "text, not a blob"),
]


@pytest.mark.parametrize("part, value", RUNS_DAMAGE, ids=[f"{p}-{i}" for i, (p, _) in enumerate(RUNS_DAMAGE)])
def test_a_runs_cache_row_that_does_not_decode_is_a_miss_rebuilt(kb_path, part, value):
    frame, _ = _truth(kb_path)
    with KnowledgeBase.open(kb_path) as kb:
        kb.run_scores("accuracy")  # fills the cache
    _damage(kb_path, "runs_matrix", part, value)
    with KnowledgeBase.open(kb_path) as kb:
        for _ in range(2):  # the miss, then the rebuilt cache
            scores = kb.run_scores("accuracy")
            assert scores.dataset_id.tolist() == frame["dataset_id"].tolist()
            assert scores.configuration_id.tolist() == frame["configuration_id"].tolist()
            assert scores.score.tolist() == frame["score"].tolist()
            assert scores.configurations == {
                int(c): (a, p) for c, a, p in frame[["configuration_id", "algorithm", "params"]].drop_duplicates()
                .itertuples(index=False)
            }


MATRIX_DAMAGE = [
    ("columns", b"\xff\xfe"), ("columns", b"{not json"), ("columns", b'{"a": 1}'), ("columns", b"[1, 2]"),
    ("column:a", b"\x00" * 12), ("column:a", b"\x00" * 8), ("index", b"\x00" * 5),
]


@pytest.mark.parametrize("part, value", MATRIX_DAMAGE, ids=[f"{p}-{i}" for i, (p, _) in enumerate(MATRIX_DAMAGE)])
def test_a_meta_feature_matrix_row_that_does_not_decode_is_a_miss_rebuilt(kb_path, part, value):
    _, wide = _truth(kb_path)
    with KnowledgeBase.open(kb_path) as kb:
        kb.meta_features_frame()  # fills the cache
    _damage(kb_path, "meta_feature_matrix", part, value)
    with KnowledgeBase.open(kb_path) as kb:
        for _ in range(2):
            got = kb.meta_features_frame()
            assert got.index.tolist() == wide.index.tolist() and got.columns.tolist() == wide.columns.tolist()
            assert np.array_equal(got.to_numpy(), wide.to_numpy())


DERIVED_DAMAGE = [
    b"", b"\x05", (100).to_bytes(8, "little") + b"{}", (2).to_bytes(8, "little") + b"\xff\xfe",
    (2).to_bytes(8, "little") + b"[]", (9).to_bytes(8, "little") + b'{"arrays"}',
    (27).to_bytes(8, "little") + b'{"arrays":[["x","|O",[1],0,8]]}' + b"\x00" * 8,
    (31).to_bytes(8, "little") + b'{"arrays":[["x","<f8",[3],0,24]]}' + b"\x00" * 5,
    "text",
]


@pytest.mark.parametrize("value", DERIVED_DAMAGE, ids=range(len(DERIVED_DAMAGE)))
def test_derived_data_that_does_not_decode_is_a_miss(kb_path, value):
    with KnowledgeBase.open(kb_path) as kb:
        assert kb.store_derived("demo", "k", {"x": np.arange(3.0)}, info={"n": 3})
        assert kb.derived("demo", "k")[0]["x"].tolist() == [0.0, 1.0, 2.0]
    _damage(kb_path, "runs_matrix", "derived:demo:k", value)
    with KnowledgeBase.open(kb_path) as kb:
        assert kb.derived("demo", "k") is None
        assert kb.store_derived("demo", "k", {"x": np.arange(2.0)})
        assert kb.derived("demo", "k")[0]["x"].tolist() == [0.0, 1.0]


def test_derived_data_of_another_runs_generation_is_a_miss(kb_path):
    with KnowledgeBase.open(kb_path) as kb:
        assert kb.store_derived("demo", "k", {"x": np.arange(3.0)})
        conn = sqlite3.connect(kb_path)
        with conn:
            conn.execute("UPDATE kb_state SET value = value + 1 WHERE key = 'runs_generation'")
        conn.close()
        assert kb.derived("demo", "k") is None
