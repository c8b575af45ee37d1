// The allocate pass: every buffer of the run, allocated once from the inferred specs.
#include <algorithm>
#include <map>

#include "step_plan.hpp"

namespace spark::graph::detail {

namespace {

std::vector<std::byte> zeros(const PortSpec& spec) { return std::vector<std::byte>(std::max<std::size_t>(spec.bytes(), 1)); }

// A SpikeArray buffer carries a spike index its producer may fill (per-synapse arrays too: N2N delays
// list the synapses their spikes arrive at).
bool indexed(const PortSpec& spec) { return spec.kind == PayloadKind::spikes && spec.size() < SpikeIndex::max_units; }

// Output `o` of a built node when its component serves it from its own state, checked against the
// output's spec; otherwise null (a runtime buffer).
std::byte* served_storage(const FlatNode& node, Component& component, std::size_t o, const PortSpec& spec) {
    const ArrayRef storage = component.output_storage(o);
    if (storage.empty()) return nullptr;
    if (spec.kind == PayloadKind::spikes || storage.size != spec.size() || storage.dtype != spec.dtype)
        throw InternalError("node '" + node.path + "' serves output '" + std::string(node.info->outputs[o].name) +
                            "' from an array of " + std::to_string(storage.size) + " " + std::string(to_string(storage.dtype)) +
                            " elements; its spec is " +
                            spec.to_string() + " (a SpikeArray output needs a runtime buffer)");
    return static_cast<std::byte*>(storage.data);
}

// Whether some previous-step wire reads output `o` of node `v`.
std::vector<std::vector<bool>> read_a_step_later(const FlatGraph& g) {
    std::vector<std::vector<bool>> later(g.nodes.size());
    for (std::size_t v = 0; v < g.nodes.size(); ++v) later[v].assign(g.nodes[v].info->outputs.size(), false);
    for (const auto& node : g.nodes)
        for (const auto& sources : node.inputs)
            for (const auto& s : sources)
                if (s.kind == SourceKind::output && s.latency == Latency::previous_step) later[s.node][s.port] = true;
    return later;
}

Buffer output_buffer(const FlatNode& node, Component& component, std::size_t o, const PortSpec& spec, bool doubled) {
    Buffer b;
    b.spec = spec;
    b.doubled = doubled;
    b.served = served_storage(node, component, o, spec);
    if (!b.served || doubled) b.data[0] = zeros(spec);  // a served output read later keeps a copy here
    if (!b.served && doubled) b.data[1] = zeros(spec);
    if (b.served && doubled) std::memcpy(b.data[0].data(), b.served, spec.bytes());  // the first step's last value
    if (indexed(spec))
        for (std::size_t p = 0; p < (doubled ? 2u : 1u); ++p) b.spike_index[p] = std::make_unique<SpikeIndex>(spec.size());
    return b;
}

// Node inputs with several sources that the runtime assembles: concatenations, and sums of currents
// the component does not add itself.
void allocate_scratch(const FlatNode& node, const NodeSpecs& specs, std::vector<std::vector<std::byte>>& scratch,
                      std::vector<std::unique_ptr<SpikeIndex>>& concat_index) {
    scratch.resize(node.inputs.size());
    concat_index.resize(node.inputs.size());
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
        if (node.inputs[i].size() < 2) continue;
        const PortSpec& merged = *specs.inputs[i];
        if (merged.kind == PayloadKind::current && node.info->inputs[i].summed_by_component) continue;
        scratch[i] = zeros(merged);
        if (merged.kind != PayloadKind::current && indexed(merged))
            concat_index[i] = std::make_unique<SpikeIndex>(merged.size());
    }
}

// Effects applied in place. An effect copies a node's output into a property of another node after
// the step. When the property is the target's own array (property_is_state), the source node reads that
// property in the same step as its input i (one source, a same-step wire, so it runs after the target)
// and may write its output over input i (output_may_share_input), no other wire reads the property or
// the output, no other effect writes the property or reads the output, then the output's buffer IS the
// property: the source node updates the target's array in its own step and the copy is dropped. The
// plan's semantics (effects after the step) are kept: the target has stepped before the source and
// nothing else reads the property later in the step; between steps every array holds what the copy
// would have left.
bool effect_in_place(const FlatGraph& g, const Components& components, const FlatEffect& e) {
    const Source& src = e.source;
    if (src.kind != SourceKind::output || src.latency != Latency::same_step) return false;
    if (!components[e.target_node]->property_is_state(e.target_property)) return false;
    const std::ptrdiff_t shared = components[src.node]->output_may_share_input(src.port);
    const auto& inputs = g.nodes[src.node].inputs;
    if (shared < 0 || static_cast<std::size_t>(shared) >= inputs.size() || inputs[shared].size() != 1) return false;
    const Source& read = inputs[shared][0];
    if (read.kind != SourceKind::property || read.latency != Latency::same_step || read.node != e.target_node ||
        read.port != e.target_property)
        return false;
    std::size_t property_readers = 0, output_readers = 0;
    for (const auto& node : g.nodes)
        for (const auto& sources : node.inputs)
            for (const auto& s : sources) {
                property_readers += s.kind == SourceKind::property && s.node == e.target_node && s.port == e.target_property;
                output_readers += s.kind == SourceKind::output && s.node == src.node && s.port == src.port;
            }
    std::size_t related_effects = 0;
    for (const auto& other : g.effects)
        related_effects += (other.target_node == e.target_node && other.target_property == e.target_property) ||
                           (other.source.kind == SourceKind::output && other.source.node == src.node &&
                            other.source.port == src.port);
    for (const auto& [name, out] : g.outputs)
        output_readers += out.kind == SourceKind::output && out.node == src.node && out.port == src.port;
    return property_readers == 1 && output_readers == 0 && related_effects == 1;
}

}  // namespace

