#include <spark/components/plasticity/hebbian_rule.hpp>

namespace spark::components::plasticity {

void HebbianRule::update(const RuleStep& s) {
    const float eta = static_cast<float>(config_.eta);
    update_hebbian_pairs(s, std::isfinite(eta), [&](std::size_t) { return eta; });
}

}  // namespace spark::components::plasticity
