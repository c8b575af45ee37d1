#include <spark/core/param.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <spark/core/error.hpp>
#include <spark/core/text.hpp>

#include "draw.hpp"

namespace spark {

namespace {
constexpr std::array<std::string_view, 8> kInitializerNames{
    "constant_initializer",        "uniform_initializer",        "sparse_uniform_initializer",
    "normalized_sparse_uniform_initializer", "sparse_constant_initializer", "normal_initializer",
    "sparse_normal_initializer",   "block_initializer"};

// The smallest share of the normal distribution a redraw interval may hold (at most ~1e4 draws per value).
constexpr double kMinRedrawMass = 1e-4;

// P(min_value <= mean + stddev Z <= max_value) for a standard normal Z.
double normal_mass(const InitializerSpec& s) {
    const double lo = s.min_value ? *s.min_value : -INFINITY;
    const double hi = s.max_value ? *s.max_value : INFINITY;
    if (s.stddev == 0.0) return s.mean >= lo && s.mean <= hi ? 1.0 : 0.0;
    auto cdf = [&](double x) { return 0.5 * std::erfc(-(x - s.mean) / (s.stddev * std::sqrt(2.0))); };
    return cdf(hi) - cdf(lo);
}

std::string sub_field(const ParamWhere& where, std::string_view setting) {
    if (where.field.empty()) return std::string(setting);
    return std::string(where.field) + "." + std::string(setting);
}

[[noreturn]] void fail(const ParamWhere& where, std::string field, std::string value, std::string rule) {
    throw ConfigError(std::string(where.component), std::string(where.instance), std::move(field),
                      std::move(value), std::move(rule));
}

std::string with_units(std::string number, const ParamWhere& where) {
    if (!where.units.empty()) number.append(" ").append(where.units);
    return number;
}

std::string axes_text(const std::vector<std::size_t>& axes) {
    std::vector<std::string> items;
    for (auto a : axes) items.push_back(std::to_string(a));
    std::string text = "[";
    text += join(items);
    return text += "]";
}

void clip(std::span<float> values, const std::optional<double>& lo, const std::optional<double>& hi) {
    if (!lo && !hi) return;
    const float low = lo ? static_cast<float>(*lo) : -INFINITY;
    const float high = hi ? static_cast<float>(*hi) : INFINITY;
    for (auto& v : values) v = std::clamp(v, low, high);
}

// Sparse U[0,1) values (spec section 6): the key is split into a value stream and a mask stream, in
// that order; an element is kept where its mask draw is below `density`.
std::vector<float> sparse_unit(const Shape& shape, double density, Rng& rng) {
    Rng value_stream = rng.split();
    Rng mask_stream = rng.split();
    const std::size_t n = shape.size();
    std::vector<float> values(n);
    for (auto& v : values) v = value_stream.uniform();
    const auto d = static_cast<float>(density);
    for (auto& v : values)
        if (!(mask_stream.uniform() < d)) v = 0.0f;
    return values;
}

// Divides every value by the sum of its group, a group being all elements that share their coordinates
// on `axes` (the sum runs over every other axis), then multiplies by `scale`. Sums are taken in double
// in row-major order, so they do not depend on anything but the values.
void normalize(std::vector<float>& values, const Shape& shape, const std::vector<std::size_t>& axes, double scale) {
    const auto& dims = shape.dims();
    std::vector<std::size_t> strides(dims.size(), 1);
    for (std::size_t d = dims.size() - 1; d > 0; --d) strides[d - 1] = strides[d] * dims[d];
    std::size_t groups = 1;
    for (auto a : axes) groups *= dims[a];
    auto group_of = [&](std::size_t flat) {
        std::size_t g = 0;
        for (auto a : axes) g = g * dims[a] + (flat / strides[a]) % dims[a];
        return g;
    };
    std::vector<double> sums(groups, 0.0);
    for (std::size_t i = 0; i < values.size(); ++i) sums[group_of(i)] += values[i];
    const auto s = static_cast<float>(scale);
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double sum = sums[group_of(i)];
        if (sum != 0.0) values[i] = static_cast<float>(values[i] / sum);
        values[i] = s * values[i];
    }
}
}  // namespace

