"""LCDB (``lcdb==0.1.0``): OpenML server qualities and the learning curves of default classifiers."""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

import pandas as pd

from metalearn._seedtools.sources import SERVER_COMPUTED_BY, Archive, Seed, make_source, task_from_classes

LCDB_LEARNERS = {
    "SVC_linear": ("LinearSVC", {}),
    "SVC_poly": ("SVC", {"kernel": "poly"}),
    "SVC_rbf": ("SVC", {"kernel": "rbf"}),
    "SVC_sigmoid": ("SVC", {"kernel": "sigmoid"}),
}


# LCDB file -> (our metric, sign applied to LCDB's value)
LCDB_METRICS = {
    "accuracy": ("accuracy", 1.0),
    "auc": ("roc_auc", 1.0),
    "f1": ("f1", 1.0),
    "logloss": ("neg_log_loss", -1.0),
}


def lcdb_learner(name: str) -> tuple[str, dict[str, Any]]:
    """LCDB learner name -> (registry name, kwargs LCDB passed).

    >>> lcdb_learner("sklearn.tree.DecisionTreeClassifier")
    ('DecisionTreeClassifier', {})
    >>> lcdb_learner("SVC_poly")
    ('SVC', {'kernel': 'poly'})
    """
    if name in LCDB_LEARNERS:
        algorithm, params = LCDB_LEARNERS[name]
        return algorithm, dict(params)
    return name.rsplit(".", 1)[-1], {}


def lcdb_protocol(train_size: int, n_seeds: int) -> str:
    return f"learning curve (train size {train_size}), mean of {n_seeds} seeds"


def read_lcdb(archive: Archive, seed: Seed) -> dict[str, tuple[int, ...]]:
    """Read LCDB's qualities and curves; returns lower-cased name -> OpenML ids (for auto-sklearn's names)."""
    member = archive.find("lcdb/datasets.csv")
    meta = pd.read_csv(io.BytesIO(archive.read(member)))
    src_q = seed.add_source(make_source(
        "lcdb", "lcdb-datasets", archive.relative(member),
        "OpenML server qualities (as returned by the OpenML API when LCDB was built) of 219 OpenML datasets"))
    quality_names = [c for c in meta.columns if c not in ("openmlid", "Name", "NumberOfFeaturesAfterBinarization")]
    seed.report["lcdb"]["server qualities per dataset (columns)"] = len(quality_names)
    for _, row in meta.iterrows():
        openml_id = int(row["openmlid"])
        key = f"openml:{openml_id}"
        n_features = row.get("NumberOfFeatures")
        seed.dataset(key, src_q, openml_id=openml_id, name=str(row["Name"]),
                     task_type=task_from_classes(row.get("NumberOfClasses")) or "classification",
                     n_rows=None if pd.isna(row["NumberOfInstances"]) else int(row["NumberOfInstances"]),
                     n_cols=None if pd.isna(n_features) else int(n_features) - 1)
        for name in quality_names:
            value = row[name]
            if not pd.isna(value):
                seed.quality(key, name, float(value), SERVER_COMPUTED_BY, src_q)
    seed.report["lcdb"]["datasets with qualities"] = meta["openmlid"].nunique()

    binary_ids: set[int] = set()
    for lcdb_metric, (metric, sign) in LCDB_METRICS.items():
        member = archive.find(f"lcdb/database-{lcdb_metric}.csv")
        src = seed.add_source(make_source(
            "lcdb", f"lcdb-{lcdb_metric}", archive.relative(member),
            f"Learning curves ({lcdb_metric}) of 20 scikit-learn classifiers with default hyperparameters; "
            f"kept: test-split score at the largest training size, mean over seeds, stored as {metric}"))
        curves = pd.read_csv(io.BytesIO(archive.read(member)),
                             usecols=["openmlid", "learner", "size_train", "outer_seed", "inner_seed",
                                      "traintime", "score_test"])
        curves = curves.dropna(subset=["score_test"])
        largest = curves.groupby(["openmlid", "learner"])["size_train"].transform("max")
        top = curves[curves["size_train"] == largest]
        agg = (top.groupby(["openmlid", "learner", "size_train"], sort=True)
                  .agg(score=("score_test", "mean"), fit_time=("traintime", "mean"), n=("score_test", "size"))
                  .reset_index())
        if lcdb_metric in ("auc", "f1"):
            binary_ids.update(int(i) for i in agg["openmlid"].unique())
        for row in agg.itertuples(index=False):
            key = f"openml:{int(row.openmlid)}"
            seed.dataset(key, src, openml_id=int(row.openmlid), task_type="classification")
            algorithm, params = lcdb_learner(row.learner)
            digest = seed.configuration(algorithm, params, src)
            seed.run(key, digest, metric, sign * row.score, lcdb_protocol(int(row.size_train), int(row.n)),
                     row.fit_time, src)
        seed.report["lcdb"][f"runs {metric}"] = len(agg)
        seed.report["lcdb"][f"datasets {metric}"] = agg["openmlid"].nunique()
        seed.report["lcdb"]["learners"] = max(seed.report["lcdb"]["learners"], agg["learner"].nunique())
    for openml_id in binary_ids:
        # LCDB computes f1 and AUC only for two-class datasets (lcdb.get_metric_of_entry)
        seed.dataset(f"openml:{openml_id}", "lcdb-f1", task_type="binary")

    ids: dict[str, list[int]] = defaultdict(list)
    for name, openml_id in zip(meta["Name"].str.lower(), meta["openmlid"]):
        ids[name].append(int(openml_id))
    return {name: tuple(sorted(found)) for name, found in ids.items()}
