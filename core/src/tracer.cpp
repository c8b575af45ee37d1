#include <spark/core/tracer.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include <spark/core/error.hpp>

namespace spark {

namespace {
std::vector<float> per_element(std::span<const float> values, std::size_t size, const char* what) {
    if (values.size() != 1 && values.size() != size)
        throw InternalError(std::string("tracer parameter '") + what + "' has " + std::to_string(values.size()) +
                            " values for " + std::to_string(size) + " elements");
    return {values.begin(), values.end()};
}
const std::vector<float> kOne{1.0f};
const std::vector<float> kZero{0.0f};
}  // namespace

Tracer::Tracer(std::size_t size, std::span<const float> tau, std::span<const float> scale,
               std::span<const float> base, double dt)
    : decay_(per_element(tau, size, "tau")),
      scale_(per_element(scale, size, "scale")),
      base_(per_element(base, size, "base")) {
    for (auto& d : decay_) {
        if (!(d > 0.0f)) throw InternalError("tracer tau must be > 0");
        d = static_cast<float>(std::exp(-dt / static_cast<double>(d)));
    }
    trace_.resize(size);
    reset();
}

void Tracer::step(std::span<const float> x) noexcept {
    const std::size_t n = trace_.size();
    float* t = trace_.data();
    if (decay_.size() == 1 && scale_.size() == 1 && base_.size() == 1) {
        const float d = decay_[0], s = scale_[0], b = base_[0];
        for (std::size_t i = 0; i < n; ++i) t[i] = b + d * (t[i] - b) + s * x[i];
        return;
    }
    for (std::size_t i = 0; i < n; ++i) t[i] = base(i) + decay_factor(i) * (t[i] - base(i)) + scale(i) * x[i];
}

void Tracer::step_range(std::size_t begin, std::size_t end, const float* x) noexcept {
    float* t = trace_.data();
    if (decay_.size() == 1 && scale_.size() == 1 && base_.size() == 1) {
        const float d = decay_[0], s = scale_[0], b = base_[0];
        for (std::size_t i = begin; i < end; ++i) t[i] = b + d * (t[i] - b) + s * x[i - begin];
        return;
    }
    for (std::size_t i = begin; i < end; ++i)
        t[i] = base(i) + decay_factor(i) * (t[i] - base(i)) + scale(i) * x[i - begin];
}

void Tracer::decay() noexcept {
    for (std::size_t i = 0; i < trace_.size(); ++i) trace_[i] = base(i) + decay_factor(i) * (trace_[i] - base(i));
}

void Tracer::reset() noexcept {
    for (std::size_t i = 0; i < trace_.size(); ++i) trace_[i] = base(i);
}

void Tracer::masked_reset(std::span<const std::uint8_t> mask) noexcept {
    for (std::size_t i = 0; i < trace_.size(); ++i)
        if (mask[i]) trace_[i] = base(i);
}

std::vector<float> coupled_rise(std::span<const float> tau_rise, std::span<const float> tau_decay) {
    const std::size_t n = std::max(tau_rise.size(), tau_decay.size());
    std::vector<float> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        const float r = tau_rise[tau_rise.size() == 1 ? 0 : i];
        const float d = tau_decay[tau_decay.size() == 1 ? 0 : i];
        out[i] = r * d / (r + d);
    }
    return out;
}

RDTracer::RDTracer(std::size_t size, std::span<const float> tau_rise, std::span<const float> tau_decay,
                   std::span<const float> scale_rise, std::span<const float> scale_decay,
                   std::span<const float> base_rise, std::span<const float> base_decay, double dt) {
    per_element(tau_rise, size, "tau_rise");
    per_element(tau_decay, size, "tau_decay");
    rise_ = Tracer(size, coupled_rise(tau_rise, tau_decay), scale_rise, base_rise, dt);
    decay_ = Tracer(size, tau_decay, scale_decay, base_decay, dt);
    output_.assign(size, 0.0f);
    reset();
}

void RDTracer::step(std::span<const float> x) noexcept {
    rise_.step(x);
    decay_.step(x);
    const auto r = rise_.trace();
    const auto d = decay_.trace();
    for (std::size_t i = 0; i < output_.size(); ++i) output_[i] = d[i] - r[i];
}

void RDTracer::reset() noexcept {
    rise_.reset();
    decay_.reset();
    const auto r = rise_.trace();
    const auto d = decay_.trace();
    for (std::size_t i = 0; i < output_.size(); ++i) output_[i] = d[i] - r[i];
}

void RDTracer::visit_state(StateVisitor& v, std::string_view prefix) {
    const std::string p(prefix);
    rise_.visit_state(v, p + ".rise");
    decay_.visit_state(v, p + ".decay");
    v(p + ".output", output_);
}

RFSTracer::RFSTracer(std::size_t size, std::span<const float> alpha, std::span<const float> tau_rise,
                     std::span<const float> tau_fast_decay, std::span<const float> tau_slow_decay, double dt)
    : alpha_(per_element(alpha, size, "alpha")),
      fast_(size, tau_rise, tau_fast_decay, kOne, kOne, kZero, kZero, dt),
      slow_(size, tau_rise, tau_slow_decay, kOne, kOne, kZero, kZero, dt),
      output_(size, 0.0f) {}

void RFSTracer::step(std::span<const float> x) noexcept {
    slow_.step(x);
    fast_.step(x);
    const auto f = fast_.output();
    const auto s = slow_.output();
    for (std::size_t i = 0; i < output_.size(); ++i) {
        const float a = alpha_[alpha_.size() == 1 ? 0 : i];
        output_[i] = a * f[i] + (1.0f - a) * s[i];
    }
}

void RFSTracer::reset() noexcept {
    fast_.reset();
    slow_.reset();
    std::fill(output_.begin(), output_.end(), 0.0f);
}

void RFSTracer::visit_state(StateVisitor& v, std::string_view prefix) {
    const std::string p(prefix);
    fast_.visit_state(v, p + ".fast");
    slow_.visit_state(v, p + ".slow");
    v(p + ".output", output_);
}

RUTracer::RUTracer(std::size_t size, std::span<const float> tau_resource, std::span<const float> tau_usage,
                   std::span<const float> usage_scale, double dt)
    : resource_(size, 1.0f),
      resource_decay_(per_element(tau_resource, size, "tau_resource")),
      usage_(size, tau_usage, usage_scale, kZero, dt),
      output_(size, 0.0f) {
    for (auto& d : resource_decay_) {
        if (!(d > 0.0f)) throw InternalError("tracer tau_resource must be > 0");
        d = static_cast<float>(std::exp(-dt / static_cast<double>(d)));
    }
}

void RUTracer::step(std::span<const float> x) noexcept {
    usage_.step(x);
    const auto u = usage_.trace();
    for (std::size_t i = 0; i < resource_.size(); ++i) {
        const float r_prev = resource_[i];
        const float d = resource_decay_[resource_decay_.size() == 1 ? 0 : i];
        output_[i] = u[i] * r_prev;
        resource_[i] = 1.0f + d * (r_prev - 1.0f) - u[i] * r_prev * x[i];
    }
}

void RUTracer::reset() noexcept {
    std::fill(resource_.begin(), resource_.end(), 1.0f);
    usage_.reset();
    std::fill(output_.begin(), output_.end(), 0.0f);
}

void RUTracer::visit_state(StateVisitor& v, std::string_view prefix) {
    const std::string p(prefix);
    v(p + ".resource", resource_);
    usage_.visit_state(v, p + ".usage");
    v(p + ".output", output_);
}

}  // namespace spark
