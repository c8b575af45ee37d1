#pragma once
// The leaky integrate-and-fire family (spec sections 2.1-2.4).
//
// All four share the exactly integrated leaky membrane (for a current constant over the step), with
// alpha = exp(-dt/tau), gamma = 1 - alpha, theta = V_th - V_rest, v_reset = V_reset - V_rest and
// v = V - V_rest (the stored potential starts at 0):
//     v <- alpha v + gamma R I          (R I in mV: 1 GOhm x 1 pA = 1 mV)
//     s  = [v > theta]                  (strict)
//     v <- s v_reset + (1 - s) v
// The refractory variants add the RefractoryCounter r of soma_parts.hpp (cooldown c steps) and the
// adaptive variant the AdaptiveThreshold theta_t; each class below gives its exact step.
// Parameters are materialised in the order rest, reset, tau, resistance, threshold, then cooldown,
// then threshold_tau, threshold_delta (Spark's draw order).
// Reference: Gerstner, Kistler, Naud & Paninski, Neuronal Dynamics (2014), ch. 1.3 and 6.1.
#include <algorithm>
#include <cmath>

#include <spark/components/somas/soma.hpp>
#include <spark/components/somas/soma_parts.hpp>

namespace spark::components::somas {

inline constexpr MembraneDefaults leaky_membrane{
    .rest = -60.0, .reset = -50.0, .tau = 20.0, .resistance = 0.1, .threshold = -40.0};

struct LeakySomaConfig : Params<SomaUnitsParams, MembraneParams<leaky_membrane>, CrossingResetParams> {};
// RefractoryLeakySoma and StrictRefractoryLeakySoma.
struct RefractoryLeakySomaConfig : Params<SomaUnitsParams, MembraneParams<leaky_membrane>, RefractoryParams> {};
using StrictRefractoryLeakySomaConfig = RefractoryLeakySomaConfig;
// The membrane's threshold is the base of the adaptive threshold.
struct AdaptiveLeakySomaConfig
    : Params<SomaUnitsParams, MembraneParams<leaky_membrane>, RefractoryParams, AdaptiveThresholdParams> {};

// The membrane constants every leaky soma shares, materialised in the draw order
// rest, reset, tau, resistance, threshold.
template <class Derived, class ConfigT>
class LeakyFamily : public Soma<Derived, ConfigT> {
    using Base = Soma<Derived, ConfigT>;

public:
    using Base::Base;

protected:
    // Returns the resistance R as drawn (gamma R is what the step reads).
    std::vector<float> build_membrane(const BuildContext& ctx, const Shape& units) {
        auto [rest, reset, tau, resistance, threshold] = this->draw_membrane(ctx, units);
        const std::size_t n = units.size();
        decay_.resize(n);
        gain_resistance_.resize(n);
        threshold_.resize(n);
        reset_.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            decay_[i] = static_cast<float>(std::exp(-ctx.dt / static_cast<double>(tau[i])));
            gain_resistance_[i] = (1.0f - decay_[i]) * resistance[i];  // (gamma R) I, as the original evaluates it
            threshold_[i] = threshold[i] - rest[i];
            reset_[i] = reset[i] - rest[i];
        }
        auto constant = [](const std::vector<float>& v) {
            return std::all_of(v.begin(), v.end(), [&](float x) { return x == v[0]; });
        };
        uniform_ = constant(decay_) && constant(gain_resistance_) && constant(threshold_) && constant(reset_);
        return std::move(resistance);
    }

    // The step loop of the refractory variants: `Step` (their one-neuron step, leaky_soma.cpp) per neuron,
    // reading the membrane and cooldown constants as scalars when the whole population shares them.
    template <auto Step>
    void update_refractory(RefractoryCounter& refractory, bool uniform_cooldown, std::size_t begin, std::size_t end,
                           const float* input, std::uint8_t* spiked) noexcept;

    std::vector<float> decay_;            // alpha = exp(-dt/tau)
    std::vector<float> gain_resistance_;  // gamma R [GOhm]
    std::vector<float> threshold_;        // theta = V_th - V_rest [mV]
    std::vector<float> reset_;            // v_reset = V_reset - V_rest [mV]
    // Every membrane constant has one value for the whole population: the step loops then read four
    // scalars instead of four arrays (the same arithmetic, a third of the memory traffic).
    bool uniform_ = false;
};

