#include <spark/core/param.hpp>

#include <algorithm>
#include <array>
#include <cmath>

#include <spark/core/error.hpp>
#include <spark/core/text.hpp>

namespace spark {

namespace {
constexpr std::array<std::string_view, 4> kInitializerNames{
    "constant_initializer", "uniform_initializer", "sparse_uniform_initializer",
    "normalized_sparse_uniform_initializer"};

[[noreturn]] void init_error(std::string_view where, std::string_view field, const std::string& value,
                             std::string rule) {
    throw ConfigError(std::string(where), "", std::string(field), value, std::move(rule));
}

void clip(std::vector<float>& values, const std::optional<double>& lo, const std::optional<double>& hi) {
    if (!lo && !hi) return;
    const float low = lo ? static_cast<float>(*lo) : -INFINITY;
    const float high = hi ? static_cast<float>(*hi) : INFINITY;
    for (auto& v : values) v = std::clamp(v, low, high);
}

// Sparse U[0,1) values: the values from one child stream, the mask from a second (spec section 6).
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
}  // namespace

std::span<const std::string_view> initializer_names() noexcept { return kInitializerNames; }

std::vector<float> initialize(const InitializerSpec& spec, const Shape& shape, Rng& rng,
                              const InitOverrides& overrides, std::string_view where) {
    const std::string kind = normalize_name(spec.kind);
    const double scale = overrides.scale.value_or(spec.scale);
    const std::optional<double> min_value = overrides.min_value ? overrides.min_value : spec.min_value;
    const std::optional<double> max_value = spec.max_value;
    const std::size_t n = shape.size();
    if (spec.density < 0.0 || spec.density > 1.0)
        init_error(where, "density", format_number(spec.density), "must be in [0, 1]");
    if (min_value && max_value && *min_value > *max_value)
        init_error(where, "min_value", format_number(*min_value),
                   "must be <= max_value = " + format_number(*max_value));

    std::vector<float> values;
    if (kind == "constant_initializer") {
        return std::vector<float>(n, static_cast<float>(scale));  // min/max are ignored (spec section 6)
    } else if (kind == "uniform_initializer") {
        values.resize(n);
        const auto s = static_cast<float>(scale);
        for (auto& v : values) v = s * rng.uniform();
    } else if (kind == "sparse_uniform_initializer") {
        values = sparse_unit(shape, spec.density, rng);
        const auto s = static_cast<float>(scale);
        for (auto& v : values) v *= s;
    } else if (kind == "normalized_sparse_uniform_initializer") {
        if (shape.rank() < 2)
            init_error(where, "shape", shape.to_string(), "must have at least 2 dimensions for " + kind);
        std::vector<std::size_t> axes = overrides.norm_axes ? *overrides.norm_axes : spec.norm_axes;
        if (axes.empty()) axes = {0};
        std::sort(axes.begin(), axes.end());
        if (std::adjacent_find(axes.begin(), axes.end()) != axes.end() || axes.back() >= shape.rank())
            init_error(where, "norm_axes", "", "must be unique axes below rank " + std::to_string(shape.rank()));
        values = sparse_unit(shape, spec.density, rng);
        // Sum over every axis not in norm_axes: group elements by their norm-axes coordinates.
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
        for (std::size_t i = 0; i < n; ++i) sums[group_of(i)] += values[i];
        for (std::size_t i = 0; i < n; ++i) {
            const double s = sums[group_of(i)];
            if (s != 0.0) values[i] = static_cast<float>(values[i] / s);
            values[i] = static_cast<float>(scale) * values[i];
        }
    } else {
        std::vector<std::string> known(kInitializerNames.begin(), kInitializerNames.end());
        init_error(where, "initializer", "\"" + spec.kind + "\"",
                   "is not a registered initializer (did you mean " + join(closest_names(kind, known), ", ") + "?)");
    }
    clip(values, min_value, max_value);
    return values;
}

bool satisfies(Bound bound, double v) noexcept {
    switch (bound) {
        case Bound::none: return !std::isnan(v);
        case Bound::positive: return v > 0.0;
        case Bound::non_negative: return v >= 0.0;
        case Bound::zero_one: return v >= 0.0 && v <= 1.0;
        case Bound::binary: return v == 0.0 || v == 1.0;
    }
    return false;
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

std::vector<float> Param::materialize(const Shape& shape, Rng& rng, Bound bound, std::string_view where,
                                      const InitOverrides& overrides) const {
    const std::size_t n = shape.size();
    std::vector<float> values;
    if (is_scalar()) {
        values.assign(n, static_cast<float>(scalar()));
    } else if (is_array()) {
        if (array().size() == 1) {
            values.assign(n, array()[0]);
        } else if (array().size() != n) {
            throw ConfigError(std::string(where), "", "", Value(to_value()).to_string(),
                              "has " + std::to_string(array().size()) + " values; expected 1 or " +
                                  std::to_string(n) + " (one per element of shape " + shape.to_string() + ")");
        } else {
            values = array();
        }
    } else {
        values = initialize(initializer(), shape, rng, overrides, where);
    }
    for (std::size_t i = 0; i < values.size(); ++i)
        if (!satisfies(bound, values[i]))
            throw ConfigError(std::string(where), "", "",
                              format_number(values[i]) + (is_initializer() ? " (drawn at element " +
                                                                                  std::to_string(i) + ")"
                                                                            : ""),
                              std::string(describe(bound)));
    return values;
}

Value Param::to_value() const {
    if (is_scalar()) return Value(scalar());
    if (is_array()) {
        Value::List list;
        list.reserve(array().size());
        for (float v : array()) list.emplace_back(static_cast<double>(v));
        return Value(std::move(list));
    }
    const auto& s = initializer();
    Value::Map map{{"initializer", Value(s.kind)}, {"scale", Value(s.scale)}};
    if (s.min_value) map.emplace_back("min_value", Value(*s.min_value));
    if (s.max_value) map.emplace_back("max_value", Value(*s.max_value));
    const std::string kind = normalize_name(s.kind);
    if (kind.find("sparse") != std::string::npos) map.emplace_back("density", Value(s.density));
    if (!s.norm_axes.empty()) {
        Value::List axes;
        for (auto a : s.norm_axes) axes.emplace_back(static_cast<double>(a));
        map.emplace_back("norm_axes", Value(std::move(axes)));
    }
    return Value(std::move(map));
}

}  // namespace spark
