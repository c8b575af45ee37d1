#pragma once
// ThreeFactorHebbianRule: reward-modulated pair-based Hebbian rule (spec section 5.4).
//
// Traces (Tracers with scale 1/tau, advanced before use): x with the KERNEL shape, fed the pre spikes
// (broadcast along post for synchronous input, per synapse for per-synapse input), y (post shape):
//     x  <- e^{-dt/tau_pre} x + s_pre / tau_pre        y <- e^{-dt/tau_post} y + s_post / tau_post
//     dK = gamma (r + 0.1) (y (x) s_pre + s_post (x) x)   (the original's +0.1 reward baseline)
//     K  <- max(0, K + dt dK)
// r is the `reward` input: shape [1] (one reward for every synapse) or one value per post unit.
// Port fix: the original's einsum for synchronous pre spikes was ill-shaped with the kernel-shaped x, so
// it only ran with per-synapse (N2N-delayed) input; here both work. Draw order: pre_tau, post_tau.
// Reference: Fremaux & Gerstner, "Neuromodulated STDP and theory of three-factor learning rules",
// Front. Neural Circuits 9 (2016).
// Event form: only the fired rows and the synapses where a spike arrived are computed, bit-identical to
// the dense form (plasticity_rule.hpp, TracePairRule::update_rows).
#include <spark/components/plasticity/plasticity_rule.hpp>

namespace spark::components::plasticity {

struct ThreeFactorHebbianRuleConfig : Params<TracePairParams<PreTrace::kernel_shaped, 10.0>> {
    SPARK_PARAMS(ThreeFactorHebbianRuleConfig);
    SPARK_PARAM(double, gamma, 0.1, "", none, "Learning rate.");
};

class ThreeFactorHebbianRule : public TracePairRule<ThreeFactorHebbianRule, ThreeFactorHebbianRuleConfig, PreTrace::kernel_shaped> {
public:
    static constexpr ComponentIdentity identity{"three_factor_hebbian_rule", "ThreeFactorHebbianRule", "plasticity",
        "Reward-modulated pair-based Hebbian rule."};
    static constexpr auto input_ports =
        modulated_inputs("reward", "Reward: FloatArray[1] (broadcast) or one value per post unit.");

    using TracePairRule::TracePairRule;

    void update(const RuleStep& s);
};

}  // namespace spark::components::plasticity
