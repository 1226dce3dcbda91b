#!/usr/bin/env bash
# docs/ops.md is what `graphrun ops --format markdown` prints for the built-in ops.
# Usage: ops_reference_is_current.sh GRAPHRUN SOURCE_DIR
set -euo pipefail
exe=$1 source=$2
if ! env -u GRAPHRUN_PLUGIN_PATH "$exe" ops --format markdown | diff -u "$source/docs/ops.md" -; then
  echo "docs/ops.md is stale: regenerate it with  build/graphrun ops --format markdown > docs/ops.md" >&2
  exit 1
fi
