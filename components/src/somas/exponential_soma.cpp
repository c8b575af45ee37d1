#include <spark/components/somas/exponential_soma.hpp>

namespace spark::components::somas {

namespace {

// -v + Delta_T exp((min(v, cutoff) - theta_rh)/Delta_T), evaluated left to right as in spec 2.5.
inline float drift(float v, float cutoff, float rheobase, float slope) noexcept {
    return -v + slope * std::exp((std::min(v, cutoff) - rheobase) / slope);
}

// One step of the refractory EIF (spec 2.6) for one neuron, against the cut-off `theta` in force this
// step (constant, or the adaptive threshold of spec 2.8). Returns s.
inline bool refractory_exponential_step(float& v, std::uint16_t& r, std::uint16_t cooldown, float rate,
                                        float resistance, float current, float theta, float exponent_cap,
                                        float rheobase, float slope, float reset) noexcept {
    const bool ready = r > cooldown;
    const float drive = choose(ready, resistance * current, 0.0f);
    const float vi = v + rate * (drift(v, std::min(theta, exponent_cap), rheobase, slope) + drive);
    const bool s = ready & (vi > theta);
    v = choose(s, reset, vi);
    r = RefractoryCounter::advance(r, s);
    return s;
}

}  // namespace

void ExponentialSoma::update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept {
    float* v = potential_.data();
    SPARK_ELEMENTWISE_LOOP
    for (std::size_t i = begin; i < end; ++i) {
        const float cutoff = std::min(threshold_[i], exponent_cap_[i]);
        const float vi = v[i] + rate_[i] * (drift(v[i], cutoff, rheobase_[i], slope_[i]) + resistance_[i] * input[i - begin]);
        const bool s = vi > threshold_[i];
        v[i] = choose(s, reset_[i], vi);
        spiked[i] = s;
    }
}

void RefractoryExponentialSoma::update(std::size_t begin, std::size_t end, const float* input,
                                       std::uint8_t* spiked) noexcept {
    float* v = potential_.data();
    std::uint16_t* r = refractory_.counters();
    const std::uint16_t* c = refractory_.cooldown_steps();
    SPARK_ELEMENTWISE_LOOP
    for (std::size_t i = begin; i < end; ++i)
        spiked[i] = refractory_exponential_step(v[i], r[i], c[i], rate_[i], resistance_[i], input[i - begin], threshold_[i],
                                                exponent_cap_[i], rheobase_[i], slope_[i], reset_[i]);
}

void AdaptiveExponentialSoma::build_model(const BuildContext& ctx, const Shape& units) {
    build_membrane(ctx, units);
    // Draw order of the original: delta, subthreshold, tau.
    spike_increment_ = materialize(config_.adaptation_delta, units, ctx);
    subthreshold_ = materialize(config_.adaptation_subthreshold, units, ctx);
    const auto tau = materialize(config_.adaptation_tau, units, ctx);
    adaptation_rate_.resize(tau.size());
    for (std::size_t i = 0; i < tau.size(); ++i)
        adaptation_rate_[i] = static_cast<float>(ctx.dt / static_cast<double>(tau[i]));
    adaptation_.assign(units.size(), 0.0f);
}

void AdaptiveExponentialSoma::update(std::size_t begin, std::size_t end, const float* input,
                                     std::uint8_t* spiked) noexcept {
    float* v = potential_.data();
    float* w = adaptation_.data();
    SPARK_ELEMENTWISE_LOOP
    for (std::size_t i = begin; i < end; ++i) {
        const float cutoff = std::min(threshold_[i], exponent_cap_[i]);
        const float vi = v[i] + rate_[i] * ((drift(v[i], cutoff, rheobase_[i], slope_[i]) - resistance_[i] * w[i]) +
                                            resistance_[i] * input[i - begin]);
        const bool s = vi > threshold_[i];
        v[i] = choose(s, reset_[i], vi);
        // The adaptation sees the potential after the reset (spec 2.7).
        w[i] = w[i] + adaptation_rate_[i] * (-w[i] + subthreshold_[i] * v[i]) + choose(s, spike_increment_[i], 0.0f);
        spiked[i] = s;
    }
}

void SimplifiedAdaptiveExponentialSoma::update(std::size_t begin, std::size_t end, const float* input,
                                               std::uint8_t* spiked) noexcept {
    float* v = potential_.data();
    std::uint16_t* r = refractory_.counters();
    const std::uint16_t* c = refractory_.cooldown_steps();
    const AdaptiveThreshold::Arrays threshold = threshold_trace_.arrays();
    SPARK_ELEMENTWISE_LOOP
    for (std::size_t i = begin; i < end; ++i) {
        const bool s = refractory_exponential_step(v[i], r[i], c[i], rate_[i], resistance_[i], input[i - begin],
                                                   threshold.theta[i], exponent_cap_[i], rheobase_[i], slope_[i],
                                                   reset_[i]);
        threshold.advance(i, s);
        spiked[i] = s;
    }
}

}  // namespace spark::components::somas
