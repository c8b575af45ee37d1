#include <spark/core/sparse.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include <spark/core/error.hpp>
#include <spark/core/largest_first.hpp>
#include <spark/core/parallel.hpp>
#include <spark/core/text.hpp>

#include "draw.hpp"

namespace spark {

namespace {

bool is_kind(const InitializerSpec& spec, std::string_view name) {
    const auto kind = find_initializer(spec.kind);
    return kind && *kind == name;
}

bool is_sparse_kind(std::string_view kind) {
    return kind == "sparse_uniform_initializer" || kind == "sparse_constant_initializer" ||
           kind == "normalized_sparse_uniform_initializer" || kind == "sparse_normal_initializer";
}

bool is_elementwise_kind(std::string_view kind) {
    return kind == "constant_initializer" || kind == "uniform_initializer" || kind == "normal_initializer";
}

[[noreturn]] void refuse(const ParamWhere& where, std::string_view setting, std::string value, std::string rule) {
    std::string field = where.field.empty() ? std::string(setting) : std::string(where.field) + "." + std::string(setting);
    throw ConfigError(std::string(where.component), std::string(where.instance), std::move(field), std::move(value),
                      std::move(rule));
}

// A column range [first, first + size) drawn by one (effective) spec: the whole kernel, or one block.
struct Part {
    std::size_t first = 0, size = 0;
    InitializerSpec spec;
    std::string kind;  // registry name
};

// The parts of `spec` over `cols` columns, overrides applied and settings checked.
std::vector<Part> parts_of(const InitializerSpec& spec, std::size_t cols, const InitOverrides& overrides,
                           const ParamWhere& where) {
    check_initializer(spec, where);
    std::vector<Part> parts;
    if (is_kind(spec, "block_initializer")) {
        std::size_t first = 0;
        for (const auto& block : spec.blocks) {
            InitializerSpec effective = detail::apply_overrides(block.spec, overrides);
            parts.push_back({first, block.size, effective, std::string(*find_initializer(effective.kind))});
            first += block.size;
        }
        if (first != cols)
            refuse(where, "blocks", std::to_string(first) + " columns",
                   "must add up to the " + std::to_string(cols) + " columns of the kernel");
    } else {
        InitializerSpec effective = detail::apply_overrides(spec, overrides);
        parts.push_back({0, cols, effective, std::string(*find_initializer(effective.kind))});
    }
    for (const auto& part : parts) check_initializer(part.spec, where);
    return parts;
}

// Draws the nonzeros of one row inside one part: geometric gaps for the columns, then the values.
struct PartStreams {
    Rng position, value;
    detail::ElementSampler normal;
    double log_q = 0.0;

    PartStreams(Rng&& p, Rng&& v, const Part& part, const ParamWhere& where)
        : position(p), value(v), normal(detail::ElementKind::normal, part.spec, value, where, /*own_rng=*/true),
          log_q(part.spec.density < 1.0 ? std::log1p(-part.spec.density) : 0.0) {}
    PartStreams(const PartStreams&) = delete;

    // The steps from one nonzero column to the next (density < 1): 1 + a Geometric(density) gap each.
    // The position stream is the part's own, so its steps are drawn a batch ahead: the same values in
    // the same order, but independent logarithms overlap instead of each waiting on the column sum.
    // steps(): those drawn and not yet used (at least one); use(n) marks the first n of them used.
    std::span<const double> steps() {
        if (next_ == steps_.size()) draw_steps();
        return std::span<const double>(steps_).subspan(next_);
    }
    void use(std::size_t n) noexcept { next_ += n; }

private:
    void draw_steps() noexcept {
        for (double& step : steps_) step = 1.0 - position.uniform_double();  // u in (0, 1]: no call in this loop
        for (double& step : steps_) step = floor_of_non_negative(std::log(step) / log_q) + 1.0;
        next_ = 0;
    }
    // std::floor(x) for the quotients here (x >= 0, -0.0 or +inf), without the general floor's
    // sequence: below 2^52 the conversion of x's integer part, at or above it x (an integer, or inf).
    // (-0.0 gives +0.0, the same once 1 is added.)
    static double floor_of_non_negative(double x) noexcept {
        return x < 0x1p52 ? static_cast<double>(static_cast<std::int64_t>(x)) : x;
    }

