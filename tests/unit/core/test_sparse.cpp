#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <spark/core/error.hpp>
#include <spark/core/sparse.hpp>

#include "test_parallels.hpp"

using namespace spark;

namespace {
// A sparse initializer of `kind` with `scale` and connection probability `density`.
InitializerSpec sparse_spec(std::string kind, double scale, double density) {
    InitializerSpec spec;
    spec.kind = std::move(kind);
    spec.scale = scale;
    spec.density = density;
    return spec;
}
}  // namespace

TEST_CASE("a compressed sparse kernel has the requested density and value range", "[core][sparse]") {
    const InitializerSpec spec = sparse_spec("sparse_uniform_initializer", 4.0, GENERATE(0.02, 0.2, 0.9));
    Rng rng(11);
    const std::size_t rows = 400, cols = 500;
    const SparseRows m = initialize_sparse(spec, rows, cols, rng);
    REQUIRE(m.row_start.size() == rows + 1);
    REQUIRE(m.row_start.back() == m.nonzeros());
    // Binomial count: within 5 standard deviations of rows * cols * density.
    const double n = static_cast<double>(rows * cols);
    const double mean = n * spec.density, sd = std::sqrt(n * spec.density * (1 - spec.density));
    CHECK(std::abs(static_cast<double>(m.nonzeros()) - mean) < 5 * sd);
    for (std::size_t r = 0; r < rows; ++r)
        for (auto k = m.row_start[r]; k < m.row_start[r + 1]; ++k) {
            REQUIRE(m.col[k] < cols);
            if (k > m.row_start[r]) REQUIRE(m.col[k] > m.col[k - 1]);  // sorted, no duplicates
            REQUIRE(m.value[k] >= 0.0f);
            REQUIRE(m.value[k] < 4.0f);
        }
}

TEST_CASE("a compressed sparse kernel is deterministic per stream", "[core][sparse]") {
    const InitializerSpec spec = sparse_spec("sparse_constant_initializer", 1.62, 0.02);
    Rng a(5), b(5), c(6);
    const auto ma = initialize_sparse(spec, 100, 4000, a);
    const auto mb = initialize_sparse(spec, 100, 4000, b);
    const auto mc = initialize_sparse(spec, 100, 4000, c);
    CHECK(ma.col == mb.col);
    CHECK(ma.col != mc.col);
    for (float v : ma.value) REQUIRE(v == 1.62f);
}

TEST_CASE("normalized compressed rows sum to the scale", "[core][sparse]") {
    const InitializerSpec spec = sparse_spec("normalized_sparse_uniform_initializer", 3.0, 0.5);
    Rng rng(3);
    const auto m = initialize_sparse(spec, 50, 60, rng);
    for (std::size_t r = 0; r < 50; ++r) {
        double sum = 0;
        for (auto k = m.row_start[r]; k < m.row_start[r + 1]; ++k) sum += m.value[k];
        CHECK(sum == Approx(3.0).epsilon(1e-5));
    }
}

TEST_CASE("a compressed kernel refuses a positive min_value and dense kinds", "[core][sparse]") {
    InitializerSpec spec;
    spec.kind = "sparse_uniform_initializer";
    spec.min_value = 0.5;
    Rng rng(1);
    REQUIRE_THROWS_AS(initialize_sparse(spec, 2, 2, rng), ConfigError);
    REQUIRE_THROWS_WITH(initialize_sparse(spec, 2, 2, rng, {}, "TracedSynapses 'syn': kernel"),
                        Catch::Contains("must be <= 0 for a compressed sparse kernel"));
    spec = InitializerSpec{};
    spec.kind = "uniform_initializer";
    REQUIRE_THROWS_WITH(initialize_sparse(spec, 2, 2, rng), Catch::Contains("cannot be drawn in compressed form"));
}

TEST_CASE("the dense sparse_constant initializer draws scale with probability density", "[core][sparse]") {
    const InitializerSpec spec = sparse_spec("sparse_constant_initializer", 1.62, 0.3);
    Rng rng(8);
    const auto values = initialize(spec, Shape{100, 100}, rng);
    std::size_t nonzero = 0;
    for (float v : values) {
        REQUIRE((v == 0.0f || v == 1.62f));
        nonzero += v != 0.0f;
    }
    // Binomial(10000, 0.3): sd = 45.8; within 5 sd.
    CHECK(std::abs(static_cast<double>(nonzero) - 3000.0) < 5 * 45.83);
}

