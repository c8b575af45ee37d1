// TopologicalPoissonSpiker and TopologicalLinearSpiker (spec section 7.1).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include <spark/components/builtin.hpp>
#include <spark/components/interfaces/spikers.hpp>
#include <spark/components/interfaces/topological_spikers.hpp>

#include "harness.hpp"
#include "test_parallels.hpp"

using namespace spark;
using namespace spark::components::interfaces;
using namespace spark::testing;

namespace {
PortSpec signal(std::size_t n) { return PortSpec(PayloadKind::floating, {n}); }

Harness topo_linear(Overrides overrides, std::size_t n = 1, double dt = 1.0) {
    return Harness(components::builtin_registry(), "topological_linear_spiker", overrides, {signal(n)}, dt);
}
Harness topo_poisson(Overrides overrides, std::size_t n = 1, double dt = 1.0) {
    return Harness(components::builtin_registry(), "topological_poisson_spiker", overrides, {signal(n)}, dt);
}

// Activations of input element `i` after one step with `values` as the signal.
std::vector<float> bump(Harness& h, std::vector<float> values, std::size_t i = 0) {
    std::copy(values.begin(), values.end(), h.input_f32(0).begin());
    h.step();
    const auto a = h.as<TopologicalLinearSpiker>().activation();
    const std::size_t res = a.size() / values.size();
    return {a.begin() + static_cast<std::ptrdiff_t>(i * res), a.begin() + static_cast<std::ptrdiff_t>((i + 1) * res)};
}

std::size_t argmax(const std::vector<float>& a) {
    return static_cast<std::size_t>(std::max_element(a.begin(), a.end()) - a.begin());
}
}  // namespace

TEST_CASE("Topological spikers output shape is signal + (resolution,), all excitatory", "[interfaces][topological]") {
    auto h = topo_poisson({{"resolution", 16.0}}, 3);
    const auto& out = h.result().outputs[0];
    CHECK(out.kind == PayloadKind::spikes);
    CHECK(out.shape == Shape{3, 16});
    CHECK(out.mask == std::vector<std::uint8_t>(48, 0));
    auto l = topo_linear({{"resolution", 5.0}}, 2);
    CHECK(l.result().outputs[0].shape == Shape{2, 5});
}

TEST_CASE("Topological bump (line) peaks at the encoded position with the closed-form profile",
          "[interfaces][topological]") {
    // resolution 65: space_r = pi r / 64. xbar = 0.25 -> tanh(space_r - pi/4) = 0 at r = 16, a = 1.
    auto h = topo_linear({{"resolution", 65.0}});
    const auto a = bump(h, {0.25f});
    CHECK(argmax(a) == 16);
    CHECK(a[16] == Approx(1.0).epsilon(1e-6));
    // a = exp(-(0.5/sigma) tanh(space_r - pi xbar)^2), sigma = 1/32 (sigma divides g^2, quirk 16).
    for (std::size_t r : {0u, 10u, 15u, 20u, 40u, 64u}) {
        const double g = std::tanh(std::numbers::pi * double(r) / 64.0 - std::numbers::pi * 0.25);
        INFO("r = " << r);
        CHECK(a[r] == Approx(std::exp(-16.0 * g * g)).epsilon(1e-4).margin(1e-12));
    }
    CHECK(a[0] == Approx(0.0010270583031403396).epsilon(1e-4));
    // tanh is odd: the bump is symmetric around its peak.
    for (std::size_t d = 1; d <= 16; ++d) CHECK(a[16 - d] == Approx(a[16 + d]).epsilon(1e-5));
    // Other positions: xbar = k/64 peaks at r = k.
    for (int k : {0, 5, 32, 50, 64}) {
        auto hk = topo_linear({{"resolution", 65.0}});
        CHECK(argmax(bump(hk, {static_cast<float>(k) / 64.0f})) == static_cast<std::size_t>(k));
    }
}

