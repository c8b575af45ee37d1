#pragma once
// OjaRule: Hebbian growth with Oja's normalising decay (spec section 5.2).
//
// Post trace y (post shape), a Tracer with scale 1/tau, advanced before use:
//     y  <- e^{-dt/tau_post} y + s_post / tau_post
//     dK = eta (y (x) s_pre - K . y^2)           (y^2 broadcast over the pre axes)
//     K  <- max(0, K + dt dK)
// Draw order: post_tau.
// Reference: E. Oja, "A simplified neuron model as a principal component analyzer", J. Math. Biol. 15 (1982).
// Dense by definition: the decay term K y^2 changes every weight of a row whenever y != 0, so every
// synapse changes every step; there is no event form (plasticity_rule.hpp).
#include <spark/components/plasticity/plasticity_rule.hpp>

namespace spark::components::plasticity {

struct OjaRuleConfig {
    SPARK_PARAMS(OjaRuleConfig);
    SPARK_PARAM(Param, post_tau, 20.0, "ms", positive,
                "Postsynaptic trace time constant (one value, or one per post unit).");
    SPARK_PARAM(double, eta, 0.1, "", none, "Learning rate.");
};

class OjaRule : public PlasticityRule<OjaRule, OjaRuleConfig> {
public:
    static constexpr ComponentIdentity identity{"oja_rule", "OjaRule", "plasticity",
        "Oja's rule: Hebbian growth with a weight decay of y^2 K."};
    static constexpr auto input_ports = plain_inputs;

    using PlasticityRule::PlasticityRule;

    void build_rule(const BuildContext& ctx, const RuleLayout& layout);
    void update(const RuleStep& s);
    void reset_rule() noexcept { post_trace_.reset(); }
    void visit_rule(StateVisitor& v) { post_trace_.visit_state(v, "post_trace"); }

    std::span<const float> post_trace() const noexcept { return post_trace_.trace(); }

private:
    Tracer post_trace_;
    std::vector<float> post_input_;  // this step's post spikes as 0/1 (scratch)
};

}  // namespace spark::components::plasticity
