#include <spark/components/synapses/traced_synapses.hpp>

namespace spark::components::synapses {

bool TracedSynapses::build_model(const BuildContext& ctx) {
    const SynapseParam tau = synapse_param(config_.tau, ctx);
    const bool per_synapse = resolve_per_synapse({&tau});
    const auto scale = static_cast<float>(config_.scale);
    if (per_synapse) {
        trace_ = TraceBank(n_post_ * n_pre_, tau.values, scale, static_cast<float>(config_.base), ctx.dt);
    } else {  // the sum of n_pre traces at rest is n_pre base
        const auto base = static_cast<float>(static_cast<double>(n_pre_) * config_.base);
        trace_ = TraceBank(n_post_, tau.per_target(n_pre_), scale, base, ctx.dt);
    }
    return per_synapse;
}

}  // namespace spark::components::synapses
