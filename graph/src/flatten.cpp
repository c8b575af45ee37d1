// The flatten pass: expands neuron templates into their leaf components, pushes every override down to
// the leaves it reaches, and resolves every wire, effect, input and output to leaf ports.
#include <algorithm>
#include <cctype>
#include <set>
#include <span>

#include <spark/core/text.hpp>

#include "passes.hpp"

namespace spark::graph::detail {

namespace {

constexpr int kMaxDepth = 16;
// Overrides "initial.<state>" set the initial value of a named state array instead of a config field.
constexpr std::string_view kInitialPrefix = "initial.";
constexpr std::size_t kNotChecked = static_cast<std::size_t>(-1);

struct LeafOut {
    std::size_t node;
    SourceKind kind;  // output or property
    std::size_t port;
};
struct LeafIn {
    std::size_t node;
    std::size_t input;
};

// The interface of an expanded node: a leaf component, or the exports of a composite.
struct Expanded {
    bool leaf = true;
    std::size_t node = 0;                               // leaf
    std::map<std::string, std::vector<LeafIn>> inputs;  // composite
    std::map<std::string, Origin> input_origins;        // composite: the first statement of each input
    std::map<std::string, LeafOut> outputs;             // composite
};

// An override on its way down to the leaves; `use` indexes the "*.field" overrides a user wrote,
// which must reach at least one field (a typo is an error), or is kNotChecked.
struct Pushed {
    Override override;
    std::size_t use = kNotChecked;
};

// A "*.field" override a user wrote, and whether it reached a field.
struct EverywhereUse {
    std::string path;
    std::string below;  // the path prefix of the network it was written in ("" or "pool.")
    Origin origin;
    bool matched = false;
};

std::string kind_name(PayloadKind k) { return k == any_payload ? "any payload" : std::string(to_string(k)); }

// The port names of a template's inputs or outputs, for suggestions.
template <class PortMap>
std::vector<std::string> names_of(const PortMap& ports) {
    std::vector<std::string> names;
    for (const auto& [name, _] : ports) names.push_back(name);
    return names;
}

std::vector<std::string> port_names(std::span<const PortDecl> a, std::span<const PortDecl> b = {}) {
    std::vector<std::string> names;
    for (const auto& p : a) names.emplace_back(p.name);
    for (const auto& p : b) names.emplace_back(p.name);
    return names;
}

std::string suggestion_text(const std::vector<std::string>& suggestions) {
    return suggestions.empty() ? "" : " (did you mean " + join(suggestions) + "?)";
}

bool valid_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

bool has_field(const ComponentInfo& info, std::string_view path) {
    const std::string head(path.substr(0, path.find('.')));
    return std::any_of(info.fields.begin(), info.fields.end(), [&](const FieldInfo& f) { return f.name == head; });
}

// A statement of one network level: where a diagnostic points. Inside a template, everything points
// at the top-level node that uses it.
struct Level {
    std::string prefix;     // "" at the top, "pool." inside node pool
    const Origin* within;   // null at the top; else the origin of the top-level node
    Origin at(Origin::Kind kind, std::size_t index) const { return within ? *within : Origin{kind, index}; }
};

class Flattener {
public:
    Flattener(FlatGraph& g, const Registry& r, const TemplateRegistry& t, Diagnostics& d)
        : g_(g), registry_(r), templates_(t), diagnostics_(d) {}

    Expanded expand(const Network& net, const Level& level, const std::vector<Pushed>& inherited, int depth);
    void report_unmatched_overrides();

private:
    void report(Diagnostic d) { diagnostics_.push_back(std::move(d)); }

    std::map<std::string, Expanded> expand_nodes(const Network& net, const Level& level,
                                                 const std::vector<Pushed>& everywhere, int depth);
    void add_wires(const Network& net, const Level& level, const std::map<std::string, Expanded>& children);
    void add_effects(const Network& net, const Level& level, const std::map<std::string, Expanded>& children);
    void add_exports(const Network& net, const Level& level, const std::map<std::string, Expanded>& children,
                     Expanded& self);
    Expanded add_leaf(const std::string& path, const ComponentInfo& info, const std::vector<Pushed>& everywhere,
                      const Overrides& own, Origin origin);
    Expanded add_composite(const std::string& path, const NeuronTemplate& t, const std::vector<Pushed>& everywhere,
                           const Overrides& own, Origin origin, int depth);
    std::optional<LeafOut> resolve_from(const std::map<std::string, Expanded>& children, const Endpoint& e,
                                        const std::string& prefix, const std::string& text, Origin origin);
    std::optional<std::vector<LeafIn>> resolve_to(const std::map<std::string, Expanded>& children, const Endpoint& e,
                                                  const std::string& prefix, const std::string& text, Origin origin);
    const Expanded* find_child(const std::map<std::string, Expanded>& children, const Endpoint& e,
                               const std::string& prefix, const std::string& text, Origin origin);
    void unknown_port(const std::string& node, const std::string& port, const std::string& owner,
                      std::string_view port_kind, const std::vector<std::string>& known, const std::string& text,
                      Origin origin);
    void connect(const LeafOut& from, const LeafIn& to, Latency latency, const std::string& text, Origin origin);

