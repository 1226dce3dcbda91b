#!/usr/bin/env bash
# Builds here what tools/gpu-check.sh runs on the GPU machine (CUDA 13, no Debian -dev
# packages there, no registry): a Release tree for sm_90 in build-gpu/, then gpu-bundle/ with
#   tree/      the parts of that build tree a check runs, at their places in the tree: graphrun,
#              plugins/, lib/, and the test executables that have tests labelled `gpu`
#   syslib/    the shared libraries ldd lists that the GPU machine lacks (our Debian -dev
#              packages' libraries); not libc, libstdc++, libgcc_s or the CUDA driver, and not
#              the CUDA Toolkit's own (libnvrtc alone is 104 MiB: the machine's CUDA 13 has it)
#   gpu-tests.tsv  one line per test executable: path in tree/, TAB, its gtest filter
#   manifest.txt   where the tree was built (tests hold absolute paths: gpu-check.sh links
#                  them there), the commit, the glibc/libstdc++ versions it needs
#   run        the launcher: gpu-bundle/run PROGRAM [ARGS], PROGRAM relative to tree/
# gpu-bundle.tar.xz packs it for the device tool (at most 64 MiB travel, the repository too).
# Usage: tools/make-gpu-bundle.sh [--all-tests]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${GPU_BUILD_DIR:-$root/build-gpu}
bundle=$root/gpu-bundle
limit_mib=64

launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache); fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGRAPHRUN_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DGRAPHRUN_BUILD_BENCH=OFF -DGRAPHRUN_BUILD_TESTS=ON "${launcher[@]}" >/dev/null
# The GPU tests (label gpu) live in tests/cuda and in executables named *gpu*_test elsewhere
# (tests/calculus/ode_cuda_gpu_test); --all-tests builds every test folder.
targets=(graphrun graphrun_builtin_plugins)
# (Pipes into grep -q or an awk that stops early would end in SIGPIPE under pipefail.)
all_targets=$'\n'$(ninja -C "$build" -t targets all)
if [[ $all_targets == *$'\n'tests/cuda/all:* ]]; then targets+=(tests/cuda/all); fi
for t in $(awk -F: '/^[a-z0-9_]*gpu[a-z0-9_]*_test: / {print $1}' <<<"$all_targets"); do targets+=("$t"); done
[ "${1:-}" = "--all-tests" ] && targets=(all)
cmake --build "$build" -j"${JOBS:-2}" --target "${targets[@]}"

rm -rf "$bundle"
mkdir -p "$bundle/tree" "$bundle/syslib"
# The test executables with tests labelled gpu, and each one's filter (ctest knows both).
ctest --test-dir "$build" -L '^gpu$' --show-only=json-v1 >"$bundle/ctest-gpu.json"
/usr/bin/python3 - "$build" "$bundle" <<'PY'
import json, os, sys
build, bundle = sys.argv[1], sys.argv[2]
tests = json.load(open(os.path.join(bundle, "ctest-gpu.json")))["tests"]
filters = {}
for t in tests:
    exe, args = t["command"][0], t["command"][1:]
    name = next(a.split("=", 1)[1] for a in args if a.startswith("--gtest_filter="))
    filters.setdefault(os.path.relpath(exe, build), []).append(name)
with open(os.path.join(bundle, "gpu-tests.tsv"), "w") as f:
    for exe, names in sorted(filters.items()):
        f.write(f"{exe}\t{':'.join(names)}\n")
PY
rm "$bundle/ctest-gpu.json"

