#include <spark/components/plasticity/quadruplet_rule_tensor.hpp>

#include <bit>
#include <cmath>
#include <cstring>

#include <spark/components/reference_mode.hpp>

namespace spark::components::plasticity {

namespace {
// x <- 0 + d (x - 0) + c s for one row (the Tracer's operations, d and c per synapse), and whether a
// spike arrived. Restrict pointers: the codes are bytes, which may alias anything otherwise.
std::uint32_t advance_x_row(float* __restrict x, const std::uint8_t* __restrict codes, const float* __restrict decay,
                            const float* __restrict scale, std::size_t n) noexcept {
    const float base = 0.0f;
    std::uint32_t arrived = 0;
    for (std::size_t q = 0; q < n; ++q) {
        const std::int32_t code = codes[q] & spike::bit;
        x[q] = base + decay[q] * (x[q] - base) + scale[q] * static_cast<float>(code);
        arrived |= static_cast<std::uint32_t>(code);
    }
    return arrived;
}

// Copies k to out; whether every k is in [+0, its limit] (compared on the bits) and every x finite (x
// null: not checked).
bool copy_checked_row(const float* k, float* out, const float* __restrict x, const std::uint32_t* __restrict limit_bits,
                      std::size_t n) noexcept {
    if (out != k) std::memcpy(out, k, n * sizeof(float));  // out == k: the kernel updated in place
    std::uint32_t unchanged = 1;
    if (x == nullptr) {
        for (std::size_t q = 0; q < n; ++q) {
            std::uint32_t kb;
            std::memcpy(&kb, k + q, 4);
            unchanged &= static_cast<std::uint32_t>(kb <= limit_bits[q]);
        }
        return unchanged != 0;
    }
    for (std::size_t q = 0; q < n; ++q) {
        std::uint32_t kb, xb;
        std::memcpy(&kb, k + q, 4);
        std::memcpy(&xb, x + q, 4);
        unchanged &= static_cast<std::uint32_t>(kb <= limit_bits[q]) &
                     static_cast<std::uint32_t>((xb & 0x7f800000u) != 0x7f800000u);
    }
    return unchanged != 0;
}

std::array<float, 4> table_of(const std::vector<double>& values) {
    return {static_cast<float>(values[0]), static_cast<float>(values[1]), static_cast<float>(values[2]),
            static_cast<float>(values[3])};
}
}  // namespace

QuadrupletRuleTensor::QuadrupletRuleTensor(Config config, std::string instance)
    : PlasticityRule(std::move(config), std::move(instance)) {
    for_each_field(config_, [&](const FieldMeta& m, const auto& values) {
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(values)>, std::vector<double>>)
            if (values.size() != 4)
                config_detail::throw_error(where(), m.name, config_detail::to_value(values), m.units,
                                           "must have 4 values, one per synapse type: EE, EI, IE, II (post type, "
                                           "pre type); got " + std::to_string(values.size()));
    });
    alpha_ = table_of(config_.q_alpha);
    beta_ = table_of(config_.q_beta);
    gamma_ = table_of(config_.q_gamma);
    delta_ = table_of(config_.q_delta);
    max_clip_ = table_of(config_.max_clip);
}

// The original types every presynaptic unit as excitatory; all_pre_excitatory reproduces that.
bool QuadrupletRuleTensor::pre_inhibitory(std::size_t p, std::size_t q) const noexcept {
    return !config_.all_pre_excitatory && !layout_.pre_mask.empty() &&
           layout_.pre_mask[p * layout_.pre_stride + q] != 0;
}

