"""One configuration per estimator in the KB (#12 item 1, KB side).

Every writer stores the canonical form (metalearn.space.canonical_config); schema migration 5
merges the duplicates an older KB holds, losing no run; `kb check` reports any left.
"""

from __future__ import annotations

import sqlite3

from click.testing import CliRunner
from sklearn.ensemble import RandomForestClassifier

from metalearn._canonical import canonical_json, config_hash
from metalearn.cli import main
from metalearn.kb import SCHEMA_VERSION, KnowledgeBase, RunInput, upgrade_kb
from metalearn.kb._schema import migrate

# one estimator, spelled as each source writes it
OBOE = ("RandomForestClassifier", {"max_features": 0.5, "criterion": "gini", "min_samples_split": 2})
AUTOSKLEARN = ("RandomForestClassifier", {
    "bootstrap": True, "criterion": "gini", "max_depth": None, "max_features": 0.5, "max_leaf_nodes": None,
    "min_impurity_decrease": 0.0, "min_samples_leaf": 1, "min_samples_split": 2, "min_weight_fraction_leaf": 0.0,
    "n_estimators": 100,
})
OPENML_FLOW = ("sklearn.ensemble.RandomForestClassifier", {
    "n_jobs": -1, "verbose": 0, "random_state": 42, "warm_start": False, "oob_score": False, "max_features": 0.5,
    "class_weight": None, "ccp_alpha": 0.0, "max_samples": None, "bootstrap": True, "criterion": "gini",
    "n_estimators": 100,
})
SEARCH = ("RandomForestClassifier", RandomForestClassifier(max_features=0.5, random_state=7, n_jobs=2).get_params())
SPELLINGS = [OBOE, AUTOSKLEARN, OPENML_FLOW, SEARCH]


def test_every_spelling_of_one_estimator_is_one_configuration(tmp_path):
    with KnowledgeBase.open(tmp_path / "kb.sqlite", create="empty") as kb:
        ids = {kb.add_configuration(a, p).configuration_id for a, p in SPELLINGS}
        assert len(ids) == 1
        (record,) = kb.configurations(ids)
        assert (record.algorithm, record.params_json) == ("RandomForestClassifier", '{"max_features":0.5}')
        assert all(kb.find_configuration(a, p).configuration_id in ids for a, p in SPELLINGS)
        assert kb.add_configuration("RandomForestClassifier", {"max_features": 0.25}).configuration_id not in ids
        assert kb.find_configuration("NoSuchAlgorithm", {}) is None
        assert kb.check().issues == ()


