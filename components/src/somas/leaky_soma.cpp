#include <spark/components/somas/leaky_soma.hpp>

#include <cmath>

namespace spark::components::somas {

void LeakySoma::build_model(const BuildContext& ctx, const Shape& units) {
    // Draw order of the original: rest, reset, tau, resistance, threshold.
    const auto rest = materialize(config_.potential_rest, "potential_rest", units, ctx);
    const auto reset = materialize(config_.potential_reset, "potential_reset", units, ctx);
    const auto tau = materialize(config_.potential_tau, "potential_tau", units, ctx);
    const auto resistance = materialize(config_.resistance, "resistance", units, ctx);
    const auto threshold = materialize(config_.threshold, "threshold", units, ctx);
    const std::size_t n = units.size();
    decay_.resize(n);
    gain_resistance_.resize(n);
    threshold_.resize(n);
    reset_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        decay_[i] = static_cast<float>(std::exp(-ctx.dt / static_cast<double>(tau[i])));
        gain_resistance_[i] = (1.0f - decay_[i]) * resistance[i];  // (gamma R) I, as the original evaluates it
        threshold_[i] = threshold[i] - rest[i];
        reset_[i] = reset[i] - rest[i];
    }
}

void LeakySoma::update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept {
    float* v = potential_.data();
    for (std::size_t i = begin; i < end; ++i) {
        const float vi = decay_[i] * v[i] + gain_resistance_[i] * input[i];
        const bool s = vi > threshold_[i];
        v[i] = s ? reset_[i] : vi;
        spiked[i] = s;
    }
}

}  // namespace spark::components::somas
