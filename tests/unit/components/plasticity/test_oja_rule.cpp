// OjaRule (spec section 5.2): dK = eta (y (x) s_pre - K . y^2), K <- max(0, K + dt dK).
#include <catch2/catch.hpp>

#include <spark/components/plasticity/oja_rule.hpp>

#include "rule_support.hpp"

using namespace spark;
using namespace spark::testing::plasticity;
using spark::components::plasticity::OjaRule;

TEST_CASE("OjaRule kernel follows the section 5.2 equations step by step", "[plasticity][oja]") {
    // 1 post x 2 pre, dt = 1, tau_post = 10, eta = 0.5, K = [0.5, 0.2].
    const double eta = 0.5, dy = decay(1.0, 10.0);
    auto h = make_rule("oja_rule", {{"post_tau", 10.0}, {"eta", eta}}, spike_spec({2}), spike_spec({1}));
    set_floats(h, kernel, {0.5f, 0.2f});

    // Step 0: post and pre 0 spike. y = 0.1: dK0 = eta (y - K0 y^2), dK1 = eta (0 - K1 y^2).
    set_spikes(h, pre, {0});
    set_spikes(h, post, {0});
    step_and_feed_back(h);
    double y = 0.1;
    double k0 = 0.5 + eta * (y - 0.5 * y * y);
    double k1 = 0.2 + eta * (0.0 - 0.2 * y * y);
    CHECK(h.as<OjaRule>().post_trace()[0] == Approx(y).epsilon(1e-6));
    CHECK(kernel_out(h)[0] == Approx(k0).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == Approx(k1).epsilon(1e-6));

    // Steps 1..3: silence; only the decay term acts, K <- K (1 - eta y^2) with y = 0.1 dy^n.
    set_spikes(h, pre, {});
    set_spikes(h, post, {});
    for (int n = 1; n <= 3; ++n) {
        step_and_feed_back(h);
        y *= dy;
        k0 += eta * (0.0 - k0 * y * y);
        k1 += eta * (0.0 - k1 * y * y);
        CHECK(kernel_out(h)[0] == Approx(k0).epsilon(1e-6));
        CHECK(kernel_out(h)[1] == Approx(k1).epsilon(1e-6));
    }

    // A pre spike without post activity still potentiates through the decaying post trace.
    set_spikes(h, pre, {1});
    step_and_feed_back(h);
    y *= dy;
    k1 += eta * (y - k1 * y * y);
    CHECK(kernel_out(h)[1] == Approx(k1).epsilon(1e-6));
}

TEST_CASE("OjaRule with per-synapse pre spikes reads each row's own spikes", "[plasticity][oja][async]") {
    // 2 post x 1 pre; both posts spike, the pre unit reaches post 1 only. y = 1/20 for both rows.
    const double eta = 0.1, y = 0.05;
    auto h = make_rule("oja_rule", {}, spike_spec({2, 1}, true), spike_spec({2}));
    set_floats(h, kernel, {2.0f, 2.0f});
    set_spikes(h, pre, {1});
    set_spikes(h, post, {0, 1});
    h.step();
    CHECK(kernel_out(h)[0] == Approx(2.0 + eta * (0.0 - 2.0 * y * y)).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == Approx(2.0 + eta * (y - 2.0 * y * y)).epsilon(1e-6));
}

TEST_CASE("OjaRule clips the kernel at 0", "[plasticity][oja][clip]") {
    // eta = -50: dK = -50 (0.1 - K 0.01) = -4.75 at K = 0.5, far below -K.
    auto h = make_rule("oja_rule", {{"post_tau", 10.0}, {"eta", -50.0}}, spike_spec({1}), spike_spec({1}));
    set_floats(h, kernel, {0.5f});
    set_spikes(h, pre, {0});
    set_spikes(h, post, {0});
    h.step();
    CHECK(kernel_out(h)[0] == 0.0f);
}
