#pragma once
// Real-valued maps (NIR's Affine, Linear, Scale, Threshold); input as in stages.hpp.
//
// Affine:     y = W x + b,  W of shape units x n_in (row-major, n_in = input elements, flattened),
//             b one value per output. A Linear map is an Affine with bias 0 (the default). W is dense
//             (`weight` has units x n_in values, or 1 broadcast), or sparse: `nonzeros` lists the flat
//             indices (row * n_in + column, strictly increasing) of the weights given in `weight`, one
//             value each (a convolution unrolled into its kernel). Each y_i is summed over the nonzero
//             weights of row i in increasing column order, then b_i is added. Output: CurrentArray [pA].
// Scale:      y = s (.) x, one factor per element (or one for all). Output: CurrentArray, the input's shape.
// Threshold:  z = [x > theta] (Heaviside, strict). Output: SpikeArray, the input's shape.
// Each is memoryless: the output of a step is a function of that step's input.
#include <array>
#include <optional>
#include <vector>

#include <spark/components/stages/stages.hpp>
#include <spark/components/output_units.hpp>

namespace spark::components::stages {

struct AffineConfig : Params<OutputUnitsParams> {
    SPARK_PARAMS(AffineConfig);
    SPARK_PARAM(Param, weight, 1.0, "pA", none,
                "Weights W: units x inputs values (row-major), one per entry of nonzeros, or one for all.");
    SPARK_PARAM(std::optional<std::vector<std::size_t>>, nonzeros, std::nullopt, "", none,
                "Flat indices row * inputs + column of the given weights, strictly increasing (sparse W); "
                "default: dense.");
    SPARK_PARAM(Param, bias, 0.0, "pA", none, "Bias b, one per output (or one for all).");
};

class Affine : public RealValuedStage<Affine, AffineConfig> {
public:
    static constexpr ComponentIdentity identity{"affine", "Affine", "stage",
        "Affine map y = W x + b of real values (NIR Affine, Linear, unrolled convolutions and pooling); a spike is x = 1 "
        "for its step, so a soma downstream sees the current W for one step (a pulse of area dt)."};
    enum Output : std::size_t { output };
    static constexpr std::array output_ports{PortDecl{"output", PayloadKind::current, "W x + b [pA]."}};

    // Throws ConfigError for an empty `units` or `nonzeros` not strictly increasing.
    Affine(Config config, std::string instance);

    std::optional<BuildResult> contract() const override;
    BuildResult build(const BuildContext& ctx) override;
    void step(const StepContext& ctx) override;
    void reset() override {}
    void visit_state(StateVisitor&) override {}

    std::size_t inputs_per_output() const noexcept { return n_in_; }
    // W in compressed rows: the columns and values of row i are [row_start[i], row_start[i + 1]).
    std::span<const std::uint32_t> row_start() const noexcept { return row_start_; }
    std::span<const std::uint32_t> columns() const noexcept { return columns_; }
    std::span<const float> weights() const noexcept { return values_; }
    std::span<const float> bias() const noexcept { return bias_; }

private:
    std::size_t n_in_ = 0;
    std::vector<std::uint32_t> row_start_, columns_;
    std::vector<float> values_, bias_;
};

struct ScaleConfig {
    SPARK_PARAMS(ScaleConfig);
    SPARK_PARAM(Param, scale, 1.0, "", none, "Factor s, one per element (or one for all).");
};

class Scale : public ElementwiseStage<Scale, ScaleConfig> {
public:
    static constexpr ComponentIdentity identity{"scale", "Scale", "stage",
        "Element-wise scaling y = s x of real values (NIR Scale)."};
    static constexpr std::array output_ports{PortDecl{"output", PayloadKind::current, "s x [pA], the input's shape."}};
    static constexpr auto parameter = &ScaleConfig::scale;

    using ElementwiseStage::ElementwiseStage;
    static void apply(std::span<const float> x, std::span<const float> s, const ArrayRef& y) noexcept;
};

struct ThresholdConfig {
    SPARK_PARAMS(ThresholdConfig);
    SPARK_PARAM(Param, threshold, 0.0, "", none, "Threshold theta, one per element (or one for all); z = [x > theta].");
};

class Threshold : public ElementwiseStage<Threshold, ThresholdConfig> {
public:
    static constexpr ComponentIdentity identity{"threshold", "Threshold", "stage",
        "Heaviside z = [x > theta] of real values (NIR Threshold)."};
    static constexpr std::array output_ports{PortDecl{"spikes", PayloadKind::spikes, "[x > theta], the input's shape."}};
    static constexpr auto parameter = &ThresholdConfig::threshold;

    using ElementwiseStage::ElementwiseStage;
    static void apply(std::span<const float> x, std::span<const float> theta, const ArrayRef& z) noexcept;
};

}  // namespace spark::components::stages
