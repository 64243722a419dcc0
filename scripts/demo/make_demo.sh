#!/usr/bin/env bash
# Rebuild the bundled demo suite (suites/demo), the demo calls suite (suites/demo-calls) and the demo
# models from scratch.
# Installs espeak-ng and sox (apt-get) and the Python packages if they are missing.
# Deterministic: same seed -> same WAVs, same models.
set -euo pipefail
cd "$(dirname "$0")/../.."

need_apt=()
command -v espeak-ng >/dev/null || need_apt+=(espeak-ng)
command -v sox >/dev/null || need_apt+=(sox)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${need_apt[@]}"
fi

PY=${PYTHON:-python3}
if ! $PY -c "import numpy, scipy, sklearn, soundfile, onnx, onnxruntime, tokenizers" 2>/dev/null; then
  $PY -m pip install numpy scipy scikit-learn soundfile onnx onnxruntime==1.31.1 tokenizers
fi

$PY scripts/demo/make_demo_suite.py "$@"
$PY scripts/demo/make_demo_calls.py
$PY scripts/demo/train_demo_models.py
