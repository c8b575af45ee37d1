#!/usr/bin/env bash
# Runs over several processes, part 5 (issue 20): the peak resident set of a snapshot save gathered to
# rank 0 only against the whole state gathered on every process (as before), and the build's peak of a
# dense group drawing only its block's kernel rows, on 1, 2 and 3 processes (one thread each).
# Usage: bench/mpi_part5_runs.sh BUILD_DIR [STEPS]
set -euo pipefail
source "$(dirname "$0")/mpi_bench_setup.sh"
for n in 4000 8000; do
  for np in 1 2 3; do
    for mode in "" --gather-everywhere; do
      echo "plastic:$n on $np processes ${mode:-(to rank 0)}:"
      mpirun -np "$np" --oversubscribe "$hash" plastic:$n "$steps" --mpi --memory --save "$out/snap.spark" $mode 2>&1 |
        grep '^rank' | sort
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