copy_into_tree() {  # build-tree path -> tree/ at the same relative place
  local rel=${1#"$build"/}
  mkdir -p "$bundle/tree/$(dirname "$rel")"
  cp -L "$1" "$bundle/tree/$rel"
  strip --strip-unneeded "$bundle/tree/$rel" 2>/dev/null || true
}
binaries=("$build/graphrun" "$build"/plugins/*.so)
while IFS=$'\t' read -r exe _; do binaries+=("$build/$exe"); done <"$bundle/gpu-tests.tsv"
for f in "${binaries[@]}"; do copy_into_tree "$f"; done

# What the binaries load: from the build tree into tree/, from the system into syslib/.
skip='^(linux-vdso|ld-linux|libc\.so|libm\.so|libmvec|libpthread|libdl\.so|librt\.so|libstdc\+\+|libgcc_s|libcuda\.so|libnvrtc|libcublas|libcudart)'
for f in "${binaries[@]}"; do ldd "$f"; done | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u |
  while read -r name path; do
    if [[ $name =~ $skip ]]; then continue; fi
    if [[ $path == "$build"/* ]]; then copy_into_tree "$path"; else cp -L "$path" "$bundle/syslib/$name"; fi
  done
# Loaded with dlopen, so ldd does not list it: oneTBB's allocator (else plain malloc there).
for name in libtbbmalloc.so.2; do
  path=$(ldconfig -p | awk -v n="$name" '$1 == n && /x86-64/ && !p {p = $NF} END {print p}')
  [ -n "$path" ] && cp -L "$path" "$bundle/syslib/$name"
done
missing=$(for f in "${binaries[@]}"; do ldd "$f"; done | grep "not found" || true)
if [ -n "$missing" ]; then
  echo "make-gpu-bundle: a library is not found here:" >&2
  echo "$missing" >&2
  exit 1
fi

newest() { for f in "${binaries[@]}" "$bundle"/syslib/*; do objdump -T "$f" 2>/dev/null; done | grep -o "$1[0-9.]*" | sort -Vu | tail -1; }
{
  echo "BUILD_DIR=$build"
  echo "SOURCE_DIR=$root"
  echo "COMMIT=$(git -C "$root" rev-parse HEAD)$(git -C "$root" diff --quiet HEAD -- . ':!gpu-bundle' || echo +changes)"
  echo "BUILT=$(date -u +%Y-%m-%dT%H:%MZ) on $(. /etc/os-release; echo "$PRETTY_NAME")"
  echo "CUDA=$(/usr/local/cuda/bin/nvcc --version | grep -o 'release [0-9.]*' | cut -d' ' -f2) sm_90"
  echo "NEEDS=$(newest GLIBC_) $(newest GLIBCXX_) $(newest CXXABI_)"
} >"$bundle/manifest.txt"

cat >"$bundle/run" <<'RUN'
#!/usr/bin/env bash
# gpu-bundle/run PROGRAM [ARGS]: runs tree/PROGRAM with the bundled libraries first, then the
# machine's CUDA libraries (GPU_CHECK_CUDA_LIBS, set by tools/gpu-check.sh).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
program=$1
shift
export LD_LIBRARY_PATH="$here/syslib${GPU_CHECK_CUDA_LIBS:+:$GPU_CHECK_CUDA_LIBS}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec "$here/tree/$program" "$@"
RUN
chmod +x "$bundle/run"

# Packed, it is a sixth of the size (OpenBLAS compresses well): carry gpu-bundle.tar.xz, and
# gpu-check.sh unpacks it; the folder itself may be carried as well.
rm -f "$root/gpu-bundle.tar.xz"
tar -C "$root" -cf - gpu-bundle | xz -T"${JOBS:-2}" -6 >"$root/gpu-bundle.tar.xz"
mib() { awk -v s="$1" 'BEGIN {printf "%.1f", s / 1048576}'; }
size=$(du -sb "$bundle" | cut -f1)
packed=$(stat -c %s "$root/gpu-bundle.tar.xz")
echo "gpu-bundle: $(mib "$size") MiB, packed $(mib "$packed") MiB (gpu-bundle.tar.xz)," \
  "$(wc -l <"$bundle/gpu-tests.tsv") GPU test executables; $(grep NEEDS "$bundle/manifest.txt")"
if ((packed > limit_mib * 1048576)); then
  echo "make-gpu-bundle: over $limit_mib MiB, the most the device tool carries; largest files:" >&2
  find "$bundle" -type f -printf '%s %p\n' | sort -rn | head -5 >&2
  exit 1
fi
