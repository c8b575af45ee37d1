#!/usr/bin/env bash
# Interleaved runs of the learning networks (issue 21): the default network of `spark run` and
# ab_brain.txtpb (tutorial parameters, and an active variant at ~40-130 Hz), 1 and 2 threads, for each
# given spark_learning binary (e.g. one built before the event forms and one after) and, with the
# newest binary, its --reference mode. Prints one JSON line per run; take the minima per configuration.
#
# Usage: bench/learning_runs.sh ROUNDS BINARY [BINARY...]     (run from the repository root)
set -euo pipefail
rounds=$1
shift
active=(--set A_excitatory.synapses.kernel.scale=18 --set B_excitatory.synapses.kernel.scale=18
        --set A_inhibitory.synapses.kernel.scale=20 --set B_inhibitory.synapses.kernel.scale=20)
last="${@: -1}"
for ((r = 1; r <= rounds; ++r)); do
  for bin in "$@"; do
    for threads in 1 2; do
      "$bin" examples/networks/default.txtpb --steps 1000 --threads "$threads" | sed "s|^{|{\"bin\": \"$bin\", |"
      "$bin" bench/networks/ab_brain.txtpb --steps 500 --threads "$threads" | sed "s|^{|{\"bin\": \"$bin\", \"variant\": \"tutorial\", |"
      "$bin" bench/networks/ab_brain.txtpb --steps 500 --threads "$threads" "${active[@]}" | sed "s|^{|{\"bin\": \"$bin\", \"variant\": \"active\", |"
    done
  done
  "$last" examples/networks/default.txtpb --steps 1000 --reference | sed "s|^{|{\"bin\": \"$last\", |"
  "$last" bench/networks/ab_brain.txtpb --steps 500 --reference "${active[@]}" | sed "s|^{|{\"bin\": \"$last\", \"variant\": \"active\", |"
done
