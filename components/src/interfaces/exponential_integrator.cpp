#include <spark/components/interfaces/exponential_integrator.hpp>

#include <algorithm>
#include <utility>

namespace spark::components::interfaces {

ExponentialIntegrator::ExponentialIntegrator(Config config, std::string instance)
    : ComponentBase(std::move(config), std::move(instance)) {
    if (config_.num_outputs == 0)
        config_detail::throw_error(where(), "num_outputs", Value(0.0), "", "must be given and > 0");
    if (config_.output_map) {
        const auto& m = *config_.output_map;
        for (std::size_t j = 0; j < m.size(); ++j)
            if (m[j] >= config_.num_outputs)
                config_detail::throw_error(where(), "output_map[" + std::to_string(j) + "]",
                                           Value(static_cast<double>(m[j])), "",
                                           "must be < num_outputs = " + std::to_string(config_.num_outputs));
    }
}

BuildResult ExponentialIntegrator::build(const BuildContext& ctx) {
    const PortSpec& in = ctx.input(spikes);
    const std::size_t k_out = config_.num_outputs;
    const std::size_t n_in = in.size();
    if (in.kind != PayloadKind::spikes || n_in < k_out)
        throw_input_mismatch(*this, ctx, spikes,
                             "a SpikeArray with at least num_outputs = " + std::to_string(k_out) + " elements");
    map_.assign(n_in, 0);
    counts_.assign(k_out, 0);
    if (config_.output_map) {
        const auto& m = *config_.output_map;
        if (m.size() != n_in)
            throw_input_mismatch(*this, ctx, spikes,
                                 "a SpikeArray with " + std::to_string(m.size()) + " elements (one per output_map entry)");
        for (std::size_t j = 0; j < n_in; ++j) {
            map_[j] = static_cast<std::uint32_t>(m[j]);
            ++counts_[m[j]];
        }
        for (std::size_t k = 0; k < k_out; ++k)
            if (counts_[k] == 0)
                config_detail::throw_error(where(), "output_map", config_detail::to_value(config_.output_map), "",
                                           "leaves output " + std::to_string(k) + " without inputs");
    } else {
        const std::size_t base = n_in / k_out, rem = n_in % k_out;
        std::size_t j = 0;
        for (std::size_t k = 0; k < k_out; ++k) {
            counts_[k] = static_cast<std::uint32_t>(k < rem ? base + 1 : base);
            for (std::uint32_t c = 0; c < counts_[k]; ++c) map_[j++] = static_cast<std::uint32_t>(k);
        }
        if (config_.shuffle)
            for (std::size_t i = n_in - 1; i > 0; --i) std::swap(map_[i], map_[ctx.rng->below(i + 1)]);
    }

    scales_.resize(k_out);
    for (std::size_t k = 0; k < k_out; ++k)
        scales_[k] = static_cast<float>((1000.0 / config_.saturation_freq) /
                                        (ctx.dt * config_.tau * static_cast<double>(counts_[k])));
    group_spikes_.assign(k_out, 0.0f);
    const float tau = static_cast<float>(config_.tau);
    const float zero = 0.0f;
    if (config_.smooth_trace) {
        const float tau_decay = 10.0f, scale_decay = 0.1f;
        smooth_ = RDTracer(k_out, {&tau, 1}, {&tau_decay, 1}, scales_, {&scale_decay, 1}, {&zero, 1}, {&zero, 1},
                           ctx.dt);
    } else {
        trace_ = Tracer(k_out, {&tau, 1}, scales_, {&zero, 1}, ctx.dt);
    }
    return BuildResult{{PortSpec(PayloadKind::floating, Shape{k_out})}, {}};
}

void ExponentialIntegrator::step(const StepContext& ctx) {
    // c_k: spike counts per group (integers in float32, exact whatever the order).
    std::fill(group_spikes_.begin(), group_spikes_.end(), 0.0f);
    const auto s = ctx.inputs[spikes].u8();
    float* c = group_spikes_.data();
    const std::uint32_t* map = map_.data();
    for (std::size_t j = 0; j < s.size(); ++j)
        if (s[j] & spike::bit) c[map[j]] += 1.0f;
    const auto out = ctx.outputs[signal].f32();
    if (config_.smooth_trace) {
        smooth_.step(group_spikes_);
        std::copy(smooth_.output().begin(), smooth_.output().end(), out.begin());
    } else {
        trace_.step(group_spikes_);
        std::copy(trace_.trace().begin(), trace_.trace().end(), out.begin());
    }
}

void ExponentialIntegrator::reset() {
    if (config_.smooth_trace) smooth_.reset();
    else trace_.reset();
}

void ExponentialIntegrator::visit_state(StateVisitor& v) {
    if (config_.smooth_trace) smooth_.visit_state(v, "trace");
    else trace_.visit_state(v, "trace");
}

}  // namespace spark::components::interfaces
