#!/usr/bin/env bash
# Runs over several processes, part 3 (issue 20): each process keeps only the synapses onto its own
# targets. Peak RSS of every process of real runs on 1, 2 and 3 processes (one thread each), their run
# times, and the per-rank cost of dry runs replaying a one-process run's spikes (rank 0 of R).
# Usage: bench/mpi_part3_runs.sh BUILD_DIR [STEPS]
set -euo pipefail
source "$(dirname "$0")/mpi_bench_setup.sh"
# Real runs: every process's peak RSS of the build and run (before the state hash gathers the whole
# state), its peak RSS over everything and wall time (/usr/bin/time), and the hashes.
run() {  # NETWORK NAME PROCESSES
  echo "$2 on $3 processes: $(mpirun -np "$3" --oversubscribe /usr/bin/time -f 'whole process: peak RSS %M KB, %e s' \
    "$hash" "$1" "$steps" --mpi --memory 2>&1 | tr '\n' ' ')"
}
for np in 1 2 3; do run "$root/examples/networks/cuba_80000.txtpb" cuba_80000 $np; done
for np in 1 2 3; do run microcircuit:0.3 microcircuit_30% $np; done
for np in 1 2; do run "$root/examples/networks/cuba_320000.txtpb" cuba_320000 $np; done
for np in 1 2; do run microcircuit:1 microcircuit $np; done
# A dense recurrent group of 4000 x 4000 synapses learned by a Hebbian rule (part 4: split by target rows).
for np in 1 2 3; do run plastic:4000 plastic_4000 $np; done
# Dry runs: rank 0 of R replaying the one-process run's spikes; its run loop's wall and CPU time.
for net in microcircuit:1 "$root/examples/networks/cuba_320000.txtpb"; do
  name=$(basename "$net" .txtpb)
  "$hash" "$net" "$steps" --record "$out/spikes.rec" > /dev/null
  for r in 1 2 4 16 64; do
    echo "$name $steps steps, rank 0 of $r replaying: $("$hash" "$net" "$steps" --memory \
      --dry-run 0/$r --replay "$out/spikes.rec" 2>&1 | grep -v '^spikes' | tr '\n' ' ')"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
