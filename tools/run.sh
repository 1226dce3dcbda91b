#!/usr/bin/env bash
# Installs dependencies, builds graphrun (Release) and runs the default graph, or the graph
# and arguments given: tools/run.sh [GRAPH.yaml [graphrun run options...]].
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/tools/setup.sh"
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$root/build" -j "$(nproc)" --target graphrun
if [ $# -eq 0 ]; then set -- "$root/graphs/examples/activations.yaml"; fi
exec "$root/build/graphrun" run "$@"
