#!/usr/bin/env bash
# Runs over several processes on this machine (issue 20): CUBA N = 320 000 and the full microcircuit on
# 1 process x 1 thread, 1 process x 2 threads and 2 processes x 1 thread (the run loop's wall time from
# spark run's summary), then dry runs of the microcircuit and of CUBA as rank 0 of R processes (the
# per-rank cost and bytes sent, for bench/results/mpi-*.md's projection).
# Usage: bench/mpi_runs.sh BUILD_DIR [STEPS]
set -euo pipefail
build=$1 steps=${2:-1000}
root="$(cd "$(dirname "$0")/.." && pwd)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
spark=$build/tools/spark
hash=$build/tests/integration/mpi/mpi_network_hash
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
wall() { awk '/^total/ {print $5}'; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for net in cuba_320000 microcircuit; do
  file=$root/examples/networks/$net.txtpb
  a=$("$spark" run "$file" --steps "$steps" --plot none --out "$out/a" | wall)
  b=$("$spark" run "$file" --steps "$steps" --threads 2 --plot none --out "$out/b" | wall)
  c=$(mpirun -np 2 "$spark" run "$file" --steps "$steps" --plot none --out "$out/c" | wall)
  cmp "$out/a/spikes.csv" "$out/c/spikes.csv"
  echo "$net $steps steps: 1x1 $a s, 1 process x 2 threads $b s, 2 processes x 1 thread $c s"
done
for r in 2 16 64; do
  echo "cuba_320000 rank 0 of $r: $("$hash" "$root/examples/networks/cuba_320000.txtpb" "$steps" --dry-run 0/$r | head -1)"
done
for r in 2 16 64; do
  echo "microcircuit rank 0 of $r: $("$hash" microcircuit:1 "$steps" --dry-run 0/$r | head -1)"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
