#!/usr/bin/env bash
# Everything GPU-related in one go, on the GPU machine (an H200 with CUDA 13, torch, JAX),
# from the repository root with gpu-bundle.tar.xz (or gpu-bundle/) carried; tools/make-gpu-bundle.sh
# makes both here:
#   1. the bundle starts (else: which library is missing, and the fallback: a source build)
#   2. the device (nvidia-smi, and what graphrun's own probe says); none: exit 3 within seconds
#   3. the GPU tests (ctest label `gpu`: the bundled test executables with their filters)
#   4. the GPU benchmarks side by side (bench/peers/gpu_bench.py: graphrun vs torch eager,
#      torch.compile and JAX, each checked against a float64 reference)
# and writes one Markdown report, $OUT/gpu-check.md, with raw logs beside it (at most 8 files,
# what the device tool brings back). Each stage has a timeout; the whole stops before 8 min.
# Exit: 0 all passed, 1 a stage failed, 3 no device.
#   Usage: tools/gpu-check.sh [--small]    (--small: small benchmark sizes, to try it quickly)
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
out=${OUT:-$root/out/gpu-check}
mkdir -p "$out"
size=gpu
[ "${1:-}" = "--small" ] && size=small
budget=${GPU_CHECK_BUDGET:-450}  # seconds for everything: 7.5 of the 8 minutes
start=$SECONDS
bundle=$root/gpu-bundle
report=$out/gpu-check.md
rows=()     # the stage table: "| stage | result | s |"
status=0

say() { echo "gpu-check: $*" | tee -a "$out/gpu-check.log" >&2; }
left() { local l=$((budget - (SECONDS - start))); echo $(($1 < l ? $1 : (l > 0 ? l : 1))); }
row() { rows+=("| $1 | ${2//|//} | $3 |"); }
write_report() {
  {
    echo "# gpu-check $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "- device: ${device:-none}"
    [ -f "$bundle/manifest.txt" ] && sed 's/^/- bundle /' "$bundle/manifest.txt"
    echo "- total: $((SECONDS - start)) s"
    echo
    echo "| stage | result | seconds |"
    echo "| --- | --- | --- |"
    printf '%s\n' "${rows[@]}"
    if [ -f "$out/bench.md" ]; then
      echo
      echo "## Benchmarks ($size sizes)"
      echo
      cat "$out/bench.md"
    fi
  } >"$report"
  cat "$report"
}
finish() { write_report; exit "$1"; }

# A packed bundle (what make-gpu-bundle.sh makes to be carried) is unpacked first.
if [ ! -d "$bundle" ] && [ -f "$root/gpu-bundle.tar.xz" ]; then
  tar -C "$root" -xJf "$root/gpu-bundle.tar.xz" 2>>"$out/gpu-check.log" ||
    python3 -c "import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" "$root/gpu-bundle.tar.xz" "$root" ||
    say "cannot unpack gpu-bundle.tar.xz"
fi

# CUDA 13 libraries of the machine (libnvrtc, libcublas: too large to carry), for the bundle:
# the toolkit's folder, and wherever else a library the bundle needs is found.
cuda_libs=""
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
  [ -d "$d" ] && cuda_libs+="${cuda_libs:+:}$d"
