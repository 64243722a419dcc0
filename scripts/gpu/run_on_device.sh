#!/usr/bin/env bash
# The prepared GPU check of issue 19, for a machine with an NVIDIA GPU (the nvidia-h200 device machine).
# Never run it on a machine without a GPU: it would only report that there is none.
#
#   bash scripts/gpu/run_on_device.sh          # writes everything under $OUT (default /tmp/tonebench-gpu)
#
# Steps, each under its own timeout, all under BUDGET_S (default 540 s, the device gives ~15 min in all):
#   1. environment: nvidia-smi, where the GPU build of ONNX Runtime and the CUDA libraries are, tonebench doctor
#   2. build (cargo build, when cargo is there) or the binaries carried in .gpu-carry/bin
#   3. TONEBENCH_GPU_TESTS=1 tests: tests/gpu.rs (CUDA vs CPU agreement on the shared dev suites, written to
#      $OUT/agreement.json with the provider placement of ORT's profiler) and profile::gpu
#   4. tonebench profile --device cuda, then tensorrt, for the three real models at batch 1,8,32 and for 5-s
#      streaming windows (hop 2.5 s); the JSON reports are merged into $OUT/profile-cuda.json / -tensorrt.json
# The device returns at most 8 files, 2 folders down: log.txt, env.txt, tests.txt, agreement.json,
# profile-cuda.json, profile-tensorrt.json, summary.txt.
#
# What the device machine has and lacks (nothing can be fetched there): the NVIDIA driver (580 series: CUDA 13.0),
# a Python environment whose torch (cu130) brings nvidia-cublas, -cuda-runtime, -cuda-nvrtc, -cudnn-cu13, -cufft,
# -curand and -nvjitlink; no onnxruntime-gpu, no TensorRT, and no Rust toolchain seen there. So:
#   - the GPU build of ONNX Runtime (libonnxruntime.so.1.31.1 and libonnxruntime_providers_{shared,cuda,tensorrt}.so,
#     315 MB, more than one call carries) must reach it as .ort-gpu/ (or ORT_DYLIB_PATH); the CUDA libraries are
#     taken from .ort-gpu/ when there, else from that Python environment (TONEBENCH_GPU_LIB_PATH, set below);
#   - without cargo there, carry .gpu-carry/bin/{tonebench,tests} built here (debug build, stripped).
#   scripts/gpu/prepare-carry.sh packs both (binaries, the ORT GPU libraries and what the checks read of ../shared, ~400 MB) into ≤ 48 MiB parts to be
#   staged in /tmp/tonebench-stage by one call each; this script unpacks them.
set -uo pipefail
cd "$(dirname "$0")/../.."
START=$(date +%s)
BUDGET_S="${BUDGET_S:-540}"
OUT="${OUT:-/tmp/tonebench-gpu}"
mkdir -p "${OUT}"
exec > >(tee -a "${OUT}/log.txt") 2>&1
left() { echo $(( BUDGET_S - ($(date +%s) - START) )); }
step() { echo; echo "== $* ($(left) s left)"; }
# Runs a command with at most $1 seconds, never more than what is left of the budget.
bounded() {
  local t="$1"; shift
  local l; l="$(left)"
  if [ "${l}" -le 5 ]; then echo "skipped (budget spent): $*"; return 124; fi
  [ "${t}" -gt "${l}" ] && t="${l}"
  timeout --kill-after=5 "${t}" "$@"
}
summary() { echo "$*" | tee -a "${OUT}/summary.txt"; }

step "environment"
{
  date -u; uname -a
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || echo "nvidia-smi: not there"
  ldconfig -p | grep -E "libcuda\.so" || echo "libcuda.so.1 not in the ld.so cache"
} > "${OUT}/env.txt" 2>&1
cat "${OUT}/env.txt"

# ../shared: the tests and model specs read it beside the checkout; a copy in shared/ travels with the tree.
for d in shared .gpu-carry/shared; do
  if [ ! -d ../shared/models ] && [ -d "${d}/models" ]; then ln -sfn "$(pwd)/${d}" ../shared; fi
done
[ -d ../shared/models ] || summary "no ../shared (models, suites) here: the real-model steps will skip"

# What scripts/gpu/prepare-carry.sh packed and earlier calls staged in /tmp/tonebench-stage: binaries and the GPU
# build of ONNX Runtime, unpacked into .gpu-carry/{bin,ort-gpu}.
if ls /tmp/tonebench-stage/part-* >/dev/null 2>&1; then
  mkdir -p .gpu-carry
  cat /tmp/tonebench-stage/part-* | gzip -dc | tar -C .gpu-carry -xf - && echo "unpacked the staged parts into .gpu-carry/"
fi
if [ -z "${ORT_DYLIB_PATH:-}" ] && [ -f .gpu-carry/ort-gpu/libonnxruntime.so.1.31.1 ]; then
  export ORT_DYLIB_PATH="$(pwd)/.gpu-carry/ort-gpu/libonnxruntime.so.1.31.1"
fi
# The GPU build of ONNX Runtime.
if [ -z "${ORT_DYLIB_PATH:-}" ] && [ ! -f .ort-gpu/libonnxruntime.so.1.31.1 ]; then
  for w in .gpu-carry/onnxruntime_gpu-1.31.1-*.whl; do
    [ -f "$w" ] && mkdir -p .ort-gpu && (cd .ort-gpu && unzip -q -j -o "../$w" 'onnxruntime/capi/lib*.so*')
  done
fi
if [ -z "${ORT_DYLIB_PATH:-}" ] && [ -f .ort-gpu/libonnxruntime.so.1.31.1 ]; then
  export ORT_DYLIB_PATH="$(pwd)/.ort-gpu/libonnxruntime.so.1.31.1"
