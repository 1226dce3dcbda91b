#!/usr/bin/env bash
# A third-party plugin with a CUDA kernel (tests/plugin_host/cuda_plugin: C++ registration, a
# .cu kernel on the node's stream) builds against the installed graphrun with only
# find_package(graphrun), exports only its entry point, shows both kernels in `graphrun ops`
# and runs on the CPU. Its CUDA kernel runs in the GPU tests (tools/gpu-check.sh).
set -euo pipefail
build_dir=$1 source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAILED: $*"; exit 1; }

cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"
cp -r "$source_dir/tests/plugin_host/cuda_plugin" "$work/plugin"
env -u CMAKE_PREFIX_PATH -u CMAKE_CUDA_ARCHITECTURES cmake -S "$work/plugin" -B "$work/plugin/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_CUDA_ARCHITECTURES=90 > "$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; fail "the CUDA plugin does not configure"; }
cmake --build "$work/plugin/build" > "$work/build.log" 2>&1 || { cat "$work/build.log"; fail "the CUDA plugin does not build"; }
lib=$work/plugin/build/libcuda_saxpy.so
# The .cu file was compiled with graphrun's floating-point rules for CUDA, carried by the package.
grep -rq -- "--fmad=false" "$work/plugin/build/build.ninja" || fail "saxpy.cu was not compiled with --fmad=false"
exported=$(nm -D --defined-only "$lib" | awk '{print $3}')
[ "$exported" = "graphrun_plugin_init" ] || fail "the plugin exports more than its entry point: $exported"

graphrun=$work/prefix/bin/graphrun
ops=$("$graphrun" ops saxpy --plugin "$lib")
grep -q "kernels: cpu, cuda" <<< "$ops" || fail "graphrun ops does not show both kernels: $ops"
cat > "$work/g.yaml" <<YAML
format: 1
graph: saxpy
dtype: f64
nodes:
  - {id: x, op: constant, value: [1.0, 2.0, 3.0]}
  - {id: y, op: constant, value: [0.5, 0.25, 0.125]}
  - {id: s, op: saxpy, in: [x, y], a: 2}
outputs: [s]
YAML
out=$("$graphrun" run "$work/g.yaml" --plugin "$lib")
[ "$out" = "s: f64 (3,) = [2.5, 4.25, 6.125]" ] || fail "the CPU kernel gave: $out"
echo "the out-of-tree CUDA plugin builds and runs on the CPU"
