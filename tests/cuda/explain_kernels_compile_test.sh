#!/usr/bin/env bash
# `graphrun explain --device cuda` on every graphs/examples graph prints each elementwise
# kernel's source, and each printed source compiles with nvcc for sm_90 given graphrun's
# include folder, exactly as a user would copy it out of the explain output.
set -euo pipefail
graphrun=$1 source_dir=$2 nvcc=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count=0
for graph in "$source_dir"/graphs/examples/*.yaml; do
  name=$(basename "$graph" .yaml)
  "$graphrun" explain --device cuda "$graph" > "$work/$name.txt"
  # Each "kernel of ID:" (or "epilogue kernel of ID (...):") line starts a source that runs
  # to the next one or the end; an "epilogue of ID: folded into its CUDA kernel" line (an op
  # that applies its epilogue itself) ends one.
  awk -v dir="$work" -v g="$name" '/^(epilogue )?kernel of [^ ]+( \(.*\))?:$/ { k++; file = dir "/" g "_" k ".cu"; next }
                                   /^epilogue of [^ ]+: / { file = ""; next }
                                   file { print > file }' "$work/$name.txt"
done
for kernel in "$work"/*.cu; do
  [ -f "$kernel" ] || continue
  grep -q '__global__' "$kernel" || { echo "FAILED: $(basename "$kernel") holds no kernel"; cat "$kernel"; exit 1; }
  if ! "$nvcc" -arch=sm_90 -std=c++17 --fmad=false -I"$source_dir/engine/include" -c "$kernel" -o "$kernel.o" \
       > "$work/nvcc.log" 2>&1; then
    cat "$kernel" "$work/nvcc.log"
    echo "FAILED: the kernel $(basename "$kernel") printed by explain does not compile with nvcc"
    exit 1
  fi
  count=$((count + 1))
done
[ "$count" -gt 0 ] || { echo "FAILED: explain --device cuda printed no kernel for graphs/examples"; exit 1; }
echo "$count kernels printed by explain --device cuda compile with nvcc for sm_90"
