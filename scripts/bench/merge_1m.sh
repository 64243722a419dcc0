#!/usr/bin/env bash
# Issue 14's performance check: `tonebench merge` of 16 shards holding 1,000,000 items in all —
# wall time and peak RSS (/usr/bin/time -v) — beside the evaluation of the same items unsharded
# (`run --resume` over one journal holding them all: what the unsharded run does after inference).
# The predictions are synthetic, written into the journals as `run --shard` journals them (2,000
# speakers, split by the same SHA-256 rule); the rest is real: `run --shard I/16 --resume` with the
# demo text model writes each shard's predictions.parquet and shard.json, merge joins and
# evaluates, and the two report.json files are compared byte for byte.
#   scripts/bench/merge_1m.sh [BIN [RESAMPLES]]     (default: target/release/tonebench, 1000)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-${CARGO_TARGET_DIR:-target}/release/tonebench}
resamples=${2:-1000}
items=${MERGE_BENCH_ITEMS:-1000000}   # fewer for a quick try
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" "$items" <<'PY'
import hashlib, json, os, random, sys
d = sys.argv[1]; n = int(sys.argv[2]); shards = 16; speakers = 2000
rng = random.Random(14)
labels = ["negative", "neutral", "positive"]
os.makedirs(f"{d}/suite")
open(f"{d}/suite/suite.toml", "w").write(
    'format-version = 1\nname = "merge-1m"\nlabels = ["negative", "neutral", "positive"]\n'
    'items = "items.csv"\n[cohorts]\nmetadata = ["sex", "accent"]\nseed = 7\nmin-speakers = 5\n')
def shard_of(key):
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % shards
spk_shard = [shard_of(f"spk-{s:04d}") for s in range(speakers)]
journals = [open(f"{d}/j{i}.jsonl", "w") for i in range(shards)]
whole = open(f"{d}/whole.jsonl", "w")
with open(f"{d}/suite/items.csv", "w") as items:
    items.write("id,label,text,speaker,sex,accent\n")
    for i in range(n):
        s = rng.randrange(speakers); t = rng.randrange(3)
        items.write(f"item-{i:07d},{labels[t]},call {i},spk-{s:04d},{'fm'[s % 2]},{'abcd'[s % 4]}\n")
        p = [rng.random() for _ in range(3)]
        p[t if rng.random() < 0.7 else rng.randrange(3)] += 1.5
        z = sum(p)
        line = json.dumps({"kind": "item", "model": "demo-text", "id": f"item-{i:07d}",
                           "probs": [round(x / z, 6) for x in p],
                           "latency_ms": round(rng.uniform(0.5, 3.0), 3)}) + "\n"
        journals[spk_shard[s]].write(line); whole.write(line)
for j in journals: j.close()
whole.close()
PY
model=suites/demo/models/text.toml
common=(--suite "$dir/suite" --model "$model" --resamples "$resamples" --resume)
for i in $(seq 0 15); do
  mkdir -p "$dir/shards/shard-$i-of-16"
  mv "$dir/j$i.jsonl" "$dir/shards/shard-$i-of-16/predictions.journal.jsonl"
  "$bin" run "${common[@]}" --out "$dir/shards" --shard "$i/16" >/dev/null 2>&1
done
echo "suite: $(du -h "$dir/suite/items.csv" | cut -f1) items.csv; shard journals: $(du -ch "$dir"/shards/*/predictions.journal.jsonl | tail -1 | cut -f1)"
report() { grep -E "Elapsed \(wall|Maximum resident|User time|System time" "$1" | sed 's/^\s*//'; }
/usr/bin/time -v "$bin" merge "$dir/shards" --out "$dir/merged" >/dev/null 2>"$dir/merge.time" \
  || { cat "$dir/merge.time"; exit 1; }
echo "tonebench merge (16 shards, $items items, $resamples resamples):"; report "$dir/merge.time"
mkdir -p "$dir/whole"; mv "$dir/whole.jsonl" "$dir/whole/predictions.journal.jsonl"
/usr/bin/time -v "$bin" run "${common[@]}" --out "$dir/whole" >/dev/null 2>"$dir/whole.time" \
  || { cat "$dir/whole.time"; exit 1; }
echo "unsharded evaluation (run --resume over one $items-item journal):"; report "$dir/whole.time"
cmp "$dir/merged/report.json" "$dir/whole/report.json" && echo "report.json: byte-identical"
