// Synapse groups whose kernel is a sparse initializer are drawn straight into the sparse layout
// (initialize_sparse, cost ~ nonzeros), with per-synapse delays drawn per nonzero (issue 9).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <map>

#include "collect_state.hpp"
#include "synapse_test_util.hpp"

using namespace spark;
using namespace spark::testing;
using namespace spark::components::synapses;

namespace {
Value constant_kernel(double scale, double density) {
    return Value::Map{{"initializer", "sparse_constant_initializer"}, {"scale", scale}, {"density", density}};
}
double sigma5(double n, double p) { return 5.0 * std::sqrt(n * p * (1.0 - p)); }
}  // namespace

TEST_CASE("A sparse kernel of 10^5 x 10^5 is built without the dense 4 * 10^10 bytes", "[synapses][sparse]") {
    // Dense, this kernel would need 40 GB (more than the machine has): the build would fail.
    constexpr std::size_t n = 100000;
    constexpr double p = 1e-4;
    auto h = synapses("linear_synapses", {{"units", ints({int(n)})}, {"kernel", constant_kernel(1.62, p)}},
                      sync_spikes(n), 0.1, 7);
    const auto& s = h.as<LinearSynapses>();
    REQUIRE(s.layout() == Layout::sparse);
    const double pairs = static_cast<double>(n) * static_cast<double>(n);
    CHECK(std::abs(static_cast<double>(s.memory().synapses) - pairs * p) < sigma5(pairs, p));
    CHECK(s.bytes_per_synapse() <= 8.0);
    // One spike of unit 12345 reaches its ~10 targets with weight 1.62 each.
    h.input_u8(0)[12345] = spike::bit;
    h.step();
    std::size_t reached = 0;
    for (float x : h.output_f32(0)) {
        if (x == 0.0f) continue;
        REQUIRE(x == 1.62f);
        ++reached;
    }
    CHECK(reached < 40);  // Binomial(10^5, 10^-4): mean 10
}

TEST_CASE("The compressed build is deterministic per seed and has the kernel's statistics", "[synapses][sparse]") {
    constexpr std::size_t P = 400, N = 500;
    const Overrides o{{"units", ints({int(P)})},
                      {"kernel", Value::Map{{"initializer", "sparse_normal_initializer"},
                                            {"mean", 87.8},
                                            {"stddev", 8.78},
                                            {"density", 0.1},
                                            {"min_value", 0.0},
                                            {"redraw", true}}}};
    auto a = synapses("traced_synapses", o, sync_spikes(N), 0.1, 3);
    auto b = synapses("traced_synapses", o, sync_spikes(N), 0.1, 3);
    auto c = synapses("traced_synapses", o, sync_spikes(N), 0.1, 4);
    REQUIRE(a.as<TracedSynapses>().layout() == Layout::sparse);
    const auto ka = a.component().property(0).f32();
    const std::vector<float> first(ka.begin(), ka.end());
    const auto kb = b.component().property(0).f32();
    const auto kc = c.component().property(0).f32();
    CHECK(std::equal(first.begin(), first.end(), kb.begin()));
    CHECK_FALSE(std::equal(first.begin(), first.end(), kc.begin()));
    double sum = 0.0;
    std::size_t count = 0;
    for (float w : first)
        if (w != 0.0f) {
            REQUIRE(w > 0.0f);
            sum += w;
            ++count;
        }
    const double pairs = double(P) * double(N);
    CHECK(std::abs(double(count) - pairs * 0.1) < sigma5(pairs, 0.1));
    CHECK(std::abs(sum / double(count) - 87.8) < 5.0 * 8.78 / std::sqrt(double(count)));
}

