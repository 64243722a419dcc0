#!/usr/bin/env bash
# Packs what scripts/gpu/run_on_device.sh needs on a device machine that has no Rust toolchain, no onnxruntime-gpu
# and no network, into pieces the device tool can carry (64 MiB a call, the working tree included). Run it here, after make setup-gpu:
#
#   bash scripts/gpu/prepare-carry.sh     # → .gpu-carry/part-00, part-01, … (about 400 MB in all, ≤ 48 MiB each: the working tree, ~11 MiB, travels too)
#
# It builds (debug, as everything here) and strips tonebench and the integration-test binary, and packs them with
# the GPU build of ONNX Runtime from .ort-gpu/ and what the checks read of ../shared (libonnxruntime.so.1.31.1 and its provider libraries; not the CUDA
# libraries: the device's Python environment has CUDA 13 / cuDNN 9, found through TONEBENCH_GPU_LIB_PATH).
# On the device, while it stays warm: one call per part, carry [".gpu-carry/part-NN"] and command
#   mkdir -p /tmp/tonebench-stage && cp .gpu-carry/part-NN /tmp/tonebench-stage/
# then one call with command `bash scripts/gpu/run_on_device.sh`, which unpacks the parts it finds there.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f .ort-gpu/libonnxruntime.so.1.31.1 ] || { echo "prepare-carry: run make setup-gpu first" >&2; exit 2; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${HOME}/.cache/tonebench/target}"
cargo build --locked --bins --tests >&2
TESTS="$(cargo test --locked --no-run --test tests --message-format=json 2>/dev/null \
  | grep '"name":"tests"' | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)"
[ -x "${TESTS}" ] || { echo "prepare-carry: no test binary" >&2; exit 3; }
STAGE="$(mktemp -d)"
trap 'rm -rf "${STAGE}"' EXIT
mkdir -p "${STAGE}/bin" "${STAGE}/ort-gpu"
strip -o "${STAGE}/bin/tonebench" "${CARGO_TARGET_DIR}/debug/tonebench"
strip -o "${STAGE}/bin/tests" "${TESTS}"
cp .ort-gpu/libonnxruntime.so.1.31.1 .ort-gpu/libonnxruntime_providers_*.so "${STAGE}/ort-gpu/"
rm -rf .gpu-carry
mkdir -p .gpu-carry
# ../shared does not travel with the working tree: the models, suites and data the GPU checks read go in the pack.
SHARED=(DESIGN.md suites models/text-minilm-sentiment models/audio-cnn-valence models/hybrid-early-fusion
        data/ravdess-dev data/financial-phrasebank data/meld-text)
mkdir -p "${STAGE}/shared"
for p in "${SHARED[@]}"; do
  mkdir -p "${STAGE}/shared/$(dirname "${p}")"
  cp -a "../shared/${p}" "${STAGE}/shared/${p}"
done
tar -C "${STAGE}" -cf - bin ort-gpu shared | gzip -1 | split -b 48M -d -a 2 - .gpu-carry/part-
ls -l .gpu-carry >&2