std::span<const std::string_view> initializer_names() noexcept { return kInitializerNames; }

namespace {
// block_initializer: the last axis split into the blocks' column ranges; block b is drawn as its own
// array of shape (leading dims..., size_b) from the b-th split of `rng`, then scattered into place.
std::vector<float> initialize_blocks(const InitializerSpec& spec, const Shape& shape, Rng& rng,
                                     const InitOverrides& overrides, const ParamWhere& where) {
    check_initializer(spec, where);
    const std::size_t cols = shape.rank() == 0 ? 1 : shape.dims().back();
    std::size_t total = 0;
    for (const auto& b : spec.blocks) total += b.size;
    if (total != cols)
        fail(where, sub_field(where, "blocks"), std::to_string(total) + " columns",
             "must add up to the last axis of shape " + shape.to_string() + " (" + std::to_string(cols) + ")");
    const std::size_t rows = cols == 0 ? 0 : shape.size() / cols;
    std::vector<float> values(shape.size());
    std::size_t first = 0;
    for (std::size_t b = 0; b < spec.blocks.size(); ++b) {
        const auto& block = spec.blocks[b];
        std::vector<std::size_t> dims(shape.dims().begin(), shape.dims().end());
        if (dims.empty()) dims.push_back(1);
        dims.back() = block.size;
        const std::string field = sub_field(where, "blocks[" + std::to_string(b) + "]");
        Rng key = rng.split();
        const auto part = initialize(block.spec, Shape(dims), key, overrides,
                                     ParamWhere{where.component, where.instance, field, where.units});
        for (std::size_t r = 0; r < rows; ++r)
            std::copy_n(part.begin() + static_cast<std::ptrdiff_t>(r * block.size), block.size,
                        values.begin() + static_cast<std::ptrdiff_t>(r * cols + first));
        first += block.size;
    }
    return values;
}
}  // namespace

std::optional<std::string_view> find_initializer(std::string_view name) {
    const std::string normalized = normalize_name(name);
    for (auto known : kInitializerNames)
        if (known == normalized || known == normalized + "_initializer") return known;
    return std::nullopt;
}

