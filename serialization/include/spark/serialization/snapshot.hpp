#pragma once
// Snapshots: the whole state of a running network (its description, the step counter, every state
// array of every node, every random stream, the previous-step wire caches) in one protobuf file.
//
// Save at step T, keep running to 2T; load into a freshly built network of the same description and
// run to 2T: spikes and every state array are bit-identical, on either executor. Loading checks the
// format version, the network description and a fingerprint of every node's state layout, and loads
// into a staging copy first: a truncated, corrupt, empty, wrong-version or mismatched snapshot throws
// SnapshotError naming what differs and leaves the running network untouched. Saving writes a
// temporary file and renames it, so a crash never leaves a truncated snapshot behind. Large arrays are
// split in chunks, so 10^7-synapse networks stay within protobuf's message limits.
#include <filesystem>
#include <map>
#include <string>

#include <spark/core/payload.hpp>
#include <spark/graph/simulation.hpp>

namespace spark::serialization {

void save_snapshot(graph::Simulation& simulation, const std::filesystem::path& path,
                   const std::map<std::string, PortSpec>& input_specs = {});
// Loads a snapshot into `simulation`, which must have been built from the same description.
void load_snapshot(graph::Simulation& simulation, const std::filesystem::path& path);

// The network stored in a snapshot, to build a simulation to load it into.
struct SnapshotHeader {
    graph::Network network;
    std::map<std::string, PortSpec> input_specs;
    std::vector<graph::NeuronTemplate> templates;
    std::int64_t step = 0;
};
SnapshotHeader read_snapshot_header(const std::filesystem::path& path);

}  // namespace spark::serialization
