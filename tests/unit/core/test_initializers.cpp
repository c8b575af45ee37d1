// Initializers and Param::materialize (param.hpp), after spec section 6 and the cases of section 10.5.
// The port stores every parameter in float32 (the module always overrides an initializer's dtype in
// Spark, section 1.5), so the dtype column of 10.5 has no counterpart; shapes, bounds, density,
// normalisation and determinism are checked here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <future>
#include <limits>
#include <numeric>
#include <span>

#include <spark/core/error.hpp>
#include <spark/core/param.hpp>

#include "matchers.hpp"

using namespace spark;
using spark::testing::ConfigErrorFields;

namespace {
// The same float bits (NaN payloads and signed zeros included).
bool same_bits(float a, float b) { return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b); }

InitializerSpec spec(std::string kind, double scale = 1.0, std::optional<double> min_value = {},
                     std::optional<double> max_value = {}, double density = 0.2,
                     std::vector<std::size_t> norm_axes = {}) {
    return InitializerSpec{std::move(kind), scale, min_value, max_value, density, std::move(norm_axes)};
}

std::vector<float> draw(const InitializerSpec& s, const Shape& shape, std::uint64_t seed = 42,
                        const InitOverrides& overrides = {}) {
    Rng rng(seed);
    return initialize(s, shape, rng, overrides);
}

std::size_t count_nonzero(const std::vector<float>& v) {
    return static_cast<std::size_t>(std::count_if(v.begin(), v.end(), [](float x) { return x != 0.0f; }));
}

// |k - n p| <= 5 sqrt(n p (1 - p)): a five-sigma binomial band (and the draws are seeded, so a
// pass or fail is reproducible).
void check_binomial(std::size_t k, std::size_t n, double p) {
    const double mean = static_cast<double>(n) * p;
    const double sigma = std::sqrt(static_cast<double>(n) * p * (1.0 - p));
    INFO("k = " << k << ", n = " << n << ", p = " << p);
    CHECK(std::abs(static_cast<double>(k) - mean) <= 5.0 * sigma);
}

const ParamWhere kWhere{"LinearSynapses", "pool.syn", "kernel", "pA"};
}  // namespace

TEST_CASE("the initializer names are Spark's registry names", "[core][initializers]") {
    const auto names = initializer_names();
    REQUIRE(names.size() == 8);  // Spark's four, then spark's additions
    CHECK(names[0] == "constant_initializer");
    CHECK(names[3] == "normalized_sparse_uniform_initializer");
    CHECK(names[4] == "sparse_constant_initializer");
    CHECK(names[5] == "normal_initializer");
    CHECK(names[6] == "sparse_normal_initializer");
    CHECK(names[7] == "block_initializer");
    CHECK(find_initializer("normal") == std::optional<std::string_view>("normal_initializer"));
    CHECK(find_initializer("SparseNormalInitializer") == std::optional<std::string_view>("sparse_normal_initializer"));
    CHECK(find_initializer("uniform") == std::optional<std::string_view>("uniform_initializer"));
    CHECK(find_initializer("SparseUniformInitializer") == std::optional<std::string_view>("sparse_uniform_initializer"));
    CHECK(find_initializer("constant_initializer") == std::optional<std::string_view>("constant_initializer"));
    CHECK_FALSE(find_initializer("gaussian").has_value());
}

TEST_CASE("ConstantInitializer: scale everywhere, min and max ignored (10.5)", "[core][initializers]") {
    const auto a = draw(spec("constant_initializer", 8.0), Shape{2, 3, 4, 5});
    REQUIRE(a.size() == 120);
    CHECK(std::all_of(a.begin(), a.end(), [](float x) { return x == 8.0f; }));
    const auto b = draw(spec("constant_initializer", 8.0, 10.0), Shape{8, 2, 4});
    REQUIRE(b.size() == 64);
    CHECK(std::all_of(b.begin(), b.end(), [](float x) { return x == 8.0f; }));
}

