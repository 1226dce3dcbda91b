#!/usr/bin/env bash
# The whole test suite: installs dependencies (idempotent), then builds and runs every test
# twice: a Release build with warnings as errors, and an ASan+UBSan build; then the
# scheduler's tests (concurrent runs of one plan) a third time, under ThreadSanitizer; then
# fuzzes each libFuzzer harness for a bounded time (tools/fuzz.sh, GRAPHRUN_FUZZ_SECONDS each).
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

mkdir -p "$root/build-test-release" "$root/build-test-sanitize" "$root/build-test-tsan"
echo "== Release build, warnings as errors"
# The Release build also builds the Python package and runs its pytest suite (Python.Pytest).
run_suite release -DCMAKE_BUILD_TYPE=Release -DGRAPHRUN_PYTHON=ON -DPython_EXECUTABLE="$root/.venv/bin/python"
echo "== ASan + UBSan build"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tools/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$root/tools/ubsan.supp}
run_suite sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGRAPHRUN_SANITIZE=ON
echo "== TSan build (scheduler tests)"
# history_size=7: the previous access of a race keeps its stack, which tools/tsan.supp matches.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:history_size=7:suppressions=$root/tools/tsan.supp}
run_suite tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGRAPHRUN_TSAN=ON
echo "== Fuzzing: clang + libFuzzer, ${GRAPHRUN_FUZZ_SECONDS:-60} s per harness"
bash "$root/tools/fuzz.sh"
