#include <spark/components/interfaces/topological_spikers.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace spark::components::interfaces {

namespace detail {

void check_resolution(std::size_t resolution, const ConfigWhere& where) {
    if (resolution == 0)
        config_detail::throw_error(where, "resolution", Value(0.0), "", "must be > 0 (virtual units per input)");
}

BuildResult topological_output(const Shape& in, std::size_t resolution) {
    PortSpec out(PayloadKind::spikes, in.concat(Shape{resolution}));
    out.mask.assign(out.size(), 0);  // every virtual unit excitatory
    return BuildResult{{std::move(out)}, {}};
}

void TopologicalMap::init(std::size_t resolution, double sigma, std::vector<float> glue, std::vector<float> mins,
                          const std::vector<float>& maxs, const ConfigWhere& where) {
    // linspace(0, pi, resolution), both ends included.
    space_.resize(resolution);
    for (std::size_t r = 0; r < resolution; ++r)
        space_[r] = resolution == 1 ? 0.0f
                                    : static_cast<float>(std::numbers::pi * static_cast<double>(r) /
                                                         static_cast<double>(resolution - 1));
    glue_.resize(glue.size());
    for (std::size_t i = 0; i < glue.size(); ++i) glue_[i] = glue[i] != 0.0f;
    range_.resize(mins.size());
    for (std::size_t i = 0; i < mins.size(); ++i) {
        range_[i] = maxs[i] - mins[i];
        if (!(range_[i] != 0.0f) || !std::isfinite(range_[i]))
            config_detail::throw_error(where, "maxs[" + std::to_string(i) + "]", Value(double(maxs[i])), "",
                                       "must differ from mins[" + std::to_string(i) + "] = " +
                                           format_number(mins[i]) + " (the range maxs - mins divides the signal)");
    }
    mins_ = std::move(mins);
    width_ = static_cast<float>(0.5 / sigma);
}

void TopologicalMap::activations(const float* signal, float* activation, std::size_t begin,
                                 std::size_t end) const noexcept {
    constexpr float pi = std::numbers::pi_v<float>;
    const std::size_t res = space_.size();
    const float* space = space_.data();
    const float width = width_;
    for (std::size_t i = begin; i < end; ++i) {
        const float shift = pi * ((signal[i] - mins_[i]) / range_[i]);
        float* a = activation + i * res;
        if (glue_[i]) {
            for (std::size_t r = 0; r < res; ++r) {
                const float g = std::sin(space[r] + shift);
                a[r] = std::exp(-width * (g * g));
            }
        } else {
            for (std::size_t r = 0; r < res; ++r) {
                const float g = std::tanh(space[r] - shift);
                a[r] = std::exp(-width * (g * g));
            }
        }
    }
}

}  // namespace detail

// ---- TopologicalPoissonSpiker ----

BuildResult TopologicalPoissonSpiker::build(const BuildContext& ctx) {
    const PortSpec& in = build_map(ctx);
    units_.build(config_.max_freq, ctx);  // the node's stream, after the build-time draws
    return detail::topological_output(in.shape, config_.resolution);
}

void TopologicalPoissonSpiker::step(const StepContext& ctx) {
    const float* x = ctx.inputs[signal].f32().data();
    float* a = activation_.data();
    parallel_for(*ctx.parallel, map_.inputs(), map_.chunk(),
                 [&](std::size_t begin, std::size_t end) { map_.activations(x, a, begin, end); });
    units_.step(a, ctx.outputs[spikes].u8().data(), activation_.size());
}

// ---- TopologicalLinearSpiker ----

BuildResult TopologicalLinearSpiker::build(const BuildContext& ctx) {
    const PortSpec& in = build_map(ctx);
    // Spark's variant: E uses 1/tau (not dt/tau).
    units_.build(config_, ctx.dt, 1.0 / config_.tau, activation_.size());
    return detail::topological_output(in.shape, config_.resolution);
}

void TopologicalLinearSpiker::step(const StepContext& ctx) {
    const float* x = ctx.inputs[signal].f32().data();
    std::uint8_t* out = ctx.outputs[spikes].u8().data();
    const std::size_t res = map_.resolution();
    float* a = activation_.data();
    parallel_for(*ctx.parallel, map_.inputs(), map_.chunk(), [&](std::size_t begin, std::size_t end) {
        map_.activations(x, a, begin, end);
        units_.step<false>(a, out, begin * res, end * res);
    });
}

}  // namespace spark::components::interfaces
