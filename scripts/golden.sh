#!/usr/bin/env bash
# Records the golden run folders of tests/fixtures/golden/cases.txt with a tonebench binary:
#   scripts/golden.sh [BIN]      (default: target/debug/tonebench of this checkout)
# For each case it keeps report.json, report.md, report.html and predictions.parquet under
# tests/fixtures/golden/NAME/. tests/golden.rs reruns every case with the current build and
# compares: renderers byte for byte, run outputs with the timings (which no two runs share) masked.
# Run it only when an output is meant to change, and say why in the commit.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-${CARGO_TARGET_DIR:-target}/debug/tonebench}"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
[ -d ../shared ] || { echo "golden: ../shared not found beside the checkout" >&2; exit 1; }
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
grep -v '^#' tests/fixtures/golden/cases.txt | while read -r name args; do
  [ -n "$name" ] || continue
  out="$scratch/$name"
  # shellcheck disable=SC2086
  set -- ${args//\{shared\}/../shared}
  "$bin" "${@//\{out\}/$out}" --resamples 200 > /dev/null
  dest="tests/fixtures/golden/$name"
  rm -rf "$dest" && mkdir -p "$dest"
  for f in report.json report.md report.html predictions.parquet; do
    cp "$out/$f" "$dest/$f"
  done
  echo "golden: recorded $dest"
done