    std::array<double, 64> steps_{};
    std::size_t next_ = steps_.size();
};

// The columns of one row's nonzeros inside one part: geometric gaps (Geometric(density) zeros skipped).
void draw_part_columns(const Part& part, PartStreams& streams, std::vector<std::uint32_t>& col) {
    const double p = part.spec.density;
    if (p <= 0.0) return;
    double c = -1.0;
    const auto size = static_cast<double>(part.size);
    if (p >= 1.0) {  // every column: steps of 1
        for (c += 1.0; c < size; c += 1.0) col.push_back(static_cast<std::uint32_t>(part.first + static_cast<std::size_t>(c)));
        return;
    }
    // The drawn steps used a batch at a time, in a loop without a call (the running column stays in a
    // register): the row ends at the first step past the part's last column, which is used too.
    std::array<std::uint32_t, 64> found;
    while (true) {
        const std::span<const double> steps = streams.steps();
        std::size_t i = 0;
        bool past = false;
        for (; i < steps.size(); ++i) {
            c += steps[i];
            past = c >= size;
            if (past) break;
            found[i] = static_cast<std::uint32_t>(part.first + static_cast<std::size_t>(c));
        }
        col.insert(col.end(), found.begin(), found.begin() + static_cast<std::ptrdiff_t>(i));
        streams.use(past ? i + 1 : i);
        if (past) return;
    }
}

// The values of one row's nonzeros inside one part (its value stream).
void draw_part_values(const Part& part, PartStreams& streams, std::span<float> value) {
    const auto scale = static_cast<float>(part.spec.scale);
    if (part.kind == "sparse_constant_initializer") {
        std::fill(value.begin(), value.end(), scale);
        return;
    }
    if (part.kind == "sparse_normal_initializer") {
        streams.normal.fill(value);
        return;
    }
    for (float& v : value) v = streams.value.uniform();
    if (part.kind == "normalized_sparse_uniform_initializer") {
        double sum = 0.0;
        for (float v : value) sum += v;
        for (float& v : value) v = scale * static_cast<float>(v / sum);
    } else {
        for (float& v : value) v *= scale;
    }
    const float lo = part.spec.min_value ? static_cast<float>(*part.spec.min_value) : -INFINITY;
    const float hi = part.spec.max_value ? static_cast<float>(*part.spec.max_value) : INFINITY;
    for (float& v : value) v = std::clamp(v, lo, hi);
}

void draw_row(const Part& part, PartStreams& streams, std::vector<std::uint32_t>& col, std::vector<float>& value) {
    const std::size_t begin = col.size();
    draw_part_columns(part, streams, col);
    value.resize(col.size());
    draw_part_values(part, streams, std::span<float>(value).subspan(begin));
}

}  // namespace

namespace {
// Whether `spec` is a known kind that satisfies `is_kind`; a block initializer when all its blocks do.
template <class KindTest>
bool is_initializer_of(const InitializerSpec& spec, KindTest is_kind) noexcept {
    const auto kind = find_initializer(spec.kind);
    if (!kind) return false;
    if (*kind == "block_initializer")
        return !spec.blocks.empty() && std::all_of(spec.blocks.begin(), spec.blocks.end(), [&](const auto& b) {
                   const auto k = find_initializer(b.spec.kind);
                   return k && is_kind(*k);
               });
    return is_kind(*kind);
}
}  // namespace

bool is_sparse_initializer(const InitializerSpec& spec) noexcept {
    return is_initializer_of(spec, [](std::string_view k) { return is_sparse_kind(k); });
}

bool is_elementwise_initializer(const InitializerSpec& spec) noexcept {
    return is_initializer_of(spec, [](std::string_view k) { return is_elementwise_kind(k); });
}

namespace {
// The parts of a sparse initializer, refused unless it can be drawn in compressed form.
std::vector<Part> sparse_parts(const InitializerSpec& spec, std::size_t cols, const InitOverrides& overrides,
                               const ParamWhere& where) {
    if (!is_sparse_initializer(spec))
        refuse(where, "initializer", "\"" + spec.kind + "\"",
               "cannot be drawn in compressed form (only sparse initializers, or blocks of them, can)");
    if (cols > std::numeric_limits<std::uint32_t>::max())
        refuse(where, "shape", std::to_string(cols), "has too many columns");
    std::vector<Part> parts = parts_of(spec, cols, overrides, where);
    for (const auto& part : parts)
        if (part.kind != "sparse_normal_initializer" && part.spec.min_value && *part.spec.min_value > 0.0)
            refuse(where, "min_value", format_number(*part.spec.min_value),
                   "must be <= 0 for a compressed sparse kernel (a positive minimum fills the zeros)");
    return parts;
}
}  // namespace

SparseRows initialize_sparse(const InitializerSpec& spec, std::size_t rows, std::size_t cols, Rng& rng,
                             const InitOverrides& overrides, std::string_view where) {
    return initialize_sparse(spec, rows, cols, rng, overrides, ParamWhere{where, {}, {}, {}});
}

SparseRows initialize_sparse(const InitializerSpec& spec, std::size_t rows, std::size_t cols, Rng& rng,
                             const InitOverrides& overrides, const ParamWhere& where) {
    const std::vector<Part> parts = sparse_parts(spec, cols, overrides, where);
    SparseRows m;
    m.rows = rows;
    m.cols = cols;
    m.row_start.reserve(rows + 1);
    m.row_start.push_back(0);
    double expected = 0.0;
    for (const auto& part : parts)
        expected += static_cast<double>(rows) * static_cast<double>(part.size) * part.spec.density;
    const auto reserve = static_cast<std::size_t>(expected * 1.01 + 16.0 + 5.0 * std::sqrt(expected));
    m.col.reserve(reserve);
    m.value.reserve(reserve);
    SparseRowDraw draw(spec, cols, rng, overrides, where);
    for (std::size_t r = 0; r < rows; ++r) {
        draw.next_row(m.col, m.value);
        m.row_start.push_back(m.col.size());
    }
    return m;
}

struct SparseRowDraw::Impl {
    std::vector<Part> parts;
    std::vector<std::unique_ptr<PartStreams>> streams;
};

SparseRowDraw::SparseRowDraw(const InitializerSpec& spec, std::size_t cols, Rng& rng, const InitOverrides& overrides,
                             const ParamWhere& where)
    : impl_(std::make_unique<Impl>()) {
    impl_->parts = sparse_parts(spec, cols, overrides, where);
    // Keys: position stream then value stream; a block initializer splits one key per block first.
    const bool blocks = is_kind(spec, "block_initializer");
    for (const auto& part : impl_->parts) {
        Rng key = blocks ? rng.split() : Rng();
        Rng& source = blocks ? key : rng;
        Rng position = source.split();
        Rng value = source.split();
        impl_->streams.push_back(std::make_unique<PartStreams>(std::move(position), std::move(value), part, where));
    }
}

SparseRowDraw::~SparseRowDraw() = default;

void SparseRowDraw::next_row(std::vector<std::uint32_t>& col, std::vector<float>& value) {
    for (std::size_t p = 0; p < impl_->parts.size(); ++p) draw_row(impl_->parts[p], *impl_->streams[p], col, value);
}

std::size_t SparseRowDraw::parts() const noexcept { return impl_->parts.size(); }
std::size_t SparseRowDraw::part_first(std::size_t part) const noexcept { return impl_->parts[part].first; }

void SparseRowDraw::next_columns(std::size_t part, std::vector<std::uint32_t>& col) {
    draw_part_columns(impl_->parts[part], *impl_->streams[part], col);
}

void SparseRowDraw::next_values(std::size_t part, std::span<float> out) {
    draw_part_values(impl_->parts[part], *impl_->streams[part], out);
}

std::optional<float> SparseRowDraw::constant_value() const noexcept {
    const auto& parts = impl_->parts;
    const auto scale = static_cast<float>(parts[0].spec.scale);
    for (const auto& part : parts)
        if (part.kind != "sparse_constant_initializer" || static_cast<float>(part.spec.scale) != scale) return std::nullopt;
    return scale;
}

std::size_t SparseRowDraw::expected_nonzeros(std::size_t part, std::size_t rows) const noexcept {
    const Part& p = impl_->parts[part];
    const double expected = static_cast<double>(rows) * static_cast<double>(p.size) * p.spec.density;
    return static_cast<std::size_t>(expected * 1.01 + 16.0 + 5.0 * std::sqrt(expected));
}

std::vector<SparseRowDraw::PartColumns> SparseRowDraw::draw_columns(std::size_t rows, Parallel& parallel) {
    std::vector<PartColumns> columns(parts());
    std::vector<std::size_t> sizes(parts());
    for (std::size_t b = 0; b < parts(); ++b) sizes[b] = expected_nonzeros(b, rows);
    run_largest_first(parallel, sizes, [&](std::size_t b) {
        PartColumns& part = columns[b];
        part.row_start.reserve(rows + 1);
        part.row_start.push_back(0);
        part.col.reserve(expected_nonzeros(b, rows));
        for (std::size_t r = 0; r < rows; ++r) {
            next_columns(b, part.col);
            part.row_start.push_back(part.col.size());
        }
    });
    return columns;
}

std::vector<float> initialize_on_pattern(const InitializerSpec& spec, const SparseRows& pattern, Rng& rng,
                                         const InitOverrides& overrides, std::string_view where) {
    return initialize_on_pattern(spec, pattern, rng, overrides, ParamWhere{where, {}, {}, {}});
}

std::vector<float> initialize_on_pattern(const InitializerSpec& spec, const SparseRows& pattern, Rng& rng,
                                         const InitOverrides& overrides, const ParamWhere& where) {
    PatternValueDraw draw(spec, pattern.cols, rng, overrides, where);
    std::vector<float> values(pattern.nonzeros());
    for (std::size_t k = 0; k < values.size(); ++k) values[k] = draw.next(pattern.col[k]);
    return values;
}

struct PatternValueDraw::Impl {
    std::vector<Rng> keys;  // reserved: the samplers hold references into it
    std::vector<detail::ElementSampler> samplers;
    std::vector<std::size_t> firsts;  // the first column of each part
};

PatternValueDraw::PatternValueDraw(const InitializerSpec& spec, std::size_t cols, Rng& rng,
                                   const InitOverrides& overrides, const ParamWhere& where)
    : impl_(std::make_unique<Impl>()) {
    if (!is_elementwise_initializer(spec))
        refuse(where, "initializer", "\"" + spec.kind + "\"",
               "cannot be drawn per nonzero (only constant, uniform and normal initializers, or blocks of "
               "them, can)");
    const std::vector<Part> parts = parts_of(spec, cols, overrides, where);
    const bool blocks = is_kind(spec, "block_initializer");
    impl_->keys.reserve(parts.size());
    for (std::size_t p = 0; p < parts.size(); ++p) impl_->keys.push_back(blocks ? rng.split() : Rng());
    impl_->samplers.reserve(parts.size());
    for (std::size_t p = 0; p < parts.size(); ++p) {
        const std::string& kind = parts[p].kind;
        const auto element = kind == "constant_initializer"  ? detail::ElementKind::constant
                             : kind == "uniform_initializer" ? detail::ElementKind::uniform
                                                             : detail::ElementKind::normal;
        // A block's key is its own; the caller's `rng` may be drawn from again after this draw.
        impl_->samplers.emplace_back(element, parts[p].spec, blocks ? impl_->keys[p] : rng, where, /*own_rng=*/blocks);
        impl_->firsts.push_back(parts[p].first);
    }
}

PatternValueDraw::~PatternValueDraw() = default;

std::span<const std::size_t> PatternValueDraw::part_firsts() const noexcept { return impl_->firsts; }

float PatternValueDraw::next(std::uint32_t col) {
    const auto& firsts = impl_->firsts;
    const auto p = static_cast<std::size_t>(std::upper_bound(firsts.begin(), firsts.end(), col) - firsts.begin()) - 1;
    return impl_->samplers[p].next();
}

void PatternValueDraw::next_row(std::span<const std::uint32_t> cols, std::span<float> out) {
    const auto& firsts = impl_->firsts;
    std::size_t p = 0;  // the part of column k: columns increase, so parts only move on
    for (std::size_t k = 0; k < cols.size();) {
        while (p + 1 < firsts.size() && cols[k] >= firsts[p + 1]) ++p;
        // Part p's run of columns, drawn in one loop.
        const auto end = p + 1 < firsts.size()
                             ? static_cast<std::size_t>(std::lower_bound(cols.begin() + static_cast<std::ptrdiff_t>(k),
                                                                         cols.end(), firsts[p + 1]) - cols.begin())
                             : cols.size();
        impl_->samplers[p].fill(out.subspan(k, end - k));
        k = end;
    }
}

}  // namespace spark
