#pragma once
// One conformance case per built-in component: a config and input specs it must build with, and an
// input spec it must refuse (with the port the error must name). A component without a case here
// fails to compile the conformance suite, so a new component cannot skip it.
#include <optional>
#include <string>
#include <vector>

#include <spark/components/builtin.hpp>

namespace spark::testing {

struct ConformanceCase {
    Overrides overrides;
    std::vector<std::optional<PortSpec>> inputs;
    std::vector<std::optional<PortSpec>> bad_inputs;  // must throw ShapeError ...
    std::string bad_port;                             // ... naming this port
};

template <class C>
ConformanceCase conformance_case() = delete;

inline PortSpec spikes(std::initializer_list<std::size_t> s) { return PortSpec(PayloadKind::spikes, Shape(s)); }
inline PortSpec current(std::initializer_list<std::size_t> s) { return PortSpec(PayloadKind::current, Shape(s)); }
inline PortSpec floats(std::initializer_list<std::size_t> s) { return PortSpec(PayloadKind::floating, Shape(s)); }
inline PortSpec mask(std::initializer_list<std::size_t> s) { return PortSpec(PayloadKind::boolean_mask, Shape(s)); }

// ---- somas ----
template <>
inline ConformanceCase conformance_case<components::somas::LeakySoma>() {
    return {{{"units", Value::List{6.0}}}, {current({6}), mask({6})}, {current({5}), std::nullopt}, "current"};
}

// ---- synapses ----
template <>
inline ConformanceCase conformance_case<components::synapses::LinearSynapses>() {
    return {{{"units", Value::List{4.0}}}, {spikes({6})}, {PortSpec(PayloadKind::spikes, Shape{3, 6}, true)}, "spikes"};
}
template <>
inline ConformanceCase conformance_case<components::synapses::TracedSynapses>() {
    return {{{"units", Value::List{4.0}}, {"kernel.density", 0.9}}, {spikes({2, 3})}, {current({6})}, "spikes"};
}
template <>
inline ConformanceCase conformance_case<components::synapses::RDTracedSynapses>() {
    // fused delays: the ring of per-target input is state too
    return {{{"units", Value::List{4.0}}, {"max_delay", 3.0}},
            {spikes({6})},
            {PortSpec(PayloadKind::spikes, Shape{4, 6}, true)},
            "spikes"};
}
template <>
inline ConformanceCase conformance_case<components::synapses::RFSTracedSynapses>() {
    return {{{"units", Value::List{4.0}}, {"trace_mode", "per_synapse"}},
            {PortSpec(PayloadKind::spikes, Shape{4, 6}, true)},
            {PortSpec(PayloadKind::spikes, Shape{4}, true)},
            "spikes"};
}

// ---- delays ----
template <>
inline ConformanceCase conformance_case<components::delays::NDelays>() {
    return {{{"max_delay", 4.0}}, {spikes({5})}, {current({5})}, "in_spikes"};
}
template <>
inline ConformanceCase conformance_case<components::delays::N2NDelays>() {
    return {{{"units", Value::List{3.0}}, {"max_delay", 4.0}},
            {spikes({5})},
            {PortSpec(PayloadKind::spikes, Shape{3, 5}, true)},
            "in_spikes"};
}

}  // namespace spark::testing
