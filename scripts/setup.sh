#!/usr/bin/env bash
# Install the kit and its dependencies into the current Python (3.11+).
# PyTorch: the CPU build 2.13.0 is installed unless a torch >= 2.13 is already
# present (GPU users install their CUDA build of torch first; it is kept).
# Each step says what it does before it starts: some take minutes (PyTorch is a large download).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "setup: $*"; }
# pip's own progress (downloads, builds) is shown; its line for each requirement already there is not.
pip_install() { "$PY" -m pip install "$@" 2>&1 | { grep -v '^Requirement already satisfied' || true; }; }
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: the kit needs Python 3.11 or later; $PY is $("$PY" -V 2>&1 || echo missing) (set PYTHON=...)" >&2
  exit 1
fi
# bubblewrap confines student code while it is graded (grader/isolation.py). Installed where we
# can (root with apt-get); without it grading still works, with resource limits only and a warning.
if ! command -v bwrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing bubblewrap (apt-get)…"
    (apt-get install -y -qq bubblewrap >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq bubblewrap >/dev/null 2>&1; }) \
      || echo "setup: could not install bubblewrap; student code will run with resource limits only" >&2
  else
    echo "setup: bubblewrap (bwrap) is not installed; install it (e.g. apt-get install bubblewrap) to isolate student code" >&2
  fi
fi
if "$PY" -c 'import sys, torch; v = tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2]); sys.exit(v < (2, 13))' 2>/dev/null; then
  say "keeping the installed PyTorch $("$PY" -c 'import torch; print(torch.__version__)' 2>/dev/null)"
else
  say "installing PyTorch 2.13.0 (CPU build; a large download, this can take several minutes)…"
  pip_install "torch==2.13.0"
fi
say "installing the kit (pip install -e '.[dev]') and its other dependencies…"
pip_install -e ".[dev]"
say "done: try 'dlgrade --help'"
