// HebbianRule (spec section 5.1): dK = eta (y (x) s_pre + s_post (x) x), K <- max(0, K + dt dK).
#include <catch2/catch.hpp>

#include <spark/components/plasticity/hebbian_rule.hpp>
#include <spark/core/param.hpp>

#include "rule_support.hpp"

using namespace spark;
using namespace spark::testing::plasticity;
using spark::components::plasticity::HebbianRule;

TEST_CASE("HebbianRule kernel follows the section 5.1 equations step by step", "[plasticity][hebbian]") {
    // 1 post x 2 pre, dt = 0.5 ms, tau_pre = 20, tau_post = 10, eta = 0.5, K = [0.3, 0.7].
    const double dt = 0.5, eta = 0.5;
    const double dx = decay(dt, 20.0), dy = decay(dt, 10.0);
    auto h = make_rule("hebbian_rule", {{"pre_tau", 20.0}, {"post_tau", 10.0}, {"eta", eta}}, spike_spec({2}),
                       spike_spec({1}), std::nullopt, dt);
    set_floats(h, kernel, {0.3f, 0.7f});
    double k0 = 0.3, k1 = 0.7;

    // Step 0: pre 0 spikes. x = [1/20, 0], y = 0: both terms vanish.
    set_spikes(h, pre, {0});
    set_spikes(h, post, {});
    step_and_feed_back(h);
    CHECK(h.as<HebbianRule>().pre_trace()[0] == Approx(0.05).epsilon(1e-6));
    CHECK(kernel_out(h) == std::vector<float>{0.3f, 0.7f});

    // Step 1: post spikes. x0 = 0.05 dx, y = 1/10. dK0 = eta (y * 0 + 1 * x0), dK1 = eta (0 + 1 * 0).
    set_spikes(h, pre, {});
    set_spikes(h, post, {0});
    step_and_feed_back(h);
    k0 += dt * eta * (0.05 * dx);
    CHECK(h.as<HebbianRule>().post_trace()[0] == Approx(0.1).epsilon(1e-6));
    CHECK(kernel_out(h)[0] == Approx(k0).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == Approx(k1).epsilon(1e-6));

    // Step 2: pre 1 spikes. y = 0.1 dy: dK1 = eta (y * 1 + 0 * x1); dK0 = 0.
    set_spikes(h, pre, {1});
    set_spikes(h, post, {});
    step_and_feed_back(h);
    k1 += dt * eta * (0.1 * dy);
    CHECK(kernel_out(h)[0] == Approx(k0).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == Approx(k1).epsilon(1e-6));

    // Step 3: pre 0 and post together; the traces include this step's spikes.
    //   x0 = 0.05 dx^3 + 0.05, x1 = 0.05 dx, y = 0.1 dy^2 + 0.1
    //   dK0 = eta (y * 1 + 1 * x0), dK1 = eta (y * 0 + 1 * x1)
    set_spikes(h, pre, {0});
    set_spikes(h, post, {0});
    step_and_feed_back(h);
    const double x0 = 0.05 * dx * dx * dx + 0.05, x1 = 0.05 * dx, y = 0.1 * dy * dy + 0.1;
    k0 += dt * eta * (y + x0);
    k1 += dt * eta * x1;
    CHECK(h.as<HebbianRule>().pre_trace()[0] == Approx(x0).epsilon(1e-6));
    CHECK(h.as<HebbianRule>().post_trace()[0] == Approx(y).epsilon(1e-6));
    CHECK(kernel_out(h)[0] == Approx(k0).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == Approx(k1).epsilon(1e-6));
}

