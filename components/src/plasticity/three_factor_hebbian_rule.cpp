#include <spark/components/plasticity/three_factor_hebbian_rule.hpp>

namespace spark::components::plasticity {

void ThreeFactorHebbianRule::update(const RuleStep& s) {
    const float gamma = static_cast<float>(config_.gamma);
    update_hebbian_pairs(s, true, [&](std::size_t p) { return gamma * (factor_at(s, p) + 0.1f); });  // gamma (r + 0.1)
}

}  // namespace spark::components::plasticity
