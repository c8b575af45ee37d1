// Runs the Potjans & Diesmann (2014) microcircuit (microcircuit.hpp) and prints one JSON line: neurons,
// synapses, bytes per synapse, build time, loop time (the simulation loop, build excluded, spike
// counting per step included), real-time factor (loop wall time / biological time), spikes and the
// rate of each population over [--rate-from-ms, end), beside the published rates; peak RSS.
//
// Usage: spark_microcircuit [--duration-ms 1000] [--rate-from-ms 100] [--threads T] [--executor auto|tbb|pool]
//                           [--n-scaling 1] [--k-scaling 1] [--seed S] [--v0 optimized|original]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <spark/components/synapses/traced_synapses.hpp>
#include <spark/core/spike_index.hpp>
#include <spark/graph/simulation.hpp>

#include "microcircuit.hpp"
#include "runner.hpp"

using namespace spark;
using namespace spark::graph;

int main(int argc, char** argv) {
    double duration_ms = 1000.0, rate_from_ms = 100.0;
    unsigned threads = 1;
    std::string executor_flag = "auto";
    bench::MicrocircuitParams params;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--duration-ms") duration_ms = std::atof(argv[i + 1]);
        else if (flag == "--rate-from-ms") rate_from_ms = std::atof(argv[i + 1]);
        else if (flag == "--threads") threads = static_cast<unsigned>(std::atoi(argv[i + 1]));
        else if (flag == "--executor") executor_flag = argv[i + 1];
        else if (flag == "--n-scaling") params.n_scaling = std::atof(argv[i + 1]);
        else if (flag == "--k-scaling") params.k_scaling = std::atof(argv[i + 1]);
        else if (flag == "--seed") params.seed = std::strtoull(argv[i + 1], nullptr, 10);
        else if (flag == "--v0") params.optimized_v0 = std::string(argv[i + 1]) != "original";
        else {
            std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
            return 2;
        }
    }
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    BuildOptions options;
    const auto executor = bench::parse_executor(executor_flag, threads);
    if (!executor) return 2;
    options.executor = *executor;
    options.threads = threads;
    auto sim = Simulation::build(bench::microcircuit_network(params), {}, options);
    const auto t1 = clock::now();
    const double cpu1 = bench::cpu_seconds();
    CALLGRIND_START_INSTRUMENTATION;
    using M = bench::Microcircuit;
    const auto steps = static_cast<std::int64_t>(duration_ms / sim.dt() + 0.5);
    const auto from = static_cast<std::int64_t>(rate_from_ms / sim.dt() + 0.5);
    std::vector<long> spikes(M::populations, 0);
    long all_spikes = 0;
    sim.run(steps, [&](const Simulation& s) {
        const bool counted = s.step_count() > from;  // the step just done is step_count() - 1
        for (std::size_t a = 0; a < M::populations; ++a) {
            const auto n = static_cast<long>(count_spikes(s.read(M::names[a], "spikes")));
            all_spikes += n;
            if (counted) spikes[a] += n;
        }
    });
    CALLGRIND_STOP_INSTRUMENTATION;
    const auto t2 = clock::now();
    const double cpu2 = bench::cpu_seconds();
    std::size_t synapses = 0, neurons = 0;
    double bytes = 0.0;
    for (std::size_t a = 0; a < M::populations; ++a) {
        const auto& syn = dynamic_cast<const components::synapses::TracedSynapses&>(
            sim.component("syn_" + std::string(M::names[a])));
        synapses += syn.memory().synapses;
        bytes += static_cast<double>(syn.memory().connectivity_bytes);
        neurons += sim.spec(M::names[a], "spikes").size();
    }
    const double loop_s = std::chrono::duration<double>(t2 - t1).count();
    const double window_s = (duration_ms - rate_from_ms) / 1000.0;
    std::string rates = "{", published = "{";
    for (std::size_t a = 0; a < M::populations; ++a) {
        const double n = static_cast<double>(sim.spec(M::names[a], "spikes").size());
        char buffer[96];
        std::snprintf(buffer, sizeof buffer, "%s\"%s\": %.3f", a ? ", " : "", M::names[a],
                      static_cast<double>(spikes[a]) / n / window_s);
        rates += buffer;
        std::snprintf(buffer, sizeof buffer, "%s\"%s\": %.3f", a ? ", " : "", M::names[a], M::nest_rates[a]);
        published += buffer;
    }
    rates += "}";
    published += "}";
    std::printf("{\"tool\": \"spark-microcircuit-%s-%u\", \"n\": %zu, \"synapses\": %zu, \"bytes_per_synapse\": %.2f, "
                "\"build_s\": %.3f, \"loop_s\": %.3f, \"loop_cpu_s\": %.3f, \"bio_s\": %.3f, \"rtf\": %.3f, \"spikes\": %ld, "
                "\"rates_hz\": %s, \"rates_from_ms\": %.1f, \"nest_rates_hz\": %s, \"peak_rss_mb\": %.1f}\n",
                bench::executor_name(*executor), threads, neurons, synapses, bytes / static_cast<double>(synapses),
                std::chrono::duration<double>(t1 - t0).count(), loop_s, cpu2 - cpu1, duration_ms / 1000.0,
                loop_s / (duration_ms / 1000.0), all_spikes, rates.c_str(), rate_from_ms, published.c_str(),
                bench::peak_rss_mb());
    return 0;
}
