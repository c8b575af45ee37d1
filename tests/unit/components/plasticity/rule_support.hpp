#pragma once
// Helpers shared by the plasticity tests: build a rule in the harness, script spikes, and feed the
// rule's new kernel back into its kernel input (what the synapses' effect does in a network).
#include <cmath>
#include <initializer_list>
#include <optional>
#include <vector>

#include <spark/components/builtin.hpp>

#include "harness.hpp"

namespace spark::testing::plasticity {

enum Port : std::size_t { pre = 0, post = 1, kernel = 2, factor = 3 };

inline PortSpec spike_spec(Shape shape, bool per_synapse = false, std::vector<std::uint8_t> mask = {}) {
    PortSpec spec(PayloadKind::spikes, std::move(shape), per_synapse);
    spec.mask = std::move(mask);
    return spec;
}
inline PortSpec float_spec(Shape shape) { return PortSpec(PayloadKind::floating, std::move(shape)); }

// A rule from the registry, built for `pre` spikes, `post` spikes and a kernel of post + pre dims
// (+ a factor spec for the modulated rules).
inline Harness make_rule(std::string_view type, const Overrides& overrides, PortSpec pre_spec, PortSpec post_spec,
                         std::optional<PortSpec> factor_spec = std::nullopt, double dt = 1.0) {
    Shape kernel_shape = post_spec.shape;
    if (pre_spec.per_synapse) {
        kernel_shape = pre_spec.shape;
    } else {
        kernel_shape = kernel_shape.concat(pre_spec.shape);
    }
    std::vector<std::optional<PortSpec>> inputs{pre_spec, post_spec, float_spec(kernel_shape)};
    if (factor_spec) inputs.push_back(*factor_spec);
    return Harness(components::builtin_registry(), type, overrides, std::move(inputs), dt);
}

// Sets the spike bit of exactly the listed elements of a spike input (others 0).
inline void set_spikes(Harness& h, Port port, std::initializer_list<std::size_t> on, std::uint8_t code = spike::bit) {
    auto s = h.input_u8(port);
    std::fill(s.begin(), s.end(), std::uint8_t{0});
    for (auto i : on) s[i] = code;
}

inline void set_floats(Harness& h, Port port, std::initializer_list<float> values) {
    auto f = h.input_f32(port);
    REQUIRE(f.size() == values.size());
    std::copy(values.begin(), values.end(), f.begin());
}

// One step, then the new kernel is written back into the kernel input.
inline void step_and_feed_back(Harness& h) {
    h.step();
    const auto out = h.output_f32(0);
    std::copy(out.begin(), out.end(), h.input_f32(kernel).begin());
}

inline std::vector<float> kernel_out(Harness& h) {
    const auto out = h.output_f32(0);
    return {out.begin(), out.end()};
}

// e^{-dt/tau} in double, for the hand computations.
inline double decay(double dt, double tau) { return std::exp(-dt / tau); }

}  // namespace spark::testing::plasticity
