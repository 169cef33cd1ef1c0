"""Compare metalearn's OpenML qualities with the server's own values.

scikit-learn's wheel ships OpenML test fixtures: a dataset's ARFF file, its
description and the qualities the OpenML server computed for it. Only the
fixtures whose ARFF holds the complete dataset are usable: several hold a few
rows of a larger dataset (anneal, adult, adult-census, emotions, MiceProtein,
wine_reviews), and the server computed their qualities on the full data. A
fixture is used when its data file and qualities file exist and the rows in
the file equal the server's NumberOfInstances and MajorityClassSize fits in
them.

Tolerances: every quality is compared within 1e-6 relative (1e-9 absolute
near zero). No quality needs a looser tolerance: OpenML does not discretize
numeric attributes (its entropy qualities use nominal attributes only), so
nothing depends on a discretization.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from metalearn.exceptions import MetaLearnError

RTOL = 1e-6
ATOL = 1e-9

#: OpenML's Weka landmarkers: not reproducible without Weka (and its exact CV
#: folds); metalearn computes its own landmarkers under its own names.
WEKA_LANDMARKER = re.compile(r"^(CfsSubsetEval_|DecisionStump|J48\.|NaiveBayes|REPTree|RandomTree|kNN1N)")


@dataclass(frozen=True)
class Fixture:
    openml_id: int
    name: str
    X: pd.DataFrame
    y: pd.Series
    qualities: dict  # name -> float (NaN where the server left it empty)


def fixtures_dir() -> Path:
    import sklearn

    return Path(sklearn.__file__).parent / "datasets" / "tests" / "data" / "openml"


def _gz_json(path: Path) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def load_fixture(directory: Path) -> Fixture | None:
    """Load one fixture directory, or None when it is not a complete dataset."""
    from metalearn.data import load_dataset

    did = int(directory.name.split("_")[1])
    qual_file = directory / f"api-v1-jdq-{did}.json.gz"
    data_files = sorted(directory.glob("data-v1-dl-*.arff.gz"))
    if not qual_file.exists() or not data_files:
        return None
    raw = _gz_json(qual_file).get("data_qualities")
    if not raw:
        return None
    qualities = {}
    for q in raw["quality"]:
        v = q.get("value")
        qualities[q["name"]] = float(v) if isinstance(v, str) and v != "" else math.nan
    desc = _gz_json(directory / f"api-v1-jd-{did}.json.gz")["data_set_description"]
    target = desc.get("default_target_attribute")
    if not target or "," in target:
        return None  # no single default target (multi-label)
    try:
        ds = load_dataset(data_files[0], target=target)
    except MetaLearnError:
        return None  # e.g. a few-row subset with a single class
    n_rows = ds.X.shape[0]
    if qualities.get("NumberOfInstances") != n_rows or qualities.get("MajorityClassSize", 0) > n_rows:
        return None  # the file holds a subset of the dataset the server characterized
    drop = []
    for key in ("ignore_attribute", "row_id_attribute"):
        val = desc.get(key)
        if val:
            drop += val if isinstance(val, list) else [val]
    X = ds.X.drop(columns=[c for c in drop if c in ds.X.columns])
    # ARFF string attributes (flagged by the loader) are text for OpenML: neither numeric nor symbolic
    for col in ds.flags.get("string", ()):
        if col in X.columns:
            X[col] = X[col].astype(object).where(X[col].notna(), None)
    return Fixture(did, desc["name"], X, ds.y, qualities)


def load_fixtures() -> list[Fixture]:
    """Every usable fixture, in OpenML id order."""
    out = []
    for d in sorted(fixtures_dir().glob("id_*"), key=lambda p: int(p.name.split("_")[1])):
        fx = load_fixture(d)
        if fx is not None:
            out.append(fx)
    return out


def deviation(ours: float, server: float) -> float:
    """Relative deviation (0 when both are NaN, inf when only one is)."""
    if math.isnan(ours) and math.isnan(server):
        return 0.0
    if math.isnan(ours) or math.isnan(server):
        return math.inf
    return abs(ours - server) / max(abs(server), ATOL / RTOL)


def matches(ours: float, server: float) -> bool:
    return deviation(ours, server) <= RTOL
