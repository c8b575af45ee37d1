#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include <spark/components/builtin.hpp>
#include <spark/components/delays/n_delays.hpp>

#include "delays_testing.hpp"
#include "harness.hpp"

using namespace spark;
using spark::components::delays::NDelays;
using spark::testing::Harness;
using spark::testing::random_delays;
using spark::testing::steps_list;

namespace {
Harness n_delays(Overrides overrides, std::size_t units, double dt = 1.0, std::uint64_t seed = 0) {
    return Harness(components::builtin_registry(), "n_delays", overrides,
                   {PortSpec(PayloadKind::spikes, {units})}, dt, seed);
}
}  // namespace

TEST_CASE("NDelays emits a spike arriving at step 3 exactly at step 3 + d, for every d = 1..B", "[delays]") {
    // B = 8 both ways: max_delay 8 ms at dt 1 ms, and 4 ms at dt 0.5 ms.
    const auto [max_delay, dt] = GENERATE(std::make_pair(8.0, 1.0), std::make_pair(4.0, 0.5));
    for (int d = 1; d <= 8; ++d) {
        INFO("d = " << d << ", dt = " << dt);
        // unit 0 excitatory, unit 1 inhibitory (its sign bit is set on every step, spiking or not)
        auto h = n_delays({{"max_delay", max_delay}, {"delays", steps_list({d, d})}}, 2, dt);
        for (int t = 0; t < 3 + 8 + 4; ++t) {
            h.input_u8(0)[0] = t == 3 ? spike::bit : 0;
            h.input_u8(0)[1] = static_cast<std::uint8_t>(spike::inhibitory | (t == 3 ? spike::bit : 0));
            h.step();
            const bool expect = t == 3 + d;
            REQUIRE(h.output_u8(0)[0] == (expect ? spike::bit : 0));
            REQUIRE(h.output_u8(0)[1] == (expect ? spike::bit | spike::inhibitory : spike::inhibitory));
            REQUIRE(spike::signed_value(h.output_u8(0)[1]) == (expect ? -1.0f : 0.0f));
        }
    }
}

TEST_CASE("NDelays delays every unit of a random spike train by its own delay", "[delays]") {
    constexpr std::size_t N = 37;
    constexpr int B = 6, T = 300;
    std::mt19937 gen(7);
    const std::vector<int> delays = random_delays(N, B, gen);
    auto h = n_delays({{"max_delay", double(B)}, {"delays", steps_list(delays)}}, N);
    std::vector<std::vector<std::uint8_t>> history;
    for (int t = 0; t < T; ++t) {
        std::vector<std::uint8_t> in(N);
        for (std::size_t j = 0; j < N; ++j)
            in[j] = spike::encode(std::bernoulli_distribution(0.3)(gen), std::bernoulli_distribution(0.2)(gen));
        history.push_back(in);
        std::copy(in.begin(), in.end(), h.input_u8(0).begin());
        h.step();
        for (std::size_t j = 0; j < N; ++j) {
            const int from = t - delays[j];
            const bool spiked = from >= 0 && (history[static_cast<std::size_t>(from)][j] & spike::bit);
            // a delayed spike keeps the sign it had; a silent element shows the unit's current sign bit
            const std::uint8_t expected =
                spiked ? history[static_cast<std::size_t>(from)][j] : std::uint8_t(in[j] & spike::inhibitory);
            REQUIRE(h.output_u8(0)[j] == expected);
        }
    }
}

