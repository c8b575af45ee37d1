#pragma once
// One conformance case per built-in component: a config and input specs it must build with, and an
// input spec it must refuse (with the port the error must name). A component without a case here
// fails to compile the conformance suite, so a new component cannot skip it.
#include <optional>
#include <string>
#include <vector>

#include <spark/components/builtin.hpp>

namespace spark::testing {

// Components without inputs leave bad_inputs and bad_port empty.
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

// ---- neuron parts ----
template <>
inline ConformanceCase conformance_case<components::neurons::InhibitionMask>() {
    // No inputs, so no refused input spec.
    return {{{"units", Value::List{8.0}}}, {}, {}, ""};
}

// ---- interfaces ----
template <>
inline ConformanceCase conformance_case<components::interfaces::PoissonSpiker>() {
    return {{}, {floats({8})}, {current({8})}, "signal"};
}
template <>
inline ConformanceCase conformance_case<components::interfaces::LinearSpiker>() {
    return {{}, {floats({8})}, {spikes({8})}, "signal"};
}
template <>
inline ConformanceCase conformance_case<components::interfaces::TopologicalPoissonSpiker>() {
    return {{{"resolution", 8.0}}, {floats({3})}, {current({3})}, "signal"};
}
template <>
inline ConformanceCase conformance_case<components::interfaces::TopologicalLinearSpiker>() {
    return {{{"resolution", 8.0}, {"glue", Value::List{0.0, 1.0, 0.0}}}, {floats({3})}, {current({3})}, "signal"};
}
template <>
inline ConformanceCase conformance_case<components::interfaces::ExponentialIntegrator>() {
    return {{{"num_outputs", 3.0}}, {spikes({10})}, {spikes({2})}, "spikes"};
}
template <>
inline ConformanceCase conformance_case<components::interfaces::Concat>() {
    return {{}, {spikes({4, 3})}, {PortSpec(PayloadKind::spikes, Shape{})}, "inputs"};
}
template <>
inline ConformanceCase conformance_case<components::interfaces::ConcatReshape>() {
    return {{{"reshape", Value::List{3.0, 4.0}}}, {floats({12})}, {floats({10})}, "inputs"};
}
template <>
inline ConformanceCase conformance_case<components::interfaces::Sampler>() {
    return {{{"sample_size", 5.0}}, {current({9})}, {PortSpec(PayloadKind::current, Shape{})}, "inputs"};
}
// Sources have no inputs: nothing to refuse (the conformance test skips that section for them).
template <>
inline ConformanceCase conformance_case<components::interfaces::ConstantSource>() {
    return {{{"units", Value::List{4.0}}, {"value", Value::List{1.0, 2.0, 3.0, 4.0}}}, {}, {}, ""};
}
template <>
inline ConformanceCase conformance_case<components::interfaces::PulseSource>() {
    return {{{"units", Value::List{2.0}},
             {"starts", Value::List{1.0, 5.0}},
             {"stops", Value::List{3.0, 30.0}},
             {"amplitudes", Value::List{10.0, -4.0}}},
            {},
            {},
            ""};
}
template <>
inline ConformanceCase conformance_case<components::interfaces::ReplaySource>() {
    return {{{"file", SPARK_TEST_DATA_DIR "/replay_source.csv"}, {"kind", "float"}}, {}, {}, ""};
}

}  // namespace spark::testing
