#include <spark/components/somas/soma_parts.hpp>

#include <cmath>
#include <string>

#include <spark/core/error.hpp>
#include <spark/core/text.hpp>

namespace spark::components::somas {

void RefractoryCounter::build(std::span<const float> cooldown, double dt, const ConfigWhere& where) {
    cooldown_.resize(cooldown.size());
    for (std::size_t i = 0; i < cooldown.size(); ++i) {
        // round_half_even(cooldown / dt): nearbyint rounds half to even in the default rounding mode.
        const double steps = std::nearbyint(static_cast<double>(cooldown[i]) / dt);
        if (!(steps <= max_cooldown_steps)) {
            const std::string field = cooldown.size() == 1 ? "cooldown" : "cooldown[" + std::to_string(i) + "]";
            throw ConfigError(std::string(where.component), std::string(where.instance), field,
                              format_number(cooldown[i]) + " ms",
                              "is " + format_number(steps) + " steps at dt = " + format_number(dt) +
                                  " ms; must be at most " + std::to_string(max_cooldown_steps) +
                                  " steps (uint16 refractory counter)");
        }
        cooldown_[i] = static_cast<std::uint16_t>(steps);
    }
    reset();
}

void AdaptiveThreshold::build(std::span<const float> theta, std::span<const float> tau,
                              std::span<const float> delta, double dt) {
    base_.assign(theta.begin(), theta.end());
    delta_.assign(delta.begin(), delta.end());
    decay_.resize(tau.size());
    for (std::size_t i = 0; i < tau.size(); ++i)
        decay_[i] = static_cast<float>(std::exp(-dt / static_cast<double>(tau[i])));  // as Tracer does
    reset();
}

}  // namespace spark::components::somas