TEST_CASE("UniformInitializer: clip(scale * uniform, min, max) (10.5)", "[core][initializers]") {
    SECTION("scale 8, max 4: the upper half piles at 4") {
        const auto a = draw(spec("uniform_initializer", 8.0, {}, 4.0), Shape{100, 100});
        REQUIRE(a.size() == 10000);
        CHECK(*std::min_element(a.begin(), a.end()) >= 0.0f);
        CHECK(*std::max_element(a.begin(), a.end()) <= 4.0f);
        const auto at_max = static_cast<std::size_t>(std::count(a.begin(), a.end(), 4.0f));
        check_binomial(at_max, a.size(), 0.5);  // P(8 U >= 4) = 1/2
    }
    SECTION("scale 8, min 2, max 4") {
        const auto a = draw(spec("uniform_initializer", 8.0, 2.0, 4.0), Shape{2, 3, 4, 5});
        REQUIRE(a.size() == 120);
        CHECK(std::all_of(a.begin(), a.end(), [](float x) { return x >= 2.0f && x <= 4.0f; }));
    }
    SECTION("unclipped values are uniform on [0, scale)") {
        const auto a = draw(spec("uniform_initializer", 8.0), Shape{10000});
        CHECK(*std::min_element(a.begin(), a.end()) >= 0.0f);
        CHECK(*std::max_element(a.begin(), a.end()) < 8.0f);
        const double mean = std::accumulate(a.begin(), a.end(), 0.0) / 10000.0;
        // mean of 8 U over 10^4 draws: 4 +- 5 sigma, sigma = 8 / sqrt(12) / 100
        CHECK(std::abs(mean - 4.0) <= 5.0 * 8.0 / std::sqrt(12.0) / 100.0);
    }
}

TEST_CASE("SparseUniformInitializer: masked scale * uniform (10.5)", "[core][initializers]") {
    SECTION("density 1: every entry is drawn") {
        const auto a = draw(spec("sparse_uniform_initializer", 4.0, {}, {}, 1.0), Shape{2, 3, 4, 5});
        REQUIRE(a.size() == 120);
        CHECK(count_nonzero(a) == 120);
        CHECK(std::all_of(a.begin(), a.end(), [](float x) { return x > 0.0f && x < 4.0f; }));
    }
    SECTION("density 0.5 and the default 0.2 keep that fraction within a binomial tolerance") {
        for (double density : {0.5, 0.2}) {
            const auto a = draw(spec("sparse_uniform_initializer", 4.0, {}, {}, density), Shape{100, 100});
            check_binomial(count_nonzero(a), a.size(), density);
            CHECK(std::all_of(a.begin(), a.end(), [](float x) { return x >= 0.0f && x < 4.0f; }));
        }
    }
    SECTION("density 0 draws nothing") {
        const auto a = draw(spec("sparse_uniform_initializer", 4.0, {}, {}, 0.0), Shape{50});
        CHECK(count_nonzero(a) == 0);
    }
    SECTION("min_value is a clip after masking: masked zeros become min_value (spec section 6 quirk)") {
        const auto a = draw(spec("sparse_uniform_initializer", 4.0, 0.5, {}, 0.5), Shape{1000});
        CHECK(std::all_of(a.begin(), a.end(), [](float x) { return x >= 0.5f; }));
        const auto at_min = static_cast<std::size_t>(std::count(a.begin(), a.end(), 0.5f));
        check_binomial(at_min, a.size(), 0.5 + 0.5 * 0.125);  // masked, or drawn below 0.5 (4 U < 0.5)
    }
    SECTION("the mask does not change the values that survive (separate value and mask streams)") {
        const auto dense = draw(spec("sparse_uniform_initializer", 4.0, {}, {}, 1.0), Shape{200});
        const auto sparse = draw(spec("sparse_uniform_initializer", 4.0, {}, {}, 0.3), Shape{200});
        for (std::size_t i = 0; i < sparse.size(); ++i)
            if (sparse[i] != 0.0f) CHECK(sparse[i] == dense[i]);
    }
}

