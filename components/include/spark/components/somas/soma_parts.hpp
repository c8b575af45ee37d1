#pragma once
// Building blocks shared by several soma models.
//
// RefractoryCounter (spec 2.2, 2.3, 2.6, 2.8): the steps since the last spike, one uint16 per neuron,
//     with a cooldown of c = round_half_even(cooldown / dt) steps. The counter starts and resets at c
//     and advances as  r <- (1 - s)(r + 1),  SATURATING at 65535 instead of wrapping (design decision
//     3), so a neuron that stays silent for a long time never gets a spurious refractory period.
//     Spark's models test readiness as r > c (refractory) or r >= c (strict refractory).
// AdaptiveThreshold (spec 2.4, 2.8): the Tracer of spec 1.8 with base theta (= V_th - V_rest),
//     tau = threshold_tau and scale = threshold_delta, fed with the soma's spikes:
//         theta_{t+1} = theta + e^{-dt/tau_theta} (theta_t - theta) + delta s_t
//     It starts and resets at theta.
// CrossingReset (NIR's exact event-based LIF, Pedersen et al. 2024, section 4.4.2): under a current I
//     held over the step, a unit whose potential ends the step above theta crossed it once within the
//     step; with reset_at_crossing it restarts from v_reset at that moment and integrates the rest of
//     the step, instead of resetting at the end of the step. For the leaky membrane, relative to rest,
//     with v_inf = R I and v_i the potential at the end of the step without reset:
//         f = e^{-(time left after the crossing)/tau} = (v_i - v_inf) / (theta - v_inf)   (>= alpha)
//         v <- v_inf + (v_reset - v_inf) f
//     (f = alpha, the whole step, when the unit starts the step above theta); without leak
//     (dv/dt = R I) the same is a reset by subtraction: v <- v_reset + v_i - max(theta, v_start).
//     The spike is reported on the step of the crossing; a second crossing within the same step is
//     not resolved (exact while units fire at most once per step).
// The parameter groups of the soma configs: units, the membrane, the refractory period, the crossing
//     reset and the adaptive threshold, each declared once (param_decl.hpp) and composed into the configs.
// choose() and SPARK_ELEMENTWISE_LOOP: what keeps the per-neuron step loops vectorisable.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include <spark/core/config.hpp>
#include <spark/core/hot_loop.hpp>
#include <spark/core/state.hpp>

// Put before an element-wise loop over arrays that never overlap (a component's state and parameters
// and the runtime's payload buffers are distinct allocations): the compiler may then vectorise it
// without run-time alias checks, of which a soma step would need more than GCC tries (10).
#if defined(__clang__)
#define SPARK_ELEMENTWISE_LOOP _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define SPARK_ELEMENTWISE_LOOP _Pragma("GCC ivdep")
#else
#define SPARK_ELEMENTWISE_LOOP
#endif

namespace spark::components::somas {

// `s ? if_true : if_false`, bit for bit, as a branch-free bit blend. A plain ?: on floats lets the
// compiler move the loads or arithmetic of one side into a branch, which stops vectorisation.
SPARK_INLINE float choose(bool s, float if_true, float if_false) noexcept {
    const std::uint32_t mask = 0u - static_cast<std::uint32_t>(s);
    return std::bit_cast<float>((std::bit_cast<std::uint32_t>(if_true) & mask) |
                                (std::bit_cast<std::uint32_t>(if_false) & ~mask));
}

// A per-neuron constant as the step loops read it: one value per neuron, or one value shared by the
// whole population and held in a register (the same arithmetic, a fraction of the memory traffic).
template <class T>
struct PerNeuron {
    const T* values;
    SPARK_INLINE T operator[](std::size_t i) const noexcept { return values[i]; }
};
template <class T>
struct Shared {
    T value;
    SPARK_INLINE T operator[](std::size_t) const noexcept { return value; }
};

// Calls body with every array as Shared (its first value) when `shared`, otherwise as PerNeuron: one
// step loop written once, instantiated for both.
template <class Body, class... T>
SPARK_INLINE void with_constants(bool shared, Body&& body, const T*... arrays) {
    if (shared) body(Shared<T>{arrays[0]}...);
    else body(PerNeuron<T>{arrays}...);
}

class RefractoryCounter {
public:
    static constexpr std::uint16_t saturated = std::numeric_limits<std::uint16_t>::max();
    // The longest cooldown [steps]: with r > c a neuron must still become ready below saturation.
    static constexpr std::uint16_t max_cooldown_steps = saturated - 1;

    // `cooldown` [ms], one value per neuron. Throws ConfigError (naming `where` and the field
    // "cooldown") when cooldown / dt rounds to more than max_cooldown_steps.
    void build(std::span<const float> cooldown, double dt, const ConfigWhere& where);
    void reset() noexcept { counter_ = cooldown_; }
    void visit(StateVisitor& v) { v("refractory", counter_, ValidRange{0, saturated}); }  // every count is valid

