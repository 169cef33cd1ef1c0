"""OBOE (``oboe==0.2.0``): the error and runtime matrices of 12 scikit-learn classifiers on OpenML datasets."""

from __future__ import annotations

import ast
import io
from typing import Any

import pandas as pd

from metalearn._seedtools.sources import Archive, Seed, float_params, make_source

OBOE_ALGORITHMS = {
    "AB": "AdaBoostClassifier", "DT": "DecisionTreeClassifier", "ExtraTrees": "ExtraTreesClassifier",
    "GBT": "GradientBoostingClassifier", "GNB": "GaussianNB", "KNN": "KNeighborsClassifier",
    "Logit": "LogisticRegression", "MLP": "MLPClassifier", "Perceptron": "Perceptron",
    "RF": "RandomForestClassifier", "kSVM": "SVC", "lSVM": "LinearSVC",
}


OBOE_FLOAT_PARAMS = ("learning_rate", "C", "coef0", "alpha", "learning_rate_init")


OBOE_PROTOCOL = "stratified 5-fold CV, one-vs-rest BER"


def oboe_configuration(header: str) -> tuple[str, dict[str, Any]]:
    """Translate an OBOE column header (a Python dict literal) into (registry name, kwargs).

    >>> oboe_configuration("{'algorithm': 'AB', 'hyperparameters': {'n_estimators': 50, 'learning_rate': 1}}")
    ('AdaBoostClassifier', {'n_estimators': 50, 'learning_rate': 1.0})
    """
    setting = ast.literal_eval(header)
    algorithm = OBOE_ALGORITHMS[setting["algorithm"]]
    params = dict(setting["hyperparameters"])
    if algorithm != "MLPClassifier" or not isinstance(params.get("learning_rate"), str):
        params = float_params(params, OBOE_FLOAT_PARAMS)
    else:
        params = float_params(params, ("alpha", "learning_rate_init"))
    return algorithm, params


def read_oboe(archive: Archive, seed: Seed) -> None:
    base = "oboe/defaults/Oboe/"
    errors = pd.read_csv(io.BytesIO(archive.read(base + "error_matrix.csv")), index_col=0)
    runtimes = pd.read_csv(io.BytesIO(archive.read(base + "runtime_matrix.csv")), index_col=0)
    sizes = pd.read_csv(io.BytesIO(archive.read(base + "dataset_sizes.csv")), index_col=0)
    if not (errors.index.equals(runtimes.index) and errors.columns.equals(runtimes.columns)):
        raise SystemExit("OBOE error and runtime matrices differ in shape or labels")
    if errors.isna().any().any():
        raise SystemExit("OBOE error matrix has gaps; the builder assumes none")
    src_err = seed.add_source(make_source(
        "oboe", "oboe-error-matrix", base + "error_matrix.csv",
        "Balanced error rate (one-vs-rest mean) of 219 classifier configurations on 418 OpenML datasets, "
        "stratified 5-fold CV; stored as balanced_accuracy = 1 - error; fit_time from runtime_matrix.csv"))
    seed.add_source(make_source(
        "oboe", "oboe-runtime-matrix", base + "runtime_matrix.csv",
        "Wall-clock seconds of the whole 5-fold CV per (dataset, configuration); stored as fit_time"))
    src_sizes = seed.add_source(make_source(
        "oboe", "oboe-dataset-sizes", base + "dataset_sizes.csv",
        "Rows and columns (after OBOE's one-hot encoding, target included) of each dataset"))
    configs = [oboe_configuration(h) for h in errors.columns]
    digests = [seed.configuration(alg, params, src_err) for alg, params in configs]
    for openml_id, (n_rows, n_cols) in sizes.iterrows():
        seed.dataset(f"openml:{int(openml_id)}", src_sizes, openml_id=int(openml_id),
                     task_type="classification", n_rows=int(n_rows), n_cols=int(n_cols) - 1)
    err = errors.to_numpy()
    rt = runtimes.to_numpy()
    for i, openml_id in enumerate(errors.index):
        key = f"openml:{int(openml_id)}"
        seed.dataset(key, src_err, openml_id=int(openml_id), task_type="classification")
        for j, digest in enumerate(digests):
            seed.run(key, digest, "balanced_accuracy", 1.0 - err[i, j], OBOE_PROTOCOL, rt[i, j], src_err)
    seed.report["oboe"].update(datasets=len(errors.index), configurations=len(set(digests)),
                               runs=err.size)
