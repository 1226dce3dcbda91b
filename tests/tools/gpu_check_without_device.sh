#!/usr/bin/env bash
# tools/gpu-check.sh on a machine without a GPU: exit 3, "no device" on stderr and in the
# report, within 20 s. Skipped (77) where nvidia-smi sees a GPU.
set -u
root=$1
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  echo "a GPU is here: gpu-check.sh would run it all"
  exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
start=$SECONDS
OUT=$out "$root/tools/gpu-check.sh" >"$out/stdout" 2>"$out/stderr"
rc=$?
took=$((SECONDS - start))
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$out/stdout"; echo "--- stderr"; cat "$out/stderr"; exit 1; }
[ $rc -eq 3 ] || fail "exit code $rc, expected 3"
[ $took -le 20 ] || fail "took $took s"
grep -q "^gpu-check: no device: " "$out/stderr" || fail "no 'no device' message"
grep -q "| device | no device: " "$out/gpu-check.md" || fail "the report does not say 'no device'"
echo "ok: exit 3 after $took s"
