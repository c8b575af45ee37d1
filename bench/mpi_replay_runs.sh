#!/usr/bin/env bash
# Per-rank cost of runs over several processes (issue 20), measured with dry runs that replay a
# one-process run's spikes (so rank 0's units fire as in the real run), and the peak RSS of each
# process of real runs on 1 and 2 processes.
# Usage: bench/mpi_replay_runs.sh BUILD_DIR [STEPS]
set -euo pipefail
source "$(dirname "$0")/mpi_bench_setup.sh"
for net in microcircuit:1 "$root/examples/networks/cuba_320000.txtpb"; do
  name=$(basename "$net" .txtpb)
  "$hash" "$net" "$steps" --record "$out/spikes.rec" > /dev/null
  for r in 1 2 4 16 64; do
    echo "$name $steps steps, rank 0 of $r replaying: $("$hash" "$net" "$steps" --dry-run 0/$r --replay "$out/spikes.rec" | head -1)"
  done
done
for net in "$root/examples/networks/cuba_80000.txtpb" microcircuit:1; do
  for np in 1 2; do
    echo "$(basename "$net" .txtpb) on $np processes: $(mpirun -np $np --oversubscribe /usr/bin/time -f 'peak RSS %M KB' \
      "$hash" "$net" 100 --mpi 2>&1 | tr '\n' ' ')"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