TEST_CASE("NormalizedSparseUniformInitializer: sums over the non-norm axes equal scale (10.5)",
          "[core][initializers]") {
    SECTION("(10, 5), norm axes (0): each row sums to scale") {
        for (double scale : {1.0, 3.0}) {
            const auto a = draw(spec("normalized_sparse_uniform_initializer", scale, {}, {}, 1.0, {0}), Shape{10, 5});
            REQUIRE(a.size() == 50);
            for (std::size_t i = 0; i < 10; ++i) {
                double sum = 0.0;
                for (std::size_t j = 0; j < 5; ++j) sum += a[i * 5 + j];
                CHECK(sum == Approx(scale).epsilon(1e-6));
            }
        }
    }
    SECTION("(2, 3, 4, 5), norm axes (1, 3): sums over axes 0 and 2") {
        const auto a = draw(spec("normalized_sparse_uniform_initializer", 1.0, {}, {}, 1.0, {1, 3}), Shape{2, 3, 4, 5});
        REQUIRE(a.size() == 120);
        for (std::size_t j = 0; j < 3; ++j)
            for (std::size_t l = 0; l < 5; ++l) {
                double sum = 0.0;
                for (std::size_t i = 0; i < 2; ++i)
                    for (std::size_t k = 0; k < 4; ++k) sum += a[((i * 3 + j) * 4 + k) * 5 + l];
                CHECK(sum == Approx(1.0).epsilon(1e-6));
            }
    }
    SECTION("(8, 2, 4), norm axes (0), density 0.5: each slice sums to scale, or is empty") {
        const auto a = draw(spec("normalized_sparse_uniform_initializer", 1.0, {}, {}, 0.5, {0}), Shape{8, 2, 4});
        REQUIRE(a.size() == 64);
        check_binomial(count_nonzero(a), 64, 0.5);
        for (std::size_t i = 0; i < 8; ++i) {
            double sum = 0.0;
            for (std::size_t j = 0; j < 8; ++j) sum += a[i * 8 + j];
            if (sum != 0.0) CHECK(sum == Approx(1.0).epsilon(1e-6));
        }
    }
    SECTION("the module's norm_axes hint wins over the user's (synapse: post axes)") {
        InitOverrides hint;
        hint.norm_axes = std::vector<std::size_t>{1};
        const auto a = draw(spec("normalized_sparse_uniform_initializer", 1.0, {}, {}, 1.0, {0}), Shape{3, 4}, 42, hint);
        for (std::size_t j = 0; j < 4; ++j) CHECK(a[j] + a[4 + j] + a[8 + j] == Approx(1.0).epsilon(1e-6));
    }
    SECTION("it needs at least two dimensions and axes below the rank") {
        Rng rng(1);
        const auto s = spec("normalized_sparse_uniform_initializer");
        REQUIRE_THROWS_AS(initialize(s, Shape{10}, rng, {}, kWhere), ConfigError);
        REQUIRE_THROWS_WITH(initialize(s, Shape{10}, rng, {}, kWhere),
                            "LinearSynapses 'pool.syn': kernel.initializer = \"normalized_sparse_uniform_initializer\" "
                            "needs a shape of at least 2 dimensions; got [10]");
        auto bad = spec("normalized_sparse_uniform_initializer", 1.0, {}, {}, 0.2, {2});
        REQUIRE_THROWS_WITH(initialize(bad, Shape{3, 4}, rng, {}, kWhere),
                            Catch::Contains("kernel.norm_axes = [2] must name axes below the rank 2"));
    }
}

TEST_CASE("the module's init overrides win over the user's scale and min_value", "[core][initializers]") {
    // NDelays (spec section 4): uniform with scale B + 1 and min 1, truncated, gives 1..B with
    // P(1) = 2 / (B + 1).
    const std::size_t B = 8;
    InitOverrides o;
    o.scale = static_cast<double>(B + 1);
    o.min_value = 1.0;
    const auto a = draw(spec("uniform_initializer", 100.0, -5.0), Shape{9000}, 3, o);
    std::size_t ones = 0;
    for (float x : a) {
        const auto d = static_cast<std::size_t>(x);
        REQUIRE(d >= 1);
        REQUIRE(d <= B);
        ones += d == 1;
    }
    check_binomial(ones, a.size(), 2.0 / (B + 1));
}

