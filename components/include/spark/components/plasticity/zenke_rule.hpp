#pragma once
// ZenkeRule: triplet STDP with heterosynaptic and transmitter-induced terms (spec section 5.3).
//
// Traces (Tracers with scale 1/tau, advanced before use): x (pre shape), y and y_slow (post shape),
// z (kernel shape, the consolidation "target"). Per step, in order:
//     x <- e^{-dt/tau_pre} x + s_pre / tau_pre;  y <- ... s_post / tau_post;  y_slow <- ... s_post / tau_slow
//     delta = K - p z (1/4 - z) (1/2 - z)                      (z before this step's update)
//     z <- e^{-dt/tau_z} z + delta / tau_z
//     A  = a ((y_slow . s_post) (x) x)                         triplet LTP (y_slow includes this spike)
//     Bt = b (y (x) s_pre)                                     doublet LTD (b < 0)
//     C  = c ((K - z) . (y^3 . s_post))                        heterosynaptic (z after the update)
//     D  = d s_pre                                             transmitter-induced (broadcast over post)
//     dK = eta (A + Bt + C + D);  K <- max(0, K + dt dK)
// Draw order: pre_tau, post_tau, post_slow_tau, target_tau.
// Reference: Zenke, Agnes & Gerstner, "Diverse synaptic plasticity mechanisms orchestrated to form and
// retrieve memories in spiking neural networks", Nat. Commun. 6 (2015).
// Dense by definition: the target trace z follows K at every synapse every step, and the heterosynaptic
// term C acts on every synapse of a fired row; there is no event form (plasticity_rule.hpp).
#include <spark/components/plasticity/plasticity_rule.hpp>

namespace spark::components::plasticity {

struct ZenkeRuleConfig : Params<TracePairParams<PreTrace::pre_shaped, 20.0>> {
    SPARK_PARAMS(ZenkeRuleConfig);
    SPARK_PARAM(Param, post_slow_tau, 20.0, "ms", positive, "Slow postsynaptic trace time constant (triplet term).");
    SPARK_PARAM(Param, target_tau, 20000.0, "ms", positive,
                "Time constant of the kernel-shaped consolidation trace z.");
    SPARK_PARAM(double, a, 1.0, "", none, "Triplet LTP amplitude.");
    SPARK_PARAM(double, b, -1.0, "", none, "Doublet LTD amplitude (negative for depression).");
    SPARK_PARAM(double, c, -1.0, "", none, "Heterosynaptic amplitude (negative: pulls K towards z).");
    SPARK_PARAM(double, d, 1.0, "", none, "Transmitter-induced amplitude (per presynaptic spike).");
    SPARK_PARAM(double, p, 20.0, "", none, "Strength of the consolidation cubic p z (1/4 - z)(1/2 - z).");
    SPARK_PARAM(double, eta, 0.1, "", none, "Learning rate.");
};

class ZenkeRule : public TracePairRule<ZenkeRule, ZenkeRuleConfig, PreTrace::pre_shaped> {
public:
    static constexpr ComponentIdentity identity{"zenke_rule", "ZenkeRule", "plasticity",
        "Triplet STDP with heterosynaptic and transmitter-induced plasticity (Zenke et al. 2015)."};
    static constexpr auto input_ports = plain_inputs;
    static constexpr bool dense_only = true;  // reads x as an array (every synapse changes every step)

    using TracePairRule::TracePairRule;

    void build_rule(const BuildContext& ctx, const RuleLayout& layout);
    void update(const RuleStep& s);
    void reset_rule() noexcept;
    void visit_rule(StateVisitor& v);

    std::span<const float> post_slow_trace() const noexcept { return post_slow_trace_.trace(); }
    std::span<const float> target_trace() const noexcept { return target_trace_.trace(); }

private:
    Tracer post_slow_trace_, target_trace_;  // beside the pair's pre_trace_ and post_trace_
    std::vector<float> target_input_;       // scratch: this step's delta
};

}  // namespace spark::components::plasticity
