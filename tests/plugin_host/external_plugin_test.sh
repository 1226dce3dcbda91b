#!/usr/bin/env bash
# Installs graphrun into a temporary prefix, builds tests/plugin_host/external with
# find_package(graphrun), checks that the plugin got graphrun's floating-point flags (no FP
# contraction, no fast-math, even when the user's CMAKE_CXX_FLAGS ask for it), and runs a
# graph with the plugin through the installed graphrun.
set -euo pipefail
build_dir=$1 source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" > /dev/null
cmake -S "$source_dir/tests/plugin_host/external" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCMAKE_CXX_FLAGS=-ffast-math > /dev/null
cmake --build "$work/build" > /dev/null
# The plugin's compile command: graphrun's flags present, and -fno-fast-math after the
# user's -ffast-math (the last one wins).
command=$(grep '"command"' "$work/build/compile_commands.json" | grep softsign.cpp)
case "$command" in
  *-ffp-contract=off*) ;;
  *) echo "no -ffp-contract=off in: $command"; exit 1 ;;
esac
case "$command" in
  *-ffast-math*-fno-fast-math*) ;;
  *) echo "-fno-fast-math missing or before -ffast-math in: $command"; exit 1 ;;
esac
cat > "$work/g.yaml" <<GRAPH
format: 1
graph: external
dtype: f64
nodes:
  - {id: x, op: constant, value: [-3.0, 1.0]}
  - {id: s, op: softsign, in: [x]}
  - {id: y, op: scale, in: [s], a: 4}
outputs: [y]
GRAPH
out=$("$work/prefix/bin/graphrun" run "$work/g.yaml" --plugin "$work/build/libsoftsign.so")
echo "$out"
# -3/(1+3)*4 = -3, 1/(1+1)*4 = 2
[ "$out" = "y: f64 (2,) = [-3.0, 2.0]" ]
"$work/prefix/bin/graphrun" explain "$work/g.yaml" --plugin "$work/build/libsoftsign.so" | grep -q "y: s (softsign), y (scale)"
