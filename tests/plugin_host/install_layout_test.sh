#!/usr/bin/env bash
# `cmake --install` into a temporary prefix installs what docs/plugins.md lists and nothing
# else (no empty folders, no CMakeFiles/), built-in plugins export only their entry point,
# the package exports its three targets, and the installation still works once moved.
set -euo pipefail
build_dir=$1 source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAILED: $*"; exit 1; }

cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"
cd "$work/prefix"
libdir=$(dirname "$(find . -name libgraphrun_testing.so)")
libdir=${libdir#./}
[ -n "$libdir" ] || fail "no libgraphrun_testing.so installed"

expected=(bin/graphrun include/graphrun/testing.hpp
          "$libdir/libgraphrun_testing.so"
          "$libdir/cmake/graphrun/graphrunConfig.cmake" "$libdir/cmake/graphrun/graphrunConfigVersion.cmake"
          "$libdir/cmake/graphrun/graphrunTargets.cmake" "$libdir/cmake/graphrun/GraphrunPluginPackage.cmake"
          "$libdir/cmake/graphrun/graphrun_plugin.lds"
          share/doc/graphrun/plugins.md)
for family_dir in "$source_dir"/plugins/*/; do
  grep -q graphrun_add_builtin_plugin "$family_dir/CMakeLists.txt" 2>/dev/null && expected+=("$libdir/graphrun/plugins/libgraphrun_$(basename "$family_dir").so")
done
# Every public header (the C API, the C++ layer, the numerics layer), and the testing header.
for file in $(cd "$source_dir/engine/include" && find graphrun -type f); do expected+=("include/$file"); done
for file in $(cd "$source_dir/templates/plugin" && find . -type f | sed 's|^\./||'); do
  expected+=("share/graphrun/plugin-template/$file")
done
for file in "${expected[@]}"; do [ -f "$file" ] || fail "$file is not installed"; done
# Nothing else: every installed file is expected (the export's per-configuration file aside).
find . -type f | sed 's|^\./||' | grep -v "^$libdir/cmake/graphrun/graphrunTargets-.*\.cmake$" | sort > "$work/installed"
printf '%s\n' "${expected[@]}" | sort > "$work/expected"
extra=$(comm -23 "$work/installed" "$work/expected")
[ -z "$extra" ] || fail "unexpected files installed: $extra"
[ -z "$(find . -type d -empty)" ] || fail "empty folders installed: $(find . -type d -empty)"
[ -z "$(find . -name CMakeFiles)" ] || fail "CMakeFiles installed"

# Built-in plugins export graphrun_plugin_init and nothing else (hidden visibility + script).
for so in "$libdir"/graphrun/plugins/*.so; do
  symbols=$(nm -D --defined-only "$so" | awk '{print $3}' | sort -u)
  [ "$symbols" = "graphrun_plugin_init" ] || fail "$so exports more than graphrun_plugin_init: $symbols"
done
# The package exports the executable, the testing library and the headers.
for target in graphrun::graphrun graphrun::testing graphrun::plugin_api; do
  grep -q "add_[a-z]*($target " "$libdir/cmake/graphrun/graphrunTargets.cmake" || fail "the package lacks $target"
done

# Moved elsewhere, the installation finds its own built-in plugins (not the build tree's).
mv "$work/prefix" "$work/moved"
ops=$("$work/moved/bin/graphrun" ops constant)
grep -q "plugin: $work/moved/$libdir/graphrun/plugins/libgraphrun_core.so" <<< "$ops" ||
  fail "a moved installation did not use its own plugins: $ops"
out=$(printf 'format: 1\ngraph: g\nnodes:\n  - {id: x, op: constant, value: 2}\noutputs: [x]\n' > "$work/g.yaml" &&
      "$work/moved/bin/graphrun" run "$work/g.yaml")
[ "$out" = "x: f32 () = 2.0" ] || fail "the moved graphrun printed: $out"
echo "installation layout ok"
