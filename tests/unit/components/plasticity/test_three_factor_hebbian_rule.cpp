// ThreeFactorHebbianRule (spec section 5.4): dK = gamma (r + 0.1) (y (x) s_pre + s_post (x) x) with a
// kernel-shaped pre trace x.
#include <catch2/catch.hpp>

#include <spark/components/plasticity/three_factor_hebbian_rule.hpp>

#include "rule_support.hpp"

using namespace spark;
using namespace spark::testing::plasticity;
using spark::components::plasticity::ThreeFactorHebbianRule;

TEST_CASE("ThreeFactorHebbianRule works with synchronous pre spikes (the kernel-shaped trace is broadcast)",
          "[plasticity][three_factor]") {
    // 2 post x 2 pre, dt = 1, tau_pre = 10, tau_post = 5, gamma = 0.2, K = 1 everywhere.
    const double gamma = 0.2, dx = decay(1.0, 10.0);
    auto h = make_rule("three_factor_hebbian_rule", {{"pre_tau", 10.0}, {"post_tau", 5.0}, {"gamma", gamma}},
                       spike_spec({2}), spike_spec({2}), float_spec({1}));
    set_floats(h, kernel, {1.0f, 1.0f, 1.0f, 1.0f});
    const auto& rule = h.as<ThreeFactorHebbianRule>();

    // Step 0: r = 0.5; pre 0 and post 0 spike. x[p, 0] = 0.1 for both rows, y = [0.2, 0].
    //   dK[0,0] = gamma (r + 0.1) (y0 * 1 + 1 * x00);  dK[1,0] = gamma (r + 0.1) (y1 * 1 + 0) = 0.
    set_floats(h, factor, {0.5f});
    set_spikes(h, pre, {0});
    set_spikes(h, post, {0});
    step_and_feed_back(h);
    REQUIRE(rule.pre_trace().size() == 4);
    CHECK(rule.pre_trace()[0] == Approx(0.1).epsilon(1e-6));
    CHECK(rule.pre_trace()[2] == Approx(0.1).epsilon(1e-6));
    CHECK(rule.pre_trace()[1] == 0.0f);
    double k00 = 1.0 + gamma * (0.5 + 0.1) * (0.2 + 0.1);
    CHECK(kernel_out(h)[0] == Approx(k00).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == 1.0f);  // y0 * 0 + 1 * x01, x01 = 0
    CHECK(kernel_out(h)[2] == 1.0f);  // y1 * 1 + 0 * x10, y1 = 0
    CHECK(kernel_out(h)[3] == 1.0f);

    // Step 1: r = -0.1 cancels the +0.1 baseline: post 1 spikes with x[1,0] > 0, yet nothing changes.
    set_floats(h, factor, {-0.1f});
    set_spikes(h, pre, {});
    set_spikes(h, post, {1});
    step_and_feed_back(h);
    CHECK(kernel_out(h)[0] == Approx(k00).epsilon(1e-6));
    CHECK(kernel_out(h)[2] == 1.0f);

    // Step 2: r = 1, post 1 spikes again: dK[1,0] = gamma 1.1 (y1 * 0 + 1 * x10), x10 = 0.1 dx^2.
    // Row 0 has no post spike and no pre spike: unchanged.
    set_floats(h, factor, {1.0f});
    step_and_feed_back(h);
    CHECK(kernel_out(h)[0] == Approx(k00).epsilon(1e-6));
    CHECK(kernel_out(h)[2] == Approx(1.0 + gamma * 1.1 * (0.1 * dx * dx)).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == 1.0f);
    CHECK(kernel_out(h)[3] == 1.0f);
}

TEST_CASE("ThreeFactorHebbianRule scales by one reward per post unit", "[plasticity][three_factor][modulation]") {
    // r = [0.9, -0.1]: both posts and pre 0 spike together; row 1's factor (r + 0.1) is 0.
    const double gamma = 0.1, y = 0.1, x = 0.1;  // default taus 10 ms
    auto h = make_rule("three_factor_hebbian_rule", {}, spike_spec({1}), spike_spec({2}), float_spec({2}));
    set_floats(h, kernel, {1.0f, 1.0f});
    set_floats(h, factor, {0.9f, -0.1f});
    set_spikes(h, pre, {0});
    set_spikes(h, post, {0, 1});
    h.step();
    CHECK(kernel_out(h)[0] == Approx(1.0 + gamma * (0.9 + 0.1) * (y + x)).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == 1.0f);
}

TEST_CASE("ThreeFactorHebbianRule with per-synapse pre spikes", "[plasticity][three_factor][async]") {
    // 2 post x 1 pre per synapse: the spike reaches post 1 at step 0 and post 0 at step 1.
    const double gamma = 0.1, r = 0.4, dx = decay(1.0, 10.0);
    auto h = make_rule("three_factor_hebbian_rule", {}, spike_spec({2, 1}, true), spike_spec({2}), float_spec({1}));
    set_floats(h, kernel, {1.0f, 1.0f});
    set_floats(h, factor, {static_cast<float>(r)});
    set_spikes(h, pre, {1});
    set_spikes(h, post, {});
    step_and_feed_back(h);
    set_spikes(h, pre, {0});
    set_spikes(h, post, {0, 1});
    step_and_feed_back(h);
    // Both posts spike at step 1 (y = 0.1): row 0 sees its pre spike now (x00 = 0.1);
    // row 1 only its decayed trace x10 = 0.1 dx.
    const double y = 0.1;
    CHECK(kernel_out(h)[0] == Approx(1.0 + gamma * (r + 0.1) * (y * 1 + 1 * 0.1)).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == Approx(1.0 + gamma * (r + 0.1) * (y * 0 + 1 * 0.1 * dx)).epsilon(1e-6));
}

TEST_CASE("ThreeFactorHebbianRule clips the kernel at 0", "[plasticity][three_factor][clip]") {
    // A negative reward r = -2.1: gamma (r + 0.1) = -0.2; dK = -0.2 (0.1 + 0.1) = -0.04 < -0.03.
    auto h = make_rule("three_factor_hebbian_rule", {}, spike_spec({1}), spike_spec({1}), float_spec({1}));
    set_floats(h, kernel, {0.03f});
    set_floats(h, factor, {-2.1f});
    set_spikes(h, pre, {0});
    set_spikes(h, post, {0});
    h.step();
    CHECK(kernel_out(h)[0] == 0.0f);
}