TEST_CASE("initializer draws are deterministic per seed and per node path", "[core][initializers]") {
    const auto s = spec("sparse_uniform_initializer", 2.0, {}, {}, 0.5);
    CHECK(draw(s, Shape{64}, 42) == draw(s, Shape{64}, 42));
    CHECK(draw(s, Shape{64}, 42) != draw(s, Shape{64}, 43));
    auto at = [&](std::uint64_t seed, std::string_view path) {
        Rng rng = Rng::for_node(seed, path);
        return initialize(s, Shape{64}, rng);
    };
    CHECK(at(0, "pool.synapses") == at(0, "pool.synapses"));
    CHECK(at(0, "pool.synapses") != at(0, "pool2.synapses"));
    CHECK(at(0, "pool.synapses") != at(1, "pool.synapses"));
}

TEST_CASE("an unknown initializer name is a ConfigError with suggestions", "[core][initializers]") {
    Rng rng(1);
    REQUIRE_THROWS_AS(initialize(spec("sparse_unifrom"), Shape{4}, rng, {}, kWhere), ConfigError);
    REQUIRE_THROWS_MATCHES(initialize(spec("sparse_unifrom"), Shape{4}, rng, {}, kWhere), ConfigError,
                           ConfigErrorFields("LinearSynapses", "pool.syn", "kernel.initializer", "\"sparse_unifrom\""));
    REQUIRE_THROWS_WITH(initialize(spec("sparse_unifrom"), Shape{4}, rng, {}, kWhere),
                        Catch::Contains("is not a registered initializer (did you mean sparse_uniform_initializer"));
    REQUIRE_THROWS_WITH(initialize(spec("uniform_initializer", 1.0, {}, {}, 2.0), Shape{4}, rng, {}, kWhere),
                        "LinearSynapses 'pool.syn': kernel.density = 2 must be in [0, 1]");
    REQUIRE_THROWS_WITH(initialize(spec("uniform_initializer", 1.0, 3.0, 2.0), Shape{4}, rng, {}, kWhere),
                        "LinearSynapses 'pool.syn': kernel.min_value = 3 pA must be <= max_value = 2 pA");
}

TEST_CASE("Param::materialize broadcasts scalars, checks array lengths and bounds", "[core][initializers]") {
    const ParamWhere where{"LeakySoma", "soma", "potential_tau", "ms"};
    Rng rng(5);
    SECTION("scalar and one-element arrays broadcast") {
        CHECK(Param(20.0).materialize(Shape{2, 2}, rng, Bound::positive, where) == std::vector<float>(4, 20.0f));
        CHECK(Param(std::vector<float>{7.0f}).materialize(Shape{3}, rng) == std::vector<float>(3, 7.0f));
        CHECK(Param(std::vector<float>{1, 2, 3}).materialize(Shape{3}, rng) == std::vector<float>{1, 2, 3});
    }
    SECTION("a per-element array of the wrong length") {
        const Param p(std::vector<float>{1, 2, 3});
        REQUIRE_THROWS_AS(p.materialize(Shape{2}, rng, Bound::none, where), ConfigError);
        REQUIRE_THROWS_WITH(p.materialize(Shape{2}, rng, Bound::none, where),
                            "LeakySoma 'soma': potential_tau = [1, 2, 3] has 3 values; expected 1 or 2 (one per "
                            "element of shape [2])");
    }
    SECTION("drawn values outside the bound name the element and the initializer") {
        const Param p(spec("uniform_initializer", -1.0));
        REQUIRE_THROWS_AS(p.materialize(Shape{4}, rng, Bound::positive, where), ConfigError);
        REQUIRE_THROWS_WITH(p.materialize(Shape{4}, rng, Bound::positive, where),
                            Catch::StartsWith("LeakySoma 'soma': potential_tau[0] = -") &&
                                Catch::EndsWith(" ms must be > 0 (drawn by uniform_initializer)"));
    }
    SECTION("the string form of `where` prefixes the message") {
        const Param p(std::vector<float>{1, 2, 3});
        REQUIRE_THROWS_WITH(p.materialize(Shape{2}, rng, Bound::none, "Custom 'x': gain"),
                            Catch::StartsWith("Custom 'x': gain = [1, 2, 3] has 3 values"));
    }
}

