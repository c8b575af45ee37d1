// Runs the CUBA network (cuba_network.hpp) and prints one JSON line in the same form as
// brian2_cuba.py: n, synapses, spikes, rate_hz, loop_s (the simulation loop, build excluded),
// build_s, process peak RSS, bytes per synapse.
//
// Usage: spark_cuba N [--duration-ms 1000] [--threads T] [--executor auto|sequential|tbb|pool] [--seed S]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <spark/components/synapses/traced_synapses.hpp>
#include <spark/core/spike_index.hpp>
#include <spark/graph/simulation.hpp>

#include "cuba_network.hpp"
#include "runner.hpp"

using namespace spark;
using namespace spark::graph;

int main(int argc, char** argv) {
    const std::size_t n = argc < 2 ? 0 : std::strtoull(argv[1], nullptr, 10);
    if (n < 5) {  // 80 % excitatory needs a few units of each kind
        std::fprintf(stderr, "usage: spark_cuba N [--duration-ms MS] [--threads T] [--executor auto|sequential|tbb|pool] [--seed S]\n");
        return 2;
    }
    double duration_ms = 1000.0;
    unsigned threads = 1;
    std::uint64_t seed = 1;
    std::string executor_flag = "auto";
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--duration-ms") duration_ms = std::atof(argv[i + 1]);
        else if (flag == "--threads") threads = static_cast<unsigned>(std::atoi(argv[i + 1]));
        else if (flag == "--seed") seed = std::strtoull(argv[i + 1], nullptr, 10);
        else if (flag == "--executor") executor_flag = argv[i + 1];
        else {
            std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
            return 2;
        }
    }
    const auto executor = bench::parse_executor(executor_flag, threads);
    if (!executor) return 2;
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    BuildOptions options;
    options.executor = *executor;
    options.threads = threads;
    auto sim = Simulation::build(bench::cuba_network(n, seed), {}, options);
    const auto t1 = clock::now();
    const double cpu1 = bench::cpu_seconds();
    CALLGRIND_START_INSTRUMENTATION;
    const auto steps = static_cast<std::int64_t>(duration_ms / sim.dt() + 0.5);
    long spikes = 0;
    // Count spikes as a recorder would, after every step (reading the live buffers).
    sim.run(steps, [&](const Simulation& s) {
        spikes += static_cast<long>(count_spikes(s.read("E", "spikes")));
        spikes += static_cast<long>(count_spikes(s.read("I", "spikes")));
    });
    CALLGRIND_STOP_INSTRUMENTATION;
    const auto t2 = clock::now();
    const double cpu2 = bench::cpu_seconds();
    // Stored synapses and their connectivity bytes (weights, indices, column starts), summed over groups.
    std::size_t synapses = 0;
    double bytes = 0;
    for (const char* group : {"ee", "ie", "ei", "ii"}) {
        const auto* traced = dynamic_cast<const components::synapses::TracedSynapses*>(&sim.component(group));
        if (traced == nullptr) {
            std::fprintf(stderr, "node %s is not a TracedSynapses\n", group);
            return 1;
        }
        const auto memory = traced->memory();
        synapses += memory.synapses;
        bytes += static_cast<double>(memory.connectivity_bytes);
    }
    std::printf("{\"tool\": \"spark-%s-%u\", \"n\": %zu, \"synapses\": %zu, \"spikes\": %ld, \"rate_hz\": %.4f, "
                "\"loop_s\": %.6f, \"loop_cpu_s\": %.6f, \"build_s\": %.6f, \"peak_rss_mb\": %.1f, \"bytes_per_synapse\": %.2f}\n",
                bench::executor_name(*executor), threads, n, synapses, spikes,
                static_cast<double>(spikes) / static_cast<double>(n) / (duration_ms / 1000.0),
                std::chrono::duration<double>(t2 - t1).count(), cpu2 - cpu1, std::chrono::duration<double>(t1 - t0).count(),
                bench::peak_rss_mb(), synapses ? bytes / static_cast<double>(synapses) : 0.0);
    return 0;
}
