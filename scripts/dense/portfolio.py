"""Write the dense core's fixed portfolios (one per task family) as JSON for `build_kb(portfolio=...)`.

Every registry algorithm at its defaults, plus cheap, strong variants of HGB, RF, ET, logistic /
linear, SVC/SVR, KNN, MLP, NB/LDA and GB, with five points of OBOE's GradientBoosting grid for
classification (no GradientBoosting with max_depth=None, no linear SVC
with huge C, no 1000-tree AdaBoost). Each configuration is validated by the registry.

    python scripts/dense/portfolio.py --out kb/dense
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from metalearn import space

CLASSIFICATION = [
    *[("HistGradientBoostingClassifier", {"learning_rate": lr, "max_leaf_nodes": leaves, "l2_regularization": l2})
      for lr in (0.05, 0.1, 0.2) for leaves in (15, 31, 63) for l2 in (0.0, 1.0)],
    *[("RandomForestClassifier", {"n_estimators": 200, "max_features": mf, "min_samples_leaf": leaf})
      for mf in ("sqrt", 0.5, 1.0) for leaf in (1, 3)],
    *[("ExtraTreesClassifier", {"n_estimators": 200, "max_features": mf, "min_samples_leaf": leaf})
      for mf in ("sqrt", 0.5, 1.0) for leaf in (1, 3)],
    *[("LogisticRegression", {"C": c, "max_iter": 500}) for c in (0.01, 0.1, 1.0, 10.0, 100.0)],
    *[("SVC", {"C": c, "gamma": g}) for c in (0.5, 4.0, 32.0) for g in ("scale", 0.01)],
    *[("KNeighborsClassifier", {"n_neighbors": k, "weights": w}) for k in (1, 5, 15, 35) for w in ("uniform", "distance")],
    *[("MLPClassifier", {"hidden_layer_sizes": h, "alpha": a, "max_iter": 300}) for h in ((64,), (128, 64)) for a in (1e-4, 1e-2)],
    *[("GradientBoostingClassifier", {"n_estimators": 200, "max_depth": d, "learning_rate": 0.1}) for d in (2, 4)],
    # OBOE's GradientBoosting grid at its middle learning rates and both depths, written as OBOE's
    # seed rows write them (defaults left out), so these configurations are the same KB rows as
    # OBOE's: the recommender often ranks them first from OBOE's evidence, and a dense dataset
    # must hold them for that pick to be scored (the default, lr 0.1 at depth 3, is already in)
    *[("GradientBoostingClassifier", {k: v for k, v in (("learning_rate", lr), ("max_depth", d)) if v not in (0.1, 3)})
      for lr in (0.05, 0.1, 0.25) for d in (3, 6) if (lr, d) != (0.1, 3)],
    ("LinearSVC", {"C": 0.1}), ("LinearSVC", {"C": 1.0}),
    ("DecisionTreeClassifier", {"max_depth": 5}), ("DecisionTreeClassifier", {"min_samples_leaf": 5}),
    ("AdaBoostClassifier", {"n_estimators": 100}),
]
REGRESSION = [
    *[("HistGradientBoostingRegressor", {"learning_rate": lr, "max_leaf_nodes": leaves, "l2_regularization": l2})
      for lr in (0.05, 0.1, 0.2) for leaves in (15, 31, 63) for l2 in (0.0, 1.0)],
    *[("RandomForestRegressor", {"n_estimators": 200, "max_features": mf, "min_samples_leaf": leaf})
      for mf in (0.33, 0.5, 1.0) for leaf in (1, 3)],
    *[("ExtraTreesRegressor", {"n_estimators": 200, "max_features": mf, "min_samples_leaf": leaf})
      for mf in (0.33, 0.5, 1.0) for leaf in (1, 3)],
    *[("Ridge", {"alpha": a}) for a in (0.01, 0.1, 1.0, 10.0, 100.0)],
    *[("Lasso", {"alpha": a}) for a in (0.001, 0.01, 0.1)],
    *[("ElasticNet", {"alpha": a, "l1_ratio": 0.5}) for a in (0.01, 0.1)],
    *[("SVR", {"C": c, "gamma": g}) for c in (0.5, 4.0, 32.0) for g in ("scale", 0.01)],
    *[("KNeighborsRegressor", {"n_neighbors": k, "weights": w}) for k in (1, 5, 15, 35) for w in ("uniform", "distance")],
    *[("MLPRegressor", {"hidden_layer_sizes": h, "alpha": a, "max_iter": 300}) for h in ((64,), (128, 64)) for a in (1e-4, 1e-2)],
    *[("GradientBoostingRegressor", {"n_estimators": 200, "max_depth": d, "learning_rate": 0.1}) for d in (2, 4)],
    ("DecisionTreeRegressor", {"max_depth": 5}), ("AdaBoostRegressor", {"n_estimators": 100}),
]


def portfolio(family: str) -> list[dict]:
    picks = [(name, {}) for name in space.algorithms_for(family) if name != "GaussianProcessRegressor"]
    picks += CLASSIFICATION if family == "classification" else REGRESSION
    out, seen = [], set()
    for name, params in picks:
        params = space.validate_params(name, params)
        key = (name, json.dumps(params, sort_keys=True, default=str))
        if key not in seen:
            seen.add(key)
            out.append({"algorithm": name, "params": params})
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for family in ("classification", "regression"):
        confs = portfolio(family)
        path = args.out / f"portfolio-{family}.json"
        path.write_text(json.dumps(confs, indent=1, default=list) + "\n")
        print(f"{family}: {len(confs)} configurations -> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