void QuadrupletRuleTensor::build_rule(const BuildContext& ctx, const RuleLayout& layout) {
    reference_ = dense_reference();
    // type[p, q] = 2 I_post[p] + I_pre[q]; a per-synapse pre mask is read at (p, q).
    const std::size_t n_post = layout.n_post, n_pre = layout.n_pre;
    types_.assign(layout.kernel_size(), excitatory_excitatory);
    for (std::size_t p = 0; p < n_post; ++p) {
        const bool post_inhibitory = !layout.post_mask.empty() && layout.post_mask[p] != 0;
        for (std::size_t q = 0; q < n_pre; ++q)
            types_[p * n_pre + q] = static_cast<std::uint8_t>((post_inhibitory ? 2 : 0) + (pre_inhibitory(p, q) ? 1 : 0));
    }
    // The pre types row by row, stored once when every row has the same (N2N delays broadcast the mask).
    pre_types_.assign(n_pre, 0);
    for (std::size_t q = 0; q < n_pre; ++q) pre_types_[q] = types_[q] & 1u;
    pre_types_shared_ = true;
    for (std::size_t i = n_pre; i < types_.size() && pre_types_shared_; ++i)
        pre_types_shared_ = (types_[i] & 1u) == pre_types_[i % n_pre];
    if (!pre_types_shared_) {
        pre_types_.resize(types_.size());
        for (std::size_t i = 0; i < types_.size(); ++i) pre_types_[i] = types_[i] & 1u;
    }
    const Table pre_tau = table_of(config_.pre_tau), post_tau = table_of(config_.post_tau);
    std::vector<float> pre_taus(types_.size());
    for (std::size_t i = 0; i < types_.size(); ++i) pre_taus[i] = pre_tau[types_[i]];
    pre_trace_.build(layout, types_.size(), pre_taus, ctx.input(0).delays.get(), ctx.dt, reference_);
    clean_rows_.build(ctx.input(kernel), layout.n_post);
    for (std::size_t t = 0; t < 4; ++t) {
        // What the Tracer computes from tau and inverse_tau_tracer's scale 1 / tau.
        pre_decay_[t] = static_cast<float>(std::exp(-ctx.dt / static_cast<double>(pre_tau[t])));
        pre_scale_[t] = 1.0f / pre_tau[t];
        clip_bits_[t] = std::bit_cast<std::uint32_t>(max_clip_[t]);
    }
    if (pre_types_shared_)
        for (std::size_t post_type : {0u, 2u}) row_params_[post_type >> 1] = make_row_params(post_type, pre_types_.data());
    finite_tables_ = std::isfinite(static_cast<float>(config_.eta));
    for (const Table* table : {&alpha_, &beta_, &gamma_, &delta_, &pre_decay_, &pre_scale_})
        for (float v : *table) finite_tables_ = finite_tables_ && std::isfinite(v);
    if (reference_) {
        std::vector<float> post_taus(types_.size());
        for (std::size_t i = 0; i < types_.size(); ++i) post_taus[i] = post_tau[types_[i]];
        post_trace_ = inverse_tau_tracer(types_.size(), post_taus, ctx.dt);
        input_.assign(types_.size(), 0.0f);
        return;
    }
    // y per (post unit, pre type): element 2 p + I_pre.
    std::vector<float> post_taus(2 * n_post);
    for (std::size_t p = 0; p < n_post; ++p) {
        const bool post_inhibitory = !layout.post_mask.empty() && layout.post_mask[p] != 0;
        for (std::size_t k = 0; k < 2; ++k) post_taus[2 * p + k] = post_tau[(post_inhibitory ? 2 : 0) + k];
    }
    post_trace_ = inverse_tau_tracer(2 * n_post, post_taus, ctx.dt);
    input_.assign(2 * n_post, 0.0f);
}

QuadrupletRuleTensor::RowParams QuadrupletRuleTensor::make_row_params(std::size_t post_type,
                                                                       const std::uint8_t* pre_types) const {
    RowParams r;
    const std::size_t n = layout_.n_pre;
    r.decay.resize(n);
    r.scale.resize(n);
    r.limit_bits.resize(n);
    for (std::size_t q = 0; q < n; ++q) {
        const std::size_t t = post_type + pre_types[q];
        r.decay[q] = pre_decay_[t];
        r.scale[q] = pre_scale_[t];
        r.limit_bits[q] = clip_bits_[t];
    }
    return r;
}

void QuadrupletRuleTensor::reference_row(const RuleStep& s, std::size_t p, float rate, const float* y,
                                         std::size_t y_stride) const noexcept {
    // y kernel-shaped (y_stride 0: y[i]) or per (post unit, pre type) (y_stride 2: y[2 p + I_pre]).
    const float dt = dt_;
    const std::size_t n_pre = layout_.n_pre;
    const float s_post = spiked(s.post[p]);
    const std::uint8_t* s_pre = s.pre + p * layout_.pre_stride;
    const float* x = pre_trace_.per_unit() ? nullptr : pre_trace_.tracer().trace().data() + p * n_pre;
    if (!x) {  // the row of the per-unit x, gathered
        float* row = thread_scratch(n_pre);
        pre_trace_.copy(p * n_pre, n_pre, row);
        x = row;
    }
    for (std::size_t q = 0; q < n_pre; ++q) {
        const std::size_t i = p * n_pre + q;
        const std::uint8_t t = types_[i];
        const float y_i = y_stride == 0 ? y[i] : y[2 * p + (t & 1u)];
        const float pre = spiked(s_pre[q]);
        const float sum = alpha_[t] * pre + beta_[t] * y_i * pre + gamma_[t] * s_post + delta_[t] * x[q] * s_post;
        const float k = s.kernel[i] + dt * (rate * sum);
        s.out[i] = std::min(std::max(k, 0.0f), max_clip_[t]);
    }
}

