"""auto-sklearn (``auto-sklearn==0.15.0``): the meta-learning files (best configuration per dataset and
metric, 37 meta-features), read and written into the seed."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any, Callable, Mapping

from metalearn._seedtools.autosklearn_map import Unmapped, dropped_preprocessing, map_autosklearn
from metalearn._seedtools.sources import (
    AUTOSKLEARN_COMPUTED_BY,
    SERVER_COMPUTED_BY,
    Archive,
    Seed,
    make_source,
    task_from_classes,
)

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
