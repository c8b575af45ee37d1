#include <spark/components/plasticity/quadruplet_rule_tensor.hpp>

#include <bit>
#include <cmath>
#include <cstring>

#include <spark/components/reference_mode.hpp>
#include <spark/core/hot_loop.hpp>

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

// One fired row's constants (QuadrupletRuleTensor::fired_row).
struct FiredRow {
    const std::uint8_t* s_pre;
    const float* x;
    const std::uint32_t* inhibitory;
    const float *alpha, *gamma, *delta, *clip;
    const std::uint32_t* limit_bits;
    float beta_y[2];  // beta_t y_i for a pre-excitatory and a pre-inhibitory synapse
    float s_post, dt, rate;
};

// out[q] = the reference's clip(k[q] + dt (rate sum)); whether every out is one the clip keeps. In
// place (K updated where it is): k is out. One pointer per array, so that the loop vectorises.
template <bool in_place>
SPARK_INLINE bool fired_row_loop(const FiredRow& f, const float* __restrict k_apart, float* __restrict out,
                                 std::size_t n) noexcept {
    const std::uint8_t* __restrict s_pre = f.s_pre;
    const float* __restrict x = f.x;
    const std::uint32_t* __restrict inhibitory = f.inhibitory;
    const float* __restrict alpha = f.alpha;
    const float* __restrict gamma = f.gamma;
    const float* __restrict delta = f.delta;
    const float* __restrict clip = f.clip;
    const std::uint32_t* __restrict limit_bits = f.limit_bits;
    const float s_post = f.s_post, dt = f.dt, rate = f.rate, by0 = f.beta_y[0], by1 = f.beta_y[1];
    std::uint32_t clean = 1;
    for (std::size_t q = 0; q < n; ++q) {
        const float pre = static_cast<float>(s_pre[q] & spike::bit);
        const float by = inhibitory[q] ? by1 : by0;
        const float sum = alpha[q] * pre + by * pre + gamma[q] * s_post + delta[q] * x[q] * s_post;
        const float kq = (in_place ? out[q] : k_apart[q]) + dt * (rate * sum);
        const float kept = kq < 0.0f ? 0.0f : kq;         // std::max(kq, 0.0f)
        const float w = clip[q] < kept ? clip[q] : kept;  // std::min(kept, clip)
        out[q] = w;
        clean &= static_cast<std::uint32_t>(std::bit_cast<std::uint32_t>(w) <= limit_bits[q]);
    }
    return clean != 0;
}

// The loop per CPU (hot_loop.hpp): the same operations in each version.
SPARK_HOT_LOOP bool fired_row_in_place(const FiredRow& f, float* out, std::size_t n) noexcept {
    return fired_row_loop<true>(f, nullptr, out, n);
}
SPARK_HOT_LOOP bool fired_row_apart(const FiredRow& f, const float* k, float* out, std::size_t n) noexcept {
    return fired_row_loop<false>(f, k, out, n);
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
    listed_row_.assign(n_post, unlisted);
    arrivals_only_ = !reference_ && layout.per_synapse && pre_types_shared_ && pre_trace_.per_unit();
    full_codes_.assign(arrivals_only_ ? layout.kernel_size() : 0, 0);
    arrival_codes_.clear();
    arrival_step_.assign(2 * n_post, 0.0f);
    row_clip_.resize(2 * n_post);
    for (std::size_t p = 0; p < n_post && n_pre > 0; ++p)
        for (std::size_t c = 0; c < 2; ++c) row_clip_[2 * p + c] = max_clip_[(types_[p * n_pre] & 2u) + c];
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
    r.pre_inhibitory.resize(n);
    r.alpha.resize(n);
    r.gamma.resize(n);
    r.delta.resize(n);
    r.clip.resize(n);
    for (std::size_t q = 0; q < n; ++q) {
        const std::size_t t = post_type + pre_types[q];
        r.decay[q] = pre_decay_[t];
        r.scale[q] = pre_scale_[t];
        r.limit_bits[q] = clip_bits_[t];
        r.pre_inhibitory[q] = pre_types[q];
        r.alpha[q] = alpha_[t];
        r.gamma[q] = gamma_[t];
        r.delta[q] = delta_[t];
        r.clip[q] = max_clip_[t];
    }
    return r;
}