void QuadrupletRuleTensor::update_reference(const RuleStep& s) {
    spread_pre(s, input_);
    pre_trace_.tracer().step(input_);
    spread_post(s, input_);
    post_trace_.step(input_);
    const float eta = static_cast<float>(config_.eta);
    const float* y = post_trace_.trace().data();
    for_rows(s, [&](std::size_t p0, std::size_t p1) {
        for (std::size_t p = p0; p < p1; ++p) reference_row(s, p, eta * factor_at(s, p), y, 0);  // eta m (no baseline)
    });
}

bool QuadrupletRuleTensor::event_row(const RuleStep& s, std::size_t p, float rate, bool known) noexcept {
    // Advance x, copy K, and check that every K is one the reference leaves unchanged (and x finite), in
    // loops the compiler vectorises: the post type is the row's, the pre type selects between two
    // values; with the per-unit x, the row's flag in clean_rows_ replaces the check when `known`, and is
    // kept up to date. Returns false when the row must be computed in full (x is advanced either way).
    const std::size_t n_pre = layout_.n_pre;
    const std::size_t row = p * n_pre;
    const std::uint8_t* s_pre = s.pre + p * layout_.pre_stride;
    const std::uint8_t* pre_types = pre_type_row(p);
    const std::size_t post_type = types_[row] & 2u;
    // x's decay and scale and the clip limit of each synapse of the row: stored for each post type when
    // every row has the same pre types, else made here.
    const RowParams* params = &row_params_[post_type >> 1];
    RowParams own;
    if (!pre_types_shared_) {
        own = make_row_params(post_type, pre_types);
        params = &own;
    }
    const float* k = s.kernel + row;
    float* out = s.out + row;
    std::uint32_t arrived = 1;  // the per-unit x: found by for_each_arrival below
    bool unchanged;
    if (pre_trace_.per_unit()) {
        // x finite by construction
        unchanged = known ? clean_rows_.clean(p) : copy_checked_row(k, out, nullptr, params->limit_bits.data(), n_pre);
        clean_rows_.set(p, unchanged);
    } else {
        float* x = pre_trace_.tracer().trace().data() + row;
        arrived = advance_x_row(x, s_pre, params->decay.data(), params->scale.data(), n_pre);
        unchanged = copy_checked_row(k, out, x, params->limit_bits.data(), n_pre);
    }
    const float* y = post_trace_.trace().data() + 2 * p;
    if (!unchanged || !finite_tables_ || !std::isfinite(rate) || !std::isfinite(y[0]) || !std::isfinite(y[1]))
        return false;
    if (rate == 0.0f) return true;             // every dK is 0 times a finite sum: +-0
    if (s.post[p] & spike::bit) return false;  // the whole row changes
    if (!arrived) return true;
    // Only the synapses where a spike arrived (s_post = 0): the reference's formula at those.
    const float dt = dt_;
    if (pre_trace_.per_unit()) {
        // x is finite and >= +0 by construction, so (delta x) s_post = (delta 0) s_post exactly: dt dK is
        // one value per pre type in this row.
        float step[2], clip[2];
        for (std::size_t c = 0; c < 2; ++c) {
            const std::size_t t = post_type + c;
            const float pre = 1.0f, s_post = 0.0f, x = 0.0f;
            const float sum = alpha_[t] * pre + beta_[t] * y[c] * pre + gamma_[t] * s_post + delta_[t] * x * s_post;
            step[c] = dt * (rate * sum);
            clip[c] = max_clip_[t];
        }
        const std::uint32_t* limit_bits = params->limit_bits.data();
        bool clean = true;
        for_each_arrival(s_pre, n_pre, [&](std::size_t q) {
            const std::size_t c = pre_types[q];
            out[q] = std::min(std::max(k[q] + step[c], 0.0f), clip[c]);
            clean = clean && keeps(out[q], limit_bits[q]);
        });
        clean_rows_.set(p, clean);
        return true;
    }
    const float* x = pre_trace_.tracer().trace().data() + row;
    for_each_arrival(s_pre, n_pre, [&](std::size_t q) {
        const std::size_t t = post_type + pre_types[q];
        const float pre = 1.0f, s_post = 0.0f;
        const float sum = alpha_[t] * pre + beta_[t] * y[t & 1u] * pre + gamma_[t] * s_post + delta_[t] * x[q] * s_post;
        const float kq = k[q] + dt * (rate * sum);
        out[q] = std::min(std::max(kq, 0.0f), max_clip_[t]);
    });
    return true;
}