TEST_CASE("NDelays default delays: uniform with scale B+1 and min 1, truncated into 1..B", "[delays]") {
    // P(d = 1) = 2/(B+1) (the clip at 1 folds [0, 1) onto 1), P(d = k) = 1/(B+1) for k = 2..B.
    constexpr std::size_t N = 90000, B = 8;
    auto h = n_delays({{"max_delay", 8.0}}, N);
    const auto delays = h.as<NDelays>().delays();
    std::vector<double> count(B + 1, 0.0);
    for (auto d : delays) {
        REQUIRE(d >= 1);
        REQUIRE(d <= static_cast<std::int32_t>(B));
        count[static_cast<std::size_t>(d)] += 1.0;
    }
    for (std::size_t k = 1; k <= B; ++k) {
        const double p = (k == 1 ? 2.0 : 1.0) / (B + 1);
        const double sigma = std::sqrt(N * p * (1 - p));
        INFO("d = " << k);
        CHECK(std::abs(count[k] - N * p) < 5 * sigma);
    }
    // Deterministic per seed.
    auto again = n_delays({{"max_delay", 8.0}}, N);
    auto other = n_delays({{"max_delay", 8.0}}, N, 1.0, 99);
    CHECK(std::equal(delays.begin(), delays.end(), again.as<NDelays>().delays().begin()));
    CHECK_FALSE(std::equal(delays.begin(), delays.end(), other.as<NDelays>().delays().begin()));
}

TEST_CASE("NDelays output has the input's shape, is not per-synapse and keeps the inhibition mask", "[delays]") {
    PortSpec in(PayloadKind::spikes, {2, 3});
    in.mask = {0, 1, 0, 1, 1, 0};
    Harness h(components::builtin_registry(), "n_delays", {}, {in});
    const PortSpec& out = h.result().outputs[0];
    CHECK(out.kind == PayloadKind::spikes);
    CHECK(out.shape == Shape{2, 3});
    CHECK_FALSE(out.per_synapse);
    CHECK(out.mask == in.mask);
    const PortSpec& kernel = h.result().properties[0];
    CHECK(kernel == PortSpec(PayloadKind::integer, {2, 3}));
    const auto values = h.component().property(0).i32();
    CHECK(std::equal(values.begin(), values.end(), h.as<NDelays>().delays().begin()));
    CHECK(h.as<NDelays>().max_steps() == 8);
}

TEST_CASE("NDelays reset empties the delay line", "[delays]") {
    auto h = n_delays({{"delays", 2}}, 1);
    h.input_u8(0)[0] = spike::bit;
    h.step();
    h.input_u8(0)[0] = 0;
    h.component().reset();
    h.step();
    h.step();
    CHECK(h.output_u8(0)[0] == 0);
}

TEST_CASE("NDelays refuses per-synapse or non-spike input and bad delays", "[delays][config]") {
    REQUIRE_THROWS_AS(Harness(components::builtin_registry(), "n_delays", {},
                              {PortSpec(PayloadKind::spikes, {2, 3}, true)}),
                      ShapeError);
    REQUIRE_THROWS_WITH(Harness(components::builtin_registry(), "n_delays", {},
                                {PortSpec(PayloadKind::current, {3})}),
                        Catch::Contains("in_spikes") && Catch::Contains("synchronous SpikeArray"));
    // B = ceil(0.7 / 0.1) = 7: a delay of 7 steps is representable, 8 is not.
    CHECK_NOTHROW(n_delays({{"max_delay", 0.7}, {"delays", 7}}, 1, 0.1));
    REQUIRE_THROWS_AS(n_delays({{"max_delay", 0.7}, {"delays", 8}}, 1, 0.1), ConfigError);
    REQUIRE_THROWS_WITH(n_delays({{"max_delay", 0.7}, {"delays", 8}}, 1, 0.1),
                        Catch::Contains("NDelays 'n_delays': delays[0] = 8 steps must be a whole number of steps in 1..7"));
    REQUIRE_THROWS_WITH(n_delays({{"delays", 0}}, 1), Catch::Contains("delays = 0 steps must be > 0"));
    REQUIRE_THROWS_WITH(n_delays({{"max_delay", 0.0}}, 1), Catch::Contains("max_delay = 0 ms must be > 0"));
    REQUIRE_THROWS_WITH(n_delays({{"delays", steps_list({1, 2, 3})}}, 2), Catch::Contains("has 3 values; expected 1 or 2"));
}
