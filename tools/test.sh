#!/usr/bin/env bash
# Installs the Debian packages, builds spark with its tests, examples and install check, and runs the
# whole test suite. Usage: bash tools/test.sh   (from anywhere; build in ./build-test)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/tools/setup-deps.sh"
build="${SPARK_TEST_BUILD_DIR:-$root/build-test}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSPARK_BUILD_TESTS=ON -DSPARK_BUILD_EXAMPLES=ON
cmake --build "$build" --parallel "$(nproc)"
ctest --test-dir "$build" --output-on-failure --parallel "$(nproc)" -LE fuzz