bool QuadrupletRuleTensor::fired_row(const RuleStep& s, std::size_t p, float rate) const noexcept {
    // reference_row's operations with the row's post type and per-pre-type values selected by the pre
    // type (a loop the compiler vectorises), x gathered from the per-unit traces.
    const std::size_t n_pre = layout_.n_pre, row = p * n_pre;
    const std::size_t post_type = types_[row] & 2u;
    const std::uint8_t* pre_types = pre_type_row(p);
    const std::uint8_t* s_pre = s.pre + p * layout_.pre_stride;
    const float* y = post_trace_.trace().data() + 2 * p;
    float* x = thread_scratch(n_pre);
    pre_trace_.copy(row, n_pre, x);
    const float dt = dt_, s_post = spiked(s.post[p]);
    const float a0 = alpha_[post_type], a1 = alpha_[post_type + 1], b0 = beta_[post_type], b1 = beta_[post_type + 1];
    const float g0 = gamma_[post_type], g1 = gamma_[post_type + 1], d0 = delta_[post_type], d1 = delta_[post_type + 1];
    const float c0 = max_clip_[post_type], c1 = max_clip_[post_type + 1], y0 = y[0], y1 = y[1];
    const std::uint32_t l0 = clip_bits_[post_type], l1 = clip_bits_[post_type + 1];
    const float* k = s.kernel + row;
    float* out = s.out + row;
    std::uint32_t clean = 1;
    for (std::size_t q = 0; q < n_pre; ++q) {
        const bool inh = pre_types[q] != 0;
        const float pre = spiked(s_pre[q]);
        const float y_i = inh ? y1 : y0;
        const float sum = (inh ? a1 : a0) * pre + (inh ? b1 : b0) * y_i * pre + (inh ? g1 : g0) * s_post +
                          (inh ? d1 : d0) * x[q] * s_post;
        const float kq = k[q] + dt * (rate * sum);
        out[q] = std::min(std::max(kq, 0.0f), inh ? c1 : c0);
        clean &= static_cast<std::uint32_t>(keeps(out[q], inh ? l1 : l0));
    }
    return clean != 0;
}

void QuadrupletRuleTensor::update(const RuleStep& s) {
    if (reference_) {
        update_reference(s);
        return;
    }
    // y per (post unit, pre type): both elements of post unit p get its spike.
    for (std::size_t p = 0; p < layout_.n_post; ++p) input_[2 * p] = input_[2 * p + 1] = spiked(s.post[p]);
    post_trace_.step(input_);
    if (pre_trace_.per_unit()) pre_trace_.advance_units(s.pre);
    const float eta = static_cast<float>(config_.eta);
    const float* y = post_trace_.trace().data();
    const bool known = pre_trace_.per_unit() && clean_rows_.begin_step(s);
    for_rows(s, [&](std::size_t p0, std::size_t p1) {
        for (std::size_t p = p0; p < p1; ++p) {
            const float rate = eta * factor_at(s, p);  // eta m (no baseline)
            if (event_row(s, p, rate, known)) continue;
            if (pre_trace_.per_unit()) clean_rows_.set(p, fired_row(s, p, rate));
            else reference_row(s, p, rate, y, 2);
        }
    });
    clean_rows_.end_step(s, pre_trace_.per_unit());
}

void QuadrupletRuleTensor::reset_rule() noexcept {
    clean_rows_.forget();
    pre_trace_.reset();
    post_trace_.reset();
}

void QuadrupletRuleTensor::visit_rule(StateVisitor& v) {
    pre_trace_.visit_state(v, "pre_trace");
    post_trace_.visit_state(v, "post_trace");
}

}  // namespace spark::components::plasticity
