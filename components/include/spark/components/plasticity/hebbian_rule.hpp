#pragma once
// HebbianRule: symmetric pair-based Hebbian potentiation (spec section 5.1).
//
// Traces x (pre shape) and y (post shape), Tracers with scale 1/tau, advanced before use:
//     x <- e^{-dt/tau_pre} x + s_pre / tau_pre        y <- e^{-dt/tau_post} y + s_post / tau_post
//     dK = eta (y (x) s_pre + s_post (x) x)           ((x) = outer product, post first)
//     K  <- max(0, K + dt dK)
// Purely potentiating: there is no depression term. Draw order: pre_tau, post_tau.
// Reference: Gerstner & Kistler, Spiking Neuron Models (2002), ch. 10 (pair-based Hebbian learning).
// Event form: only the fired rows and the synapses where a spike arrived are computed, bit-identical to
// the dense form (plasticity_rule.hpp, TracePairRule::update_rows).
#include <spark/components/plasticity/plasticity_rule.hpp>

namespace spark::components::plasticity {

struct HebbianRuleConfig : Params<TracePairParams<PreTrace::pre_shaped, 20.0>> {
    SPARK_PARAMS(HebbianRuleConfig);
    SPARK_PARAM(double, eta, 0.01, "", none, "Learning rate.");
};

class HebbianRule : public TracePairRule<HebbianRule, HebbianRuleConfig, PreTrace::pre_shaped> {
public:
    static constexpr ComponentIdentity identity{"hebbian_rule", "HebbianRule", "plasticity",
        "Symmetric pair-based Hebbian rule (potentiation only)."};
    static constexpr auto input_ports = plain_inputs;

    using TracePairRule::TracePairRule;

    void update(const RuleStep& s);
};

}  // namespace spark::components::plasticity
