#include <spark/components/synapses/rfs_traced_synapses.hpp>

namespace spark::components::synapses {

bool RFSTracedSynapses::build_model(const BuildContext& ctx) {
    const SynapseParam tau_rise = synapse_param(config_.tau_rise, ctx);
    const SynapseParam tau_fast = synapse_param(config_.tau_fast_decay, ctx);
    const SynapseParam tau_slow = synapse_param(config_.tau_slow_decay, ctx);
    const bool per_synapse = resolve_per_synapse({&tau_rise, &tau_fast, &tau_slow});
    const std::size_t size = per_synapse ? n_post_ * n_pre_ : n_post_;
    auto values = [&](const SynapseParam& p) { return per_synapse ? p.values : p.per_target(n_pre_); };
    const std::vector<float> rise = values(tau_rise), fast = values(tau_fast), slow = values(tau_slow);
    alpha_ = static_cast<float>(config_.alpha);
    fast_rise_ = TraceBank(size, coupled_rise(rise, fast), 1.0f, 0.0f, ctx.dt);
    fast_decay_ = TraceBank(size, fast, 1.0f, 0.0f, ctx.dt);
    slow_rise_ = TraceBank(size, coupled_rise(rise, slow), 1.0f, 0.0f, ctx.dt);
    slow_decay_ = TraceBank(size, slow, 1.0f, 0.0f, ctx.dt);
    return per_synapse;
}

void RFSTracedSynapses::visit_model(StateVisitor& v) {
    const std::string p = per_synapse_traces() ? "synapse_" : "";
    fast_rise_.visit_state(v, p + "fast.rise");
    fast_decay_.visit_state(v, p + "fast.decay");
    slow_rise_.visit_state(v, p + "slow.rise");
    slow_decay_.visit_state(v, p + "slow.decay");
}

}  // namespace spark::components::synapses