void check_initializer(const InitializerSpec& spec, const ParamWhere& where) {
    const auto kind = find_initializer(spec.kind);
    if (!kind) {
        std::vector<std::string> known(kInitializerNames.begin(), kInitializerNames.end());
        fail(where, sub_field(where, "initializer"), "\"" + spec.kind + "\"",
             "is not a registered initializer (did you mean " +
                 join(closest_names(normalize_name(spec.kind), known)) + "?)");
    }
    auto check_setting = [&](std::string_view setting, double value) {
        if (!std::isfinite(value))
            fail(where, sub_field(where, setting), with_units(format_number(value), where),
                 "must be a finite number");
        check_fits_float(value, where, sub_field(where, setting));
    };
    check_setting("scale", spec.scale);
    check_setting("offset", spec.offset);
    if (spec.min_value) check_setting("min_value", *spec.min_value);
    if (spec.max_value) check_setting("max_value", *spec.max_value);
    if (!satisfies(Bound::zero_one, spec.density))
        fail(where, sub_field(where, "density"), format_number(spec.density), "must be in [0, 1]");
    if (spec.min_value && spec.max_value && *spec.min_value > *spec.max_value)
        fail(where, sub_field(where, "min_value"), with_units(format_number(*spec.min_value), where),
             "must be <= max_value = " + with_units(format_number(*spec.max_value), where));
    auto axes = spec.norm_axes;
    std::sort(axes.begin(), axes.end());
    if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
        fail(where, sub_field(where, "norm_axes"), axes_text(spec.norm_axes), "must not repeat an axis");
    if (detail::is_normal_kind(*kind)) {
        check_setting("mean", spec.mean);
        if (!satisfies(Bound::non_negative, spec.stddev))
            fail(where, sub_field(where, "stddev"), with_units(format_number(spec.stddev), where),
                 std::string(violated_rule(Bound::non_negative, spec.stddev)));
        check_fits_float(spec.stddev, where, sub_field(where, "stddev"));
        if (spec.redraw && normal_mass(spec) < kMinRedrawMass)
            fail(where, sub_field(where, "min_value"),
                 with_units(spec.min_value ? format_number(*spec.min_value) : std::string("none"), where),
                 "and max_value = " +
                     with_units(spec.max_value ? format_number(*spec.max_value) : std::string("none"), where) +
                     " hold less than 1e-4 of normal(mean = " + format_number(spec.mean) +
                     ", stddev = " + format_number(spec.stddev) + "); redraw would not end");
    }
    if (*kind == "block_initializer") {
        if (spec.blocks.empty()) fail(where, sub_field(where, "blocks"), "[]", "must list at least one block");
        for (std::size_t b = 0; b < spec.blocks.size(); ++b) {
            const std::string field = sub_field(where, "blocks[" + std::to_string(b) + "]");
            const ParamWhere inner{where.component, where.instance, field, where.units};
            const auto& block = spec.blocks[b];
            if (block.size == 0) fail(where, field + ".size", "0", "must be > 0 (columns in the block)");
            if (find_initializer(block.spec.kind) == std::optional<std::string_view>("block_initializer"))
                fail(where, field + ".initializer", "\"block_initializer\"", "must not be nested in a block");
            check_initializer(block.spec, inner);
        }
    } else if (!spec.blocks.empty()) {
        fail(where, sub_field(where, "blocks"), std::to_string(spec.blocks.size()) + " blocks",
             "are only read by block_initializer (this is " + std::string(*kind) + ")");
    }
}

namespace detail {
void fail_redraw(const ParamWhere& where, float low, float high) {
    fail(where, std::string(where.field), {},
         "gave up redrawing: " + std::to_string(max_redraws) + " normal draws in a row fell outside [" +
             format_number(low) + ", " + format_number(high) + "]");
}

InitializerSpec apply_overrides(const InitializerSpec& spec, const InitOverrides& overrides) {
    InitializerSpec effective = spec;
    const auto kind = find_initializer(spec.kind);
    const bool normal = kind && is_normal_kind(*kind);
    if (overrides.scale && !normal) effective.scale = *overrides.scale;
    if (overrides.min_value) {
        if (normal && spec.min_value) effective.min_value = std::max(*spec.min_value, *overrides.min_value);
        else effective.min_value = overrides.min_value;
    }
    if (overrides.norm_axes) effective.norm_axes = *overrides.norm_axes;
    return effective;
}
}  // namespace detail

std::vector<float> initialize(const InitializerSpec& spec, const Shape& shape, Rng& rng,
                              const InitOverrides& overrides, std::string_view where) {
    return initialize(spec, shape, rng, overrides, ParamWhere{where, {}, {}, {}});
}

std::vector<float> initialize(const InitializerSpec& spec, const Shape& shape, Rng& rng,
                              const InitOverrides& overrides, const ParamWhere& where) {
    return initialize(spec, shape, rng, overrides, where, ElementRange{});
}

