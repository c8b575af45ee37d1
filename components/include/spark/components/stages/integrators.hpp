#pragma once
// Non-spiking first-order integrators (NIR's LI, I, and the synaptic current of CubaLI/CubaLIF);
// input as in stages.hpp: x is held constant over each step (zero-order hold).
//
// Each is one linear ODE in a state y that starts at 0 (set `initial.<state>` to start elsewhere),
// integrated exactly for x constant over the step dt, and output as it stands after the step:
//   LeakyIntegrator  tau dv/dt = (v_leak - v) + R x      v <- v_leak + alpha (v - v_leak) + (1 - alpha) R x,
//                    alpha = exp(-dt/tau)                 output `potential` [mV], absolute (no rest offset)
//   Integrator       dv/dt = R x                          v <- v + dt R x;  output `potential` [mV]
//   SynapticCurrent  tau_syn dI/dt = -I + w_in x          I <- beta I + (1 - beta) w_in x,
//                    beta = exp(-dt/tau_syn)              output `current` [pA]
// A spike (x = 1 for one step) thus moves a leaky node by (1 - alpha) R, about R dt / tau for dt << tau:
// the response to a pulse of area dt. The Integrator is exact for any dt; the leaky ones converge to
// their constant-input fixed point v_leak + R x (I = w_in x) exactly.
// Reference: Gerstner, Kistler, Naud & Paninski, Neuronal Dynamics (2014), ch. 1.3; Rotter & Diesmann,
// "Exact digital simulation of time-invariant linear systems" (1999), Biol. Cybern. 81.
#include <algorithm>
#include <array>
#include <vector>

#include <spark/components/stages/stages.hpp>

namespace spark::components::stages {

struct LeakyIntegratorConfig {
    SPARK_PARAMS(LeakyIntegratorConfig);
    SPARK_PARAM(Param, potential_tau, 20.0, "ms", positive, "Time constant tau.");
    SPARK_PARAM(Param, resistance, 1.0, "GOhm", none, "Input resistance R (R x in mV for x in pA).");
    SPARK_PARAM(Param, potential_leak, 0.0, "mV", none, "Leak potential v_leak, the value v relaxes to without input.");
};

struct IntegratorConfig {
    SPARK_PARAMS(IntegratorConfig);
    SPARK_PARAM(Param, resistance, 1.0, "mV/(pA ms)", none, "Gain R of dv/dt = R x (the inverse capacitance).");
};

struct SynapticCurrentConfig {
    SPARK_PARAMS(SynapticCurrentConfig);
    SPARK_PARAM(Param, current_tau, 5.0, "ms", positive, "Time constant tau_syn of the current.");
    SPARK_PARAM(Param, input_weight, 1.0, "pA", none, "Input weight w_in: the current a constant input 1 settles at.");
};

// y <- offset + decay (y - offset) + gain x per element: the shared exact step of the three models.
// Derived::build_constants fills offset_, decay_ and gain_ (preset to 0, 1 and 0); the state is
// visited under the name of the output port.
template <class Derived, class ConfigT>
class FirstOrderStage : public RealValuedStage<Derived, ConfigT> {
public:
    enum Output : std::size_t { output };

    using RealValuedStage<Derived, ConfigT>::RealValuedStage;

    BuildResult build(const BuildContext& ctx) override {
        const PortSpec& in = this->build_input(ctx);
        const std::size_t n = in.size();
        decay_.assign(n, 1.0f);
        offset_.assign(n, 0.0f);
        gain_.assign(n, 0.0f);
        static_cast<Derived*>(this)->build_constants(ctx, in.shape);
        state_.assign(n, 0.0f);
        return BuildResult{{PortSpec(Derived::output_ports[output].kind, in.shape)}, {}};
    }

    void step(const StepContext& ctx) override {
        const auto x = this->read_input(ctx);
        const auto out = ctx.outputs[output].f32();
        for (std::size_t i = 0; i < state_.size(); ++i) {
            state_[i] = offset_[i] + decay_[i] * (state_[i] - offset_[i]) + gain_[i] * x[i];
            out[i] = state_[i];
        }
    }

    void reset() override { std::fill(state_.begin(), state_.end(), 0.0f); }
    void visit_state(StateVisitor& v) override { v(Derived::output_ports[output].name, state_); }

protected:
    std::vector<float> decay_, offset_, gain_;
    std::vector<float> state_;
};

class LeakyIntegrator : public FirstOrderStage<LeakyIntegrator, LeakyIntegratorConfig> {
public:
    static constexpr ComponentIdentity identity{"leaky_integrator", "LeakyIntegrator", "stage",
        "Non-spiking leaky integrator whose output is its potential (NIR LI); x (a spike: 1) is held over its step "
        "and integrated exactly, so a spike adds (1 - e^(-dt/tau)) R."};
    static constexpr std::array output_ports{
        PortDecl{"potential", PayloadKind::potential, "The potential v after the step [mV], absolute."}};

    using FirstOrderStage::FirstOrderStage;
    void build_constants(const BuildContext& ctx, const Shape& shape);
};

class Integrator : public FirstOrderStage<Integrator, IntegratorConfig> {
public:
    static constexpr ComponentIdentity identity{"integrator", "Integrator", "stage",
        "Non-leaky integrator dv/dt = R x whose output is its potential (NIR I); x (a spike: 1) is held over its step, "
        "so a spike adds dt R."};
    static constexpr std::array output_ports{
        PortDecl{"potential", PayloadKind::potential, "The potential v after the step [mV]."}};

    using FirstOrderStage::FirstOrderStage;
    void build_constants(const BuildContext& ctx, const Shape& shape);
};

class SynapticCurrent : public FirstOrderStage<SynapticCurrent, SynapticCurrentConfig> {
public:
    static constexpr ComponentIdentity identity{"synaptic_current", "SynapticCurrent", "stage",
        "Exponentially filtered current tau_syn dI/dt = -I + w_in x (NIR CubaLI's current); x (a spike: 1) is held "
        "over its step and integrated exactly, so a spike adds (1 - e^(-dt/tau_syn)) w_in."};
    static constexpr std::array output_ports{
        PortDecl{"current", PayloadKind::current, "The current I after the step [pA]."}};

    using FirstOrderStage::FirstOrderStage;
    void build_constants(const BuildContext& ctx, const Shape& shape);
};

}  // namespace spark::components::stages
