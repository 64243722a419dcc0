"""scikit-learn's side of the k-means comparisons (harness/core/benches/kmeans.rs and
harness/core/examples/cohort_step_100k.rs). Data: 100,000 x 128 uniform random float64
(numpy default_rng(42)), k = 16.

  python3 scripts/kmeans_sklearn.py            the bench: n_init = 1, max_iter = 20 (and 1), tol = 0,
                                               algorithm "lloyd"; medians of 10 fits
  python3 scripts/kmeans_sklearn.py --job      the cohort step tonebench runs for k = 16: one
                                               KMeans(n_init=10) fit (max_iter 300, tol 1e-4), five
                                               stability refits with seeds 8..12, silhouette_score
                                               on a sample of 2,000, adjusted_rand_score. Twice:
                                               refits on all points (what tonebench did before
                                               issue 15) and refits on a sample of 10,000 then
                                               predict() for all (what it does now).
  python3 scripts/kmeans_sklearn.py --fit RUNS  one KMeans(n_init=RUNS) fit: time, inertia, n_iter_
  python3 scripts/kmeans_sklearn.py --ari-effect  stability ARI of full vs 10,000-sample refits (blobs)
  python3 scripts/kmeans_sklearn.py --save X.f64   writes the data as raw little-endian float64 for
                                               `cargo run --release -p tonebench-core --example
                                               cohort_step_100k X.f64` (same numbers in both tools)
Threads: whatever OpenMP uses on this machine (2 cores here).
"""
import statistics
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

X = np.random.default_rng(42).random((100_000, 128))
SEED, K, SAMPLE = 7, 16, 10_000


def median_fit(max_iter, reps=10):
    times, iters = [], []
    for seed in range(reps):
        km = KMeans(n_clusters=K, n_init=1, max_iter=max_iter, tol=0.0, algorithm="lloyd",
                    init="k-means++", random_state=seed)
        t = time.perf_counter()
        km.fit(X)
        times.append(time.perf_counter() - t)
        iters.append(km.n_iter_)
    return statistics.median(times), iters


def job(sampled):
    t = time.perf_counter()
    km = KMeans(n_clusters=K, n_init=10, random_state=SEED).fit(X)
    fit_s = time.perf_counter() - t
    labels = km.labels_
    sil = silhouette_score(X, labels, sample_size=2000, random_state=SEED)
    aris, iters = [], [km.n_iter_]
    for i in range(1, 6):
        if sampled:
            idx = np.sort(np.random.default_rng(SEED + i).choice(len(X), SAMPLE, replace=False))
            other = KMeans(n_clusters=K, n_init=10, random_state=SEED + i).fit(X[idx])
            other_labels = other.predict(X)
        else:
            other = KMeans(n_clusters=K, n_init=10, random_state=SEED + i).fit(X)
            other_labels = other.labels_
        iters.append(other.n_iter_)
        aris.append(adjusted_rand_score(labels, other_labels))
    total = time.perf_counter() - t
    what = "refits on a 10,000 sample" if sampled else "refits on all points"
    print(f"job ({what}): {total:.2f} s (fit {fit_s:.2f} s), inertia {km.inertia_ / len(X):.6f} "
          f"(sum {km.inertia_:.1f}), n_iter_ {iters}, silhouette {sil:.6f}, "
          f"stability ARI {np.mean(aris):.6f}")


if __name__ == "__main__":
    print("scikit-learn", sklearn.__version__)
    if "--save" in sys.argv:
        X.astype("<f8").tofile(sys.argv[sys.argv.index("--save") + 1])
    elif "--ari-effect" in sys.argv:
        # Effect of refitting on a 10,000 sample (then predict) instead of on all points, on
        # overlapping Gaussian blobs (100,000 x 128, 16 centres, std 6): mean ARI over seeds 8..12.
        from sklearn.datasets import make_blobs
        B, _ = make_blobs(100_000, 128, centers=K, cluster_std=6.0, random_state=0)
        main = KMeans(n_clusters=K, n_init=1, random_state=SEED).fit(B).labels_
        full, sampled = [], []
        for i in range(1, 6):
            full.append(adjusted_rand_score(
                main, KMeans(n_clusters=K, n_init=1, random_state=SEED + i).fit(B).labels_))
            idx = np.sort(np.random.default_rng(SEED + i).choice(len(B), SAMPLE, replace=False))
            fit = KMeans(n_clusters=K, n_init=1, random_state=SEED + i).fit(B[idx])
            sampled.append(adjusted_rand_score(main, fit.predict(B)))
        print(f"blobs, n_init 1: stability ARI full refits {np.mean(full):.6f} {np.round(full, 4)}, "
              f"10,000-sample refits {np.mean(sampled):.6f} {np.round(sampled, 4)}")
    elif "--fit" in sys.argv:
        runs = int(sys.argv[sys.argv.index("--fit") + 1])
        t = time.perf_counter()
        km = KMeans(n_clusters=K, n_init=runs, random_state=SEED).fit(X)
        print(f"fit (n_init {runs}): {time.perf_counter() - t:.2f} s, inertia "
              f"{km.inertia_ / len(X):.6f} (sum {km.inertia_:.1f}), n_iter {km.n_iter_}")
    elif "--job" in sys.argv:
        job(sampled=True)
        if "--sampled-only" not in sys.argv:
            job(sampled=False)
    else:
        for mi in (20, 1):
            med, iters = median_fit(mi)
            print(f"max_iter={mi}: median {med * 1000:.1f} ms over 10 fits (n_iter_ {sorted(set(iters))})")
