#!/usr/bin/env bash
# Usage: compare.sh BINARY NETWORK STEPS [OPTION...]
# The hashes of NETWORK's spikes and final state after STEPS steps on 1, 2 and 3 processes x 1 and 2
# threads (mpirun, oversubscribed, with the OPTIONs) must equal those of one process without MPI.
set -euo pipefail
bin=$1 net=$2 steps=$3
shift 3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
ref=$("$bin" "$net" "$steps")
echo "one process:           $ref"
status=0
for np in 1 2 3; do
  for threads in 1 2; do
    got=$(mpirun -np "$np" --oversubscribe "$bin" "$net" "$steps" --mpi --threads "$threads" "$@")
    echo "$np processes x $threads threads: $got"
    [ "$got" == "$ref" ] || { echo "  differs from one process"; status=1; }
  done
done
exit $status
