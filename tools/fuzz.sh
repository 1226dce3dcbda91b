#!/usr/bin/env bash
# The fuzzing stage: builds the libFuzzer harnesses of tests/fuzz with clang in their own tree
# (engine, plugins and harnesses only; ASan + UBSan + coverage), replays the saved regressions,
# then fuzzes each harness for a bounded time, two at a time. Fails, naming the reproducer, when
# any finds a crash, a sanitizer report, a hang (-timeout) or runaway memory (-rss_limit_mb).
#
#   tools/fuzz.sh [HARNESS...]          loader expr npy csv npz wav (default: all)
#   GRAPHRUN_FUZZ_SECONDS=600 tools/fuzz.sh expr     a longer run of one harness
#
# Environment: GRAPHRUN_FUZZ_SECONDS (per harness, default 60), GRAPHRUN_FUZZ_JOBS (harnesses
# at once, default 2), GRAPHRUN_FUZZ_BUILD (default build-test-fuzz). The corpus each run grows
# stays in $GRAPHRUN_FUZZ_BUILD/fuzz/corpus/ for the next run; seeds are remade every run.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${GRAPHRUN_FUZZ_BUILD:-$root/build-test-fuzz}
seconds=${GRAPHRUN_FUZZ_SECONDS:-60}
jobs=${GRAPHRUN_FUZZ_JOBS:-2}
input_timeout_s=10  # one input running longer is a hang
rss_limit_mb=2048   # and using more memory a finding
harnesses=("$@")
((${#harnesses[@]})) || harnesses=(loader expr npy csv npz wav)
declare -A max_len=([loader]=16384 [expr]=512 [npy]=8192 [csv]=4096 [npz]=8192 [wav]=8192)
# The loader's ~60k coverage features make libFuzzer's entropic schedule cost 5x the run time
# of an input itself; without it the loader runs 5x more inputs in the same time.
declare -A options=([loader]=-entropic=0 [expr]= [npy]= [csv]= [npz]= [wav]=)
for h in "${harnesses[@]}"; do
  [ -n "${max_len[$h]:-}" ] || { echo "fuzz.sh: unknown harness '$h' (loader expr npy csv npz wav)" >&2; exit 2; }
done

# Debian's clang; libFuzzer comes with libclang-rt-dev (tools/setup.sh installs both).
if ! command -v clang++ > /dev/null; then
  echo "fuzz.sh: clang++ not found (tools/setup.sh installs clang and libclang-rt-dev)" >&2
  exit 1
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' > "$probe/probe.cpp"
if ! clang++ -fsanitize=fuzzer "$probe/probe.cpp" -o "$probe/probe" 2> "$probe/log"; then
  cat "$probe/log" >&2
  echo "fuzz.sh: clang++ cannot link libFuzzer (install libclang-rt-dev)" >&2
  exit 1
fi

start=$SECONDS
mkdir -p "$build"
# -O1 and line tables only: quick to compile, still readable stack traces; assertions stay on.
# Without CUDA: no harness reaches the device code, and this keeps the CPU-only build tested.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DGRAPHRUN_FUZZ=ON \
      -DGRAPHRUN_BUILD_TESTS=OFF -DGRAPHRUN_BUILD_BENCH=OFF -DGRAPHRUN_WERROR=OFF -DGRAPHRUN_CUDA=OFF \
      > "$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" --target graphrun_fuzzers
echo "fuzz.sh: build $((SECONDS - start)) s"

work=$build/fuzz
mkdir -p "$work"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
# UBSan: every report fatal, except those tests/fuzz/ubsan_pending.supp holds back.
cat "$root/tools/ubsan.supp" "$root/tests/fuzz/ubsan_pending.supp" > "$work/ubsan.supp"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$work/ubsan.supp"
regressions=$root/tests/fuzz/regressions
python3 "$root/tests/fuzz/make_corpus.py" "$root" "$work" | sed 's/^/fuzz.sh: seeds: /'

# Every saved regression first (those whose fix is pending excepted): the g++ suites replay
# them too, but only clang's UBSan checks float-to-int overflow.
failed=()
for h in "${harnesses[@]}"; do
  inputs=()
  for f in "$regressions/$h"/*; do
    [ -f "$f" ] || continue
    grep -q "^$h/$(basename "$f")[[:space:]]" "$regressions/PENDING" 2> /dev/null && continue
    inputs+=("$f")
  done
  ((${#inputs[@]})) || continue
  if ! "$build/fuzz_$h" -timeout=$input_timeout_s -rss_limit_mb=$rss_limit_mb "${inputs[@]}" \
       > "$work/$h.replay.log" 2>&1 < /dev/null; then
    tail -n 60 "$work/$h.replay.log"
    echo "fuzz.sh: $h: a saved regression fails again (log: $work/$h.replay.log)"
    failed+=("$h")
  fi
done

fuzz_one() {  # harness: runs it, leaves its exit status in $work/<harness>.rc
  local h=$1
  local findings=$work/findings/$h
  rm -rf "$findings"
  mkdir -p "$findings" "$work/corpus/$h"
  local rc=0
  "$build/fuzz_$h" -max_total_time="$seconds" -timeout=$input_timeout_s -rss_limit_mb=$rss_limit_mb \
      -max_len="${max_len[$h]}" ${options[$h]} -dict="$work/$h.dict" -artifact_prefix="$findings/" -print_final_stats=1 \
      "$work/corpus/$h" "$work/seeds/$h" > "$work/$h.log" 2>&1 < /dev/null || rc=$?
  echo "$rc" > "$work/$h.rc"
}

fuzz_start=$SECONDS
running=0
for h in "${harnesses[@]}"; do
  fuzz_one "$h" &
  if ((++running >= jobs)); then
    wait -n || true
    ((running--)) || true
  fi
done
wait

for h in "${harnesses[@]}"; do
  rc=$(cat "$work/$h.rc")
  mapfile -t found < <(find "$work/findings/$h" -type f | sort)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$h.log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$work/$h.log" | tail -n 1 || true)
  if [ "$rc" = 0 ] && ((${#found[@]} == 0)); then
    echo "fuzz.sh: $h: clean, $execs inputs, $cov"
    continue
  fi
  [[ " ${failed[*]} " == *" $h "* ]] || failed+=("$h")
  echo "---- $h (exit $rc): end of $work/$h.log"
  tail -n 60 "$work/$h.log"
  for f in "${found[@]}"; do
    echo "fuzz.sh: $h: reproducer $f"
    echo "  replay: $build/fuzz_$h $f"
    echo "  keep it: cp $f $regressions/$h/<what_it_does>  (the test suites then replay it)"
  done
done
echo "fuzz.sh: fuzzing $((SECONDS - fuzz_start)) s, in all $((SECONDS - start)) s"
if ((${#failed[@]})); then
  echo "fuzz.sh: FAILED: ${failed[*]}"
  exit 1
fi