// LeakySoma (spec 2.1): the plain LIF above; with reset_at_crossing, the reset of CrossingReset
// (soma_parts.hpp) instead: v <- s (v_inf + (v_reset - v_inf) f) + (1 - s) v.
class LeakySoma : public LeakyFamily<LeakySoma, LeakySomaConfig> {
public:
    static constexpr ComponentIdentity identity{"leaky_soma", "LeakySoma", "soma", "Leaky integrate-and-fire soma."};

    using LeakyFamily::LeakyFamily;

    void build_model(const BuildContext& ctx, const Shape& units) {
        auto resistance = build_membrane(ctx, units);
        if (config_.reset_at_crossing) resistance_ = std::move(resistance);
        else resistance_.clear();
    }
    void update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept;
    void reset_model() noexcept {}
    void visit_model(StateVisitor&) {}

private:
    void update_reset_at_crossing(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept;

    std::vector<float> resistance_;  // R [GOhm], kept only for reset_at_crossing (v_inf = R I)
};

// RefractoryLeakySoma (spec 2.2): the input is gated while refractory, the leak continues.
//     ready = [r > c]                       (not ready on the first step after build or reset)
//     v <- alpha v + ready gamma R I
//     s  = [v > theta] and ready ;  v <- s v_reset + (1 - s) v ;  r <- (1 - s)(r + 1)  (saturating)
// After a spike the unit ignores its input for c + 1 steps: at most one spike every c + 2 steps.
// State: potential, refractory (uint16).
class RefractoryLeakySoma : public WithRefractory<LeakyFamily<RefractoryLeakySoma, RefractoryLeakySomaConfig>> {
public:
    static constexpr ComponentIdentity identity{"refractory_leaky_soma", "RefractoryLeakySoma", "soma",
        "Leaky integrate-and-fire soma with a refractory period."};

    using WithRefractory::WithRefractory;

    void update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept;
};

// StrictRefractoryLeakySoma (spec 2.3): the membrane is clamped at v_reset while refractory.
//     ready = [r >= c]                      (ready on the first step after build or reset)
//     v <- ready (alpha v + gamma R I) + (1 - ready) v_reset
//     s  = [v > theta] and ready ;  v <- s v_reset + (1 - s) v ;  r <- (1 - s)(r + 1)  (saturating)
// After a spike v is held at v_reset for exactly c steps: at most one spike every c + 1 steps.
// State: potential, refractory (uint16).
class StrictRefractoryLeakySoma
    : public WithRefractory<LeakyFamily<StrictRefractoryLeakySoma, StrictRefractoryLeakySomaConfig>> {
public:
    static constexpr ComponentIdentity identity{"strict_refractory_leaky_soma", "StrictRefractoryLeakySoma", "soma",
        "Leaky integrate-and-fire soma whose membrane is clamped at the reset potential while refractory."};

    using WithRefractory::WithRefractory;

    void update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept;
};

// AdaptiveLeakySoma (spec 2.4): RefractoryLeakySoma whose constant theta is replaced by the
// AdaptiveThreshold theta_t (base theta, tau threshold_tau, scale threshold_delta):
//     ready, v update, s = [v > theta_t] and ready, v reset, r update   exactly as RefractoryLeakySoma
//     theta_{t+1} = theta + exp(-dt/tau_theta) (theta_t - theta) + delta s     (after the comparison)
// State: potential, refractory (uint16), threshold (theta_t, rest-relative [mV]).
class AdaptiveLeakySoma : public WithAdaptiveThreshold<LeakyFamily<AdaptiveLeakySoma, AdaptiveLeakySomaConfig>> {
public:
    static constexpr ComponentIdentity identity{"adaptive_leaky_soma", "AdaptiveLeakySoma", "soma",
        "Refractory leaky integrate-and-fire soma with a spike-triggered adaptive threshold."};

    using WithAdaptiveThreshold::WithAdaptiveThreshold;

    void update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept;
};

}  // namespace spark::components::somas
