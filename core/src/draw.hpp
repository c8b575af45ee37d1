#pragma once
// Private to core: element-wise draws shared by the dense initializers (param.cpp) and the compressed
// ones (sparse.cpp), so that both produce the same value from the same stream.
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <string_view>

#include <spark/core/param.hpp>
#include <spark/core/rng.hpp>

namespace spark::detail {

enum class ElementKind : unsigned char { constant, uniform, normal };

// Standard normal deviates by Marsaglia's polar method, in pairs: the second of each pair is kept for
// the next call, so a stream of calls is a pure function of the Rng state.
// `own_rng`: nothing else draws from `rng`, so the deviates may be drawn a batch ahead (the same values
// in the same order; the Rng then runs ahead of them): the pairs' rejection test without a branch per
// pair and independent logarithms that overlap, where one pair at a time waits on each in turn.
class NormalStream {
public:
    explicit NormalStream(Rng& rng, bool own_rng = false) noexcept : rng_(&rng), ahead_(own_rng) {}
    double next() noexcept {
        if (ahead_) {
            if (next_ == ahead_pairs * 2) draw_ahead();
            return ahead_values_[next_++];
        }
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        double u = 0.0, v = 0.0, s = 0.0;
        do {
            u = 2.0 * rng_->uniform_double() - 1.0;
            v = 2.0 * rng_->uniform_double() - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        const double f = std::sqrt(-2.0 * std::log(s) / s);
        spare_ = v * f;
        has_spare_ = true;
        return u * f;
    }

private:
    static constexpr std::size_t ahead_pairs = 32;
    // The next ahead_pairs accepted pairs, in the order next() above would return them.
    void draw_ahead() noexcept {
        std::array<double, ahead_pairs> us, vs, ss;
        for (std::size_t n = 0; n < ahead_pairs;) {
            const double u = 2.0 * rng_->uniform_double() - 1.0;
            const double v = 2.0 * rng_->uniform_double() - 1.0;
            const double s = u * u + v * v;
            us[n] = u;  // kept only when accepted: a rejected pair is overwritten by the next
            vs[n] = v;
            ss[n] = s;
            n += static_cast<std::size_t>(s < 1.0 && s != 0.0);
        }
        for (std::size_t i = 0; i < ahead_pairs; ++i) {
            const double f = std::sqrt(-2.0 * std::log(ss[i]) / ss[i]);
            ahead_values_[2 * i] = us[i] * f;
            ahead_values_[2 * i + 1] = vs[i] * f;
        }
        next_ = 0;
    }

    Rng* rng_;
    double spare_ = 0.0;
    bool has_spare_ = false;
    bool ahead_ = false;
    std::size_t next_ = ahead_pairs * 2;
    std::array<double, ahead_pairs * 2> ahead_values_;
};

// The most draws a redraw takes for one value before giving up. check_initializer() refuses bounds
// that hold less than 1e-4 of the distribution (1e4 draws per value on average), so only a case it
// cannot see (bounds that float32 rounding closes, ...) reaches this: the chance of 1e6 misses at a
// mass of 1e-4 is e^-100.
inline constexpr std::size_t max_redraws = 1'000'000;

// Throws ConfigError naming `where`: a redraw did not land inside [low, high] in max_redraws draws.
[[noreturn]] void fail_redraw(const ParamWhere& where, float low, float high);

// One value of an element-wise initializer (constant, uniform, normal, or the value part of a sparse
// kind), bounds included, from `rng`. `spec` is the effective spec (overrides applied); `where` names
// the parameter if a redraw gives up (it must outlive the sampler).
class ElementSampler {
public:
    // `own_rng`: nothing else draws from `rng` (NormalStream).
    ElementSampler(ElementKind kind, const InitializerSpec& spec, Rng& rng, const ParamWhere& where,
                   bool own_rng = false) noexcept
        : kind_(kind), where_(where), rng_(&rng), normal_(rng, own_rng),
          low_(spec.min_value ? static_cast<float>(*spec.min_value) : -std::numeric_limits<float>::infinity()),
          high_(spec.max_value ? static_cast<float>(*spec.max_value) : std::numeric_limits<float>::infinity()),
          scale_(static_cast<float>(spec.scale)), offset_(static_cast<float>(spec.offset)),
          mean_(spec.mean), stddev_(spec.stddev), redraw_(spec.redraw) {}

    // The value before the bounds (uniform: offset + scale U, in float32 as the dense initializer).
    float raw() noexcept {
        switch (kind_) {
            case ElementKind::constant: return scale_;
            case ElementKind::uniform: return offset_ + scale_ * rng_->uniform();
            case ElementKind::normal: return static_cast<float>(mean_ + stddev_ * normal_.next());
        }
        return 0.0f;  // (next_normal() draws the same value)
    }
    // The bounded value: clipped, or (normal kinds with redraw) drawn again until inside the bounds.
    float next() {
        if (kind_ == ElementKind::constant) return scale_;  // min and max are ignored (spec section 6)
        if (kind_ == ElementKind::normal) return next_normal();
        return clip(raw());
    }
    // next() of every element of `out` in turn (the kind tested once).
    void fill(std::span<float> out) {
        if (kind_ == ElementKind::normal)
            for (float& v : out) v = next_normal();
        else
            for (float& v : out) v = next();
    }

private:
    float clip(float v) const noexcept { return v < low_ ? low_ : (v > high_ ? high_ : v); }
    float next_normal() {
        float v = static_cast<float>(mean_ + stddev_ * normal_.next());
        if (!redraw_) return clip(v);
        for (std::size_t draws = 1; !(v >= low_ && v <= high_); ++draws) {
            if (draws == max_redraws) fail_redraw(where_, low_, high_);
            v = static_cast<float>(mean_ + stddev_ * normal_.next());
        }
        return v;
    }

    ElementKind kind_;
    ParamWhere where_;
    Rng* rng_;
    NormalStream normal_;
    float low_, high_, scale_, offset_;
    double mean_, stddev_;
    bool redraw_;
};

// The effective spec of an initializer under a module's overrides (param.hpp, InitOverrides).
InitializerSpec apply_overrides(const InitializerSpec& spec, const InitOverrides& overrides);

// Whether `kind` (a registry name) is one of the normal kinds.
inline bool is_normal_kind(std::string_view kind) noexcept {
    return kind == "normal_initializer" || kind == "sparse_normal_initializer";
}

}  // namespace spark::detail