def _old_kb_with_duplicates(path):
    """A schema-4 KB holding the four spellings as four rows (as written before canonical forms), with runs."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=4)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO sources (name, package) VALUES ('oboe 1', 'oboe'), ('openml-server', 'openml')")
    conn.execute("INSERT INTO datasets (key, name, source, task_type, source_id, created_at) "
                 "VALUES ('x:a', 'a', 'x', 'binary', 1, 0), ('x:b', 'b', 'x', 'binary', 1, 0)")
    conn.execute("INSERT INTO algorithms (name) VALUES ('RandomForestClassifier'), "
                 "('sklearn.ensemble.RandomForestClassifier'), ('SVC')")
    conn.execute("INSERT INTO metrics (name) VALUES ('accuracy')")
    conn.execute("INSERT INTO protocols (name) VALUES ('5-fold CV')")
    rows = SPELLINGS + [("SVC", {"C": 1.0, "kernel": "rbf"}), ("SVC", {})]
    for algorithm, params in rows:
        conn.execute(
            "INSERT INTO configurations (algorithm_id, params, config_hash, source_id) "
            "VALUES ((SELECT algorithm_id FROM algorithms WHERE name = ?), ?, ?, ?)",
            (algorithm, canonical_json(params), config_hash(algorithm, params), 1 if "." not in algorithm else 2),
        )
    run_id = 0
    for configuration_id in range(1, len(rows) + 1):
        for dataset_id in (1, 2):
            run_id += 1
            conn.execute(
                "INSERT INTO runs (dataset_id, configuration_id, metric_id, score, protocol_id, status, source_id, "
                "openml_run_id, created_at) VALUES (?, ?, 1, ?, 1, 'ok', ?, ?, 0)",
                (dataset_id, configuration_id, 0.5 + run_id / 100, 1 + configuration_id % 2,
                 run_id if configuration_id == 3 else None),
            )
    conn.execute("COMMIT")
    conn.close()
    return rows


def _runs(path):
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute(
            "SELECT r.run_id, r.dataset_id, a.name, c.params, r.score, r.source_id, r.openml_run_id FROM runs r "
            "JOIN configurations c USING (configuration_id) JOIN algorithms a ON a.algorithm_id = c.algorithm_id"))
    finally:
        conn.close()


def test_upgrade_merges_duplicate_configurations_and_loses_no_run(tmp_path):
    path = tmp_path / "old.sqlite"
    rows = _old_kb_with_duplicates(path)
    before = _runs(path)
    assert len(before) == 2 * len(rows)
    assert upgrade_kb(path) == (4, SCHEMA_VERSION)
    after = _runs(path)
    # every run is kept with its dataset, score, source and OpenML id; only its configuration changed
    assert [(r[0], r[1], r[4], r[5], r[6]) for r in after] == [(r[0], r[1], r[4], r[5], r[6]) for r in before]
    assert {(r[2], r[3]) for r in after} == {("RandomForestClassifier", '{"max_features":0.5}'), ("SVC", "{}")}
    with KnowledgeBase.open(path) as kb:
        assert kb.stats().n_configurations == 2
        assert kb.stats().n_runs == len(before)
        assert kb.check().issues == ()
        forest = kb.find_configuration(*OPENML_FLOW)
        assert forest.configuration_id == 1 and forest.provenance == "oboe 1"  # the first row is kept
        svc = kb.find_configuration("SVC", {"kernel": "rbf"})
        assert set(kb.run_scores("accuracy").configuration_id.tolist()) == {forest.configuration_id, svc.configuration_id}


def test_check_reports_duplicate_estimators_and_merge_configurations_removes_them(tmp_path):
    path = tmp_path / "kb.sqlite"
    with KnowledgeBase.open(path, create="empty") as kb:
        keep = kb.add_configuration("SVC", {"C": 2.0})
        ds = kb.add_dataset("a", task_type="binary", source="x")
        kb.add_runs([RunInput(ds.dataset_id, keep.configuration_id, "accuracy", 0.7, "5-fold CV")])
    conn = sqlite3.connect(path)
    with conn:  # a row written by an older metalearn, bypassing add_configuration
        old = {"C": 2, "kernel": "rbf", "random_state": 0}
        conn.execute("INSERT INTO configurations (algorithm_id, params, config_hash, source_id) VALUES (1, ?, ?, 1)",
                     (canonical_json(old), config_hash("SVC", old)))
        conn.execute("INSERT INTO runs (dataset_id, configuration_id, metric_id, score, protocol_id, status, "
                     "source_id, created_at) VALUES (1, 2, 1, 0.8, 1, 'ok', 1, 0)")
    conn.close()
    code = CliRunner().invoke(main, ["kb", "check", "--kb", str(path)])
    assert "duplicate estimator" in code.output and "configuration 1" in code.output, code.output
    with KnowledgeBase.open(path) as kb:
        (issue,) = kb.check().issues
        assert (issue.table, issue.row_id, issue.kind) == ("configurations", 2, "duplicate estimator")
        assert kb.merge_configurations() == (2, 1)
        assert kb.check().issues == ()
        assert kb.runs_frame()["configuration_id"].tolist() == [1, 1]
        assert kb.runs_frame()["score"].tolist() == [0.7, 0.8]


def test_a_kb_from_the_shipped_seed_has_no_duplicate_estimators(tmp_path):
    from metalearn.kb._configurations import duplicate_configurations

    with KnowledgeBase.open(tmp_path / "kb.sqlite") as kb:
        groups = duplicate_configurations(kb._conn)
        assert groups and all(len(ids) == 1 for _, _, ids in groups.values())
        stored = dict(kb._conn.execute("SELECT configuration_id, params FROM configurations"))
        assert all(stored[ids[0]] == text for _, text, ids in groups.values())  # stored in canonical form
