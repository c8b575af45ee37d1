#!/usr/bin/env bash
# Usage: replay.sh BINARY NETWORK STEPS
# A dry run of each rank of 3 replaying a one-process run's recorded spikes fires exactly that run's
# spikes (its own units computed, the others' replayed): the spike hashes must be equal.
set -euo pipefail
bin=$1 net=$2 steps=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ref=$("$bin" "$net" "$steps" --record "$dir/spikes.rec" | cut -d' ' -f1-3)
echo "one process: $ref"
status=0
for rank in 0 1 2; do
  got=$("$bin" "$net" "$steps" --dry-run "$rank/3" --replay "$dir/spikes.rec" | tail -1 | cut -d' ' -f1-3)
  echo "rank $rank of 3, replaying: $got"
  [ "$got" == "$ref" ] || { echo "  differs from one process"; status=1; }
done
exit $status
