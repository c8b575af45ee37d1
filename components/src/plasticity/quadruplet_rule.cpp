#include <spark/components/plasticity/quadruplet_rule.hpp>

#include <cmath>

namespace spark::components::plasticity {

void QuadrupletRule::update(const RuleStep& s) {
    const float alpha = static_cast<float>(config_.q_alpha), beta = static_cast<float>(config_.q_beta);
    const float gamma_q = static_cast<float>(config_.q_gamma), delta = static_cast<float>(config_.q_delta);
    const float gamma = static_cast<float>(config_.gamma), dt = dt_;
    const bool finite = std::isfinite(alpha) && std::isfinite(beta) && std::isfinite(gamma_q) && std::isfinite(delta);
    const std::size_t n_pre = layout_.n_pre, stride = layout_.pre_stride;
    const float* y = post_trace_.trace().data();
    update_rows(
        s, finite, [&](std::size_t p) { return gamma * (factor_at(s, p) + 0.1f); },  // gamma (m + 0.1)
        [&](std::size_t p, std::size_t q, float rate, float x) {
            const std::size_t i = p * n_pre + q;
            const float s_post = spiked(s.post[p]), pre = spiked(s.pre[p * stride + q]);
            const float sum = alpha * pre + beta * (y[p] * pre) + gamma_q * s_post + delta * (s_post * x);
            s.out[i] = std::max(0.0f, s.kernel[i] + dt * (rate * sum));
        });
}

}  // namespace spark::components::plasticity
