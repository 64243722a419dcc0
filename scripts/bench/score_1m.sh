#!/usr/bin/env bash
# Issue 2's performance check: `tonebench score` on a 1,000,000-item suite with 1,000 bootstrap
# resamples — wall time and peak memory — against the numpy + scikit-learn loop.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" <<'PY'
import sys, numpy as np
d = sys.argv[1]; n = 1_000_000; rng = np.random.default_rng(1)
labels = np.array(["negative", "neutral", "positive"])
t = rng.integers(0, 3, n); p = np.where(rng.random(n) < 0.7, t, rng.integers(0, 3, n))
ids = np.char.add("item-", np.arange(n).astype(str))
open(f"{d}/suite.toml", "w").write('format-version = 1\nname = "bench"\nlabels = ["negative", "neutral", "positive"]\nitems = "items.csv"\n')
np.savetxt(f"{d}/items.csv", np.column_stack([ids, labels[t]]), fmt="%s", delimiter=",", header="id,label", comments="")
np.savetxt(f"{d}/preds.csv", np.column_stack([ids, labels[p]]), fmt="%s", delimiter=",", header="id,pred", comments="")
PY
cargo build --locked --release --quiet
echo "items.csv: $(du -h "$dir/items.csv" | cut -f1), preds.csv: $(du -h "$dir/preds.csv" | cut -f1)"
/usr/bin/time -f "tonebench score: wall %e s, peak RSS %M KiB" \
  target/release/tonebench score --suite "$dir" --predictions "$dir/preds.csv" --out "$dir/out" >/dev/null
/usr/bin/time -f "numpy+sklearn: wall %e s, peak RSS %M KiB" python3 scripts/bench/score_numpy.py "$dir" "$dir/preds.csv"
