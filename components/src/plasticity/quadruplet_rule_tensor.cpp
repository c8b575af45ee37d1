#include <spark/components/plasticity/quadruplet_rule_tensor.hpp>

namespace spark::components::plasticity {

namespace {
std::array<float, 4> table_of(const std::vector<double>& values) {
    return {static_cast<float>(values[0]), static_cast<float>(values[1]), static_cast<float>(values[2]),
            static_cast<float>(values[3])};
}
}  // namespace

QuadrupletRuleTensor::QuadrupletRuleTensor(Config config, std::string instance)
    : PlasticityRule(std::move(config), std::move(instance)) {
    const std::pair<const char*, const std::vector<double>*> fields[] = {
        {"pre_tau", &config_.pre_tau}, {"post_tau", &config_.post_tau}, {"q_alpha", &config_.q_alpha},
        {"q_beta", &config_.q_beta},   {"q_gamma", &config_.q_gamma},   {"q_delta", &config_.q_delta},
        {"max_clip", &config_.max_clip}};
    for (const auto& [name, values] : fields) {
        if (values->size() != 4) {
            const FieldMeta& m = config_detail::meta_of(Config::meta, name);
            config_detail::throw_error(where(), name, config_detail::to_value(*values), m.units,
                                       "must have 4 values, one per synapse type: EE, EI, IE, II (post type, "
                                       "pre type); got " + std::to_string(values->size()));
        }
    }
    alpha_ = table_of(config_.q_alpha);
    beta_ = table_of(config_.q_beta);
    gamma_ = table_of(config_.q_gamma);
    delta_ = table_of(config_.q_delta);
    max_clip_ = table_of(config_.max_clip);
}

void QuadrupletRuleTensor::build_rule(const BuildContext& ctx, const RuleLayout& layout) {
    // type[p, q] = 2 I_post[p] + I_pre[q]; a per-synapse pre mask is read at (p, q).
    const std::size_t n_post = layout.n_post, n_pre = layout.n_pre;
    const bool pre_typed = !config_.all_pre_excitatory && !layout.pre_mask.empty();
    types_.assign(layout.kernel_size(), excitatory_excitatory);
    for (std::size_t p = 0; p < n_post; ++p) {
        const bool post_inhibitory = !layout.post_mask.empty() && layout.post_mask[p] != 0;
        for (std::size_t q = 0; q < n_pre; ++q) {
            const bool pre_inhibitory = pre_typed && layout.pre_mask[p * layout.pre_stride + q] != 0;
            types_[p * n_pre + q] = static_cast<std::uint8_t>((post_inhibitory ? 2 : 0) + (pre_inhibitory ? 1 : 0));
        }
    }
    const Table pre_tau = table_of(config_.pre_tau), post_tau = table_of(config_.post_tau);
    std::vector<float> pre_taus(types_.size()), post_taus(types_.size());
    for (std::size_t i = 0; i < types_.size(); ++i) {
        pre_taus[i] = pre_tau[types_[i]];
        post_taus[i] = post_tau[types_[i]];
    }
    pre_trace_ = inverse_tau_tracer(types_.size(), pre_taus, ctx.dt);
    post_trace_ = inverse_tau_tracer(types_.size(), post_taus, ctx.dt);
    input_.assign(types_.size(), 0.0f);
}

void QuadrupletRuleTensor::update(const RuleStep& s) {
    spread_pre(s, input_);
    pre_trace_.step(input_);
    spread_post(s, input_);
    post_trace_.step(input_);

    const float eta = static_cast<float>(config_.eta), dt = dt_;
    const std::size_t n_pre = layout_.n_pre, stride = layout_.pre_stride;
    const float* x = pre_trace_.trace().data();
    const float* y = post_trace_.trace().data();
    for_rows(s, [&](std::size_t p0, std::size_t p1) {
        for (std::size_t p = p0; p < p1; ++p) {
            const float rate = eta * factor_at(s, p);  // eta m (no baseline)
            const float s_post = spiked(s.post[p]);
            const std::uint8_t* s_pre = s.pre + p * stride;
            const std::size_t row = p * n_pre;
            for (std::size_t q = 0; q < n_pre; ++q) {
                const std::size_t i = row + q;
                const std::uint8_t t = types_[i];
                const float pre = spiked(s_pre[q]);
                const float sum = alpha_[t] * pre + beta_[t] * y[i] * pre + gamma_[t] * s_post +
                                  delta_[t] * x[i] * s_post;
                const float k = s.kernel[i] + dt * (rate * sum);
                s.out[i] = std::min(std::max(k, 0.0f), max_clip_[t]);
            }
        }
    });
}

void QuadrupletRuleTensor::reset_rule() noexcept {
    pre_trace_.reset();
    post_trace_.reset();
}

void QuadrupletRuleTensor::visit_rule(StateVisitor& v) {
    pre_trace_.visit_state(v, "pre_trace");
    post_trace_.visit_state(v, "post_trace");
}

}  // namespace spark::components::plasticity
