#!/bin/sh
# Reproduces bench/results: installs the peer (Debian's Brian2 and Cython, for /usr/bin/python3), builds
# spark's benchmarks (Release, SPARK_NATIVE=ON: compiled for this CPU as Brian2's standalone code is),
# then runs the CUBA comparison and the microcircuit report and writes dated Markdown files.
#
# Usage: bench/run.sh [BUILD_DIR]    (default: build-bench next to this checkout)
# Environment: REPEATS (3), SIZES ("4000 20000 80000 320000"), MICROCIRCUIT (1 = run it, ~10 min).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build-bench}
repeats=${REPEATS:-3}
sizes=${SIZES:-"4000 20000 80000 320000"}
date=$(date +%Y-%m-%d)

if ! /usr/bin/python3 -c "import brian2, Cython" 2>/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update
    $sudo apt-get install -y python3-brian cython3 g++
fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSPARK_NATIVE=ON \
      -DSPARK_BUILD_TESTS=OFF -DSPARK_BUILD_EXAMPLES=OFF -DSPARK_BUILD_BENCH=ON -DSPARK_INSTALL=OFF
cmake --build "$build" --target spark_cuba spark_microcircuit executor_overhead

mkdir -p "$here/results"
{
    echo "# Executor overhead ($date)"
    echo
    echo "Microseconds per step of the executors themselves (bench/executor_overhead, SPARK_NATIVE build): an" \
         "empty network, one node that does nothing (inhibition_mask), eight independent such nodes." \
         "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    "$build/bench/executor_overhead"
} | tee "$here/results/executor-overhead-$date.md"
# shellcheck disable=SC2086
/usr/bin/python3 "$here/compare_cuba.py" --spark-build "$build" --repeats "$repeats" --n $sizes \
    --out "$here/results/cuba-$date.md"
if [ "${MICROCIRCUIT:-1}" = 1 ]; then
    /usr/bin/python3 "$here/microcircuit_report.py" --spark-build "$build" --repeats "$repeats" \
        --out "$here/results/microcircuit-$date.md"
fi
