#!/usr/bin/env bash
# A virtual environment of its own for the Python call benchmark's peer (onnxruntime and
# onnx from PyPI, with the numpy they need), apart from the project's .venv so that the tests
# keep Debian's numpy. Prints the environment's python.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv="$root/build/bench-venv"
if ! "$venv/bin/python" -c "import onnxruntime, onnx, numpy" 2>/dev/null; then
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check onnxruntime onnx numpy >&2
fi
echo "$venv/bin/python"
