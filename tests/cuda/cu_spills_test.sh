#!/usr/bin/env bash
# One plugin .cu file compiled by nvcc for sm_80 and for sm_90 with ptxas's report
# (-Xptxas -v): every kernel it defines must use no local memory for spills (0 bytes spill
# stores and loads). Prints each kernel's registers and stack frame per architecture.
# Usage: cu_spills_test.sh NVCC FILE.cu [nvcc arguments: -I..., -D...]
set -euo pipefail
nvcc=$1 source=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for arch in 80 90; do
  log="$work/sm_$arch.log"
  if ! "$nvcc" -arch=sm_$arch -std=c++20 -O3 --fmad=false -Xptxas -v -Xcompiler=-fPIC "$@" \
       -c "$source" -o "$work/sm_$arch.o" > "$log" 2>&1; then
    cat "$log"
    echo "FAILED: $(basename "$source") does not compile for sm_$arch"
    exit 1
  fi
  # ptxas prints, per entry function: "Compiling entry function 'NAME' for 'sm_XX'", then
  # "... N bytes stack frame, S bytes spill stores, L bytes spill loads", then "Used R registers".
  report=$(awk -v arch="sm_$arch" '
    /Compiling entry function/ { match($0, /'"'"'[^'"'"']+'"'"'/); name = substr($0, RSTART + 1, RLENGTH - 2); kernels++ }
    /bytes stack frame/ && name != "" {
      match($0, /[0-9]+ bytes stack frame/); frame = substr($0, RSTART, RLENGTH) + 0
      match($0, /[0-9]+ bytes spill stores/); stores = substr($0, RSTART, RLENGTH) + 0
      match($0, /[0-9]+ bytes spill loads/); loads = substr($0, RSTART, RLENGTH) + 0
    }
    /Used [0-9]+ registers/ && name != "" {
      match($0, /Used [0-9]+ registers/); regs = substr($0, RSTART + 5, RLENGTH - 15)
      printf "%s %s regs=%s stack=%s spill_stores=%s spill_loads=%s\n", arch, name, regs, frame, stores, loads
      if (stores + 0 > 0 || loads + 0 > 0) bad++
      name = ""
    }
    END { if (kernels == 0) { print "NO_KERNELS"; exit 2 } if (bad > 0) exit 1 }' "$log") || {
    code=$?
    if [ "$code" = 2 ] && ! grep -qE '__global__|<<<' "$source"; then
      echo "sm_$arch: no kernel: $(basename "$source") is host code only (no __global__, no launch)"
      continue
    elif [ "$code" = 2 ]; then
      cat "$log"; echo "FAILED: ptxas reported no kernel for $(basename "$source") on sm_$arch"
    else
      echo "$report"
      echo "FAILED: a kernel of $(basename "$source") spills to local memory on sm_$arch"
    fi
    status=1
    continue
  }
  echo "$report"
done
exit $status
