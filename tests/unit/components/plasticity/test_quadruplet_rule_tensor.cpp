// QuadrupletRuleTensor (spec section 5.6, design decision 5): parameters per synapse type EE, EI, IE, II
// (post type, pre type) from the real inhibition masks of the input specs.
#include <catch2/catch.hpp>

#include <spark/components/plasticity/quadruplet_rule_tensor.hpp>

#include "rule_support.hpp"

using namespace spark;
using namespace spark::testing::plasticity;
using spark::components::plasticity::QuadrupletRuleTensor;

namespace {
Value four(double ee, double ei, double ie, double ii) { return Value::List{ee, ei, ie, ii}; }
const Value zeros = Value::List{0.0, 0.0, 0.0, 0.0};

std::vector<std::uint8_t> synapse_types(spark::testing::Harness& h) {
    const auto types = h.as<QuadrupletRuleTensor>().synapse_types();
    return {types.begin(), types.end()};
}

// The kernel after one step with modulation factor 1 and the pre units `on` spiking.
std::vector<float> kernel_after_pre_spikes(spark::testing::Harness& h, std::initializer_list<std::size_t> on) {
    set_floats(h, factor, {1.0f});
    set_spikes(h, pre, on);
    h.step();
    return kernel_out(h);
}
}  // namespace

TEST_CASE("QuadrupletRuleTensor types synapses from the real masks: an inhibitory pre unit uses EI/II",
          "[plasticity][quadruplet_tensor][masks]") {
    // post [2] with unit 1 inhibitory, pre [2] with unit 1 inhibitory:
    //   (0,0) = EE, (0,1) = EI, (1,0) = IE, (1,1) = II.
    // Only q_alpha is non-zero, so one pre spike on both units with m = 1, eta = 0.1, dt = 1 from K = 0
    // gives K[p,q] = eta m q_alpha[type].
    const Overrides o{{"q_alpha", four(1, 2, 3, 4)}, {"q_beta", zeros}, {"q_gamma", zeros}, {"q_delta", zeros}};
    SECTION("masks from both specs") {
        auto h = make_rule("quadruplet_rule_tensor", o, spike_spec({2}, false, {0, 1}), spike_spec({2}, false, {0, 1}),
                           float_spec({1}));
        CHECK(synapse_types(h) == std::vector<std::uint8_t>{0, 1, 2, 3});
        const auto k = kernel_after_pre_spikes(h, {0, 1});
        CHECK(k[0] == Approx(0.1 * 1).epsilon(1e-6));
        CHECK(k[1] == Approx(0.1 * 2).epsilon(1e-6));
        CHECK(k[2] == Approx(0.1 * 3).epsilon(1e-6));
        CHECK(k[3] == Approx(0.1 * 4).epsilon(1e-6));
    }
    SECTION("an unmasked pre spec types every pre unit excitatory") {
        auto h = make_rule("quadruplet_rule_tensor", o, spike_spec({2}), spike_spec({2}, false, {0, 1}), float_spec({1}));
        const auto k = kernel_after_pre_spikes(h, {0, 1});
        CHECK(k[1] == Approx(0.1 * 1).epsilon(1e-6));  // EE
        CHECK(k[3] == Approx(0.1 * 3).epsilon(1e-6));  // IE
    }
    SECTION("a per-synapse pre mask is read at each (post, pre) element") {
        // mask [[0,1],[1,0]] with post unit 1 inhibitory: (0,0) EE, (0,1) EI, (1,0) II, (1,1) IE.
        auto h = make_rule("quadruplet_rule_tensor", o, spike_spec({2, 2}, true, {0, 1, 1, 0}),
                           spike_spec({2}, false, {0, 1}), float_spec({1}));
        set_floats(h, factor, {1.0f});
        set_spikes(h, pre, {0, 1, 2, 3});
        step_and_feed_back(h);
        auto k = kernel_out(h);
        CHECK(k[0] == Approx(0.1 * 1).epsilon(1e-6));
        CHECK(k[1] == Approx(0.1 * 2).epsilon(1e-6));
        CHECK(k[2] == Approx(0.1 * 4).epsilon(1e-6));
        CHECK(k[3] == Approx(0.1 * 3).epsilon(1e-6));
        // Per-synapse spikes: only (0,1) and (1,0) this time; each row reads its own.
        set_spikes(h, pre, {1, 2});
        step_and_feed_back(h);
        k = kernel_out(h);
        CHECK(k[0] == Approx(0.1 * 1).epsilon(1e-6));
        CHECK(k[1] == Approx(0.1 * 2 * 2).epsilon(1e-6));
        CHECK(k[2] == Approx(0.1 * 4 * 2).epsilon(1e-6));
        CHECK(k[3] == Approx(0.1 * 3).epsilon(1e-6));
    }
}

