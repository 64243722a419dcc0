#!/usr/bin/env bash
# Alternates `tonebench profile` and scripts/bench/profile_python.py on the same model, suite,
# threads, warm-up and iterations, ROUNDS times, and prints the median of each side's p50 of
# session.run (tonebench: the `inference` stage, which times session.run only).
#   scripts/bench/profile_compare.sh MODEL.toml SUITE [THREADS] [ITERATIONS] [ROUNDS]
set -euo pipefail
model=$1 suite=$2 threads=${3:-1} iters=${4:-200} rounds=${5:-5}
bin=${TONEBENCH:-${CARGO_TARGET_DIR:-target}/debug/tonebench}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
  "$bin" profile --model "$model" --suite "$suite" --threads "$threads" --warmup 10 \
    --iterations "$iters" --out "$tmp/t$r" >/dev/null
  python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["models"][0]["latency"]; print(l["batches"][0]["stages"]["inference"]["p50_ms"])' \
    "$tmp/t$r/report.json" >>"$tmp/tonebench.txt"
  python3 "$(dirname "$0")/profile_python.py" --model "$model" --suite "$suite" --threads "$threads" \
    --warmup 10 --iterations "$iters" >>"$tmp/python.txt"
done
python3 - "$tmp/tonebench.txt" "$tmp/python.txt" <<'PY'
import statistics, sys
t = [float(x) for x in open(sys.argv[1])]
p = [float(x) for x in open(sys.argv[2])]
mt, mp = statistics.median(t), statistics.median(p)
print("tonebench inference p50 per round (ms):", " ".join(f"{x:.3f}" for x in t))
print("python    session.run p50 per round (ms):", " ".join(f"{x:.3f}" for x in p))
print(f"median tonebench {mt:.3f} ms, median python {mp:.3f} ms, difference {100 * (mt - mp) / mp:+.1f} %")
PY
