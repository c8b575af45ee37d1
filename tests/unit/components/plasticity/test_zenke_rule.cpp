// ZenkeRule (spec section 5.3): triplet LTP, doublet LTD, heterosynaptic and transmitter-induced terms.
#include <catch2/catch.hpp>

#include <spark/components/plasticity/zenke_rule.hpp>

#include "rule_support.hpp"

using namespace spark;
using namespace spark::testing::plasticity;
using spark::components::plasticity::ZenkeRule;

namespace {
// delta = K - p z (1/4 - z)(1/2 - z);  z <- e^{-dt/tau_z} z + delta / tau_z
double next_z(double z, double k, double p, double tau_z) {
    const double delta = k - p * z * (0.25 - z) * (0.5 - z);
    return decay(1.0, tau_z) * z + delta / tau_z;
}
}  // namespace

TEST_CASE("ZenkeRule kernel follows the section 5.3 equations step by step", "[plasticity][zenke]") {
    // 1 post x 2 pre, dt = 1; distinct time constants so that a swapped trace shows.
    const double a = 1, b = -1, c = -1, d = 1, p = 20, eta = 0.1;
    const double tau_x = 10, tau_y = 20, tau_slow = 40, tau_z = 100;
    auto h = make_rule("zenke_rule",
                       {{"pre_tau", tau_x}, {"post_tau", tau_y}, {"post_slow_tau", tau_slow}, {"target_tau", tau_z}},
                       spike_spec({2}), spike_spec({1}));
    set_floats(h, kernel, {0.4f, 0.1f});
    double k[2] = {0.4, 0.1}, z[2] = {0.0, 0.0};
    const auto& rule = h.as<ZenkeRule>();

    // Step 0: pre 0 spikes. x = [0.1, 0], y = y_slow = 0; z_old = 0 so delta = K and z = K / 100.
    // A = Bt = C = 0, D = d s_pre = [1, 0]:  dK = eta [1, 0].
    set_spikes(h, pre, {0});
    set_spikes(h, post, {});
    step_and_feed_back(h);
    for (int i = 0; i < 2; ++i) z[i] = next_z(z[i], k[i], p, tau_z);
    k[0] += eta * (d * 1.0);
    CHECK(rule.target_trace()[0] == Approx(0.004).epsilon(1e-6));
    CHECK(rule.target_trace()[1] == Approx(0.001).epsilon(1e-6));
    CHECK(kernel_out(h)[0] == Approx(k[0]).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == Approx(k[1]).epsilon(1e-6));

    // Step 1: post spikes. y = 1/20, y_slow = 1/40 (already including this spike), x = [0.1 e^{-1/10}, 0].
    //   A_i = a (y_slow s_post) x_i;  C_i = c (K_i - z_i) y^3 s_post with z after its update;  Bt = D = 0.
    set_spikes(h, pre, {});
    set_spikes(h, post, {0});
    step_and_feed_back(h);
    {
        const double x[2] = {0.1 * decay(1.0, tau_x), 0.0}, y = 1.0 / tau_y, y_slow = 1.0 / tau_slow;
        for (int i = 0; i < 2; ++i) {
            z[i] = next_z(z[i], k[i], p, tau_z);
            const double big_a = a * (y_slow * 1.0) * x[i];
            const double big_c = c * (k[i] - z[i]) * (y * y * y * 1.0);
            k[i] += eta * (big_a + big_c);
        }
        CHECK(rule.post_slow_trace()[0] == Approx(y_slow).epsilon(1e-6));
        CHECK(rule.target_trace()[0] == Approx(z[0]).epsilon(1e-6));
        CHECK(rule.target_trace()[1] == Approx(z[1]).epsilon(1e-6));
        CHECK(kernel_out(h)[0] == Approx(k[0]).epsilon(1e-6));
        CHECK(kernel_out(h)[1] == Approx(k[1]).epsilon(1e-6));
    }

    // Step 2: pre 1 spikes after the post spike. Doublet LTD Bt = b y s_pre with y = e^{-1/20} / 20,
    // transmitter-induced D = d s_pre; no post spike, so A = C = 0.
    set_spikes(h, pre, {1});
    set_spikes(h, post, {});
    step_and_feed_back(h);
    {
        const double y = decay(1.0, tau_y) / tau_y;
        for (int i = 0; i < 2; ++i) z[i] = next_z(z[i], k[i], p, tau_z);
        k[1] += eta * (b * y * 1.0 + d * 1.0);
        CHECK(rule.target_trace()[0] == Approx(z[0]).epsilon(1e-6));
        CHECK(kernel_out(h)[0] == Approx(k[0]).epsilon(1e-6));
        CHECK(kernel_out(h)[1] == Approx(k[1]).epsilon(1e-6));
    }
}

