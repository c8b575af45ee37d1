#pragma once
// Parameters and initializers (spec section 6).
//
// A Param is what a model parameter holds: a scalar, one value per element (a per-neuron or
// per-synapse array) or an initializer that draws the values at build time from the node's stream.
// Bounds (a time constant must be > 0, ...) are checked on the config for scalars and arrays, and on
// the drawn values for initializers.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <spark/core/payload.hpp>
#include <spark/core/rng.hpp>
#include <spark/core/value.hpp>

namespace spark {

// The config of an initializer, by its registry name (spec section 6):
//   constant_initializer                    scale * 1
//   uniform_initializer                     clip(offset + scale * U[0,1), min_value, max_value)
//   sparse_uniform_initializer              clip(where(U[0,1) < density, scale * U[0,1), 0), min, max)
//   normalized_sparse_uniform_initializer   sparse U[0,1) values divided by their sum over the axes not
//                                           in norm_axes, then clip(scale * u, min, max)
// and spark's additions (not in the original):
//   sparse_constant_initializer             where(U[0,1) < density, scale, 0)   (fixed-weight random
//                                           connectivity)
//   normal_initializer                      bound(mean + stddev * N(0,1))   (`scale` is not used)
//   sparse_normal_initializer               where(U[0,1) < density, bound(mean + stddev * N(0,1)), 0)
//   block_initializer                       the last axis split into consecutive blocks of `size`
//                                           columns, each block drawn by its own initializer (e.g. the
//                                           kernel of a synapse group fed by several concatenated
//                                           populations: one block per population)
// min_value and max_value are clips, not a range offset (a sparse zero below min_value becomes min_value);
// `offset` (spark's addition, default 0) shifts the uniform initializer, so U[a, b) is offset a, scale b - a.
// For the normal kinds, bound() clips into [min_value, max_value], or, with `redraw`, draws again until
// the value lies inside (NEST's "normal_clipped", a truncated normal); their bounds apply to the drawn
// values only, so the zeros of sparse_normal stay zeros.
struct InitializerBlock;

struct InitializerSpec {
    std::string kind = "constant_initializer";
    double scale = 1.0;
    std::optional<double> min_value;
    std::optional<double> max_value;
    double density = 0.2;                 // sparse kinds only, in [0, 1]
    std::vector<std::size_t> norm_axes;   // normalized kind only; empty = (0); a module's InitOverrides win
    double offset = 0.0;                  // uniform kind only (spark's addition)
    double mean = 0.0;                    // normal kinds only (spark's addition)
    double stddev = 1.0;                  // normal kinds only, >= 0
    bool redraw = false;                  // normal kinds only: redraw out-of-bound values instead of clipping
    std::vector<InitializerBlock> blocks;    // block kind only, in column order

    bool operator==(const InitializerSpec&) const = default;
};

// One block of a block_initializer: `size` consecutive columns of the last axis, drawn by `spec`.
struct InitializerBlock {
    std::size_t size = 0;
    InitializerSpec spec;