TEST_CASE("the uniform initializer's offset shifts the range", "[core][initializers]") {
    InitializerSpec spec;
    spec.kind = "uniform_initializer";
    spec.scale = 10.0;
    spec.offset = -11.0;
    Rng rng(2);
    const auto values = initialize(spec, Shape{1000}, rng);
    for (float v : values) {
        REQUIRE(v >= -11.0f);
        REQUIRE(v < -1.0f);
    }
    CHECK(*std::min_element(values.begin(), values.end()) < -10.5f);
    CHECK(*std::max_element(values.begin(), values.end()) > -1.5f);
}

// ---- spark's sparse_normal and block initializers in compressed form (issue 9) ----

TEST_CASE("a compressed sparse_normal kernel has the density, and bounded normal values", "[core][sparse]") {
    const auto spec = sparse_normal_initializer(351.2, 35.12, 0.05, 0.0, {}, true);
    Rng rng(4);
    const std::size_t rows = 300, cols = 2000;
    const SparseRows m = initialize_sparse(spec, rows, cols, rng);
    const double n = static_cast<double>(rows * cols);
    CHECK(std::abs(static_cast<double>(m.nonzeros()) - n * 0.05) < 5 * std::sqrt(n * 0.05 * 0.95));
    double sum = 0.0;
    for (float v : m.value) {
        REQUIRE(v >= 0.0f);
        sum += v;
    }
    const double mean = sum / static_cast<double>(m.nonzeros());
    CHECK(std::abs(mean - 351.2) < 5 * 35.12 / std::sqrt(static_cast<double>(m.nonzeros())));
    // Unlike Spark's sparse kinds, a positive minimum is fine: it bounds the drawn values only.
    Rng again(4);
    const auto bounded = initialize_sparse(sparse_normal_initializer(1.0, 1.0, 0.1, 0.5), 10, 100, again);
    for (float v : bounded.value) REQUIRE(v >= 0.5f);
}

TEST_CASE("a compressed sparse_normal kernel is the geometric gaps and polar normals of its streams, one at a time",
          "[core][sparse]") {
    // Rows of ~150 nonzeros and ~6 % of the values redrawn (below 0.5), so that the draws cross every
    // batch the streams draw ahead, within rows and across them; a second block of density 1 (no gaps).
    const InitializerSpec normal = sparse_normal_initializer(2.0, 1.0, 0.3, 0.5, {}, true);
    InitializerSpec full = normal;
    full.density = 1.0;
    const std::size_t rows = 40, cols = 500;
    for (const bool blocks : {false, true}) {
        INFO("block initializer: " << blocks);
        const InitializerSpec spec = blocks ? block_initializer({{cols, normal}, {7, full}}) : normal;
        Rng rng(17), reference(17);
        const SparseRows m = initialize_sparse(spec, rows, blocks ? cols + 7 : cols, rng);
        // The reference draw, literally: position then value stream (a block initializer: of its first key).
        Rng key = blocks ? reference.split() : reference;
        Rng position = key.split(), value = key.split();
        std::optional<double> spare;
        auto standard_normal = [&] {  // Marsaglia's polar method, the second of a pair kept
            if (spare) return std::exchange(spare, std::nullopt).value();
            double u = 0.0, v = 0.0, s = 0.0;
            do {
                u = 2.0 * value.uniform_double() - 1.0;
                v = 2.0 * value.uniform_double() - 1.0;
                s = u * u + v * v;
            } while (s >= 1.0 || s == 0.0);
            const double f = std::sqrt(-2.0 * std::log(s) / s);
            spare = v * f;
            return u * f;
        };
        const double log_q = std::log1p(-0.3);
        std::size_t k = 0;
        for (std::size_t r = 0; r < rows; ++r) {
            std::vector<std::uint32_t> col;
            for (double c = -1.0;;) {
                c += std::floor(std::log(1.0 - position.uniform_double()) / log_q) + 1.0;
                if (c >= static_cast<double>(cols)) break;
                col.push_back(static_cast<std::uint32_t>(c));
            }
            if (blocks)
                for (std::uint32_t j = 0; j < 7; ++j) col.push_back(static_cast<std::uint32_t>(cols) + j);
            REQUIRE(m.row_start[r + 1] - m.row_start[r] == col.size());
            for (std::size_t i = 0; i < col.size(); ++i, ++k) {
                REQUIRE(m.col[k] == col[i]);
                if (col[i] >= cols) continue;  // the second block's values: from its own key
                float v = 0.0f;
                do v = static_cast<float>(2.0 + 1.0 * standard_normal());
                while (!(v >= 0.5f));
                REQUIRE(std::bit_cast<std::uint32_t>(m.value[k]) == std::bit_cast<std::uint32_t>(v));
            }
        }
        REQUIRE(k == m.nonzeros());
    }
}

