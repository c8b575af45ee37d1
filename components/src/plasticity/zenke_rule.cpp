#include <spark/components/plasticity/zenke_rule.hpp>

namespace spark::components::plasticity {

void ZenkeRule::build_rule(const BuildContext& ctx, const RuleLayout& layout) {
    // Draw order of the original: pre_tau, post_tau (the pair), post_slow_tau, target_tau.
    TracePairRule::build_rule(ctx, layout);
    const auto post_slow_tau = materialize(config_.post_slow_tau, layout.post, ctx);
    const auto target_tau = materialize(config_.target_tau, layout.kernel, ctx);
    post_slow_trace_ = inverse_tau_tracer(layout.n_post, post_slow_tau, ctx.dt);
    target_trace_ = inverse_tau_tracer(layout.kernel_size(), target_tau, ctx.dt);
    target_input_.assign(layout.kernel_size(), 0.0f);
}

void ZenkeRule::update(const RuleStep& s) {
    advance_traces(s);
    post_slow_trace_.step(post_input_);  // the post spikes as 0/1, left by advance_traces

    // delta = K - p z_old (1/4 - z_old) (1/2 - z_old), then z <- decay z + delta / tau_z.
    const std::size_t n_pre = layout_.n_pre, stride = layout_.pre_stride;
    const float p_cubic = static_cast<float>(config_.p);
    {
        const float* z = target_trace_.trace().data();
        float* delta = target_input_.data();
        for_rows(s, [&](std::size_t p0, std::size_t p1) {
            for (std::size_t i = p0 * n_pre; i < p1 * n_pre; ++i) {
                const float z_old = z[i];
                delta[i] = s.kernel[i] - p_cubic * z_old * (0.25f - z_old) * (0.5f - z_old);
            }
        });
    }
    target_trace_.step(target_input_);

    const float a = static_cast<float>(config_.a), b = static_cast<float>(config_.b);
    const float c = static_cast<float>(config_.c), d = static_cast<float>(config_.d);
    const float eta = static_cast<float>(config_.eta), dt = dt_;
    const float* x = pre_trace_.tracer().trace().data();
    const float* y = post_trace_.trace().data();
    const float* y_slow = post_slow_trace_.trace().data();
    const float* z = target_trace_.trace().data();
    for_rows(s, [&](std::size_t p0, std::size_t p1) {
        for (std::size_t p = p0; p < p1; ++p) {
            const float s_post = spiked(s.post[p]);
            const float ltp = y_slow[p] * s_post;                // y_slow . s_post
            const float hetero = y[p] * y[p] * y[p] * s_post;    // y^3 . s_post
            const float y_p = y[p];
            const std::uint8_t* s_pre = s.pre + p * stride;
            const float* x_row = x + p * stride;
            const float* k = s.kernel + p * n_pre;
            const float* z_row = z + p * n_pre;
            float* out = s.out + p * n_pre;
            for (std::size_t q = 0; q < n_pre; ++q) {
                const float pre = spiked(s_pre[q]);
                const float big_a = a * (ltp * x_row[q]);
                const float big_b = b * (y_p * pre);
                const float big_c = c * ((k[q] - z_row[q]) * hetero);
                const float big_d = d * pre;
                const float dk = eta * (big_a + big_b + big_c + big_d);
                out[q] = std::max(0.0f, k[q] + dt * dk);
            }
        }
    });
}

void ZenkeRule::reset_rule() noexcept {
    TracePairRule::reset_rule();
    post_slow_trace_.reset();
    target_trace_.reset();
}

void ZenkeRule::visit_rule(StateVisitor& v) {
    TracePairRule::visit_rule(v);
    post_slow_trace_.visit_state(v, "post_slow_trace");
    target_trace_.visit_state(v, "target_trace");
}

}  // namespace spark::components::plasticity
