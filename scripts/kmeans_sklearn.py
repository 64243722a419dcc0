"""scikit-learn's KMeans on the data shape and settings of harness/core/benches/kmeans.rs.

k = 16, 100,000 x 128 uniform random float64, n_init = 1 (one k-means++ init), max_iter = 20,
tol = 0 (so every run does the full 20 Lloyd iterations unless labels stop changing), algorithm
"lloyd". Prints the median of 10 timed fits and of 10 fits with max_iter = 1 (init + 1 iteration).
Run: python3 scripts/kmeans_sklearn.py   (threads: whatever OpenMP uses on this machine)
"""
import statistics
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans

X = np.random.default_rng(42).random((100_000, 128))


def median_fit(max_iter, reps=10):
    times, iters = [], []
    for seed in range(reps):
        km = KMeans(n_clusters=16, n_init=1, max_iter=max_iter, tol=0.0, algorithm="lloyd",
                    init="k-means++", random_state=seed)
        t = time.perf_counter()
        km.fit(X)
        times.append(time.perf_counter() - t)
        iters.append(km.n_iter_)
    return statistics.median(times), iters


if __name__ == "__main__":
    print("scikit-learn", sklearn.__version__)
    for mi in (20, 1):
        med, iters = median_fit(mi)
        print(f"max_iter={mi}: median {med * 1000:.1f} ms over 10 fits (n_iter_ {sorted(set(iters))})")
