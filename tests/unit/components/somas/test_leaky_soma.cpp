#include <catch2/catch.hpp>

#include <cmath>

#include <spark/components/builtin.hpp>
#include <spark/components/somas/leaky_soma.hpp>

#include "harness.hpp"

using namespace spark;
using spark::components::somas::LeakySoma;
using spark::components::somas::LeakySomaConfig;
using spark::testing::Harness;
using spark::testing::spike_steps;

namespace {
Harness leaky(Overrides overrides = {}, std::size_t units = 1, double dt = 1.0) {
    return Harness(components::builtin_registry(), "leaky_soma", overrides,
                   {PortSpec(PayloadKind::current, {units}), std::nullopt}, dt);
}
}  // namespace

TEST_CASE("LeakySoma spikes at the steps of spec section 14", "[somas][validation]") {
    SECTION("250 pA: 32, 54, 76") {
        auto h = leaky();
        h.input_f32(0)[0] = 250.0f;
        const auto steps = spike_steps(h, 80);
        REQUIRE(steps == std::vector<int>{32, 54, 76});
    }
    SECTION("2000 pA: every second step") {
        auto h = leaky();
        h.input_f32(0)[0] = 2000.0f;
        const auto steps = spike_steps(h, 9);
        REQUIRE(steps == std::vector<int>{2, 4, 6, 8});
    }
}

TEST_CASE("LeakySoma first spike matches the closed form t* = -tau ln(1 - theta/(R I))", "[somas][validation]") {
    const double tau = 20.0, resistance = 0.1, theta = 20.0, dt = 0.1;
    const auto current = GENERATE(210.0, 300.0, 500.0, 1000.0);
    auto h = leaky({}, 1, dt);
    h.input_f32(0)[0] = static_cast<float>(current);
    const auto steps = spike_steps(h, 2000);
    REQUIRE_FALSE(steps.empty());
    // v after n steps (n = index + 1) is R I (1 - e^{-n dt / tau}); the first n with v > theta.
    const double t_star = -tau * std::log(1.0 - theta / (resistance * current));
    const auto expected_index = static_cast<int>(std::ceil(t_star / dt - 1e-9)) - 1;
    CHECK(steps.front() == expected_index);
}

TEST_CASE("LeakySoma potential is rest-relative and resets to V_reset - V_rest", "[somas]") {
    auto h = leaky();
    h.input_f32(0)[0] = 2000.0f;
    h.step();  // v = (1 - e^{-1/20}) * 200
    const float expected = (1.0f - static_cast<float>(std::exp(-1.0 / 20.0))) * 0.1f * 2000.0f;
    CHECK(h.as<LeakySoma>().potential_values()[0] == Approx(expected).epsilon(1e-6));
    h.step();  // 19.03 mV, still below theta = 20 mV
    CHECK((h.output_u8(0)[0] & spike::bit) == 0);
    h.step();  // spikes: v = -50 - (-60) = 10
    CHECK((h.output_u8(0)[0] & spike::bit) != 0);
    CHECK(h.as<LeakySoma>().potential_values()[0] == 10.0f);
}

TEST_CASE("LeakySoma signs its spikes with the inhibition mask", "[somas]") {
    Harness h(components::builtin_registry(), "leaky_soma", {},
              {PortSpec(PayloadKind::current, {2}), PortSpec(PayloadKind::boolean_mask, {2})});
    h.input_f32(0)[0] = h.input_f32(0)[1] = 2000.0f;
    h.input_u8(1)[1] = 1;
    h.step();
    CHECK(h.output_u8(0)[0] == 0);
    CHECK(h.output_u8(0)[1] == spike::inhibitory);
    h.step();
    h.step();
    CHECK(spike::signed_value(h.output_u8(0)[0]) == 1.0f);
    CHECK(spike::signed_value(h.output_u8(0)[1]) == -1.0f);
}

TEST_CASE("LeakySoma rejects a non-positive potential_tau", "[somas][config]") {
    REQUIRE_THROWS_AS(leaky({{"potential_tau", -5.0}}), ConfigError);
    REQUIRE_THROWS_WITH(leaky({{"potential_tau", -5.0}}),
                        Catch::Contains("LeakySoma 'leaky_soma': potential_tau = -5 ms must be > 0"));
    REQUIRE_THROWS_WITH(leaky({{"potential_tau", Value::List{20.0, 0.0}}}, 2),
                        Catch::Contains("potential_tau[1] = 0 ms must be > 0"));
}

TEST_CASE("LeakySoma accepts per-neuron arrays and initializers, and checks their length", "[somas][config]") {
    // 50 pA: v after one step = (1 - e^{-1/20}) 5 mV = 0.24 mV, above theta = 0.1 mV for unit 1 only.
    auto h = leaky({{"threshold", Value::List{-40.0, -59.9}}}, 2);
    h.input_f32(0)[0] = h.input_f32(0)[1] = 50.0f;
    h.step();
    CHECK(h.output_u8(0)[0] == 0);
    CHECK(h.output_u8(0)[1] == spike::bit);
    REQUIRE_THROWS_WITH(leaky({{"threshold", Value::List{-40.0, -41.0, -42.0}}}, 2),
                        Catch::Contains("has 3 values; expected 1 or 2"));
    auto drawn = leaky({{"potential_tau", Value::Map{{"initializer", "uniform_initializer"}, {"scale", 10.0},
                                                      {"min_value", 5.0}}}},
                       4);
    drawn.step();
    // Drawn values are checked against the bound too (a negative scale draws negative time constants).
    REQUIRE_THROWS_WITH(leaky({{"potential_tau", Value::Map{{"initializer", "uniform_initializer"},
                                                            {"scale", -1.0}}}}, 4),
                        Catch::Contains("must be > 0"));
}

TEST_CASE("LeakySoma refuses a current of the wrong shape when its units are set", "[somas]") {
    REQUIRE_THROWS_AS(leaky({{"units", Value::List{3.0}}}, 2), ShapeError);
    REQUIRE_THROWS_WITH(leaky({{"units", Value::List{3.0}}}, 2), Catch::Contains("current"));
}
