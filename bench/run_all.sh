#!/usr/bin/env bash
# Runs every side-by-side benchmark (graphrun vs numpy/scipy/PyTorch in one run) against
# build/graphrun and prints their Markdown tables; paste them into bench/RESULTS.md with the
# date and machine. Needs `tools/setup.sh --reference` (PyTorch) and a quiet machine.
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
