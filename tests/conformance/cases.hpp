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
// The common soma case: six units with a current and an inhibition mask; a current of five is refused.
inline ConformanceCase six_unit_soma() {
    return {{{"units", Value::List{6.0}}}, {current({6}), mask({6})}, {current({5}), std::nullopt}, "current"};
}
template <>
inline ConformanceCase conformance_case<components::somas::LeakySoma>() {
    return six_unit_soma();
}
template <>
inline ConformanceCase conformance_case<components::somas::RefractoryLeakySoma>() {
    return six_unit_soma();
}
template <>
inline ConformanceCase conformance_case<components::somas::StrictRefractoryLeakySoma>() {
    return {{{"cooldown", 3.0}}, {current({2, 3}), std::nullopt}, {current({2, 3}), mask({5})}, "inhibition_mask"};
}
template <>
inline ConformanceCase conformance_case<components::somas::AdaptiveLeakySoma>() {
    return {{{"units", Value::List{6.0}}, {"threshold_delta", Value::List{1.0, 2.0, 3.0, 4.0, 5.0, 6.0}}},
            {current({6}), mask({6})},
            {current({7}), std::nullopt},
            "current"};
}
template <>
inline ConformanceCase conformance_case<components::somas::ExponentialSoma>() {
    return six_unit_soma();
}
template <>
inline ConformanceCase conformance_case<components::somas::RefractoryExponentialSoma>() {
    return {{}, {current({4}), std::nullopt}, {current({4}), mask({3})}, "inhibition_mask"};
}
template <>
inline ConformanceCase conformance_case<components::somas::AdaptiveExponentialSoma>() {
    return {{{"units", Value::List{6.0}}}, {current({6}), mask({6})}, {spikes({6}), std::nullopt}, "current"};
}
template <>
inline ConformanceCase conformance_case<components::somas::SimplifiedAdaptiveExponentialSoma>() {
    return six_unit_soma();
}
template <>
inline ConformanceCase conformance_case<components::somas::IzhikevichSoma>() {
    return six_unit_soma();
}

template <>
inline ConformanceCase conformance_case<components::somas::IntegrateFireSoma>() {
    return six_unit_soma();
}

// ---- real-valued stages ----
template <>
inline ConformanceCase conformance_case<components::stages::Affine>() {
    return {{{"units", Value::List{3.0}}, {"bias", 0.5}}, {spikes({4})}, {mask({4})}, "input"};
}
template <>
inline ConformanceCase conformance_case<components::stages::Scale>() {
    return {{{"scale", 2.0}}, {current({2, 3})}, {mask({6})}, "input"};
}
template <>
inline ConformanceCase conformance_case<components::stages::Threshold>() {
    return {{{"threshold", 0.3}}, {floats({5})}, {mask({5})}, "input"};
}
template <>
inline ConformanceCase conformance_case<components::stages::LeakyIntegrator>() {
    return {{{"potential_leak", 1.0}}, {current({4})}, {mask({4})}, "input"};
}
template <>
inline ConformanceCase conformance_case<components::stages::Integrator>() {
    return {{}, {spikes({4})}, {PortSpec(PayloadKind::integer, Shape{4})}, "input"};
}
template <>
inline ConformanceCase conformance_case<components::stages::SynapticCurrent>() {
    return {{}, {spikes({4})}, {mask({4})}, "input"};
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
template <>
inline ConformanceCase conformance_case<components::interfaces::PoissonSource>() {
    // No inputs, so no refused input spec.
    return {{{"units", Value::List{8.0}}, {"rate", 20.0}, {"trains", 100.0}, {"weight", 87.8}, {"tau", 0.5}}, {}, {}, ""};
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

// ---- plasticity ----
// pre_spikes, post_spikes, kernel (+ reward / modulation): synchronous pre [4] or per-synapse [3,4], post [3].
template <>
inline ConformanceCase conformance_case<components::plasticity::HebbianRule>() {
    return {{}, {spikes({4}), spikes({3}), floats({3, 4})}, {spikes({4}), spikes({3}), floats({3, 5})}, "kernel"};
}
template <>
inline ConformanceCase conformance_case<components::plasticity::OjaRule>() {
    const PortSpec per_synapse(PayloadKind::spikes, {3, 4}, true), wrong_post(PayloadKind::spikes, {2, 4}, true);
    return {{}, {per_synapse, spikes({3}), floats({3, 4})}, {wrong_post, spikes({3}), floats({3, 4})}, "pre_spikes"};
}
template <>
inline ConformanceCase conformance_case<components::plasticity::ZenkeRule>() {
    return {{}, {spikes({4}), spikes({3}), floats({3, 4})}, {spikes({4}), spikes({3}), floats({4, 3})}, "kernel"};
}
template <>
inline ConformanceCase conformance_case<components::plasticity::ThreeFactorHebbianRule>() {
    return {{},
            {spikes({4}), spikes({3}), floats({3, 4}), floats({1})},
            {spikes({4}), spikes({3}), floats({3, 4}), floats({2})},
            "reward"};
}
template <>
inline ConformanceCase conformance_case<components::plasticity::QuadrupletRule>() {
    const PortSpec per_synapse(PayloadKind::spikes, {3, 4}, true);
    return {{},
            {per_synapse, spikes({3}), floats({3, 4}), floats({3})},
            {per_synapse, spikes({3}), floats({3, 4}), floats({4})},
            "modulation"};
}
template <>
inline ConformanceCase conformance_case<components::plasticity::QuadrupletRuleTensor>() {
    PortSpec pre = spikes({4}), post = spikes({3});
    pre.mask = {0, 0, 1, 1};
    post.mask = {0, 1, 0};
    const PortSpec per_synapse_post(PayloadKind::spikes, {3}, true);
    return {{}, {pre, post, floats({3, 4}), floats({1})}, {pre, per_synapse_post, floats({3, 4}), floats({1})},
            "post_spikes"};
}

}  // namespace spark::testing