TEST_CASE("a compressed block kernel draws each block's columns with its own density", "[core][sparse]") {
    InitializerSpec constant;
    constant.kind = "sparse_constant_initializer";
    constant.scale = 1.62;
    constant.density = 0.3;
    InitializerSpec empty = constant;
    empty.density = 0.0;
    const auto spec = block_initializer({{400, constant}, {100, empty}, {500, sparse_normal_initializer(9.0, 0.9, 0.02)}});
    Rng rng(12);
    const std::size_t rows = 200;
    const SparseRows m = initialize_sparse(spec, rows, 1000, rng);
    std::size_t first = 0, third = 0;
    for (std::size_t r = 0; r < rows; ++r)
        for (auto k = m.row_start[r]; k < m.row_start[r + 1]; ++k) {
            if (k > m.row_start[r]) REQUIRE(m.col[k] > m.col[k - 1]);  // blocks in column order
            REQUIRE_FALSE((m.col[k] >= 400 && m.col[k] < 500));        // density 0: nothing
            if (m.col[k] < 400) {
                ++first;
                REQUIRE(m.value[k] == 1.62f);
            } else {
                ++third;
                REQUIRE(m.value[k] != 1.62f);
            }
        }
    CHECK(std::abs(static_cast<double>(first) - 200 * 400 * 0.3) < 5 * std::sqrt(200 * 400 * 0.3 * 0.7));
    CHECK(std::abs(static_cast<double>(third) - 200 * 500 * 0.02) < 5 * std::sqrt(200 * 500 * 0.02 * 0.98));
    Rng other(12);
    REQUIRE_THROWS_WITH(initialize_sparse(spec, rows, 999, other, {}, "TracedSynapses 'syn': kernel"),
                        Catch::Contains("blocks = 1000 columns must add up to the 999 columns of the kernel"));
    REQUIRE_FALSE(is_sparse_initializer(block_initializer({{4, constant}, {4, uniform_initializer()}})));
}

TEST_CASE("values drawn on a full pattern are the dense draws, and on a sparse one one per nonzero", "[core][sparse]") {
    const std::size_t rows = 30, cols = 40;
    SparseRows full;
    full.rows = rows;
    full.cols = cols;
    full.row_start.push_back(0);
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < cols; ++c) full.col.push_back(static_cast<std::uint32_t>(c));
        full.row_start.push_back(full.col.size());
    }
    const std::vector<InitializerSpec> specs{
        uniform_initializer(7.0, 2.0), normal_initializer(15.5, 7.5, 1.5, {}, true), constant_initializer(3.0),
        block_initializer({{25, normal_initializer(15.5, 7.5, 1.5, {}, true)}, {15, uniform_initializer(5.0)}})};
    for (const auto& spec : specs) {
        Rng a(21), b(21);
        CHECK(initialize_on_pattern(spec, full, a) == initialize(spec, Shape{rows, cols}, b));
        CHECK(a == b);
    }
    // A sparse pattern gets one value per nonzero, from the block its column falls in.
    InitializerSpec sparse;
    sparse.kind = "sparse_constant_initializer";
    sparse.density = 0.1;
    Rng rng(3);
    const SparseRows pattern = initialize_sparse(sparse, 200, 40, rng);
    const auto delays =
        initialize_on_pattern(block_initializer({{25, constant_initializer(2.0)}, {15, constant_initializer(7.0)}}),
                              pattern, rng);
    REQUIRE(delays.size() == pattern.nonzeros());
    for (std::size_t k = 0; k < delays.size(); ++k) CHECK(delays[k] == (pattern.col[k] < 25 ? 2.0f : 7.0f));
    REQUIRE_THROWS_WITH(initialize_on_pattern(sparse, pattern, rng), Catch::Contains("cannot be drawn per nonzero"));
}

