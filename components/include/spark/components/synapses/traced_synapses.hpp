#pragma once
// TracedSynapses (spec section 3.2): one exponential trace of the weighted input per synapse,
//     z[post, pre] <- base + e^{-dt/tau} (z - base) + scale K[post, pre] s[(post,) pre]
//     I[post] = sum_pre z[post, pre]
// With tau constant along the presynaptic axes (trace_mode "auto"/"per_target") the sum is kept as one
// trace per target, Z[post] <- n_pre base + e^{-dt/tau} (Z - n_pre base) + scale sum_pre K s,
// which is the same quantity (the trace is linear); "per_synapse" keeps the literal reference.
// Defaults: tau = 5 ms, scale = 1, base = 0. Draw order: kernel, tau (then delays). reset(): z = base.
// The trace stores the weighted input, so a later kernel change does not rescale charge already in it.
#include <spark/components/synapses/synapses.hpp>
#include <spark/components/synapses/trace_bank.hpp>

namespace spark::components::synapses {

// The exponential trace of each synapse.
struct ExponentialTraceParams {
    SPARK_PARAMS(ExponentialTraceParams);
    SPARK_PARAM(Param, tau, 5.0, "ms", positive, "Synaptic trace time constant (one value or one per synapse).");
    SPARK_PARAM(double, scale, 1.0, "", positive, "Trace increment per unit of weighted input.");
    SPARK_PARAM(double, base, 0.0, "pA", none, "Rest value of each synapse's trace.");
};

struct TracedSynapsesConfig
    : Params<SynapseKernelParams, ExponentialTraceParams, TraceModeParams, SynapseDeliveryParams> {};

class TracedSynapses : public Synapses<TracedSynapses, TracedSynapsesConfig> {
public:
    static constexpr ComponentIdentity identity{"traced_synapses", "TracedSynapses", "synapses",
        "Synapses with an exponential trace of the weighted input."};
    static constexpr bool has_traces = true;

    using Synapses::Synapses;

    bool build_model(const BuildContext& ctx);
    // Per target, the output is the trace itself (served from it: no copy).
    std::span<float> served_current() noexcept {
        return per_synapse_traces() ? std::span<float>() : trace_.mutable_values();
    }
    void update_served(std::size_t begin, std::size_t end, const float* input) noexcept {
        trace_.step_range(begin, end, input);
    }
    float update_row(std::size_t post, const float* kernel_row, const float* sign_row) noexcept {
        const std::size_t first = post * n_pre_;
        float acc = 0.0f;
        for (std::size_t j = 0; j < n_pre_; ++j) acc += trace_.step(first + j, kernel_row[j] * sign_row[j]);
        return acc;
    }
    void reset_model() noexcept { trace_.reset(); }
    void visit_model(StateVisitor& v) { trace_.visit_state(v, per_synapse_traces() ? "synapse_trace" : "trace"); }
    std::size_t model_state_bytes() const noexcept { return trace_.bytes(); }

    // The traces (one per target, or one per synapse), for inspection.
    std::span<const float> traces() const noexcept { return trace_.values(); }

private:
    TraceBank trace_;
};

}  // namespace spark::components::synapses
