#pragma once
// Real-valued stages: components whose input is a number per element rather than a current of a
// soma (spark's counterparts of NIR's Affine, Linear, Scale, Threshold, LI, I and CubaLI's current).
//
// Their input port `input` accepts a SpikeArray (read as its signed value -1/0/+1), a CurrentArray,
// a PotentialArray or a FloatArray; several current sources on it are summed by the graph, several
// spike sources concatenated.
// Time: the input of a step is held constant over that step (a zero-order hold, as every soma of
// spark assumes for its current), and the linear dynamics of the integrators are integrated exactly
// under that hold. A spike thus enters a leaky node as a value 1 held for one step dt: a rectangular
// pulse of area dt, not a Dirac impulse of area 1 (the NIR reference implementation makes the same
// choice: its input x is added per step as x dt / tau).
#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <spark/core/component_base.hpp>

namespace spark::components::stages {

// Whether a spec can feed a stage's `input`: spikes, current, potential or float, not per-synapse.
bool is_real_valued_input(const PortSpec& spec) noexcept;

// Reads input `in` (of kind `kind`) into `out` as numbers: the signed spike value, or the value.
void read_values(const ConstArrayRef& in, PayloadKind kind, std::span<float> out) noexcept;

// The spec of `c`'s input `port`; throws GraphError (an input mismatch) unless is_real_valued_input.
const PortSpec& real_valued_input(const Component& c, const BuildContext& ctx, std::size_t port);

// What every stage shares: its category, its one input port, and reading that input as numbers.
template <class Derived, class ConfigT>
class RealValuedStage : public ComponentBase<Derived, ConfigT> {
public:
    enum Input : std::size_t { input };
    static constexpr std::array input_ports{
        PortDecl{"input", any_payload, "Spikes (signed value), current, potential or float values."}};
    static constexpr std::array<PortDecl, 0> property_ports{};

    using ComponentBase<Derived, ConfigT>::ComponentBase;

protected:
    // Checks the input's spec, remembers its kind and sizes the scratch x_; returns the spec.
    const PortSpec& build_input(const BuildContext& ctx) {
        const PortSpec& in = real_valued_input(*this, ctx, input);
        input_kind_ = in.kind;
        x_.assign(in.size(), 0.0f);
        return in;
    }
    // This step's input as numbers.
    std::span<const float> read_input(const StepContext& ctx) noexcept {
        read_values(ctx.inputs[input], input_kind_, x_);
        return x_;
    }

private:
    PayloadKind input_kind_ = PayloadKind::floating;
    std::vector<float> x_;
};

// A memoryless stage y_i = f(x_i, p_i) with one parameter p per element (Derived::parameter, a pointer
// to its Config member); Derived::apply(x, p, out) writes the output of a step.
template <class Derived, class ConfigT>
class ElementwiseStage : public RealValuedStage<Derived, ConfigT> {
public:
    enum Output : std::size_t { output };

    using RealValuedStage<Derived, ConfigT>::RealValuedStage;

    BuildResult build(const BuildContext& ctx) override {
        const PortSpec& in = this->build_input(ctx);
        parameter_ = this->materialize(this->config_.*Derived::parameter, in.shape, ctx);
        return BuildResult{{PortSpec(Derived::output_ports[output].kind, in.shape)}, {}};
    }
    void step(const StepContext& ctx) override { Derived::apply(this->read_input(ctx), parameter_, ctx.outputs[output]); }
    void reset() override {}
    void visit_state(StateVisitor&) override {}

private:
    std::vector<float> parameter_;
};

}  // namespace spark::components::stages
