#include <spark/graph/simulation.hpp>

#include <algorithm>
#include <cstring>

#include <spark/components/builtin.hpp>
#include <spark/core/sum.hpp>
#include <spark/core/text.hpp>

#include "plan.hpp"

namespace spark::graph {

using detail::Buffer;
using detail::GatherOp;
using detail::Source;
using detail::SourceKind;

namespace {

std::vector<std::byte> zeros(const PortSpec& spec) { return std::vector<std::byte>(std::max<std::size_t>(spec.bytes(), 1)); }

const PortSpec& source_spec(const detail::FlatGraph& g, const Source& s, const std::vector<PortSpec>& external) {
    if (s.kind == SourceKind::external) return external[s.port];
    const auto& r = g.nodes[s.node].result;
    return s.kind == SourceKind::output ? r.outputs[s.port] : r.properties[s.port];
}

// Output `o` of a built node when its component serves it from its own state, checked against the
// output's spec; otherwise null (a runtime buffer).
std::byte* served_storage(detail::FlatNode& node, std::size_t o, const PortSpec& spec) {
    const ArrayRef storage = node.component->output_storage(o);
    if (storage.empty()) return nullptr;
    if (spec.kind == PayloadKind::spikes || storage.size != spec.size())
        throw InternalError("node '" + node.path + "' serves output '" + std::string(node.info->outputs[o].name) +
                            "' from an array of " + std::to_string(storage.size) + " elements; its spec is " +
                            spec.to_string() + " (a SpikeArray output needs a runtime buffer)");
    return static_cast<std::byte*>(storage.data);
}

}  // namespace

ConstArrayRef Simulation::Impl::source_view(const Source& s, std::size_t parity) const {
    if (s.kind == SourceKind::external) return {external[s.port].data(), external_specs[s.port].size()};
    if (s.kind == SourceKind::property) {
        auto& node = const_cast<detail::FlatNode&>(graph.nodes[s.node]);
        return node.component->property(s.port);
    }
    auto& buffer = const_cast<Buffer&>(buffers[runtime[s.node].output_buffers[s.port]]);
    // A previous-step reader sees what the producer wrote during the last step.
    if (s.latency == Latency::previous_step)
        return {buffer.last_at(parity), buffer.spec.size(), buffer.index_at(1 - parity)};
    return {buffer.at(parity), buffer.spec.size(), buffer.index_at(parity)};
}

void Simulation::Impl::run_node(std::size_t i, Parallel& parallel) {
    const std::size_t p = parity();
    auto& rt = runtime[i];
    for (const GatherOp& op : rt.gathers[p]) std::memcpy(op.dst, op.src, op.bytes);
    for (auto& concat : rt.spike_concats) concat.update(p);
    // Summed currents, element-wise, split like the components' own loops (the same threads touch the
    // same ranges).
    for (const std::size_t input : rt.summed_inputs) {
        float* dst = reinterpret_cast<float*>(rt.scratch[input].data());
        const std::span<const ConstArrayRef> summands = rt.summands[p][input];
        const std::size_t n = rt.inputs[p][input].size;
        parallel_for(parallel, n, task_length(n), [&](std::size_t begin, std::size_t end) {
            sum_block(summands, begin, end, dst + begin);
        });
    }
    // The outputs' spike lists are stale until the component lists this step's spikes (if it does).
    for (const ArrayRef& out : rt.outputs[p])
        if (out.spike_index) out.spike_index->invalidate();
    StepContext ctx{rt.inputs[p], rt.outputs[p], &parallel, step, rt.summands[p]};
    try {
        graph.nodes[i].component->step(ctx);
    } catch (const std::exception& e) {
        throw Error("node '" + graph.nodes[i].path + "': " + e.what());
    }
}

void detail::SpikeConcat::update(std::size_t parity) {
    for (const Part& part : parts[parity])
        if (part.source == nullptr || !part.source->fresh()) {
            index->invalidate();
            return;
        }
    index->clear();
    for (const Part& part : parts[parity])
        part.source->for_each([&](std::size_t u, bool inhibitory) { index->append(part.offset + u, inhibitory); });
    index->publish();
}

void Simulation::Impl::finish_step() {
    for (const std::size_t b : served_doubled) buffers[b].keep_served();
    apply_effects();
}

void Simulation::Impl::apply_effects() {
    const std::size_t p = parity();
    for (const auto& e : graph.effects)
        graph.nodes[e.target_node].component->set_property(e.target_property, source_view(e.source, p));
}

namespace {

class SequentialExecutor final : public detail::Executor {
public:
    explicit SequentialExecutor(Simulation::Impl& impl) : impl_(impl) {}
    void run(std::int64_t steps, const std::function<void()>& after_step) override {
        for (std::int64_t s = 0; s < steps; ++s) {
            for (std::size_t i : impl_.order) impl_.run_node(i, serial_parallel());
            impl_.finish_step();
            ++impl_.step;
            if (after_step) after_step();
        }
    }

private:
    Simulation::Impl& impl_;
};

}  // namespace

std::unique_ptr<detail::Executor> make_sequential_executor(Simulation::Impl& impl) {
    return std::make_unique<SequentialExecutor>(impl);
}

Simulation Simulation::build(const Network& network, const std::map<std::string, PortSpec>& input_specs,
                             const BuildOptions& options) {
    auto impl = std::make_unique<Impl>();
    impl->network = network;
    impl->input_specs = input_specs;
    impl->options = options;
    const Registry& registry = options.registry ? *options.registry : components::builtin_registry();
    impl->templates = options.templates ? *options.templates : builtin_templates();
    impl->options.templates = &impl->templates;
    const TemplateRegistry& templates = impl->templates;
    impl->graph = detail::flatten(network, registry, templates);
    impl->order = detail::build_graph(impl->graph, input_specs, network.dt, network.seed);
    auto& g = impl->graph;

    for (const auto& name : g.external_names) {
        impl->external_specs.push_back(input_specs.at(name));
        impl->external.push_back(zeros(impl->external_specs.back()));
    }
    // One buffer per output (or the component's own array); doubled when a previous-step wire reads it.
    impl->runtime.resize(g.nodes.size());
    for (std::size_t v = 0; v < g.nodes.size(); ++v)
        for (std::size_t o = 0; o < g.nodes[v].result.outputs.size(); ++o) {
            impl->runtime[v].output_buffers.push_back(impl->buffers.size());
            Buffer b;
            b.spec = g.nodes[v].result.outputs[o];
            b.served = served_storage(g.nodes[v], o, b.spec);
            if (!b.served) b.data[0] = zeros(b.spec);
            impl->buffers.push_back(std::move(b));
        }
    for (const auto& node : g.nodes)
        for (const auto& sources : node.inputs)
            for (const auto& s : sources)
                if (s.kind == SourceKind::output && s.latency == Latency::previous_step) {
                    const std::size_t index = impl->runtime[s.node].output_buffers[s.port];
                    Buffer& b = impl->buffers[index];
                    if (b.doubled) continue;
                    b.doubled = true;
                    if (b.served) {
                        b.data[0] = zeros(b.spec);
                        b.keep_served();  // the value the first step's previous-step readers see
                        impl->served_doubled.push_back(index);
                    } else {
                        b.data[1] = zeros(b.spec);
                    }
                }
    for (auto& b : impl->buffers)
        if (b.spec.kind == PayloadKind::spikes && b.spec.size() < SpikeIndex::max_units)
            for (std::size_t p = 0; p < (b.doubled ? 2u : 1u); ++p)
                b.spike_index[p] = std::make_unique<SpikeIndex>(b.spec.size());
    // Bind every input and output, for both step parities.
    for (std::size_t v = 0; v < g.nodes.size(); ++v) {
        auto& node = g.nodes[v];
        auto& rt = impl->runtime[v];
        rt.scratch.resize(node.inputs.size());
        for (auto& summands : rt.summands) summands.resize(node.inputs.size());
        std::vector<SpikeIndex*> concat_index(node.inputs.size(), nullptr);
        for (std::size_t i = 0; i < node.inputs.size(); ++i) {
            const auto& merged = node.input_specs[i];
            if (node.inputs[i].size() > 1 && merged->kind == PayloadKind::spikes && !merged->per_synapse &&
                merged->size() < SpikeIndex::max_units) {
                rt.spike_concats.push_back({std::make_unique<SpikeIndex>(merged->size()), {}});
                concat_index[i] = rt.spike_concats.back().index.get();
            }
        }
        for (std::size_t p = 0; p < 2; ++p) {
            std::size_t concat = 0;
            for (std::size_t o = 0; o < rt.output_buffers.size(); ++o) {
                Buffer& b = impl->buffers[rt.output_buffers[o]];
                rt.outputs[p].push_back(ArrayRef{b.at(p), b.spec.size(), b.index_at(p)});
            }
            for (std::size_t i = 0; i < node.inputs.size(); ++i) {
                const auto& sources = node.inputs[i];
                if (sources.empty()) {
                    rt.inputs[p].emplace_back();
                    continue;
                }
                const PortSpec& merged = *node.input_specs[i];
                if (sources.size() == 1) {
                    rt.inputs[p].push_back(impl->source_view(sources[0], p));
                    continue;
                }
                if (merged.kind == PayloadKind::current) {
                    // Summed in wire order: by the component where it reads them, or into a scratch input.
                    for (const auto& source : sources) rt.summands[p][i].push_back(impl->source_view(source, p));
                    if (node.info->inputs[i].summed_by_component) {
                        rt.inputs[p].emplace_back();
                        continue;
                    }
                    if (p == 0) rt.summed_inputs.push_back(i);
                    if (rt.scratch[i].empty()) rt.scratch[i] = zeros(merged);
                    rt.inputs[p].push_back(ConstArrayRef(rt.scratch[i].data(), merged.size()));
                    continue;
                }
                // Concatenated in wire order.
                if (rt.scratch[i].empty()) rt.scratch[i] = zeros(merged);
                std::size_t offset = 0;
                for (const auto& source : sources) {
                    const PortSpec& s = source_spec(g, source, impl->external_specs);
                    const ConstArrayRef view = impl->source_view(source, p);
                    rt.gathers[p].push_back(
                        GatherOp{static_cast<const std::byte*>(view.data), rt.scratch[i].data() + offset, s.bytes()});
                    if (concat_index[i]) rt.spike_concats[concat].parts[p].push_back({view.spike_index, offset});
                    offset += s.bytes();
                }
                if (concat_index[i]) ++concat;
                rt.inputs[p].push_back(ConstArrayRef(rt.scratch[i].data(), merged.size(), concat_index[i]));
            }
        }
    }
    // What the build pass saw, for listings and the DOT dump.
    for (const auto& node : g.nodes) {
        NodeInfo info{node.path, node.type, {}, {}, {}};
        for (std::size_t i = 0; i < node.inputs.size(); ++i)
            info.inputs.push_back({std::string(node.info->inputs[i].name),
                                   node.input_specs[i].value_or(PortSpec()), !node.inputs[i].empty()});
        for (std::size_t o = 0; o < node.result.outputs.size(); ++o)
            info.outputs.push_back({std::string(node.info->outputs[o].name), node.result.outputs[o], true});
        for (std::size_t o = 0; o < node.result.properties.size(); ++o)
            info.properties.push_back({std::string(node.info->properties[o].name), node.result.properties[o],
                                       node.properties_read[o]});
        impl->node_infos.push_back(std::move(info));
    }
    for (const auto& node : g.nodes)
        for (std::size_t i = 0; i < node.inputs.size(); ++i)
            for (const auto& s : node.inputs[i]) {
                WireInfo w;
                w.to_node = node.path;
                w.to_port = std::string(node.info->inputs[i].name);
                w.latency = s.latency;
                w.property = s.kind == SourceKind::property;
                w.spec = source_spec(g, s, impl->external_specs);
                if (s.kind == SourceKind::external) {
                    w.from_port = g.external_names[s.port];
                } else {
                    const auto& p = g.nodes[s.node];
                    w.from_node = p.path;
                    w.from_port = std::string(w.property ? p.info->properties[s.port].name : p.info->outputs[s.port].name);
                }
                impl->wire_infos.push_back(std::move(w));
            }
    switch (options.executor) {
        case ExecutorKind::sequential: impl->executor = make_sequential_executor(*impl); break;
        case ExecutorKind::tbb: impl->executor = make_tbb_executor(*impl, options.threads); break;
        case ExecutorKind::pool: impl->executor = make_pool_executor(*impl, options.threads); break;
    }
    return Simulation(std::move(impl));
}

Simulation::Simulation(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Simulation::~Simulation() = default;
Simulation::Simulation(Simulation&&) noexcept = default;
Simulation& Simulation::operator=(Simulation&&) noexcept = default;

void Simulation::step() { impl_->executor->run(1, {}); }

void Simulation::run(std::int64_t steps, const std::function<void(const Simulation&)>& after_step) {
    if (after_step) impl_->executor->run(steps, [&] { after_step(*this); });
    else impl_->executor->run(steps, {});
}

void Simulation::reset() {
    for (auto& node : impl_->graph.nodes) {
        node.component->reset();
        detail::apply_initial_state(node);
    }
    for (auto& b : impl_->buffers) {
        for (auto& d : b.data) std::fill(d.begin(), d.end(), std::byte{0});
        b.invalidate_spike_index();
        b.keep_served();  // a served output's previous value is the component's reset state, as after build
    }
    impl_->step = 0;
}

std::int64_t Simulation::step_count() const noexcept { return impl_->step; }
double Simulation::dt() const noexcept { return impl_->network.dt; }
std::uint64_t Simulation::seed() const noexcept { return impl_->network.seed; }
const Network& Simulation::network() const noexcept { return impl_->network; }
const std::map<std::string, PortSpec>& Simulation::input_specs() const noexcept { return impl_->input_specs; }
const TemplateRegistry& Simulation::templates() const noexcept { return impl_->templates; }
const std::vector<NodeInfo>& Simulation::nodes() const noexcept { return impl_->node_infos; }
const std::vector<WireInfo>& Simulation::wires() const noexcept { return impl_->wire_infos; }

ArrayRef Simulation::input(std::string_view name) {
    const auto& names = impl_->graph.external_names;
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end())
        throw GraphError("the network has no input '" + std::string(name) + "' (inputs: " + join(names) + ")");
    const auto i = static_cast<std::size_t>(it - names.begin());
    return {impl_->external[i].data(), impl_->external_specs[i].size()};
}

ConstArrayRef Simulation::output(std::string_view name) const {
    auto it = impl_->graph.outputs.find(std::string(name));
    if (it == impl_->graph.outputs.end()) {
        std::vector<std::string> names;
        for (const auto& [n, _] : impl_->graph.outputs) names.push_back(n);
        throw GraphError("the network has no output '" + std::string(name) + "' (outputs: " + join(names) + ")");
    }
    // The value written in the last step.
    return impl_->source_view(it->second, 1 - impl_->parity());
}

namespace {
std::size_t find_node(const detail::FlatGraph& g, std::string_view path) {
    for (std::size_t v = 0; v < g.nodes.size(); ++v)
        if (g.nodes[v].path == path) return v;
    std::vector<std::string> names;
    for (const auto& n : g.nodes) names.push_back(n.path);
    throw GraphError("no node '" + std::string(path) + "' in the network (did you mean " +
                     join(closest_names(path, names)) + "?)");
}
}  // namespace

ConstArrayRef Simulation::read(std::string_view node, std::string_view port) const {
    const std::size_t v = find_node(impl_->graph, node);
    const auto& info = *impl_->graph.nodes[v].info;
    if (auto o = Component::find_port(info.outputs, port))
        return impl_->source_view(Source{SourceKind::output, v, *o, Latency::same_step}, 1 - impl_->parity());
    if (auto p = Component::find_port(info.properties, port))
        return impl_->source_view(Source{SourceKind::property, v, *p, Latency::same_step}, 0);
    std::vector<std::string> names;
    for (const auto& d : info.outputs) names.emplace_back(d.name);
    for (const auto& d : info.properties) names.emplace_back(d.name);
    throw GraphError("node '" + std::string(node) + "' (" + info.class_name + ") has no output or property '" +
                     std::string(port) + "' (did you mean " + join(closest_names(port, names)) + "?)");
}

PortSpec Simulation::spec(std::string_view node, std::string_view port) const {
    const std::size_t v = find_node(impl_->graph, node);
    const auto& n = impl_->graph.nodes[v];
    if (auto o = Component::find_port(n.info->outputs, port)) return n.result.outputs[*o];
    if (auto p = Component::find_port(n.info->properties, port)) return n.result.properties[*p];
    throw GraphError("node '" + std::string(node) + "' has no output or property '" + std::string(port) + "'");
}

Component& Simulation::component(std::string_view node) {
    return *impl_->graph.nodes[find_node(impl_->graph, node)].component;
}

namespace {
// Prefixes every state name with the node path.
class PrefixVisitor final : public StateVisitor {
public:
    PrefixVisitor(StateVisitor& inner, std::string prefix) : inner_(inner), prefix_(std::move(prefix)) {}
    void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
        inner_.visit(prefix_ + "/" + std::string(name), dtype, data, count);
    }

private:
    StateVisitor& inner_;
    std::string prefix_;
};
}  // namespace