const QuadrupletRuleTensor::RowParams& QuadrupletRuleTensor::row_params(std::size_t p, RowParams& own) const {
    const std::size_t post_type = types_[p * layout_.n_pre] & 2u;
    if (pre_types_shared_) return row_params_[post_type >> 1];
    own = make_row_params(post_type, pre_type_row(p));
    return own;
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
    RowParams own;
    const RowParams* params = &row_params(p, own);
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
        if (s.listed()) {  // walked in the producer's list after the rows (listed_arrivals)
            listed_row_[p] = listed;
            arrival_step_[2 * p] = step[0];
            arrival_step_[2 * p + 1] = step[1];
            return true;
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

void QuadrupletRuleTensor::listed_arrivals(const RuleStep& s, std::size_t p0, std::size_t p1) noexcept {
    // event_row's arrival formula, at the listed synapses (p, q) of the rows it marked.
    const std::size_t n_pre = layout_.n_pre;
    if (s.pre_arrivals != nullptr && pre_types_shared_) {
        grouped_arrivals(s, p0, p1);
        return;
    }
    for_each_listed(s, n_pre, p0, p1, [&](std::size_t p, std::size_t q) {
        if (listed_row_[p] != listed) return;
        const std::size_t row_begin = p * n_pre, i = row_begin + q;
        const std::size_t c = pre_type_row(p)[q];
        const std::size_t t = (types_[row_begin] & 2u) + c;
        const float w = std::min(std::max(s.kernel[i] + arrival_step_[2 * p + c], 0.0f), max_clip_[t]);
        s.out[i] = w;
        if (!keeps(w, clip_bits_[t])) clean_rows_.set(p, false);
    });
}

void QuadrupletRuleTensor::grouped_arrivals(const RuleStep& s, std::size_t p0, std::size_t p1) noexcept {
    // listed_arrivals' operations, group by group: a group's synapses share their pre unit q, so their
    // pre type c, and each row's step and clip for c are one element (arrival_step_, row_clip_); the rows
    // to compute in full get their codes' spike bits (full_codes_). Locals only in the loop: the byte
    // stores may alias any member.
    const std::size_t n_pre = layout_.n_pre;
    const SynapseArrivals& a = *s.pre_arrivals;
    const std::uint8_t* __restrict marks = listed_row_.data();
    std::uint8_t* __restrict full = full_codes_.data();
    const float* __restrict steps = arrival_step_.data();
    const float* __restrict clips = row_clip_.data();
    const std::uint8_t* pre_types = pre_types_.data();
    const float* k = s.kernel;
    float* out = s.out;
    std::uint8_t* clean = clean_rows_.flags();
    for (const ArrivalGroup& g : a.groups) {
        const std::uint32_t* p = a.posts + g.first;
        const std::uint32_t* last = a.posts + g.last;
        if (p0 > 0) p = std::lower_bound(p, last, static_cast<std::uint32_t>(p0));
        const std::size_t q = g.pre, c = pre_types[q];
        for (; p != last && *p < p1; ++p) {
            const std::size_t row = *p;
            const std::size_t i = row * n_pre + q;
            if (marks[row] != listed) {
                if (marks[row] == full_row) full[i] = spike::bit;
                continue;
            }
            const float clip = clips[2 * row + c];
            const float w = clip_weight(k[i] + steps[2 * row + c], clip);
            out[i] = w;
            clean[row] &= static_cast<std::uint8_t>(keeps(w, std::bit_cast<std::uint32_t>(clip)));
        }
    }
}

bool QuadrupletRuleTensor::fired_row(const RuleStep& s, std::size_t p, float rate, const std::uint8_t* s_pre) const noexcept {
    // reference_row's operations with the per-type constants of the row's synapses (RowParams), x
    // gathered from the per-unit traces, in a loop the compiler vectorises (beta_t y_i is one of two
    // values per row: y per pre type).
    const std::size_t n_pre = layout_.n_pre, row = p * n_pre;
    RowParams own;
    const RowParams& r = row_params(p, own);
    const std::size_t post_type = types_[row] & 2u;
    const float* y = post_trace_.trace().data() + 2 * p;
    float* x = thread_scratch(n_pre);
    pre_trace_.copy(row, n_pre, x);
    const FiredRow f{s_pre,
                     x,
                     r.pre_inhibitory.data(),
                     r.alpha.data(),
                     r.gamma.data(),
                     r.delta.data(),
                     r.clip.data(),
                     r.limit_bits.data(),
                     {beta_[post_type] * y[0], beta_[post_type + 1] * y[1]},
                     spiked(s.post[p]),
                     dt_,
                     rate};
    if (s.kernel == s.out) return fired_row_in_place(f, s.out + row, n_pre);
    return fired_row_apart(f, s.kernel + row, s.out + row, n_pre);
}

const std::uint8_t* QuadrupletRuleTensor::codes_from_arrivals(const SynapseArrivals& arrivals) {
    const std::size_t n_pre = layout_.n_pre;
    arrival_codes_.assign(layout_.kernel_size(), 0);
    for_each_arrival_in_rows(arrivals, 0, layout_.n_post, [&](std::size_t p, std::size_t q, std::uint8_t code) {
        arrival_codes_[p * n_pre + q] = code;
    });
    return arrival_codes_.data();
}

void QuadrupletRuleTensor::update(const RuleStep& step) {
    if (reference_) {
        update_reference(step);
        return;
    }
    // Grouped: the arrivals alone (x per unit, the pre types shared); no code is read.
    const bool grouped = step.pre_arrivals != nullptr && pre_types_shared_ && pre_trace_.per_unit();
    RuleStep s = step;
    if (!grouped && s.pre_arrivals != nullptr && arrivals_only_) s.pre = codes_from_arrivals(*s.pre_arrivals);
    // y per (post unit, pre type): both elements of post unit p get its spike.
    for (std::size_t p = 0; p < layout_.n_post; ++p) input_[2 * p] = input_[2 * p + 1] = spiked(s.post[p]);
    post_trace_.step(input_);
    if (grouped) pre_trace_.advance_units(*s.pre_arrivals);
    else if (pre_trace_.per_unit()) pre_trace_.advance_units(s.pre);
    const float eta = static_cast<float>(config_.eta);
    const float* y = post_trace_.trace().data();
    const bool known = pre_trace_.per_unit() && clean_rows_.begin_step(s);
    const std::size_t n_pre = layout_.n_pre;
    const auto rows = [&](std::size_t p0, std::size_t p1) {
        for (std::size_t p = p0; p < p1; ++p) {
            const float rate = eta * factor_at(s, p);  // eta m (no baseline)
            listed_row_[p] = unlisted;
            if (event_row(s, p, rate, known)) continue;
            if (grouped) {  // after the grouped arrivals have given its codes
                listed_row_[p] = full_row;
                std::fill_n(full_codes_.data() + p * n_pre, n_pre, std::uint8_t{0});
            } else if (pre_trace_.per_unit()) {
                clean_rows_.set(p, fired_row(s, p, rate, s.pre + p * layout_.pre_stride));
            } else {
                reference_row(s, p, rate, y, 2);
            }
        }
    };
    if (s.listed() && pre_trace_.per_unit()) {
        // The listed arrivals of a row after its row pass, on the thread that made it: one fork per step.
        for_listed_rows(s, [&](std::size_t p0, std::size_t p1) {
            rows(p0, p1);
            listed_arrivals(s, p0, p1);
            if (grouped)
                for (std::size_t p = p0; p < p1; ++p)
                    if (listed_row_[p] == full_row)
                        clean_rows_.set(p, fired_row(s, p, eta * factor_at(s, p), full_codes_.data() + p * n_pre));
        });
    } else {
        for_rows(s, rows);
    }
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
