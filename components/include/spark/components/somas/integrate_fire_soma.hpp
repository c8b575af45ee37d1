#pragma once
// IntegrateFireSoma: the integrate-and-fire soma without leak (NIR IF).
//
//     dv/dt = R I ;   s = [v > theta] ;   v <- v_reset where s
// integrated exactly for a current I constant over the step (as every soma assumes):
//     v <- v + dt R I ;   s = [v > theta] (strict) ;   v <- s v_reset + (1 - s) v
// There is no rest potential: v is stored as it is (starting at 0 mV), and theta, v_reset are
// potentials on the same scale. R has units mV/(pA ms) (an inverse capacitance: 1 mV/(pA ms) is 1/pF).
// A spike arriving through a map (Affine, Scale) is a current held for one step, so it raises v by
// dt R w: the response to a pulse of area dt.
// With reset_at_crossing the reset happens at the crossing within the step (CrossingReset,
// soma_parts.hpp): v <- s (v_reset + v_i - max(theta, v)) + (1 - s) v_i, a reset by subtraction.
// Reference: Lapicque (1907); Gerstner, Kistler, Naud & Paninski, Neuronal Dynamics (2014), ch. 1.3.
#include <spark/components/somas/soma.hpp>
#include <spark/components/somas/soma_parts.hpp>

namespace spark::components::somas {

struct IntegrateFireSomaConfig : Params<SomaUnitsParams, CrossingResetParams> {
    SPARK_PARAMS(IntegrateFireSomaConfig);
    SPARK_PARAM(Param, resistance, 0.01, "mV/(pA ms)", none,
                "Gain R of dv/dt = R I (the inverse membrane capacitance).");
    SPARK_PARAM(Param, threshold, 20.0, "mV", none, "Spike threshold theta.");
    SPARK_PARAM(Param, potential_reset, 0.0, "mV", none, "Potential right after a spike.");
};

class IntegrateFireSoma : public Soma<IntegrateFireSoma, IntegrateFireSomaConfig> {
public:
    static constexpr ComponentIdentity identity{"integrate_fire_soma", "IntegrateFireSoma", "soma",
        "Integrate-and-fire soma without leak (NIR IF)."};

    using Soma::Soma;

    void build_model(const BuildContext& ctx, const Shape& units);
    void update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept;
    void reset_model() noexcept {}
    void visit_model(StateVisitor&) {}

private:
    std::vector<float> gain_;       // dt R
    std::vector<float> threshold_;  // theta [mV]
    std::vector<float> reset_;      // v_reset [mV]
    bool reset_at_crossing_ = false;
};

}  // namespace spark::components::somas