TEST_CASE("values drawn a row at a time are the values drawn one nonzero at a time", "[core][sparse]") {
    // Four blocks, one of a single column, so that a row's columns cross several blocks (and skip some).
    const InitializerSpec spec = block_initializer({{10, normal_initializer(15.5, 7.5, 1.5, {}, true)},
                                                    {1, constant_initializer(3.0)},
                                                    {19, uniform_initializer(5.0)},
                                                    {30, normal_initializer(8.0, 3.75, 1.5, {}, true)}});
    InitializerSpec sparse;
    sparse.kind = "sparse_constant_initializer";
    sparse.density = 0.3;
    Rng rng(8);
    const SparseRows pattern = initialize_sparse(sparse, 100, 60, rng);
    Rng a(4), b(4);
    const ParamWhere where{"test", {}, {}, {}};
    PatternValueDraw one(spec, 60, a, {}, where), by_row(spec, 60, b, {}, where);
    std::vector<float> row;
    for (std::size_t p = 0; p < pattern.rows; ++p) {
        const auto first = pattern.row_start[p], last = pattern.row_start[p + 1];
        row.assign(last - first, 0.0f);
        by_row.next_row(std::span<const std::uint32_t>(pattern.col.data() + first, last - first), row);
        for (auto k = first; k < last; ++k)
            REQUIRE(std::bit_cast<std::uint32_t>(row[k - first]) == std::bit_cast<std::uint32_t>(one.next(pattern.col[k])));
    }
}

TEST_CASE("a block kernel's parts drawn columns first, each part on its own and in any order, are the rows "
          "initialize_sparse draws",
          "[core][sparse]") {
    InitializerSpec constant = sparse_spec("sparse_constant_initializer", 1.62, 0.3);
    InitializerSpec uniform = sparse_spec("sparse_uniform_initializer", 2.0, 0.2);
    uniform.max_value = 1.5;  // clipped
    InitializerSpec normalized = sparse_spec("normalized_sparse_uniform_initializer", 3.0, 0.25);
    InitializerSpec normal = sparse_normal_initializer(9.0, 4.0, 0.1);
    normal.min_value = 5.0;  // redrawn below 5
    normal.redraw = true;
    const auto spec = block_initializer({{70, constant}, {50, uniform}, {90, normalized}, {40, normal}});
    constexpr std::size_t rows = 300, cols = 250;
    Rng whole_key(31), part_key(31);
    const SparseRows whole = initialize_sparse(spec, rows, cols, whole_key);
    SparseRowDraw draw(spec, cols, part_key, {}, ParamWhere{});
    REQUIRE(draw.parts() == 4);
    CHECK((draw.part_first(0) == 0 && draw.part_first(1) == 70 && draw.part_first(2) == 120 && draw.part_first(3) == 210));
    // Columns of every part on two threads, then the values part by part, the last part first.
    testing::ThreadParallel threads(2, /*reversed=*/true);
    const auto columns = draw.draw_columns(rows, threads);
    std::vector<std::vector<float>> values(draw.parts());
    for (std::size_t b = draw.parts(); b-- > 0;) {
        values[b].resize(columns[b].col.size());
        for (std::size_t r = 0; r < rows; ++r)
            draw.next_values(b, std::span<float>(values[b]).subspan(columns[b].row_start[r],
                                                                    columns[b].row_start[r + 1] - columns[b].row_start[r]));
    }
    std::vector<std::uint32_t> col;
    std::vector<float> value;
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t b = 0; b < draw.parts(); ++b)
            for (auto k = columns[b].row_start[r]; k < columns[b].row_start[r + 1]; ++k) {
                col.push_back(columns[b].col[k]);
                value.push_back(values[b][k]);
            }
    REQUIRE(col == whole.col);
    REQUIRE(value.size() == whole.value.size());
    for (std::size_t k = 0; k < value.size(); ++k)
        REQUIRE(std::bit_cast<std::uint32_t>(value[k]) == std::bit_cast<std::uint32_t>(whole.value[k]));
    // One constant is known before the draw; anything else is not.
    CHECK_FALSE(draw.constant_value().has_value());
    Rng key(5);
    InitializerSpec other = constant;
    CHECK(SparseRowDraw(block_initializer({{10, constant}, {20, other}}), 30, key, {}, ParamWhere{}).constant_value() == 1.62f);
    other.scale = 2.0;
    CHECK_FALSE(SparseRowDraw(block_initializer({{10, constant}, {20, other}}), 30, key, {}, ParamWhere{}).constant_value());
}
