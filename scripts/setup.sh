#!/usr/bin/env bash
# Install the kit and its dependencies into the current Python (3.10+).
# PyTorch: the CPU build 2.13.0 is installed unless a torch >= 2.13 is already
# present (GPU users install their CUDA build of torch first; it is kept).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys, torch; v = tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2]); sys.exit(v < (2, 13))' 2>/dev/null; then
  "$PY" -m pip install --quiet "torch==2.13.0"
fi
"$PY" -m pip install --quiet -e ".[dev]"
