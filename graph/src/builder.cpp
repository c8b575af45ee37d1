// The build pass: flatten composites, resolve wires, check kinds, find same-step cycles (Boost.Graph's
// strong_components), order the step, infer shapes in dependency order and build every component,
// collecting every problem.
#include <algorithm>
#include <cctype>
#include <functional>
#include <set>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>

#include <spark/core/config.hpp>
#include <spark/core/text.hpp>

#include "plan.hpp"

namespace spark::graph::detail {

namespace {

constexpr int kMaxDepth = 16;
// Overrides "initial.<state>" set the initial value of a named state array instead of a config field.
constexpr std::string_view kInitialPrefix = "initial.";

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
    std::size_t node = 0;                                  // leaf
    std::map<std::string, std::vector<LeafIn>> inputs;     // composite
    std::map<std::string, LeafOut> outputs;                // composite
};

std::string kind_name(PayloadKind k) { return k == any_payload ? "any payload" : std::string(to_string(k)); }

std::vector<std::string> port_names(std::span<const PortDecl> a, std::span<const PortDecl> b = {}) {
    std::vector<std::string> names;
    for (const auto& p : a) names.emplace_back(p.name);
    for (const auto& p : b) names.emplace_back(p.name);
    return names;
}

std::string suggest(std::string_view name, const std::vector<std::string>& candidates) {
    if (candidates.empty()) return "";
    return " (did you mean " + join(closest_names(name, candidates)) + "?)";
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

class Flattener {
public:
    Flattener(FlatGraph& g, const Registry& r, const TemplateRegistry& t) : g_(g), registry_(r), templates_(t) {}

    // Expands `net` under `prefix`; returns its exports.
    Expanded expand(const Network& net, const std::string& prefix, const Overrides& inherited, int depth) {
        Expanded self;
        self.leaf = false;
        Overrides everywhere = inherited;
        everywhere.insert(everywhere.end(), net.everywhere.begin(), net.everywhere.end());

        std::map<std::string, Expanded> children;
        for (const auto& node : net.nodes) {
            const std::string path = prefix + node.name;
            if (!valid_name(node.name)) {
                problem("node '" + path + "': a node name may contain only letters, digits and '_'");
                continue;
            }
            if (children.count(node.name)) {
                problem("node '" + path + "' is defined twice");
                continue;
            }
            if (const ComponentInfo* info = registry_.find(node.type)) {
                children[node.name] = add_leaf(path, *info, everywhere, node.config);
            } else if (const NeuronTemplate* t = templates_.find(node.type)) {
                if (depth >= kMaxDepth) {
                    problem("node '" + path + "': neuron templates nest deeper than " + std::to_string(kMaxDepth) +
                            " levels (does '" + t->name + "' contain itself?)");
                    continue;
                }
                children[node.name] = add_composite(path, *t, everywhere, node.config, depth);
            } else {
                auto names = registry_.names();
                for (auto& n : templates_.names()) names.push_back(n);
                problem("node '" + path + "': unknown component or neuron template '" + node.type + "'" +
                        suggest(normalize_name(node.type), names));
            }
        }

        for (const auto& w : net.wires) {
            const std::string text = prefix + w.from.to_string() + " -> " + prefix + w.to.to_string();
            auto from = resolve_from(children, w.from, prefix, text);
            auto to = resolve_to(children, w.to, prefix, text);
            if (!from || !to) continue;
            const Latency latency = w.latency.value_or(net.default_latency);
            for (const auto& in : *to) connect(*from, in, latency, text);
        }
        for (const auto& e : net.effects) {
            const std::string text = "effect " + prefix + e.target.to_string() + " <- " + prefix + e.source.to_string();
            auto source = resolve_from(children, e.source, prefix, text);
            auto target = resolve_from(children, e.target, prefix, text);
            if (!source || !target) continue;
            if (target->kind != SourceKind::property) {
                problem(text + ": '" + e.target.port + "' is not a property");
                continue;
            }
            const auto& decl = g_.nodes[target->node].info->properties[target->port];
            if (!decl.settable) {
                problem(text + ": property '" + e.target.port + "' cannot be written");
                continue;
            }
            g_.effects.push_back({target->node, target->port, Source{source->kind, source->node, source->port, Latency::same_step}});
        }
        for (const auto& in : net.inputs) {
            auto to = resolve_to(children, in.to, prefix, "input '" + in.name + "' -> " + prefix + in.to.to_string());
            if (!to) continue;
            auto& list = self.inputs[in.name];
            list.insert(list.end(), to->begin(), to->end());
        }
        for (const auto& out : net.outputs) {
            const std::string text = "output '" + out.name + "' <- " + prefix + out.from.to_string();
            if (self.outputs.count(out.name)) {
                problem(text + ": output '" + out.name + "' is defined twice");
                continue;
            }
            if (auto from = resolve_from(children, out.from, prefix, text)) self.outputs[out.name] = *from;
        }
        return self;
    }

private:
    void problem(std::string text) { g_.problems.push_back(std::move(text)); }

    Expanded add_leaf(const std::string& path, const ComponentInfo& info, const Overrides& everywhere,
                      const Overrides& own) {
        Overrides config;
        FlatNode node;
        for (const auto& o : everywhere)
            if (has_field(info, o.path)) config.push_back(o);
        for (const auto& o : own) {
            if (o.path.rfind(kInitialPrefix, 0) == 0) node.initial.push_back({o.path.substr(kInitialPrefix.size()), o.value});
            else config.push_back(o);
        }
        node.path = path;
        node.type = info.name;
        node.info = &info;
        node.inputs.resize(info.inputs.size());
        node.properties_read.assign(info.properties.size(), false);
        try {
            node.component = info.create(config, path);
        } catch (const Error& e) {
            problem(std::string("node '") + path + "': " + e.what());
            node.failed = true;
        }
        g_.nodes.push_back(std::move(node));
        Expanded leaf;
        leaf.node = g_.nodes.size() - 1;
        return leaf;
    }

    Expanded add_composite(const std::string& path, const NeuronTemplate& t, const Overrides& everywhere,
                           const Overrides& own, int depth) {
        Network body = t.body;
        Overrides below = everywhere;
        std::set<std::string> given;
        Overrides params;
        for (const auto& o : own) {
            const auto dot = o.path.find('.');
            const std::string head = o.path.substr(0, dot);
            const std::string rest = dot == std::string::npos ? "" : o.path.substr(dot + 1);
            const bool is_param = std::any_of(t.parameters.begin(), t.parameters.end(),
                                              [&](const auto& p) { return p.first == head; });
            if (dot == std::string::npos && is_param) {
                given.insert(head);
                params.push_back(o);
            } else if (head == "*" && !rest.empty()) {
                params.push_back({rest, o.value});
            } else if (NodeSpec* child = body.find(head); child && !rest.empty()) {
                if (rest == "type") {
                    if (o.value.is_string()) child->type = o.value.as_string();
                    else problem("node '" + path + "': '" + o.path + "' must be a type name");
                } else {
                    child->config.push_back({rest, o.value});
                }
            } else {
                std::vector<std::string> known;
                for (const auto& p : t.parameters) known.push_back(p.first);
                for (const auto& n : body.nodes) known.push_back(n.name + ".<field>");
                problem("node '" + path + "' (" + t.name + "): '" + o.path + "' is neither a parameter of " + t.name +
                        " nor an inner node's field" + suggest(head, known));
            }
        }
        // Template parameters: defaults first, then the node's values; each set everywhere below.
        for (const auto& [name, value] : t.parameters) {
            if (given.count(name)) continue;
            if (value.is_null()) problem("node '" + path + "' (" + t.name + "): parameter '" + name + "' must be given");
            else below.push_back({name, value});
        }
        below.insert(below.end(), params.begin(), params.end());
        return expand(body, path + ".", below, depth + 1);
    }

    std::optional<LeafOut> resolve_from(const std::map<std::string, Expanded>& children, const Endpoint& e,
                                        const std::string& prefix, const std::string& text) {
        auto it = children.find(e.node);
        if (it == children.end()) {
            std::vector<std::string> names;
            for (const auto& [n, _] : children) names.push_back(n);
            problem(text + ": no node named '" + prefix + e.node + "'" + suggest(e.node, names));
            return std::nullopt;
        }
        const Expanded& x = it->second;
        if (x.leaf) {
            const ComponentInfo& info = *g_.nodes[x.node].info;
            if (auto i = Component::find_port(info.outputs, e.port)) return LeafOut{x.node, SourceKind::output, *i};
            if (auto i = Component::find_port(info.properties, e.port)) return LeafOut{x.node, SourceKind::property, *i};
            problem(text + ": " + info.class_name + " '" + prefix + e.node + "' has no output or property '" + e.port +
                    "'" + suggest(e.port, port_names(info.outputs, info.properties)));
            return std::nullopt;
        }
        auto out = x.outputs.find(e.port);
        if (out == x.outputs.end()) {
            std::vector<std::string> names;
            for (const auto& [n, _] : x.outputs) names.push_back(n);
            problem(text + ": neuron '" + prefix + e.node + "' has no output '" + e.port + "'" + suggest(e.port, names));
            return std::nullopt;
        }
        return out->second;
    }

    std::optional<std::vector<LeafIn>> resolve_to(const std::map<std::string, Expanded>& children, const Endpoint& e,
                                                  const std::string& prefix, const std::string& text) {
        auto it = children.find(e.node);
        if (it == children.end()) {
            std::vector<std::string> names;
            for (const auto& [n, _] : children) names.push_back(n);
            problem(text + ": no node named '" + prefix + e.node + "'" + suggest(e.node, names));
            return std::nullopt;
        }
        const Expanded& x = it->second;
        if (x.leaf) {
            const ComponentInfo& info = *g_.nodes[x.node].info;
            if (auto i = Component::find_port(info.inputs, e.port)) return std::vector<LeafIn>{{x.node, *i}};
            problem(text + ": " + info.class_name + " '" + prefix + e.node + "' has no input '" + e.port + "'" +
                    suggest(e.port, port_names(info.inputs)));
            return std::nullopt;
        }
        auto in = x.inputs.find(e.port);
        if (in == x.inputs.end()) {
            std::vector<std::string> names;
            for (const auto& [n, _] : x.inputs) names.push_back(n);
            problem(text + ": neuron '" + prefix + e.node + "' has no input '" + e.port + "'" + suggest(e.port, names));
            return std::nullopt;
        }
        return in->second;
    }

    void connect(const LeafOut& from, const LeafIn& to, Latency latency, const std::string& text) {
        FlatNode& producer = g_.nodes[from.node];
        FlatNode& consumer = g_.nodes[to.node];
        const PortDecl& out = from.kind == SourceKind::output ? producer.info->outputs[from.port]
                                                              : producer.info->properties[from.port];
        const PortDecl& in = consumer.info->inputs[to.input];
        if (out.kind != any_payload && in.kind != any_payload && out.kind != in.kind) {
            problem(text + ": node '" + consumer.path + "' input '" + std::string(in.name) + "' expects " +
                    kind_name(in.kind) + ", got " + kind_name(out.kind) + " from '" + producer.path + "." +
                    std::string(out.name) + "'");
            return;
        }
        if (from.kind == SourceKind::property) producer.properties_read[from.port] = true;
        consumer.inputs[to.input].push_back(Source{from.kind, from.node, from.port, latency});
    }

    FlatGraph& g_;
    const Registry& registry_;
    const TemplateRegistry& templates_;
};

std::string source_text(const FlatGraph& g, const Source& s) {
    if (s.kind == SourceKind::external) return "network input '" + g.external_names[s.port] + "'";
    const FlatNode& n = g.nodes[s.node];
    const auto& table = s.kind == SourceKind::output ? n.info->outputs : n.info->properties;
    return "'" + n.path + "." + std::string(table[s.port].name) + "'";
}

// The spec an input receives from several sources: currents of equal shape are summed, anything else
// is flattened and concatenated in wire order (spike inhibition bits included).
std::optional<PortSpec> merge_specs(const FlatGraph& g, const FlatNode& node, std::size_t input,
                                    const std::vector<PortSpec>& specs, std::vector<std::string>& problems) {
    const PortDecl& decl = node.info->inputs[input];
    const std::string where = "node '" + node.path + "' input '" + std::string(decl.name) + "'";
    for (std::size_t i = 1; i < specs.size(); ++i)
        if (specs[i].kind != specs[0].kind) {
            problems.push_back(where + ": its sources carry different payloads (" + specs[0].to_string() + " from " +
                               source_text(g, node.inputs[input][0]) + ", " + specs[i].to_string() + " from " +
                               source_text(g, node.inputs[input][i]) + ")");
            return std::nullopt;
        }
    if (specs.size() == 1) return specs[0];
    if (specs[0].kind == PayloadKind::current) {
        for (std::size_t i = 1; i < specs.size(); ++i)
            if (specs[i].shape != specs[0].shape) {
                problems.push_back(where + ": currents from several sources are summed and need equal shapes; got " +
                                   specs[0].to_string() + " from " + source_text(g, node.inputs[input][0]) + " and " +
                                   specs[i].to_string() + " from " + source_text(g, node.inputs[input][i]));
                return std::nullopt;
            }
        return specs[0];
    }
    std::size_t total = 0;
    bool any_mask = false;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (specs[i].per_synapse) {
            problems.push_back(where + ": per-synapse spikes from " + source_text(g, node.inputs[input][i]) +
                               " cannot be concatenated with other sources");
            return std::nullopt;
        }
        total += specs[i].size();
        any_mask = any_mask || !specs[i].mask.empty();
    }
    PortSpec merged(specs[0].kind, Shape{total});
    if (any_mask)
        for (const auto& s : specs) {
            if (s.mask.empty()) merged.mask.insert(merged.mask.end(), s.size(), 0);
            else merged.mask.insert(merged.mask.end(), s.mask.begin(), s.mask.end());
        }
    return merged;
}

// Finds the f32 state arrays named by a node's "initial.<state>" overrides.
class StateSizes final : public StateVisitor {
public:
    std::map<std::string, std::pair<DType, std::size_t>> arrays;
    void visit(std::string_view name, DType dtype, void*, std::size_t count) override {
        arrays[std::string(name)] = {dtype, count};
    }
};

// Draws the initial values of a built node's "initial.<state>" overrides from its stream.
void draw_initial_state(FlatNode& node) {
    if (node.initial.empty()) return;
    StateSizes sizes;
    node.component->visit_state(sizes);
    const std::string where_prefix = node.info->class_name + " '" + node.path + "': initial.";
    for (const auto& o : node.initial) {
        auto it = sizes.arrays.find(o.path);
        if (it == sizes.arrays.end() || it->second.first != DType::f32) {
            std::vector<std::string> names;
            for (const auto& [n, a] : sizes.arrays)
                if (a.first == DType::f32) names.push_back(n);
            throw ConfigError(node.info->class_name, node.path, "initial." + o.path, "",
                              "names no float state array" + suggest(o.path, names));
        }
        Param param;
        const std::string field = "initial." + o.path;
        const FieldMeta meta{field, "", Bound::none, ""};
        config_detail::assign(param, "", o.value, ConfigWhere{node.info->class_name, node.path}, meta);
        node.initial_values.emplace_back(o.path,
                                         param.materialize(Shape{it->second.second}, node.rng, Bound::none, where_prefix + o.path));
    }
    apply_initial_state(node);
}

}  // namespace

