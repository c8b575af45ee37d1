#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include <spark/components/builtin.hpp>
#include <spark/components/somas/leaky_soma.hpp>

#include <spark/core/tracer.hpp>

#include "harness.hpp"
#include "soma_testing.hpp"

using namespace spark;
using namespace spark::components::somas;
using namespace spark::testing;

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

TEST_CASE("LeakySoma with reset_at_crossing restarts at the crossing time t* = tau ln((R I - v0) / (R I - theta))",
          "[somas][validation]") {
    // From rest (v0 = 0) under a constant R I above theta the unit crosses at t* and integrates the rest
    // of the step from v_reset: v = R I + (v_reset - R I) e^{-(dt - t*)/tau}, and again every period
    // T = tau ln((R I - v_reset) / (R I - theta)): spikes on the steps floor((t* + k T) / dt).
    const double tau = 20.0, resistance = 0.1, theta = 20.0, v_reset = 10.0;  // rest -60, threshold -40, reset -50
    // (dt, I) with at most one crossing per step: T = 13.9 ms at 300 pA, 2.4 ms at 1000 pA.
    const auto [dt, current] = GENERATE(table<double, double>({{0.1, 300.0}, {0.1, 1000.0}, {1.0, 300.0}, {1.0, 1000.0}, {7.0, 300.0}}));
    auto h = leaky({{"reset_at_crossing", true}}, 1, dt);
    h.input_f32(0)[0] = static_cast<float>(current);
    const double drive = resistance * current;
    const double t_star = tau * std::log(drive / (drive - theta));
    const double period = tau * std::log((drive - v_reset) / (drive - theta));
    std::vector<int> expected;
    for (int k = 0; k < 5; ++k) expected.push_back(static_cast<int>(std::floor((t_star + k * period) / dt)));
    const int first = expected.front();
    for (int n = 0; n <= first; ++n) h.step();
    REQUIRE((h.output_u8(0)[0] & spike::bit) != 0);
    const double left = (first + 1) * dt - t_star;
    CHECK(h.as<LeakySoma>().potential_values()[0] ==
          Approx(drive + (v_reset - drive) * std::exp(-left / tau)).epsilon(1e-5));
    auto fresh = leaky({{"reset_at_crossing", true}}, 1, dt);
    fresh.input_f32(0)[0] = static_cast<float>(current);
    CHECK(spike_steps(fresh, expected.back() + 1) == expected);
}

TEST_CASE("LeakySoma with reset_at_crossing treats a unit that starts above threshold as crossing at once",
          "[somas]") {
    // A reset above the threshold (v_reset = 25 > theta = 20): after a first spike the unit starts the
    // next step above theta, so with no input it fires at once and decays from v_reset over the whole step.
    auto h = leaky({{"reset_at_crossing", true}, {"potential_reset", -35.0}}, 1, 2.0);
    h.input_f32(0)[0] = 5000.0f;
    h.step();
    REQUIRE((h.output_u8(0)[0] & spike::bit) != 0);
    h.input_f32(0)[0] = 0.0f;
    h.step();
    CHECK((h.output_u8(0)[0] & spike::bit) != 0);
    CHECK(h.as<LeakySoma>().potential_values()[0] == Approx(25.0 * std::exp(-2.0 / 20.0)).epsilon(1e-6));
}

