#pragma once
// The exponential integrate-and-fire family (spec sections 2.5-2.8).
//
// All four share the EIF membrane, integrated with forward Euler, k = dt/tau, v = V - V_rest,
// theta = V_th - V_rest (the numerical spike cut-off), theta_rh = V_rh - V_rest (the rheobase, or soft,
// threshold), Delta_T the slope factor:
//     v <- v + k ( -v + Delta_T exp((v - theta_rh)/Delta_T) + R I )
//     s  = [v > theta] ;  v <- s v_reset + (1 - s) v
// Never NaN or inf: the exponential term is evaluated at min(v, theta), the cut-off in force. A spike
// resets v, so every trajectory that starts the step at or below the cut-off (every sub-threshold
// trajectory) is bit-identical to the plain formula; only a refractory or user-loaded v above the
// cut-off sees the clamp. The clamp potential is also capped where the term reaches 1e30 mV (far
// beyond any cut-off of a sensible config), so a very high (adaptive) threshold cannot overflow it.
// Parameters are materialised in the order rest, reset, tau, resistance, threshold, rheobase_threshold,
// spike_slope, then each model's own (Spark's draw order).
// References: Fourcaud-Trocme, Hansel, van Vreeswijk & Brunel, J. Neurosci. 23:11628 (2003);
// Brette & Gerstner, J. Neurophysiol. 94:3637 (2005); Neuronal Dynamics (2014) ch. 5.2 and 6.1.
#include <algorithm>
#include <cmath>

#include <spark/components/somas/soma.hpp>
#include <spark/components/somas/soma_parts.hpp>

namespace spark::components::somas {

inline constexpr MembraneDefaults exponential_membrane{
    .rest = -70.0, .reset = -51.0, .tau = 5.0, .resistance = 0.5, .threshold = -30.0};

// The exponential spike onset every exponential soma has.
struct SpikeOnsetParams {
    SPARK_PARAMS(SpikeOnsetParams);
    SPARK_PARAM(Param, rheobase_threshold, -50.0, "mV", none,
                "Rheobase (soft) threshold V_rh, where the exponential term takes over.");
    SPARK_PARAM(Param, spike_slope, 2.0, "mV", positive,
                "Slope factor Delta_T of the exponential term (sharpness of the spike onset).");
};

struct ExponentialSomaConfig : Params<SomaUnitsParams, MembraneParams<exponential_membrane>, SpikeOnsetParams> {};
struct RefractoryExponentialSomaConfig
    : Params<SomaUnitsParams, MembraneParams<exponential_membrane>, SpikeOnsetParams, RefractoryParams> {};
// The subthreshold and spike-triggered adaptation current of AdEx.
struct AdaptiveExponentialSomaConfig
    : Params<SomaUnitsParams, MembraneParams<exponential_membrane>, SpikeOnsetParams> {
    SPARK_PARAMS(AdaptiveExponentialSomaConfig);
    SPARK_PARAM(Param, adaptation_tau, 100.0, "ms", positive, "Time constant tau_w of the adaptation current.");
    SPARK_PARAM(Param, adaptation_delta, 7.0, "pA", none, "Spike-triggered increase b of the adaptation current.");
    SPARK_PARAM(Param, adaptation_subthreshold, 0.5, "nS", none, "Subthreshold adaptation conductance a.");
};
// The membrane's threshold (the spike cut-off) is the base of the adaptive threshold.
struct SimplifiedAdaptiveExponentialSomaConfig
    : Params<SomaUnitsParams, MembraneParams<exponential_membrane>, SpikeOnsetParams, RefractoryParams,
             AdaptiveThresholdParams> {};

// The membrane constants every exponential soma shares, materialised in the draw order
// rest, reset, tau, resistance, threshold, rheobase_threshold, spike_slope.
template <class Derived, class ConfigT>
class ExponentialFamily : public Soma<Derived, ConfigT> {
    using Base = Soma<Derived, ConfigT>;

public:
    using Base::Base;

    // The largest value of the exponential term Delta_T exp(...) [mV] that the clamp lets through.
    static constexpr double max_exponential_term = 1e30;

protected:
    void build_membrane(const BuildContext& ctx, const Shape& units) {
        const auto [rest, reset, tau, resistance, threshold] = this->draw_membrane(ctx, units);
        const auto rheobase = this->materialize(this->config_.rheobase_threshold, units, ctx);
        const auto slope = this->materialize(this->config_.spike_slope, units, ctx);
        const std::size_t n = units.size();
        rate_.resize(n);
        resistance_ = resistance;
        threshold_.resize(n);
        rheobase_.resize(n);
        slope_ = slope;
        reset_.resize(n);
        exponent_cap_.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            rate_[i] = static_cast<float>(ctx.dt / static_cast<double>(tau[i]));
            threshold_[i] = threshold[i] - rest[i];
            rheobase_[i] = rheobase[i] - rest[i];
            reset_[i] = reset[i] - rest[i];
            const double delta_t = slope[i];
            exponent_cap_[i] = static_cast<float>(rheobase_[i] + delta_t * std::log(max_exponential_term / delta_t));
        }
    }