TEST_CASE("Per-nonzero delays: every synapse delivers its weight once, d steps later, d drawn per synapse",
          "[synapses][sparse][delays]") {
    // Delays in steps ~ N(4.5, 1.5) redrawn below 1.5, truncated to whole steps (so round(N(4, 1.5)) >= 1),
    // with B = 10 steps at dt = 1 ms.
    constexpr std::size_t P = 300, N = 200;
    const Overrides o{{"units", ints({int(P)})},
                      {"kernel", constant_kernel(1.0, 0.2)},
                      {"max_delay", 10.0},
                      {"delays", Value::Map{{"initializer", "normal_initializer"},
                                            {"mean", 4.5},
                                            {"stddev", 1.5},
                                            {"min_value", 1.5},
                                            {"redraw", true}}}};
    auto h = synapses("linear_synapses", o, sync_spikes(N), 1.0, 9);
    REQUIRE(h.as<LinearSynapses>().layout() == Layout::sparse);
    const auto copy = h.component().property(0).f32();
    const std::vector<float> kernel(copy.begin(), copy.end());
    // Fire each of the first 40 units alone, then watch 11 steps: a target p of unit j must receive
    // exactly K[p, j] = 1 at exactly one step d in 1..10.
    std::map<int, std::size_t> histogram;
    std::size_t synapses_seen = 0;
    for (std::size_t j = 0; j < 40; ++j) {
        std::vector<int> arrival(P, -1);
        for (int t = 0; t <= 10; ++t) {
            std::fill(h.input_u8(0).begin(), h.input_u8(0).end(), std::uint8_t{0});
            if (t == 0) h.input_u8(0)[j] = spike::bit;
            h.step();
            const auto out = h.output_f32(0);
            for (std::size_t p = 0; p < P; ++p) {
                if (out[p] == 0.0f) continue;
                REQUIRE(out[p] == 1.0f);
                REQUIRE(arrival[p] == -1);
                arrival[p] = t;
            }
        }
        for (std::size_t p = 0; p < P; ++p) {
            REQUIRE((kernel[p * N + j] != 0.0f) == (arrival[p] != -1));
            if (arrival[p] == -1) continue;
            REQUIRE(arrival[p] >= 1);
            REQUIRE(arrival[p] <= 10);
            ++histogram[arrival[p]];
            ++synapses_seen;
        }
    }
    // Expected share of delay k: P(k <= X < k + 1 | X >= 1.5) for X ~ N(4.5, 1.5), computed from the
    // normal CDF (the top bin collects X >= 10, clamped to B); five-sigma binomial bands.
    auto cdf = [](double x) { return 0.5 * std::erfc(-(x - 4.5) / (1.5 * std::sqrt(2.0))); };
    const double kept = 1.0 - cdf(1.5);
    REQUIRE(synapses_seen > 1000);
    for (int k = 1; k <= 10; ++k) {
        const double lo = std::max(double(k), 1.5), hi = k == 10 ? INFINITY : double(k + 1);
        const double share = (cdf(hi) - cdf(lo)) / kept;
        INFO("delay " << k << " steps: " << histogram[k] << " of " << synapses_seen << ", expected share " << share);
        CHECK(std::abs(double(histogram[k]) - share * double(synapses_seen)) <=
              sigma5(double(synapses_seen), share) + 1.0);
    }
}

TEST_CASE("Compressed kernels fall back to dense when the model needs it", "[synapses][sparse]") {
    constexpr std::size_t P = 30, N = 40;
    SECTION("a per-synapse time constant (trace_mode auto) needs dense per-synapse traces") {
        std::vector<double> tau(P * N);
        for (std::size_t i = 0; i < tau.size(); ++i) tau[i] = 2.0 + double(i % 7);
        auto h = synapses("traced_synapses", {{"units", ints({int(P)})}, {"kernel", constant_kernel(1.0, 0.2)},
                                              {"tau", list(tau)}},
                          sync_spikes(N), 1.0, 5);
        CHECK(h.as<TracedSynapses>().per_synapse_traces());
        CHECK(h.as<TracedSynapses>().layout() == Layout::dense);
        const auto k = h.component().property(0).f32();
        const auto nonzero = std::count_if(k.begin(), k.end(), [](float w) { return w != 0.0f; });
        CHECK(nonzero > 0);
        CHECK(nonzero < static_cast<long>(P * N / 2));
        REQUIRE_THROWS_WITH(synapses("traced_synapses",
                                     {{"units", ints({int(P)})}, {"kernel", constant_kernel(1.0, 0.2)},
                                      {"tau", list(tau)}, {"layout", "sparse"}},
                                     sync_spikes(N)),
                            Catch::Contains("cannot hold per-synapse traces"));
    }
    SECTION("a mostly nonzero draw is stored densely under auto") {
        auto h = synapses("linear_synapses", {{"units", ints({int(P)})}, {"kernel", constant_kernel(1.0, 0.9)}},
                          sync_spikes(N), 1.0, 5);
        CHECK(h.as<LinearSynapses>().layout() == Layout::dense);
    }
    SECTION("a read kernel keeps the dense initializer's draws") {
        const Overrides o{{"units", ints({int(P)})}, {"kernel", constant_kernel(1.0, 0.2)}};
        auto read = synapses("linear_synapses", o, sync_spikes(N), 1.0, 5, {true});
        auto dense = synapses("linear_synapses", {o[0], o[1], {"layout", "dense"}}, sync_spikes(N), 1.0, 5);
        CHECK(read.as<LinearSynapses>().layout() == Layout::dense);
        const auto a = read.component().property(0).f32(), b = dense.component().property(0).f32();
        CHECK(std::equal(a.begin(), a.end(), b.begin()));
    }
}

