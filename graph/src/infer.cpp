// The infer pass: the spec of every network input and of every wire, each component built as soon as
// the specs of its inputs are known, recurrent contracts and effects checked.
//
// A node waits for the producers of its same-step inputs, and for the producers of its previous-step
// inputs that promise no spec before their build (no recurrent contract). Nodes are built in the step
// order as their waits are met (a worklist: linear in nodes and wires); a node that waits on a failed
// one is not built and not reported again; nodes still waiting at the end wait on each other.
//
// A contract promises shapes, not the inhibition masks a build draws. Where a component says which
// input an output takes its mask from (a soma's spikes: its inhibition_mask input), a contract read
// completes the mask from that input's producers, built early when they wait on nothing (inhibition
// masks). When a node was still read through a contract lacking a mask its producer then built (a mask
// passed along several contracts), the pass runs again on fresh components with the built masks in the
// contracts: each node draws from its own stream, so every build is the same again.
#include <algorithm>
#include <cmath>
#include <functional>
#include <new>
#include <queue>
#include <stdexcept>

#include <spark/core/config.hpp>
#include <spark/core/text.hpp>

#include "passes.hpp"

namespace spark::graph::detail {

namespace {

std::string suggestion_text(const std::vector<std::string>& suggestions) {
    return suggestions.empty() ? "" : " (did you mean " + join(suggestions) + "?)";
}

void check_dt(double dt, Diagnostics& diagnostics) {
    if (std::isfinite(dt) && dt > 0.0) return;
    diagnostics.push_back({.code = DiagnosticCode::invalid_dt, .port = "dt", .expected = "a finite number > 0 ms",
                           .actual = format_number(dt),
                           .message = "network dt = " + format_number(dt) + " ms must be a finite number > 0"});
}

std::vector<std::optional<PortSpec>> external_specs(const FlatGraph& g, const std::map<std::string, PortSpec>& given,
                                                    Diagnostics& diagnostics) {
    std::vector<std::optional<PortSpec>> external(g.external_names.size());
    for (std::size_t i = 0; i < g.external_names.size(); ++i) {
        const std::string& name = g.external_names[i];
        if (auto it = given.find(name); it != given.end()) external[i] = it->second;
        else
            diagnostics.push_back({.code = DiagnosticCode::missing_input_spec, .port = name,
                                   .origin = g.external_origins[i],
                                   .message = "network input '" + name + "' has no spec; pass one to build()"});
    }
    for (const auto& [name, _] : given) {
        if (std::find(g.external_names.begin(), g.external_names.end(), name) != g.external_names.end()) continue;
        auto suggestions = closest_names(name, g.external_names);
        diagnostics.push_back({.code = DiagnosticCode::unknown_input_spec, .port = name,
                               .message = "a spec was given for '" + name + "', which is not an input of the network" +
                                          suggestion_text(suggestions),
                               .suggestions = suggestions});
    }
    return external;
}

// Finds the f32 state arrays named by a node's "initial.<state>" overrides.
class StateSizes final : public StateVisitor {
public:
    StateSizes() : StateVisitor(StateAccess::read) {}
    std::map<std::string, std::pair<DType, std::size_t>> arrays;
    void visit(std::string_view name, DType dtype, void*, std::size_t count) override {
        arrays[std::string(name)] = {dtype, count};
    }
};

// Draws the initial values of a built node's "initial.<state>" overrides from its stream.
std::vector<std::pair<std::string, std::vector<float>>> draw_initial_state(const FlatNode& node, Component& component,
                                                                          Rng& rng) {
    std::vector<std::pair<std::string, std::vector<float>>> drawn;
    if (node.initial.empty()) return drawn;
    StateSizes sizes;
    component.visit_state(sizes);
    const std::string where_prefix = node.info->class_name + " '" + node.path + "': initial.";
    for (const auto& o : node.initial) {
        auto it = sizes.arrays.find(o.path);
        if (it == sizes.arrays.end() || it->second.first != DType::f32) {
            std::vector<std::string> names;
            for (const auto& [n, a] : sizes.arrays)
                if (a.first == DType::f32) names.push_back(n);
            throw ConfigError(node.info->class_name, node.path, "initial." + o.path, "",
                              "names no float state array" + suggestion_text(closest_names(o.path, names)));
        }
        Param param;
        const std::string field = "initial." + o.path;
        const FieldMeta meta{field, "", Bound::none, ""};
        config_detail::assign(param, "", o.value, ConfigWhere{node.info->class_name, node.path}, meta);
        drawn.emplace_back(o.path, param.materialize(Shape{it->second.second}, rng, Bound::none, where_prefix + o.path));
    }
    return drawn;
}

// The spec an input receives from several sources: currents of equal shape are summed, anything else
// is flattened and concatenated in wire order (spike inhibition bits included).
std::optional<PortSpec> merge_specs(const FlatGraph& g, const FlatNode& node, std::size_t input,
                                    const std::vector<PortSpec>& specs, Diagnostics& diagnostics) {
    const std::string port(node.info->inputs[input].name);
    const std::string where = "node '" + node.path + "' input '" + port + "'";
    const auto& sources = node.inputs[input];
    auto refuse = [&](std::size_t i, std::string what, std::string expected) {
        diagnostics.push_back({.code = DiagnosticCode::incompatible_sources, .node = node.path, .port = port,
                               .origin = node.origin, .expected = std::move(expected), .actual = specs[i].to_string(),
                               .message = where + ": " + what});
        return std::nullopt;
    };
    for (std::size_t i = 1; i < specs.size(); ++i)
        if (specs[i].kind != specs[0].kind)
            return refuse(i,
                          "its sources carry different payloads (" + specs[0].to_string() + " from " +
                              source_text(g, sources[0]) + ", " + specs[i].to_string() + " from " +
                              source_text(g, sources[i]) + ")",
                          std::string(to_string(specs[0].kind)));
    if (specs.size() == 1) return specs[0];
    if (specs[0].kind == PayloadKind::current) {
        for (std::size_t i = 1; i < specs.size(); ++i)
            if (specs[i].shape != specs[0].shape)
                return refuse(i,
                              "currents from several sources are summed and need equal shapes; got " +
                                  specs[0].to_string() + " from " + source_text(g, sources[0]) + " and " +
                                  specs[i].to_string() + " from " + source_text(g, sources[i]),
                              specs[0].to_string());
        return specs[0];
    }
    std::size_t total = 0;
    bool any_mask = false;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (specs[i].per_synapse)
            return refuse(i,
                          "per-synapse spikes from " + source_text(g, sources[i]) +
                              " cannot be concatenated with other sources",
                          "spikes per unit");
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

class Inferrer {
public:
    // `built_before`: the nodes of a previous run of the pass, whose masks complete the contracts.
    Inferrer(const FlatGraph& g, Components& c, const StepOrder& order, double dt, std::uint64_t seed,
             std::vector<std::optional<PortSpec>> external, Diagnostics& d, const std::vector<NodeSpecs>& built_before,
             ProcessSlot slot, Parallel* parallel)
        : g_(g), components_(c), order_(order), dt_(dt), seed_(seed), slot_(slot), parallel_(parallel),
          whole_(slot.processes > 1 ? runs_whole(g, c) : std::vector<bool>()), external_(std::move(external)),
          diagnostics_(d), nodes_(g.nodes.size()), failed_(g.nodes.size(), false), contracts_(g.nodes.size()) {
        for (std::size_t v = 0; v < g.nodes.size(); ++v) {
            failed_[v] = !components_[v] || order.in_cycle[v] || has_unwired_input(g.nodes[v]);
            if (components_[v]) contracts_[v] = components_[v]->contract();
            if (contracts_[v] && v < built_before.size() && built_before[v].built)
                copy_masks(built_before[v].result, *contracts_[v]);
        }
    }

    void run();
    void mark_blocked();
    void report_unresolved() const;
    void check_contracts();
    // Whether a node read through its contract built a mask that the contract did not hold.
    bool contract_masks_stale() const;
    std::vector<NodeSpecs> take() { return std::move(nodes_); }

private:
    // A required input left unwired (reported by flatten).
    static void copy_masks(const BuildResult& from, BuildResult& to) {
        for (std::size_t o = 0; o < to.outputs.size() && o < from.outputs.size(); ++o)
            to.outputs[o].mask = from.outputs[o].mask;
        for (std::size_t p = 0; p < to.properties.size() && p < from.properties.size(); ++p)
            to.properties[p].mask = from.properties[p].mask;
    }
    static bool has_unwired_input(const FlatNode& node) {
        for (std::size_t i = 0; i < node.inputs.size(); ++i)
            if (node.inputs[i].empty() && !node.info->inputs[i].optional) return true;
        return false;
    }
    void report(Diagnostic d) { diagnostics_.push_back(std::move(d)); }
    const PortSpec* contract_spec(const Source& s) const;
    bool waits_on(const Source& s) const {
        return s.kind != SourceKind::external && (s.latency == Latency::same_step || !contract_spec(s));
    }
    PortSpec promised_spec(const Source& s);  // a contract's spec, its mask completed when known
    std::optional<std::vector<std::uint8_t>> known_mask(std::size_t v, std::size_t input);
    void finish(std::size_t v);       // visits node v and releases the nodes that wait on it
    void build_early(std::size_t v);  // finishes node v now if it waits on nothing
    void visit(std::size_t v);        // builds node v, or marks it failed
    std::optional<std::vector<std::optional<PortSpec>>> input_specs(std::size_t v);
    void build(std::size_t v, std::vector<std::optional<PortSpec>> inputs);

    const FlatGraph& g_;
    Components& components_;
    const StepOrder& order_;
    double dt_;
    std::uint64_t seed_;
    ProcessSlot slot_;
    Parallel* parallel_;  // the threads of one node's build (BuildContext::parallel)
    std::vector<bool> whole_;  // per node, over several processes: runs whole
    std::vector<std::optional<PortSpec>> external_;
    Diagnostics& diagnostics_;
    std::vector<NodeSpecs> nodes_;
    std::vector<bool> failed_;  // not built: refused, in a cycle, or waiting on a failed node
    std::vector<std::optional<BuildResult>> contracts_;
    std::vector<bool> contract_used_ = std::vector<bool>(g_.nodes.size(), false);
    std::vector<bool> done_ = std::vector<bool>(g_.nodes.size(), false);
    std::vector<bool> visiting_ = std::vector<bool>(g_.nodes.size(), false);
    std::vector<std::vector<std::size_t>> dependents_ = std::vector<std::vector<std::size_t>>(g_.nodes.size());
    // The worklist: per node its step rank and the waits not yet met; the nodes ready, step order first.
    using Entry = std::pair<std::size_t, std::size_t>;  // (rank, node)
    std::vector<std::size_t> rank_, pending_;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> ready_;
};

const PortSpec* Inferrer::contract_spec(const Source& s) const {
    const auto& c = contracts_[s.node];
    if (!c) return nullptr;
    const auto& specs = s.kind == SourceKind::output ? c->outputs : c->properties;
    return s.port < specs.size() ? &specs[s.port] : nullptr;  // a contract may promise outputs only
}

// The spec a not yet built node promises on `s`. The mask of an output that carries an input's mask is
// taken from that input's producers when they are built (or can be now), and kept in the contract.
PortSpec Inferrer::promised_spec(const Source& s) {
    contract_used_[s.node] = true;
    PortSpec& promised = s.kind == SourceKind::output ? contracts_[s.node]->outputs[s.port]
                                                      : contracts_[s.node]->properties[s.port];
    if (s.kind != SourceKind::output || !promised.mask.empty() || visiting_[s.node]) return promised;
    if (const auto input = components_[s.node]->output_mask_input(s.port))
        if (auto mask = known_mask(s.node, *input); mask && mask->size() == promised.size())
            promised.mask = std::move(*mask);
    return promised;
}

// The mask input `input` of node v will receive (its sources' bits concatenated), when every source is
// known; nullopt otherwise. Producers that wait on nothing are built for it.
std::optional<std::vector<std::uint8_t>> Inferrer::known_mask(std::size_t v, std::size_t input) {
    std::vector<std::uint8_t> mask;
    bool any = false;
    for (const auto& s : g_.nodes[v].inputs[input]) {
        if (s.kind != SourceKind::external) build_early(s.node);
        if (s.kind != SourceKind::external && !nodes_[s.node].built) return std::nullopt;
        if (s.kind == SourceKind::external && !external_[s.port]) return std::nullopt;
        const PortSpec& spec = s.kind == SourceKind::external ? *external_[s.port]
                               : s.kind == SourceKind::output ? nodes_[s.node].result.outputs[s.port]
                                                              : nodes_[s.node].result.properties[s.port];
        any = any || !spec.mask.empty();
        if (spec.mask.empty()) mask.insert(mask.end(), spec.size(), 0);
        else mask.insert(mask.end(), spec.mask.begin(), spec.mask.end());
    }
    if (!any) return std::nullopt;
    return mask;
}

void Inferrer::build_early(std::size_t v) {
    if (!done_[v] && !visiting_[v] && pending_[v] == 0 && rank_[v] < g_.nodes.size()) finish(v);
}

void Inferrer::finish(std::size_t v) {
    visiting_[v] = true;
    visit(v);
    visiting_[v] = false;
    done_[v] = true;
    for (std::size_t c : dependents_[v])
        if (--pending_[c] == 0 && rank_[c] < g_.nodes.size()) ready_.push({rank_[c], c});
}

void Inferrer::run() {
    const std::size_t n = g_.nodes.size();
    rank_.assign(n, n);
    pending_.assign(n, 0);
    for (std::size_t k = 0; k < order_.sequence.size(); ++k) rank_[order_.sequence[k]] = k;
    for (std::size_t v = 0; v < n; ++v)
        for (const auto& sources : g_.nodes[v].inputs)
            for (const auto& s : sources)
                if (waits_on(s)) {
                    ++pending_[v];
                    dependents_[s.node].push_back(v);
                }
    for (std::size_t v = 0; v < n; ++v)
        if (pending_[v] == 0 && rank_[v] < n) ready_.push({rank_[v], v});
    while (!ready_.empty()) {
        const std::size_t v = ready_.top().second;
        ready_.pop();
        if (!done_[v]) finish(v);  // a node built early for a mask comes up again here
    }
}

// Nodes never reached that wait, directly or not, on a failed node fail too (already reported there).
void Inferrer::mark_blocked() {
    std::vector<std::size_t> stack;
    for (std::size_t v = 0; v < g_.nodes.size(); ++v)
        if (failed_[v]) stack.push_back(v);
    while (!stack.empty()) {
        const std::size_t v = stack.back();
        stack.pop_back();
        for (std::size_t c : dependents_[v])
            if (!done_[c] && !failed_[c]) {
                failed_[c] = true;
                stack.push_back(c);
            }
    }
}

void Inferrer::visit(std::size_t v) {
    if (failed_[v]) return;
    auto inputs = input_specs(v);
    if (!inputs) {
        failed_[v] = true;
        return;
    }
    build(v, std::move(*inputs));
}

// The merged spec of every input of node v; nullopt when a source failed or the sources do not merge.
std::optional<std::vector<std::optional<PortSpec>>> Inferrer::input_specs(std::size_t v) {
    const FlatNode& node = g_.nodes[v];
    std::vector<std::optional<PortSpec>> merged(node.inputs.size());
    bool ok = true;
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
        std::vector<PortSpec> specs;
        for (const auto& s : node.inputs[i]) {
            if (s.kind == SourceKind::external) {
                if (!external_[s.port]) return std::nullopt;  // reported: no spec given
                specs.push_back(*external_[s.port]);
                continue;
            }
            if (failed_[s.node]) return std::nullopt;  // reported upstream
            const NodeSpecs& p = nodes_[s.node];
            if (p.built) specs.push_back(s.kind == SourceKind::output ? p.result.outputs[s.port] : p.result.properties[s.port]);
            else specs.push_back(promised_spec(s));
        }
        if (specs.empty()) continue;
        merged[i] = merge_specs(g_, node, i, specs, diagnostics_);
        ok = ok && merged[i].has_value();
    }
    if (!ok) return std::nullopt;
    return merged;
}

void Inferrer::build(std::size_t v, std::vector<std::optional<PortSpec>> inputs) {
    const FlatNode& node = g_.nodes[v];
    Component& component = *components_[v];
    NodeSpecs& specs = nodes_[v];
    specs.inputs = std::move(inputs);
    Rng rng = Rng::for_node(seed_, node.path);
    std::unique_ptr<bool[]> read(new bool[node.properties_read.size() + 1]);
    std::copy(node.properties_read.begin(), node.properties_read.end(), read.get());
    BuildContext ctx;
    ctx.inputs = specs.inputs;
    ctx.properties_read = {read.get(), node.properties_read.size()};
    ctx.dt = dt_;
    ctx.rng = &rng;
    ctx.node = node.path;
    ctx.parallel = parallel_;
    if (slot_.processes > 1 && !whole_[v]) {
        ctx.process_rank = slot_.rank;
        ctx.processes = slot_.processes;
    }
    try {
        specs.result = component.build(ctx);
        component.mark_built();
        specs.initial_values = draw_initial_state(node, component, rng);
        apply_initial_state(component, specs);
    } catch (const ShapeError& e) {
        report({.code = DiagnosticCode::shape_mismatch, .node = node.path, .port = e.port(), .origin = node.origin,
                .expected = e.expected(), .actual = e.actual(), .message = e.what()});
    } catch (const ConfigError& e) {
        const bool initial = e.field().rfind("initial.", 0) == 0;
        report({.code = initial ? DiagnosticCode::invalid_initial_state : DiagnosticCode::invalid_config,
                .node = node.path, .port = e.field(), .origin = node.origin, .expected = e.rule(), .actual = e.value(),
                .message = e.what()});
    } catch (const Error& e) {
        report({.code = DiagnosticCode::invalid_config, .node = node.path, .origin = node.origin, .message = e.what()});
    } catch (const std::bad_alloc&) {
        report({.code = DiagnosticCode::too_large, .node = node.path, .origin = node.origin,
                .message = "node '" + node.path + "': its state does not fit in this machine's memory"});
    } catch (const std::length_error&) {
        report({.code = DiagnosticCode::too_large, .node = node.path, .origin = node.origin,
                .message = "node '" + node.path + "': its state is larger than an array can be"});
    }
    if (!component.built()) {
        failed_[v] = true;
        return;
    }
    if (specs.result.outputs.size() != node.info->outputs.size() ||
        specs.result.properties.size() != node.info->properties.size())
        throw InternalError(node.path + ": build returned the wrong number of specs");
    specs.built = true;
}

void Inferrer::report_unresolved() const {
    for (std::size_t v = 0; v < g_.nodes.size(); ++v) {
        if (done_[v] || failed_[v]) continue;
        std::vector<std::string> waits;
        std::string first_port;
        for (std::size_t i = 0; i < g_.nodes[v].inputs.size(); ++i)
            for (const auto& s : g_.nodes[v].inputs[i]) {
                if (!waits_on(s) || done_[s.node]) continue;
                if (first_port.empty()) first_port = std::string(g_.nodes[v].info->inputs[i].name);
                waits.push_back("input '" + std::string(g_.nodes[v].info->inputs[i].name) + "' waits on " +
                                source_text(g_, s));
            }
        if (waits.empty()) continue;
        diagnostics_.push_back(
            {.code = DiagnosticCode::unresolved_shape, .node = g_.nodes[v].path, .port = first_port,
             .origin = g_.nodes[v].origin,
             .message = "node '" + g_.nodes[v].path + "' cannot be built: " + join(waits, "; ") +
                        " (a previous-step wire from a node without a recurrent contract: give that node its `units`)"});
    }
}

void Inferrer::check_contracts() {
    for (std::size_t v = 0; v < g_.nodes.size(); ++v) {
        if (!nodes_[v].built || !contract_used_[v]) continue;
        const auto& c = *contracts_[v];
        for (std::size_t o = 0; o < c.outputs.size(); ++o) {
            const PortSpec& built = nodes_[v].result.outputs[o];
            if (c.outputs[o] == built) continue;
            const std::string port(g_.nodes[v].info->outputs[o].name);
            report({.code = DiagnosticCode::broken_contract, .node = g_.nodes[v].path, .port = port,
                    .origin = g_.nodes[v].origin, .expected = c.outputs[o].to_string(), .actual = built.to_string(),
                    .message = "node '" + g_.nodes[v].path + "' output '" + port + "': its recurrent contract promised " +
                               c.outputs[o].to_string() + ", but it built " + built.to_string()});
        }
    }
}

bool Inferrer::contract_masks_stale() const {
    for (std::size_t v = 0; v < g_.nodes.size(); ++v) {
        if (!nodes_[v].built || !contract_used_[v]) continue;
        const BuildResult& promised = *contracts_[v];
        const BuildResult& built = nodes_[v].result;
        for (std::size_t o = 0; o < promised.outputs.size(); ++o)
            if (promised.outputs[o].mask != built.outputs[o].mask) return true;
        for (std::size_t p = 0; p < promised.properties.size(); ++p)
            if (promised.properties[p].mask != built.properties[p].mask) return true;
    }
    return false;
}

void check_effects(const FlatGraph& g, const Inference& inference, Diagnostics& diagnostics) {
    for (const auto& e : g.effects) {
        const NodeSpecs& target_node = inference.nodes[e.target_node];
        if (!target_node.built || (e.source.kind != SourceKind::external && !inference.nodes[e.source.node].built))
            continue;
        const PortSpec& target = target_node.result.properties[e.target_property];
        const PortSpec& source = source_spec(inference, e.source);
        if (target.kind == source.kind && target.size() == source.size()) continue;
        const FlatNode& node = g.nodes[e.target_node];
        const std::string port(node.info->properties[e.target_property].name);
        diagnostics.push_back({.code = DiagnosticCode::effect_mismatch, .node = node.path, .port = port,
                               .origin = e.origin, .expected = target.to_string(), .actual = source.to_string(),
                               .message = "effect " + node.path + "." + port + " <- " + source_text(g, e.source) +
                                          ": expected " + target.to_string() + ", got " + source.to_string()});
    }
}

// Unbuilt components for the nodes that have one (their configs were accepted once already).
Components recreate(const FlatGraph& g, const Components& built) {
    Components fresh(built.size());
    for (std::size_t v = 0; v < built.size(); ++v)
        if (built[v]) fresh[v] = g.nodes[v].info->create(g.nodes[v].config, g.nodes[v].path);
    return fresh;
}

}  // namespace

Inference infer(const FlatGraph& graph, Components& components, const StepOrder& order,
                const std::map<std::string, PortSpec>& input_specs, double dt, std::uint64_t seed,
                Diagnostics& diagnostics, ProcessSlot slot, Parallel* parallel) {
    check_dt(dt, diagnostics);
    auto external = external_specs(graph, input_specs, diagnostics);
    Inference inference;
    for (const auto& spec : external) inference.external.push_back(spec.value_or(PortSpec()));
    if (!(std::isfinite(dt) && dt > 0.0)) {  // components derive constants from dt: build none
        inference.nodes.resize(graph.nodes.size());
        return inference;
    }
    // Each further run carries masks one more contract read along (a chain of relays); a loop of
    // masks that never settles is a component bug.
    constexpr int max_runs = 8;
    std::vector<NodeSpecs> built_before;
    for (int run = 1;; ++run) {
        Diagnostics found;
        Inferrer inferrer(graph, components, order, dt, seed, external, found, built_before, slot, parallel);
        inferrer.run();
        inferrer.mark_blocked();
        inferrer.report_unresolved();
        inferrer.check_contracts();
        const bool stale = found.empty() && inferrer.contract_masks_stale();
        if (stale && run < max_runs) {
            built_before = inferrer.take();
            components = recreate(graph, components);
            continue;
        }
        if (stale)
            found.push_back({.code = DiagnosticCode::broken_contract,
                             .message = "the inhibition masks read over previous-step wires still change after " +
                                        std::to_string(max_runs) + " builds"});
        diagnostics.insert(diagnostics.end(), found.begin(), found.end());
        inference.nodes = inferrer.take();
        break;
    }
    check_effects(graph, inference, diagnostics);
    return inference;
}

const PortSpec& source_spec(const Inference& inference, const Source& s) {
    if (s.kind == SourceKind::external) return inference.external[s.port];
    const auto& r = inference.nodes[s.node].result;
    return s.kind == SourceKind::output ? r.outputs[s.port] : r.properties[s.port];
}

void apply_initial_state(Component& component, const NodeSpecs& specs) {
    if (specs.initial_values.empty()) return;
    class Writer final : public StateVisitor {
    public:
        explicit Writer(const NodeSpecs& s) : specs_(s) {}
        void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
            for (const auto& [state, values] : specs_.initial_values)
                if (state == name && dtype == DType::f32 && values.size() == count)
                    std::copy(values.begin(), values.end(), static_cast<float*>(data));
        }

    private:
        const NodeSpecs& specs_;
    } writer(specs);
    component.visit_state(writer);
}

