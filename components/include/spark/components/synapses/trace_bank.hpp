#pragma once
// TraceBank: exponential traces for the traced synapse models, one per target or one per synapse,
// with the update of the spec's Tracer (section 1.8), evaluated in the same float32 order as
// spark::Tracer:
//     x <- base + e^{-dt/tau} (x - base) + scale u
// The decay factor is given per element or as one value; scale and base are one value each.
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include <spark/core/state.hpp>
#include <spark/core/tracer.hpp>

namespace spark::components::synapses {

class TraceBank {
public:
    TraceBank() = default;
    // `tau` [ms]: one value or `size` values (> 0). The decay is float(exp(-dt / tau)), as spark::Tracer.
    TraceBank(std::size_t size, std::span<const float> tau, float scale, float base, double dt);

    float step(std::size_t i, float u) noexcept {
        float& x = trace_[i];
        x = base_ + decay_[i * stride_] * (x - base_) + scale_ * u;
        return x;
    }
    // step(i, u[i - begin]) for i in [begin, end); a loop the compiler vectorises when the decay is one
    // value.
    void step_range(std::size_t begin, std::size_t end, const float* u) noexcept;
    void reset() noexcept;
    void visit_state(StateVisitor& v, std::string_view name) { v(name, trace_); }
    std::span<const float> values() const noexcept { return trace_; }
    std::span<float> mutable_values() noexcept { return trace_; }
    std::size_t bytes() const noexcept { return (trace_.size() + decay_.size()) * sizeof(float); }

private:
    std::vector<float> trace_, decay_;
    std::size_t stride_ = 0;  // 0: one decay for all elements, 1: one per element
    float scale_ = 1.0f, base_ = 0.0f;
};

// coupled_rise (spark/core/tracer.hpp) gives the rise time constant of a rise-decay TraceBank pair.

}  // namespace spark::components::synapses
