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