TEST_CASE("Topological bump maps mins to maxs per input element", "[interfaces][topological]") {
    // Element 0: [10, 20], signal 12.5 -> xbar 0.25 -> r = 16. Element 1: [-1, 1], signal 0 -> r = 32.
    auto h = topo_linear({{"resolution", 65.0}, {"mins", Value::List{10.0, -1.0}}, {"maxs", Value::List{20.0, 1.0}}}, 2);
    CHECK(argmax(bump(h, {12.5f, 0.0f}, 0)) == 16);
    auto h2 = topo_linear({{"resolution", 65.0}, {"mins", Value::List{10.0, -1.0}}, {"maxs", Value::List{20.0, 1.0}}}, 2);
    CHECK(argmax(bump(h2, {12.5f, 0.0f}, 1)) == 32);
}

TEST_CASE("Topological bump with glue is periodic (a ring)", "[interfaces][topological]") {
    // g = sin(space_r + pi xbar): zero at space_r = pi (1 - xbar), so xbar = 0.25 peaks at r = 48.
    auto h = topo_linear({{"resolution", 65.0}, {"glue", 1.0}});
    const auto a = bump(h, {0.25f});
    CHECK(argmax(a) == 48);
    CHECK(a[48] == Approx(1.0).epsilon(1e-6));
    for (std::size_t r : {0u, 20u, 47u, 60u}) {
        const double g = std::sin(std::numbers::pi * double(r) / 64.0 + std::numbers::pi * 0.25);
        CHECK(a[r] == Approx(std::exp(-16.0 * g * g)).epsilon(1e-4).margin(1e-12));
    }
    // Wrap: xbar and xbar + 1 (and xbar - 1) give the same bump; the two ends of the ring coincide.
    auto near_max = topo_linear({{"resolution", 65.0}, {"glue", 1.0}});
    auto wrapped = topo_linear({{"resolution", 65.0}, {"glue", 1.0}});
    const auto a_hi = bump(near_max, {0.95f});
    const auto a_lo = bump(wrapped, {-0.05f});
    for (std::size_t r = 0; r < 65; ++r) CHECK(a_hi[r] == Approx(a_lo[r]).epsilon(1e-4).margin(1e-6));
    CHECK(a_hi.front() == Approx(a_hi.back()).epsilon(1e-5));
    // Without glue the same two signals land at opposite ends of the line.
    auto line_hi = topo_linear({{"resolution", 65.0}});
    auto line_lo = topo_linear({{"resolution", 65.0}});
    CHECK(argmax(bump(line_hi, {0.95f})) > 55);
    CHECK(argmax(bump(line_lo, {-0.05f})) == 0);
}

TEST_CASE("TopologicalPoissonSpiker fires each virtual unit with probability p a", "[interfaces][topological]") {
    // max_freq 1000 at dt = 1 -> p = 1: the peak unit (a = 1) fires every step; unit r fires with
    // probability a_r. Check a unit on the flank (a about 0.3) against a binomial 5-sigma bound.
    auto h = topo_poisson({{"resolution", 65.0}, {"max_freq", 1000.0}}, 1);
    h.input_f32(0)[0] = 0.25f;
    const int steps = 4000;
    std::vector<int> counts(65, 0);
    for (int t = 0; t < steps; ++t) {
        h.step();
        for (std::size_t r = 0; r < 65; ++r) counts[r] += h.output_u8(0)[r] & spike::bit;
    }
    CHECK(counts[16] == steps);
    const auto a = h.as<TopologicalPoissonSpiker>().activation();
    const std::size_t flank = 19;  // g = tanh(3 pi / 64) = 0.146 -> a = exp(-16 g^2) = 0.71
    const double p = a[flank];
    REQUIRE(p > 0.2);
    REQUIRE(p < 0.9);
    const double mean = steps * p, sd = std::sqrt(steps * p * (1 - p));
    CHECK(std::abs(counts[flank] - mean) < 5 * sd);
    CHECK(counts[64] < 5);  // a = exp(-16 tanh(3 pi/4)^2) = 2e-7
}

