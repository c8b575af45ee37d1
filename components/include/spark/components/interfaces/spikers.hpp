#pragma once
// Input interfaces: signal -> spikes (spec section 7.1).
//
// Input `signal` (FloatArray, any shape, expected in [0, 1]); output `spikes` (SpikeArray of the same
// shape, every unit excitatory). Every element of the output is written every step.
//
// PoissonSpiker: independent Bernoulli draws per element and step,
//     p = dt f_max / 1000                      (spike probability per step at signal 1)
//     s = [U[0,1) < p signal]
//   One uniform per element per step, drawn in element order (also where the signal is 0, so the draws
//   of an element never depend on the others' values) from the node's own stream. The stream is state:
//   it is saved in snapshots and is not rewound by reset().
//
// LinearSpiker: a deterministic integrate-to-threshold encoder with a cooldown cd,
//     E = exp((dt/tau) (1000 - cd f_max) / f_max),   S = 1/(E - 1) + 1,
//     decay = exp(-dt/tau),   gain = 1 - decay
//     ready = [ref >= cd]
//     V <- decay V + dt (ready tau gain S signal)
//     s = [V > tau];   V <- (1 - s) V;   ref <- (1 - s)(ref + dt)
//   V starts at 0 and ref at cd (ready on the first step). With signal 1 and dt = 1 ms, V reaches the
//   threshold tau after 1000/f_max - cd steps (V_n = tau S (1 - decay^n)) and then sits out cd steps, so
//   the unit fires at about f_max. The factor dt in the increment is Spark's: the calibration holds for
//   dt = 1 ms only.
#include <array>
#include <cstdint>
#include <vector>

#include <spark/core/component_base.hpp>
#include <spark/core/payload.hpp>

namespace spark::components::interfaces {

namespace detail {
// Checks the signal port (a non-empty FloatArray of any shape) and returns its spec.
const PortSpec& signal_input(const Component& c, const BuildContext& ctx);
}  // namespace detail

// What every spiker shares: signal in, spikes out (the topological ones redeclare the ports' texts).
template <class Derived, class ConfigT>
class Spiker : public ComponentBase<Derived, ConfigT> {
public:
    enum Input : std::size_t { signal };
    enum Output : std::size_t { spikes };
    static constexpr std::array input_ports{PortDecl{"signal", PayloadKind::floating, "Signal in [0, 1]."}};
    static constexpr std::array output_ports{PortDecl{"spikes", PayloadKind::spikes, "Excitatory spikes."}};
    static constexpr std::array<PortDecl, 0> property_ports{};

    using ComponentBase<Derived, ConfigT>::ComponentBase;
};

struct PoissonSpikerConfig {
    SPARK_PARAMS(PoissonSpikerConfig);
    SPARK_PARAM(double, max_freq, 100.0, "Hz", positive, "Firing rate at signal 1 (p = dt max_freq / 1000 per step).");
};

// The Poisson units of both Poisson spikers: s = [U[0,1) < p x] with p = dt f_max / 1000, one uniform
// per unit per step in element order (sequential on purpose: the draws do not depend on the thread
// count), from the node's own stream (saved in snapshots, not rewound by reset()).
class PoissonUnits {
public:
    // Takes over the node's stream `ctx.rng` from here on.
    void build(double max_freq, const BuildContext& ctx) {
        probability_ = static_cast<float>(ctx.dt * max_freq / 1000.0);
        rng_ = *ctx.rng;
    }
    void step(const float* x, std::uint8_t* out, std::size_t n) noexcept {
        const float p = probability_;
        for (std::size_t i = 0; i < n; ++i) out[i] = rng_.uniform() < p * x[i] ? spike::bit : std::uint8_t{0};
    }
    void visit_state(StateVisitor& v) { v("rng", rng_); }
    float probability_scale() const noexcept { return probability_; }  // dt f_max / 1000

private:
    Rng rng_;
    float probability_ = 0.0f;
};

// An encoder `Base` (a Spiker or TopologicalSpiker) whose units are PoissonUnits.
template <class Base>
class WithPoissonUnits : public Base {
public:
    using Base::Base;

    void reset() override {}  // the stream runs on
    void visit_state(StateVisitor& v) override { units_.visit_state(v); }

    float probability_scale() const noexcept { return units_.probability_scale(); }

protected:
    PoissonUnits units_;
};

class PoissonSpiker : public WithPoissonUnits<Spiker<PoissonSpiker, PoissonSpikerConfig>> {
public:
    static constexpr ComponentIdentity identity{"poisson_spiker", "PoissonSpiker", "interface",
        "Poisson encoder: signal in [0, 1] -> spikes at up to max_freq."};

    using WithPoissonUnits::WithPoissonUnits;

