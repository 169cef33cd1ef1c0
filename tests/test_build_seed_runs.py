"""The seed's own runs (kb/seed/metalearn-*, written by scripts/grow_seed.py): complete, consistent, importable."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from metalearn import space
from metalearn._canonical import config_hash
from metalearn._version import __version__
from metalearn.kb import KnowledgeBase

SEED = Path(__file__).resolve().parents[1] / "kb" / "seed"
FILES = ("sources.csv", "datasets.csv.gz", "qualities.csv.gz", "configurations.csv.gz", "runs.csv.gz")

pytestmark = pytest.mark.skipif(not (SEED / "metalearn-runs.csv.gz").exists(), reason="seed runs not generated")


def _table(name: str) -> pd.DataFrame:
    return pd.read_csv(SEED / f"metalearn-{name}", keep_default_na=False, na_values=[""])


def test_every_algorithm_of_the_space_has_ok_runs_in_both_families():
    runs, configs = _table("runs.csv.gz"), _table("configurations.csv.gz").set_index("config_hash")
    ok = runs[runs["status"] == "ok"]
    algorithms = set(configs.loc[ok["config_hash"], "algorithm"])
    assert algorithms == set(space.ALGORITHMS), sorted(set(space.ALGORITHMS) - algorithms)
    datasets = _table("datasets.csv.gz").set_index("dataset_key")
    assert set(datasets.loc[ok["dataset_key"], "task_type"]) >= {"binary", "multiclass", "regression"}


def test_rows_are_consistent_and_carry_provenance():
    sources = _table("sources.csv").set_index("source_id")
    datasets, configs = _table("datasets.csv.gz"), _table("configurations.csv.gz")
    runs, qualities = _table("runs.csv.gz"), _table("qualities.csv.gz")
    for frame in (datasets, configs, runs, qualities):
        assert frame["source_id"].isin(sources.index).all()
    assert (sources["license"].str.len() > 0).all()
    own = sources.loc[runs["source_id"].unique()]
    assert set(own["package"]) == {"metalearn"} and set(own["version"]) == {__version__}
    assert runs["dataset_key"].isin(datasets["dataset_key"]).all()
    assert runs["config_hash"].isin(configs["config_hash"]).all()
    assert qualities["dataset_key"].isin(datasets["dataset_key"]).all()
    for row in configs.itertuples():
        assert config_hash(row.algorithm, json.loads(row.params)) == row.config_hash
    assert not runs.duplicated(["dataset_key", "config_hash", "metric", "protocol"]).any()
    assert runs.loc[runs["status"] == "ok", "score"].notna().all()


def test_the_kb_importer_reads_them(tmp_path):
    seed = tmp_path / "seed"
    seed.mkdir()
    for name in FILES:
        shutil.copy(SEED / f"metalearn-{name}", seed / name)
    with KnowledgeBase.open(tmp_path / "kb.sqlite", create="seed", seed_dir=seed) as kb:
        runs = kb.runs_frame(status=None)
        assert len(runs) == len(_table("runs.csv.gz"))
        assert runs["source"].str.startswith(f"metalearn {__version__}").all()
        assert "HistGradientBoostingRegressor" in set(runs.loc[runs["status"] == "ok", "algorithm"])


def test_default_seed_kb_holds_our_runs_for_every_algorithm(tmp_path):
    """The shipped seed's own runs arrive in a KB created from the default seed, beside the others."""
    with KnowledgeBase.open(tmp_path / "kb.sqlite", create="seed") as kb:
        runs = kb.runs_frame(status=None)
        ours = runs[runs["source"].str.startswith("metalearn") & runs["source"].str.endswith("scripts/grow_seed.py")]
        assert set(ours.loc[ours["status"] == "ok", "algorithm"]) == set(space.ALGORITHMS)
        assert len(ours) == len(_table("runs.csv.gz"))
        assert {"oboe", "lcdb", "auto-sklearn"} <= set(runs["source"].str.split().str[0])
        assert kb.check().issues == ()
