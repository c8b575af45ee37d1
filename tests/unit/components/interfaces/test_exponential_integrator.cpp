// ExponentialIntegrator (spec section 7.2).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include <spark/components/builtin.hpp>
#include <spark/components/interfaces/exponential_integrator.hpp>

#include "harness.hpp"

using namespace spark;
using namespace spark::components::interfaces;
using spark::testing::Harness;

namespace {
PortSpec spikes(std::size_t n) { return PortSpec(PayloadKind::spikes, {n}); }

Harness integrator(Overrides overrides, std::size_t n_in, double dt = 1.0) {
    return Harness(components::builtin_registry(), "exponential_integrator", overrides, {spikes(n_in)}, dt);
}

std::vector<std::uint32_t> map_of(Harness& h) {
    const auto m = h.as<ExponentialIntegrator>().output_map();
    return {m.begin(), m.end()};
}
}  // namespace

TEST_CASE("ExponentialIntegrator splits the inputs into contiguous groups of base or base + 1",
          "[interfaces][integrator]") {
    // n_in = 10, K = 3: base 3, rem 1 -> counts [4, 3, 3].
    auto h = integrator({{"num_outputs", 3.0}, {"shuffle", false}}, 10);
    const auto counts = h.as<ExponentialIntegrator>().counts();
    CHECK(std::vector<std::uint32_t>(counts.begin(), counts.end()) == std::vector<std::uint32_t>{4, 3, 3});
    CHECK(map_of(h) == std::vector<std::uint32_t>{0, 0, 0, 0, 1, 1, 1, 2, 2, 2});
    CHECK(h.result().outputs[0] == PortSpec(PayloadKind::floating, {3}));
    // scale_k = (1000 / f_sat) / (dt tau counts_k) = 20 / (5 counts_k)
    const auto scales = h.as<ExponentialIntegrator>().scales();
    CHECK(scales[0] == Approx(1.0).epsilon(1e-7));
    CHECK(scales[1] == Approx(4.0 / 3.0).epsilon(1e-7));
}

TEST_CASE("ExponentialIntegrator shuffle is a deterministic permutation from the node stream",
          "[interfaces][integrator]") {
    auto make = [](const std::string& name, std::uint64_t seed) {
        ExponentialIntegratorConfig config;
        config.num_outputs = 7;
        return Harness(std::make_unique<ExponentialIntegrator>(config, name), {spikes(100)}, 1.0, seed);
    };
    auto a = make("out", 3), b = make("out", 3), c = make("other", 3), d = make("out", 4);
    const auto map = map_of(a);
    CHECK(map_of(b) == map);
    CHECK(map_of(c) != map);
    CHECK(map_of(d) != map);
    // Still the same group sizes: 100 = 7 * 14 + 2 -> [15, 15, 14, 14, 14, 14, 14].
    std::vector<std::uint32_t> sizes(7, 0);
    for (auto k : map) ++sizes[k];
    CHECK(sizes == std::vector<std::uint32_t>{15, 15, 14, 14, 14, 14, 14});
    CHECK_FALSE(std::is_sorted(map.begin(), map.end()));
}

TEST_CASE("ExponentialIntegrator (single trace) settles near 1 at the saturation frequency", "[interfaces][integrator]") {
    // One group of 20 units, each firing at f_sat = 50 Hz (every 20 steps at dt = 1), staggered so that
    // exactly one spike arrives per step: c = 1, trace -> scale / (1 - e^{-dt/tau}) with
    // scale = (1000/50) / (1 * 5 * 20) = 0.2 -> 0.2 / (1 - e^{-0.2}) = 1.10333 (about 1, as designed).
    const double closed_form = 0.2 / (1.0 - std::exp(-0.2));
    SECTION("staggered firing") {
        auto h = integrator({{"num_outputs", 1.0}, {"smooth_trace", false}}, 20);
        for (int t = 0; t < 200; ++t) {
            for (std::size_t j = 0; j < 20; ++j) h.input_u8(0)[j] = (t % 20 == int(j)) ? spike::bit : 0;
            h.step();
        }
        CHECK(h.output_f32(0)[0] == Approx(closed_form).epsilon(1e-5));
        CHECK(h.output_f32(0)[0] == Approx(1.0).epsilon(0.11));
    }
    SECTION("synchronous firing: the mean over a period is the same") {
        auto h = integrator({{"num_outputs", 1.0}, {"smooth_trace", false}}, 20);
        double sum = 0.0;
        for (int t = 0; t < 400; ++t) {
            for (auto& s : h.input_u8(0)) s = (t % 20 == 0) ? spike::bit : 0;
            h.step();
            if (t >= 380) sum += h.output_f32(0)[0];
        }
        CHECK(sum / 20.0 == Approx(closed_form).epsilon(1e-5));
    }
}

