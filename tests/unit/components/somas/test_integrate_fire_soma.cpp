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

TEST_CASE("IntegrateFireSoma with reset_at_crossing fires on the steps of the continuous crossings k theta / (R I)",
          "[somas][validation]") {
    // dv/dt = R I from 0 with the reset at each crossing: crossings at t_k = k (theta - v_reset) / (R I)
    // (v_reset = 0), on the steps floor(t_k / dt); the potential keeps what the rest of the step adds.
    const double dt = GENERATE(0.5, 2.0, 3.0);
    const double resistance = 0.25, theta = 10.0, current = 3.0;  // R I = 0.75 mV/ms: t_k = 13.33 k ms
    auto h = spark::testing::soma("integrate_fire_soma",
                                  {{"resistance", resistance}, {"threshold", theta}, {"potential_reset", 0.0},
                                   {"reset_at_crossing", true}},
                                  1, dt);
    h.input_f32(0)[0] = static_cast<float>(current);
    std::vector<int> expected;
    for (int k = 1; k <= 4; ++k) expected.push_back(static_cast<int>(std::floor(k * theta / (resistance * current) / dt)));
    const int steps = expected.back() + 1;
    CHECK(spike_steps(h, steps) == expected);
    // After the last step: R I (steps dt - t_4) above v_reset.
    const double after = resistance * current * (steps * dt - 4 * theta / (resistance * current));
    CHECK(spark::testing::state_of(h.component()).f32("potential")[0] == Approx(after).epsilon(1e-4));
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