TEST_CASE("LeakySoma without reset_at_crossing still resets to v_reset at the end of the step", "[somas]") {
    auto h = leaky({{"reset_at_crossing", false}});
    h.input_f32(0)[0] = 2000.0f;
    const auto steps = spike_steps(h, 9);
    CHECK(steps == std::vector<int>{2, 4, 6, 8});
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

// ---- LeakySoma f-I curve ----

namespace {
// Spikes of a LIF at constant current in `steps` steps, from the discrete closed form of spec 2.1:
// from v0 the potential after n steps is R I + (v0 - R I) alpha^n, so the first spike is at the first
// n >= 1 with R I (1 - alpha^n) > theta and every later one n* steps after the previous, with n* the
// first n with R I + (v_reset - R I) alpha^n > theta.
int lif_closed_form_count(double current, double dt, int steps) {
    const double tau = 20.0, resistance = 0.1, theta = 20.0, v_reset = 10.0;
    const double ri = resistance * current;
    if (ri <= theta) return 0;
    const double per_step = dt / tau;  // -ln(alpha)
    const int first = static_cast<int>(std::ceil(-std::log(1.0 - theta / ri) / per_step));
    const int period = static_cast<int>(std::ceil(std::log((ri - v_reset) / (ri - theta)) / per_step));
    if (first > steps) return 0;
    return 1 + (steps - first) / period;
}
}  // namespace

TEST_CASE("LeakySoma f-I curve is zero up to the rheobase, monotone above, and matches the closed form",
          "[somas][validation]") {
    // dt = 0.1 ms, 1 s of biological time; rheobase R I = theta, i.e. I = 200 pA at the defaults.
    const double dt = 0.1;
    const int steps = 10000;
    std::vector<double> currents;
    for (double i = 0.0; i <= 3000.0; i += 25.0) currents.push_back(i);
    std::vector<int> counts;
    for (double current : currents) {
        auto h = leaky({}, 1, dt);
        h.input_f32(0)[0] = static_cast<float>(current);
        counts.push_back(static_cast<int>(spike_steps(h, steps).size()));
    }
    for (std::size_t k = 0; k < currents.size(); ++k) {
        INFO("I = " << currents[k] << " pA: " << counts[k] << " spikes");
        if (0.1 * currents[k] <= 20.0) CHECK(counts[k] == 0);
        else CHECK(counts[k] > 0);
        if (k > 0) CHECK(counts[k] >= counts[k - 1]);
        // Float rounding may move a spike across a step boundary: one spike of slack.
        CHECK(std::abs(counts[k] - lif_closed_form_count(currents[k], dt, steps)) <= 1);
    }
    CHECK(counts.back() > counts[currents.size() / 2]);  // strictly rising overall
}

// ---- RefractoryLeakySoma ----

TEST_CASE("RefractoryLeakySoma spikes at the steps of spec section 14", "[somas][validation]") {
    SECTION("250 pA: 33, 60 (not ready on the first step, 3 dead steps after a spike)") {
        auto h = spark::testing::soma("refractory_leaky_soma");
        h.input_f32(0)[0] = 250.0f;
        REQUIRE(spike_steps(h, 80) == std::vector<int>{33, 60});
    }
    SECTION("2000 pA: 3, 8, 13, 18 (period 5)") {
        auto h = spark::testing::soma("refractory_leaky_soma");
        h.input_f32(0)[0] = 2000.0f;
        REQUIRE(spike_steps(h, 20) == std::vector<int>{3, 8, 13, 18});
    }
}

TEST_CASE("RefractoryLeakySoma gates the input but keeps the leak while refractory", "[somas]") {
    auto h = spark::testing::soma("refractory_leaky_soma");
    auto& soma = h.as<RefractoryLeakySoma>();
    const float alpha = static_cast<float>(std::exp(-1.0 / 20.0));
    const float drive = (1.0f - alpha) * 0.1f * 2000.0f;  // gamma R I
    h.input_f32(0)[0] = 2000.0f;
    // Step 0: counter = c = 2 is not > c, so the input is ignored.
    h.step();
    CHECK(soma.potential_values()[0] == 0.0f);
    CHECK(soma.refractory().values()[0] == 3);
    // Steps 1-3: integrate, spike at step 3 with v = 27.8 > 20, reset to +10.
    h.step();
    CHECK(soma.potential_values()[0] == drive);
    h.step();
    CHECK(soma.potential_values()[0] == alpha * drive + drive);
    h.step();
    CHECK(h.output_u8(0)[0] == spike::bit);
    CHECK(soma.potential_values()[0] == 10.0f);
    CHECK(soma.refractory().values()[0] == 0);
    // Steps 4-6: counter 0, 1, 2 is not > 2: pure decay 10 alpha^k.
    float v = 10.0f;
    for (std::uint16_t k = 1; k <= 3; ++k) {
        h.step();
        v = alpha * v;
        CHECK(soma.potential_values()[0] == v);
        CHECK(soma.refractory().values()[0] == k);
        CHECK(h.output_u8(0)[0] == 0);
    }
    // Step 7: ready again.
    h.step();
    CHECK(soma.potential_values()[0] == alpha * v + drive);
}

TEST_CASE("RefractoryLeakySoma fires at most once every c + 2 steps, c = round_half_even(cooldown/dt)",
          "[somas][validation]") {
    // 1e5 pA crosses theta in a single step, so the inter-spike interval is the dead time alone.
    const auto [cooldown, dt, c] = GENERATE(table<double, double, int>(
        {{2.0, 1.0, 2}, {2.5, 1.0, 2}, {3.5, 1.0, 4}, {0.0, 1.0, 0}, {1.0, 0.1, 10}, {0.45, 0.1, 4}}));
    INFO("cooldown " << cooldown << " ms at dt " << dt << " ms");
    auto h = spark::testing::soma("refractory_leaky_soma", {{"cooldown", cooldown}}, 1, dt);
    h.input_f32(0)[0] = 1e5f;
    const auto steps = spike_steps(h, 100);
    REQUIRE(steps.size() >= 3);
    CHECK(steps[0] == 1);  // not ready on step 0
    for (std::size_t k = 1; k < steps.size(); ++k) CHECK(steps[k] - steps[k - 1] == c + 2);
}

TEST_CASE("RefractoryLeakySoma counter saturates instead of wrapping (issue 4, design decision 3)",
          "[somas][regression][issue4]") {
    // Spark's uint16 counter wraps to 0 after 65 534 silent steps (from c = 2) and so imposes a spurious
    // refractory period; here it saturates at 65 535 and the neuron stays ready.
    auto h = spark::testing::soma("refractory_leaky_soma");
    auto& soma = h.as<RefractoryLeakySoma>();
    for (int t = 0; t < 65534; ++t) h.step();
    REQUIRE(soma.refractory().values()[0] == RefractoryCounter::saturated);
    h.input_f32(0)[0] = 2000.0f;
    // Ready at once: v = 9.75, 19.03, 27.8 > 20 -> spike on the third step (a wrapped counter: the sixth).
    REQUIRE(spike_steps(h, 4) == std::vector<int>{2});
    // reset() restores the counter to c, still as uint16.
    soma.reset();
    const auto state = state_of(soma);
    CHECK(state.dtypes.at("refractory") == DType::u16);
    CHECK(state.u16("refractory") == std::vector<std::uint16_t>{2});
    CHECK(state.f32("potential") == std::vector<float>{0.0f});
}

TEST_CASE("RefractoryCounter::advance resets on a spike and saturates at 65535", "[somas]") {
    STATIC_REQUIRE(RefractoryCounter::advance(7, true) == 0);
    STATIC_REQUIRE(RefractoryCounter::advance(7, false) == 8);
    STATIC_REQUIRE(RefractoryCounter::advance(65534, false) == 65535);
    STATIC_REQUIRE(RefractoryCounter::advance(65535, false) == 65535);
    STATIC_REQUIRE(RefractoryCounter::advance(65535, true) == 0);
}

TEST_CASE("Refractory somas refuse a negative cooldown and one too long for the uint16 counter", "[somas][config]") {
    const auto type = GENERATE(as<std::string>{}, "refractory_leaky_soma", "strict_refractory_leaky_soma",
                               "adaptive_leaky_soma", "refractory_exponential_soma",
                               "simplified_adaptive_exponential_soma");
    INFO(type);
    REQUIRE_THROWS_AS(spark::testing::soma(type, {{"cooldown", -1.0}}), ConfigError);
    REQUIRE_THROWS_WITH(spark::testing::soma(type, {{"cooldown", -1.0}}),
                        Catch::Contains("cooldown = -1 ms must be >= 0"));
    // 7 s at dt = 0.1 ms is 70 000 steps.
    REQUIRE_THROWS_AS(spark::testing::soma(type, {{"cooldown", 7000.0}}, 1, 0.1), ConfigError);
    REQUIRE_THROWS_WITH(spark::testing::soma(type, {{"cooldown", 7000.0}}, 1, 0.1),
                        Catch::Contains("cooldown = 7000 ms is 70000 steps at dt = 0.1 ms; must be at most 65534"));
    // Per-neuron cooldowns: the element is named.
    REQUIRE_THROWS_WITH(spark::testing::soma(type, {{"cooldown", Value::List{1.0, 70000.0}}}, 2),
                        Catch::Contains("cooldown[1] = 70000 ms"));
    REQUIRE_THROWS_WITH(spark::testing::soma(type, {{"cooldown", Value::List{1.0, 2.0, 3.0}}}, 2),
                        Catch::Contains("has 3 values; expected 1 or 2"));
    CHECK_NOTHROW(spark::testing::soma(type, {{"cooldown", 6553.4}}, 1, 0.1));
}

// ---- StrictRefractoryLeakySoma ----

TEST_CASE("StrictRefractoryLeakySoma spikes at the steps of spec section 14", "[somas][validation]") {
    auto h = spark::testing::soma("strict_refractory_leaky_soma");
    h.input_f32(0)[0] = 250.0f;
    REQUIRE(spike_steps(h, 79) == std::vector<int>{32, 56});
}

TEST_CASE("StrictRefractoryLeakySoma holds v at v_reset for exactly c steps and fires every c + 1 steps",
          "[somas][validation]") {
    auto h = spark::testing::soma("strict_refractory_leaky_soma");
    auto& soma = h.as<components::somas::StrictRefractoryLeakySoma>();
    h.input_f32(0)[0] = 1e5f;
    h.step();  // ready at once (counter = c >= c): spikes on step 0
    REQUIRE(h.output_u8(0)[0] == spike::bit);
    for (int k = 0; k < 2; ++k) {  // clamped, whatever the input
        h.step();
        CHECK(h.output_u8(0)[0] == 0);
        CHECK(soma.potential_values()[0] == 10.0f);
    }
    h.step();
    CHECK(h.output_u8(0)[0] == spike::bit);
    const auto steps = spike_steps(h, 30);
    for (std::size_t k = 1; k < steps.size(); ++k) CHECK(steps[k] - steps[k - 1] == 3);
}

// ---- AdaptiveLeakySoma ----

TEST_CASE("AdaptiveLeakySoma spikes at the steps of spec section 14", "[somas][validation]") {
    auto h = spark::testing::soma("adaptive_leaky_soma");  // c = 2, tau_theta = 20, delta = 100
    h.input_f32(0)[0] = 250.0f;
    REQUIRE(spike_steps(h, 300) == std::vector<int>{33, 98, 163, 228, 293});
}

TEST_CASE("AdaptiveLeakySoma threshold is the Tracer of spec 1.8 fed with its spikes", "[somas][validation]") {
    auto h = spark::testing::soma("adaptive_leaky_soma", {{"threshold_tau", 15.0}, {"threshold_delta", 7.5}});
    auto& soma = h.as<AdaptiveLeakySoma>();
    // base theta = V_th - V_rest = 20 mV, tau = 15 ms, scale = 7.5 mV per spike.
    CHECK(soma.adaptive_threshold().values()[0] == 20.0f);
    const int spikes = spark::testing::require_threshold_is_tracer<AdaptiveLeakySoma>(h, 15.0f, 7.5f, 20.0f, 1.0,
                                                                                      400.0f, 400);
    CHECK(spikes > 5);
    soma.reset();
    CHECK(soma.adaptive_threshold().values()[0] == 20.0f);
    CHECK(soma.refractory().values()[0] == 2);
}

TEST_CASE("AdaptiveLeakySoma refuses a non-positive threshold_tau", "[somas][config]") {
    REQUIRE_THROWS_AS(spark::testing::soma("adaptive_leaky_soma", {{"threshold_tau", 0.0}}), ConfigError);
    REQUIRE_THROWS_WITH(spark::testing::soma("adaptive_leaky_soma", {{"threshold_tau", 0.0}}),
                        Catch::Contains("AdaptiveLeakySoma 'adaptive_leaky_soma': threshold_tau = 0 ms must be > 0"));
}

// ---- the whole family ----

TEST_CASE("Leaky somas expose their state by name", "[somas]") {
    using Names = std::map<std::string, DType>;
    const auto [type, names] = GENERATE(table<std::string, Names>({
        {"leaky_soma", Names{{"potential", DType::f32}}},
        {"refractory_leaky_soma", Names{{"potential", DType::f32}, {"refractory", DType::u16}}},
        {"strict_refractory_leaky_soma", Names{{"potential", DType::f32}, {"refractory", DType::u16}}},
        {"adaptive_leaky_soma",
         Names{{"potential", DType::f32}, {"refractory", DType::u16}, {"threshold", DType::f32}}},
    }));
    auto h = spark::testing::soma(type, {}, 3);
    CHECK(state_of(h.component()).dtypes == names);
}

TEST_CASE("Leaky somas give per-neuron parameters the same result as separate populations", "[somas]") {
    // A population of two with per-neuron arrays equals two populations of one with the scalars.
    const auto type = GENERATE(as<std::string>{}, "leaky_soma", "refractory_leaky_soma",
                               "strict_refractory_leaky_soma", "adaptive_leaky_soma");
    INFO(type);
    Overrides both{{"potential_tau", Value::List{20.0, 12.0}}, {"threshold", Value::List{-40.0, -45.0}}};
    Overrides first{{"potential_tau", 20.0}, {"threshold", -40.0}};
    Overrides second{{"potential_tau", 12.0}, {"threshold", -45.0}};
    if (type != "leaky_soma") {
        both.push_back({"cooldown", Value::List{2.0, 5.0}});
        first.push_back({"cooldown", 2.0});
        second.push_back({"cooldown", 5.0});
    }
    spark::testing::require_pair_as_singles(type, both, first, second, 300, 1.0, [](int t) {
        return 150.0f + static_cast<float>(t % 7) * 40.0f;
    });
}

TEST_CASE("Leaky somas give the same result whatever the chunking of a large population", "[somas]") {
    const auto type = GENERATE(as<std::string>{}, "refractory_leaky_soma", "strict_refractory_leaky_soma",
                               "adaptive_leaky_soma");
    INFO(type);
    const std::size_t n = 40000;  // more than two chunks
    const Overrides drawn{{"potential_tau", Value::Map{{"initializer", "uniform_initializer"}, {"scale", 30.0},
                                                       {"min_value", 5.0}}}};
    spark::testing::require_same_state_whatever_the_chunking(type, drawn, n, 1.0, 7, 50, [](std::size_t i, int t) {
        return static_cast<float>((i * 37 + static_cast<std::size_t>(t) * 11) % 600);
    });
}

TEST_CASE("Leaky somas give the same numbers with population-wide and per-neuron constants", "[somas][issue9]") {
    // The step loops hoist the constants when every neuron shares them (issue 9). Neuron n - 1 gets a
    // different threshold, which forces the per-neuron loop; the other neurons must match bit for bit.
    const std::size_t n = 37;
    for (const char* type : {"leaky_soma", "refractory_leaky_soma", "strict_refractory_leaky_soma"}) {
        INFO(type);
        std::vector<double> thresholds(n, -50.0);
        thresholds.back() = -45.0;
        Value::List varied(thresholds.begin(), thresholds.end());
        const Overrides base{{"potential_rest", -49.0}, {"potential_reset", -60.0}, {"potential_tau", 20.0},
                             {"resistance", 1.0}};
        Overrides uniform = base, per_neuron = base;
        uniform.push_back({"threshold", -50.0});
        per_neuron.push_back({"threshold", varied});
        Harness a(components::builtin_registry(), type, uniform, {PortSpec(PayloadKind::current, {n}), std::nullopt});
        Harness b(components::builtin_registry(), type, per_neuron, {PortSpec(PayloadKind::current, {n}), std::nullopt});
        std::size_t spikes = 0;
        for (int t = 0; t < 400; ++t) {
            for (std::size_t i = 0; i < n; ++i)
                a.input_f32(0)[i] = b.input_f32(0)[i] = static_cast<float>(0.5 + 0.1 * double((i * 7 + t) % 13));
            a.step();
            b.step();
            for (std::size_t i = 0; i + 1 < n; ++i) {
                REQUIRE(a.output_u8(0)[i] == b.output_u8(0)[i]);
                spikes += a.output_u8(0)[i] & spike::bit;
            }
            const auto va = a.component().property(0).f32(), vb = b.component().property(0).f32();
            REQUIRE(std::memcmp(va.data(), vb.data(), (n - 1) * sizeof(float)) == 0);
        }
        CHECK(spikes > 0);
    }
}