namespace {
// The elements a range keeps of n: [first, last), and how many.
struct Kept {
    std::size_t first, last;
    std::size_t count() const noexcept { return last - first; }
};
Kept kept_of(ElementRange range, std::size_t n) noexcept {
    const std::size_t last = std::min(range.last, n);
    return {std::min(range.first, last), last};
}

// Where the kept values go: a caller's span of exactly their count, or a vector the draw sizes and that
// adopts an array drawn whole (the whole-array kinds, no range) without a copy, so a whole draw holds
// one array only.
std::span<float> room(std::span<float> out, std::size_t count) {
    if (out.size() != count)
        throw InternalError("an output of " + std::to_string(out.size()) + " values for a range of " +
                            std::to_string(count));
    return out;
}
std::span<float> room(std::vector<float>& out, std::size_t count) {
    out.resize(count);
    return out;
}
// The range `kept` of an array drawn whole, into `out`.
std::span<float> keep(std::span<float> out, const std::vector<float>& all, Kept kept) {
    std::copy(all.begin() + static_cast<std::ptrdiff_t>(kept.first),
              all.begin() + static_cast<std::ptrdiff_t>(kept.last), room(out, kept.count()).begin());
    return out;
}
std::span<float> keep(std::vector<float>& out, std::vector<float>&& all, Kept kept) {
    if (kept.first == 0 && kept.last == all.size()) out = std::move(all);
    else out.assign(all.begin() + static_cast<std::ptrdiff_t>(kept.first),
                    all.begin() + static_cast<std::ptrdiff_t>(kept.last));
    return out;
}

// initialize() and initialize_into(): elements `range` of the draw, into `out` (see room and keep).
template <class Out>
void draw_range(const InitializerSpec& spec, const Shape& shape, Rng& rng, const InitOverrides& overrides,
                const ParamWhere& where, ElementRange range, Out& out) {
    const std::size_t n = shape.size();
    const Kept kept = kept_of(range, n);
    // The module's init_kwargs win over the user's settings (spec section 1.5).
    if (find_initializer(spec.kind) == std::optional<std::string_view>("block_initializer")) {
        keep(out, initialize_blocks(spec, shape, rng, overrides, where), kept);
        return;
    }
    const InitializerSpec effective = detail::apply_overrides(spec, overrides);
    check_initializer(effective, where);
    const std::string_view kind = *find_initializer(effective.kind);
    const double scale = effective.scale;

    // The element-wise kinds draw the elements before the range and drop them (one draw each for the
    // uniform ones; the normal sampler's own count).
    std::span<float> values;
    if (kind == "constant_initializer") {
        values = room(out, kept.count());
        std::fill(values.begin(), values.end(), static_cast<float>(scale));  // min/max are ignored (spec section 6)
        return;
    } else if (kind == "uniform_initializer") {
        for (std::size_t i = 0; i < kept.first; ++i) (void)rng.next();
        values = room(out, kept.count());
        const auto s = static_cast<float>(scale);
        const auto o = static_cast<float>(effective.offset);
        for (auto& v : values) v = o + s * rng.uniform();
    } else if (kind == "sparse_constant_initializer") {
        (void)rng.split();  // the value stream of the other sparse kinds: keep the mask on the same stream
        Rng mask_stream = rng.split();
        for (std::size_t i = 0; i < kept.first; ++i) (void)mask_stream.next();
        const auto d = static_cast<float>(effective.density);
        values = room(out, kept.count());
        for (auto& v : values) v = mask_stream.uniform() < d ? static_cast<float>(scale) : 0.0f;
    } else if (kind == "normal_initializer") {
        detail::ElementSampler sampler(detail::ElementKind::normal, effective, rng, where);
        for (std::size_t i = 0; i < kept.first; ++i) (void)sampler.next();
        values = room(out, kept.count());
        for (auto& v : values) v = sampler.next();
        return;  // bounded as drawn
    } else if (kind == "sparse_normal_initializer") {
        // Like the sparse uniform kind: a value stream, then a mask stream; the bounds apply to the
        // drawn values only, so the zeros stay zeros.
        Rng value_stream = rng.split();
        Rng mask_stream = rng.split();
        detail::ElementSampler sampler(detail::ElementKind::normal, effective, value_stream, where);
        for (std::size_t i = 0; i < kept.first; ++i) (void)sampler.next();
        values = room(out, kept.count());
        for (auto& v : values) v = sampler.next();
        for (std::size_t i = 0; i < kept.first; ++i) (void)mask_stream.next();
        const auto d = static_cast<float>(effective.density);
        for (auto& v : values)
            if (!(mask_stream.uniform() < d)) v = 0.0f;
        return;
    } else if (kind == "sparse_uniform_initializer") {
        values = keep(out, sparse_unit(shape, effective.density, rng), kept);
        const auto s = static_cast<float>(scale);
        for (auto& v : values) v *= s;
    } else {  // normalized_sparse_uniform_initializer
        if (shape.rank() < 2)
            fail(where, sub_field(where, "initializer"), std::string("\"").append(kind).append("\""),
                 "needs a shape of at least 2 dimensions; got " + shape.to_string());
        std::vector<std::size_t> axes = effective.norm_axes;
        if (axes.empty()) axes = {0};
        std::sort(axes.begin(), axes.end());
        if (axes.back() >= shape.rank())
            fail(where, sub_field(where, "norm_axes"), axes_text(effective.norm_axes),
                 "must name axes below the rank " + std::to_string(shape.rank()) + " of shape " + shape.to_string());
        std::vector<float> all = sparse_unit(shape, effective.density, rng);
        normalize(all, shape, axes, scale);
        values = keep(out, std::move(all), kept);
    }
    clip(values, effective.min_value, effective.max_value);
}
}  // namespace

