// QuadrupletRule (spec section 5.5, design decision 8):
//   dK = gamma (m + 0.1) (q_alpha s_pre + q_beta y s_pre + q_gamma s_post + q_delta s_post x).
#include <catch2/catch.hpp>

#include <spark/components/plasticity/quadruplet_rule.hpp>

#include "rule_support.hpp"

using namespace spark;
using namespace spark::testing::plasticity;
using spark::components::plasticity::QuadrupletRule;

TEST_CASE("QuadrupletRule kernel follows the section 5.5 equations step by step", "[plasticity][quadruplet]") {
    // 1 post x 2 pre, dt = 1, tau_pre = 10, tau_post = 20, gamma = 0.5, m = 0.4, distinct term weights.
    const double gamma = 0.5, m = 0.4, alpha = 0.3, beta = -0.2, gamma_q = 0.1, delta = 0.7;
    const double dx = decay(1.0, 10.0), dy = decay(1.0, 20.0);
    const double rate = gamma * (m + 0.1);
    auto h = make_rule("quadruplet_rule",
                       {{"pre_tau", 10.0}, {"post_tau", 20.0}, {"gamma", gamma}, {"q_alpha", alpha},
                        {"q_beta", beta}, {"q_gamma", gamma_q}, {"q_delta", delta}},
                       spike_spec({2}), spike_spec({1}), float_spec({1}));
    set_floats(h, kernel, {1.0f, 1.0f});
    set_floats(h, factor, {static_cast<float>(m)});
    double k0 = 1.0, k1 = 1.0;

    // Step 0: pre 0 spikes, y = 0:  dK0 = rate (alpha 1 + beta 0 + 0 + 0), dK1 = 0.
    set_spikes(h, pre, {0});
    set_spikes(h, post, {});
    step_and_feed_back(h);
    k0 += rate * alpha;
    CHECK(kernel_out(h)[0] == Approx(k0).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == 1.0f);

    // Step 1: post spikes, x0 = 0.1 dx:  dK_i = rate (gamma_q + delta x_i).
    set_spikes(h, pre, {});
    set_spikes(h, post, {0});
    step_and_feed_back(h);
    k0 += rate * (gamma_q + delta * 0.1 * dx);
    k1 += rate * (gamma_q + delta * 0.0);
    CHECK(kernel_out(h)[0] == Approx(k0).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == Approx(k1).epsilon(1e-6));

    // Step 2: pre 1 and post spike: y = 0.05 dy + 0.05, x = [0.1 dx^2, 0.1].
    set_spikes(h, pre, {1});
    set_spikes(h, post, {0});
    step_and_feed_back(h);
    const double y = 0.05 * dy + 0.05;
    k0 += rate * (gamma_q + delta * 0.1 * dx * dx);
    k1 += rate * (alpha + beta * y + gamma_q + delta * 0.1);
    CHECK(h.as<QuadrupletRule>().post_trace()[0] == Approx(y).epsilon(1e-6));
    CHECK(kernel_out(h)[0] == Approx(k0).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == Approx(k1).epsilon(1e-6));

    // m = -0.1 cancels the +0.1 baseline: no change whatever spikes.
    set_floats(h, factor, {-0.1f});
    step_and_feed_back(h);
    CHECK(kernel_out(h)[0] == Approx(k0).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == Approx(k1).epsilon(1e-6));
}

TEST_CASE("QuadrupletRule learns at rate gamma, and the original's eta is not a field", "[plasticity][quadruplet][config]") {
    // gamma = 1, m = 0.9: one pre spike gives dK = 1 (0.9 + 0.1) q_alpha = 1.
    auto h = make_rule("quadruplet_rule", {{"gamma", 1.0}}, spike_spec({1}), spike_spec({1}), float_spec({1}));
    set_floats(h, kernel, {0.5f});
    set_floats(h, factor, {0.9f});
    set_spikes(h, pre, {0});
    h.step();
    CHECK(kernel_out(h)[0] == Approx(1.5).epsilon(1e-6));
    auto with_eta = [] {
        return make_rule("quadruplet_rule", {{"eta", 0.1}}, spike_spec({1}), spike_spec({1}), float_spec({1}));
    };
    REQUIRE_THROWS_AS(with_eta(), ConfigError);
    REQUIRE_THROWS_WITH(with_eta(), Catch::Contains("eta = 0.1 is not a parameter of QuadrupletRule"));
}

TEST_CASE("QuadrupletRule with per-synapse pre spikes and one modulation per post unit",
          "[plasticity][quadruplet][async][modulation]") {
    // 2 post x 1 pre per synapse; the spike reaches post 0 only. m = [0.4, 1.9]; defaults otherwise.
    const double gamma = 0.1;
    auto h = make_rule("quadruplet_rule", {}, spike_spec({2, 1}, true), spike_spec({2}), float_spec({2}));
    set_floats(h, kernel, {1.0f, 1.0f});
    set_floats(h, factor, {0.4f, 1.9f});
    set_spikes(h, pre, {0});
    set_spikes(h, post, {1});
    h.step();
    // Row 0: alpha s_pre only (y0 = 0).  Row 1: gamma_q s_post + delta s_post x10 with x10 = 0.
    CHECK(kernel_out(h)[0] == Approx(1.0 + gamma * (0.4 + 0.1) * 1.0).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == Approx(1.0 + gamma * (1.9 + 0.1) * 1.0).epsilon(1e-6));
}

TEST_CASE("QuadrupletRule clips the kernel at 0", "[plasticity][quadruplet][clip]") {
    // q_alpha = -1, gamma = 1, m = 0.9: a pre spike gives dK = -1 < -0.25.
    auto h = make_rule("quadruplet_rule", {{"gamma", 1.0}, {"q_alpha", -1.0}}, spike_spec({1}), spike_spec({1}),
                       float_spec({1}));
    set_floats(h, kernel, {0.25f});
    set_floats(h, factor, {0.9f});
    set_spikes(h, pre, {0});
    h.step();
    CHECK(kernel_out(h)[0] == 0.0f);
}
