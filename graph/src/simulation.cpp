// Simulation: runs the build passes (passes.hpp, step_plan.hpp) and answers questions about the result.
#include <spark/graph/simulation.hpp>

#include <algorithm>
#include <cstring>

#include <spark/components/builtin.hpp>
#include <spark/core/text.hpp>

#include "runtime.hpp"

namespace spark::graph {

using detail::Buffer;
using detail::Source;
using detail::SourceKind;

void Simulation::Impl::run_task(std::size_t v, Parallel& parallel, UnitShare share) {
    try {
        detail::run_task(plan.tasks[v], parity(), step, parallel, share);
    } catch (const Error& e) {
        throw Error("node '" + graph.nodes[v].path + "': " + e.what());
    } catch (const std::logic_error& e) {
        throw InternalError("node '" + graph.nodes[v].path + "': " + e.what());
    } catch (const std::exception& e) {
        throw Error("node '" + graph.nodes[v].path + "': " + e.what());
    }
}

void Simulation::Impl::finish_step() {
    detail::finish_step(plan, parity());
    ++step;
}

ConstArrayRef Simulation::Impl::view(const Source& s, std::size_t parity) const {
    if (s.kind == SourceKind::output)  // codes left to the producer's demand: written now (bind.cpp)
        for (const auto& [node, port] : plan.deferred_codes)
            if (node == s.node && port == s.port) {
                auto& buffer = const_cast<detail::Buffer&>(storage.buffers[storage.output_buffers[node][port]]);
                components[node]->write_deferred_codes(
                    port, ArrayRef{buffer.at(parity), buffer.spec.size(), buffer.spec.dtype, buffer.index_at(parity)});
            }
    executor->complete(s, parity);
    return detail::source_view(const_cast<detail::Storage&>(storage), components, s, parity);
}

namespace {

class SequentialExecutor final : public detail::Executor {
public:
    explicit SequentialExecutor(Simulation::Impl& impl) : impl_(impl) {}
    void run(std::int64_t steps, const std::function<void()>& after_step) override {
        for (std::int64_t s = 0; s < steps; ++s) {
            for (std::size_t v : impl_.plan.sequence) impl_.run_task(v, serial_parallel());
            impl_.finish_step();
            if (after_step) after_step();
        }
    }

private:
    Simulation::Impl& impl_;
};

// What the build saw, for listings and the DOT dump.
std::vector<NodeInfo> node_infos(const detail::FlatGraph& g, const detail::Inference& inference) {
    std::vector<NodeInfo> infos;
    for (std::size_t v = 0; v < g.nodes.size(); ++v) {
        const auto& node = g.nodes[v];
        const auto& specs = inference.nodes[v];
        NodeInfo info{node.path, node.type, {}, {}, {}};
        for (std::size_t i = 0; i < node.inputs.size(); ++i)
            info.inputs.push_back({std::string(node.info->inputs[i].name), specs.inputs[i].value_or(PortSpec()),
                                   !node.inputs[i].empty()});
        for (std::size_t o = 0; o < specs.result.outputs.size(); ++o)
            info.outputs.push_back({std::string(node.info->outputs[o].name), specs.result.outputs[o], true});
        for (std::size_t o = 0; o < specs.result.properties.size(); ++o)
            info.properties.push_back({std::string(node.info->properties[o].name), specs.result.properties[o],
                                       node.properties_read[o]});
        infos.push_back(std::move(info));
    }
    return infos;
}

std::vector<WireInfo> wire_infos(const detail::FlatGraph& g, const detail::Inference& inference) {
    std::vector<WireInfo> infos;
    for (const auto& node : g.nodes)
        for (std::size_t i = 0; i < node.inputs.size(); ++i)
            for (const auto& s : node.inputs[i]) {
                WireInfo w;
                w.to_node = node.path;
                w.to_port = std::string(node.info->inputs[i].name);
                w.latency = s.latency;
                w.property = s.kind == SourceKind::property;
                w.spec = detail::source_spec(inference, s);
                if (s.kind == SourceKind::external) {
                    w.from_port = g.external_names[s.port];
                } else {
                    const auto& p = g.nodes[s.node];
                    w.from_node = p.path;
                    w.from_port = std::string(w.property ? p.info->properties[s.port].name : p.info->outputs[s.port].name);
                }
                infos.push_back(std::move(w));
            }
    return infos;
}

void throw_if_any(detail::Diagnostics& diagnostics) {
    if (!diagnostics.empty()) throw GraphBuildError(std::move(diagnostics));
}

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

