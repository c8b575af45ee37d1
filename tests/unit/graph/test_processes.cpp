// Runs over several processes without MPI: how units are dealt out, and a dry run (one process playing
// one rank of a larger run) stepping exactly its share.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>

#include <spark/core/error.hpp>
#include <spark/graph/processes.hpp>
#include <spark/graph/simulation.hpp>

using namespace spark;
using namespace spark::graph;

TEST_CASE("unit blocks deal a population out in contiguous lines of 64 units, by rank", "[graph][processes]") {
    for (std::size_t units : {1u, 63u, 64u, 65u, 800u, 4096u, 21915u}) {
        for (int ranks : {1, 2, 3, 7, 1024}) {
            std::size_t next = 0;
            for (int r = 0; r < ranks; ++r) {
                const UnitBlock b = unit_block(units, r, ranks);
                INFO(units << " units, rank " << r << " of " << ranks);
                REQUIRE(b.begin == next);
                REQUIRE(b.end >= b.begin);
                REQUIRE((b.begin % unit_block_grain == 0 || b.begin == units));
                REQUIRE((b.end % unit_block_grain == 0 || b.end == units));
                next = b.end;
            }
            REQUIRE(next == units);
        }
    }
    // Lines differ by at most one between ranks.
    const UnitBlock first = unit_block(21915, 0, 3), last = unit_block(21915, 2, 3);
    REQUIRE(first.end - first.begin == 114 * 64);
    REQUIRE(last.end == 21915);
}

TEST_CASE("a dry run names a rank outside its process count", "[graph][processes]") {
    REQUIRE_THROWS_AS(dry_run_processes(2, 2), Error);
    REQUIRE_THROWS_WITH(dry_run_processes(2, 2), Catch::Contains("rank must be in 0..1"));
    REQUIRE_THROWS_WITH(dry_run_processes(-1, 4), Catch::Contains("rank must be in 0..3"));
}

namespace {
// Poisson input into a population of somas: no recurrence, so every unit's spikes are a function of
// its own input only.
Network feedforward(std::size_t units) {
    Network net(Latency::same_step);
    net.seed = 3;
    net.add("bg", "poisson_source", {{"units", Value::List{static_cast<double>(units)}}, {"rate", 4000.0},
                                     {"weight", 60.0}, {"tau", 2.0}})
        .add("soma", "leaky_soma")
        .connect("bg.output", "soma.current")
        .output("spikes", "soma.spikes");
    return net;
}
}  // namespace

TEST_CASE("a dry run steps its rank's block exactly as a whole run does and leaves the others silent",
          "[graph][processes]") {
    const std::size_t units = 5000;
    const int ranks = 3, rank = GENERATE(0, 1, 2);
    const UnitBlock mine = unit_block(units, rank, ranks);
    auto whole = Simulation::build(feedforward(units));
    BuildOptions options;
    options.processes = dry_run_processes(rank, ranks);
    auto share = Simulation::build(feedforward(units), {}, options);
    std::size_t spikes = 0;
    for (int step = 0; step < 100; ++step) {
        whole.step();
        share.step();
        const auto a = whole.output("spikes").u8();
        const auto b = share.output("spikes").u8();
        for (std::size_t u = 0; u < units; ++u) {
            const bool in_block = u >= mine.begin && u < mine.end;
            if (in_block) spikes += (a[u] & spike::bit) != 0;
            if (in_block ? a[u] != b[u] : b[u] != 0) FAIL("step " << step << " unit " << u << ": " << int(a[u]) << " / " << int(b[u]));
        }
    }
    REQUIRE(spikes > 100);  // the block fired: the comparison saw spikes
    REQUIRE(options.processes->exchanges() == 100);  // one gather of the spikes per step
}

namespace {
// Spikes from a network input (whole on every process) into a synapse group with per-synapse delays
// (the sparse layout's spikes in flight), so the currents of a share depend on nothing exchanged.
Network delayed_group(std::size_t post) {
    Network net(Latency::same_step);
    net.seed = 5;
    net.add("syn", "traced_synapses",
            {{"units", Value::List{static_cast<double>(post)}}, {"tau", 2.0}, {"max_delay", 2.0},
             {"kernel", Value::Map{{"initializer", "sparse_uniform_initializer"}, {"scale", 10.0}, {"density", 0.1}}},
             {"delays", Value::Map{{"initializer", "uniform_initializer"}}}})
        .input("pre", "syn.spikes")
        .output("currents", "syn.currents");
    return net;
}
}  // namespace

TEST_CASE("a dry run steps the targets of its rank's block of a delayed synapse group exactly as a whole run does",
          "[graph][processes]") {
    const std::size_t pre = 400, post = 3000;
    const int ranks = 3, rank = GENERATE(0, 1, 2);
    const UnitBlock mine = unit_block(post, rank, ranks);
    const std::map<std::string, PortSpec> inputs{{"pre", PortSpec(PayloadKind::spikes, Shape{pre})}};
    auto whole = Simulation::build(delayed_group(post), inputs);
    BuildOptions options;
    options.processes = dry_run_processes(rank, ranks);
    auto share = Simulation::build(delayed_group(post), inputs, options);
    std::size_t driven = 0;
    for (int step = 0; step < 60; ++step) {
        for (Simulation* sim : {&whole, &share}) {
            auto codes = sim->input("pre").u8();
            for (std::size_t j = 0; j < pre; ++j)
                codes[j] = (j * 7 + static_cast<std::size_t>(step) * 3) % 29 == 0 ? spike::bit : 0;
            sim->step();
        }
        const auto a = whole.output("currents").f32();
        const auto b = share.output("currents").f32();
        for (std::size_t p = 0; p < post; ++p) {
            const bool in_block = p >= mine.begin && p < mine.end;
            if (in_block) driven += a[p] != 0.0f;
            // The other targets were never stepped here: their traces stay at rest.
            if (in_block ? std::memcmp(&a[p], &b[p], sizeof(float)) != 0 : b[p] != 0.0f)
                FAIL("step " << step << " target " << p << ": " << a[p] << " / " << b[p]);
        }
    }
    REQUIRE(driven > 1000);  // the delayed spikes arrived in the block: the comparison saw currents
}
