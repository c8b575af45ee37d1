#pragma once
// Control interfaces (spec section 7.3; design decision 8: they work here).
//
// In this runtime the graph builder already concatenates several sources wired to one input port
// (flattened, in wire order, keeping the spike inhibition bits). So each control interface has ONE
// input port `inputs` that accepts any payload kind, and one output `output` of the same kind:
//   Concat:         output = inputs flattened, shape [n]; a no-op copy that makes the flattening explicit.
//   ConcatReshape:  output = inputs flattened, then reshaped to `reshape` (same element count, checked
//                   at build).
//   Sampler:        at build, draws sample_size indices uniformly WITH replacement from [0, n) from the
//                   node's stream (idx_i = below(n), i = 0 .. sample_size-1, in order); per step
//                   output_i = inputs.flat[idx_i], shape [sample_size]. Elements are copied bit for bit,
//                   so a SpikeArray keeps each element's encoding byte (spike and inhibition bits: the
//                   signs survive, unlike Spark's uint8 cast, spec quirk 19).
// The payload's element type, and for spikes the build-time inhibition mask, pass through (gathered by
// Sampler). A per-synapse (post x pre) spike layout is flattened like any other.
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include <spark/core/component_base.hpp>

namespace spark::components::interfaces {

struct ConcatConfig {
    SPARK_PARAMS(ConcatConfig);
};

struct ConcatReshapeConfig {
    SPARK_PARAMS(ConcatReshapeConfig);
    SPARK_REQUIRED_PARAM(Shape, reshape, "", none, "Output shape; its element count must match the input's.");
};

struct SamplerConfig {
    SPARK_PARAMS(SamplerConfig);
    SPARK_REQUIRED_PARAM(std::size_t, sample_size, "", positive,
                         "Number of elements drawn (with replacement) from the input (> 0).");
};

namespace detail {
// Checks the input (a known kind, a consistent element type, at least one element) and returns it.
const PortSpec& control_input(const Component& c, const BuildContext& ctx);
// The output spec: the input's kind, element type and (if known) inhibition mask, with `shape`.
PortSpec same_kind(const PortSpec& in, Shape shape);
}  // namespace detail

// What every control interface shares: one input of any payload, one output of the same kind, no state.
template <class Derived, class ConfigT>
class Control : public ComponentBase<Derived, ConfigT> {
public:
    enum Input : std::size_t { input_index };
    enum Output : std::size_t { output_index };
    static constexpr std::array input_ports{
        PortDecl{"inputs", any_payload, "Any payload; several sources are concatenated by the graph."}};
    static constexpr std::array output_ports{PortDecl{"output", any_payload, "Same payload kind as the input."}};
    static constexpr std::array<PortDecl, 0> property_ports{};

    using ComponentBase<Derived, ConfigT>::ComponentBase;

    void reset() override {}
    void visit_state(StateVisitor&) override {}
};

// Concat and ConcatReshape: the input's bytes as they are, under the shape Derived::output_shape gives.
template <class Derived, class ConfigT>
class Reshape : public Control<Derived, ConfigT> {
public:
    using Control<Derived, ConfigT>::Control;

    BuildResult build(const BuildContext& ctx) override {
        const PortSpec& in = detail::control_input(*this, ctx);
        Shape shape = static_cast<const Derived*>(this)->output_shape(ctx, in);
        bytes_ = in.bytes();
        return BuildResult{{detail::same_kind(in, std::move(shape))}, {}};
    }
    void step(const StepContext& ctx) override {
        std::memcpy(ctx.outputs[this->output_index].data, ctx.inputs[this->input_index].data, bytes_);
    }

private:
    std::size_t bytes_ = 0;
};

class Concat : public Reshape<Concat, ConcatConfig> {
public:
    static constexpr ComponentIdentity identity{"concat", "Concat", "interface",
        "Flattens (and so concatenates) its inputs."};

    using Reshape::Reshape;
    Shape output_shape(const BuildContext&, const PortSpec& in) const { return Shape{in.size()}; }
};

class ConcatReshape : public Reshape<ConcatReshape, ConcatReshapeConfig> {
public:
    static constexpr ComponentIdentity identity{"concat_reshape", "ConcatReshape", "interface",
        "Flattens (concatenates) its inputs and reshapes the result."};

    // Throws ConfigError for a missing reshape or one with a zero dimension.
    ConcatReshape(Config config, std::string instance);
    // `reshape`; throws an input mismatch unless the input has as many elements.
    Shape output_shape(const BuildContext& ctx, const PortSpec& in) const;
};

class Sampler : public Control<Sampler, SamplerConfig> {
public:
    static constexpr ComponentIdentity identity{"sampler", "Sampler", "interface",
        "A fixed random sample (with replacement, drawn at build) of its input's elements."};

    // Throws ConfigError for sample_size = 0.
    Sampler(Config config, std::string instance);

    BuildResult build(const BuildContext& ctx) override;
    void step(const StepContext& ctx) override;

    // The drawn flat input index of every output element.
    std::span<const std::uint32_t> indices() const noexcept { return indices_; }

private:
    std::vector<std::uint32_t> indices_;
    std::size_t element_bytes_ = 0;
};

}  // namespace spark::components::interfaces
