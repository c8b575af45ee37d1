#pragma once
// LeakySoma: leaky integrate-and-fire (spec section 2.1).
//
// With alpha = exp(-dt/tau), gamma = 1 - alpha, theta = V_th - V_rest, v_reset = V_reset - V_rest,
// every step (exact integration for a current constant over the step):
//     v <- alpha v + gamma R I          (R I in mV: 1 GOhm x 1 pA = 1 mV)
//     s  = [v > theta]
//     v <- s v_reset + (1 - s) v
// Reference: Gerstner, Kistler, Naud & Paninski, Neuronal Dynamics (2014), ch. 1.3.
#include <boost/hana/adapt_struct.hpp>

#include <spark/components/somas/soma.hpp>

namespace spark::components::somas {

struct LeakySomaConfig {
    std::optional<Shape> units;   // population shape (optional; set by a neuron)
    Param potential_rest = -60.0;  // [mV]
    Param potential_reset = -50.0; // [mV]
    Param potential_tau = 20.0;    // [ms]
    Param resistance = 0.1;        // [GOhm]
    Param threshold = -40.0;       // [mV]

    static constexpr FieldMeta meta[] = {
        {"units", "", Bound::none, "Population shape; checked against the input current when given."},
        {"potential_rest", "mV", Bound::none, "Membrane rest potential."},
        {"potential_reset", "mV", Bound::none, "Potential right after a spike."},
        {"potential_tau", "ms", Bound::positive, "Membrane time constant."},
        {"resistance", "GOhm", Bound::none, "Membrane resistance."},
        {"threshold", "mV", Bound::none, "Spike threshold."},
    };
};

class LeakySoma : public Soma<LeakySoma, LeakySomaConfig> {
public:
    static constexpr std::string_view type_name = "leaky_soma";
    static constexpr std::string_view class_name_v = "LeakySoma";
    static constexpr std::string_view description = "Leaky integrate-and-fire soma.";

    using Soma::Soma;

    void build_model(const BuildContext& ctx, const Shape& units);
    void update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked) noexcept;
    void reset_model() noexcept {}
    void visit_model(StateVisitor&) {}

private:
    std::vector<float> decay_, gain_resistance_, threshold_, reset_;
};

}  // namespace spark::components::somas

BOOST_HANA_ADAPT_STRUCT(spark::components::somas::LeakySomaConfig, units, potential_rest, potential_reset,
                        potential_tau, resistance, threshold);
