#pragma once
// IzhikevichSoma (spec section 2.9, as fixed by design decision 1).
//
// The 2003 model on the absolute potential x = V = v + V_rest (v is the stored, rest-relative potential),
// integrated with forward Euler, in this order:
//     x  = v + V_rest
//     v <- v + dt ( 0.04 x^2 + 5 x + 140 - u + R I )
//     u <- u + dt a ( b (v + V_rest) - u )           (uses the already-updated v)
//     s  = [v > theta] ;  v <- s (c - V_rest) + (1 - s) v ;  u <- u + d s
// with theta = V_th - V_rest (V_th = 30 mV, the spike peak), c = potential_reset. R scales the input
// current only, and u starts and resets at b V_rest. (Spark fed x = v - c to the quadratic, let R scale u
// too and started u at 0, which makes the neuron fire on every step; see spec 2.9 and section 13 item 10.)
// The constants 0.04 [1/(mV ms)], 5 [1/ms] and 140 [mV/ms] are those of the paper: potentials in mV, time in ms.
// Parameters are materialised in the order rest, reset, d, a, b, resistance, threshold (Spark's draw order).
// State: potential (v), recovery (u).
// Reference: E. M. Izhikevich, Simple model of spiking neurons, IEEE Trans. Neural Netw. 14:1569 (2003).
#include <spark/components/somas/soma.hpp>
#include <spark/components/somas/soma_parts.hpp>

namespace spark::components::somas {

struct IzhikevichSomaConfig : Params<SomaUnitsParams> {
    SPARK_PARAMS(IzhikevichSomaConfig);
    SPARK_PARAM(Param, potential_rest, -65.0, "mV", none, "Membrane rest potential.");
    SPARK_PARAM(Param, potential_reset, -65.0, "mV", none, "Reset potential c after a spike.");
    SPARK_PARAM(Param, resistance, 0.1, "GOhm", none, "Scales the input current: R I enters dv/dt in mV/ms.");
    SPARK_PARAM(Param, threshold, 30.0, "mV", none,
                "Spike peak V_th: a spike is emitted when the potential exceeds it.");
    SPARK_PARAM(Param, recovery_timescale, 0.02, "1/ms", positive, "Rate a of the recovery variable.");
    SPARK_PARAM(Param, recovery_sensitivity, 0.2, "1/ms", none,
                "Sensitivity b of the recovery variable to the potential.");
    SPARK_PARAM(Param, recovery_update, 2.0, "mV/ms", none, "Spike-triggered increase d of the recovery variable.");
};

class IzhikevichSoma : public Soma<IzhikevichSoma, IzhikevichSomaConfig> {
public:
    static constexpr ComponentIdentity identity{"izhikevich_soma", "IzhikevichSoma", "soma",
        "Izhikevich (2003) quadratic soma with a recovery variable."};

    using Soma::Soma;

    void build_model(const BuildContext& ctx, const Shape& units);
    void update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept;
    void reset_model() noexcept { recovery_ = recovery_initial_; }
    void visit_model(StateVisitor& v) { v("recovery", recovery_); }

    std::span<const float> recovery_values() const noexcept { return recovery_; }

private:
    float dt_ = 1.0f;                      // [ms]
    std::vector<float> rest_;              // V_rest [mV]
    std::vector<float> reset_;             // c - V_rest [mV]
    std::vector<float> threshold_;         // theta = V_th - V_rest [mV]
    std::vector<float> resistance_;        // R [GOhm]
    std::vector<float> timescale_;         // a [1/ms]
    std::vector<float> sensitivity_;       // b [1/ms]
    std::vector<float> increment_;         // d [mV/ms]
    std::vector<float> recovery_;          // u [mV/ms]
    std::vector<float> recovery_initial_;  // b V_rest [mV/ms]
};

}  // namespace spark::components::somas
