// Synaptic delays fused into the synapse groups (issue 5): a ring of per-target input (dense layout) or
// spikes in flight through delay-sorted columns (sparse layout) must give the currents of the chain
// n2n_delays -> synapses with the same delays.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include <spark/components/synapses/linear_synapses.hpp>
#include <spark/components/synapses/traced_synapses.hpp>

#include "synapse_test_util.hpp"

using namespace spark;
using namespace spark::components::synapses;
using namespace spark::testing;

TEST_CASE("Fused delays: a spike arriving at step 3 reaches the target at step 3 + d, for every d = 1..B",
          "[synapses][delays]") {
    // B = ceil(2 ms / 0.25 ms) = 8
    const auto layout = GENERATE(as<std::string>{}, "dense", "sparse");
    const auto code = GENERATE(std::uint8_t(spike::bit), std::uint8_t(spike::bit | spike::inhibitory));
    const float weight = code & spike::inhibitory ? -1.5f : 1.5f;
    for (int d = 1; d <= 8; ++d) {
        INFO(layout << ", d = " << d << ", code " << int(code));
        auto h = synapses("linear_synapses",
                          {{"units", ints({1})}, {"kernel", 1.5}, {"layout", layout},
                           {"max_delay", 2.0}, {"delays", d}},
                          sync_spikes(1), 0.25);
        REQUIRE(h.as<LinearSynapses>().delay_steps() == 8);
        for (int t = 0; t < 3 + 8 + 3; ++t) {
            h.input_u8(0)[0] = t == 3 ? code : static_cast<std::uint8_t>(code & spike::inhibitory);
            h.step();
            REQUIRE(h.output_f32(0)[0] == (t == 3 + d ? weight : 0.0f));
        }
    }
}

TEST_CASE("Fused delays with traces: the trace starts at step t + d in both trace modes", "[synapses][delays]") {
    const auto mode = GENERATE(as<std::string>{}, "per_target", "per_synapse");
    for (int d = 1; d <= 4; ++d) {
        INFO(mode << ", d = " << d);
        auto h = synapses("traced_synapses",
                          {{"units", ints({1})}, {"kernel", 2.0}, {"trace_mode", mode},
                           {"max_delay", 4.0}, {"delays", d}},
                          sync_spikes(1));
        for (int t = 0; t < 20; ++t) {
            h.input_u8(0)[0] = t == 2 ? spike::bit : 0;
            h.step();
            const int n = t - 2 - d;
            if (n < 0) REQUIRE(h.output_f32(0)[0] == 0.0f);
            else REQUIRE(h.output_f32(0)[0] == Approx(2.0 * std::exp(-n / 5.0)).epsilon(1e-5));
        }
    }
}

TEST_CASE("Fused delays longer than 255 steps (16-bit delays)", "[synapses][delays]") {
    const auto layout = GENERATE(as<std::string>{}, "dense", "sparse");
    auto h = synapses("linear_synapses",
                      {{"units", ints({2})}, {"kernel", list({1.0, 0.0, 0.0, 2.0})}, {"layout", layout},
                       {"max_delay", 30.0}, {"delays", ints({300, 1, 1, 299})}},
                      sync_spikes(2), 0.1);
    REQUIRE(h.as<LinearSynapses>().delay_steps() == 300);
    std::vector<int> seen0, seen1;
    for (int t = 0; t < 320; ++t) {
        h.input_u8(0)[0] = h.input_u8(0)[1] = t == 5 ? spike::bit : 0;
        h.step();
        if (h.output_f32(0)[0] != 0.0f) seen0.push_back(t);
        if (h.output_f32(0)[1] != 0.0f) seen1.push_back(t);
    }
    CHECK(seen0 == std::vector<int>{305});
    CHECK(seen1 == std::vector<int>{304});
}

TEST_CASE("Fused default delays deliver each spike once, 1..B steps later", "[synapses][delays]") {
    auto h = synapses("linear_synapses", {{"units", ints({50})}, {"kernel", 1.0}, {"max_delay", 5.0}},
                      sync_spikes(1));
    std::vector<float> total(50, 0.0f);
    for (int t = 0; t < 12; ++t) {
        h.input_u8(0)[0] = t == 2 ? spike::bit : 0;
        h.step();
        for (std::size_t p = 0; p < 50; ++p) {
            if (t <= 2 || t > 7) REQUIRE(h.output_f32(0)[p] == 0.0f);
            total[p] += h.output_f32(0)[p];
        }
    }
    for (float x : total) CHECK(x == 1.0f);
}

TEST_CASE("Fused delays: reset drops what is in flight", "[synapses][delays]") {
    const auto layout = GENERATE(as<std::string>{}, "dense", "sparse");
    auto h = synapses("linear_synapses",
                      {{"units", ints({1})}, {"kernel", 1.0}, {"layout", layout}, {"max_delay", 3.0}, {"delays", 3}},
                      sync_spikes(1));
    h.input_u8(0)[0] = spike::bit;
    h.step();
    h.input_u8(0)[0] = 0;
    h.component().reset();
    for (int t = 0; t < 5; ++t) {
        h.step();
        CHECK(h.output_f32(0)[0] == 0.0f);
    }
}

