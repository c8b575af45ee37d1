#!/usr/bin/env bash
# Builds the unit and integration tests with AddressSanitizer and UndefinedBehaviorSanitizer in their
# own tree and runs them; any sanitizer report fails its test. CI runs it after tools/test.sh.
# Usage: bash tools/test-sanitize.sh   (from anywhere; build in ./build-sanitize)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/tools/setup-deps.sh"
build="${SPARK_SANITIZE_BUILD_DIR:-$root/build-sanitize}"
# -O1: a fraction of the -O3 compile time, and the tests run fast enough under the sanitizers.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
  -DSPARK_SANITIZE=ON -DSPARK_BUILD_TESTS=ON -DSPARK_BUILD_EXAMPLES=OFF -DSPARK_BUILD_BENCH=OFF -DSPARK_BUILD_PYTHON=OFF -DSPARK_INSTALL=OFF
cmake --build "$build" --parallel "$(nproc)"
export ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$root/tools/ubsan.supp"
ctest --test-dir "$build" --output-on-failure --parallel "$(nproc)" -L '^(unit|integration)$'
