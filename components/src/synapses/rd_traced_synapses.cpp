#include <spark/components/synapses/rd_traced_synapses.hpp>

namespace spark::components::synapses {

bool RDTracedSynapses::build_model(const BuildContext& ctx) {
    const SynapseParam tau_rise = synapse_param(config_.tau_rise, ctx);
    const SynapseParam tau_decay = synapse_param(config_.tau_decay, ctx);
    const bool per_synapse = resolve_per_synapse({&tau_rise, &tau_decay});
    const std::size_t size = per_synapse ? n_post_ * n_pre_ : n_post_;
    const double bases = per_synapse ? 1.0 : static_cast<double>(n_pre_);  // n_pre traces at rest per target
    const std::vector<float> rise = per_synapse ? tau_rise.values : tau_rise.per_target(n_pre_);
    const std::vector<float> decay = per_synapse ? tau_decay.values : tau_decay.per_target(n_pre_);
    rise_ = TraceBank(size, coupled_rise(rise, decay), static_cast<float>(config_.scale_rise),
                      static_cast<float>(bases * config_.base_rise), ctx.dt);
    decay_ = TraceBank(size, decay, static_cast<float>(config_.scale_decay),
                       static_cast<float>(bases * config_.base_decay), ctx.dt);
    return per_synapse;
}

}  // namespace spark::components::synapses
