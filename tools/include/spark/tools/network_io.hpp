#pragma once
// The command-line program's one seam to the serialization library (network files and snapshots).
//
// Everything the program reads from or writes to disk as a model file or a snapshot goes through these
// functions, so the rest of the tools library never sees the serialization library's types.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spark/core/payload.hpp>
#include <spark/graph/network.hpp>
#include <spark/graph/simulation.hpp>

namespace spark::serialization {
struct NetworkFile;
}

namespace spark::tools {

// A network ready to build: its description, the specs of its inputs, and the neuron templates it may
// use (the built-in ones plus those defined by its file).
struct LoadedNetwork {
    graph::Network network;
    std::map<std::string, PortSpec> input_specs;
    graph::TemplateRegistry templates;
    std::string source;  // "<default network>", a file path or "snapshot <path>", for messages
    // The parsed file when the network comes from one (its line numbers annotate build errors).
    std::shared_ptr<const serialization::NetworkFile> file;
    std::vector<std::string> warnings;  // what an import could not reproduce exactly, one line per module
};

// What a model file without everything spark needs takes from the command line.
struct ModelOptions {
    std::map<std::string, PortSpec> input_specs;        // --input NAME=KIND:SHAPE ("*": every other input)
    std::vector<std::filesystem::path> template_files;  // --templates FILE (a Spark neuron .scfg, a network file)
    std::optional<double> dt_ms;                        // --dt (NIR); none: the importer's default
    double nir_time_unit_ms = 1000.0;                   // --nir-time-unit: NIR time constants are in seconds
};

// Reads a model file: a network file (protobuf text format), a Spark .scfg brain or a NIR graph,
// detected from its content. Throws spark::Error (ConfigError, GraphError, SnapshotError) whose message
// names the file, and the line where the format gives one. A Spark neuron file alone is refused (it is a
// neuron type).
LoadedNetwork load_network_file(const std::filesystem::path& path, const ModelOptions& options = {});

// `spark import`: the network file text equivalent to a model file (a .scfg brain, a neuron file's
// template, a NIR graph); `warnings` receives what the import could not reproduce.
std::string import_model_text(const std::filesystem::path& path, const ModelOptions& options,
                              std::vector<std::string>& warnings);

// Writes `network` as a NIR file. Throws spark::Error naming the nodes NIR has no counterpart for.
void export_nir(const LoadedNetwork& network, const std::filesystem::path& path, double time_unit_ms);

// Builds the network; a network read from a file reports build problems with the file's lines.
graph::Simulation build_network(const LoadedNetwork& network, graph::BuildOptions options);

// Whether two loaded networks describe the same network: nodes, wires, overrides, seed, dt, input specs
// and user templates, field by field (a file against the network stored in a snapshot).
bool same_description(const LoadedNetwork& a, const LoadedNetwork& b);

// The network stored in a snapshot and the step the snapshot was taken at.
struct SnapshotInfo {
    LoadedNetwork network;
    std::int64_t step = 0;
};
SnapshotInfo read_snapshot_info(const std::filesystem::path& path);
void load_snapshot(graph::Simulation& simulation, const std::filesystem::path& path);
// Saves the whole state of `simulation` (its description, input specs and templates included).
void save_snapshot(graph::Simulation& simulation, const std::filesystem::path& path);

}  // namespace spark::tools
