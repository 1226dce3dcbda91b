#!/usr/bin/env bash
# The whole test suite: installs dependencies (idempotent), then builds and runs every test
# twice: a Release build with warnings as errors, and an ASan+UBSan build; then fuzzes each
# libFuzzer harness for a bounded time (tools/fuzz.sh, GRAPHRUN_FUZZ_SECONDS each).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/tools/setup.sh"
jobs=$(nproc)

run_suite() {  # name, extra cmake arguments...
  local build="$root/build-test-$1"
  shift
  cmake -S "$root" -B "$build" -G Ninja -DGRAPHRUN_BUILD_BENCH=OFF "$@" > "$build.configure.log" 2>&1 ||
    { cat "$build.configure.log"; return 1; }
  cmake --build "$build" -j "$jobs"
  ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 600
}

mkdir -p "$root/build-test-release" "$root/build-test-sanitize"
echo "== Release build, warnings as errors"
run_suite release -DCMAKE_BUILD_TYPE=Release
echo "== ASan + UBSan build"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$root/tools/ubsan.supp}
run_suite sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGRAPHRUN_SANITIZE=ON
echo "== Fuzzing: clang + libFuzzer, ${GRAPHRUN_FUZZ_SECONDS:-60} s per harness"
bash "$root/tools/fuzz.sh"
