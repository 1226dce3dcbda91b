#!/usr/bin/env bash
# Follows docs/plugins.md (and README.md, which repeats the commands) literally: runs its "Quick start" block (install graphrun, copy
# the installed plugin template, configure it with only CMAKE_PREFIX_PATH, build it, run its
# tests and its example graph) in an empty folder, with HOME there too and `build` standing
# for this build tree, then checks what the guide says the last command prints.
set -euo pipefail
build_dir=$1 source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The first ```sh block after the "## Quick start" heading.
awk '/^## Quick start/ { found = 1 } found && /^```sh$/ { inside = 1; next }
     inside && /^```$/ { exit } inside { print }' "$source_dir/docs/plugins.md" > "$work/quick_start.sh"
[ -s "$work/quick_start.sh" ] || { echo "no Quick start block in docs/plugins.md"; exit 1; }
# README.md's "Writing a plugin" shows the same commands: they must not drift apart.
awk '/^## Writing a plugin/ { found = 1 } found && /^```sh$/ { inside = 1; next }
     inside && /^```$/ { exit } inside { print }' "$source_dir/README.md" > "$work/readme.sh"
diff -u "$work/quick_start.sh" "$work/readme.sh" ||
  { echo "README.md's Writing a plugin commands differ from docs/plugins.md's Quick start"; exit 1; }

mkdir "$work/home" "$work/graphrun_source"
ln -s "$(cd "$build_dir" && pwd)" "$work/graphrun_source/build"
# Nothing from the environment may help the template find graphrun: only what the guide says.
if ! (cd "$work/graphrun_source" &&
      env -u CMAKE_PREFIX_PATH -u GRAPHRUN_PLUGIN_PATH -u CMAKE_BUILD_PARALLEL_LEVEL HOME="$work/home" \
        bash -euo pipefail -x "$work/quick_start.sh") > "$work/log" 2>&1; then
  cat "$work/log"
  echo "docs/plugins.md's Quick start failed"
  exit 1
fi
# The guide: "The last command prints y: f64 (3,) = [3.375, 15.625, 42.875]".
expected=$(grep -o 'The last command prints `[^`]*`' "$source_dir/docs/plugins.md" | sed 's/.*prints `\(.*\)`/\1/')
[ -n "$expected" ] || { echo "docs/plugins.md no longer says what the last command prints"; exit 1; }
last=$(tail -n 1 "$work/log")
if [ "$last" != "$expected" ]; then
  cat "$work/log"
  echo "the last command printed '$last', docs/plugins.md says '$expected'"
  exit 1
fi
# The template's own tests ran: its unit tests and its example graph.
grep -q "100% tests passed, 0 tests failed out of 2" "$work/log" || { cat "$work/log"; exit 1; }
# The template's plugin was compiled with graphrun's floating-point rules, carried by the
# installed package (graphrun::plugin_api), as the built-in plugins are.
flags=$(find "$work/home" \( -name flags.make -o -name build.ninja \) -exec cat {} + 2>/dev/null)
case "$flags" in *-ffp-contract=off*-fno-fast-math*) ;; *)
  echo "the template's plugin was not compiled with -ffp-contract=off -fno-fast-math"; exit 1 ;; esac
echo "docs/plugins.md's Quick start works as written"
