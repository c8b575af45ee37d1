// Smoke versions of the benchmark networks (bench/cuba_network.hpp, bench/microcircuit.hpp): small N,
// few steps. They must build, deliver the expected synapse counts, fire at plausible rates and give the
// same spikes on one and two threads. Rates and times at full size are measured in bench/, not here.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include <spark/components/synapses/traced_synapses.hpp>
#include <spark/core/spike_index.hpp>
#include <spark/graph/simulation.hpp>
#include <spark/serialization/network_file.hpp>

#include "cuba_network.hpp"
#include "microcircuit.hpp"

using namespace spark;
using namespace spark::graph;
using spark::components::synapses::TracedSynapses;

namespace {
Simulation build(const Network& net, unsigned threads, ExecutorKind parallel = ExecutorKind::tbb) {
    BuildOptions o;
    o.executor = threads > 1 ? parallel : ExecutorKind::sequential;
    o.threads = threads;
    return Simulation::build(net, {}, o);
}

// Spike counts per named population, per step, for `steps` steps.
std::vector<std::vector<std::size_t>> run(Simulation& sim, const std::vector<std::string>& populations, int steps) {
    std::vector<std::vector<std::size_t>> counts(populations.size());
    sim.run(steps, [&](const Simulation& s) {
        for (std::size_t a = 0; a < populations.size(); ++a)
            counts[a].push_back(count_spikes(s.read(populations[a], "spikes")));
    });
    return counts;
}
}  // namespace

TEST_CASE("CUBA (N = 4000) builds its 2 % connectivity and fires near Brian2's 5.6 Hz", "[integration][bench]") {
    const std::size_t n = 4000;
    auto sim = build(bench::cuba_network(n), 1);
    std::size_t synapses = 0;
    for (const char* group : {"ee", "ie", "ei", "ii"}) {
        const auto& s = dynamic_cast<const TracedSynapses&>(sim.component(group));
        synapses += s.memory().synapses;
        CHECK(s.bytes_per_synapse() <= 8.0);
    }
    // N^2 pairs at p = 80 / N: 320 000 synapses, binomial sd ~565.
    CHECK(std::abs(static_cast<double>(synapses) - 320000.0) < 5.0 * std::sqrt(320000.0));
    const int steps = 3000;  // 300 ms
    const auto counts = run(sim, {"E", "I"}, steps);
    double spikes = 0;
    for (const auto& c : counts)
        for (auto x : c) spikes += static_cast<double>(x);
    const double rate = spikes / static_cast<double>(n) / (steps * 0.1 / 1000.0);
    INFO("rate " << rate << " Hz");
    CHECK(rate > 2.0);  // Brian2's CUBA: 5.6 Hz at N = 4000 over 1 s (bench/results)
    CHECK(rate < 12.0);
}

TEST_CASE("CUBA gives the same spikes on one and two threads", "[integration][bench]") {
    auto one = build(bench::cuba_network(20000, 3), 1);
    const auto expected = run(one, {"E", "I"}, 300);
    for (const ExecutorKind kind : {ExecutorKind::tbb, ExecutorKind::pool}) {
        auto two = build(bench::cuba_network(20000, 3), 2, kind);
        CHECK(run(two, {"E", "I"}, 300) == expected);
    }
}

TEST_CASE("The microcircuit at 5 % size builds and every population fires at a plausible rate",
          "[integration][bench]") {
    bench::MicrocircuitParams p;
    p.n_scaling = 0.05;
    p.k_scaling = 0.05;
    auto sim = build(bench::microcircuit_network(p), 2);
    using M = bench::Microcircuit;
    const auto sizes = bench::microcircuit_sizes(p);
    // Expected synapses: the scaled in-degrees times the scaled populations.
    double expected = 0.0;
    std::size_t synapses = 0;
    for (std::size_t a = 0; a < M::populations; ++a) {
        for (std::size_t b = 0; b < M::populations; ++b)
            expected += M::full_synapses(a, b) / M::full_n[a] * p.k_scaling * static_cast<double>(sizes[a]);
        synapses += dynamic_cast<const TracedSynapses&>(sim.component("syn_" + std::string(M::names[a]))).memory().synapses;
    }
    CHECK(std::abs(static_cast<double>(synapses) - expected) < 5.0 * std::sqrt(expected));
    std::vector<std::string> names(M::names.begin(), M::names.end());
    const int steps = 4000;  // 400 ms; rates over the last 300 ms
    const auto counts = run(sim, names, steps);
    for (std::size_t a = 0; a < M::populations; ++a) {
        double spikes = 0;
        for (int t = 1000; t < steps; ++t) spikes += static_cast<double>(counts[a][static_cast<std::size_t>(t)]);
        const double rate = spikes / static_cast<double>(sizes[a]) / 0.3;
        INFO(M::names[a] << ": " << rate << " Hz, published " << M::nest_rates[a] << " Hz");
        // Plausible: within a factor 4 of the published full-scale rate (a down-scaled network with DC
        // compensation, 300 ms, a few hundred neurons per population).
        CHECK(rate > M::nest_rates[a] / 4.0);
        CHECK(rate < M::nest_rates[a] * 4.0);
    }
}

TEST_CASE("The benchmark network files are the C++ builders' networks", "[integration][bench]") {
    SECTION("cuba_4000.txtpb runs to the same spikes as bench::cuba_network(4000)") {
        const auto file = serialization::load_network_file(SPARK_NETWORKS_DIR "/cuba_4000.txtpb");
        auto from_file = serialization::build_simulation(file);
        auto from_code = build(bench::cuba_network(4000), 1);
        CHECK(run(from_file, {"E", "I"}, 500) == run(from_code, {"E", "I"}, 500));
    }
    SECTION("every file reads back to its builder's description") {
        for (std::size_t n : {4000u, 20000u, 80000u, 320000u}) {
            const auto file = serialization::load_network_file(std::string(SPARK_NETWORKS_DIR) + "/cuba_" +
                                                               std::to_string(n) + ".txtpb");
            CHECK(serialization::to_network_text(file.network) == serialization::to_network_text(bench::cuba_network(n)));
        }
        const auto file = serialization::load_network_file(SPARK_NETWORKS_DIR "/microcircuit.txtpb");
        CHECK(serialization::to_network_text(file.network) ==
              serialization::to_network_text(bench::microcircuit_network()));
    }
}
