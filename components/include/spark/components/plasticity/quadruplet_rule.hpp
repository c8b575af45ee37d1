#pragma once
// QuadrupletRule: modulated four-term rule (spec section 5.5, design decision 8: it builds and runs).
//
// Traces (Tracers with scale 1/tau, advanced before use): x with the KERNEL shape, fed the pre spikes
// (broadcast along post when synchronous), y (post shape):
//     x  <- e^{-dt/tau_pre} x + s_pre / tau_pre        y <- e^{-dt/tau_post} y + s_post / tau_post
//     dK = gamma (m + 0.1) (q_alpha s_pre + q_beta (y (x) s_pre) + q_gamma s_post + q_delta (s_post (x) x))
//     K  <- max(0, K + dt dK)
// s_pre is broadcast over post and s_post over pre; m is the `modulation` input: shape [1] (broadcast)
// or one value per post unit; +0.1 is the original's modulation baseline.
// Port fixes: the learning rate is the config field `gamma` (the original read a non-existent `eta`), and
// the time constants are parameters that build (one value, an array or an initializer).
// Draw order: pre_tau, post_tau.
// Event form: only the fired rows and the synapses where a spike arrived are computed, bit-identical to
// the dense form (plasticity_rule.hpp, TracePairRule::update_rows).
#include <spark/components/plasticity/plasticity_rule.hpp>

namespace spark::components::plasticity {

struct QuadrupletRuleConfig : Params<TracePairParams<PreTrace::kernel_shaped, 10.0>> {
    SPARK_PARAMS(QuadrupletRuleConfig);
    SPARK_PARAM(double, q_alpha, 1.0, "", none, "Weight of the presynaptic-spike term s_pre.");
    SPARK_PARAM(double, q_beta, 1.0, "", none, "Weight of the term y (x) s_pre.");
    SPARK_PARAM(double, q_gamma, 1.0, "", none, "Weight of the postsynaptic-spike term s_post.");
    SPARK_PARAM(double, q_delta, 1.0, "", none, "Weight of the term s_post (x) x.");
    SPARK_PARAM(double, gamma, 0.1, "", none, "Learning rate (the original's code read a missing `eta`).");
};

class QuadrupletRule : public TracePairRule<QuadrupletRule, QuadrupletRuleConfig, PreTrace::kernel_shaped> {
public:
    static constexpr ComponentIdentity identity{"quadruplet_rule", "QuadrupletRule", "plasticity",
        "Modulated four-term (quadruplet) plasticity rule."};
    static constexpr auto input_ports =
        modulated_inputs("modulation", "Modulation: FloatArray[1] (broadcast) or one value per post unit.");

    using TracePairRule::TracePairRule;

    void update(const RuleStep& s);
};

}  // namespace spark::components::plasticity