TEST_CASE("QuadrupletRuleTensor with all_pre_excitatory ignores the pre mask as Spark 1.0 did",
          "[plasticity][quadruplet_tensor][masks]") {
    // The masks of the first case: with the setting, (0,1) is EE and (1,1) is IE.
    Overrides o{{"q_alpha", four(1, 2, 3, 4)}, {"q_beta", zeros}, {"q_gamma", zeros}, {"q_delta", zeros},
                {"all_pre_excitatory", true}};
    auto h = make_rule("quadruplet_rule_tensor", o, spike_spec({2}, false, {0, 1}), spike_spec({2}, false, {0, 1}),
                       float_spec({1}));
    CHECK(synapse_types(h) == std::vector<std::uint8_t>{0, 0, 2, 2});
    const auto k = kernel_after_pre_spikes(h, {0, 1});
    CHECK(k[1] == Approx(0.1 * 1).epsilon(1e-6));  // EE
    CHECK(k[3] == Approx(0.1 * 3).epsilon(1e-6));  // IE
}

TEST_CASE("QuadrupletRuleTensor traces use the time constants of each synapse's type",
          "[plasticity][quadruplet_tensor]") {
    // Types as above (EE, EI, IE, II). Step 0: both pre units spike; step 1: both post units spike.
    // With q_alpha = q_beta = 0 and dt = 1, m = 2, eta = 0.1, step 1 gives
    //   dK = eta m (gamma_t 1 + delta_t x 1),  x = e^{-1/tau_pre,t} / tau_pre,t
    // and step 0 gives nothing (no post spike, no alpha).
    const double tau_pre[4] = {10, 20, 40, 80}, tau_post[4] = {5, 6, 7, 8};
    const double g[4] = {0.1, 0.2, 0.3, 0.4}, d[4] = {1, -1, 2, -2};
    const Overrides o{{"pre_tau", four(10, 20, 40, 80)}, {"post_tau", four(5, 6, 7, 8)}, {"q_alpha", zeros},
                      {"q_beta", zeros}, {"q_gamma", four(0.1, 0.2, 0.3, 0.4)}, {"q_delta", four(1, -1, 2, -2)}};
    auto h = make_rule("quadruplet_rule_tensor", o, spike_spec({2}, false, {0, 1}), spike_spec({2}, false, {0, 1}),
                       float_spec({1}));
    set_floats(h, kernel, {1.0f, 1.0f, 1.0f, 1.0f});
    set_floats(h, factor, {2.0f});
    set_spikes(h, pre, {0, 1});
    set_spikes(h, post, {});
    step_and_feed_back(h);
    CHECK(kernel_out(h) == std::vector<float>{1.0f, 1.0f, 1.0f, 1.0f});
    set_spikes(h, pre, {});
    set_spikes(h, post, {0, 1});
    step_and_feed_back(h);
    const auto& rule = h.as<QuadrupletRuleTensor>();
    for (int t = 0; t < 4; ++t) {
        INFO("synapse type " << t);
        const double x = decay(1.0, tau_pre[t]) / tau_pre[t];
        CHECK(rule.pre_trace()[t] == Approx(x).epsilon(1e-6));
        CHECK(rule.post_trace_at(std::size_t(t)) == Approx(1.0 / tau_post[t]).epsilon(1e-6));
        CHECK(kernel_out(h)[t] == Approx(1.0 + 0.1 * 2.0 * (g[t] + d[t] * x)).epsilon(1e-6));
    }
    // Step 2: pre 0 spikes, no post spike: only the alpha and beta terms could act, and both are 0.
    set_spikes(h, pre, {0});
    set_spikes(h, post, {});
    const auto before = kernel_out(h);
    step_and_feed_back(h);
    CHECK(kernel_out(h) == before);
}