TEST_CASE("HebbianRule with per-synapse pre spikes keeps one pre trace per synapse", "[plasticity][hebbian][async]") {
    // 2 post x 2 pre, per-synapse spikes (post dims first). Pre unit 0 reaches post 1 only, pre unit 1
    // reaches post 0 only (e.g. different delays): x = [0, 0.05, 0.05, 0] after step 0.
    const double eta = 0.5, dx = decay(1.0, 20.0);
    auto h = make_rule("hebbian_rule", {{"eta", eta}}, spike_spec({2, 2}, true), spike_spec({2}));
    set_floats(h, kernel, {1.0f, 1.0f, 1.0f, 1.0f});
    set_spikes(h, pre, {1, 2});
    set_spikes(h, post, {});
    step_and_feed_back(h);
    const auto x = h.as<HebbianRule>().pre_trace();
    REQUIRE(x.size() == 4);
    CHECK(x[0] == 0.0f);
    CHECK(x[1] == Approx(0.05).epsilon(1e-6));
    CHECK(x[2] == Approx(0.05).epsilon(1e-6));
    CHECK(x[3] == 0.0f);

    // Step 1: both posts spike. dK[p,q] = eta (y_p s_pre[p,q] + 1 x[p,q]) = eta x[p,q]: each row reads
    // its own pre traces (x[0,1] and x[1,0] are set, x[0,0] and x[1,1] are not).
    set_spikes(h, pre, {});
    set_spikes(h, post, {0, 1});
    step_and_feed_back(h);
    const double k_learned = 1.0 + eta * 0.05 * dx;
    auto k = kernel_out(h);
    CHECK(k[0] == 1.0f);
    CHECK(k[1] == Approx(k_learned).epsilon(1e-6));
    CHECK(k[2] == Approx(k_learned).epsilon(1e-6));
    CHECK(k[3] == 1.0f);

    // Step 2: per-synapse pre spike at (0, 0) only. dK[0,0] = eta (y0 * 1 + 0) with y0 = 0.05 e^{-1/20};
    // synapse (1, 0) gets no spike at this step, so row 1 does not change.
    set_spikes(h, pre, {0});
    set_spikes(h, post, {});
    step_and_feed_back(h);
    k = kernel_out(h);
    CHECK(k[0] == Approx(1.0 + eta * 0.05 * decay(1.0, 20.0)).epsilon(1e-6));
    CHECK(k[2] == Approx(k_learned).epsilon(1e-6));
    CHECK(k[3] == 1.0f);
}

TEST_CASE("HebbianRule clips the kernel at 0", "[plasticity][hebbian][clip]") {
    // An anti-Hebbian eta = -1: pre 0 and post spike together, dK0 = -(0.05 + 0.05) = -0.1 < -K0.
    auto h = make_rule("hebbian_rule", {{"eta", -1.0}}, spike_spec({2}), spike_spec({1}));
    set_floats(h, kernel, {0.01f, 0.5f});
    set_spikes(h, pre, {0});
    set_spikes(h, post, {0});
    h.step();
    CHECK(kernel_out(h)[0] == 0.0f);
    CHECK(kernel_out(h)[1] == 0.5f);  // dK1 = -(0.05 * 0 + 1 * x1) with x1 = 0
}

TEST_CASE("HebbianRule draws pre_tau before post_tau from the node's stream", "[plasticity][hebbian][config]") {
    const Value pre_init = Value::Map{{"initializer", "uniform_initializer"}, {"scale", 10.0}, {"min_value", 1.0}};
    const Value post_init = Value::Map{{"initializer", "uniform_initializer"}, {"scale", 30.0}, {"min_value", 5.0}};
    auto h = make_rule("hebbian_rule", {{"pre_tau", pre_init}, {"post_tau", post_init}}, spike_spec({3}),
                       spike_spec({1}));
    // The same draws, made here in the documented order from the stream the harness gives the node.
    Rng rng = Rng::for_node(0, "hebbian_rule");
    InitializerSpec pre_spec, post_spec;
    pre_spec.kind = post_spec.kind = "uniform_initializer";
    pre_spec.scale = 10.0;
    pre_spec.min_value = 1.0;
    post_spec.scale = 30.0;
    post_spec.min_value = 5.0;
    // Each parameter takes one split of the node's stream and its initializer draws from that child.
    Rng pre_stream = rng.split();
    const auto pre_tau = initialize(pre_spec, Shape{3}, pre_stream);
    Rng post_stream = rng.split();
    const auto post_tau = initialize(post_spec, Shape{1}, post_stream);
    // After one spike on every unit, each trace equals its scale 1/tau.
    set_spikes(h, pre, {0, 1, 2});
    set_spikes(h, post, {0});
    h.step();
    for (std::size_t i = 0; i < 3; ++i) CHECK(h.as<HebbianRule>().pre_trace()[i] == 1.0f / pre_tau[i]);
    CHECK(h.as<HebbianRule>().post_trace()[0] == 1.0f / post_tau[0]);
    CHECK(pre_tau[0] != pre_tau[1]);  // really per element
}

TEST_CASE("HebbianRule rejects a non-positive time constant", "[plasticity][hebbian][config]") {
    auto build = [](Overrides o) { return make_rule("hebbian_rule", o, spike_spec({2}), spike_spec({1})); };
    REQUIRE_THROWS_AS(build({{"pre_tau", 0.0}}), ConfigError);
    REQUIRE_THROWS_WITH(build({{"pre_tau", 0.0}}),
                        Catch::Contains("HebbianRule 'hebbian_rule': pre_tau = 0 ms must be > 0"));
    REQUIRE_THROWS_WITH(build({{"post_tau", Value::List{-3.0}}}), Catch::Contains("post_tau[0] = -3 ms must be > 0"));
    // A per-element array must match the trace's shape (pre: 2 elements).
    REQUIRE_THROWS_WITH(build({{"pre_tau", Value::List{10.0, 20.0, 30.0}}}),
                        Catch::Contains("has 3 values; expected 1 or 2"));
}
