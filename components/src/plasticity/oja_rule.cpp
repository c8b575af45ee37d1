#include <spark/components/plasticity/oja_rule.hpp>

namespace spark::components::plasticity {

void OjaRule::build_rule(const BuildContext& ctx, const RuleLayout& layout) {
    const auto post_tau = materialize(config_.post_tau, layout.post, ctx);
    post_trace_ = inverse_tau_tracer(layout.n_post, post_tau, ctx.dt);
    post_input_.assign(layout.n_post, 0.0f);
}

void OjaRule::update(const RuleStep& s) {
    spikes_to_float(s, s.post, post_input_);
    post_trace_.step(post_input_);

    const float eta = static_cast<float>(config_.eta), dt = dt_;
    const std::size_t n_pre = layout_.n_pre, stride = layout_.pre_stride;
    const float* y = post_trace_.trace().data();
    for_rows(s, [&](std::size_t p0, std::size_t p1) {
        for (std::size_t p = p0; p < p1; ++p) {
            const float y_p = y[p], y_p2 = y_p * y_p;
            const std::uint8_t* s_pre = s.pre + p * stride;
            const float* k = s.kernel + p * n_pre;
            float* out = s.out + p * n_pre;
            for (std::size_t q = 0; q < n_pre; ++q) {
                const float dk = eta * (y_p * spiked(s_pre[q]) - k[q] * y_p2);
                out[q] = std::max(0.0f, k[q] + dt * dk);
            }
        }
    });
}

}  // namespace spark::components::plasticity