    std::vector<float> rate_;          // k = dt/tau
    std::vector<float> resistance_;    // R [GOhm]
    std::vector<float> threshold_;     // theta = V_th - V_rest [mV]
    std::vector<float> rheobase_;      // theta_rh = V_rh - V_rest [mV]
    std::vector<float> slope_;         // Delta_T [mV]
    std::vector<float> reset_;         // v_reset = V_reset - V_rest [mV]
    std::vector<float> exponent_cap_;  // v where Delta_T exp((v - theta_rh)/Delta_T) = max_exponential_term [mV]
};

// ExponentialSoma (spec 2.5): the plain EIF above. State: potential.
class ExponentialSoma : public ExponentialFamily<ExponentialSoma, ExponentialSomaConfig> {
public:
    static constexpr ComponentIdentity identity{"exponential_soma", "ExponentialSoma", "soma",
        "Exponential integrate-and-fire soma."};

    using ExponentialFamily::ExponentialFamily;

    void build_model(const BuildContext& ctx, const Shape& units) { build_membrane(ctx, units); }
    void update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept;
    void reset_model() noexcept {}
    void visit_model(StateVisitor&) {}
};

// RefractoryExponentialSoma (spec 2.6): only the input is gated while refractory.
//     ready = [r > c]
//     v <- v + k ( -v + Delta_T exp((v - theta_rh)/Delta_T) + ready R I )
//     s  = [v > theta] and ready ;  v reset ;  r <- (1 - s)(r + 1)  (saturating, kept uint16 on reset)
// State: potential, refractory (uint16).
class RefractoryExponentialSoma
    : public WithRefractory<ExponentialFamily<RefractoryExponentialSoma, RefractoryExponentialSomaConfig>> {
public:
    static constexpr ComponentIdentity identity{"refractory_exponential_soma", "RefractoryExponentialSoma", "soma",
        "Exponential integrate-and-fire soma with a refractory period."};

    using WithRefractory::WithRefractory;

    void update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept;
};

// AdaptiveExponentialSoma (spec 2.7, AdEx; no refractory period), with the adaptation current w [pA]:
//     v <- v + k ( -v + Delta_T exp((v - theta_rh)/Delta_T) - R w + R I )
//     s  = [v > theta] ;  v <- s v_reset + (1 - s) v
//     w <- w + (dt/tau_w)( -w + a v ) + b s          (v AFTER the reset; a v = a (V - E_L))
// Parameters drawn after the membrane's: adaptation_delta b, adaptation_subthreshold a, adaptation_tau.
// State: potential, adaptation (w, starts and resets at 0).
class AdaptiveExponentialSoma : public ExponentialFamily<AdaptiveExponentialSoma, AdaptiveExponentialSomaConfig> {
public:
    static constexpr ComponentIdentity identity{"adaptive_exponential_soma", "AdaptiveExponentialSoma", "soma",
        "Adaptive exponential integrate-and-fire (AdEx) soma."};

    using ExponentialFamily::ExponentialFamily;

    void build_model(const BuildContext& ctx, const Shape& units);
    void update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept;
    void reset_model() noexcept { std::fill(adaptation_.begin(), adaptation_.end(), 0.0f); }
    void visit_model(StateVisitor& v) { v("adaptation", adaptation_); }

    std::span<const float> adaptation_values() const noexcept { return adaptation_; }

private:
    std::vector<float> adaptation_;       // w [pA]
    std::vector<float> adaptation_rate_;  // dt/tau_w
    std::vector<float> subthreshold_;     // a [nS]
    std::vector<float> spike_increment_;  // b [pA]
};

// SimplifiedAdaptiveExponentialSoma (spec 2.8): RefractoryExponentialSoma whose cut-off theta is the
// AdaptiveThreshold theta_t (base theta, tau threshold_tau, scale threshold_delta); no subthreshold
// adaptation. The exponential term is clamped at min(v, theta_t); s = [v > theta_t] and ready; then
//     theta_{t+1} = theta + exp(-dt/tau_theta) (theta_t - theta) + delta s
// State: potential, refractory (uint16), threshold (theta_t, rest-relative [mV]).
class SimplifiedAdaptiveExponentialSoma
    : public WithAdaptiveThreshold<
          ExponentialFamily<SimplifiedAdaptiveExponentialSoma, SimplifiedAdaptiveExponentialSomaConfig>> {
public:
    static constexpr ComponentIdentity identity{"simplified_adaptive_exponential_soma", "SimplifiedAdaptiveExponentialSoma", "soma",
        "Refractory exponential integrate-and-fire soma with a spike-triggered adaptive threshold."};

    using WithAdaptiveThreshold::WithAdaptiveThreshold;

    void update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept;
};

}  // namespace spark::components::somas
