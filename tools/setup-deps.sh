#!/usr/bin/env bash
# Installs every Debian package spark needs to build, test, benchmark and plot.
# Idempotent; run as root on Debian 12. Skips apt entirely when everything is present.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git
  libtbb-dev libboost-dev libboost-graph-dev
  libprotobuf-dev protobuf-compiler
  zlib1g-dev
  catch2 libcli11-dev libbenchmark-dev
  liblzma-dev nlohmann-json3-dev  # Spark's .scfg model files (xz-compressed JSON)
  pybind11-dev python3-dev python3-numpy python3-pytest python3-matplotlib
  libhdf5-dev python3-h5py  # NIR files (HDF5); h5py writes and checks them in the tests
  python3-brian cython3 linux-perf  # bench/: the Brian2 peers (brian2_cuba.py, brian2_learning.py), profiles
  libopenmpi-dev openmpi-bin  # runs over several processes (SPARK_WITH_MPI)
  clang libclang-rt-14-dev  # the libFuzzer build (SPARK_BUILD_FUZZERS, tests/fuzz)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