    detail::Diagnostics diagnostics;
    impl->graph = detail::flatten(network, registry, impl->templates, diagnostics);
    impl->components = detail::resolve(impl->graph, diagnostics);
    impl->order = detail::order_step(impl->graph, diagnostics);
    detail::ProcessSlot slot;
    if (options.processes)
        slot = {static_cast<std::size_t>(options.processes->rank()), static_cast<std::size_t>(options.processes->size())};
    // The build's draws use the run's threads (the sequential executor: one).
    const unsigned build_threads = !options.processes && options.executor == ExecutorKind::sequential ? 1 : options.threads;
    auto infer = [&](Parallel* parallel) {
        impl->inference = detail::infer(impl->graph, impl->components, impl->order, input_specs, network.dt,
                                        network.seed, diagnostics, slot, parallel);
    };
    if (build_threads == 1) infer(nullptr);
    else with_tbb_parallel(build_threads, [&](Parallel& parallel) { infer(&parallel); });
    throw_if_any(diagnostics);
    impl->storage = detail::allocate(impl->graph, impl->components, impl->inference);
    impl->plan = detail::bind(impl->graph, impl->components, impl->inference, impl->order, impl->storage);
    impl->node_infos = node_infos(impl->graph, impl->inference);
    impl->wire_infos = wire_infos(impl->graph, impl->inference);
    if (options.processes)
        impl->executor = make_distributed_executor(*impl, options.processes, options.threads);
    else
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
    for (std::size_t v = 0; v < impl_->components.size(); ++v) {
        impl_->components[v]->reset();
        detail::apply_initial_state(*impl_->components[v], impl_->inference.nodes[v]);
    }
    for (auto& b : impl_->storage.buffers) {
        for (auto& d : b.data) std::fill(d.begin(), d.end(), std::byte{0});
        b.invalidate_spike_index();
    }
    // A served output's previous value is the component's reset state, as after build.
    for (const auto& op : impl_->plan.keep_served) std::memcpy(op.to, op.from, op.bytes);
    impl_->step = 0;
    impl_->executor->state_written();
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
    const PortSpec& spec = impl_->storage.external_specs[i];
    return {impl_->storage.external[i].data(), spec.size(), spec.dtype};
}

ConstArrayRef Simulation::output(std::string_view name) const {
    auto it = impl_->graph.outputs.find(std::string(name));
    if (it == impl_->graph.outputs.end()) {
        std::vector<std::string> names;
        for (const auto& [n, _] : impl_->graph.outputs) names.push_back(n);
        throw GraphError("the network has no output '" + std::string(name) + "' (outputs: " + join(names) + ")");
    }
    // The value written in the last step.
    return impl_->view(it->second, 1 - impl_->parity());
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
        return impl_->view(Source{SourceKind::output, v, *o, Latency::same_step}, 1 - impl_->parity());
    if (auto p = Component::find_port(info.properties, port))
        return impl_->view(Source{SourceKind::property, v, *p, Latency::same_step}, 0);
    std::vector<std::string> names;
    for (const auto& d : info.outputs) names.emplace_back(d.name);
    for (const auto& d : info.properties) names.emplace_back(d.name);
    throw GraphError("node '" + std::string(node) + "' (" + info.class_name + ") has no output or property '" +
                     std::string(port) + "' (did you mean " + join(closest_names(port, names)) + "?)");
}

Simulation::OwnPart Simulation::read_own(std::string_view node, std::string_view output) const {
    const std::size_t v = find_node(impl_->graph, node);
    const auto& info = *impl_->graph.nodes[v].info;
    const auto o = Component::find_port(info.outputs, output);
    if (!o) {
        std::vector<std::string> names;
        for (const auto& d : info.outputs) names.emplace_back(d.name);
        throw GraphError("node '" + std::string(node) + "' (" + info.class_name + ") has no output '" +
                         std::string(output) + "' (did you mean " + join(closest_names(output, names)) + "?)");
    }
    const Source source{SourceKind::output, v, *o, Latency::same_step};
    const ConstArrayRef value = detail::source_view(impl_->storage, impl_->components, source, 1 - impl_->parity());
    const UnitShare own = impl_->executor->own_elements(source, value.size);
    return {value, own.begin, own.end};
}

PortSpec Simulation::spec(std::string_view node, std::string_view port) const {
    const std::size_t v = find_node(impl_->graph, node);
    const auto& n = impl_->graph.nodes[v];
    const auto& result = impl_->inference.nodes[v].result;
    if (auto o = Component::find_port(n.info->outputs, port)) return result.outputs[*o];
    if (auto p = Component::find_port(n.info->properties, port)) return result.properties[*p];
    throw GraphError("node '" + std::string(node) + "' has no output or property '" + std::string(port) + "'");
}

Component& Simulation::component(std::string_view node) {
    return *impl_->components[find_node(impl_->graph, node)];
}

namespace {
// Prefixes every state name with the node path.
class PrefixVisitor final : public StateVisitor {
public:
    PrefixVisitor(StateVisitor& inner, std::string prefix)
        : StateVisitor(inner.access()), inner_(inner), prefix_(std::move(prefix)) {}
    void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
        inner_.visit(prefix_ + "/" + std::string(name), dtype, data, count);
    }
    void visit_bounded(std::string_view name, DType dtype, void* data, std::size_t count, ValidRange valid) override {
        inner_.visit_bounded(prefix_ + "/" + std::string(name), dtype, data, count, valid);
    }

private:
    StateVisitor& inner_;
    std::string prefix_;
};
}  // namespace

