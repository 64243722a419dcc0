#!/usr/bin/env bash
# Issue 15's `run` memory check: `tonebench run` of the demo text model (a bag-of-words ONNX
# graph, so the harness and not the model dominates) over text suites of growing size, with peak
# RSS from /usr/bin/time -v. Memory that grows with the items beyond the predictions' own size
# (three f32 probabilities and an f64 latency, 20 B per item, held until the report) shows as a
# per-item slope well above 20 B, and as the gap to `score` of the run's own predictions.
#
#   scripts/bench/run_memory.sh [N ...]       default: 100000 1000000
#   BIN=path/to/tonebench                     a binary to measure instead of the release build
#   BATCH=64                                  --batch (default 64)
#   HEAPTRACK=1                               also under heaptrack: the heap peak and its largest holders
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
if [ -z "${BIN:-}" ]; then
  cargo build --locked --release --quiet
  BIN="${CARGO_TARGET_DIR:-target}/release/tonebench"
fi
BIN=$(realpath "$BIN")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp suites/demo/models/text.toml suites/demo/models/text.onnx suites/demo/models/tokenizer.json "$dir/"
for n in "${sizes[@]}"; do
  python3 - "$dir/s$n" "$n" <<'PY'
import csv, os, random, sys
d, n = sys.argv[1], int(sys.argv[2]); os.makedirs(d)
rng = random.Random(1)
words = {"negative": ["wrong", "waiting", "broken", "angry", "never"],
         "neutral": ["account", "address", "monday", "number", "plan"],
         "positive": ["thanks", "great", "perfect", "helpful", "happy"]}
labels = list(words)
with open(f"{d}/items.csv", "w", newline="") as f:
    w = csv.writer(f); w.writerow(["id", "label", "text"])
    for i in range(n):
        l = labels[rng.randrange(3)]
        w.writerow([f"item-{i:07d}", l, " ".join(rng.choice(words[l] if rng.random() < 0.6 else words[rng.choice(labels)]) for _ in range(8))])
open(f"{d}/suite.toml", "w").write('format-version = 1\nname = "runmem"\nlabels = ["negative", "neutral", "positive"]\nitems = "items.csv"\n')
PY
  /usr/bin/time -f "run $n items: wall %e s, peak RSS %M KiB" \
    "$BIN" run --suite "$dir/s$n" --model "$dir/text.toml" --batch "${BATCH:-64}" --resamples 200 \
    --out "$dir/out$n" -q >/dev/null
  # The same evaluation without inference: score the run's own predictions (probabilities and
  # all). What run holds beyond it is the difference of the two peaks.
  /usr/bin/time -f "score of the same predictions: wall %e s, peak RSS %M KiB" \
    "$BIN" score --suite "$dir/s$n" --predictions "$dir/out$n/predictions.parquet" --resamples 200 \
    --out "$dir/score$n" -q >/dev/null
  if [ "${HEAPTRACK:-0}" = 1 ]; then
    heaptrack -o "$dir/heap$n" "$BIN" run --suite "$dir/s$n" --model "$dir/text.toml" --batch "${BATCH:-64}" \
      --resamples 200 --out "$dir/heap-out$n" -q >/dev/null
    heaptrack_print -f "$dir"/heap$n.*zst --print-allocators 0 --print-temporary 0 --print-leaks 0 \
      --peak-limit 12 --merge-backtraces 0 | grep -E "peak memory consumed|harness/src|peak heap" | head -40
  fi
  echo "  items.csv $(du -h "$dir/s$n/items.csv" | cut -f1), journal $(du -h "$dir/out$n/predictions.journal.jsonl" | cut -f1), predictions.parquet $(du -h "$dir/out$n/predictions.parquet" | cut -f1)"
  rm -rf "$dir/s$n" "$dir/out$n" "$dir/score$n"
done
