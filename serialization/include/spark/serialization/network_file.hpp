#pragma once
// Network files: networks written by hand in protobuf text format (schema spark.v1, see
// serialization/proto/spark/v1/network.proto and the README). A file holds the network (nodes, wires,
// inputs with their specs, outputs, effects, overrides, seed, dt) and any neuron templates it defines,
// which are registered before its nodes are resolved.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include <spark/core/payload.hpp>
#include <spark/graph/network.hpp>

namespace spark::serialization {

struct NetworkFile {
    graph::Network network;
    std::map<std::string, PortSpec> input_specs;  // specs of the network inputs, from the file
    graph::TemplateRegistry templates;            // the built-in templates plus the file's own
};

// Parses a network file's text; `source_name` names the file in messages. Throws spark::ConfigError
// or spark::GraphError whose message names the file and, where the text format gives one, the line
// and column ("net.txtpb:12:5: ...").
NetworkFile parse_network_text(std::string_view text, std::string_view source_name = "<text>");
NetworkFile load_network_file(const std::filesystem::path& path);

// Writes a network (and the given user templates, if any) back as text; parse(write(x)) == x.
std::string to_network_text(const graph::Network& network, const std::map<std::string, PortSpec>& input_specs = {},
                            const std::vector<graph::NeuronTemplate>& templates = {});

}  // namespace spark::serialization
