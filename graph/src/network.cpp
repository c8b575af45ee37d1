#include <spark/graph/network.hpp>

#include <spark/core/error.hpp>
#include <spark/core/text.hpp>

namespace spark::graph {

std::string_view to_string(Latency latency) noexcept {
    return latency == Latency::same_step ? "same_step" : "previous_step";
}

Endpoint parse_endpoint(std::string_view text) {
    const auto dot = text.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size())
        throw GraphError("'" + std::string(text) + "' is not a port reference; expected \"node.port\"");
    return {std::string(text.substr(0, dot)), std::string(text.substr(dot + 1))};
}

Network& Network::add(std::string name, std::string type, Overrides config) {
    nodes.push_back({std::move(name), std::move(type), std::move(config)});
    return *this;
}

Network& Network::connect(std::string_view from, std::string_view to, std::optional<Latency> latency) {
    wires.push_back({parse_endpoint(from), parse_endpoint(to), latency});
    return *this;
}

Network& Network::input(std::string name, std::string_view to) {
    inputs.push_back({std::move(name), parse_endpoint(to)});
    return *this;
}

Network& Network::output(std::string name, std::string_view from) {
    outputs.push_back({std::move(name), parse_endpoint(from)});
    return *this;
}

Network& Network::effect(std::string_view target, std::string_view source) {
    effects.push_back({parse_endpoint(target), parse_endpoint(source)});
    return *this;
}

Network& Network::set(std::string_view path, Value value) {
    const auto dot = path.find('.');
    if (dot == std::string_view::npos)
        throw GraphError("override '" + std::string(path) + "' names no node; expected \"node.field\" or \"*.field\"");
    const std::string head(path.substr(0, dot));
    const std::string rest(path.substr(dot + 1));
    if (head == "*") {
        everywhere.push_back({rest, std::move(value)});
        return *this;
    }
    NodeSpec* node = find(head);
    if (!node) {
        std::vector<std::string> names;
        for (const auto& n : nodes) names.push_back(n.name);
        throw GraphError("override '" + std::string(path) + "': no node named '" + head + "' (did you mean " +
                         join(closest_names(head, names)) + "?)");
    }
    if (rest == "type") {
        if (!value.is_string()) throw GraphError("override '" + std::string(path) + "' must be a type name");
        node->type = value.as_string();
    } else {
        node->config.push_back({rest, std::move(value)});
    }
    return *this;
}

Network& Network::replace(std::string_view path, std::string type) {
    if (path.find('.') == std::string_view::npos) {
        if (NodeSpec* node = find(path)) {
            node->type = std::move(type);
            return *this;
        }
        std::vector<std::string> names;
        for (const auto& n : nodes) names.push_back(n.name);
        throw GraphError("replace: no node named '" + std::string(path) + "' (did you mean " +
                         join(closest_names(path, names)) + "?)");
    }
    return set(std::string(path) + ".type", Value(std::move(type)));
}

const NodeSpec* Network::find(std::string_view name) const {
    for (const auto& n : nodes)
        if (n.name == name) return &n;
    return nullptr;
}

NodeSpec* Network::find(std::string_view name) {
    for (auto& n : nodes)
        if (n.name == name) return &n;
    return nullptr;
}

void TemplateRegistry::add(NeuronTemplate t) {
    if (find(t.name)) throw GraphError("neuron template '" + t.name + "' is registered twice");
    entries_.push_back(std::move(t));
}

const NeuronTemplate* TemplateRegistry::find(std::string_view name) const {
    const std::string normalized = normalize_name(name);
    for (const auto& t : entries_)
        if (t.name == name || t.name == normalized) return &t;
    return nullptr;
}

std::vector<std::string> TemplateRegistry::names() const {
    std::vector<std::string> out;
    for (const auto& t : entries_) out.push_back(t.name);
    return out;
}

}  // namespace spark::graph
