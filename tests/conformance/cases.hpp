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
template <>
inline ConformanceCase conformance_case<components::somas::RefractoryLeakySoma>() {
    return {{{"units", Value::List{6.0}}}, {current({6}), mask({6})}, {current({5}), std::nullopt}, "current"};
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
    return {{{"units", Value::List{6.0}}}, {current({6}), mask({6})}, {current({5}), std::nullopt}, "current"};
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
    return {{{"units", Value::List{6.0}}}, {current({6}), mask({6})}, {current({5}), std::nullopt}, "current"};
}
template <>
inline ConformanceCase conformance_case<components::somas::IzhikevichSoma>() {
    return {{{"units", Value::List{6.0}}}, {current({6}), mask({6})}, {current({5}), std::nullopt}, "current"};
}

}  // namespace spark::testing
