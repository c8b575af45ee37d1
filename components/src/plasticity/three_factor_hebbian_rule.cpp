#include <spark/components/plasticity/three_factor_hebbian_rule.hpp>

namespace spark::components::plasticity {

void ThreeFactorHebbianRule::update(const RuleStep& s) {
    advance_traces(s);

    const float gamma = static_cast<float>(config_.gamma), dt = dt_;
    const std::size_t n_pre = layout_.n_pre, stride = layout_.pre_stride;
    const float* x = pre_trace_.trace().data();
    const float* y = post_trace_.trace().data();
    for_rows(s, [&](std::size_t p0, std::size_t p1) {
        for (std::size_t p = p0; p < p1; ++p) {
            const float rate = gamma * (factor_at(s, p) + 0.1f);  // gamma (r + 0.1)
            const float y_p = y[p], s_post = spiked(s.post[p]);
            const std::uint8_t* s_pre = s.pre + p * stride;
            const float* x_row = x + p * n_pre;
            const float* k = s.kernel + p * n_pre;
            float* out = s.out + p * n_pre;
            for (std::size_t q = 0; q < n_pre; ++q) {
                const float dk = rate * (y_p * spiked(s_pre[q]) + s_post * x_row[q]);
                out[q] = std::max(0.0f, k[q] + dt * dk);
            }
        }
    });
}

}  // namespace spark::components::plasticity
