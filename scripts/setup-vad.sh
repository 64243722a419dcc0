#!/usr/bin/env bash
# Fetch Silero VAD's ONNX graph from the PyPI package silero-vad (MIT) into <repo>/.vad/silero_vad.onnx.
# Idempotent: does nothing when the file is already there with the pinned sha256. Prints the path.
# The graph is never committed (/.vad/ is in .gitignore). The contract a caller must follow to get the
# package's own probabilities (context samples, state, sr input) is in docs/vad.md.
set -euo pipefail

VAD_VERSION="6.2.3"
VAD_MEMBER="silero_vad/data/silero_vad.onnx"   # the default graph (load_silero_vad(onnx=True), opset 16)
VAD_SHA256="1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${REPO}/.vad"
OUT="${DEST}/silero_vad.onnx"

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

if [ -f "${OUT}" ]; then
  have="$(sha256_of "${OUT}")"
  if [ "${have}" = "${VAD_SHA256}" ]; then
    echo "${OUT}"
    exit 0
  fi
  echo "setup-vad: ${OUT} has sha256 ${have}, expected ${VAD_SHA256}; fetching it again" >&2
  rm -f "${OUT}"
fi

PY="$(command -v python3 || command -v python || true)"
if [ -z "${PY}" ] || ! "${PY}" -m pip --version >/dev/null 2>&1; then
  echo "setup-vad: python3 with pip is needed to download the silero-vad ${VAD_VERSION} wheel" >&2
  exit 2
fi

TMP="$(mktemp -d)"
trap 'rm -rf "${TMP}"' EXIT

if ! "${PY}" -m pip download --quiet --no-deps --only-binary=:all: \
  "silero-vad==${VAD_VERSION}" -d "${TMP}" >"${TMP}/pip.log" 2>&1; then
  cat "${TMP}/pip.log" >&2
  echo "setup-vad: pip could not download silero-vad==${VAD_VERSION} from the package index" >&2
  echo "setup-vad: (is PyPI reachable? a proxy or PIP_INDEX_URL may be needed). Without .vad/silero_vad.onnx" >&2
  echo "setup-vad: tonebench's Silero speech-presence source needs that file." >&2
  exit 3
fi

WHEEL="$(ls "${TMP}"/silero_vad-"${VAD_VERSION}"-*.whl 2>/dev/null | head -n 1)"
if [ -z "${WHEEL}" ]; then
  echo "setup-vad: pip did not produce a silero-vad ${VAD_VERSION} wheel" >&2
  exit 3
fi

mkdir -p "${DEST}"
"${PY}" - "${WHEEL}" "${VAD_MEMBER}" "${OUT}" "${VAD_SHA256}" <<'PYEOF'
import hashlib, os, shutil, sys, zipfile
wheel, member, out, want = sys.argv[1:5]
tmp = out + ".part"
with zipfile.ZipFile(wheel) as z:
    try:
        src = z.open(member)
    except KeyError:
        sys.exit(f"setup-vad: {member} is not in {os.path.basename(wheel)}")
    with src, open(tmp, "wb") as dst:
        shutil.copyfileobj(src, dst)
with open(tmp, "rb") as f:
    have = hashlib.sha256(f.read()).hexdigest()
if have != want:
    os.remove(tmp)
    sys.exit(f"setup-vad: {member} has sha256 {have}, expected {want}")
os.replace(tmp, out)
PYEOF

echo "${OUT}"