namespace {
struct Network {
    std::size_t P, N;
    std::vector<double> kernel;
    std::vector<int> delays;
};

// A random sparse network; weights are multiples of 1/8 when `dyadic` (then every float sum is exact).
Network random_network(std::size_t P, std::size_t N, int B, bool dyadic, std::uint32_t seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    Network net{P, N, std::vector<double>(P * N, 0.0), std::vector<int>(P * N)};
    for (auto& w : net.kernel)
        if (u(gen) < 0.2) w = dyadic ? std::floor(u(gen) * 8.0 + 1.0) / 8.0 : u(gen);
    for (auto& d : net.delays) d = std::uniform_int_distribution<int>(1, B)(gen);
    return net;
}

// Steps `fused` (synchronous input, its own delays) and the chain n2n_delays -> `chain` (per-synapse input)
// on the same spike train; returns the largest |difference| relative to 1 + max |current|.
double fused_vs_chain(std::string_view type, const Network& net, Overrides fused_extra, Overrides chain_extra,
                      int steps, double dt, double max_delay) {
    const Value units = ints({int(net.P)});
    Overrides fused_o{{"units", units}, {"kernel", list(net.kernel)}, {"max_delay", max_delay}, {"delays", ints(net.delays)}};
    fused_o.insert(fused_o.end(), fused_extra.begin(), fused_extra.end());
    Overrides chain_o{{"units", units}, {"kernel", list(net.kernel)}};
    chain_o.insert(chain_o.end(), chain_extra.begin(), chain_extra.end());
    auto fused = synapses(type, fused_o, sync_spikes(net.N), dt);
    Harness delays(components::builtin_registry(), "n2n_delays",
                   {{"units", units}, {"max_delay", max_delay}, {"delays", ints(net.delays)}}, {sync_spikes(net.N)}, dt);
    auto chain = synapses(type, chain_o, per_synapse_spikes({net.P, net.N}), dt);
    SpikeSource source(net.N, 0.08, 23);
    RelativeDifference difference;
    for (int t = 0; t < steps; ++t) {
        source.fill(fused.input_u8(0));
        std::copy(fused.input_u8(0).begin(), fused.input_u8(0).end(), delays.input_u8(0).begin());
        fused.step();
        delays.step();
        std::copy(delays.output_u8(0).begin(), delays.output_u8(0).end(), chain.input_u8(0).begin());
        chain.step();
        difference.add(fused.output_f32(0), chain.output_f32(0));
    }
    REQUIRE(difference.largest() > 1.0);
    return difference.relative();
}
}  // namespace

TEST_CASE("Fused delays give the currents of n2n_delays -> synapses on random networks (1000 steps)",
          "[synapses][delays]") {
    // The fused delays add a target's inputs in arrival order, the chain in presynaptic order: the float sums
    // may differ in the last bits (tolerance 1e-5 of the current's scale); with dyadic weights every sum
    // is exact, so the currents must be identical.
    constexpr double tolerance = 1e-5;
    const auto real = random_network(40, 90, 12, false, 1);
    const auto dyadic = random_network(40, 90, 12, true, 2);
    SECTION("linear, sparse and dense") {
        CHECK(fused_vs_chain("linear_synapses", real, {{"layout", "sparse"}}, {}, 1000, 0.5, 6.0) < tolerance);
        CHECK(fused_vs_chain("linear_synapses", real, {{"layout", "dense"}}, {}, 1000, 0.5, 6.0) < tolerance);
        CHECK(fused_vs_chain("linear_synapses", dyadic, {{"layout", "sparse"}}, {}, 1000, 0.5, 6.0) == 0.0);
        CHECK(fused_vs_chain("linear_synapses", dyadic, {{"layout", "dense"}}, {}, 1000, 0.5, 6.0) == 0.0);
    }
    SECTION("traced: fused per-target delays vs the literal per-synapse chain") {
        CHECK(fused_vs_chain("traced_synapses", real, {}, {{"trace_mode", "per_synapse"}}, 1000, 1.0, 12.0) < 2e-5);
        CHECK(fused_vs_chain("traced_synapses", dyadic, {}, {{"trace_mode", "per_target"}}, 1000, 1.0, 12.0) == 0.0);
    }
    SECTION("rd traced: the per-synapse path with delays is the chain, bit for bit") {
        CHECK(fused_vs_chain("rd_traced_synapses", real, {{"trace_mode", "per_synapse"}},
                             {{"trace_mode", "per_synapse"}}, 1000, 1.0, 12.0) == 0.0);
    }
    SECTION("rfs traced, per-target") {
        CHECK(fused_vs_chain("rfs_traced_synapses", real, {}, {{"trace_mode", "per_synapse"}}, 1000, 1.0, 12.0) < 2e-5);
    }
}

TEST_CASE("Fused delays weigh a spike at emission in the dense layout, at delivery in the sparse one",
          "[synapses][delays]") {
    // The sparse layout reads each synapse when its spike arrives (as n2n_delays -> synapses and the
    // original do); the dense layout adds K s into its ring when the spike is emitted. Equal for fixed
    // weights; a kernel change with spikes in flight shows the difference.
    const auto layout = GENERATE(as<std::string>{}, "dense", "sparse");
    INFO(layout);
    auto h = synapses("linear_synapses",
                      {{"units", ints({1})}, {"kernel", 1.0}, {"layout", layout}, {"max_delay", 3.0}, {"delays", 3}},
                      sync_spikes(1), 1.0);
    h.input_u8(0)[0] = spike::bit;
    h.step();  // t = 0: the kernel is 1; the spike arrives at t = 3
    const std::vector<float> next{5.0f};
    h.component().set_property(0, ConstArrayRef(next.data(), 1));
    h.step();  // t = 1: the kernel is 5; the spike arrives at t = 4
    h.input_u8(0)[0] = 0;
    h.step();
    CHECK(h.output_f32(0)[0] == 0.0f);
    h.step();
    CHECK(h.output_f32(0)[0] == (layout == "dense" ? 1.0f : 5.0f));
    h.step();
    CHECK(h.output_f32(0)[0] == 5.0f);
}
