#pragma once
// LinearSynapses (spec section 3.1): instantaneous weighted sum of the signed presynaptic spikes,
//     I[post] = sum_pre K[post, pre] s[pre]           (synchronous input)
//     I[post] = sum_pre K[post, pre] s[post, pre]     (per-synapse input, e.g. from N2NDelays)
//     I[post](t) = sum_pre K[post, pre] s[pre](t - d[post, pre])    (with max_delay > 0)
// s in {-1, 0, +1} (inhibition is the spike's sign). No unit rescaling: the kernel is in pA.
// Default kernel: sparse_uniform_initializer (density 0.2, scale 1). Draw order: kernel, delays.
// Every path forms each target's sum in increasing presynaptic order, so the dense, sparse and
// event-driven results are bit-identical to the literal sum (synapse_matrix.hpp).
#include <spark/components/synapses/synapses.hpp>

namespace spark::components::synapses {

struct LinearSynapsesConfig : Params<SynapseKernelParams, SynapseDeliveryParams> {};

class LinearSynapses : public Synapses<LinearSynapses, LinearSynapsesConfig> {
public:
    static constexpr ComponentIdentity identity{"linear_synapses", "LinearSynapses", "synapses",
        "Weighted sum of the signed presynaptic spikes."};
    static constexpr bool has_traces = false;

    using Synapses::Synapses;

    bool build_model(const BuildContext&) { return false; }
    void update_targets(std::size_t, std::size_t, float*) noexcept {}
    // The literal row sum (used only by models with per-synapse traces; kept for completeness).
    float update_row(std::size_t, const float* kernel_row, const float* sign_row) const noexcept {
        float acc = 0.0f;
        for (std::size_t j = 0; j < n_pre_; ++j) acc += kernel_row[j] * sign_row[j];
        return acc;
    }
    void reset_model() noexcept {}
    void visit_model(StateVisitor&) {}
    std::size_t model_state_bytes() const noexcept { return 0; }
};

}  // namespace spark::components::synapses
