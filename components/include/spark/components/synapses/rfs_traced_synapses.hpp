#pragma once
// RFSTracedSynapses (spec section 3.4): a rise / fast / slow trace of the weighted input per synapse
// (spark::RFSTracer, section 1.8), x = K[post, pre] s[(post,) pre]:
//     fast = RD(tau_rise, tau_fast_decay)(x),  slow = RD(tau_rise, tau_slow_decay)(x)   (scales 1, bases 0)
//     I[post] = sum_pre (alpha fast + (1 - alpha) slow)
// Per-target traces when the time constants are constant along the presynaptic axes (synapses.hpp).
// Defaults: alpha = 0.8, tau_rise = 1 ms, tau_fast_decay = 5 ms, tau_slow_decay = 50 ms.
// Draw order: kernel, tau_rise, tau_fast_decay, tau_slow_decay (then delays).
#include <spark/components/synapses/synapses.hpp>
#include <spark/components/synapses/trace_bank.hpp>

namespace spark::components::synapses {

// The rise, fast-decay and slow-decay traces of each synapse.
struct RiseFastSlowTraceParams {
    SPARK_PARAMS(RiseFastSlowTraceParams);
    SPARK_PARAM(double, alpha, 0.8, "", zero_one, "Weight of the fast component (1 - alpha for the slow one).");
    SPARK_PARAM(Param, tau_rise, 1.0, "ms", positive, "Rise time constant shared by both components.");
    SPARK_PARAM(Param, tau_fast_decay, 5.0, "ms", positive, "Decay time constant of the fast component.");
    SPARK_PARAM(Param, tau_slow_decay, 50.0, "ms", positive, "Decay time constant of the slow component.");
};

struct RFSTracedSynapsesConfig
    : Params<SynapseKernelParams, RiseFastSlowTraceParams, TraceModeParams, SynapseDeliveryParams> {};

class RFSTracedSynapses : public Synapses<RFSTracedSynapses, RFSTracedSynapsesConfig> {
public:
    static constexpr ComponentIdentity identity{"rfs_traced_synapses", "RFSTracedSynapses", "synapses",
        "Synapses with a rise / fast-decay / slow-decay trace of the weighted input."};
    static constexpr bool has_traces = true;

    using Synapses::Synapses;

    bool build_model(const BuildContext& ctx);
    void update_targets(std::size_t begin, std::size_t end, float* current) noexcept {
        for (std::size_t p = begin; p < end; ++p) current[p] = trace(p, current[p]);
    }
    float update_row(std::size_t post, const float* kernel_row, const float* sign_row) noexcept {
        const std::size_t first = post * n_pre_;
        float acc = 0.0f;
        for (std::size_t j = 0; j < n_pre_; ++j) acc += trace(first + j, kernel_row[j] * sign_row[j]);
        return acc;
    }
    void reset_model() noexcept {
        for (auto* bank : {&fast_rise_, &fast_decay_, &slow_rise_, &slow_decay_}) bank->reset();
    }
    void visit_model(StateVisitor& v);
    std::size_t model_state_bytes() const noexcept {
        return fast_rise_.bytes() + fast_decay_.bytes() + slow_rise_.bytes() + slow_decay_.bytes();
    }

private:
    // One element's step; slow before fast, and alpha f + (1 - alpha) s, as spark::RFSTracer.
    float trace(std::size_t i, float x) noexcept {
        const float sr = slow_rise_.step(i, x);
        const float s = slow_decay_.step(i, x) - sr;
        const float fr = fast_rise_.step(i, x);
        const float f = fast_decay_.step(i, x) - fr;
        return alpha_ * f + (1.0f - alpha_) * s;
    }

    float alpha_ = 0.8f;
    TraceBank fast_rise_, fast_decay_, slow_rise_, slow_decay_;
};

}  // namespace spark::components::synapses
