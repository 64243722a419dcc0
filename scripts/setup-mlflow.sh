#!/usr/bin/env bash
# MLflow 3.17.2 from PyPI into a cached venv outside the repository, for tests/mlflow.rs (the
# real-server tests of `--mlflow` and `tonebench log mlflow`). ~50 s the first time, then a no-op.
# The venv: $TONEBENCH_MLFLOW_VENV, default ~/.cache/tonebench-py/mlflow.
set -euo pipefail
VENV="${TONEBENCH_MLFLOW_VENV:-$HOME/.cache/tonebench-py/mlflow}"
VERSION=3.17.2
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import mlflow,sys; sys.exit(mlflow.__version__ != '$VERSION')" 2>/dev/null; then
  exit 0
fi
PY="${PYTHON:-python3}"
mkdir -p "$(dirname "$VENV")"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "mlflow==$VERSION"
"$VENV/bin/python" -c "import mlflow; print('mlflow', mlflow.__version__, 'in $VENV')"