TEST_CASE("A block kernel over concatenated populations gives each block its density and weight",
          "[synapses][sparse]") {
    // Targets fed by an excitatory population of 300 (p = 0.1, w = 2) and an inhibitory one of 100
    // (p = 0.3, w = 8), as one synapse group over the concatenated input.
    constexpr std::size_t P = 500;
    const Value kernel = Value::Map{
        {"initializer", "block_initializer"},
        {"blocks", Value::List{Value::Map{{"size", 300}, {"initializer", "sparse_constant"}, {"scale", 2.0},
                                          {"density", 0.1}},
                               Value::Map{{"size", 100}, {"initializer", "sparse_constant"}, {"scale", 8.0},
                                          {"density", 0.3}}}}};
    auto h = synapses("traced_synapses", {{"units", ints({int(P)})}, {"kernel", kernel}}, sync_spikes(400), 0.1, 2);
    REQUIRE(h.as<TracedSynapses>().layout() == Layout::sparse);
    const auto k = h.component().property(0).f32();
    std::size_t exc = 0, inh = 0;
    for (std::size_t p = 0; p < P; ++p)
        for (std::size_t j = 0; j < 400; ++j) {
            const float w = k[p * 400 + j];
            if (w == 0.0f) continue;
            REQUIRE(w == (j < 300 ? 2.0f : 8.0f));
            (j < 300 ? exc : inh)++;
        }
    CHECK(std::abs(double(exc) - 500.0 * 300 * 0.1) < sigma5(500.0 * 300, 0.1));
    CHECK(std::abs(double(inh) - 500.0 * 100 * 0.3) < sigma5(500.0 * 100, 0.3));
    REQUIRE_THROWS_WITH(synapses("traced_synapses", {{"units", ints({int(P)})}, {"kernel", kernel}}, sync_spikes(401)),
                        Catch::Contains("TracedSynapses 'traced_synapses': kernel.blocks = 400 columns must add up to the 401 "
                                        "columns of the kernel"));
}

TEST_CASE("Delayed spikes in flight survive a state save and load bit for bit", "[synapses][sparse][delays]") {
    // Save after 30 steps with spikes in flight, run 40 steps; load the saved state, into the same group and
    // into a new one, and run the same 40 steps again: the currents must be identical (the spikes in
    // flight are saved as the codes of their units by age, and their cursors found again from the age).
    using spark::testing::Copy;
    constexpr std::size_t P = 3000, N = 500;
    auto h = synapses("traced_synapses",
                      {{"units", ints({int(P)})}, {"kernel", constant_kernel(0.7, 0.05)}, {"max_delay", 2.0}},
                      sync_spikes(N), 0.1, 4);
    REQUIRE(h.as<TracedSynapses>().layout() == Layout::sparse);
    SpikeSource source(N, 0.05, 8);
    for (int t = 0; t < 30; ++t) {
        source.fill(h.input_u8(0));
        h.step();
    }
    Copy copy;
    h.component().visit_state(copy);
    std::vector<std::vector<std::uint8_t>> inputs;
    std::vector<float> first;
    for (int t = 0; t < 40; ++t) {
        source.fill(h.input_u8(0));
        inputs.emplace_back(h.input_u8(0).begin(), h.input_u8(0).end());
        h.step();
        first.insert(first.end(), h.output_f32(0).begin(), h.output_f32(0).end());
    }
    // The saved state loaded into `group`, then the same 40 steps: the currents of every step.
    auto replay = [&](Harness& group) {
        copy.load = true;
        group.component().visit_state(copy);
        std::vector<float> currents;
        for (const auto& input : inputs) {
            std::copy(input.begin(), input.end(), group.input_u8(0).begin());
            group.step();
            currents.insert(currents.end(), group.output_f32(0).begin(), group.output_f32(0).end());
        }
        return currents;
    };
    const std::vector<float> second = replay(h);
    REQUIRE(std::memcmp(first.data(), second.data(), first.size() * sizeof(float)) == 0);
    CHECK(*std::max_element(first.begin(), first.end()) > 0.0f);

    auto fresh = synapses("traced_synapses",
                          {{"units", ints({int(P)})}, {"kernel", constant_kernel(0.7, 0.05)}, {"max_delay", 2.0}},
                          sync_spikes(N), 0.1, 4);
    fresh.step();  // a different step count: only the ages of the spikes in flight matter
    const std::vector<float> third = replay(fresh);
    REQUIRE(std::memcmp(first.data(), third.data(), first.size() * sizeof(float)) == 0);
}