std::vector<float> initialize(const InitializerSpec& spec, const Shape& shape, Rng& rng,
                              const InitOverrides& overrides, const ParamWhere& where, ElementRange range) {
    std::vector<float> values;
    draw_range(spec, shape, rng, overrides, where, range, values);
    return values;
}

void initialize_into(const InitializerSpec& spec, const Shape& shape, Rng& rng, const InitOverrides& overrides,
                     const ParamWhere& where, ElementRange range, std::span<float> out) {
    draw_range(spec, shape, rng, overrides, where, range, out);
}

std::string_view describe(Bound bound) noexcept {
    switch (bound) {
        case Bound::none: return "must be a number";
        case Bound::positive: return "must be > 0";
        case Bound::non_negative: return "must be >= 0";
        case Bound::zero_one: return "must be in [0, 1]";
        case Bound::binary: return "must be 0 or 1";
    }
    return "";
}

std::string_view bound_text(Bound bound) noexcept {
    switch (bound) {
        case Bound::none: return "";
        case Bound::positive: return "> 0";
        case Bound::non_negative: return ">= 0";
        case Bound::zero_one: return "[0, 1]";
        case Bound::binary: return "0 or 1";
    }
    return "";
}

std::string_view violated_rule(Bound bound, double value) noexcept {
    if (std::isfinite(value)) return describe(bound);
    switch (bound) {
        case Bound::none: return "must be a finite number";
        case Bound::positive: return "must be a finite number > 0";
        case Bound::non_negative: return "must be a finite number >= 0";
        case Bound::zero_one: return describe(bound);
        case Bound::binary: return describe(bound);
    }
    return "";
}

void check_fits_float(double value, const ParamWhere& where, std::string_view field) {
    constexpr double largest = std::numeric_limits<float>::max();
    if (std::isfinite(value) && std::abs(value) > largest)
        fail(where, std::string(field), with_units(format_number(value), where),
             "does not fit a float32 parameter (largest magnitude " + format_number(largest) + ")");
}

std::vector<float> Param::materialize(const Shape& shape, Rng& rng, Bound bound, std::string_view where,
                                      const InitOverrides& overrides) const {
    return materialize(shape, rng, bound, ParamWhere{where, {}, {}, {}}, overrides);
}

std::vector<float> Param::materialize(const Shape& shape, Rng& rng, Bound bound, const ParamWhere& where,
                                      const InitOverrides& overrides) const {
    return materialize(shape, rng, bound, where, overrides, ElementRange{});
}

