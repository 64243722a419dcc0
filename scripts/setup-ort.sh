#!/usr/bin/env bash
# Fetch the official ONNX Runtime shared library from its PyPI wheel.
#   scripts/setup-ort.sh          the CPU build (onnxruntime) into <repo>/.ort/
#   scripts/setup-ort.sh --gpu    the GPU build (onnxruntime-gpu, with its CUDA and TensorRT providers) and the
#                                 CUDA 13 / cuDNN 9 / TensorRT 10 libraries those providers need, from NVIDIA's
#                                 PyPI wheels, into <repo>/.ort-gpu/ (1.6 GB of wheels, 2.5 GB unpacked)
# Idempotent: does nothing when the files are already there. Prints the libonnxruntime path.
# Why PyPI: ort's own CDN (download-binaries) is unreachable from many networks; pip is not.
# The GPU wheels are cached in ${TONEBENCH_WHEEL_CACHE:-~/.cache/tonebench/gpu-wheels}, never in the repository.
set -euo pipefail

ORT_VERSION="1.31.1"   # must match ort's api-31 feature (ort =2.0.0-rc.15)
LIB="libonnxruntime.so.${ORT_VERSION}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# onnxruntime-gpu 1.31.1 is built with CUDA 13.0 (capi/build_and_package_info.py: cuda_version = '13.0').
# What its providers need (readelf -d, and strings for what they dlopen):
#   libonnxruntime_providers_cuda.so      NEEDED libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10
#                                         libcuda.so.1 (the driver); dlopens libcudnn.so.9, libcufft.so.12, libnvrtc.so.13
#   libonnxruntime_providers_tensorrt.so  NEEDED libnvinfer.so.10 libnvonnxparser.so.10 libcudnn.so.9 libcudart.so.13
#                                         libcublas.so.13
# libcuda.so.1 comes with the NVIDIA driver and cannot come from PyPI. The CUDA runtime wheels below are the
# CUDA 13.0 ones (the toolkit ORT was built with): they need a driver of the 580 series or newer.
GPU_WHEELS=(
  "onnxruntime-gpu==${ORT_VERSION}"
  "nvidia-cuda-runtime==13.0.96"     # libcudart.so.13
  "nvidia-cublas==13.1.0.3"          # libcublas.so.13, libcublasLt.so.13 (CUDA 13.0 update 2)
  "nvidia-curand==10.4.0.35"         # libcurand.so.10
  "nvidia-cufft==12.0.0.61"          # libcufft.so.12
  "nvidia-cuda-nvrtc==13.0.88"       # libnvrtc.so.13 (+ its builtins)
  "nvidia-nvjitlink==13.0.88"        # libnvJitLink.so.13 (cuFFT and cuBLASLt JIT-link with it)
  "nvidia-cudnn-cu13==9.28.1.4"      # libcudnn.so.9 and its sub-libraries
)
# TensorRT 10 (libnvinfer.so.10, libnvonnxparser.so.10) has no wheel on PyPI: tensorrt-cu13-libs there is an sdist
# that fetches the wheel from NVIDIA's own package index at install time. Give that index (or a mirror of it) in
# TONEBENCH_TENSORRT_INDEX to add it; without it .ort-gpu/ has no TensorRT and `tonebench doctor` says
# libnvinfer.so.10 is missing.
TRT_WHEEL="tensorrt-cu13-libs==10.16.1.11"
if [ -n "${TONEBENCH_TENSORRT_INDEX:-}" ]; then
  GPU_WHEELS+=("${TRT_WHEEL}")
fi

PY="$(command -v python3 || command -v python || true)"
need_python() {
  if [ -z "${PY}" ]; then
    echo "setup-ort: python3 with pip is needed to download the onnxruntime wheel" >&2
    exit 2
  fi
}

cpu() {
  local dest="${REPO}/.ort"
  if [ -f "${dest}/${LIB}" ]; then
    echo "${dest}/${LIB}"
    return 0
  fi
  need_python
  local tmp
  tmp="$(mktemp -d)"
  # Expanded now: `tmp` is local, gone when the EXIT trap runs.
  trap "rm -rf '${tmp}'" EXIT

  "${PY}" -m pip download --quiet --no-deps --only-binary=:all: \
    --platform manylinux_2_28_x86_64 --python-version 3.12 \
    "onnxruntime==${ORT_VERSION}" -d "${tmp}" >&2

  local wheel
  wheel="$(ls "${tmp}"/onnxruntime-"${ORT_VERSION}"-*.whl 2>/dev/null | head -n 1)"
  if [ -z "${wheel}" ]; then
    echo "setup-ort: pip did not produce an onnxruntime ${ORT_VERSION} wheel" >&2
    exit 3
  fi

  mkdir -p "${dest}"
  "${PY}" - "${wheel}" "${dest}" "${LIB}" <<'PYEOF'
import sys, zipfile, os, shutil
wheel, dest, lib = sys.argv[1:4]
member = "onnxruntime/capi/" + lib
with zipfile.ZipFile(wheel) as z:
    tmp = os.path.join(dest, lib + ".part")
    with z.open(member) as src, open(tmp, "wb") as out:
        shutil.copyfileobj(src, out)
    os.replace(tmp, os.path.join(dest, lib))
PYEOF
  echo "${dest}/${LIB}"
}