TEST_CASE("ExponentialIntegrator counts inhibitory spikes as +1", "[interfaces][integrator]") {
    auto exc = integrator({{"num_outputs", 2.0}, {"shuffle", false}, {"smooth_trace", false}}, 4);
    auto inh = integrator({{"num_outputs", 2.0}, {"shuffle", false}, {"smooth_trace", false}}, 4);
    exc.input_u8(0)[0] = exc.input_u8(0)[3] = spike::bit;
    inh.input_u8(0)[0] = inh.input_u8(0)[3] = spike::bit | spike::inhibitory;
    inh.input_u8(0)[1] = spike::inhibitory;  // an inhibitory unit that did not spike
    exc.step();
    inh.step();
    // Group 0 = inputs {0, 1}, group 1 = {2, 3}; one spike each, scale = 20 / (5 * 2) = 2.
    CHECK(exc.output_f32(0)[0] == 2.0f);
    CHECK(exc.output_f32(0)[1] == 2.0f);
    CHECK(inh.output_f32(0)[0] == exc.output_f32(0)[0]);
    CHECK(inh.output_f32(0)[1] == exc.output_f32(0)[1]);
}

TEST_CASE("ExponentialIntegrator smooth mode is Spark's literal rise-decay difference", "[interfaces][integrator]") {
    // One input, one output: scale_rise = 20 / (5 * 1) = 4, scale_decay = 0.1, tau_decay = 10,
    // tau_rise' = 5 * 10 / 15. After a single spike at step 0:
    //     out_n = 0.1 e^{-n/10} - 4 e^{-n * 15/50}.
    auto h = integrator({{"num_outputs", 1.0}}, 1);
    h.input_u8(0)[0] = spike::bit;
    for (int n = 0; n < 30; ++n) {
        h.step();
        h.input_u8(0)[0] = 0;
        const double expected = 0.1 * std::exp(-n / 10.0) - 4.0 * std::exp(-n * 0.3);
        INFO("n = " << n);
        CHECK(h.output_f32(0)[0] == Approx(expected).epsilon(1e-5).margin(1e-6));
    }
}

TEST_CASE("ExponentialIntegrator uses an explicit output_map as given", "[interfaces][integrator]") {
    auto h = integrator({{"num_outputs", 2.0}, {"output_map", Value::List{1.0, 0.0, 1.0, 1.0}}, {"smooth_trace", false}}, 4);
    CHECK(map_of(h) == std::vector<std::uint32_t>{1, 0, 1, 1});  // not shuffled
    const auto counts = h.as<ExponentialIntegrator>().counts();
    CHECK(std::vector<std::uint32_t>(counts.begin(), counts.end()) == std::vector<std::uint32_t>{1, 3});
    h.input_u8(0)[1] = spike::bit;  // the only input of output 0: scale 20 / 5 = 4
    h.input_u8(0)[2] = spike::bit;  // one of three inputs of output 1: scale 20 / 15
    h.step();
    CHECK(h.output_f32(0)[0] == Approx(4.0));
    CHECK(h.output_f32(0)[1] == Approx(20.0 / 15.0));
    h.component().reset();
    h.input_u8(0)[1] = h.input_u8(0)[2] = 0;
    h.step();
    CHECK(h.output_f32(0)[0] == 0.0f);
}

TEST_CASE("ExponentialIntegrator refuses impossible groupings", "[interfaces][integrator][config]") {
    SECTION("fewer inputs than outputs") {
        REQUIRE_THROWS_AS(integrator({{"num_outputs", 5.0}}, 3), ShapeError);
        REQUIRE_THROWS_WITH(integrator({{"num_outputs", 5.0}}, 3),
                            Catch::Contains("spikes") && Catch::Contains("at least num_outputs = 5"));
    }
    SECTION("num_outputs missing") {
        REQUIRE_THROWS_AS(integrator({}, 3), ConfigError);
        REQUIRE_THROWS_WITH(integrator({}, 3), Catch::Contains("num_outputs") && Catch::Contains("must be given"));
    }
    SECTION("an output_map entry out of range") {
        const Overrides o{{"num_outputs", 2.0}, {"output_map", Value::List{0.0, 1.0, 2.0}}};
        REQUIRE_THROWS_AS(integrator(o, 3), ConfigError);
        REQUIRE_THROWS_WITH(integrator(o, 3), Catch::Contains("output_map[2] = 2") && Catch::Contains("must be < num_outputs = 2"));
    }
    SECTION("an output_map of the wrong length") {
        const Overrides o{{"num_outputs", 2.0}, {"output_map", Value::List{0.0, 1.0, 1.0}}};
        REQUIRE_THROWS_AS(integrator(o, 4), ShapeError);
        REQUIRE_THROWS_WITH(integrator(o, 4), Catch::Contains("spikes") && Catch::Contains("3 elements"));
    }
    SECTION("an output_map that leaves an output empty") {
        const Overrides o{{"num_outputs", 3.0}, {"output_map", Value::List{0.0, 2.0, 2.0}}};
        REQUIRE_THROWS_AS(integrator(o, 3), ConfigError);
        REQUIRE_THROWS_WITH(integrator(o, 3), Catch::Contains("leaves output 1 without inputs"));
    }
}