    bool operator==(const InitializerBlock&) const = default;
};

// Spark's initializer configs with their defaults, for config default member initializers:
//   Param kernel = sparse_uniform_initializer();        // density 0.2, scale 1
//   Param delays = uniform_initializer();
inline InitializerSpec constant_initializer(double scale = 1.0) {
    InitializerSpec s;
    s.kind = "constant_initializer";
    s.scale = scale;
    return s;
}
inline InitializerSpec uniform_initializer(double scale = 1.0, std::optional<double> min_value = {},
                                           std::optional<double> max_value = {}) {
    InitializerSpec s;
    s.kind = "uniform_initializer";
    s.scale = scale;
    s.min_value = min_value;
    s.max_value = max_value;
    return s;
}
inline InitializerSpec sparse_uniform_initializer(double scale = 1.0, double density = 0.2) {
    InitializerSpec s;
    s.kind = "sparse_uniform_initializer";
    s.scale = scale;
    s.density = density;
    return s;
}
inline InitializerSpec normal_initializer(double mean, double stddev, std::optional<double> min_value = {},
                                          std::optional<double> max_value = {}, bool redraw = false) {
    InitializerSpec s;
    s.kind = "normal_initializer";
    s.mean = mean;
    s.stddev = stddev;
    s.min_value = min_value;
    s.max_value = max_value;
    s.redraw = redraw;
    return s;
}
inline InitializerSpec sparse_normal_initializer(double mean, double stddev, double density,
                                                 std::optional<double> min_value = {},
                                                 std::optional<double> max_value = {}, bool redraw = false) {
    InitializerSpec s = normal_initializer(mean, stddev, min_value, max_value, redraw);
    s.kind = "sparse_normal_initializer";
    s.density = density;
    return s;
}
inline InitializerSpec block_initializer(std::vector<InitializerBlock> blocks) {
    InitializerSpec s;
    s.kind = "block_initializer";
    s.blocks = std::move(blocks);
    return s;
}
inline InitializerSpec normalized_sparse_uniform_initializer(double scale = 1.0, double density = 0.2,
                                                             std::vector<std::size_t> norm_axes = {}) {
    InitializerSpec s;
    s.kind = "normalized_sparse_uniform_initializer";
    s.scale = scale;
    s.density = density;
    s.norm_axes = std::move(norm_axes);
    return s;
}

// The registry names of every initializer: Spark's four, then spark's additions in the order above.
std::span<const std::string_view> initializer_names() noexcept;

// The registry name of an initializer from any accepted spelling ("uniform", "UniformInitializer",
// "uniform_initializer"), or nullopt when no initializer has that name.
std::optional<std::string_view> find_initializer(std::string_view name);

// Where a parameter lives, for messages and for the fields of the ConfigError it throws:
//   "LeakySoma 'pool.soma': potential_tau[3] = -0.5 ms must be > 0"
struct ParamWhere {
    std::string_view component;  // class name, "LeakySoma"
    std::string_view instance;   // node path, "pool.soma"
    std::string_view field;      // config field, "potential_tau"
    std::string_view units;      // "ms"; appended to numbers in messages
};

// What a module imposes on a user's initializer (Spark's init_kwargs): these values win over the spec,
// with two rules for the normal kinds (spark's addition): they have no scale to override, and an
// imposed min_value only raises the user's (min_value = max(user's, imposed)). A block initializer
// passes the overrides to every block.
struct InitOverrides {
    std::optional<double> scale;
    std::optional<double> min_value;
    std::optional<std::vector<std::size_t>> norm_axes;
};

// Draws the values of an initializer for `shape` (row-major) from `rng` (sparse kinds split it into a
// value stream and a mask stream, in that order). Throws ConfigError for an unknown kind or invalid
// settings; `where` names the component and field for messages (the string form puts its whole text
// in front of the message).
std::vector<float> initialize(const InitializerSpec& spec, const Shape& shape, Rng& rng,
                              const InitOverrides& overrides = {}, std::string_view where = {});
std::vector<float> initialize(const InitializerSpec& spec, const Shape& shape, Rng& rng,
                              const InitOverrides& overrides, const ParamWhere& where);

// The elements [first, last) of an array in row-major order (last clamped to the array's size).
struct ElementRange {
    std::size_t first = 0, last = static_cast<std::size_t>(-1);
};
// Elements `range` of what initialize() draws, bit for bit: the element-wise kinds (constant, uniform,
// normal, sparse_constant, sparse_normal) step their streams over the elements before the range
// without keeping them, so only the range is held; the others draw every element and keep the range.
std::vector<float> initialize(const InitializerSpec& spec, const Shape& shape, Rng& rng,
                              const InitOverrides& overrides, const ParamWhere& where, ElementRange range);
// The same into `out` (as many values as the range holds): nothing else of that size is held.
void initialize_into(const InitializerSpec& spec, const Shape& shape, Rng& rng, const InitOverrides& overrides,
                     const ParamWhere& where, ElementRange range, std::span<float> out);

// Checks the settings of an initializer that do not depend on a shape: a known name, density in [0, 1],
// min_value <= max_value, unique norm_axes, stddev >= 0, a redraw interval that holds at least 1e-4 of
// the normal distribution, and blocks (block kind: at least one, each of size > 0, not nested, each
// valid). Throws ConfigError naming `where.field` + ".<setting>" (".blocks[i].<setting>" in a block).
void check_initializer(const InitializerSpec& spec, const ParamWhere& where);

// The rule a parameter value must satisfy. Every bound includes finiteness: no equation of a
// component takes an infinite or NaN parameter to mean anything (an infinite time constant, threshold
// or refractory period would be a disconnected part, better left out), so ±inf and NaN are refused
// wherever a bound is checked.
enum class Bound : std::uint8_t {
    none,          // any finite number
    positive,      // finite and > 0
    non_negative,  // finite and >= 0
    zero_one,      // in [0, 1]
    binary,        // 0 or 1
};
constexpr bool satisfies(Bound bound, double v) noexcept {
    constexpr double inf = std::numeric_limits<double>::infinity();
    if (v != v || v == inf || v == -inf) return false;  // std::isfinite, usable in constant expressions
    switch (bound) {
        case Bound::none: return true;
        case Bound::positive: return v > 0.0;
        case Bound::non_negative: return v >= 0.0;
        case Bound::zero_one: return v >= 0.0 && v <= 1.0;
        case Bound::binary: return v == 0.0 || v == 1.0;
    }
    return false;
}
std::string_view describe(Bound bound) noexcept;  // "must be > 0", ...
std::string_view bound_text(Bound bound) noexcept;  // "> 0", ... as tables show it ("" for none)
// The rule `value` breaks: describe(bound) for a finite value, "must be a finite number > 0", ... for
// ±inf and NaN.
std::string_view violated_rule(Bound bound, double value) noexcept;

// Whether a number survives the conversion to float32 (in which parameters are stored) as a finite
// value: 1e308 does not (it becomes inf). Throws ConfigError naming `where` and `setting` when not.
void check_fits_float(double value, const ParamWhere& where, std::string_view field);

class Param {
public:
    Param() : value_(0.0) {}
    Param(double v) : value_(v) {}                          // NOLINT: a scalar is a parameter
    Param(int v) : value_(static_cast<double>(v)) {}        // NOLINT
    Param(std::vector<float> v) : value_(std::move(v)) {}   // NOLINT
    Param(InitializerSpec v) : value_(std::move(v)) {}      // NOLINT

