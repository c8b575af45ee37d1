#pragma once
// Network files: networks written by hand in protobuf text format (schema spark.v1, see
// serialization/proto/spark/v1/network.proto and serialization/README.md). A file holds the network
// (nodes, wires, inputs with their specs, outputs, effects, overrides, seed, dt) and any neuron
// templates it defines, which are registered before its nodes are resolved.
//
// Errors come in two stages, as in the C++ API:
//   * reading: text that does not parse, or that does not describe a network (a value of the wrong
//     form, a malformed "node.port", a duplicate template), throws NetworkFileError (a ConfigError)
//     whose message starts with "file:line:column: ";
//   * building: unknown components, unknown ports, wrong shapes come from the graph build pass as
//     GraphBuildError, exactly as from C++; build_simulation() appends to every problem that names a
//     node or a wire of the file the line that defines it ("... (at net.txtpb:12)").
//
// @code
//   auto file = spark::serialization::load_network_file("brain.txtpb");
//   auto sim = spark::serialization::build_simulation(file, {.executor = graph::ExecutorKind::tbb});
//   sim.run(1000);
// @endcode
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <spark/core/error.hpp>
#include <spark/core/payload.hpp>
#include <spark/graph/network.hpp>
#include <spark/graph/simulation.hpp>

namespace spark::serialization {

// The version of the network description schema this build reads and writes (`format_version`).
inline constexpr unsigned network_format_version = 1;

struct NetworkFile {
    graph::Network network;
    std::map<std::string, PortSpec> input_specs;     // specs of the network inputs, from the file
    graph::TemplateRegistry templates;               // the built-in templates plus the file's own
    std::vector<graph::NeuronTemplate> own_templates;  // the file's own templates, in file order
    std::string source_name;                         // the file name used in messages
    std::map<std::string, int> node_lines;           // top-level node name -> line defining it (1-based)
    std::vector<int> wire_lines;                     // line of each top-level wire (1-based)
    std::vector<std::string> warnings;  // what an importer could not reproduce exactly, one line each, naming the module
};

// A problem found while reading a network file. what() is "file:line:column: message" (without the
// column when unknown, without the line when the whole file is concerned).
class NetworkFileError : public ConfigError {
public:
    NetworkFileError(std::string file, int line, int column, std::string message);
    const std::string& file() const noexcept { return file_; }
    int line() const noexcept { return line_; }      // 1-based; 0 when unknown
    int column() const noexcept { return column_; }  // 1-based; 0 when unknown
    const std::string& message() const noexcept { return message_; }

private:
    std::string file_;
    int line_ = 0, column_ = 0;
    std::string message_;
};

// Parses a network file's text; `source_name` names the file in messages. Throws NetworkFileError.
NetworkFile parse_network_text(std::string_view text, std::string_view source_name = "<text>");
// Reads and parses a file; a missing or unreadable file is a NetworkFileError too.
NetworkFile load_network_file(const std::filesystem::path& path);

// Builds a simulation of the file's network with its input specs and templates (the templates in
// `options` are replaced by the file's). Build problems are thrown as GraphBuildError whose problems
// carry the file line of the node or wire they name.
graph::Simulation build_simulation(const NetworkFile& file, graph::BuildOptions options = {});

// Writes a network (and the given user templates, if any) back as text; parse(write(x)) == x, and
// write(parse(text)) is a fixed point of parse-then-write. Top-level `param` overrides of a file are
// written inside their nodes (or as set_everywhere), where Network::set put them.
std::string to_network_text(const graph::Network& network, const std::map<std::string, PortSpec>& input_specs = {},
                            const std::vector<graph::NeuronTemplate>& templates = {});
std::string to_network_text(const NetworkFile& file);

}  // namespace spark::serialization
