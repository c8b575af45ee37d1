#include <spark/components/plasticity/synapse_pre_trace.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include <spark/components/plasticity/plasticity_rule.hpp>
#include <spark/core/hot_loop.hpp>

namespace spark::components::plasticity {

namespace {
constexpr std::size_t max_classes = 4;
constexpr std::size_t max_patterns = 2, max_select_lags = 4;  // the lag rows' limits

// next = 0 + decay (prev - 0) + scale s, element by element (Tracer::step's operations), per CPU.
SPARK_HOT_LOOP void advance_slot(const float* __restrict prev, float* __restrict next, const float* __restrict decay,
                                 const float* __restrict scale, const float* __restrict s, std::size_t n) noexcept {
    const float base = 0.0f;
    for (std::size_t j = 0; j < n; ++j) next[j] = base + decay[j] * (prev[j] - base) + scale[j] * s[j];
}

// row[q] = x[q C + c[q]]: X at one lag along q, each q's class c[q] of C (a constant: strided loads the
// compiler vectorises).
template <std::size_t C>
SPARK_INLINE void spread_classes(const float* __restrict x, const std::uint8_t* __restrict c, float* __restrict row,
                                 std::size_t n) noexcept {
    for (std::size_t q = 0; q < n; ++q) {
        float v = x[q * C];
        for (std::size_t k = 1; k < C; ++k) v = c[q] == k ? x[q * C + k] : v;
        row[q] = v;
    }
}
SPARK_HOT_LOOP void spread_lag_row(const float* x, const std::uint8_t* c, float* row, std::size_t n,
                                   std::size_t classes) noexcept {
    switch (classes) {
    case 1: return spread_classes<1>(x, c, row, n);
    case 2: return spread_classes<2>(x, c, row, n);
    case 3: return spread_classes<3>(x, c, row, n);
    default: return spread_classes<max_classes>(x, c, row, n);
    }
}

// out[q] = lag row lag[q] at q (four rows; the unused ones are never selected), per CPU.
SPARK_HOT_LOOP void select_by_lag(const std::uint8_t* __restrict lag, const float* __restrict v0,
                                  const float* __restrict v1, const float* __restrict v2, const float* __restrict v3,
                                  float* __restrict out, std::size_t n) noexcept {
    for (std::size_t q = 0; q < n; ++q) {
        const unsigned l = lag[q];
        const float a = v0[q], b = v1[q], c = v2[q], d = v3[q];
        float x = l == 1 ? b : a;
        x = l == 2 ? c : x;
        out[q] = l == 3 ? d : x;
    }
}
}  // namespace

void SynapsePreTrace::build(const RuleLayout& layout, std::size_t shape_size, std::span<const float> tau,
                            const std::vector<std::int32_t>* delays, double dt, bool reference) {
    size_ = shape_size;
    n_pre_ = layout.n_pre;
    stride_ = layout.pre_stride;
    tau_.assign(tau.begin(), tau.end());
    dt_ = dt;
    per_unit_ = per_unit_possible_ = false;
    rel_.clear();
    history_.clear();
    const std::size_t kernel = layout.kernel_size();
    const bool delayed = layout.per_synapse && delays != nullptr && delays->size() == kernel;
    if (reference || shape_size != kernel || kernel == 0 || (layout.per_synapse && !delayed)) {
        make_tracer();
        return;
    }
    // The classes of tau (at most four distinct values) and the class of each synapse.
    std::vector<float> class_tau;
    std::vector<std::uint8_t> cls(tau.size());
    for (std::size_t i = 0; i < tau.size(); ++i) {
        auto it = std::find(class_tau.begin(), class_tau.end(), tau[i]);
        if (it == class_tau.end()) {
            if (class_tau.size() == max_classes) {
                make_tracer();
                return;
            }
            it = class_tau.insert(class_tau.end(), tau[i]);
        }
        cls[i] = static_cast<std::uint8_t>(it - class_tau.begin());
    }
    // X's decay and scale: the values a Tracer built by inverse_tau_tracer holds.
    classes_ = class_tau.size();
    const Tracer units = inverse_tau_tracer(classes_, class_tau, dt);
    decay_.resize(n_pre_ * classes_);
    scale_.resize(n_pre_ * classes_);
    for (std::size_t j = 0; j < decay_.size(); ++j) {
        decay_[j] = units.decay_factor(j % classes_);
        scale_[j] = units.scale(j % classes_);
        if (!std::isfinite(decay_[j]) || !std::isfinite(scale_[j])) {
            make_tracer();
            return;
        }
    }
    // The shortest delay of each presynaptic unit and the synapse that has it.
    const std::size_t n_post = layout.n_post;
    std::vector<std::int32_t> shortest(n_pre_, std::numeric_limits<std::int32_t>::max());
    source_.assign(n_pre_, 0);
    source_post_.assign(n_pre_, 0);
    for (std::size_t p = 0; p < n_post; ++p)
        for (std::size_t q = 0; q < n_pre_; ++q) {
            const std::int32_t d = delayed ? (*delays)[p * n_pre_ + q] : 0;
            if (d < shortest[q]) {
                shortest[q] = d;
                source_[q] = static_cast<std::uint32_t>(p * stride_ + q);
                source_post_[q] = static_cast<std::uint32_t>(p);
            }
        }
    std::size_t max_lag = 0;
    for (std::size_t i = 0; i < kernel; ++i)
        max_lag = std::max<std::size_t>(max_lag, static_cast<std::size_t>((delayed ? (*delays)[i] : 0) - shortest[i % n_pre_]));
    lags_ = max_lag + 1;
    const std::size_t slot = n_pre_ * classes_;
    if (lags_ * slot > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
        make_tracer();
        return;
    }
    rel_.resize(kernel);
    for (std::size_t i = 0; i < kernel; ++i) {
        const std::size_t q = i % n_pre_;
        const std::size_t lag = static_cast<std::size_t>((delayed ? (*delays)[i] : 0) - shortest[q]);
        rel_[i] = static_cast<std::int32_t>(q * classes_ + cls[tau.size() == 1 ? 0 : i]) -
                  static_cast<std::int32_t>(lag * slot);
    }
    history_.assign(2 * lags_ * slot, 0.0f);
    spikes_.assign(slot, 0.0f);
    build_lag_rows(tau.size() == 1 ? std::vector<std::uint8_t>(kernel, cls[0]) : cls, shortest, delayed ? delays : nullptr);
    per_unit_ = per_unit_possible_ = true;
    reset();
}

void SynapsePreTrace::build_lag_rows(const std::vector<std::uint8_t>& cls, const std::vector<std::int32_t>& shortest,
                                     const std::vector<std::int32_t>* delays) {
    row_pattern_.clear();
    pattern_class_.clear();
    lag_.clear();
    lag_rows_.clear();
    const std::size_t n_post = n_pre_ == 0 ? 0 : size_ / n_pre_;
    if (lags_ > max_select_lags || n_post == 0) return;
    std::vector<std::uint8_t> rows(n_post), patterns;
    for (std::size_t p = 0; p < n_post; ++p) {
        const auto row = cls.begin() + static_cast<std::ptrdiff_t>(p * n_pre_);
        std::size_t k = 0;
        while (k < patterns.size() / n_pre_ &&
               !std::equal(row, row + static_cast<std::ptrdiff_t>(n_pre_), patterns.begin() + static_cast<std::ptrdiff_t>(k * n_pre_)))
            ++k;
        if (k == max_patterns) return;
        if (k == patterns.size() / n_pre_) patterns.insert(patterns.end(), row, row + static_cast<std::ptrdiff_t>(n_pre_));
        rows[p] = static_cast<std::uint8_t>(k);
    }
    lag_.resize(size_);
    for (std::size_t i = 0; i < size_; ++i)
        lag_[i] = static_cast<std::uint8_t>((delays ? (*delays)[i] : 0) - shortest[i % n_pre_]);
    row_pattern_ = std::move(rows);
    pattern_class_ = std::move(patterns);
    lag_rows_.assign(pattern_class_.size() * lags_, 0.0f);  // (patterns x n_pre entries, per lag)
}

void SynapsePreTrace::spread_lag_rows(std::size_t lags) noexcept {
    if (lag_rows_.empty()) return;
    const std::size_t slot = n_pre_ * classes_, patterns = pattern_class_.size() / n_pre_;
    for (std::size_t k = 0; k < patterns; ++k)
        for (std::size_t lag = 0; lag < lags; ++lag) {
            const float* x = now_ - static_cast<std::ptrdiff_t>(lag * slot);
            const std::uint8_t* c = pattern_class_.data() + k * n_pre_;
            spread_lag_row(x, c, lag_row(k, lag), n_pre_, classes_);
        }
}

float* SynapsePreTrace::lag_row(std::size_t pattern, std::size_t lag) noexcept {
    const std::size_t ring_slot = (lag_row_head_ + lag) % lags_;
    return lag_rows_.data() + (pattern * lags_ + ring_slot) * n_pre_;
}

void SynapsePreTrace::make_tracer() {
    per_unit_ = false;
    tracer_ = Tracer();  // release the old one first
    tracer_ = inverse_tau_tracer(size_, tau_, dt_);
}

void SynapsePreTrace::advance_units(const std::uint8_t* pre) noexcept {
    float* s = spikes_.data();  // s_q(t - d_q) for each element q C + c of X
    for (std::size_t q = 0; q < n_pre_; ++q) std::fill_n(s + q * classes_, classes_, spiked(pre[source_[q]]));
    advance_with_spikes();
}

void SynapsePreTrace::advance_units(const SynapseArrivals& arrivals) noexcept {
    // The code at q's source synapse has the spike bit exactly when one of q's groups lists its post (a
    // group's code always has it); spiked() of it is 1. A group lists the posts of one (q, delay) in
    // increasing order, and the source post is the lowest of those at q's shortest delay: if a group
    // lists it, it lists it first.
    float* s = spikes_.data();
    std::fill(spikes_.begin(), spikes_.end(), 0.0f);
    for (const ArrivalGroup& g : arrivals.groups)
        if (g.first != g.last && arrivals.posts[g.first] == source_post_[g.pre])
            std::fill_n(s + static_cast<std::size_t>(g.pre) * classes_, classes_, 1.0f);
    advance_with_spikes();
}

void SynapsePreTrace::advance_with_spikes() noexcept {
    const std::size_t slot = n_pre_ * classes_;
    if (slot_ + 1 == 2 * lags_) {  // keep the newest R slots, at the front
        std::memmove(history_.data(), history_.data() + lags_ * slot, lags_ * slot * sizeof(float));
        slot_ = lags_ - 1;
    }
    const float* prev = history_.data() + slot_ * slot;
    float* next = history_.data() + (slot_ + 1) * slot;
    advance_slot(prev, next, decay_.data(), scale_.data(), spikes_.data(), slot);
    ++slot_;
    now_ = next;
    // X at lag l this step is X at lag l - 1 last step: the lag rows are a ring, and only lag 0 is new.
    lag_row_head_ = (lag_row_head_ + lags_ - 1) % lags_;
    spread_lag_rows(1);
}

void SynapsePreTrace::copy(std::size_t first, std::size_t n, float* out) const noexcept {
    if (!per_unit_) {
        std::copy_n(tracer_.trace().data() + first, n, out);
        return;
    }
    if (!lag_rows_.empty() && n == n_pre_ && first % n_pre_ == 0) {  // a whole row: the select
        const float* rows = lag_rows_.data() + row_pattern_[first / n_pre_] * lags_ * n_pre_;
        const float* v[max_select_lags];
        for (std::size_t lag = 0; lag < max_select_lags; ++lag)
            v[lag] = rows + (lag < lags_ ? (lag_row_head_ + lag) % lags_ : 0) * n_pre_;
        select_by_lag(lag_.data() + first, v[0], v[1], v[2], v[3], out, n);
        return;
    }
    const std::int32_t* rel = rel_.data() + first;
    for (std::size_t k = 0; k < n; ++k) out[k] = now_[rel[k]];
}

void SynapsePreTrace::reset() noexcept {
    if (per_unit_possible_ && !per_unit_) {
        per_unit_ = true;
        tracer_ = Tracer();
    }
    if (!per_unit_) {
        tracer_.reset();
        return;
    }
    std::fill(history_.begin(), history_.end(), 0.0f);
    slot_ = lags_ - 1;
    now_ = history_.data() + slot_ * n_pre_ * classes_;
    lag_row_head_ = 0;
    spread_lag_rows(lags_);
}

std::vector<float> SynapsePreTrace::values() const {
    std::vector<float> x(size_);
    copy(0, size_, x.data());
    return x;
}

void SynapsePreTrace::to_per_synapse(std::span<const float> x) {
    make_tracer();
    std::copy(x.begin(), x.end(), tracer_.trace().begin());
}

void SynapsePreTrace::visit_state(StateVisitor& v, std::string_view name) {
    if (!per_unit_) {
        tracer_.visit_state(v, name);
        return;
    }
    std::vector<float> x = values();
    if (!v.writes()) return v(name, x);
    const std::vector<float> before = x;
    v(name, x);
    // The same values (a split run's gather before a snapshot: every process holds them alike) keep
    // the per-unit form.
    if (!std::equal(x.begin(), x.end(), before.begin(), [](float a, float b) {
            return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b);
        }))
        to_per_synapse(x);
}

}  // namespace spark::components::plasticity
