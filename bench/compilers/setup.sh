#!/usr/bin/env bash
# A virtual environment of its own for the compiler peers of bench_compilers.py: JAX (XLA's
# fusing compiler), numba and numexpr from PyPI, with the numpy and scipy they need, apart
# from the project's .venv so that the tests keep Debian's numpy. Idempotent: when the
# packages import already, it only prints the environment's python.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv="$root/build/bench-compilers-venv"
if ! "$venv/bin/python" -c "import jax, numba, numexpr, numpy, scipy" 2>/dev/null; then
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check jax numba numexpr numpy scipy >&2
fi
echo "$venv/bin/python"