TEST_CASE("ZenkeRule with per-synapse pre spikes keeps one pre trace per synapse", "[plasticity][zenke][async]") {
    // 2 post x 1 pre per synapse; only the triplet and doublet terms are on (c = d = 0).
    auto h = make_rule("zenke_rule", {{"c", 0.0}, {"d", 0.0}}, spike_spec({2, 1}, true), spike_spec({2}));
    set_floats(h, kernel, {1.0f, 1.0f});
    // Step 0: the spike reaches post 1 only (y = 0, so Bt = 0).
    set_spikes(h, pre, {1});
    set_spikes(h, post, {});
    step_and_feed_back(h);
    // Step 1: both posts spike: A[p] = a (y_slow s_post) x[p,0] with y_slow = 1/20,
    // x[0,0] = 0 and x[1,0] = e^{-1/20} / 20.
    set_spikes(h, pre, {});
    set_spikes(h, post, {0, 1});
    step_and_feed_back(h);
    const double k1 = 1.0 + 0.1 * (1.0 * (0.05 * 1.0) * (decay(1.0, 20.0) / 20.0));
    CHECK(kernel_out(h)[0] == 1.0f);
    CHECK(kernel_out(h)[1] == Approx(k1).epsilon(1e-6));
    // Step 2: the spike reaches post 0 only: Bt[0] = b y0 s_pre[0,0] with y0 = e^{-1/20} / 20; row 1 is silent.
    set_spikes(h, pre, {0});
    set_spikes(h, post, {});
    step_and_feed_back(h);
    CHECK(kernel_out(h)[0] == Approx(1.0 + 0.1 * (-1.0 * (decay(1.0, 20.0) / 20.0) * 1.0)).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == Approx(k1).epsilon(1e-6));
}

TEST_CASE("ZenkeRule doublet depression clips the kernel at 0", "[plasticity][zenke][clip]") {
    // d = 0 (no transmitter-induced term): a pre spike one step after a post spike gives
    // dK = eta b y = 0.1 (-1) e^{-1/20} / 20 = -0.00476, more than K = 0.001.
    auto h = make_rule("zenke_rule", {{"d", 0.0}}, spike_spec({1}), spike_spec({1}));
    set_floats(h, kernel, {0.001f});
    set_spikes(h, pre, {});
    set_spikes(h, post, {0});
    step_and_feed_back(h);
    // Post spike with x = 0: only the heterosynaptic term, c (K - z) y^3 = -(0.001 - 0.001/20000) / 8000.
    const double z = 0.001 / 20000.0;
    const double k1 = 0.001 + 0.1 * (-1.0) * (0.001 - z) * (0.05 * 0.05 * 0.05);
    CHECK(kernel_out(h)[0] == Approx(k1).epsilon(1e-6));
    set_spikes(h, pre, {0});
    set_spikes(h, post, {});
    step_and_feed_back(h);
    CHECK(kernel_out(h)[0] == 0.0f);
}

TEST_CASE("ZenkeRule names its four traces in the state", "[plasticity][zenke][state]") {
    struct Names : StateVisitor {
        std::vector<std::string> names;
        std::vector<std::size_t> sizes;
        void visit(std::string_view name, DType, void*, std::size_t count) override {
            names.emplace_back(name);
            sizes.push_back(count);
        }
    } names;
    auto h = make_rule("zenke_rule", {}, spike_spec({4}), spike_spec({3}));
    h.component().visit_state(names);
    CHECK(names.names == std::vector<std::string>{"pre_trace", "post_trace", "post_slow_trace", "target_trace"});
    CHECK(names.sizes == std::vector<std::size_t>{4, 3, 3, 12});
}
