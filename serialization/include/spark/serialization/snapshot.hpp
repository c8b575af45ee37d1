#pragma once
// Snapshots: the whole state of a running network (its description, the step counter, every state
// array of every node, every random stream, the previous-step wire caches) in one protobuf file.
//
// Save at step T, keep running to 2T; load into a freshly built network of the same description and
// run to 2T: spikes and every state array are bit-identical, on either executor and any thread count.
//
// Loading reads and checks the whole snapshot before it touches the simulation: the format version,
// a fingerprint of every node (type, full config, names/dtypes/sizes of its state arrays), the network
// description (wires, seed, dt, input specs, user templates), every array (present, right dtype and
// size, none extra), and a CRC of every record. Data go to a staging copy first; only when everything
// is valid are they written into the simulation. A truncated, corrupt, empty, wrong-version or
// mismatched snapshot throws SnapshotError naming what differs, and leaves the simulation untouched.
//
// Saving writes a temporary file next to the target ("<path>.tmp-XXXXXX") and renames it, so a crash
// never leaves a truncated snapshot behind. Arrays are written in chunks of at most 16 MiB, so
// 10^7-synapse networks stay far below protobuf's message limits. The layout is described in
// serialization/proto/spark/v1/snapshot.proto.
//
// @code
//   save_snapshot(sim, "run.snap");                    // at step T
//   auto restored = restore_simulation("run.snap");    // a new process: rebuild and load
//   restored.run(1000);                                // continues exactly where `sim` was
// @endcode
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <spark/core/payload.hpp>
#include <spark/graph/simulation.hpp>

namespace spark::serialization {

// The snapshot format version this build reads and writes.
inline constexpr unsigned snapshot_format_version = 2;  // 2: chunks deflated (1: raw)
// The largest number of array bytes in one chunk record.
inline constexpr std::size_t snapshot_chunk_bytes = std::size_t{16} << 20;

// Writes the state of `simulation` (its description comes from the simulation itself: network(),
// input_specs() and the user templates among templates()). Throws SnapshotError when the file cannot
// be written; the target is then unchanged.
void save_snapshot(graph::Simulation& simulation, const std::filesystem::path& path);
// Loads a snapshot into `simulation`, which must have been built from the same description.
void load_snapshot(graph::Simulation& simulation, const std::filesystem::path& path);

// The same on streams (in-memory snapshots, pipes); `name` names the stream in messages.
void write_snapshot(graph::Simulation& simulation, std::ostream& out);
void read_snapshot(graph::Simulation& simulation, std::istream& in, std::string_view name = "<stream>");

// The network stored in a snapshot, to build a simulation to load it into.
struct SnapshotHeader {
    graph::Network network;
    std::map<std::string, PortSpec> input_specs;
    std::vector<graph::NeuronTemplate> templates;  // user templates (not the built-in ones)
    std::int64_t step = 0;
};
// Reads and checks only the header record (not the arrays).
SnapshotHeader read_snapshot_header(const std::filesystem::path& path);

// Builds a simulation of the header's network: its input specs, the built-in templates plus its own
// (which replace built-ins of the same name); the other options are kept.
graph::Simulation build_simulation(const SnapshotHeader& header, graph::BuildOptions options = {});
// read_snapshot_header + build_simulation + load_snapshot.
graph::Simulation restore_simulation(const std::filesystem::path& path, const graph::BuildOptions& options = {});

}  // namespace spark::serialization