TEST_CASE("QuadrupletRuleTensor beta term: post trace times pre spike, per type", "[plasticity][quadruplet_tensor]") {
    // One post (E), two pre (E, I): types EE, EI. Post spikes at step 0, both pre at step 1.
    // dK at step 1 = eta m (alpha_t + beta_t y_t), y_t = e^{-1/tau_post,t} / tau_post,t.
    const Overrides o{{"post_tau", four(10, 30, 10, 10)}, {"q_alpha", four(0.5, -0.5, 0, 0)},
                      {"q_beta", four(2, 3, 0, 0)}, {"q_gamma", zeros}, {"q_delta", zeros}};
    auto h = make_rule("quadruplet_rule_tensor", o, spike_spec({2}, false, {0, 1}), spike_spec({1}), float_spec({1}));
    set_floats(h, kernel, {1.0f, 1.0f});
    set_floats(h, factor, {1.0f});
    set_spikes(h, post, {0});
    step_and_feed_back(h);
    CHECK(kernel_out(h) == std::vector<float>{1.0f, 1.0f});
    set_spikes(h, post, {});
    set_spikes(h, pre, {0, 1});
    step_and_feed_back(h);
    const double y_ee = decay(1.0, 10.0) / 10.0, y_ei = decay(1.0, 30.0) / 30.0;
    CHECK(kernel_out(h)[0] == Approx(1.0 + 0.1 * (0.5 + 2 * y_ee)).epsilon(1e-6));
    CHECK(kernel_out(h)[1] == Approx(1.0 + 0.1 * (-0.5 + 3 * y_ei)).epsilon(1e-6));
}

TEST_CASE("QuadrupletRuleTensor clips to 0..max_clip of each type", "[plasticity][quadruplet_tensor][clip]") {
    // K = 1, one pre spike on both units, m = 1, eta = 0.1: K + 0.1 alpha_t, clipped to [0, max_clip_t].
    //   EE: 1 + 0.1 * 5 = 1.5 -> max 1.2;  EI: 1 + 0.1 * 5 = 1.5 (max 50);
    //   IE: 1 - 0.1 * 20 = -1 -> 0;        II: 1 + 0.1 * 50 = 6 -> max 3.
    const Overrides o{{"q_alpha", four(5, 5, -20, 50)}, {"q_beta", zeros}, {"q_gamma", zeros}, {"q_delta", zeros},
                      {"max_clip", four(1.2, 50, 50, 3)}};
    auto h = make_rule("quadruplet_rule_tensor", o, spike_spec({2}, false, {0, 1}), spike_spec({2}, false, {0, 1}),
                       float_spec({1}));
    set_floats(h, kernel, {1.0f, 1.0f, 1.0f, 1.0f});
    set_floats(h, factor, {1.0f});
    set_spikes(h, pre, {0, 1});
    h.step();
    const auto k = kernel_out(h);
    CHECK(k[0] == 1.2f);
    CHECK(k[1] == Approx(1.5).epsilon(1e-6));
    CHECK(k[2] == 0.0f);
    CHECK(k[3] == 3.0f);
}

TEST_CASE("QuadrupletRuleTensor has no modulation baseline and reads one value per post unit",
          "[plasticity][quadruplet_tensor][modulation]") {
    // Defaults (all weights 1): one pre and post spike together with m = [0, 0.5].
    // Row 0: m = 0 -> no change (no +0.1).  Row 1: dK = eta m (1 + y + 1 + x) with x = y = 1/10.
    auto h = make_rule("quadruplet_rule_tensor", {}, spike_spec({1}), spike_spec({2}), float_spec({2}));
    set_floats(h, kernel, {1.0f, 1.0f});
    set_floats(h, factor, {0.0f, 0.5f});
    set_spikes(h, pre, {0});
    set_spikes(h, post, {0, 1});
    h.step();
    CHECK(kernel_out(h)[0] == 1.0f);
    CHECK(kernel_out(h)[1] == Approx(1.0 + 0.1 * 0.5 * (1 + 0.1 + 1 + 0.1)).epsilon(1e-6));
}

TEST_CASE("QuadrupletRuleTensor validates its 4-tuples", "[plasticity][quadruplet_tensor][config]") {
    auto build = [](Overrides o) {
        return make_rule("quadruplet_rule_tensor", o, spike_spec({1}), spike_spec({1}), float_spec({1}));
    };
    REQUIRE_THROWS_AS(build({{"pre_tau", Value::List{10.0, 10.0, 10.0}}}), ConfigError);
    REQUIRE_THROWS_WITH(build({{"pre_tau", Value::List{10.0, 10.0, 10.0}}}),
                        Catch::Contains("QuadrupletRuleTensor 'quadruplet_rule_tensor': pre_tau = [10, 10, 10] "
                                        "must have 4 values, one per synapse type: EE, EI, IE, II") &&
                            Catch::Contains("got 3"));
    REQUIRE_THROWS_WITH(build({{"q_delta", 1.0}}), Catch::Contains("q_delta = [1] must have 4 values"));
    REQUIRE_THROWS_WITH(build({{"post_tau", four(10, 0, 10, 10)}}), Catch::Contains("post_tau[1] = 0 ms must be > 0"));
    REQUIRE_THROWS_WITH(build({{"max_clip", four(1, 1, -1, 1)}}), Catch::Contains("max_clip[2] = -1 must be >= 0"));
}
