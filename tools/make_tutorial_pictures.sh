#!/usr/bin/env bash
# Draws the pictures of docs/tutorial.md with graphrun itself (run --plot), from the graphs
# the tutorial walks through. Usage: tools/make_tutorial_pictures.sh [build/graphrun]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
exe=${1:-$root/build/graphrun}
out=$root/docs/tutorial
mkdir -p "$out"
draw() {  # picture name, graph, extra run arguments...
  local name=$1 graph=$2
  shift 2
  "$exe" run "$root/$graph" --plot "$out/$name.png" -q "$@"
  echo "drew docs/tutorial/$name.png from $graph"
}
draw derivative graphs/tutorial/derivative.yaml --plot-x x
draw euler_error graphs/tutorial/euler_error.yaml --plot-x t
draw methods graphs/tutorial/methods.yaml --plot-x t
draw rnn graphs/seed/rnn.yaml
draw conv1d graphs/seed/conv1d.yaml
draw ssm_duality graphs/ssm/duality.yaml
draw mamba_block graphs/mamba/block.yaml
