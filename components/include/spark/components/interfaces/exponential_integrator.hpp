#pragma once
// ExponentialIntegrator: output interface, spikes -> K signals (spec section 7.2).
//
// Input `spikes` (SpikeArray, any shape, n_in elements, flattened); output `signal` (FloatArray [K],
// K = num_outputs). Build: each input element j is assigned to an output map[j]:
//     base = n_in // K,  rem = n_in % K,  counts = [base + 1] * rem + [base] * (K - rem)
//     map  = output_map if given, else repeat(arange(K), counts) (contiguous groups), then, if shuffle,
//            permuted by a Fisher-Yates shuffle drawn from the node's stream (j = n-1 .. 1, swap with
//            below(j + 1)). An explicit output_map is used as given (never shuffled); its group sizes
//            are then the counts.
// Per step, with c_k = sum over j with map[j] = k of the spike bit s_j (unsigned: inhibitory spikes count +1):
//     smooth_trace = false:  out = Tracer(tau, scale_k)(c),   scale_k = (1000/f_sat) / (dt tau counts_k)
//                            (steady state about 1 when every unit of group k fires at f_sat, dt = 1 ms;
//                            exactly scale_k c / (1 - e^{-dt/tau}) for a constant c)
//     smooth_trace = true:   out = RDTracer(tau_rise = tau, tau_decay = 10 ms, scale_rise = scale_k,
//                            scale_decay = 1/10)(c) = decay trace - rise trace, with the coupled rise
//                            constant tau' = 10 tau / (tau + 10). Spark's literal (unnormalised) form,
//                            spec quirk 17; reproduced.
// Every output needs at least one input: n_in < K is a ShapeError, an output_map that leaves an output
// without inputs a ConfigError.
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include <spark/core/component_base.hpp>
#include <spark/core/tracer.hpp>

namespace spark::components::interfaces {

struct ExponentialIntegratorConfig {
    SPARK_PARAMS(ExponentialIntegratorConfig);
    SPARK_REQUIRED_PARAM(std::size_t, num_outputs, "", positive, "Number of output signals K (> 0).");
    SPARK_PARAM(double, saturation_freq, 50.0, "Hz", positive, "Per-unit rate that drives an output to about 1.");
    SPARK_PARAM(double, tau, 5.0, "ms", positive, "Trace time constant (the rise constant in smooth mode).");
    SPARK_PARAM(std::optional<std::vector<std::size_t>>, output_map, std::nullopt, "", none,
                "Output index (< num_outputs) of each flattened input; default: groups.");
    SPARK_PARAM(bool, shuffle, true, "", none, "Randomly permute the default contiguous groups (node stream).");
    SPARK_PARAM(bool, smooth_trace, true, "", none, "Rise-decay trace (true) or single exponential trace (false).");
};

class ExponentialIntegrator : public ComponentBase<ExponentialIntegrator, ExponentialIntegratorConfig> {
public:
    static constexpr ComponentIdentity identity{"exponential_integrator", "ExponentialIntegrator", "interface",
        "Groups of spiking units -> exponentially traced rate signals."};
    enum Input : std::size_t { spikes };
    enum Output : std::size_t { signal };
    static constexpr std::array input_ports{PortDecl{"spikes", PayloadKind::spikes, "Spikes to integrate."}};
    static constexpr std::array output_ports{
        PortDecl{"signal", PayloadKind::floating, "One traced rate per output group."}};
    static constexpr std::array<PortDecl, 0> property_ports{};

    // Throws ConfigError for num_outputs = 0 and for output_map entries >= num_outputs.
    ExponentialIntegrator(Config config, std::string instance);

    std::optional<BuildResult> contract() const override {
        return BuildResult{{PortSpec(PayloadKind::floating, Shape{config_.num_outputs})}, {}};
    }
    BuildResult build(const BuildContext& ctx) override;
    void step(const StepContext& ctx) override;
    void reset() override;
    void visit_state(StateVisitor& v) override;

    std::span<const std::uint32_t> output_map() const noexcept { return map_; }
    std::span<const std::uint32_t> counts() const noexcept { return counts_; }
    std::span<const float> scales() const noexcept { return scales_; }  // scale_k

private:
    std::vector<std::uint32_t> map_;     // output index per input element
    std::vector<std::uint32_t> counts_;  // inputs per output
    std::vector<float> scales_;          // (1000/f_sat) / (dt tau counts_k)
    std::vector<float> group_spikes_;    // c_k, scratch
    Tracer trace_;                       // smooth_trace = false
    RDTracer smooth_;                    // smooth_trace = true
};

}  // namespace spark::components::interfaces
