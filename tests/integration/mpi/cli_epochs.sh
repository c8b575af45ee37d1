#!/usr/bin/env bash
# Usage: cli_epochs.sh SPARK CUBA_NETWORK_FILE
# `mpirun -np 2|3 spark run` of CUBA with synaptic delays of 3-8 steps, recording its spikes and a trace
# of I's: the spikes cross processes once per epoch (the recordings keep each process's own part and
# merge them on rank 0, they do not gather every step), the summary says so, and spikes.csv and the
# trace's files are one process's byte for byte.
set -euo pipefail
spark=$1 net=$2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Every synapse group delayed: max_delay 0.8 ms = 8 steps, delays 3 + 9 U clamped to 3..8 steps.
sed 's|^\(  param { path: "tau" number: [0-9]* }\)$|\1\n  param { path: "max_delay" number: 0.8 }\n  param { path: "delays" map { entry { key: "initializer" value { text: "uniform_initializer" } } entry { key: "offset" value { number: 3 } } } }|' \
  "$net" > "$dir/delayed.txtpb"
[ "$(grep -c max_delay "$dir/delayed.txtpb")" == 4 ] || { echo "the delays were not added to the 4 groups"; exit 1; }
steps=1500  # more than one merge of the recording (every 1000 steps), and a partial one
args=(--steps $steps --plot none --record I.spikes)  # a trace of an output: merged on rank 0 too
"$spark" run "$dir/delayed.txtpb" "${args[@]}" --out "$dir/one" > /dev/null
[ "$(wc -l < "$dir/one/spikes.csv")" -gt 1000 ] || { echo "too few spikes to compare"; exit 1; }
# Latency 4 steps (a previous-step wire + 3): epochs of 4 steps blocking, or of 2 overlapped (the default).
for np in 2 3; do
  mpirun -np $np --oversubscribe "$spark" run "$dir/delayed.txtpb" "${args[@]}" --threads 2 --out "$dir/np$np" \
    > "$dir/np$np.txt"
  grep -q "spike exchange: epoch 2 steps, $((steps / 2)) exchanges" "$dir/np$np.txt" ||
    { echo "$np processes: not one exchange per epoch of 2 steps:"; cat "$dir/np$np.txt"; exit 1; }
  for f in spikes.csv I.spikes.csv I.spikes.npy; do cmp "$dir/one/$f" "$dir/np$np/$f"; done
  echo "$np processes exchanged spikes once per epoch of 2 steps and wrote one process's files"
done