TEST_CASE("A block kernel with block delays built on two threads is the one built on one, bit for bit",
          "[synapses][sparse][delays]") {
    // The microcircuit's form: normal weights redrawn below 0, normal delays redrawn below 1.5 steps, one
    // block per source population; the delays' blocks the kernel's (drawn concurrently) or one
    // initializer over every column (drawn row by row).
    constexpr std::size_t P = 700;
    const std::vector<std::pair<int, double>> sources{{500, 0.1}, {120, 0.3}, {380, 0.05}};
    Value::List weight_blocks, delay_blocks;
    for (const auto& [size, density] : sources) {
        weight_blocks.push_back(Value::Map{{"size", size}, {"initializer", "sparse_normal_initializer"}, {"mean", 87.8},
                                           {"stddev", 8.78}, {"density", density}, {"min_value", 0.0}, {"redraw", true}});
        delay_blocks.push_back(Value::Map{{"size", size}, {"initializer", "normal_initializer"}, {"mean", 15.5},
                                          {"stddev", 7.5}, {"min_value", 1.5}, {"redraw", true}});
    }
    const Value one_delay = Value::Map{{"initializer", "normal_initializer"}, {"mean", 15.5}, {"stddev", 7.5},
                                       {"min_value", 1.5}, {"redraw", true}};
    for (const Value& delays : {Value(Value::Map{{"initializer", "block_initializer"}, {"blocks", delay_blocks}}), one_delay}) {
        const Overrides o{{"units", ints({int(P)})},
                          {"tau", 0.5},
                          {"kernel", Value::Map{{"initializer", "block_initializer"}, {"blocks", weight_blocks}}},
                          {"max_delay", 6.0},
                          {"delays", delays}};
        auto build = [&](Parallel* parallel) {
            return Harness(components::builtin_registry(), "traced_synapses", o, {sync_spikes(1000)}, 0.1, 9, {}, parallel);
        };
        ThreadParallel two(2), two_reversed(2, /*reversed=*/true);
        for (Parallel* parallel : {static_cast<Parallel*>(&two), static_cast<Parallel*>(&two_reversed)}) {
            Harness serial = build(nullptr);
            REQUIRE(serial.as<TracedSynapses>().layout() == Layout::sparse);
            Harness threaded = build(parallel);
            REQUIRE(threaded.as<TracedSynapses>().memory().synapses == serial.as<TracedSynapses>().memory().synapses);
            spark::testing::Copy a, b;
            serial.component().visit_state(a);
            threaded.component().visit_state(b);
            REQUIRE(a.saved == b.saved);  // the weights in storage order, the traces
            SpikeSource source(1000, 0.05, 3);
            for (int t = 0; t < 80; ++t) {  // the delays: every current, bit for bit
                source.fill(serial.input_u8(0));
                std::copy(serial.input_u8(0).begin(), serial.input_u8(0).end(), threaded.input_u8(0).begin());
                serial.step();
                threaded.step();
                REQUIRE(std::memcmp(serial.output_f32(0).data(), threaded.output_f32(0).data(), P * sizeof(float)) == 0);
            }
        }
    }
}
