#!/usr/bin/env bash
# Issue 2's performance check: `tonebench score` on a 1,000,000-item suite with 1,000 bootstrap
# resamples — wall time and peak memory — against the numpy + scikit-learn loop.
# Issue 15's memory measurement: BIN=path/to/tonebench uses that binary instead of building the
# release one (e.g. the debug build); HEAPTRACK=1 also runs it under heaptrack and prints the
# heap peak and its largest holders (docs/benchmarks.md, "Memory of score").
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
if [ -z "${BIN:-}" ]; then
  cargo build --locked --release --quiet
  BIN="${CARGO_TARGET_DIR:-target}/release/tonebench"
fi
echo "items.csv: $(du -h "$dir/items.csv" | cut -f1), preds.csv: $(du -h "$dir/preds.csv" | cut -f1)"
/usr/bin/time -f "tonebench score: wall %e s, peak RSS %M KiB" \
  "$BIN" score --suite "$dir" --predictions "$dir/preds.csv" --out "$dir/out" >/dev/null
if [ "${HEAPTRACK:-0}" = 1 ]; then
  heaptrack -o "$dir/heap" "$BIN" score --suite "$dir" --predictions "$dir/preds.csv" --out "$dir/out-heap" >/dev/null
  heaptrack_print -f "$dir"/heap.*zst --print-allocators 0 --print-temporary 0 --print-leaks 0 \
    --peak-limit 12 --merge-backtraces 0 | grep -E "peak memory consumed|at harness/src|peak heap" | head -40
fi
/usr/bin/time -f "numpy+sklearn: wall %e s, peak RSS %M KiB" python3 scripts/bench/score_numpy.py "$dir" "$dir/preds.csv"
