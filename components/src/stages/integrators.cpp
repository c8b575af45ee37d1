#include <spark/components/stages/integrators.hpp>

#include <cmath>

namespace spark::components::stages {

namespace {
float exp_decay(double dt, float tau) { return static_cast<float>(std::exp(-dt / static_cast<double>(tau))); }
// 1 - exp(-dt/tau) in double: 1 - decay in float loses digits when dt << tau.
double exp_gain(double dt, float tau) { return -std::expm1(-dt / static_cast<double>(tau)); }
}  // namespace

void LeakyIntegrator::build_constants(const BuildContext& ctx, const Shape& shape) {
    const auto tau = materialize(config_.potential_tau, shape, ctx);
    const auto resistance = materialize(config_.resistance, shape, ctx);
    offset_ = materialize(config_.potential_leak, shape, ctx);
    for (std::size_t i = 0; i < decay_.size(); ++i) {
        decay_[i] = exp_decay(ctx.dt, tau[i]);
        gain_[i] = static_cast<float>(exp_gain(ctx.dt, tau[i]) * resistance[i]);
    }
}

void Integrator::build_constants(const BuildContext& ctx, const Shape& shape) {
    const auto resistance = materialize(config_.resistance, shape, ctx);
    for (std::size_t i = 0; i < gain_.size(); ++i) gain_[i] = static_cast<float>(ctx.dt * resistance[i]);
}

void SynapticCurrent::build_constants(const BuildContext& ctx, const Shape& shape) {
    const auto tau = materialize(config_.current_tau, shape, ctx);
    const auto weight = materialize(config_.input_weight, shape, ctx);
    for (std::size_t i = 0; i < decay_.size(); ++i) {
        decay_[i] = exp_decay(ctx.dt, tau[i]);
        gain_[i] = static_cast<float>(exp_gain(ctx.dt, tau[i]) * weight[i]);
    }
}

}  // namespace spark::components::stages
