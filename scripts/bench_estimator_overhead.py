"""Fixed cost of MetaLearnClassifier.fit: fit wall time minus the one trial's duration (issue #14 item 4: under 1 s warm).

    python scripts/bench_estimator_overhead.py
"""
import time
from sklearn.datasets import load_breast_cancer
from metalearn import MetaLearnClassifier
X, y = load_breast_cancer(return_X_y=True)
for i in range(3):
    t = time.perf_counter(); c = time.process_time()
    m = MetaLearnClassifier(n_trials=1, warm_start=False, algorithms=["GaussianNB"], cv=3, random_state=0).fit(X, y)
    wall = time.perf_counter() - t
    trial = m.search_result_.trials[0].duration
    print(f"fit {i}: {wall:.2f} s wall, trial {trial:.2f} s, fixed {wall - trial:.2f} s; {time.process_time()-c:.2f} s CPU (this process)")
