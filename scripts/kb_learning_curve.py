"""Does the knowledge base learn? The recommender's regret as the KB grows.

The recommender's leave-one-dataset-out evaluation (``scripts/evaluate_recommender.py``,
imported, not copied) is run with the KB subsampled to 10%, 25%, 50% and 100% of its
datasets (of the suite's task family), 5 random subsamples per fraction (the 100% "subsample"
is the whole KB, so it is run once). The evaluation datasets stay the same at every
fraction: each is hidden in turn and its regret measured by its real runs; what changes is
how many other datasets the recommender may learn from (the datasets left out of the
subsample are passed to the recommender as ``exclude_datasets``).

Regret is the dataset's best known score minus the recommended configuration's score
(top-1, and best of the top 5). The random-configuration regret of the same folds is shown
as the reference a KB that learns nothing would give.

Usage::

    python scripts/kb_learning_curve.py [--kb PATH] [--suite classification-96|dense-regression|...] [--limit N]
        [--fractions 0.1,0.25,0.5,1] [--repeats 5] [--out docs/results/learning_curve]

writes ``<out>.json``, ``<out>.md`` (the table) and ``<out>.png`` (the plot).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from metalearn.recommender import DEFAULT_METRICS, Recommender

# The recommender's own evaluation, the sibling script: Python puts a script's folder first on
# sys.path, so `python scripts/kb_learning_curve.py` finds it without editing sys.path.
from evaluate_recommender import load_dense, run_dense_suite, suites_for

FAMILY_OF_SUITE = {"classification-96": "classification", "classification-all": "classification",
                   "regression": "regression", "dense-classification": "classification",
                   "dense-regression": "regression"}
DENSE_SUITES = ("dense-classification", "dense-regression")
"""Suites over the dense core (in the shipped seed, ``kb/seed/dense-*``): only the dense core is
subsampled, the seed stays whole; every dense dataset of the family is evaluated, with the
dense baselines of ``evaluate_recommender.run_dense_suite``."""


class SubsampledRecommender:
    """A Recommender that may only learn from the datasets of a subsample.

    Every ``recommend`` call also excludes the datasets outside the subsample; all else is
    the wrapped recommender's.
    """

    def __init__(self, base: Recommender, hidden: frozenset):
        self.base = base
        self.hidden = hidden

    def recommend(self, *args, exclude_datasets=(), **kwargs):
        return self.base.recommend(*args, exclude_datasets=[*exclude_datasets, *self.hidden], **kwargs)

    def __getattr__(self, name):
        return getattr(self.base, name)


def curve(kb, suite: str, fractions, repeats: int, limit: int | None, log=print) -> list[dict]:
    family = FAMILY_OF_SUITE[suite]
    metric = "balanced_accuracy" if family == "classification" else DEFAULT_METRICS["regression"]
    dense = None
    if suite in DENSE_SUITES:
        from metalearn.tasks import task_family

        dense = load_dense(kb)
        pool = np.array(sorted(int(d) for d, t in zip(dense["dataset_id"], dense["task"]) if task_family(t) == family))
    else:
        pool = np.array(sorted(Recommender(kb).runs(family, metric)["dataset_id"].unique()))
    log(f"{suite}: KB has {len(pool)} {family} datasets with {metric} runs")
    rows = []
    for frac in fractions:
        n_keep = max(2, math.ceil(frac * len(pool)))
        seeds = [0] if n_keep >= len(pool) else list(range(repeats))
        for seed in seeds:
            keep = set(np.random.default_rng(seed).choice(pool, size=n_keep, replace=False).tolist())
            hidden = frozenset(int(d) for d in pool if d not in keep)
            t0 = time.perf_counter()
            rec = SubsampledRecommender(Recommender(kb), hidden)  # fresh caches per subsample
            if dense is not None:
                res = run_dense_suite(rec, kb, dense, family=family, log=lambda *_: None)
                m = {**res["methods"], "metalearn": res["public_path"]}
            else:
                (res,) = suites_for(rec, kb, [suite], limit=limit, log=lambda *_: None)
                m = res["methods"]
            rows.append({"fraction": frac, "n_kb_datasets": n_keep, "seed": seed, "n_eval": res["n_datasets"],
                         "top1_regret": m["metalearn"]["top1_regret"],
                         "best_of_5_regret": m["metalearn"]["best_of_5_regret"],
                         "random_top1_regret": m["random"]["top1_regret"],
                         "random_best_of_5_regret": m["random"]["best_of_5_regret"],
                         "seconds": time.perf_counter() - t0})
            log(f"  {frac:>5.0%} ({n_keep} datasets) seed {seed}: top-1 {rows[-1]['top1_regret']:.4f}  "
                f"best-of-5 {rows[-1]['best_of_5_regret']:.4f}  ({rows[-1]['seconds']:.0f} s)")
    return rows


def summarize(rows: list[dict]) -> list[dict]:
    out = []
    for frac in sorted({r["fraction"] for r in rows}):
        rs = [r for r in rows if r["fraction"] == frac]
        t1 = np.array([r["top1_regret"] for r in rs])
        b5 = np.array([r["best_of_5_regret"] for r in rs])
        out.append({"fraction": frac, "n_kb_datasets": rs[0]["n_kb_datasets"], "n_subsamples": len(rs),
                    "n_eval": rs[0]["n_eval"],
                    "top1_mean": float(t1.mean()), "top1_std": float(t1.std(ddof=1)) if len(rs) > 1 else 0.0,
                    "best5_mean": float(b5.mean()), "best5_std": float(b5.std(ddof=1)) if len(rs) > 1 else 0.0,
                    "random_top1": float(np.mean([r["random_top1_regret"] for r in rs])),
                    "random_best5": float(np.mean([r["random_best_of_5_regret"] for r in rs]))})
    return out


def table(summary: list[dict], suite: str, metric: str) -> str:
    lines = [f"Suite `{suite}` ({metric}), leave-one-dataset-out over {summary[0]['n_eval']} datasets; "
             "mean regret over the subsamples (± standard deviation across subsamples); lower is better."
             + (" Only the dense core is subsampled (the first column counts its datasets of this family); the "
                "shipped seed stays whole." if suite in DENSE_SUITES else ""), "",
             "| KB datasets | subsamples | top-1 regret | best-of-5 regret | random config: top-1 | random: best of 5 |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for s in summary:
        lines.append(f"| {s['fraction']:.0%} ({s['n_kb_datasets']}) | {s['n_subsamples']} | "
                     f"{s['top1_mean']:.4f} ± {s['top1_std']:.4f} | {s['best5_mean']:.4f} ± {s['best5_std']:.4f} | "
                     f"{s['random_top1']:.4f} | {s['random_best5']:.4f} |")
    return "\n".join(lines)


def plot(summary: list[dict], path: Path, suite: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [s["n_kb_datasets"] for s in summary]
    fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
    for key, label, marker in (("top1", "top-1 recommendation", "o"), ("best5", "best of top 5", "s")):
        ax.errorbar(x, [s[f"{key}_mean"] for s in summary], yerr=[s[f"{key}_std"] for s in summary],
                    marker=marker, capsize=3, label=label)
    ax.axhline(summary[-1]["random_top1"], color="grey", ls="--", lw=1, label="random configuration (top-1)")
    ax.set_xscale("log")
    ax.minorticks_off()
    ax.set_xticks(x, [f"{s['fraction']:.0%}\n({n})" for s, n in zip(summary, x)])
    ax.set_xlabel("datasets in the KB (share of the full KB)")
    ax.set_ylabel("mean regret (lower is better)")
    ax.set_title(f"metalearn: regret vs KB size ({suite})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", type=Path, default=None, help="KB file (default: fresh KB from the seed in a tmp dir)")
    ap.add_argument("--suite", default="classification-96", choices=sorted(FAMILY_OF_SUITE))
    ap.add_argument("--fractions", default="0.1,0.25,0.5,1")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--limit", type=int, default=None, help="evaluate only the first N datasets of the suite")
    ap.add_argument("--out", type=Path, default=None, help="write <out>.json, <out>.md and <out>.png")
    ap.add_argument("--replot", action="store_true", help="only redraw <out>.png from <out>.json")
    args = ap.parse_args(argv)
    if args.replot:
        saved = json.loads(args.out.with_suffix(".json").read_text())
        plot(saved["summary"], args.out.with_suffix(".png"), args.suite)
        return 0
    fractions = [float(f) for f in args.fractions.split(",")]
    from metalearn.kb import KnowledgeBase

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, KnowledgeBase.open(args.kb or Path(tmp) / "kb.sqlite",
                                                                  create="seed") as kb:
        rows = curve(kb, args.suite, fractions, args.repeats, args.limit)
    summary = summarize(rows)
    metric = "balanced_accuracy" if FAMILY_OF_SUITE[args.suite] == "classification" else DEFAULT_METRICS["regression"]
    text = table(summary, args.suite, metric)
    print("\n" + text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.with_suffix(".md").write_text(text + "\n")
        args.out.with_suffix(".json").write_text(json.dumps({
            "command": "python scripts/kb_learning_curve.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "python": platform.python_version(), "seconds": time.perf_counter() - t0,
            "summary": summary, "runs": rows}, indent=2) + "\n")
        plot(summary, args.out.with_suffix(".png"), args.suite)
        print(f"wrote {args.out.with_suffix('.md')}, .json, .png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
