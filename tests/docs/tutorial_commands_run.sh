#!/usr/bin/env bash
# Every `build/graphrun ...` command of docs/tutorial.md runs as written (from the top
# folder, with this build's graphrun, pictures to a scratch folder) and exits 0.
# Usage: tutorial_commands_run.sh GRAPHRUN SOURCE_DIR
set -euo pipefail
exe=$1 source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$source"
count=0
while IFS= read -r line; do
  command=${line#    build/graphrun }
  command=${command%%#*}
  read -r -a words <<< "$command"
  for i in "${!words[@]}"; do  # pictures go to the scratch folder
    [[ ${words[$i]} == *.png ]] && words[$i]="$work/${words[$i]}"
  done
  if ! "$exe" "${words[@]}" -q > "$work/out.txt" 2>&1 && ! "$exe" "${words[@]}" > "$work/out.txt" 2>&1; then
    echo "FAIL: graphrun ${words[*]}"; cat "$work/out.txt"; exit 1
  fi
  count=$((count + 1))
done < <(grep -E '^    build/graphrun (run|explain) ' docs/tutorial.md)
echo "$count tutorial commands ran"
[ "$count" -ge 8 ] || { echo "FAIL: only $count commands found in docs/tutorial.md"; exit 1; }