TEST_CASE("TopologicalLinearSpiker at dt = 1 drives each virtual unit like a LinearSpiker", "[interfaces][topological]") {
    // At dt = 1 Spark's 1/tau and missing dt factor make no difference: the peak unit (a = 1) must spike
    // exactly like a LinearSpiker fed with signal 1.
    auto topo = topo_linear({{"resolution", 65.0}});
    topo.input_f32(0)[0] = 0.25f;
    Harness lin(components::builtin_registry(), "linear_spiker", {}, {signal(1)});
    lin.input_f32(0)[0] = 1.0f;
    CHECK(spike_steps(topo, 200, 0, 16) == spike_steps(lin, 200));
}

TEST_CASE("TopologicalLinearSpiker uses 1/tau in E and no dt factor (quirk 16)", "[interfaces][topological]") {
    // dt = 0.5: E = exp((1/100) * 8), S = 1/(E - 1) + 1; after one step at the peak (a = 1)
    // V = tau (1 - e^{-0.5/100}) S = 6.48710 (a LinearSpiker would use dt/tau in E and a dt factor).
    auto h = topo_linear({{"resolution", 65.0}}, 1, 0.5);
    h.input_f32(0)[0] = 0.25f;
    h.step();
    const auto& k = h.as<TopologicalLinearSpiker>().constants();
    CHECK(k.e == Approx(std::exp(0.08)).epsilon(1e-7));
    CHECK(k.decay == Approx(std::exp(-0.005)).epsilon(1e-7));
    CHECK(h.as<TopologicalLinearSpiker>().potential()[16] == Approx(6.487101708770413).epsilon(1e-5));
}

TEST_CASE("Topological spikers give the same spikes whatever the chunk order", "[interfaces][topological]") {
    // Chunks of about 256 virtual units: 300 inputs x 64 units in 75 chunks of 4 inputs, and the
    // CartPole brain's 4 x 128 in 2 chunks of 2 inputs. The Poisson draws stay sequential.
    for (const auto [inputs, resolution] : {std::pair<std::size_t, double>{300, 64.0}, {4, 128.0}})
    for (const char* type : {"topological_linear_spiker", "topological_poisson_spiker"}) {
        INFO(type << ", " << inputs << " inputs x " << resolution);
        const Overrides o{{"max_freq", 200.0}, {"resolution", resolution}};
        Harness serial(components::builtin_registry(), type, o, {signal(inputs)});
        Harness reversed(components::builtin_registry(), type, o, {signal(inputs)});
        ReversedParallel parallel(4);  // results must not depend on the chunk order
        for (std::size_t i = 0; i < inputs; ++i)
            serial.input_f32(0)[i] = reversed.input_f32(0)[i] = static_cast<float>(i * 5 % 17) / 16.0f;
        std::size_t spikes = 0;
        for (int t = 0; t < 60; ++t) {
            serial.step();
            reversed.step(parallel);
            const auto a = serial.output_u8(0), b = reversed.output_u8(0);
            REQUIRE(std::equal(a.begin(), a.end(), b.begin()));
            for (auto c : a) spikes += c & spike::bit;
        }
        CHECK(spikes > 0);
        CHECK(parallel.runs > 0);  // split into chunks, not one inline call
    }
}

TEST_CASE("Topological spikers validate their parameters", "[interfaces][topological][config]") {
    REQUIRE_THROWS_AS(topo_linear({{"maxs", 0.0}}), ConfigError);  // maxs == mins
    REQUIRE_THROWS_WITH(topo_linear({{"maxs", 0.0}}), Catch::Contains("maxs[0]") && Catch::Contains("must differ from mins[0]"));
    REQUIRE_THROWS_AS(topo_poisson({{"glue", 2.0}}), ConfigError);
    REQUIRE_THROWS_WITH(topo_poisson({{"glue", 2.0}}), Catch::Contains("glue") && Catch::Contains("must be 0 or 1"));
    REQUIRE_THROWS_WITH(topo_poisson({{"resolution", 0.0}}), Catch::Contains("resolution") && Catch::Contains("must be > 0"));
    REQUIRE_THROWS_WITH(topo_linear({{"sigma", 0.0}}), Catch::Contains("sigma") && Catch::Contains("must be > 0"));
    REQUIRE_THROWS_WITH(topo_linear({{"mins", Value::List{0.0, 0.5}}}, 3),
                        Catch::Contains("mins") && Catch::Contains("expected 1 or 3"));
}