TEST_CASE("each materialize consumes one split of the node stream (spec section 1.10)", "[core][initializers]") {
    SECTION("even a scalar parameter takes its key") {
        Rng a(7), b(7);
        (void)Param(5.0).materialize(Shape{3}, a);
        (void)b.split();
        CHECK(a == b);
    }
    SECTION("a parameter's values do not depend on the shape or kind of the one drawn before") {
        const Param first(spec("uniform_initializer"));
        const Param second(spec("sparse_uniform_initializer", 1.0, {}, {}, 0.5));
        Rng a(7), b(7), c(7);
        (void)first.materialize(Shape{3}, a);
        (void)first.materialize(Shape{500}, b);
        (void)Param(1.0).materialize(Shape{500}, c);
        const auto va = second.materialize(Shape{16}, a);
        CHECK(va == second.materialize(Shape{16}, b));
        CHECK(va == second.materialize(Shape{16}, c));
    }
}

// ---- spark's normal and block initializers (issue 9) ----

namespace {
double mean_of(const std::vector<float>& v) {
    double sum = 0.0;
    for (float x : v) sum += x;
    return sum / static_cast<double>(v.size());
}
double sd_of(const std::vector<float>& v) {
    const double m = mean_of(v);
    double sum = 0.0;
    for (float x : v) sum += (x - m) * (x - m);
    return std::sqrt(sum / static_cast<double>(v.size() - 1));
}
}  // namespace

TEST_CASE("normal_initializer draws mean + stddev N(0,1)", "[core][initializers]") {
    const std::size_t n = 200000;
    const auto v = draw(normal_initializer(-58.0, 10.0), Shape{n}, 9);
    // The sample mean is within 5 standard errors (10 / sqrt(n)); the sample sd within 5 of its own
    // standard error (about sd / sqrt(2n)).
    CHECK(std::abs(mean_of(v) + 58.0) < 5.0 * 10.0 / std::sqrt(static_cast<double>(n)));
    CHECK(std::abs(sd_of(v) - 10.0) < 5.0 * 10.0 / std::sqrt(2.0 * static_cast<double>(n)));
    // P(X < mean - sd) = Phi(-1) = 0.158655.
    const auto below = static_cast<std::size_t>(std::count_if(v.begin(), v.end(), [](float x) { return x < -68.0f; }));
    check_binomial(below, n, 0.158655);
    CHECK(draw(normal_initializer(1.0, 0.0), Shape{5}) == std::vector<float>(5, 1.0f));
}

TEST_CASE("normal_initializer clips at its bounds, or redraws into them (a truncated normal)", "[core][initializers]") {
    const std::size_t n = 100000;
    SECTION("clip piles Phi(-1) of the mass on min_value") {
        const auto v = draw(normal_initializer(0.0, 1.0, -1.0), Shape{n}, 4);
        CHECK(*std::min_element(v.begin(), v.end()) == -1.0f);
        const auto at = static_cast<std::size_t>(std::count(v.begin(), v.end(), -1.0f));
        check_binomial(at, n, 0.158655);
    }
    SECTION("redraw leaves no mass on the bound and has the truncated mean") {
        const auto v = draw(normal_initializer(0.0, 1.0, -1.0, {}, true), Shape{n}, 4);
        CHECK(*std::min_element(v.begin(), v.end()) > -1.0f);
        // Mean of N(0,1) truncated below at -1: phi(-1) / (1 - Phi(-1)) = 0.241971 / 0.841345 = 0.287600;
        // its sd is sqrt(1 + (-1)(0.287600) - 0.287600^2) = 0.7897, so 5 standard errors are 0.0125.
        CHECK(std::abs(mean_of(v) - 0.287600) < 5.0 * 0.7897 / std::sqrt(static_cast<double>(n)));
    }
    SECTION("a redraw interval that holds almost nothing is refused, not looped on") {
        Rng rng(1);
        const auto s = normal_initializer(0.0, 1.0, 5.0, 6.0, true);
        REQUIRE_THROWS_AS(initialize(s, Shape{4}, rng, {}, kWhere), ConfigError);
        REQUIRE_THROWS_WITH(initialize(s, Shape{4}, rng, {}, kWhere),
                            Catch::Contains("kernel.min_value = 5 pA and max_value = 6 pA hold less than 1e-4") &&
                                Catch::Contains("redraw would not end"));
        REQUIRE_THROWS_WITH(initialize(normal_initializer(0.0, -1.0), Shape{4}, rng, {}, kWhere),
                            "LinearSynapses 'pool.syn': kernel.stddev = -1 pA must be >= 0");
    }
}

