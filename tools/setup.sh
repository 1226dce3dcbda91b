#!/usr/bin/env bash
# Installs every build, test and benchmark dependency from Debian packages. Idempotent.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libyaml-cpp-dev libboost-graph-dev libboost-dev libtbb-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libfmt-dev
  libopenblas-dev libsleef-dev libhwy-dev libfftw3-dev
  libopenmpi-dev openmpi-bin  # runs over many processes: mpirun, sharded inputs, sweeps over ranks
  libgraphviz-dev  # run --report: the graph drawn by Graphviz's dot, in-process
  chromium  # tests/report: the report page rendered headless, as a browser shows it
  libcairo2-dev fonts-dejavu-core  # run --plot: SVG and PNG through cairo, a font for its labels
  libxxhash-dev  # XXH3, the kernel cache's file names and checksums
  libzip-dev libsndfile1-dev  # .npz and .wav tensor files
  graphviz  # tests/trace_dot: `graphrun dot` output drawn by dot -Tsvg
  python3-numpy python3-scipy python3-dev python3-venv  # python3-dev, -venv: the Python package
  python3-jsonschema python3-yaml  # tests/schema: graphrun schema against the loader
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

# Python tooling from PyPI, in a virtual environment of the project's own (.venv) that also
# sees Debian's numpy/scipy/torch: nanobind and scikit-build-core build the Python package,
# pytest runs its tests.
venv="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.venv"
if ! "$venv/bin/python" -c "import nanobind, scikit_build_core, pytest" 2>/dev/null; then
  /usr/bin/python3 -m venv --system-site-packages "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "nanobind>=2.4,<3" "scikit-build-core>=0.10" "pytest>=7"
fi