    BuildResult build(const BuildContext& ctx) override;
    void step(const StepContext& ctx) override;
};

// The integrate-and-fire encoding of the linear spikers.
struct LinearSpikingParams {
    SPARK_PARAMS(LinearSpikingParams);
    SPARK_PARAM(double, tau, 100.0, "ms", positive, "Integration time constant; also the firing threshold of V.");
    SPARK_PARAM(double, cd, 2.0, "ms", positive, "Cooldown (refractory time) after a spike; must be < 1000/max_freq.");
    SPARK_PARAM(double, max_freq, 100.0, "Hz", positive,
                "Firing rate reached at signal 1 (topological: of a virtual unit at activation 1), for dt = 1 ms.");
};

struct LinearSpikerConfig : Params<LinearSpikingParams> {};

// The constants of a LinearSpiker (and TopologicalLinearSpiker) for a given dt.
struct LinearSpikerConstants {
    float e = 0.0f;      // E
    float s = 0.0f;      // S = 1/(E - 1) + 1
    float decay = 0.0f;  // exp(-dt/tau)
    float gain = 0.0f;   // 1 - decay
};

// The integrate-to-threshold units of both linear spikers (equations above): their constants and
// their state, V and ref per unit.
class LinearSpikingUnits {
public:
    // `e_rate` is the factor of (1000 - cd f_max)/f_max in the exponent of E (dt/tau for LinearSpiker,
    // 1/tau for TopologicalLinearSpiker).
    void build(const LinearSpikingParams& params, double dt, double e_rate, std::size_t units);
    void reset() noexcept;
    void visit_state(StateVisitor& v) {
        v("potential", potential_);
        v("refractory", refractory_);
    }

    // Steps units [begin, end) driven by x (signal or activation); the increment is multiplied by dt
    // when `times_dt` (LinearSpiker) and not otherwise (TopologicalLinearSpiker, as in Spark).
    template <bool times_dt>
    void step(const float* x, std::uint8_t* out, std::size_t begin, std::size_t end) noexcept {
        float* v = potential_.data();
        float* ref = refractory_.data();
        const float decay = constants_.decay, inc = increment_, dt = dt_, threshold = threshold_, cd = cooldown_;
        for (std::size_t k = begin; k < end; ++k) {
            const float ready = ref[k] >= cd ? 1.0f : 0.0f;
            const float drive = (ready * inc) * x[k];
            const float vk = decay * v[k] + (times_dt ? dt * drive : drive);
            const bool s = vk > threshold;
            v[k] = s ? 0.0f : vk;
            ref[k] = s ? 0.0f : ref[k] + dt;
            out[k] = s ? spike::bit : std::uint8_t{0};
        }
    }

    std::size_t size() const noexcept { return potential_.size(); }
    const LinearSpikerConstants& constants() const noexcept { return constants_; }
    std::span<const float> potential() const noexcept { return potential_; }

private:
    LinearSpikerConstants constants_;
    float increment_ = 0.0f;  // tau gain S (times the drive, when ready)
    float dt_ = 1.0f;         // [ms]
    float threshold_ = 0.0f;  // tau
    float cooldown_ = 0.0f;   // cd [ms]
    std::vector<float> potential_;   // V
    std::vector<float> refractory_;  // ref [ms], time since the last spike
};

namespace detail {
// E, S, decay and gain; `e_rate` as in LinearSpikingUnits::build.
LinearSpikerConstants linear_spiker_constants(double tau, double cd, double max_freq, double dt, double e_rate);
// The ConfigError of a cooldown that is not shorter than the firing period.
void check_cooldown(double cd, double max_freq, const ConfigWhere& where);
}  // namespace detail

// An encoder `Base` (a Spiker or TopologicalSpiker) whose units are LinearSpikingUnits: checks the
// cooldown against the firing period (ConfigError unless cd < 1000/max_freq, otherwise E <= 1 and S is
// not finite and positive), resets and visits the units and shows their constants and potentials.
template <class Base>
class WithLinearSpikingUnits : public Base {
public:
    WithLinearSpikingUnits(typename Base::Config config, std::string instance)
        : Base(std::move(config), std::move(instance)) {
        detail::check_cooldown(this->config_.cd, this->config_.max_freq, this->where());
    }

    void reset() override { units_.reset(); }
    void visit_state(StateVisitor& v) override { units_.visit_state(v); }

    const LinearSpikerConstants& constants() const noexcept { return units_.constants(); }
    std::span<const float> potential() const noexcept { return units_.potential(); }

protected:
    LinearSpikingUnits units_;
};

class LinearSpiker : public WithLinearSpikingUnits<Spiker<LinearSpiker, LinearSpikerConfig>> {
public:
    static constexpr ComponentIdentity identity{"linear_spiker", "LinearSpiker", "interface",
        "Deterministic integrate-to-threshold encoder: signal in [0, 1] -> spikes at up to max_freq."};

    using WithLinearSpikingUnits::WithLinearSpikingUnits;

    BuildResult build(const BuildContext& ctx) override;
    void step(const StepContext& ctx) override;
};

}  // namespace spark::components::interfaces
