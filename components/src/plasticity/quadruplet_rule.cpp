#include <spark/components/plasticity/quadruplet_rule.hpp>

namespace spark::components::plasticity {

void QuadrupletRule::build_rule(const BuildContext& ctx, const RuleLayout& layout) {
    // Draw order of the original: pre_tau, post_tau.
    const auto pre_tau = materialize(config_.pre_tau, "pre_tau", layout.kernel, ctx);
    const auto post_tau = materialize(config_.post_tau, "post_tau", layout.post, ctx);
    pre_trace_ = inverse_tau_tracer(layout.kernel_size(), pre_tau, ctx.dt);
    post_trace_ = inverse_tau_tracer(layout.n_post, post_tau, ctx.dt);
    pre_input_.assign(layout.kernel_size(), 0.0f);
    post_input_.assign(layout.n_post, 0.0f);
}

void QuadrupletRule::update(const RuleStep& s) {
    spread_pre(s, pre_input_);
    spikes_to_float(s, s.post, post_input_);
    pre_trace_.step(pre_input_);
    post_trace_.step(post_input_);

    const float alpha = static_cast<float>(config_.q_alpha), beta = static_cast<float>(config_.q_beta);
    const float gamma_q = static_cast<float>(config_.q_gamma), delta = static_cast<float>(config_.q_delta);
    const float gamma = static_cast<float>(config_.gamma), dt = dt_;
    const std::size_t n_pre = layout_.n_pre, stride = layout_.pre_stride;
    const float* x = pre_trace_.trace().data();
    const float* y = post_trace_.trace().data();
    for_rows(s, [&](std::size_t p0, std::size_t p1) {
        for (std::size_t p = p0; p < p1; ++p) {
            const float rate = gamma * (factor_at(s, p) + 0.1f);  // gamma (m + 0.1)
            const float y_p = y[p], s_post = spiked(s.post[p]);
            const float post_term = gamma_q * s_post;
            const std::uint8_t* s_pre = s.pre + p * stride;
            const float* x_row = x + p * n_pre;
            const float* k = s.kernel + p * n_pre;
            float* out = s.out + p * n_pre;
            for (std::size_t q = 0; q < n_pre; ++q) {
                const float pre = spiked(s_pre[q]);
                const float sum = alpha * pre + beta * (y_p * pre) + post_term + delta * (s_post * x_row[q]);
                out[q] = std::max(0.0f, k[q] + dt * (rate * sum));
            }
        }
    });
}

void QuadrupletRule::reset_rule() noexcept {
    pre_trace_.reset();
    post_trace_.reset();
}

void QuadrupletRule::visit_rule(StateVisitor& v) {
    pre_trace_.visit_state(v, "pre_trace");
    post_trace_.visit_state(v, "post_trace");
}

}  // namespace spark::components::plasticity
