#!/usr/bin/env bash
# Runs every side-by-side benchmark (graphrun vs numpy/scipy/PyTorch in one run) against
# build/graphrun and prints their Markdown tables; paste them into bench/RESULTS.md with the
# date and machine. Needs `tools/setup.sh --reference` (PyTorch) and a quiet machine; the
# comparison with the compilers (JAX, numba, numexpr) needs their venv: bench/compilers/setup.sh.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
exe=${GRAPHRUN:-$root/build/graphrun}
py=/usr/bin/python3
echo "## $(date -u +%Y-%m-%d), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for script in compare bench_calculus bench_sequence bench_signal; do
  echo
  echo "### $script"
  "$py" "$root/bench/$script.py" --graphrun "$exe" 2>/dev/null
done
echo
echo "### compilers/bench_compilers (issue 11)"
compilers_py=$root/build/bench-compilers-venv/bin/python
if "$compilers_py" -c "import jax, numba, numexpr, scipy" 2>/dev/null; then
  "$compilers_py" "$root/bench/compilers/bench_compilers.py" --graphrun "$exe" 2>/dev/null
else
  echo "skipped: no venv with JAX, numba and numexpr at $compilers_py (make it with bench/compilers/setup.sh)"
fi
echo
echo "### roofline"
"$py" "$root/bench/roofline.py" --graphrun "$exe"
