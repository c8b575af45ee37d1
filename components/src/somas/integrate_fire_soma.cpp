#include <spark/components/somas/integrate_fire_soma.hpp>

#include <algorithm>

namespace spark::components::somas {

void IntegrateFireSoma::build_model(const BuildContext& ctx, const Shape& units) {
    const auto resistance = materialize(config_.resistance, units, ctx);
    threshold_ = materialize(config_.threshold, units, ctx);
    reset_ = materialize(config_.potential_reset, units, ctx);
    reset_at_crossing_ = config_.reset_at_crossing;
    gain_.resize(resistance.size());
    for (std::size_t i = 0; i < gain_.size(); ++i) gain_[i] = static_cast<float>(ctx.dt * resistance[i]);
}

void IntegrateFireSoma::update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept {
    float* v = potential_.data();
    for (std::size_t i = begin; i < end; ++i) {
        const float vi = v[i] + gain_[i] * input[i - begin];
        const bool s = vi > threshold_[i];
        const float after = reset_at_crossing_ ? reset_[i] + (vi - std::max(threshold_[i], v[i])) : reset_[i];
        v[i] = choose(s, after, vi);
        spiked[i] = s;
    }
}

}  // namespace spark::components::somas
