#include <spark/components/somas/izhikevich_soma.hpp>

namespace spark::components::somas {

void IzhikevichSoma::build_model(const BuildContext& ctx, const Shape& units) {
    // Draw order of the original: rest, reset, d, a, b, resistance, threshold.
    rest_ = materialize(config_.potential_rest, units, ctx);
    const auto reset = materialize(config_.potential_reset, units, ctx);
    increment_ = materialize(config_.recovery_update, units, ctx);
    timescale_ = materialize(config_.recovery_timescale, units, ctx);
    sensitivity_ = materialize(config_.recovery_sensitivity, units, ctx);
    resistance_ = materialize(config_.resistance, units, ctx);
    const auto threshold = materialize(config_.threshold, units, ctx);
    const std::size_t n = units.size();
    dt_ = static_cast<float>(ctx.dt);
    reset_.resize(n);
    threshold_.resize(n);
    recovery_initial_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        reset_[i] = reset[i] - rest_[i];
        threshold_[i] = threshold[i] - rest_[i];
        recovery_initial_[i] = sensitivity_[i] * rest_[i];
    }
    recovery_ = recovery_initial_;
}

SPARK_HOT_LOOP
void IzhikevichSoma::update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept {
    float* v = potential_.data();
    float* u = recovery_.data();
    const float* rest = rest_.data();
    const float* reset = reset_.data();
    const float* theta = threshold_.data();
    const float* resistance = resistance_.data();
    const float* a = timescale_.data();
    const float* b = sensitivity_.data();
    const float* d = increment_.data();
    const float dt = dt_;
    SPARK_ELEMENTWISE_LOOP
    for (std::size_t i = begin; i < end; ++i) {
        const float x = v[i] + rest[i];
        const float vi = v[i] + dt * (0.04f * (x * x) + 5.0f * x + 140.0f - u[i] + resistance[i] * input[i - begin]);
        const float ui = u[i] + dt * a[i] * (b[i] * (vi + rest[i]) - u[i]);
        const bool s = vi > theta[i];
        v[i] = choose(s, reset[i], vi);
        u[i] = ui + choose(s, d[i], 0.0f);
        spiked[i] = s;
    }
}

}  // namespace spark::components::somas