void Simulation::visit_state(StateVisitor& visitor) {
    std::int64_t step = impl_->step;
    visitor("@step", step);
    impl_->step = step;
    for (auto& node : impl_->graph.nodes) {
        PrefixVisitor prefixed(visitor, node.path);
        node.component->visit_state(prefixed);
    }
    // The values previous-step wires will deliver in the next step.
    const std::size_t next = impl_->parity();
    for (std::size_t v = 0; v < impl_->graph.nodes.size(); ++v) {
        const auto& node = impl_->graph.nodes[v];
        for (std::size_t o = 0; o < node.info->outputs.size(); ++o) {
            Buffer& b = impl_->buffers[impl_->runtime[v].output_buffers[o]];
            if (!b.doubled) continue;
            visitor.visit(node.path + "." + std::string(node.info->outputs[o].name) + "@previous", b.spec.dtype,
                          b.last_at(next), b.spec.size());
            b.invalidate_spike_index();  // the visitor may have written the codes (a snapshot load)
        }
    }
}

std::string Simulation::to_dot() const {
    std::string dot = "digraph spark {\n  rankdir=LR;\n  node [shape=record, fontname=\"Helvetica\"];\n";
    auto id = [](const std::string& path) {
        std::string s = "\"" + path + "\"";
        return s;
    };
    for (const auto& n : impl_->node_infos) dot += "  " + id(n.path) + " [label=\"{" + n.path + "|" + n.type + "}\"];\n";
    for (const auto& name : impl_->graph.external_names)
        dot += "  " + id("input:" + name) + " [shape=ellipse, label=\"" + name + "\"];\n";
    for (const auto& w : impl_->wire_infos) {
        const std::string from = w.from_node.empty() ? id("input:" + w.from_port) : id(w.from_node);
        std::string label = (w.from_node.empty() ? "" : w.from_port + " -> ") + w.to_port + "\\n" + w.spec.to_string();
        std::string style;
        if (w.property) style = ", style=dotted";
        else if (w.latency == Latency::previous_step) style = ", style=dashed";
        dot += "  " + from + " -> " + id(w.to_node) + " [label=\"" + label + "\"" + style + "];\n";
    }
    for (const auto& e : impl_->graph.effects) {
        const auto& t = impl_->graph.nodes[e.target_node];
        const auto& s = impl_->graph.nodes[e.source.node];
        dot += "  " + id(s.path) + " -> " + id(t.path) + " [label=\"effect: " +
               std::string(t.info->properties[e.target_property].name) + "\", color=red, style=bold];\n";
    }
    for (const auto& [name, s] : impl_->graph.outputs) {
        dot += "  " + id("output:" + name) + " [shape=ellipse, label=\"" + name + "\"];\n";
        dot += "  " + id(impl_->graph.nodes[s.node].path) + " -> " + id("output:" + name) + ";\n";
    }
    return dot + "}\n";
}

}  // namespace spark::graph
