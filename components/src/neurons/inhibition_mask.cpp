#include <spark/components/neurons/inhibition_mask.hpp>

#include <cmath>
#include <numeric>

namespace spark::components::neurons {

std::optional<BuildResult> InhibitionMask::contract() const {
    return BuildResult{{}, {PortSpec(PayloadKind::boolean_mask, config_.units)}};
}

BuildResult InhibitionMask::build(const BuildContext& ctx) {
    const std::size_t n = config_.units.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[ctx.rng->below(i)]);  // Fisher-Yates
    const auto inhibitory = static_cast<std::size_t>(std::floor(static_cast<double>(n) * config_.inhibitory_rate));
    mask_.assign(n, 0);
    for (std::size_t i = 0; i < inhibitory; ++i) mask_[order[i]] = 1;
    PortSpec spec(PayloadKind::boolean_mask, config_.units);
    spec.mask = mask_;
    return BuildResult{{}, {std::move(spec)}};
}

}  // namespace spark::components::neurons
