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
  liblzma-dev nlohmann-json3-dev
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
