#pragma once
// InhibitionMask: which units of a neuron population are inhibitory (spec section 8.1).
//
// At build, a random permutation of 0..N-1 (N = prod(units)) is drawn from the node's stream and its
// first floor(N * inhibitory_rate) entries are marked inhibitory: exactly that many, deterministic per
// seed. The mask is a property (BooleanMask[units]) whose spec carries the mask values, so a soma fed by
// it signs its spikes and plasticity rules downstream see the real types (design decision 5).
#include <array>
#include <cstdint>
#include <vector>

#include <spark/core/component_base.hpp>

namespace spark::components::neurons {

struct InhibitionMaskConfig {
    SPARK_PARAMS(InhibitionMaskConfig);
    SPARK_REQUIRED_PARAM(Shape, units, "", none, "Population shape.");
    SPARK_PARAM(double, inhibitory_rate, 0.2, "", zero_one, "Fraction of inhibitory units (floor(N * rate) of them).");
};

class InhibitionMask : public ComponentBase<InhibitionMask, InhibitionMaskConfig> {
public:
    static constexpr ComponentIdentity identity{"inhibition_mask", "InhibitionMask", "neuron",
        "Draws which units of a population are inhibitory."};
    static constexpr std::array<PortDecl, 0> input_ports{};
    static constexpr std::array<PortDecl, 0> output_ports{};
    static constexpr std::array property_ports{
        PortDecl{"mask", PayloadKind::boolean_mask, "1 for inhibitory units."}};

    using ComponentBase::ComponentBase;

    std::optional<BuildResult> contract() const override;
    BuildResult build(const BuildContext& ctx) override;
    void step(const StepContext&) override {}
    void reset() override {}
    void visit_state(StateVisitor& v) override { v("mask", mask_, ValidRange{0, 1}); }
    ArrayRef property(std::size_t) override { return {mask_.data(), mask_.size()}; }

    std::span<const std::uint8_t> mask() const noexcept { return mask_; }

private:
    std::vector<std::uint8_t> mask_;
};

}  // namespace spark::components::neurons