gpu() {
  local dest="${REPO}/.ort-gpu"
  local stamp="${dest}/WHEELS"
  # The stamp lists the pinned wheels; a folder made from other pins is made again.
  if [ -f "${dest}/${LIB}" ] && [ -f "${stamp}" ] && [ "$(cat "${stamp}")" = "$(printf '%s\n' "${GPU_WHEELS[@]}")" ]; then
    echo "${dest}/${LIB}"
    return 0
  fi
  need_python
  local cache="${TONEBENCH_WHEEL_CACHE:-${HOME}/.cache/tonebench/gpu-wheels}"
  case "${cache}/" in
    "${REPO}/"*) echo "setup-ort: TONEBENCH_WHEEL_CACHE must be outside the repository" >&2; exit 2 ;;
  esac
  mkdir -p "${cache}"
  local avail_kb
  avail_kb="$(df -Pk "${cache}" | awk 'NR==2 {print $4}')"
  if [ "${avail_kb:-0}" -lt $((5 * 1024 * 1024)) ]; then
    echo "setup-ort: --gpu needs about 5 GB free (1.6 GB of wheels in ${cache}, 2.5 GB unpacked in .ort-gpu/); $((avail_kb / 1024)) MB free" >&2
    exit 4
  fi
  echo "setup-ort: downloading ${#GPU_WHEELS[@]} wheels (1.6 GB) into ${cache}" >&2
  # pip skips a wheel that is already in the folder.
  "${PY}" -m pip download --quiet --no-deps --only-binary=:all: \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux2014_x86_64 \
    --python-version 3.12 -d "${cache}" ${TONEBENCH_TENSORRT_INDEX:+--extra-index-url "${TONEBENCH_TENSORRT_INDEX}"} \
    "${GPU_WHEELS[@]}" >&2
  if [ -z "${TONEBENCH_TENSORRT_INDEX:-}" ]; then
    echo "setup-ort: no TensorRT (${TRT_WHEEL} has no wheel on PyPI; set TONEBENCH_TENSORRT_INDEX to NVIDIA's package index to add it)" >&2
  fi

  rm -rf "${dest}.part"
  mkdir -p "${dest}.part"
  # Every shared library of the wheels goes into one flat folder: libonnxruntime loads its providers from its own
  # folder, and the NVIDIA libraries find their sub-libraries (cuDNN's engines, TensorRT's builder resource)
  # through their $ORIGIN run path. tonebench loads the CUDA libraries by absolute path before ONNX Runtime
  # (harness/src/infer/gpu.rs), so no LD_LIBRARY_PATH is needed.
  "${PY}" - "${cache}" "${dest}.part" "${GPU_WHEELS[@]}" <<'PYEOF'
import sys, zipfile, os, shutil, glob, re
cache, dest, pins = sys.argv[1], sys.argv[2], sys.argv[3:]
for pin in pins:
    name, version = pin.split("==")
    stem = re.sub(r"[-_.]+", "_", name)
    wheels = sorted(glob.glob(os.path.join(cache, f"{stem}-{version}-*.whl")))
    if not wheels:
        sys.exit(f"setup-ort: pip did not produce a {pin} wheel in {cache}")
    n = 0
    with zipfile.ZipFile(wheels[0]) as z:
        for m in z.infolist():
            base = os.path.basename(m.filename)
            if not re.search(r"\.so(\.\d+)*$", base) or ".cpython-" in base:
                continue
            if name == "onnxruntime-gpu" and not m.filename.startswith("onnxruntime/capi/"):
                continue
            with z.open(m) as src, open(os.path.join(dest, base), "wb") as out:
                shutil.copyfileobj(src, out)
            n += 1
    if n == 0:
        sys.exit(f"setup-ort: {wheels[0]} holds no shared library")
    print(f"setup-ort: {pin}: {n} libraries", file=sys.stderr)
PYEOF
  printf '%s\n' "${GPU_WHEELS[@]}" > "${dest}.part/WHEELS"
  rm -rf "${dest}"
  mv "${dest}.part" "${dest}"
  echo "${dest}/${LIB}"
}

case "${1:-}" in
  "") cpu ;;
  --gpu) gpu ;;
  *) echo "usage: scripts/setup-ort.sh [--gpu]" >&2; exit 2 ;;
esac
