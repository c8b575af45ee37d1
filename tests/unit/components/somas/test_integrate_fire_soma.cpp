#include <catch2/catch.hpp>

#include <cmath>

#include <spark/components/builtin.hpp>

#include "harness.hpp"
#include "soma_testing.hpp"

using namespace spark;
using spark::testing::spike_steps;

TEST_CASE("IntegrateFireSoma fires every floor(theta / (dt R I)) + 1 steps as dv/dt = R I gives",
          "[somas][validation]") {
    const double dt = GENERATE(0.01, 2.0);
    const double resistance = 0.02, theta = 10.0, current = 37.0;
    auto h = spark::testing::soma("integrate_fire_soma",
                                  {{"resistance", resistance}, {"threshold", theta}, {"potential_reset", 0.0}}, 1, dt);
    h.input_f32(0)[0] = static_cast<float>(current);
    // v = n dt R I after n steps from 0: the first n with v > theta, then every n again after each reset.
    const int period = static_cast<int>(std::floor(theta / (dt * resistance * current))) + 1;
    const auto steps = spike_steps(h, 3 * period + 1);
    REQUIRE(steps == std::vector<int>{period - 1, 2 * period - 1, 3 * period - 1});
}

TEST_CASE("IntegrateFireSoma has no leak and resets to v_reset", "[somas]") {
    auto h = spark::testing::soma("integrate_fire_soma",
                                  {{"resistance", 0.5}, {"threshold", 3.0}, {"potential_reset", -1.0}});
    h.input_f32(0)[0] = 2.0f;  // +1 mV per step
    h.step();
    h.input_f32(0)[0] = 0.0f;
    for (int n = 0; n < 50; ++n) h.step();
    auto potential = spark::testing::state_of(h.component()).f32("potential");
    CHECK(potential[0] == 1.0f);
    h.input_f32(0)[0] = 6.0f;  // 1 + 3 > 3: spikes, v <- -1
    h.step();
    CHECK(h.output_u8(0)[0] == spike::bit);
    CHECK(spark::testing::state_of(h.component()).f32("potential")[0] == -1.0f);
}
