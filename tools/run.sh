#!/usr/bin/env bash
# Installs the Debian packages, builds spark (Release, in ./build-run, without tests, examples and
# benchmarks) and runs the bundled default network: a Poisson-driven excitatory/inhibitory ALIF circuit.
# Writes the summary to the terminal and spikes.csv + raster.png to ./spark-out/.
# Usage: bash tools/run.sh [extra `spark run` arguments, e.g. --duration 2000 --record exc.soma.potential]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/tools/setup-deps.sh"
build="${SPARK_RUN_BUILD_DIR:-$root/build-run}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DSPARK_BUILD_TESTS=OFF -DSPARK_BUILD_EXAMPLES=OFF -DSPARK_BUILD_BENCH=OFF
cmake --build "$build" --target spark --parallel "$(nproc)"
"$build/tools/spark" run --out spark-out "$@"
