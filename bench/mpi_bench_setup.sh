# Shared set-up of the MPI benchmark scripts (sourced, after `set -euo pipefail`): BUILD_DIR [STEPS]
# become $build and $steps; $root is the repository, $hash the mpi_network_hash tool, $out a temporary
# directory removed on exit. Open MPI may then run as root (the scripts run on the CI machine).
build=$1 steps=${2:-500}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
hash=$build/tests/integration/mpi/mpi_network_hash
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
