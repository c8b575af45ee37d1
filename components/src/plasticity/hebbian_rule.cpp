#include <spark/components/plasticity/hebbian_rule.hpp>

namespace spark::components::plasticity {

void HebbianRule::update(const RuleStep& s) {
    const float eta = static_cast<float>(config_.eta), dt = dt_;
    const std::size_t n_pre = layout_.n_pre, stride = layout_.pre_stride;
    const float* y = post_trace_.trace().data();
    update_rows(
        s, std::isfinite(eta), [&](std::size_t) { return eta; },
        [&](std::size_t p, std::size_t q, float rate, float x) {
            const std::size_t i = p * n_pre + q;
            const float dk = rate * (y[p] * spiked(s.pre[p * stride + q]) + spiked(s.post[p]) * x);
            s.out[i] = std::max(0.0f, s.kernel[i] + dt * dk);
        });
}

}  // namespace spark::components::plasticity
