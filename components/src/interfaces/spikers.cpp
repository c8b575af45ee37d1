#include <spark/components/interfaces/spikers.hpp>

#include <algorithm>
#include <cmath>

namespace spark::components::interfaces {

namespace {
BuildResult excitatory_spikes(const Shape& shape) {
    PortSpec out(PayloadKind::spikes, shape);
    out.mask.assign(shape.size(), 0);  // every unit excitatory
    return BuildResult{{std::move(out)}, {}};
}
}  // namespace

namespace detail {

const PortSpec& signal_input(const Component& c, const BuildContext& ctx) {
    const PortSpec& in = ctx.input(0);
    if (in.kind != PayloadKind::floating || in.per_synapse || in.size() == 0)
        throw_input_mismatch(c, ctx, 0, "a non-empty FloatArray");
    return in;
}

LinearSpikerConstants linear_spiker_constants(double tau, double cd, double max_freq, double dt, double e_rate) {
    LinearSpikerConstants k;
    const double e = std::exp(e_rate * (1000.0 - cd * max_freq) / max_freq);
    k.e = static_cast<float>(e);
    k.s = static_cast<float>(1.0 / (e - 1.0) + 1.0);
    k.decay = static_cast<float>(std::exp(-dt / tau));
    k.gain = 1.0f - k.decay;
    return k;
}

void check_cooldown(double cd, double max_freq, const ConfigWhere& where) {
    const double period = 1000.0 / max_freq;
    if (!(cd < period))
        config_detail::throw_error(where, "cd", Value(cd), "ms",
                                   "must be < 1000/max_freq = " + format_number(period) +
                                       " ms (the cooldown must be shorter than the firing period)");
}

}  // namespace detail

// ---- PoissonSpiker ----

BuildResult PoissonSpiker::build(const BuildContext& ctx) {
    const PortSpec& in = detail::signal_input(*this, ctx);
    units_.build(config_.max_freq, ctx);
    return excitatory_spikes(in.shape);
}

void PoissonSpiker::step(const StepContext& ctx) {
    const auto x = ctx.inputs[signal].f32();
    units_.step(x.data(), ctx.outputs[spikes].u8().data(), x.size());
}

// ---- LinearSpikingUnits ----

void LinearSpikingUnits::build(const LinearSpikingParams& params, double dt, double e_rate, std::size_t units) {
    constants_ = detail::linear_spiker_constants(params.tau, params.cd, params.max_freq, dt, e_rate);
    // ready tau gain S drive, evaluated left to right: (tau gain) S for a ready unit.
    increment_ = static_cast<float>(params.tau) * constants_.gain * constants_.s;
    dt_ = static_cast<float>(dt);
    threshold_ = static_cast<float>(params.tau);
    cooldown_ = static_cast<float>(params.cd);
    potential_.assign(units, 0.0f);
    refractory_.assign(units, cooldown_);
}

void LinearSpikingUnits::reset() noexcept {
    std::fill(potential_.begin(), potential_.end(), 0.0f);
    std::fill(refractory_.begin(), refractory_.end(), cooldown_);
}

// ---- LinearSpiker ----

BuildResult LinearSpiker::build(const BuildContext& ctx) {
    const PortSpec& in = detail::signal_input(*this, ctx);
    units_.build(config_, ctx.dt, ctx.dt / config_.tau, in.size());
    return excitatory_spikes(in.shape);
}

void LinearSpiker::step(const StepContext& ctx) {
    const float* x = ctx.inputs[signal].f32().data();
    std::uint8_t* out = ctx.outputs[spikes].u8().data();
    parallel_for(*ctx.parallel, units_.size(), task_length(units_.size()),
                 [&](std::size_t begin, std::size_t end) { units_.step<true>(x, out, begin, end); });
}

}  // namespace spark::components::interfaces