fi
# The CUDA 13 / cuDNN 9 libraries of the image's Python environment, for what .ort-gpu/ lacks.
PYSITE="$(python3 -c 'import site; print(":".join(site.getsitepackages()))' 2>/dev/null || true)"
GPU_LIBS=""
IFS=: read -r -a SITES <<< "${PYSITE}"
for s in "${SITES[@]}"; do
  for sub in nvidia/cu13/lib nvidia/cudnn/lib nvidia/cublas/lib nvidia/cuda_runtime/lib tensorrt_libs; do
    [ -d "${s}/${sub}" ] && GPU_LIBS="${GPU_LIBS:+${GPU_LIBS}:}${s}/${sub}"
  done
done
# The driver's libcuda.so.1, when the loader would not find it by itself (e.g. a read-only /usr/local/nvidia).
if ! ldconfig -p | grep -q "libcuda\.so\.1"; then
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu; do
    [ -f "${d}/libcuda.so.1" ] && GPU_LIBS="${d}${GPU_LIBS:+:${GPU_LIBS}}" && break
  done
fi
export TONEBENCH_GPU_LIB_PATH="${TONEBENCH_GPU_LIB_PATH:-${GPU_LIBS}}"
echo "ORT_DYLIB_PATH=${ORT_DYLIB_PATH:-unset}" | tee -a "${OUT}/env.txt"
echo "TONEBENCH_GPU_LIB_PATH=${TONEBENCH_GPU_LIB_PATH}" | tee -a "${OUT}/env.txt"

step "build"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$(pwd)/target}"
TB=""; TESTS=""
if command -v cargo >/dev/null 2>&1; then
  if bounded 300 cargo build --locked --all-targets --offline; then
    TB="${CARGO_TARGET_DIR}/debug/tonebench"
  else
    summary "cargo build failed"
  fi
elif [ -x .gpu-carry/bin/tonebench ]; then
  TB="$(pwd)/.gpu-carry/bin/tonebench"
  [ -x .gpu-carry/bin/tests ] && TESTS="$(pwd)/.gpu-carry/bin/tests"
fi
if [ -z "${TB}" ]; then
  summary "no tonebench binary: no cargo here and nothing in .gpu-carry/bin"
  exit 1
fi

step "doctor"
bounded 60 "${TB}" doctor | tee -a "${OUT}/env.txt"
if ! "${TB}" doctor 2>/dev/null | grep -qE '^[[:space:]]+CUDA[[:space:]]+ok$'; then
  summary "CUDA does not work here (see env.txt): no GPU figures"
fi

step "GPU tests"
export TONEBENCH_GPU_TESTS=1 TONEBENCH_GPU_OUT="${OUT}"
if command -v cargo >/dev/null 2>&1; then
  bounded 240 cargo test --locked --offline --test tests -- gpu --test-threads 1 > "${OUT}/tests.txt" 2>&1
  rc=$?
elif [ -n "${TESTS}" ]; then
  CARGO_MANIFEST_DIR="$(pwd)" CARGO_BIN_EXE_tonebench="${TB}" \
    bounded 240 "${TESTS}" gpu --test-threads 1 > "${OUT}/tests.txt" 2>&1
  rc=$?
else
  echo "no test binary" > "${OUT}/tests.txt"; rc=1
fi
summary "GPU tests: exit ${rc} ($(grep -E '^test result' "${OUT}/tests.txt" | tail -n 1))"

# Profiles: text on fpb-allagree, audio and hybrid on ravdess-dev.
MODELS=(
  "tests/fixtures/models/text-minilm-sentiment.toml ../shared/suites/fpb-allagree"
  "tests/fixtures/models/audio-cnn-valence.toml ../shared/suites/ravdess-dev"
  "tests/fixtures/models/hybrid-early-fusion.toml ../shared/suites/ravdess-dev"
)
for device in cuda tensorrt; do
  step "profile --device ${device}"
  dir="/tmp/tonebench-profile-${device}"
  rm -rf "${dir}"; mkdir -p "${dir}"
  for entry in "${MODELS[@]}"; do
    read -r model suite <<< "${entry}"
    name="$(basename "${model}" .toml)"
    # TensorRT builds an engine per input shape the first time; --warmup covers it, and its first-inference
    # time (cold, engine build included) is reported apart from the timed calls. Engines are cached.
    export ORT_TENSORRT_ENGINE_CACHE_ENABLE=1 ORT_TENSORRT_CACHE_PATH="/tmp/tonebench-trt-cache"
    bounded 120 "${TB}" profile --model "${model}" --suite "${suite}" --device "${device}" \
      --batch 1,8,32 --iterations 50 --warmup 5 --out "${dir}/${name}-batch" \
      || summary "profile ${device} ${name} batch: failed (exit $?)"
    case "${name}" in
      text-*) ;;
      *) bounded 120 "${TB}" profile --model "${model}" --suite "${suite}" --device "${device}" \
           --window 5 --hop 2.5 --iterations 50 --warmup 5 --out "${dir}/${name}-stream" \
           || summary "profile ${device} ${name} streaming: failed (exit $?)" ;;
    esac
  done
  # One JSON per device: { "<model>-batch": report, "<model>-stream": report }.
  python3 - "${dir}" "${OUT}/profile-${device}.json" <<'PYEOF' || summary "could not merge the ${device} reports"
import json, os, sys
src, dst = sys.argv[1:3]
out = {}
for name in sorted(os.listdir(src)):
    p = os.path.join(src, name, "report.json")
    if os.path.isfile(p):
        with open(p) as f:
            out[name] = json.load(f)
with open(dst, "w") as f:
    json.dump(out, f, indent=1)
print(f"{dst}: {len(out)} reports")
PYEOF
done

step "done"
summary "took $(( $(date +%s) - START )) s"
