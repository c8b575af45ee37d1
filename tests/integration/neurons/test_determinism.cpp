// Same seed -> bit-identical spikes and state on every executor (sequential, tbb, pool) and for 1, 2 and 4 threads, on a
// recurrent network with delays, plasticity, Poisson input and a population large enough for the
// components to split their loops (design.md, "Graph and execution").
#include <catch2/catch.hpp>

#include <cstring>
#include <map>

#include <spark/graph/simulation.hpp>

#include "collect_state.hpp"

using namespace spark;
using namespace spark::graph;

namespace {

using spark::testing::Collect;

Network recurrent_network() {
    Network brain;
    brain.seed = 2024;
    brain.dt = 0.5;
    brain.add("rate", "constant_source", {{"units", Value::List{64}}, {"kind", "float"}, {"value", 0.6}})
        .add("spiker", "poisson_spiker", {{"max_freq", 80.0}})
        .add("exc", "alif_neuron", {{"units", Value::List{48}}, {"inhibitory_rate", 0.0},
                                    {"synapses.kernel.scale", 400.0}})
        .add("inh", "lif_neuron", {{"units", Value::List{16}}, {"inhibitory_rate", 1.0},
                                   {"synapses.kernel.scale", 300.0}})
        // A population big enough to be split in parallel chunks inside its components.
        .add("big", "traced_synapses", {{"units", Value::List{40000}},
                                        {"kernel", Value::Map{{"initializer", "sparse_uniform_initializer"},
                                                              {"scale", 900.0}, {"density", 0.05}}}})
        .add("big_soma", "leaky_soma", {{"initial.potential", Value::Map{{"initializer", "uniform_initializer"},
                                                                         {"scale", 19.0}}}})
        .add("readout", "exponential_integrator", {{"num_outputs", 4}})
        .connect("rate.output", "spiker.signal")
        .connect("spiker.spikes", "exc.in_spikes")
        .connect("exc.out_spikes", "exc.in_spikes")
        .connect("inh.out_spikes", "exc.in_spikes")
        .connect("exc.out_spikes", "inh.in_spikes")
        .connect("exc.out_spikes", "big.spikes")
        .connect("big.currents", "big_soma.current", Latency::same_step)
        .connect("exc.out_spikes", "readout.spikes")
        .output("signal", "readout.signal");
    return brain;
}

Collect run(ExecutorKind kind, unsigned threads, std::vector<std::uint8_t>& spikes_out) {
    BuildOptions o;
    o.executor = kind;
    o.threads = threads;
    auto sim = Simulation::build(recurrent_network(), {}, o);
    sim.run(500, [&](const Simulation& s) {
        for (const char* node : {"exc.soma", "inh.soma", "big_soma"}) {
            const auto codes = s.read(node, "spikes").u8();
            spikes_out.insert(spikes_out.end(), codes.begin(), codes.end());
        }
    });
    Collect state;
    sim.visit_state(state);
    return state;
}

}  // namespace

TEST_CASE("spikes and state are bit-identical on every executor and for 1, 2 and 4 threads", "[executor][determinism]") {
    std::vector<std::uint8_t> reference_spikes;
    const Collect reference = run(ExecutorKind::sequential, 1, reference_spikes);
    std::size_t total = 0;
    for (auto c : reference_spikes) total += c & spike::bit;
    REQUIRE(total > 100);  // the network is active: the comparison means something
    for (const ExecutorKind kind : {ExecutorKind::tbb, ExecutorKind::pool})
        for (unsigned threads : {1u, 2u, 4u}) {
            INFO((kind == ExecutorKind::tbb ? "tbb" : "pool") << " executor, " << threads << " threads");
            std::vector<std::uint8_t> spikes;
            const Collect state = run(kind, threads, spikes);
            CHECK(spikes == reference_spikes);
            REQUIRE(state.arrays.size() == reference.arrays.size());
            for (const auto& [name, bytes] : reference.arrays) {
                INFO("state " << name);
                CHECK(state.arrays.at(name) == bytes);
            }
        }
}

TEST_CASE("a different seed gives different spikes", "[executor][determinism]") {
    std::vector<std::uint8_t> a, b;
    (void)run(ExecutorKind::sequential, 1, a);
    auto net = recurrent_network();
    net.seed = 7;
    auto sim = Simulation::build(net);
    sim.run(500, [&](const Simulation& s) {
        for (const char* node : {"exc.soma", "inh.soma", "big_soma"}) {
            const auto codes = s.read(node, "spikes").u8();
            b.insert(b.end(), codes.begin(), codes.end());
        }
    });
    CHECK(a != b);
}
