#!/usr/bin/env bash
# Spike exchange per epoch (issue 20): for CUBA N = 320 000, the microcircuit at SCALE and the recurrent
# network with delays of 3-8 steps (mpi_network_hash `delayed`), one process, then 2 processes x 1
# thread exchanging every step (--per-step), once per epoch blocking (--no-overlap) and overlapped (the
# default). Every process prints its epoch, spike exchanges, bytes sent, the wall time inside the
# exchanges and the run loop's wall and CPU time (no output is read between steps: --epochs); the
# final state hash of every run must be the one-process hash (checked here).
# Usage: bench/mpi_epoch_runs.sh BUILD_DIR [STEPS] [SCALE]
set -euo pipefail
source "$(dirname "$0")/mpi_bench_setup.sh"
scale=${3:-1}
status=0
for net in cuba:320000 "microcircuit:$scale" delayed; do
  ref=$("$hash" "$net" "$steps" --epochs 2> "$out/one")
  echo "$net, $steps steps, 1 process: $ref ($(sed 's/.*run loop/run loop/' "$out/one"))"
  for mode in --per-step --no-overlap ""; do
    got=$(mpirun -np 2 --oversubscribe "$hash" "$net" "$steps" --mpi --epochs $mode 2> "$out/ranks")
    echo "$net, $steps steps, 2 processes ${mode:-(overlapped)}:"
    sort "$out/ranks" | sed 's/^/  /'
    [ "$got" == "$ref" ] || { echo "  state differs from one process: $got"; status=1; }
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
