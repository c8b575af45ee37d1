// Deterministic random streams (rng.hpp).
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <set>
#include <vector>

#include <spark/core/rng.hpp>

using namespace spark;

namespace {
std::vector<std::uint64_t> words(Rng rng, int n) {
    std::vector<std::uint64_t> out;
    for (int i = 0; i < n; ++i) out.push_back(rng.next());
    return out;
}
}  // namespace

TEST_CASE("Rng is seeded through splitmix64 (published test vector for seed 0)", "[core][rng]") {
    // splitmix64 from state 0 yields e220a8397b1dcdaf, 6e789e6aa1b965f4, 06c45d188009454f, f88bb8a8724c81ec.
    const Rng rng(0);
    CHECK(rng.state() == Rng::State{0xe220a8397b1dcdafull, 0x6e789e6aa1b965f4ull, 0x06c45d188009454full,
                                    0xf88bb8a8724c81ecull});
    CHECK(Rng() == rng);  // the default seed is 0: deterministic by default (design decision 7)
}

TEST_CASE("fnv1a matches the published FNV-1a 64-bit vectors", "[core][rng]") {
    CHECK(fnv1a("") == 0xcbf29ce484222325ull);
    CHECK(fnv1a("a") == 0xaf63dc4c8601ec8cull);
    CHECK(fnv1a("foobar") == 0x85944171f73967e8ull);
}

TEST_CASE("the same seed gives the same stream, another seed another one", "[core][rng]") {
    CHECK(words(Rng(42), 100) == words(Rng(42), 100));
    CHECK(words(Rng(42), 100) != words(Rng(43), 100));
    // No repeats in a short run (a broken generator tends to cycle or stick).
    const auto w = words(Rng(42), 1000);
    CHECK(std::set<std::uint64_t>(w.begin(), w.end()).size() == w.size());
}

TEST_CASE("every node path has its own stream", "[core][rng]") {
    CHECK(Rng::for_node(0, "pool.soma") == Rng::for_node(0, "pool.soma"));
    CHECK(words(Rng::for_node(0, "pool.soma"), 16) != words(Rng::for_node(0, "pool.synapses"), 16));
    CHECK(words(Rng::for_node(0, "pool.soma"), 16) != words(Rng::for_node(1, "pool.soma"), 16));
    // Paths that differ by one character, and the empty path, all differ.
    std::set<std::uint64_t> firsts;
    for (const char* path : {"", "a", "b", "ab", "ba", "pool.soma0", "pool.soma1"})
        firsts.insert(Rng::for_node(7, path).next());
    CHECK(firsts.size() == 7);
}

TEST_CASE("the state saves and restores a stream exactly", "[core][rng]") {
    Rng a(9);
    for (int i = 0; i < 10; ++i) (void)a.next();
    const Rng::State saved = a.state();
    const auto continued = words(a, 20);
    Rng b(12345);
    b.state() = saved;
    CHECK(words(b, 20) == continued);
}

TEST_CASE("split derives an independent stream and advances the parent by one draw", "[core][rng]") {
    Rng parent(3);
    Rng reference(3);
    Rng child = parent.split();
    (void)reference.next();
    CHECK(parent == reference);
    CHECK(words(child, 8) != words(parent, 8));
    Rng again(3);
    CHECK(words(again.split(), 8) == words(Rng(3).split(), 8));
}

TEST_CASE("uniform() lies in 0 <= u < 1 on a 2^-24 grid with the right mean and variance", "[core][rng]") {
    Rng rng(2024);
    const int n = 100000;
    double sum = 0.0, sum_sq = 0.0;
    float lo = 1.0f, hi = 0.0f;
    bool on_grid = true;
    for (int i = 0; i < n; ++i) {
        const float u = rng.uniform();
        lo = std::min(lo, u);
        hi = std::max(hi, u);
        on_grid = on_grid && std::ldexp(static_cast<double>(u), 24) == std::floor(std::ldexp(static_cast<double>(u), 24));
        sum += u;
        sum_sq += static_cast<double>(u) * u;
    }
    CHECK(lo >= 0.0f);
    CHECK(hi < 1.0f);
    CHECK(on_grid);
    const double mean = sum / n;
    const double var = sum_sq / n - mean * mean;
    CHECK(std::abs(mean - 0.5) < 5.0 * std::sqrt(1.0 / 12.0 / n));  // five sigma
    CHECK(var == Approx(1.0 / 12.0).epsilon(0.02));
    // The largest value is 1 - 2^-24, which is exactly representable and below 1.
    CHECK(static_cast<float>(0xffffffull) * 0x1.0p-24f < 1.0f);
}

TEST_CASE("uniform_double() lies in 0 <= u < 1", "[core][rng]") {
    Rng rng(5);
    double lo = 1.0, hi = 0.0, sum = 0.0;
    for (int i = 0; i < 20000; ++i) {
        const double u = rng.uniform_double();
        lo = std::min(lo, u);
        hi = std::max(hi, u);
        sum += u;
    }
    CHECK(lo >= 0.0);
    CHECK(hi < 1.0);
    CHECK(std::abs(sum / 20000 - 0.5) < 5.0 * std::sqrt(1.0 / 12.0 / 20000));
}

TEST_CASE("below(n) stays in range and is unbiased enough", "[core][rng]") {
    Rng rng(77);
    SECTION("n = 1 always gives 0; n = 0 gives 0 without drawing") {
        for (int i = 0; i < 100; ++i) CHECK(rng.below(1) == 0);
        const Rng before = rng;
        CHECK(rng.below(0) == 0);
        CHECK(rng == before);
    }
    SECTION("a six-sided die passes a chi-square test") {
        std::array<int, 6> counts{};
        const int n = 60000;
        for (int i = 0; i < n; ++i) {
            const auto k = rng.below(6);
            REQUIRE(k < 6);
            ++counts[k];
        }
        double chi2 = 0.0;
        for (int c : counts) chi2 += (c - n / 6.0) * (c - n / 6.0) / (n / 6.0);
        CHECK(chi2 < 30.0);  // 5 degrees of freedom: P(chi2 > 30) ~ 1.5e-5
    }
    SECTION("a range that does not divide 2^64 evenly keeps every value in range") {
        const std::uint64_t n = (1ull << 63) + 12345;  // rejection sampling is exercised here
        std::uint64_t high = 0;
        for (int i = 0; i < 2000; ++i) {
            const auto k = rng.below(n);
            REQUIRE(k < n);
            high += k >= n / 2;
        }
        CHECK(std::abs(static_cast<double>(high) - 1000.0) < 5.0 * std::sqrt(500.0));
    }
}