namespace {

// A node that splits for per-unit readers only (Component::splits_for_per_unit_readers) runs whole
// when a reader reads its output otherwise: whole, over other units, as one of several sources, or
// through an effect.
void split_for_per_unit_readers(const FlatGraph& graph, const Components& components,
                                std::span<const std::size_t> units, std::vector<bool>& whole) {
    for (std::size_t c = 0; c < graph.nodes.size(); ++c)
        for (std::size_t i = 0; i < graph.nodes[c].inputs.size(); ++i)
            for (const Source& s : graph.nodes[c].inputs[i]) {
                if (s.kind != SourceKind::output || !components[s.node]->splits_for_per_unit_readers()) continue;
                const bool per_unit = !whole[c] && units[c] == units[s.node] && graph.nodes[c].inputs[i].size() == 1 &&
                                      components[c]->input_per_unit(i);
                if (!per_unit) whole[s.node] = true;
            }
    for (const auto& e : graph.effects)
        if (e.source.kind == SourceKind::output && components[e.source.node]->splits_for_per_unit_readers())
            whole[e.source.node] = true;
}

}  // namespace

std::vector<bool> runs_whole(const FlatGraph& graph, const Components& components, std::span<const std::size_t> units) {
    const std::size_t n = graph.nodes.size();
    std::vector<bool> whole(n, false);
    std::vector<std::pair<std::size_t, std::size_t>> links;  // split together, or both whole
    // Whether node `reader` reads property `port` of node `owner` per unit.
    auto reads_per_unit = [&](std::size_t reader, std::size_t owner, std::size_t port) {
        const auto& inputs = graph.nodes[reader].inputs;
        for (std::size_t i = 0; i < inputs.size(); ++i)
            for (const Source& s : inputs[i])
                if (s.kind == SourceKind::property && s.node == owner && s.port == port &&
                    components[reader]->input_per_unit(i))
                    return true;
        return false;
    };
    for (std::size_t c = 0; c < n; ++c)
        for (std::size_t i = 0; i < graph.nodes[c].inputs.size(); ++i)
            for (const Source& s : graph.nodes[c].inputs[i]) {
                if (s.kind != SourceKind::property) continue;
                if (components[s.node]->property_per_unit(s.port) && components[c]->input_per_unit(i))
                    links.emplace_back(s.node, c);
                else
                    whole[s.node] = true;
            }
    for (const auto& e : graph.effects) {
        const bool per_unit = e.source.kind == SourceKind::output &&
                              components[e.target_node]->property_per_unit(e.target_property) &&
                              reads_per_unit(e.source.node, e.target_node, e.target_property);
        if (per_unit) {
            links.emplace_back(e.target_node, e.source.node);
            continue;
        }
        whole[e.target_node] = true;
        if (e.source.kind == SourceKind::property) whole[e.source.node] = true;
    }
    // Linked nodes also need blocks of one unit (both step exactly their block's rows).
    auto linkable = [&](std::size_t v) { return components[v]->share_grain() <= 1 ? units[v] : 0; };
    if (!units.empty())
        for (const auto& [a, b] : links)
            if (linkable(a) == 0 || linkable(a) != linkable(b)) whole[a] = whole[b] = true;
    for (bool changed = true; changed;) {
        changed = false;
        for (const auto& [a, b] : links)
            if (whole[a] != whole[b]) {
                whole[a] = whole[b] = true;
                changed = true;
            }
    }
    if (!units.empty()) split_for_per_unit_readers(graph, components, units, whole);
    return whole;
}

}  // namespace spark::graph::detail