namespace {
// Param::materialize() and materialize_into(): elements `range` of the parameter's values, into `out`.
template <class Out>
void materialize_range(const Param& param, const Shape& shape, Rng& rng, Bound bound, const ParamWhere& where,
                       const InitOverrides& overrides, ElementRange range, Out& out) {
    Rng key = rng.split();  // one key per parameter, consumed whatever the parameter holds
    const std::size_t n = shape.size();
    const Kept kept = kept_of(range, n);
    std::span<float> values;
    if (param.is_scalar()) {
        values = room(out, kept.count());
        std::fill(values.begin(), values.end(), static_cast<float>(param.scalar()));
    } else if (param.is_array()) {
        const std::vector<float>& array = param.array();
        if (array.size() == 1) {
            values = room(out, kept.count());
            std::fill(values.begin(), values.end(), array[0]);
        } else if (array.size() != n) {
            fail(where, std::string(where.field), param.to_value().to_string(),
                 "has " + std::to_string(array.size()) + " values; expected 1 or " + std::to_string(n) +
                     " (one per element of shape " + shape.to_string() + ")");
        } else {
            values = room(out, kept.count());
            std::copy(array.begin() + static_cast<std::ptrdiff_t>(kept.first),
                      array.begin() + static_cast<std::ptrdiff_t>(kept.last), values.begin());
        }
    } else {
        draw_range(param.initializer(), shape, key, overrides, where, range, out);
        values = out;
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (satisfies(bound, values[i])) continue;
        std::string field(where.field);
        if (!param.is_scalar()) field.append("[").append(std::to_string(kept.first + i)).append("]");
        std::string rule(violated_rule(bound, values[i]));
        if (param.is_initializer())
            rule.append(" (drawn by ").append(*find_initializer(param.initializer().kind)).append(")");
        fail(where, std::move(field), with_units(format_number(decimal_double(values[i])), where), std::move(rule));
    }
}
}  // namespace

std::vector<float> Param::materialize(const Shape& shape, Rng& rng, Bound bound, const ParamWhere& where,
                                      const InitOverrides& overrides, ElementRange range) const {
    std::vector<float> values;
    materialize_range(*this, shape, rng, bound, where, overrides, range, values);
    return values;
}

void Param::materialize_into(const Shape& shape, Rng& rng, Bound bound, const ParamWhere& where,
                             const InitOverrides& overrides, ElementRange range, std::span<float> out) const {
    materialize_range(*this, shape, rng, bound, where, overrides, range, out);
}

Value Param::to_value() const {
    if (is_scalar()) return Value(scalar());
    if (is_array()) {
        Value::List list;
        list.reserve(array().size());
        for (float v : array()) list.emplace_back(decimal_double(v));
        return Value(std::move(list));
    }
    const auto& s = initializer();
    Value::Map map{{"initializer", Value(s.kind)}, {"scale", Value(s.scale)}};
    if (s.offset != 0.0) map.emplace_back("offset", Value(s.offset));
    if (s.min_value) map.emplace_back("min_value", Value(*s.min_value));
    if (s.max_value) map.emplace_back("max_value", Value(*s.max_value));
    const std::string kind = normalize_name(s.kind);
    if (kind.find("sparse") != std::string::npos) map.emplace_back("density", Value(s.density));
    if (!s.norm_axes.empty()) {
        Value::List axes;
        for (auto a : s.norm_axes) axes.emplace_back(static_cast<double>(a));
        map.emplace_back("norm_axes", Value(std::move(axes)));
    }
    if (kind.find("normal_initializer") != std::string::npos && kind.find("normalized") == std::string::npos) {
        map.emplace_back("mean", Value(s.mean));
        map.emplace_back("stddev", Value(s.stddev));
        if (s.redraw) map.emplace_back("redraw", Value(true));
    }
    if (!s.blocks.empty()) {
        Value::List blocks;
        for (const auto& b : s.blocks) {
            Value block = Param(b.spec).to_value();
            block.as_map().insert(block.as_map().begin(), {"size", Value(static_cast<double>(b.size))});
            blocks.emplace_back(std::move(block));
        }
        map.emplace_back("blocks", Value(std::move(blocks)));
    }
    return Value(std::move(map));
}

}  // namespace spark
