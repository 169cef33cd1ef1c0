"""How often the search's ensemble beats its best single trial (out-of-fold CV, issue #16 target 80%), on data/examples.

    python scripts/bench_ensemble.py
"""
import time, metalearn
for name, target in [("diabetes", "progression"), ("glass2", "class"), ("cpu", "class")]:
    t = time.time()
    ds = metalearn.load_dataset(f"data/examples/{name}.csv", target)
    algos = (["LogisticRegression", "GaussianNB", "KNeighborsClassifier", "DecisionTreeClassifier"] if ds.task != "regression"
             else ["Ridge", "KNeighborsRegressor", "DecisionTreeRegressor"])
    r = metalearn.search(ds, algorithms=algos, n_trials=8, warm_start=0, cv=3, fidelity=False, write_back=False, seed=0, n_jobs=2)
    print(name, ds.task, r.best_score, r.final["kind"], r.final["ensemble_score"], r.final["best_single_score"], [ (m["algorithm"], round(m["weight"],2)) for m in r.final["members"]], r.final["notes"], round(time.time()-t,1))