    std::uint16_t* counters() noexcept { return counter_.data(); }
    const std::uint16_t* cooldown_steps() const noexcept { return cooldown_.data(); }
    std::span<const std::uint16_t> values() const noexcept { return counter_; }
    // Whether every neuron has the same cooldown.
    bool uniform() const noexcept {
        return std::all_of(cooldown_.begin(), cooldown_.end(), [&](std::uint16_t c) { return c == cooldown_[0]; });
    }

    // r <- (1 - s)(r + 1), saturating.
    SPARK_INLINE static constexpr std::uint16_t advance(std::uint16_t r, bool spiked) noexcept {
        return spiked ? std::uint16_t{0} : static_cast<std::uint16_t>(r == saturated ? r : r + 1);
    }

private:
    std::vector<std::uint16_t> cooldown_;  // c [steps]
    std::vector<std::uint16_t> counter_;   // r [steps]
};

class AdaptiveThreshold {
public:
    // `theta` [mV, rest-relative], `tau` [ms] and `delta` [mV], one value per neuron.
    void build(std::span<const float> theta, std::span<const float> tau, std::span<const float> delta, double dt);
    void reset() noexcept { trace_ = base_; }
    void visit(StateVisitor& v) { v("threshold", trace_); }

    std::span<const float> values() const noexcept { return trace_; }

    // The arrays a soma's step loop reads: theta_t of neuron i is theta[i], compared first, then advanced.
    struct Arrays {
        float* theta;
        const float* base;
        const float* decay;
        const float* delta;

        // theta_t <- theta + d (theta_t - theta) + delta s, in the operation order of Tracer::step.
        SPARK_INLINE void advance(std::size_t i, bool spiked) const noexcept {
            theta[i] = base[i] + decay[i] * (theta[i] - base[i]) + choose(spiked, delta[i], 0.0f);
        }
    };
    Arrays arrays() noexcept { return {trace_.data(), base_.data(), decay_.data(), delta_.data()}; }

private:
    std::vector<float> trace_, base_, decay_, delta_;
};

// The parameter groups of the soma configs, each declared once and composed with Params<...>.

// Every soma: its population shape, optional (a neuron sets it on all its components).
struct SomaUnitsParams {
    SPARK_PARAMS(SomaUnitsParams);
    SPARK_PARAM(std::optional<Shape>, units, std::nullopt, "", none,
                "Population shape; checked against the input current when given.");
};

// The membrane of the leaky and exponential families: absolute potentials, stored relative to the
// rest potential (theta = V_th - V_rest, ...). Each family gives its own defaults.
struct MembraneDefaults {
    double rest, reset, tau, resistance, threshold;
};
template <MembraneDefaults defaults>
struct MembraneParams {
    SPARK_PARAMS(MembraneParams);
    SPARK_PARAM(Param, potential_rest, defaults.rest, "mV", none, "Membrane rest potential.");
    SPARK_PARAM(Param, potential_reset, defaults.reset, "mV", none, "Potential right after a spike.");
    SPARK_PARAM(Param, potential_tau, defaults.tau, "ms", positive, "Membrane time constant.");
    SPARK_PARAM(Param, resistance, defaults.resistance, "GOhm", none, "Membrane resistance.");
    SPARK_PARAM(Param, threshold, defaults.threshold, "mV", none,
                "Spike threshold: a spike is emitted when the potential exceeds it (the exponential models' "
                "numerical cut-off).");
};

// The refractory period (RefractoryCounter).
struct RefractoryParams {
    SPARK_PARAMS(RefractoryParams);
    SPARK_PARAM(Param, cooldown, 2.0, "ms", non_negative,
                "Refractory period after a spike (rounded half-to-even to whole steps).");
};

// When a spiking unit resets (CrossingReset): at the end of the step (Spark) or at the crossing.
struct CrossingResetParams {
    SPARK_PARAMS(CrossingResetParams);
    SPARK_PARAM(bool, reset_at_crossing, false, "", none,
                "Reset when the potential crosses the threshold within the step and integrate the rest of "
                "the step from the reset potential (the exact solution for a current held over the step, as "
                "NIR's reference; at most one crossing per step), instead of resetting at the end of the step "
                "(Spark).");
};

// The adaptive threshold (AdaptiveThreshold); its base is the membrane's threshold.
struct AdaptiveThresholdParams {
    SPARK_PARAMS(AdaptiveThresholdParams);
    SPARK_PARAM(Param, threshold_tau, 20.0, "ms", positive, "Decay time constant of the adaptive threshold.");
    SPARK_PARAM(Param, threshold_delta, 100.0, "mV", none, "Increase of the adaptive threshold at each spike.");
};

}  // namespace spark::components::somas
