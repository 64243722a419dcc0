#!/usr/bin/env bash
# Fetch the official ONNX Runtime shared library from the PyPI wheel into <repo>/.ort/.
# Idempotent: does nothing when the library is already there. Prints the library path.
# Why PyPI: ort's own CDN (download-binaries) is unreachable from many networks; pip is not.
set -euo pipefail

ORT_VERSION="1.31.1"   # must match ort's api-31 feature (ort =2.0.0-rc.15)
LIB="libonnxruntime.so.${ORT_VERSION}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${REPO}/.ort"

if [ -f "${DEST}/${LIB}" ]; then
  echo "${DEST}/${LIB}"
  exit 0
fi

PY="$(command -v python3 || command -v python || true)"
if [ -z "${PY}" ]; then
  echo "setup-ort: python3 with pip is needed to download the onnxruntime wheel" >&2
  exit 2
fi

TMP="$(mktemp -d)"
trap 'rm -rf "${TMP}"' EXIT

"${PY}" -m pip download --quiet --no-deps --only-binary=:all: \
  --platform manylinux_2_28_x86_64 --python-version 3.12 \
  "onnxruntime==${ORT_VERSION}" -d "${TMP}" >&2

WHEEL="$(ls "${TMP}"/onnxruntime-"${ORT_VERSION}"-*.whl 2>/dev/null | head -n 1)"
if [ -z "${WHEEL}" ]; then
  echo "setup-ort: pip did not produce an onnxruntime ${ORT_VERSION} wheel" >&2
  exit 3
fi

mkdir -p "${DEST}"
"${PY}" - "${WHEEL}" "${DEST}" "${LIB}" <<'PYEOF'
import sys, zipfile, os, shutil
wheel, dest, lib = sys.argv[1:4]
member = "onnxruntime/capi/" + lib
with zipfile.ZipFile(wheel) as z:
    tmp = os.path.join(dest, lib + ".part")
    with z.open(member) as src, open(tmp, "wb") as out:
        shutil.copyfileobj(src, out)
    os.replace(tmp, os.path.join(dest, lib))
PYEOF

echo "${DEST}/${LIB}"
