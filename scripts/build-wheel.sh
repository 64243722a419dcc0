#!/usr/bin/env bash
# Build the `pip install tonebench` wheel: the tonebench binary (maturin, bindings = "bin", see
# pyproject.toml) with a dependency on the onnxruntime wheel.
#   scripts/build-wheel.sh                 release wheel into target/wheels/ (or $CARGO_TARGET_DIR/wheels)
#   scripts/build-wheel.sh --profile dev   a quick unoptimised one (what tests/wheel.rs builds)
# Extra arguments go to `maturin build` (e.g. --out DIR, --features opus, --compatibility linux).
# maturin comes from PyPI into ${TONEBENCH_MATURIN_VENV:-~/.cache/tonebench-py/maturin}, never the repository.
# Prints the wheel's path on its last line.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${TONEBENCH_MATURIN_VENV:-$HOME/.cache/tonebench-py/maturin}"
MATURIN_VERSION="1.16.0"

if [ ! -x "$VENV/bin/maturin" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "maturin==${MATURIN_VERSION}"
fi

args=(build --manifest-path "$REPO/Cargo.toml")
release=1 out=1
for a in "$@"; do
  case "$a" in
    --profile|--profile=*|--release|-r) release=0 ;;
    --out|--out=*|-o) out=0 ;;
  esac
done
[ "$release" = 1 ] && args+=(--release)
[ "$out" = 1 ] && args+=(--out "${CARGO_TARGET_DIR:-$REPO/target}/wheels")
# A wheel for this machine's glibc unless told otherwise: the binary links only libc, libm,
# libgcc_s and libstdc++ (ONNX Runtime is loaded at run time from the onnxruntime wheel).
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
"$VENV/bin/maturin" "${args[@]}" "$@" 2>&1 | tee "$log" >&2
wheel="$(grep -o '[^ ]*tonebench-[^ ]*\.whl' "$log" | tail -1)"
[ -n "$wheel" ] && [ -f "$wheel" ] || { echo "build-wheel.sh: maturin named no wheel" >&2; exit 1; }
echo "$wheel"
