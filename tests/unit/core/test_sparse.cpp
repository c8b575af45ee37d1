#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include <spark/core/error.hpp>
#include <spark/core/sparse.hpp>

using namespace spark;

TEST_CASE("a compressed sparse kernel has the requested density and value range", "[core][sparse]") {
    InitializerSpec spec;
    spec.kind = "sparse_uniform_initializer";
    spec.scale = 4.0;
    spec.density = GENERATE(0.02, 0.2, 0.9);
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
    InitializerSpec spec;
    spec.kind = "sparse_constant_initializer";
    spec.scale = 1.62;
    spec.density = 0.02;
    Rng a(5), b(5), c(6);
    const auto ma = initialize_sparse(spec, 100, 4000, a);
    const auto mb = initialize_sparse(spec, 100, 4000, b);
    const auto mc = initialize_sparse(spec, 100, 4000, c);
    CHECK(ma.col == mb.col);
    CHECK(ma.col != mc.col);
    for (float v : ma.value) REQUIRE(v == 1.62f);
}

TEST_CASE("normalized compressed rows sum to the scale", "[core][sparse]") {
    InitializerSpec spec;
    spec.kind = "normalized_sparse_uniform_initializer";
    spec.scale = 3.0;
    spec.density = 0.5;
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
    InitializerSpec spec;
    spec.kind = "sparse_constant_initializer";
    spec.scale = 1.62;
    spec.density = 0.3;
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
