#pragma once
// Helpers shared by the soma tests: build a soma by registry name, read its named state, and a
// Parallel that runs chunks out of order on one thread (to show results do not depend on chunking).
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <spark/components/builtin.hpp>
#include <spark/core/tracer.hpp>

#include "harness.hpp"
#include "test_parallels.hpp"

namespace spark::testing {

// A soma `type` of `units` neurons, with an optional inhibition mask left unwired.
inline Harness soma(std::string_view type, Overrides overrides = {}, std::size_t units = 1, double dt = 1.0,
                    std::uint64_t seed = 0) {
    return Harness(components::builtin_registry(), type, overrides,
                   {PortSpec(PayloadKind::current, {units}), std::nullopt}, dt, seed);
}

// Every state array of a component, by name, with its dtype and raw bytes.
struct StateArrays final : StateVisitor {
    std::map<std::string, DType> dtypes;
    std::map<std::string, std::vector<std::byte>> bytes;

    void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
        dtypes[std::string(name)] = dtype;
        const auto* p = static_cast<const std::byte*>(data);
        bytes[std::string(name)].assign(p, p + count * size_of(dtype));
    }
    std::vector<float> f32(const std::string& name) const {
        const auto& b = bytes.at(name);
        std::vector<float> out(b.size() / sizeof(float));
        std::memcpy(out.data(), b.data(), b.size());
        return out;
    }
    std::vector<std::uint16_t> u16(const std::string& name) const {
        const auto& b = bytes.at(name);
        std::vector<std::uint16_t> out(b.size() / sizeof(std::uint16_t));
        std::memcpy(out.data(), b.data(), b.size());
        return out;
    }
    bool all_finite() const {
        for (const auto& [name, dtype] : dtypes) {
            if (dtype != DType::f32) continue;
            for (float x : f32(name))
                if (!std::isfinite(x)) return false;
        }
        return true;
    }
};

// Drives soma `h` (of class S, with an adaptive threshold) with a constant `current` for `steps` steps and
// requires its threshold to be, at every step, the Tracer of spec 1.8 (time constant `tau`, `scale` per
// spike, resting at `base`) fed with the soma's own spikes. Returns the number of spikes.
template <class S>
int require_threshold_is_tracer(Harness& h, float tau, float scale, float base, double dt, float current, int steps) {
    auto& soma = h.as<S>();
    const std::vector<float> taus{tau}, scales{scale}, bases{base};
    Tracer reference(1, taus, scales, bases, dt);
    h.input_f32(0)[0] = current;
    int spikes = 0;
    for (int t = 0; t < steps; ++t) {
        h.step();
        const float s = (h.output_u8(0)[0] & spike::bit) ? 1.0f : 0.0f;
        spikes += static_cast<int>(s);
        reference.step(std::span<const float>(&s, 1));
        REQUIRE(soma.adaptive_threshold().values()[0] == reference.trace()[0]);
    }
    return spikes;
}

inline StateArrays state_of(Component& c) {
    StateArrays s;
    c.visit_state(s);
    return s;
}

// A population of `n` somas `type` (with `overrides`, `seed`, `dt`) stepped `steps` times in one serial
// loop and once more with its chunks run in reverse (ReversedParallel), with the same input current
// input(i, t) for neuron i at step t: the state must be the same bytes.
template <class Input>
void require_same_state_whatever_the_chunking(std::string_view type, const Overrides& overrides, std::size_t n,
                                              double dt, std::uint64_t seed, int steps, Input input) {
    auto serial = soma(type, overrides, n, dt, seed);
    auto chunked = soma(type, overrides, n, dt, seed);
    ReversedParallel reversed(8);
    for (int t = 0; t < steps; ++t) {
        for (std::size_t i = 0; i < n; ++i) serial.input_f32(0)[i] = chunked.input_f32(0)[i] = input(i, t);
        serial.step();
        chunked.step(reversed);
    }
    CHECK(state_of(serial.component()).bytes == state_of(chunked.component()).bytes);
}

// A population of two somas `type` with per-neuron parameters (`both`) spikes as two populations of
// one with the scalars (`first`, `second`), step by step, under the same input current(t).
template <class Current>
void require_pair_as_singles(std::string_view type, const Overrides& both, const Overrides& first,
                             const Overrides& second, int steps, double dt, Current current) {
    auto pair = soma(type, both, 2, dt);
    auto a = soma(type, first, 1, dt);
    auto b = soma(type, second, 1, dt);
    for (int t = 0; t < steps; ++t) {
        pair.input_f32(0)[0] = pair.input_f32(0)[1] = a.input_f32(0)[0] = b.input_f32(0)[0] = current(t);
        pair.step();
        a.step();
        b.step();
        REQUIRE(pair.output_u8(0)[0] == a.output_u8(0)[0]);
        REQUIRE(pair.output_u8(0)[1] == b.output_u8(0)[0]);
    }
}

}  // namespace spark::testing