done
if [ -x "$bundle/tree/graphrun" ]; then
  for name in $(LD_LIBRARY_PATH="$bundle/syslib:$cuda_libs" ldd "$bundle/tree/graphrun" "$bundle"/tree/plugins/*.so 2>/dev/null |
    awk '/not found/ && $1 ~ /^lib(nvrtc|cublas|cudart)/ {print $1}' | sort -u); do
    found=$(timeout 20 find /usr/local /opt /usr/lib -name "$name" -print -quit 2>/dev/null)
    [ -n "$found" ] && cuda_libs+="${cuda_libs:+:}$(dirname "$found")"
  done
fi
export GPU_CHECK_CUDA_LIBS=$cuda_libs

# ---- 1. the bundle
t=$SECONDS
graphrun=""
if [ -x "$bundle/run" ] && [ -f "$bundle/manifest.txt" ]; then
  # Tests hold the absolute paths of the tree they were built in: put links there. The source
  # folder first: the build folder is usually inside it (its link then lands in this checkout).
  build_dir=$(sed -n 's/^BUILD_DIR=//p' "$bundle/manifest.txt")
  source_dir=$(sed -n 's/^SOURCE_DIR=//p' "$bundle/manifest.txt")
  for pair in "$source_dir=$root" "$build_dir=$bundle/tree"; do
    link=${pair%%=*} target=${pair#*=}
    if [ ! -e "$link" ]; then mkdir -p "$(dirname "$link")" && ln -s "$target" "$link" 2>/dev/null ||
      say "cannot link $link -> $target: tests that use absolute paths may fail"; fi
  done
  timeout 30 "$bundle/run" graphrun ops >/dev/null 2>"$out/bundle.err"
  rc=$?
  cat "$out/bundle.err" >>"$out/gpu-check.log"
  if [ $rc -eq 0 ]; then
    graphrun="$bundle/run graphrun"
    row "bundle" "starts ($(sed -n 's/^COMMIT=//p' "$bundle/manifest.txt" | cut -c1-12))" $((SECONDS - t))
  else
    missing=$(LD_LIBRARY_PATH="$bundle/syslib:$cuda_libs" ldd "$bundle/tree/graphrun" 2>&1 | grep "not found" | awk '{print $1}' | xargs)
    say "the bundle does not start: ${missing:+missing $missing; }$(head -c 300 "$out/bundle.err")"
    say "needs $(sed -n 's/^NEEDS=//p' "$bundle/manifest.txt"); this machine: $(ldd --version 2>&1 | head -1)"
    row "bundle" "does not start: ${missing:-see gpu-check.log}" $((SECONDS - t))
  fi
  rm -f "$out/bundle.err"
else
  say "no gpu-bundle/ here: make it with tools/make-gpu-bundle.sh and carry it (carry: [\"gpu-bundle.tar.xz\"])"
  row "bundle" "missing" $((SECONDS - t))
fi

# ---- 2. the device
t=$SECONDS
device=""
if command -v nvidia-smi >/dev/null && nvidia-smi >"$out/nvidia-smi.txt" 2>&1; then
  device=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)
fi
probe=""
if [ -n "$graphrun" ]; then
  # What graphrun itself sees (the reason it falls back to the CPU, if it does).
  printf 'format: 1\ngraph: probe\nnodes:\n  - {id: x, op: linspace, start: 0, stop: 1, num: 4}\noutputs: [x]\n' >"$out/probe.yaml"
  probe=$(timeout 30 $graphrun run "$out/probe.yaml" --device auto --profile --quiet 2>&1 | grep -m1 '^device:' || true)
  rm -f "$out/probe.yaml"
fi
if [ -z "$device" ]; then
  reason=$( (command -v nvidia-smi >/dev/null && head -1 "$out/nvidia-smi.txt") || echo "nvidia-smi is not installed")
  say "no device: $reason${probe:+; graphrun: $probe}"
  row "device" "no device: $reason" $((SECONDS - t))
  finish 3
fi
say "device: $device"
row "device" "$device${probe:+; graphrun: $probe}" $((SECONDS - t))

# ---- fallback: no usable bundle, so build from source here (needs our Debian -dev packages,
# which this machine lacks: CMake names the first one missing; then carry that library's
# .so in gpu-bundle/syslib, or its -dev files, and run again).
if [ -z "$graphrun" ]; then
  t=$SECONDS
  say "building from source in /tmp/gpu-build (fallback)"
  if timeout "$(left 240)" cmake -S "$root" -B /tmp/gpu-build -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DGRAPHRUN_BUILD_BENCH=OFF >"$out/source-build.log" 2>&1 &&
    timeout "$(left 240)" cmake --build /tmp/gpu-build -j"$(nproc)" >>"$out/source-build.log" 2>&1; then
    graphrun=/tmp/gpu-build/graphrun
    row "source build" "built" $((SECONDS - t))
  else
    why=$(grep -m1 -iE "could not find|not found|error" "$out/source-build.log" | head -c 200)
    say "source build failed: $why"
    row "source build" "failed: $why" $((SECONDS - t))
    finish 1
  fi
fi

# ---- 3. the GPU tests
t=$SECONDS
passed=0 failed=0 skipped=0
if [ -f "$bundle/gpu-tests.tsv" ] && [ "$graphrun" != /tmp/gpu-build/graphrun ]; then
  while IFS=$'\t' read -r exe filter; do
    [ -z "$exe" ] && continue
    timeout "$(left 150)" "$bundle/run" "$exe" --gtest_filter="$filter" >>"$out/gpu-tests.log" 2>&1
    rc=$?
    [ $rc -eq 124 ] && say "$exe timed out"
    [ $rc -ne 0 ] && status=1
  done <"$bundle/gpu-tests.tsv"
elif [ -d /tmp/gpu-build ]; then
  timeout "$(left 150)" ctest --test-dir /tmp/gpu-build -L '^gpu$' --output-on-failure >"$out/gpu-tests.log" 2>&1 || status=1
fi
if [ -f "$out/gpu-tests.log" ]; then
  passed=$(grep -ho '^\[  PASSED  \] [0-9]*' "$out/gpu-tests.log" | awk '{s += $4} END {print s + 0}')
  failed=$(grep -ho '^\[  FAILED  \] [0-9]* test' "$out/gpu-tests.log" | awk '{s += $4} END {print s + 0}')
  skipped=$(grep -ho '^\[  SKIPPED \] [0-9]* test' "$out/gpu-tests.log" | awk '{s += $4} END {print s + 0}')
  row "GPU tests" "$passed passed, $failed failed, $skipped skipped" $((SECONDS - t))
else
  row "GPU tests" "no tests labelled gpu in this build" $((SECONDS - t))
fi
say "GPU tests: $passed passed, $failed failed, $skipped skipped"

# ---- 4. the benchmarks
t=$SECONDS
bench_budget=$(left 270)
if timeout "$((bench_budget + 15))" python3 "$root/bench/peers/gpu_bench.py" --graphrun "$graphrun" --out "$out" \
  --size "$size" --budget "$((bench_budget - 5))" >/dev/null 2>>"$out/bench.log"; then
  row "benchmarks" "see below" $((SECONDS - t))
else
  status=1
  row "benchmarks" "failed or timed out (bench.log)" $((SECONDS - t))
fi
finish $status
