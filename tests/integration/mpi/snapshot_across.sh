#!/usr/bin/env bash
# Usage: snapshot_across.sh BINARY NETWORK STEPS
# A snapshot saved on 2 processes after STEPS steps is the file one process saves, and loaded on 1
# and on 3 processes it continues for STEPS more steps exactly as one process does.
set -euo pipefail
bin=$1 net=$2 steps=$3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" "$net" "$steps" --save "$dir/one.snap" > /dev/null
ref=$("$bin" "$net" "$steps" --load "$dir/one.snap")
mpirun -np 2 --oversubscribe "$bin" "$net" "$steps" --mpi --save "$dir/two.snap" > /dev/null
cmp "$dir/one.snap" "$dir/two.snap" || { echo "the snapshot of 2 processes differs from one process's"; exit 1; }
echo "one process continues:  $ref"
status=0
for np in 1 3; do
  got=$(mpirun -np "$np" --oversubscribe "$bin" "$net" "$steps" --mpi --threads 2 --load "$dir/two.snap")
  echo "$np processes continue: $got"
  [ "$got" == "$ref" ] || { echo "  differs from one process"; status=1; }
done
exit $status
