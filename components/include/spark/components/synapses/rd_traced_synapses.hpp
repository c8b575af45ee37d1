#pragma once
// RDTracedSynapses (spec section 3.3): a rise-decay (difference of exponentials) trace of the weighted
// input per synapse (spark::RDTracer, section 1.8), x = K[post, pre] s[(post,) pre]:
//     r <- base_rise + e^{-dt/tau_r'} (r - base_rise) + scale_rise x,   tau_r' = tau_rise tau_decay / (tau_rise + tau_decay)
//     d <- base_decay + e^{-dt/tau_decay} (d - base_decay) + scale_decay x
//     I[post] = sum_pre (d - r)
// An impulse of weight K gives K e^{-n/tau_decay} (1 - e^{-n/tau_rise}) n steps later (0 on its step).
// Per-target traces (bases n_pre base_*) when both time constants are constant along the presynaptic
// axes; see synapses.hpp for trace_mode. Defaults: tau_rise = 1 ms, tau_decay = 5 ms, scales 1, bases 0.
// Draw order: kernel, tau_rise, tau_decay (then delays).
#include <spark/components/synapses/synapses.hpp>
#include <spark/components/synapses/trace_bank.hpp>

namespace spark::components::synapses {

// The rise and decay traces of each synapse.
struct RiseDecayTraceParams {
    SPARK_PARAMS(RiseDecayTraceParams);
    SPARK_PARAM(Param, tau_rise, 1.0, "ms", positive, "Rise time constant (one value or one per synapse).");
    SPARK_PARAM(double, scale_rise, 1.0, "", none, "Rise trace increment per unit of weighted input.");
    SPARK_PARAM(double, base_rise, 0.0, "pA", none, "Rest value of each synapse's rise trace.");
    SPARK_PARAM(Param, tau_decay, 5.0, "ms", positive, "Decay time constant (one value or one per synapse).");
    SPARK_PARAM(double, scale_decay, 1.0, "", none, "Decay trace increment per unit of weighted input.");
    SPARK_PARAM(double, base_decay, 0.0, "pA", none, "Rest value of each synapse's decay trace.");
};

struct RDTracedSynapsesConfig
    : Params<SynapseKernelParams, RiseDecayTraceParams, TraceModeParams, SynapseDeliveryParams> {};

class RDTracedSynapses : public Synapses<RDTracedSynapses, RDTracedSynapsesConfig> {
public:
    static constexpr ComponentIdentity identity{"rd_traced_synapses", "RDTracedSynapses", "synapses",
        "Synapses with a rise-decay trace of the weighted input."};
    static constexpr bool has_traces = true;

    using Synapses::Synapses;

    bool build_model(const BuildContext& ctx);
    void update_targets(std::size_t begin, std::size_t end, float* current) noexcept {
        for (std::size_t p = begin; p < end; ++p) {
            const float x = current[p];
            const float r = rise_.step(p, x);
            current[p] = decay_.step(p, x) - r;
        }
    }
    float update_row(std::size_t post, const float* kernel_row, const float* sign_row) noexcept {
        const std::size_t first = post * n_pre_;
        float acc = 0.0f;
        for (std::size_t j = 0; j < n_pre_; ++j) {
            const float x = kernel_row[j] * sign_row[j];
            const float r = rise_.step(first + j, x);
            acc += decay_.step(first + j, x) - r;
        }
        return acc;
    }
    void reset_model() noexcept {
        rise_.reset();
        decay_.reset();
    }
    void visit_model(StateVisitor& v) {
        const bool s = per_synapse_traces();
        rise_.visit_state(v, s ? "synapse_rise" : "rise");
        decay_.visit_state(v, s ? "synapse_decay" : "decay");
    }
    std::size_t model_state_bytes() const noexcept { return rise_.bytes() + decay_.bytes(); }

private:
    TraceBank rise_, decay_;
};

}  // namespace spark::components::synapses
