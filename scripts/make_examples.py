"""Write the example datasets in data/examples/ from files shipped inside scikit-learn.

The OpenML datasets come from the fixture files scikit-learn ships with its
tests (``sklearn/datasets/tests/data/openml/id_<N>/``: the OpenML server's own
ARFF download and dataset description); the others from scikit-learn's bundled
datasets. Nothing is downloaded. Run: ``python scripts/make_examples.py``.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import sklearn
from sklearn import datasets as skd

from metalearn.data import load_dataset

OUT = Path(__file__).resolve().parents[1] / "data" / "examples"
FIXTURES = Path(sklearn.__file__).parent / "datasets" / "tests" / "data" / "openml"
OPENML = {3: "kr-vs-kp", 40945: "titanic", 42585: "penguins", 62: "zoo", 40675: "glass2", 561: "cpu"}


def openml_fixture(dataset_id: int):
    folder = FIXTURES / f"id_{dataset_id}"
    with gzip.open(next(folder.glob(f"api-v1-jd-{dataset_id}.json.gz")), "rt") as fh:
        description = json.load(fh)["data_set_description"]
    arff = next(folder.glob("data-v1-dl-*.arff.gz"))
    ds = load_dataset(arff, target=description["default_target_attribute"])
    frame = ds.X.copy()
    ignored_attrs = description.get("ignore_attribute") or []
    for ignored in [ignored_attrs] if isinstance(ignored_attrs, str) else ignored_attrs:
        frame = frame.drop(columns=[ignored], errors="ignore")
    frame[ds.target] = ds.y
    return frame, description


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for dataset_id, name in OPENML.items():
        frame, desc = openml_fixture(dataset_id)
        frame.to_csv(OUT / f"{name}.csv", index=False)
        print(f"{name}.csv  openml:{dataset_id}  {frame.shape[0]} rows x {frame.shape[1]} columns  licence: {desc.get('licence')}")
    wine = skd.load_wine(as_frame=True).frame.rename(columns={"target": "cultivar"})
    wine.to_csv(OUT / "wine.csv", index=False)
    diabetes = skd.load_diabetes(as_frame=True, scaled=False).frame.rename(columns={"target": "progression"})
    diabetes.to_csv(OUT / "diabetes.csv", index=False)
    print(f"wine.csv {wine.shape}, diabetes.csv {diabetes.shape}")


if __name__ == "__main__":
    main()
