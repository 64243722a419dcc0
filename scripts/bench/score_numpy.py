"""The baseline of issue 2's performance goal: the same scoring job as `tonebench score` done the
way a Python user would — pandas to read, numpy bincount per bootstrap resample, scikit-learn for
the report. Usage: python3 score_numpy.py SUITE_DIR PREDICTIONS_CSV [RESAMPLES]"""
import sys
import time

import numpy as np
import pandas as pd
from sklearn.metrics import classification_report

t0 = time.perf_counter()
suite, preds_path = sys.argv[1], sys.argv[2]
resamples = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
labels = ["negative", "neutral", "positive"]
items = pd.read_csv(f"{suite}/items.csv", dtype=str)
preds = pd.read_csv(preds_path, dtype=str)
df = items.merge(preds, on="id", validate="one_to_one")
index = {l: i for i, l in enumerate(labels)}
t = df["label"].map(index).to_numpy()
p = df["pred"].map(index).to_numpy()
report = classification_report(t, p, labels=[0, 1, 2], target_names=labels, zero_division=0, output_dict=True)
t_boot = time.perf_counter()
rng = np.random.default_rng(7)
k = len(labels)
cells = t * k + p
n = len(cells)
acc = np.empty(resamples)
f1 = np.empty(resamples)
for b in range(resamples):
    idx = rng.integers(0, n, n)
    cm = np.bincount(cells[idx], minlength=k * k).reshape(k, k)
    tp = np.diag(cm)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.nan_to_num(2 * tp / (cm.sum(0) + cm.sum(1)))
    acc[b] = tp.sum() / n
    f1[b] = f.mean()
ci = np.percentile(acc, [2.5, 97.5]), np.percentile(f1, [2.5, 97.5])
print(f"numpy bootstrap loop ({resamples} resamples): {time.perf_counter() - t_boot:.2f} s")
print(f"accuracy {report['accuracy']:.4f} ci {ci[0]} macro-f1 ci {ci[1]}")
print(f"numpy+sklearn wall {time.perf_counter() - t0:.2f} s")