TEST_CASE("no normal initializer can redraw forever: NaN and infinite settings are refused (issue 16)",
          "[core][initializers]") {
    // Every draw runs in a task with a time limit, so a redraw loop that comes back fails the test
    // instead of hanging it.
    auto draw_within_limit = [](const InitializerSpec& s) {
        auto task = std::async(std::launch::async, [s] {
            Rng rng(1);
            return initialize(s, Shape{1000}, rng, {}, kWhere);
        });
        REQUIRE(task.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
        return task.get();
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (const char* kind : {"normal_initializer", "sparse_normal_initializer"}) {
        INFO(kind);
        auto normal = [&](double mean, double stddev, std::optional<double> lo, std::optional<double> hi) {
            InitializerSpec s = normal_initializer(mean, stddev, lo, hi, true);
            s.kind = kind;
            s.density = 0.5;
            return s;
        };
        REQUIRE_THROWS_MATCHES(draw_within_limit(normal(nan, 1.0, -1.0, 1.0)), ConfigError,
                               ConfigErrorFields("LinearSynapses", "pool.syn", "kernel.mean", "nan pA"));
        REQUIRE_THROWS_WITH(draw_within_limit(normal(nan, 1.0, -1.0, 1.0)),
                            "LinearSynapses 'pool.syn': kernel.mean = nan pA must be a finite number");
        REQUIRE_THROWS_WITH(draw_within_limit(normal(inf, 1.0, {}, {})), Catch::Contains("kernel.mean = inf pA"));
        REQUIRE_THROWS_WITH(draw_within_limit(normal(-inf, 1.0, -1.0, {})), Catch::Contains("kernel.mean = -inf pA"));
        REQUIRE_THROWS_WITH(draw_within_limit(normal(0.0, nan, -1.0, 1.0)),
                            "LinearSynapses 'pool.syn': kernel.stddev = nan pA must be a finite number >= 0");
        REQUIRE_THROWS_WITH(draw_within_limit(normal(0.0, inf, -1.0, 1.0)), Catch::Contains("kernel.stddev = inf pA"));
        REQUIRE_THROWS_WITH(draw_within_limit(normal(0.0, 1.0, 40.0, {})), Catch::Contains("redraw would not end"));
        // A reachable interval still draws, inside its bounds.
        const auto v = draw_within_limit(normal(0.0, 1.0, -0.5, 0.5));
        CHECK(std::all_of(v.begin(), v.end(), [](float x) { return x >= -0.5f && x <= 0.5f; }));
    }
}

TEST_CASE("sparse_normal_initializer keeps its zeros whatever the bounds", "[core][initializers]") {
    const std::size_t n = 100000;
    const auto v = draw(sparse_normal_initializer(87.8, 8.78, 0.1, 80.0, {}, true), Shape{n}, 2);
    std::vector<float> drawn;
    for (float x : v)
        if (x != 0.0f) drawn.push_back(x);
    check_binomial(drawn.size(), n, 0.1);
    CHECK(*std::min_element(drawn.begin(), drawn.end()) >= 80.0f);
    // Truncated below at mean - 0.888 sd: still within a few percent of the mean.
    CHECK(mean_of(drawn) > 87.8);
    CHECK(mean_of(drawn) < 87.8 + 8.78);
}

TEST_CASE("a module's overrides raise a normal initializer's minimum and leave its mean", "[core][initializers]") {
    InitOverrides o;
    o.scale = 9.0;       // normal kinds have no scale
    o.min_value = 1.0;   // the imposed minimum ...
    const auto v = draw(normal_initializer(3.0, 2.0, 1.5, {}, true), Shape{20000}, 5, o);
    CHECK(*std::min_element(v.begin(), v.end()) >= 1.5f);  // ... does not lower the user's 1.5
    CHECK(std::abs(mean_of(v) - 3.0) < 1.0);
    const auto w = draw(normal_initializer(3.0, 2.0), Shape{20000}, 5, o);
    CHECK(*std::min_element(w.begin(), w.end()) == 1.0f);  // no user minimum: the imposed one clips
}

TEST_CASE("block_initializer draws each column block as its own array from its own split", "[core][initializers]") {
    InitializerSpec sparse = spec("sparse_constant_initializer", 2.0, {}, {}, 0.5);
    const auto s = block_initializer({{2, constant_initializer(1.0)}, {3, uniform_initializer(4.0)}, {1, sparse}});
    Rng rng(8);
    const auto v = initialize(s, Shape{4, 6}, rng);
    // The same draws by hand: one key per block in block order, each block a (4 x size) array.
    Rng ref(8);
    Rng k0 = ref.split(), k1 = ref.split(), k2 = ref.split();
    const auto b0 = initialize(constant_initializer(1.0), Shape{4, 2}, k0);
    const auto b1 = initialize(uniform_initializer(4.0), Shape{4, 3}, k1);
    const auto b2 = initialize(sparse, Shape{4, 1}, k2);
    for (std::size_t r = 0; r < 4; ++r) {
        CHECK(v[r * 6 + 0] == b0[r * 2 + 0]);
        CHECK(v[r * 6 + 1] == b0[r * 2 + 1]);
        for (std::size_t c = 0; c < 3; ++c) CHECK(v[r * 6 + 2 + c] == b1[r * 3 + c]);
        CHECK(v[r * 6 + 5] == b2[r]);
    }
    CHECK(rng == ref);  // the block initializer consumed exactly one split per block
}

TEST_CASE("block_initializer refuses blocks that do not tile the last axis", "[core][initializers]") {
    Rng rng(1);
    const auto s = block_initializer({{2, constant_initializer(1.0)}, {3, uniform_initializer()}});
    REQUIRE_THROWS_AS(initialize(s, Shape{4, 6}, rng, {}, kWhere), ConfigError);
    REQUIRE_THROWS_WITH(initialize(s, Shape{4, 6}, rng, {}, kWhere),
                        "LinearSynapses 'pool.syn': kernel.blocks = 5 columns must add up to the last axis of shape "
                        "[4,6] (6)");
    REQUIRE_THROWS_WITH(initialize(block_initializer({}), Shape{4}, rng, {}, kWhere),
                        Catch::Contains("kernel.blocks = [] must list at least one block"));
    REQUIRE_THROWS_WITH(initialize(block_initializer({{4, s}}), Shape{4}, rng, {}, kWhere),
                        Catch::Contains("kernel.blocks[0].initializer = \"block_initializer\" must not be nested"));
    REQUIRE_THROWS_WITH(initialize(block_initializer({{4, normal_initializer(0.0, -2.0)}}), Shape{4}, rng, {}, kWhere),
                        Catch::Contains("kernel.blocks[0].stddev = -2 pA must be >= 0"));
}

TEST_CASE("an element range of an initializer is the whole draw's elements bit for bit, for every kind",
          "[core][initializers]") {
    InitializerSpec normal = spec("normal_initializer", 1.0, -0.5, 0.5);
    normal.mean = 0.2;
    normal.stddev = 1.0;
    normal.redraw = true;  // a variable number of draws per value
    InitializerSpec sparse_normal = spec("sparse_normal_initializer", 1.0, -1.0, 1.0, 0.3);
    sparse_normal.stddev = 2.0;
    const std::vector<InitializerSpec> kinds{
        spec("constant_initializer", 3.0),
        spec("uniform_initializer", 2.0, 0.1, 1.7),
        normal,
        spec("sparse_constant_initializer", 2.0, {}, {}, 0.4),
        sparse_normal,
        spec("sparse_uniform_initializer", 5.0, {}, {}, 0.3),
        spec("normalized_sparse_uniform_initializer", 1.0, {}, {}, 0.3, {0}),
        block_initializer({{7, uniform_initializer(4.0)}, {6, spec("sparse_constant_initializer", 1.0, {}, {}, 0.5)}})};
    const Shape shape{11, 13};
    for (const auto& s : kinds) {
        INFO(s.kind);
        const auto whole = draw(s, shape, 5);
        for (auto [first, last] : {std::pair<std::size_t, std::size_t>{0, 143}, {0, 26}, {39, 91}, {130, 143}, {50, 50},
                                   {100, 1000}}) {
            INFO("elements " << first << ".." << last);
            Rng rng(5);
            const auto part = initialize(s, shape, rng, {}, ParamWhere{}, ElementRange{first, last});
            const std::size_t end = std::min<std::size_t>(last, whole.size());
            REQUIRE(part.size() == end - first);
            REQUIRE(std::equal(part.begin(), part.end(), whole.begin() + static_cast<std::ptrdiff_t>(first), same_bits));
            // initialize_into: the same values into a caller's span, nothing written around it.
            Rng again(5);
            std::vector<float> buffer(part.size() + 2, -7.0f);
            initialize_into(s, shape, again, {}, ParamWhere{}, ElementRange{first, last},
                            std::span<float>(buffer).subspan(1, part.size()));
            REQUIRE(std::equal(part.begin(), part.end(), buffer.begin() + 1, same_bits));
            REQUIRE(buffer.front() == -7.0f);
            REQUIRE(buffer.back() == -7.0f);
            REQUIRE(again == rng);
        }
    }
}

TEST_CASE("drawing into a span of another size than the element range is refused as an internal error",
          "[core][initializers]") {
    const Shape shape{4, 5};
    std::vector<float> out(3);
    for (const auto& s : {spec("uniform_initializer", 1.0), spec("sparse_uniform_initializer", 1.0, {}, {}, 0.5)}) {
        INFO(s.kind);
        Rng rng(1);
        REQUIRE_THROWS_AS(initialize_into(s, shape, rng, {}, ParamWhere{}, ElementRange{2, 13}, out), InternalError);
        REQUIRE_THROWS_WITH(initialize_into(s, shape, rng, {}, ParamWhere{}, ElementRange{2, 13}, out),
                            Catch::Contains("an output of 3 values for a range of 11"));
    }
    Rng rng(1);
    REQUIRE_THROWS_AS(Param(2.0).materialize_into(shape, rng, Bound::none, ParamWhere{}, {}, ElementRange{}, out),
                      InternalError);
    REQUIRE_THROWS_WITH(Param(2.0).materialize_into(shape, rng, Bound::none, ParamWhere{}, {}, ElementRange{}, out),
                        Catch::Contains("an output of 3 values for a range of 20"));
}

TEST_CASE("a parameter's element range is its whole values' elements, checked against its bound with their index",
          "[core][initializers]") {
    const Shape shape{4, 5};
    for (const Param& p : {Param(2.5), Param(std::vector<float>(20, 1.5f)), Param(uniform_initializer(3.0))}) {
        Rng a(9), b(9);
        const auto whole = p.materialize(shape, a, Bound::positive, ParamWhere{"C", "n", "w", ""});
        const auto part = p.materialize(shape, b, Bound::positive, ParamWhere{"C", "n", "w", ""}, {}, ElementRange{6, 17});
        REQUIRE(part == std::vector<float>(whole.begin() + 6, whole.begin() + 17));
        REQUIRE(a == b);  // one split of the stream either way
        Rng c(9);
        std::vector<float> into(11);
        p.materialize_into(shape, c, Bound::positive, ParamWhere{"C", "n", "w", ""}, {}, ElementRange{6, 17}, into);
        REQUIRE(into == part);
        REQUIRE(c == a);
    }
    std::vector<float> values(20, 1.0f);
    values[12] = -1.0f;
    Rng rng(1);
    REQUIRE_THROWS_WITH(Param(values).materialize(shape, rng, Bound::positive, ParamWhere{"C", "n", "w", ""}, {},
                                                  ElementRange{10, 15}),
                        Catch::Contains("w[12]") && Catch::Contains("must be > 0"));
    std::vector<float> into(5);
    REQUIRE_THROWS_WITH(Param(values).materialize_into(shape, rng, Bound::positive, ParamWhere{"C", "n", "w", ""}, {},
                                                       ElementRange{10, 15}, into),
                        Catch::Contains("w[12]") && Catch::Contains("must be > 0"));
}
