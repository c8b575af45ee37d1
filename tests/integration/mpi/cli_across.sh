#!/usr/bin/env bash
# Usage: cli_across.sh SPARK NETWORK_FILE
# `mpirun -np 3 spark run` writes the files of one process byte for byte (spikes, traces, snapshot);
# a network that fails to build is reported once, with the rank, and stops every process.
set -euo pipefail
spark=$1 net=$2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
args=(--steps 200 --record E.potential --record ie.currents --plot none)
"$spark" run "$net" "${args[@]}" --out "$dir/one" --snapshot-out "$dir/one/run.snap" > /dev/null
mpirun -np 3 --oversubscribe "$spark" run "$net" "${args[@]}" --threads 2 --out "$dir/three" \
  --snapshot-out "$dir/three/run.snap" > "$dir/three.txt"
grep -q "3 processes" "$dir/three.txt" || { echo "no summary from rank 0:"; cat "$dir/three.txt"; exit 1; }
# CUBA's synapse groups have no delays: its spikes cross processes every step.
grep -q "spike exchange: epoch 1 steps" "$dir/three.txt" || { echo "no epoch in the summary:"; cat "$dir/three.txt"; exit 1; }
for f in spikes.csv E.potential.csv E.potential.npy ie.currents.csv ie.currents.npy run.snap; do
  cmp "$dir/one/$f" "$dir/three/$f"
done
[ "$(ls "$dir/three")" == "$(ls "$dir/one")" ] || { echo "other files written"; exit 1; }
echo "3 processes wrote the files of one"

printf 'format_version: 1\nnode { name: "a" type: "no_such_component" }\n' > "$dir/bad.txtpb"
if timeout 60 mpirun -np 2 --oversubscribe "$spark" run "$dir/bad.txtpb" --out "$dir/bad" > "$dir/bad.txt" 2>&1; then
  echo "a failing network exited 0"; exit 1
fi
[ "$(grep -c "unknown component" "$dir/bad.txt")" == 1 ] || { echo "not reported once:"; cat "$dir/bad.txt"; exit 1; }
grep -q "spark run (rank 0 of 2)" "$dir/bad.txt" || { echo "no rank in:"; cat "$dir/bad.txt"; exit 1; }
echo "the error was reported once, with its rank"

# A snapshot rank 0 cannot write (after every process sent it its share): reported once by rank 0, and
# every process stops (no hang). A missing directory always; a full disk where a small tmpfs can be
# mounted (as root).
expect_failed_save() {  # SNAPSHOT_PATH EXPECTED_MESSAGE
  if timeout 120 mpirun -np 2 --oversubscribe "$spark" run "$net" --steps 50 --plot none --out "$dir/save" \
       --snapshot-out "$1" > "$dir/save.txt" 2>&1; then
    echo "a save rank 0 cannot write exited 0"; exit 1
  fi
  [ "$(grep -c "spark run (rank 0 of 2): error: cannot save snapshot '$1': $2" "$dir/save.txt")" == 1 ] ||
    { echo "not reported once by rank 0:"; cat "$dir/save.txt"; exit 1; }
  grep -q "stopping every process" "$dir/save.txt" || { echo "no stop:"; cat "$dir/save.txt"; exit 1; }
}
expect_failed_save "$dir/missing/run.snap" "cannot create"
mkdir "$dir/full"
if mount -t tmpfs -o size=64k tmpfs "$dir/full" 2> /dev/null; then
  trap 'umount "$dir/full" 2> /dev/null; rm -rf "$dir"' EXIT
  expect_failed_save "$dir/full/run.snap" "writing failed"
  [ -z "$(ls "$dir/full")" ] || { echo "the failed save left files:"; ls "$dir/full"; exit 1; }
  echo "a save that fills the disk on rank 0 was reported once and stopped every process"
else
  echo "(no tmpfs could be mounted here: the full-disk case was not run)"
fi
echo "a save rank 0 cannot write was reported once and stopped every process"