void Simulation::gather_state() { impl_->executor->gather_state(-1); }

void Simulation::gather_state_to(int root) {
    const auto& processes = impl_->options.processes;
    if (processes && (root < 0 || root >= processes->size()))
        throw Error("gather_state_to(" + std::to_string(root) + "): the root must be a rank in 0.." +
                    std::to_string(processes->size() - 1));
    impl_->executor->gather_state(root);
}

void Simulation::visit_state(StateVisitor& visitor) {
    impl_->executor->complete_state();
    std::int64_t step = impl_->step;
    visitor("@step", step, valid_step_count);
    if (visitor.writes()) impl_->step = step;
    for (std::size_t v = 0; v < impl_->graph.nodes.size(); ++v) {
        PrefixVisitor prefixed(visitor, impl_->graph.nodes[v].path);
        impl_->components[v]->visit_state(prefixed);
    }
    // The values previous-step wires will deliver in the next step.
    const std::size_t next = impl_->parity();
    for (std::size_t v = 0; v < impl_->graph.nodes.size(); ++v) {
        const auto& node = impl_->graph.nodes[v];
        for (std::size_t o = 0; o < node.info->outputs.size(); ++o) {
            Buffer& b = impl_->storage.buffers[impl_->storage.output_buffers[v][o]];
            if (!b.doubled) continue;
            const std::string name = node.path + "." + std::string(node.info->outputs[o].name) + "@previous";
            if (b.spec.kind == PayloadKind::spikes)
                visitor.visit_bounded(name, b.spec.dtype, b.last_at(next), b.spec.size(), valid_spike_codes);
            else
                visitor.visit(name, b.spec.dtype, b.last_at(next), b.spec.size());
            if (visitor.writes()) b.invalidate_spike_index();  // the codes may have changed (a snapshot load)
        }
    }
    if (visitor.writes()) impl_->executor->state_written();
}

std::string Simulation::plan_text() const { return detail::describe(impl_->plan, impl_->graph, impl_->inference); }

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