    bool is_scalar() const noexcept { return std::holds_alternative<double>(value_); }
    bool is_array() const noexcept { return std::holds_alternative<std::vector<float>>(value_); }
    bool is_initializer() const noexcept { return std::holds_alternative<InitializerSpec>(value_); }
    double scalar() const { return std::get<double>(value_); }
    const std::vector<float>& array() const { return std::get<std::vector<float>>(value_); }
    const InitializerSpec& initializer() const { return std::get<InitializerSpec>(value_); }
    InitializerSpec& initializer() { return std::get<InitializerSpec>(value_); }

    // One value per element of `shape`: a scalar is broadcast, an array must have 1 or shape.size()
    // elements (ConfigError naming `where` otherwise), an initializer is drawn. Every call consumes
    // exactly one split of `rng` whatever the Param holds (Spark's `get_rng_keys(1)` per parameter,
    // spec section 1.10), and an initializer draws from that child stream: the values of one parameter
    // never depend on the kind or shape of another. All values are checked against `bound`.
    std::vector<float> materialize(const Shape& shape, Rng& rng, Bound bound = Bound::none,
                                   std::string_view where = {}, const InitOverrides& overrides = {}) const;
    std::vector<float> materialize(const Shape& shape, Rng& rng, Bound bound, const ParamWhere& where,
                                   const InitOverrides& overrides = {}) const;
    // Elements `range` of what materialize() gives (initialize() with a range), checked alike.
    std::vector<float> materialize(const Shape& shape, Rng& rng, Bound bound, const ParamWhere& where,
                                   const InitOverrides& overrides, ElementRange range) const;
    void materialize_into(const Shape& shape, Rng& rng, Bound bound, const ParamWhere& where,
                          const InitOverrides& overrides, ElementRange range, std::span<float> out) const;

    Value to_value() const;
    bool operator==(const Param&) const = default;

private:
    std::variant<double, std::vector<float>, InitializerSpec> value_;
};

}  // namespace spark