Storage allocate(const FlatGraph& g, const Components& components, const Inference& inference) {
    Storage s;
    s.external_specs = inference.external;
    for (const auto& spec : inference.external) s.external.push_back(zeros(spec));
    const auto later = read_a_step_later(g);
    s.output_buffers.resize(g.nodes.size());
    s.scratch.resize(g.nodes.size());
    s.concat_index.resize(g.nodes.size());
    // The outputs an effect writes in place: the target's property array is their buffer (no copy of
    // their own, not even for a moment: it may be a whole learned kernel).
    std::map<std::pair<std::size_t, std::size_t>, ArrayRef> in_place;
    for (const auto& e : g.effects)
        if (effect_in_place(g, components, e))
            in_place[{e.source.node, e.source.port}] = components[e.target_node]->property(e.target_property);
    for (std::size_t v = 0; v < g.nodes.size(); ++v) {
        const auto& outputs = inference.nodes[v].result.outputs;
        for (std::size_t o = 0; o < outputs.size(); ++o) {
            s.output_buffers[v].push_back(s.buffers.size());
            const auto property = in_place.find({v, o});
            const bool written_in_place = property != in_place.end() && !later[v][o] &&
                                          property->second.size == outputs[o].size() &&
                                          !served_storage(g.nodes[v], *components[v], o, outputs[o]);
            if (written_in_place) {
                Buffer b;
                b.spec = outputs[o];
                b.served = static_cast<std::byte*>(property->second.data);
                b.effect_in_place = true;
                if (indexed(b.spec)) b.spike_index[0] = std::make_unique<SpikeIndex>(b.spec.size());
                s.buffers.push_back(std::move(b));
            } else {
                s.buffers.push_back(output_buffer(g.nodes[v], *components[v], o, outputs[o], later[v][o]));
            }
        }
        allocate_scratch(g.nodes[v], inference.nodes[v], s.scratch[v], s.concat_index[v]);
    }
    return s;
}

ConstArrayRef source_view(Storage& storage, const Components& components, const Source& s, std::size_t parity) {
    if (s.kind == SourceKind::external) {
        const PortSpec& spec = storage.external_specs[s.port];
        return {storage.external[s.port].data(), spec.size(), spec.dtype};
    }
    if (s.kind == SourceKind::property) return components[s.node]->property(s.port);
    Buffer& buffer = storage.buffers[storage.output_buffers[s.node][s.port]];
    if (s.latency == Latency::previous_step)
        return {buffer.last_at(parity), buffer.spec.size(), buffer.spec.dtype, buffer.index_at(1 - parity)};
    return {buffer.at(parity), buffer.spec.size(), buffer.spec.dtype, buffer.index_at(parity)};
}

}  // namespace spark::graph::detail
