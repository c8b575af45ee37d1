// The resolve pass: creates each leaf component from the registry with the overrides that reach it.
#include "passes.hpp"

namespace spark::graph::detail {

Components resolve(const FlatGraph& graph, Diagnostics& diagnostics) {
    Components components(graph.nodes.size());
    for (std::size_t v = 0; v < graph.nodes.size(); ++v) {
        const FlatNode& node = graph.nodes[v];
        try {
            components[v] = node.info->create(node.config, node.path);
        } catch (const ConfigError& e) {
            diagnostics.push_back({.code = DiagnosticCode::invalid_config, .node = node.path, .port = e.field(),
                                   .origin = node.origin, .expected = e.rule(), .actual = e.value(),
                                   .message = "node '" + node.path + "': " + e.what()});
        } catch (const Error& e) {
            diagnostics.push_back({.code = DiagnosticCode::invalid_config, .node = node.path, .origin = node.origin,
                                   .message = "node '" + node.path + "': " + e.what()});
        }
    }
    return components;
}

}  // namespace spark::graph::detail
