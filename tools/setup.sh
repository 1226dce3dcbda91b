#!/usr/bin/env bash
# Installs every build, test and benchmark dependency from Debian packages. Idempotent.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libyaml-cpp-dev libboost-graph-dev libboost-dev libtbb-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libfmt-dev
  libopenblas-dev libsleef-dev libhwy-dev libfftw3-dev
  libxxhash-dev  # XXH3, the kernel cache's file names and checksums
  python3-numpy python3-scipy
  zsh  # tests/cli: `zsh -n` checks the script of `graphrun completion zsh`
  clang libclang-rt-dev  # the fuzzing stage (tools/fuzz.sh): clang++ and its libFuzzer
)
# Regenerating reference data and running the peer benchmarks also needs PyTorch:
# tools/setup.sh --reference
if [ "${1:-}" = "--reference" ]; then packages+=(python3-torch libboost-dev); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
