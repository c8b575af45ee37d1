#include <spark/components/plasticity/three_factor_hebbian_rule.hpp>

namespace spark::components::plasticity {

void ThreeFactorHebbianRule::update(const RuleStep& s) {
    const float gamma = static_cast<float>(config_.gamma), dt = dt_;
    const std::size_t n_pre = layout_.n_pre, stride = layout_.pre_stride;
    const float* y = post_trace_.trace().data();
    update_rows(
        s, true, [&](std::size_t p) { return gamma * (factor_at(s, p) + 0.1f); },  // gamma (r + 0.1)
        [&](std::size_t p, std::size_t q, float rate, float x) {
            const std::size_t i = p * n_pre + q;
            const float dk = rate * (y[p] * spiked(s.pre[p * stride + q]) + spiked(s.post[p]) * x);
            s.out[i] = std::max(0.0f, s.kernel[i] + dt * dk);
        });
}

}  // namespace spark::components::plasticity
