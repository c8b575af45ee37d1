#pragma once
// Tracers (spec section 1.8): exponential traces over arrays, used by synapses, somas and plasticity.
//
//   Tracer      trace_t = base + e^{-dt/tau} (trace_{t-1} - base) + scale x_t
//               (the input enters after the decay, without a dt factor: scale is per event)
//   RDTracer    rise-decay: d_t - r_t with r = Tracer(tau_r', scale_rise, base_rise),
//               tau_r' = tau_rise tau_decay / (tau_rise + tau_decay), d = Tracer(tau_decay, ...)
//   RFSTracer   alpha fast + (1 - alpha) slow, fast = RD(tau_rise, tau_fast), slow = RD(tau_rise, tau_slow)
//   RUTracer    resource-usage trace for short-term plasticity (design decision 8, Tsodyks-Markram form):
//               u_t = Tracer(tau_u, scale u_scale, base 0)(x_t);  out_t = u_t r_{t-1};
//               r_t = 1 + e^{-dt/tau_r} (r_{t-1} - 1) - u_t r_{t-1} x_t      (r starts at 1)
// Parameters are given per element (one value per trace element) or as a single broadcast value.
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include <spark/core/state.hpp>

namespace spark {

class Tracer {
public:
    Tracer() = default;
    // `tau`, `scale`, `base`: one value each, or `size` values. dt in ms; tau must be > 0.
    Tracer(std::size_t size, std::span<const float> tau, std::span<const float> scale,
           std::span<const float> base, double dt);

    // Advances every element with input x (x.size() == size()).
    void step(std::span<const float> x) noexcept;
    // Advances the elements [begin, end) with input x[0, end - begin): the values step() gives them.
    void step_range(std::size_t begin, std::size_t end, const float* x) noexcept;
    // Advances with no input (x = 0).
    void decay() noexcept;
    void reset() noexcept;
    void masked_reset(std::span<const std::uint8_t> mask) noexcept;  // base where mask != 0

    std::span<float> trace() noexcept { return trace_; }
    std::span<const float> trace() const noexcept { return trace_; }
    std::size_t size() const noexcept { return trace_.size(); }
    float decay_factor(std::size_t i) const noexcept { return decay_[decay_.size() == 1 ? 0 : i]; }
    float scale(std::size_t i) const noexcept { return scale_[scale_.size() == 1 ? 0 : i]; }
    float base(std::size_t i) const noexcept { return base_[base_.size() == 1 ? 0 : i]; }
    void visit_state(StateVisitor& v, std::string_view name) { v(name, trace_); }

private:
    std::vector<float> trace_, decay_, scale_, base_;
};

// The coupled rise constant of a rise-decay trace, tau_r' = tau_r tau_d / (tau_r + tau_d), element by
// element (each input has 1 or n values; the result has the larger count), in float32.
std::vector<float> coupled_rise(std::span<const float> tau_rise, std::span<const float> tau_decay);

class RDTracer {
public:
    RDTracer() = default;
    RDTracer(std::size_t size, std::span<const float> tau_rise, std::span<const float> tau_decay,
             std::span<const float> scale_rise, std::span<const float> scale_decay,
             std::span<const float> base_rise, std::span<const float> base_decay, double dt);
    void step(std::span<const float> x) noexcept;  // output = decay trace - rise trace
    void reset() noexcept;
    std::span<const float> output() const noexcept { return output_; }
    std::size_t size() const noexcept { return output_.size(); }
    void visit_state(StateVisitor& v, std::string_view prefix);

private:
    Tracer rise_, decay_;
    std::vector<float> output_;
};

class RFSTracer {
public:
    RFSTracer() = default;
    RFSTracer(std::size_t size, std::span<const float> alpha, std::span<const float> tau_rise,
              std::span<const float> tau_fast_decay, std::span<const float> tau_slow_decay, double dt);
    void step(std::span<const float> x) noexcept;
    void reset() noexcept;
    std::span<const float> output() const noexcept { return output_; }
    void visit_state(StateVisitor& v, std::string_view prefix);

private:
    std::vector<float> alpha_;
    RDTracer fast_, slow_;
    std::vector<float> output_;
};

class RUTracer {
public:
    RUTracer() = default;
    RUTracer(std::size_t size, std::span<const float> tau_resource, std::span<const float> tau_usage,
             std::span<const float> usage_scale, double dt);
    void step(std::span<const float> x) noexcept;
    void reset() noexcept;
    std::span<const float> output() const noexcept { return output_; }      // u_t r_{t-1}
    std::span<const float> resource() const noexcept { return resource_; }  // r
    std::span<const float> usage() const noexcept { return usage_.trace(); }
    void visit_state(StateVisitor& v, std::string_view prefix);

private:
    std::vector<float> resource_, resource_decay_;
    Tracer usage_;
    std::vector<float> output_;
};

}  // namespace spark