    FlatGraph& g_;
    const Registry& registry_;
    const TemplateRegistry& templates_;
    Diagnostics& diagnostics_;
    std::vector<EverywhereUse> uses_;
};

Expanded Flattener::expand(const Network& net, const Level& level, const std::vector<Pushed>& inherited, int depth) {
    std::vector<Pushed> everywhere = inherited;
    for (std::size_t i = 0; i < net.everywhere.size(); ++i) {
        uses_.push_back({net.everywhere[i].path, level.prefix, level.at(Origin::everywhere, i)});
        everywhere.push_back({net.everywhere[i], uses_.size() - 1});
    }
    const auto children = expand_nodes(net, level, everywhere, depth);
    add_wires(net, level, children);
    add_effects(net, level, children);
    Expanded self;
    self.leaf = false;
    add_exports(net, level, children, self);
    return self;
}

std::map<std::string, Expanded> Flattener::expand_nodes(const Network& net, const Level& level,
                                                        const std::vector<Pushed>& everywhere, int depth) {
    std::map<std::string, Expanded> children;
    for (std::size_t k = 0; k < net.nodes.size(); ++k) {
        const NodeSpec& node = net.nodes[k];
        const std::string path = level.prefix + node.name;
        const Origin origin = level.at(Origin::node, k);
        if (!valid_name(node.name)) {
            report({.code = DiagnosticCode::invalid_name, .node = path, .origin = origin,
                    .message = "node '" + path + "': a node name may contain only letters, digits and '_'"});
            continue;
        }
        if (children.count(node.name)) {
            report({.code = DiagnosticCode::duplicate_name, .node = path, .origin = origin,
                    .message = "node '" + path + "' is defined twice"});
            continue;
        }
        if (const ComponentInfo* info = registry_.find(node.type)) {
            children[node.name] = add_leaf(path, *info, everywhere, node.config, origin);
        } else if (const NeuronTemplate* t = templates_.find(node.type)) {
            if (depth >= kMaxDepth) {
                report({.code = DiagnosticCode::template_too_deep, .node = path, .origin = origin,
                        .message = "node '" + path + "': neuron templates nest deeper than " +
                                   std::to_string(kMaxDepth) + " levels (does '" + t->name + "' contain itself?)"});
                continue;
            }
            children[node.name] = add_composite(path, *t, everywhere, node.config, origin, depth);
        } else {
            auto names = registry_.names();
            for (auto& n : templates_.names()) names.push_back(n);
            auto suggestions = closest_names(normalize_name(node.type), names);
            report({.code = DiagnosticCode::unknown_type, .node = path, .origin = origin, .actual = node.type,
                    .message = "node '" + path + "': unknown component or neuron template '" + node.type + "'" +
                               suggestion_text(suggestions),
                    .suggestions = suggestions});
        }
    }
    return children;
}

void Flattener::add_wires(const Network& net, const Level& level, const std::map<std::string, Expanded>& children) {
    for (std::size_t i = 0; i < net.wires.size(); ++i) {
        const WireSpec& w = net.wires[i];
        const Origin origin = level.at(Origin::wire, i);
        const std::string text = level.prefix + w.from.to_string() + " -> " + level.prefix + w.to.to_string();
        auto from = resolve_from(children, w.from, level.prefix, text, origin);
        auto to = resolve_to(children, w.to, level.prefix, text, origin);
        if (!from || !to) continue;
        const Latency latency = w.latency.value_or(net.default_latency);
        for (const auto& in : *to) connect(*from, in, latency, text, origin);
    }
}

void Flattener::add_effects(const Network& net, const Level& level, const std::map<std::string, Expanded>& children) {
    for (std::size_t i = 0; i < net.effects.size(); ++i) {
        const EffectSpec& e = net.effects[i];
        const Origin origin = level.at(Origin::effect, i);
        const std::string text =
            "effect " + level.prefix + e.target.to_string() + " <- " + level.prefix + e.source.to_string();
        auto source = resolve_from(children, e.source, level.prefix, text, origin);
        auto target = resolve_from(children, e.target, level.prefix, text, origin);
        if (!source || !target) continue;
        const FlatNode& node = g_.nodes[target->node];
        const bool settable = target->kind == SourceKind::property && node.info->properties[target->port].settable;
        if (!settable) {
            report({.code = DiagnosticCode::not_settable, .node = node.path, .port = e.target.port, .origin = origin,
                    .expected = "a settable property",
                    .actual = target->kind == SourceKind::property ? "a read-only property" : "an output",
                    .message = text + (target->kind == SourceKind::property
                                           ? ": property '" + e.target.port + "' cannot be written"
                                           : ": '" + e.target.port + "' is not a property")});
            continue;
        }
        g_.effects.push_back({target->node, target->port,
                              Source{source->kind, source->node, source->port, Latency::same_step}, origin});
    }
}

void Flattener::add_exports(const Network& net, const Level& level, const std::map<std::string, Expanded>& children,
                            Expanded& self) {
    for (std::size_t i = 0; i < net.inputs.size(); ++i) {
        const InputSpec& in = net.inputs[i];
        const std::string text = "input '" + in.name + "' -> " + level.prefix + in.to.to_string();
        auto to = resolve_to(children, in.to, level.prefix, text, level.at(Origin::input, i));
        self.input_origins.emplace(in.name, level.at(Origin::input, i));
        if (!to) continue;
        auto& list = self.inputs[in.name];
        list.insert(list.end(), to->begin(), to->end());
    }
    for (std::size_t i = 0; i < net.outputs.size(); ++i) {
        const OutputSpec& out = net.outputs[i];
        const Origin origin = level.at(Origin::output, i);
        const std::string text = "output '" + out.name + "' <- " + level.prefix + out.from.to_string();
        if (self.outputs.count(out.name)) {
            report({.code = DiagnosticCode::duplicate_name, .port = out.name, .origin = origin,
                    .message = text + ": output '" + out.name + "' is defined twice"});
            continue;
        }
        if (auto from = resolve_from(children, out.from, level.prefix, text, origin)) self.outputs[out.name] = *from;
    }
}

Expanded Flattener::add_leaf(const std::string& path, const ComponentInfo& info, const std::vector<Pushed>& everywhere,
                             const Overrides& own, Origin origin) {
    FlatNode node;
    for (const auto& pushed : everywhere)
        if (has_field(info, pushed.override.path)) {
            node.config.push_back(pushed.override);
            if (pushed.use != kNotChecked) uses_[pushed.use].matched = true;
        }
    for (const auto& o : own) {
        if (o.path.rfind(kInitialPrefix, 0) == 0) node.initial.push_back({o.path.substr(kInitialPrefix.size()), o.value});
        else node.config.push_back(o);
    }
    node.path = path;
    node.type = info.name;
    node.info = &info;
    node.origin = origin;
    node.inputs.resize(info.inputs.size());
    node.properties_read.assign(info.properties.size(), false);
    g_.nodes.push_back(std::move(node));
    Expanded leaf;
    leaf.node = g_.nodes.size() - 1;
    return leaf;
}

Expanded Flattener::add_composite(const std::string& path, const NeuronTemplate& t,
                                  const std::vector<Pushed>& everywhere, const Overrides& own, Origin origin,
                                  int depth) {
    Network body = t.body;
    std::set<std::string> given;
    std::vector<Pushed> params;
    for (const auto& o : own) {
        const auto dot = o.path.find('.');
        const std::string head = o.path.substr(0, dot);
        const std::string rest = dot == std::string::npos ? "" : o.path.substr(dot + 1);
        const bool is_param = std::any_of(t.parameters.begin(), t.parameters.end(),
                                          [&](const auto& p) { return p.first == head; });
        if (dot == std::string::npos && is_param) {
            given.insert(head);
            params.push_back({o});
        } else if (head == "*" && !rest.empty()) {
            uses_.push_back({rest, path + ".", origin});
            params.push_back({{rest, o.value}, uses_.size() - 1});
        } else if (NodeSpec* child = body.find(head); child && !rest.empty() && rest != "type") {
            child->config.push_back({rest, o.value});
        } else if (child && rest == "type" && o.value.is_string()) {
            child->type = o.value.as_string();
        } else {
            std::vector<std::string> known;
            for (const auto& p : t.parameters) known.push_back(p.first);
            for (const auto& n : body.nodes) known.push_back(n.name + ".<field>");
            auto suggestions = closest_names(head, known);
            const std::string why = child && rest == "type" ? "' must be a type name"
                                                            : "' is neither a parameter of " + t.name +
                                                                  " nor an inner node's field";
            report({.code = DiagnosticCode::unknown_override, .node = path, .port = o.path, .origin = origin,
                    .message = "node '" + path + "' (" + t.name + "): '" + o.path + why + suggestion_text(suggestions),
                    .suggestions = suggestions});
        }
    }
    // Template parameters: defaults first, then the node's values; each set everywhere below.
    std::vector<Pushed> below = everywhere;
    for (const auto& [name, value] : t.parameters) {
        if (given.count(name)) continue;
        if (value.is_null())
            report({.code = DiagnosticCode::missing_parameter, .node = path, .port = name, .origin = origin,
                    .message = "node '" + path + "' (" + t.name + "): parameter '" + name + "' must be given"});
        else below.push_back({{name, value}});
    }
    below.insert(below.end(), params.begin(), params.end());
    return expand(body, Level{path + ".", &origin}, below, depth + 1);
}

const Expanded* Flattener::find_child(const std::map<std::string, Expanded>& children, const Endpoint& e,
                                      const std::string& prefix, const std::string& text, Origin origin) {
    auto it = children.find(e.node);
    if (it != children.end()) return &it->second;
    std::vector<std::string> names;
    for (const auto& [n, _] : children) names.push_back(n);
    auto suggestions = closest_names(e.node, names);
    report({.code = DiagnosticCode::unknown_node, .node = prefix + e.node, .origin = origin,
            .message = text + ": no node named '" + prefix + e.node + "'" + suggestion_text(suggestions),
            .suggestions = suggestions});
    return nullptr;
}

// `owner` is the node's class ("LeakySoma") or "neuron"; `port_kind` what was looked for ("input").
void Flattener::unknown_port(const std::string& node, const std::string& port, const std::string& owner,
                             std::string_view port_kind, const std::vector<std::string>& known,
                             const std::string& text, Origin origin) {
    auto suggestions = closest_names(port, known);
    report({.code = DiagnosticCode::unknown_port, .node = node, .port = port, .origin = origin,
            .message = text + ": " + owner + " '" + node + "' has no " + std::string(port_kind) + " '" + port + "'" +
                       suggestion_text(suggestions),
            .suggestions = suggestions});
}

std::optional<LeafOut> Flattener::resolve_from(const std::map<std::string, Expanded>& children, const Endpoint& e,
                                               const std::string& prefix, const std::string& text, Origin origin) {
    const Expanded* x = find_child(children, e, prefix, text, origin);
    if (!x) return std::nullopt;
    if (x->leaf) {
        const ComponentInfo& info = *g_.nodes[x->node].info;
        if (auto i = Component::find_port(info.outputs, e.port)) return LeafOut{x->node, SourceKind::output, *i};
        if (auto i = Component::find_port(info.properties, e.port)) return LeafOut{x->node, SourceKind::property, *i};
        unknown_port(prefix + e.node, e.port, info.class_name, "output or property",
                     port_names(info.outputs, info.properties), text, origin);
        return std::nullopt;
    }
    if (auto out = x->outputs.find(e.port); out != x->outputs.end()) return out->second;
    unknown_port(prefix + e.node, e.port, "neuron", "output", names_of(x->outputs), text, origin);
    return std::nullopt;
}

std::optional<std::vector<LeafIn>> Flattener::resolve_to(const std::map<std::string, Expanded>& children,
                                                         const Endpoint& e, const std::string& prefix,
                                                         const std::string& text, Origin origin) {
    const Expanded* x = find_child(children, e, prefix, text, origin);
    if (!x) return std::nullopt;
    if (x->leaf) {
        const ComponentInfo& info = *g_.nodes[x->node].info;
        if (auto i = Component::find_port(info.inputs, e.port)) return std::vector<LeafIn>{{x->node, *i}};
        unknown_port(prefix + e.node, e.port, info.class_name, "input", port_names(info.inputs), text, origin);
        return std::nullopt;
    }
    if (auto in = x->inputs.find(e.port); in != x->inputs.end()) return in->second;
    unknown_port(prefix + e.node, e.port, "neuron", "input", names_of(x->inputs), text, origin);
    return std::nullopt;
}

void Flattener::connect(const LeafOut& from, const LeafIn& to, Latency latency, const std::string& text,
                        Origin origin) {
    FlatNode& producer = g_.nodes[from.node];
    FlatNode& consumer = g_.nodes[to.node];
    const PortDecl& out = from.kind == SourceKind::output ? producer.info->outputs[from.port]
                                                          : producer.info->properties[from.port];
    const PortDecl& in = consumer.info->inputs[to.input];
    if (out.kind != any_payload && in.kind != any_payload && out.kind != in.kind) {
        report({.code = DiagnosticCode::kind_mismatch, .node = consumer.path, .port = std::string(in.name),
                .origin = origin, .expected = kind_name(in.kind), .actual = kind_name(out.kind),
                .message = text + ": node '" + consumer.path + "' input '" + std::string(in.name) + "' expects " +
                           kind_name(in.kind) + ", got " + kind_name(out.kind) + " from '" + producer.path + "." +
                           std::string(out.name) + "'"});
        return;
    }
    if (from.kind == SourceKind::property) producer.properties_read[from.port] = true;
    consumer.inputs[to.input].push_back(Source{from.kind, from.node, from.port, latency});
}

void Flattener::report_unmatched_overrides() {
    for (const auto& use : uses_) {
        if (use.matched) continue;
        const std::string head = use.path.substr(0, use.path.find('.'));
        std::set<std::string> fields;
        for (const auto& node : g_.nodes)
            if (node.path.rfind(use.below, 0) == 0)
                for (const auto& f : node.info->fields) fields.insert(f.name);
        auto suggestions = closest_names(head, {fields.begin(), fields.end()});
        const std::string where = use.below.empty() ? "the network" : "'" + use.below.substr(0, use.below.size() - 1) + "'";
        report({.code = DiagnosticCode::unmatched_override, .node = use.below.empty() ? "" : use.below.substr(0, use.below.size() - 1),
                .port = use.path, .origin = use.origin,
                .message = "override '*." + use.path + "' matches no field of any node in " + where +
                           suggestion_text(suggestions),
                .suggestions = suggestions});
    }
}

void report_unwired_inputs(const FlatGraph& g, Diagnostics& diagnostics) {
    for (const auto& node : g.nodes)
        for (std::size_t i = 0; i < node.inputs.size(); ++i) {
            const PortDecl& decl = node.info->inputs[i];
            if (!node.inputs[i].empty() || decl.optional) continue;
            diagnostics.push_back({.code = DiagnosticCode::unwired_input, .node = node.path,
                                   .port = std::string(decl.name), .origin = node.origin,
                                   .expected = kind_name(decl.kind),
                                   .message = "node '" + node.path + "' input '" + std::string(decl.name) + "' (" +
                                              kind_name(decl.kind) + ") is not wired"});
        }
}

}  // namespace

FlatGraph flatten(const Network& network, const Registry& registry, const TemplateRegistry& templates,
                  Diagnostics& diagnostics) {
    FlatGraph g;
    Flattener f(g, registry, templates, diagnostics);
    Expanded top = f.expand(network, Level{"", nullptr}, {}, 0);
    f.report_unmatched_overrides();
    for (const auto& [name, targets] : top.inputs) {
        g.external_names.push_back(name);
        g.external_origins.push_back(top.input_origins.at(name));
        for (const auto& t : targets)
            g.nodes[t.node].inputs[t.input].push_back(
                Source{SourceKind::external, 0, g.external_names.size() - 1, Latency::same_step});
    }
    for (const auto& [name, out] : top.outputs) g.outputs[name] = Source{out.kind, out.node, out.port, Latency::same_step};
    report_unwired_inputs(g, diagnostics);
    return g;
}

std::vector<std::size_t> same_step_producers(const FlatNode& node) {
    std::vector<std::size_t> producers;
    for (const auto& sources : node.inputs)
        for (const auto& s : sources)
            if (s.kind != SourceKind::external && s.latency == Latency::same_step) producers.push_back(s.node);
    std::sort(producers.begin(), producers.end());
    producers.erase(std::unique(producers.begin(), producers.end()), producers.end());
    return producers;
}

std::string source_text(const FlatGraph& g, const Source& s) {
    if (s.kind == SourceKind::external) return "network input '" + g.external_names[s.port] + "'";
    const FlatNode& n = g.nodes[s.node];
    const auto& table = s.kind == SourceKind::output ? n.info->outputs : n.info->properties;
    return "'" + n.path + "." + std::string(table[s.port].name) + "'";
}

}  // namespace spark::graph::detail
