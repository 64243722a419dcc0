"""The numpy + scikit-learn loop that tonebench's probability bootstrap is compared with.

The same problem as harness/core/benches/probability.rs: 1,000,000 items, 3 labels, macro
one-vs-rest ROC-AUC, item resampling. Each resample draws n indices with numpy and calls
roc_auc_score(y[idx], P[idx], multi_class="ovr"); the script times RESAMPLES of them (default
10: one takes seconds) and prints the per-resample time and the time 1,000 would take.

    /root/.cache/tonebench-sklearn/bin/python scripts/bench/prob_bootstrap_sklearn.py [RESAMPLES]
"""
import sys
import time

import numpy as np
from sklearn.metrics import roc_auc_score

N, K = 1_000_000, 3


def main():
    resamples = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    rng = np.random.default_rng(20)
    y = rng.integers(0, K, size=N)
    raw = rng.random((N, K))
    raw[np.arange(N), y] += 0.8
    P = raw / raw.sum(axis=1, keepdims=True)
    t0 = time.perf_counter()
    point = roc_auc_score(y, P, multi_class="ovr")
    t_point = time.perf_counter() - t0
    t0 = time.perf_counter()
    values = []
    for _ in range(resamples):
        idx = rng.integers(0, N, size=N)
        values.append(roc_auc_score(y[idx], P[idx], multi_class="ovr"))
    per = (time.perf_counter() - t0) / resamples
    print(f"point roc_auc macro {point:.6f} in {t_point:.3f} s")
    print(f"{resamples} resamples: {per:.3f} s per resample; 1000 resamples ≈ {per * 1000:.0f} s")
    print(f"interval of the {resamples}: [{np.percentile(values, 2.5):.6f}, {np.percentile(values, 97.5):.6f}]")


if __name__ == "__main__":
    main()