void apply_initial_state(FlatNode& node) {
    if (node.initial_values.empty()) return;
    class Writer final : public StateVisitor {
    public:
        explicit Writer(FlatNode& n) : node_(n) {}
        void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
            for (const auto& [state, values] : node_.initial_values)
                if (state == name && dtype == DType::f32 && values.size() == count)
                    std::copy(values.begin(), values.end(), static_cast<float*>(data));
        }

    private:
        FlatNode& node_;
    } writer(node);
    node.component->visit_state(writer);
}

FlatGraph flatten(const Network& network, const Registry& registry, const TemplateRegistry& templates) {
    FlatGraph g;
    Flattener f(g, registry, templates);
    Expanded top = f.expand(network, "", {}, 0);
    for (const auto& [name, targets] : top.inputs) {
        g.external_names.push_back(name);
        for (const auto& t : targets)
            g.nodes[t.node].inputs[t.input].push_back(
                Source{SourceKind::external, 0, g.external_names.size() - 1, Latency::same_step});
    }
    for (const auto& [name, out] : top.outputs) g.outputs[name] = Source{out.kind, out.node, out.port, Latency::same_step};
    for (const auto& node : g.nodes)
        for (std::size_t i = 0; i < node.inputs.size(); ++i)
            if (node.inputs[i].empty() && !node.info->inputs[i].optional)
                g.problems.push_back("node '" + node.path + "' input '" + std::string(node.info->inputs[i].name) + "' (" +
                                     kind_name(node.info->inputs[i].kind) + ") is not wired");
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

std::vector<std::size_t> build_graph(FlatGraph& g, const std::map<std::string, PortSpec>& input_specs, double dt,
                                     std::uint64_t seed) {
    auto& problems = g.problems;
    const std::size_t n = g.nodes.size();
    if (!(dt > 0.0)) problems.push_back("network dt = " + format_number(dt) + " ms must be > 0");

    // Same-step dependencies: Boost.Graph finds the cycles.
    using Digraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
    Digraph same_step(n);
    std::vector<std::set<std::size_t>> preds(n);
    for (std::size_t c = 0; c < n; ++c)
        for (std::size_t p : same_step_producers(g.nodes[c])) {
            preds[c].insert(p);
            boost::add_edge(p, c, same_step);
        }
    std::vector<int> component_of(n);
    const int n_components = n ? boost::strong_components(same_step, component_of.data()) : 0;
    std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(n_components));
    for (std::size_t v = 0; v < n; ++v) members[static_cast<std::size_t>(component_of[v])].push_back(v);
    std::vector<bool> in_cycle(n, false);
    for (const auto& m : members) {
        const bool self_loop = m.size() == 1 && preds[m[0]].count(m[0]);
        if (m.size() < 2 && !self_loop) continue;
        std::vector<std::string> names;
        for (auto v : m) {
            names.push_back(g.nodes[v].path);
            in_cycle[v] = true;
        }
        problems.push_back("same-step cycle through " + join(names, ", ") +
                           ": make one of its wires previous-step (Latency::previous_step)");
    }
    // The step order: topological over same-step wires, and otherwise the order the nodes were
    // written in (Kahn's algorithm taking the lowest index first). Spark runs a Brain's modules in list
    // order, which decides what a live property read sees within a step.
    std::vector<std::size_t> order;
    {
        std::vector<std::size_t> pending(n, 0);
        std::vector<std::vector<std::size_t>> next(n);
        for (std::size_t c = 0; c < n; ++c)
            for (std::size_t p : preds[c])
                if (p != c) {
                    ++pending[c];
                    next[p].push_back(c);
                }
        std::set<std::size_t> ready;
        for (std::size_t v = 0; v < n; ++v)
            if (pending[v] == 0) ready.insert(v);
        while (!ready.empty()) {
            const std::size_t v = *ready.begin();
            ready.erase(ready.begin());
            order.push_back(v);
            for (std::size_t c : next[v])
                if (--pending[c] == 0) ready.insert(c);
        }
        for (std::size_t v = 0; v < n; ++v)  // cycle members (already reported) keep their place
            if (in_cycle[v]) order.push_back(v);
    }

    // Network inputs need specs.
    std::vector<std::optional<PortSpec>> external(g.external_names.size());
    for (std::size_t i = 0; i < g.external_names.size(); ++i) {
        auto it = input_specs.find(g.external_names[i]);
        if (it == input_specs.end()) problems.push_back("network input '" + g.external_names[i] + "' has no spec; pass one to build()");
        else external[i] = it->second;
    }
    for (const auto& [name, _] : input_specs)
        if (std::find(g.external_names.begin(), g.external_names.end(), name) == g.external_names.end())
            problems.push_back("a spec was given for '" + name + "', which is not an input of the network" +
                               suggest(name, g.external_names));

    // Shape inference: build nodes as soon as every source spec is known (built producer, or a
    // previous-step producer's recurrent contract); repeat until no progress.
    std::vector<bool> built(n, false);
    for (auto& node : g.nodes)  // an unwired required input was reported by flatten()
        for (std::size_t i = 0; i < node.inputs.size(); ++i)
            if (node.inputs[i].empty() && !node.info->inputs[i].optional) node.failed = true;
    std::vector<std::optional<std::optional<BuildResult>>> contracts(n);
    std::vector<bool> contract_used(n, false);
    auto contract_of = [&](std::size_t v) -> const std::optional<BuildResult>& {
        if (!contracts[v]) contracts[v] = g.nodes[v].component ? g.nodes[v].component->contract() : std::nullopt;
        return *contracts[v];
    };
    auto spec_of = [&](const Source& s, bool& waiting, bool& blocked) -> std::optional<PortSpec> {
        if (s.kind == SourceKind::external) {
            if (!external[s.port]) blocked = true;
            return external[s.port];
        }
        const FlatNode& p = g.nodes[s.node];
        if (p.failed || in_cycle[s.node]) {
            blocked = true;
            return std::nullopt;
        }
        if (built[s.node]) return s.kind == SourceKind::output ? p.result.outputs[s.port] : p.result.properties[s.port];
        if (s.latency == Latency::previous_step) {
            const auto& c = contract_of(s.node);
            const auto* specs = c ? (s.kind == SourceKind::output ? &c->outputs : &c->properties) : nullptr;
            if (specs && s.port < specs->size()) {  // a contract may promise outputs only
                contract_used[s.node] = true;
                return (*specs)[s.port];
            }
        }
        waiting = true;
        return std::nullopt;
    };

    bool progress = true;
    while (progress) {
        progress = false;
        for (std::size_t v : order) {
            FlatNode& node = g.nodes[v];
            if (built[v] || node.failed || in_cycle[v]) continue;
            bool waiting = false, blocked = false;
            std::vector<std::vector<PortSpec>> specs(node.inputs.size());
            for (std::size_t i = 0; i < node.inputs.size(); ++i)
                for (const auto& s : node.inputs[i])
                    if (auto spec = spec_of(s, waiting, blocked)) specs[i].push_back(*spec);
            if (blocked) {
                node.failed = true;  // an upstream problem was already reported
                progress = true;
                continue;
            }
            if (waiting) continue;
            node.input_specs.assign(node.inputs.size(), std::nullopt);
            bool ok = true;
            for (std::size_t i = 0; i < node.inputs.size() && ok; ++i) {
                if (specs[i].empty()) continue;
                auto merged = merge_specs(g, node, i, specs[i], problems);
                if (!merged) ok = false;
                else node.input_specs[i] = std::move(*merged);
            }
            progress = true;
            if (!ok) {
                node.failed = true;
                continue;
            }
            node.rng = Rng::for_node(seed, node.path);
            std::unique_ptr<bool[]> read(new bool[node.properties_read.size() + 1]);
            for (std::size_t i = 0; i < node.properties_read.size(); ++i) read[i] = node.properties_read[i];
            BuildContext ctx;
            ctx.inputs = node.input_specs;
            ctx.properties_read = {read.get(), node.properties_read.size()};
            ctx.dt = dt;
            ctx.rng = &node.rng;
            ctx.node = node.path;
            try {
                node.result = node.component->build(ctx);
                node.component->mark_built();
                built[v] = true;
            } catch (const Error& e) {
                problems.push_back(e.what());
                node.failed = true;
                continue;
            }
            try {
                draw_initial_state(node);
            } catch (const Error& e) {
                problems.push_back(e.what());
                node.failed = true;
                continue;
            }
            if (node.result.outputs.size() != node.info->outputs.size() ||
                node.result.properties.size() != node.info->properties.size())
                throw InternalError(node.path + ": build returned the wrong number of specs");
        }
    }
    for (std::size_t v = 0; v < n; ++v) {
        if (built[v] || g.nodes[v].failed || in_cycle[v]) continue;
        std::vector<std::string> waits;
        for (std::size_t i = 0; i < g.nodes[v].inputs.size(); ++i)
            for (const auto& s : g.nodes[v].inputs[i])
                if (s.kind != SourceKind::external && !built[s.node])
                    waits.push_back("input '" + std::string(g.nodes[v].info->inputs[i].name) + "' waits on " +
                                    source_text(g, s));
        problems.push_back("node '" + g.nodes[v].path + "' cannot be built: " + join(waits, "; ") +
                           " (a previous-step wire from a node without a recurrent contract: give that node its `units`)");
    }
    for (std::size_t v = 0; v < n; ++v) {
        if (!built[v] || !contract_used[v] || !contract_of(v)) continue;
        const auto& c = *contract_of(v);
        for (std::size_t o = 0; o < c.outputs.size(); ++o)
            if (!(c.outputs[o] == g.nodes[v].result.outputs[o]))
                problems.push_back("node '" + g.nodes[v].path + "' output '" + std::string(g.nodes[v].info->outputs[o].name) +
                                   "': its recurrent contract promised " + c.outputs[o].to_string() + ", but it built " +
                                   g.nodes[v].result.outputs[o].to_string());
    }
    for (const auto& e : g.effects) {
        if (!built[e.target_node] || (e.source.kind != SourceKind::external && !built[e.source.node])) continue;
        const PortSpec& target = g.nodes[e.target_node].result.properties[e.target_property];
        const FlatNode& src = g.nodes[e.source.node];
        const PortSpec& source =
            e.source.kind == SourceKind::output ? src.result.outputs[e.source.port] : src.result.properties[e.source.port];
        if (target.kind != source.kind || target.size() != source.size())
            problems.push_back("effect " + g.nodes[e.target_node].path + "." +
                               std::string(g.nodes[e.target_node].info->properties[e.target_property].name) + " <- " +
                               source_text(g, e.source) + ": expected " + target.to_string() + ", got " + source.to_string());
    }
    if (!problems.empty()) throw GraphBuildError(problems);
    return order;
}

}  // namespace spark::graph::detail
