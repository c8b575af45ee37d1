// Runs a learning network from a network file and prints one JSON line: the per-step time of the
// simulation loop (build excluded), the spikes, threads and executor (issue 21).
//
// Usage: spark_learning FILE [--steps N] [--threads T] [--executor auto|sequential|tbb|pool] [--reference]
//                            [--set NODE.PATH=NUMBER ...]
//   FILE         a network file; its FloatArray inputs are driven as in the CartPole tutorial's episode
//                phase when they are named like ab_brain.txtpb's (signal: a smooth random observation
//                in [-1, 1]; mod_*_ex: the passive modulation -0.0001; mod_*_in: 0.25 x that); other
//                networks (examples/networks/default.txtpb) have no inputs.
//   --set        overrides a number of a node, e.g. --set A_excitatory.synapses.kernel.scale=18 (the
//                activity of ab_brain.txtpb's tutorial parameters is ~1 Hz; the peer rates are 40-90)
//   --reference  build with the dense reference forms (components::dense_reference()), when this
//                build has them: the same results, the cost before the event forms.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#if __has_include(<spark/components/reference_mode.hpp>)
#include <spark/components/reference_mode.hpp>
#define SPARK_HAS_REFERENCE_MODE 1
#endif
#include <spark/core/spike_index.hpp>
#include <spark/serialization/network_file.hpp>

#include "runner.hpp"

using namespace spark;

namespace {

struct Args {
    std::string path;
    long steps = 1000;
    unsigned threads = 1;
    std::string executor = "auto";
    bool reference = false;
    std::vector<std::pair<std::string, double>> sets;  // --set NODE.PATH=NUMBER
};

// The command line; nullopt (after a message) when it is wrong.
std::optional<Args> parse_args(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: spark_learning FILE [--steps N] [--threads T] [--executor E] [--reference]\n");
        return std::nullopt;
    }
    Args a;
    a.path = argv[1];
    for (int i = 2; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--reference") a.reference = true;
        else if (i + 1 < argc && flag == "--steps") a.steps = std::atol(argv[++i]);
        else if (i + 1 < argc && flag == "--threads") a.threads = static_cast<unsigned>(std::atoi(argv[++i]));
        else if (i + 1 < argc && flag == "--executor") a.executor = argv[++i];
        else if (i + 1 < argc && flag == "--set") {
            const std::string text = argv[++i];
            const auto eq = text.find('=');
            if (eq == std::string::npos) {
                std::fprintf(stderr, "--set %s: expected NODE.PATH=NUMBER\n", text.c_str());
                return std::nullopt;
            }
            a.sets.emplace_back(text.substr(0, eq), std::atof(text.c_str() + eq + 1));
        } else {
            std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
            return std::nullopt;
        }
    }
    return a;
}

// Adds each --set to its node's config; false (after a message) for a node the file lacks.
bool apply_sets(serialization::NetworkFile& file, const Args& a) {
    for (const auto& [target, value] : a.sets) {
        const auto dot = target.find('.');
        bool found = false;
        for (auto& node : file.network.nodes)
            if (dot != std::string::npos && node.name == target.substr(0, dot)) {
                node.config.emplace_back(target.substr(dot + 1), Value(value));
                found = true;
            }
        if (!found) {
            std::fprintf(stderr, "--set %s: no such node\n", target.c_str());
            return false;
        }
    }
    return true;
}

// Episode-phase inputs (spark-reference.md 12.6): observation / (2.4, 2.5, 0.2095, 3.5) clipped to
// [-1, 1], here a smooth random walk; modulation: the passive excitatory value, inhibitory 0.25 x.
// Networks without ab_brain's inputs are not driven.
class EpisodeDrive {
public:
    explicit EpisodeDrive(const serialization::NetworkFile& file)
        : file_(file), cartpole_(file.input_specs.count("signal") != 0) {}
    void operator()(graph::Simulation& sim) {
        if (!cartpole_) return;
        auto signal = sim.input("signal").f32();
        for (std::size_t k = 0; k < 4; ++k) {
            observation_[k] = std::clamp(observation_[k] + step_noise_(gen_), -1.0f, 1.0f);
            signal[k] = observation_[k];
        }
        for (const auto& [name, spec] : file_.input_specs) {
            if (name.rfind("mod_", 0) != 0) continue;
            const bool inhibitory = name.size() > 3 && name.compare(name.size() - 3, 3, "_in") == 0;
            sim.input(name).f32()[0] = inhibitory ? 0.25f * -0.0001f : -0.0001f;
        }
    }

private:
    const serialization::NetworkFile& file_;
    bool cartpole_;
    std::mt19937 gen_{1};
    std::normal_distribution<float> step_noise_{0.0f, 0.02f};
    float observation_[4] = {0.0f, 0.0f, 0.0f, 0.0f};
};

// Spike sources counted per step: every soma, and the input spiker of ab_brain.
std::vector<std::string> spike_sources(const graph::Simulation& sim) {
    std::vector<std::string> sources;
    for (const auto& node : sim.nodes())
        if ((node.path.size() > 5 && node.path.compare(node.path.size() - 5, 5, ".soma") == 0) || node.path == "spiker")
            sources.push_back(node.path);
    return sources;
}

}  // namespace

int main(int argc, char** argv) {
    const auto args = parse_args(argc, argv);
    if (!args) return 2;
    const Args& a = *args;
#ifdef SPARK_HAS_REFERENCE_MODE
    components::set_dense_reference(a.reference);
#else
    if (a.reference) {
        std::fprintf(stderr, "--reference: this build has no dense reference mode\n");
        return 2;
    }
#endif
    const auto kind = bench::parse_executor(a.executor, a.threads);
    if (!kind) return 2;
    auto file = serialization::load_network_file(a.path);
    if (!apply_sets(file, a)) return 2;
    graph::BuildOptions options;
    options.executor = *kind;
    options.threads = a.threads;
    const auto t0 = std::chrono::steady_clock::now();
    auto sim = serialization::build_simulation(file, options);
    const auto t1 = std::chrono::steady_clock::now();

    EpisodeDrive drive(file);
    const std::vector<std::string> sources = spike_sources(sim);
    std::vector<std::size_t> fired(sources.size(), 0);
    std::size_t units = 0;
    for (const auto& node : sources) units += node == "spiker" ? 0 : sim.read(node, "spikes").size;

    double loop_s = 0.0;
    const double cpu0 = bench::cpu_seconds();
    CALLGRIND_START_INSTRUMENTATION;
    for (long t = 0; t < a.steps; ++t) {
        drive(sim);
        const auto start = std::chrono::steady_clock::now();
        sim.step();
        loop_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        for (std::size_t k = 0; k < sources.size(); ++k) fired[k] += count_spikes(sim.read(sources[k], "spikes"));
    }
    CALLGRIND_STOP_INSTRUMENTATION;
    const double cpu_s = bench::cpu_seconds() - cpu0;
    const double seconds = static_cast<double>(a.steps) * sim.dt() / 1000.0;
    std::size_t spikes = 0;
    std::string rates;
    for (std::size_t k = 0; k < sources.size(); ++k) {
        const auto n = static_cast<double>(sim.read(sources[k], "spikes").size);
        if (sources[k] != "spiker") spikes += fired[k];
        char entry[128];
        std::snprintf(entry, sizeof entry, "%s\"%s\": %.1f", rates.empty() ? "" : ", ", sources[k].c_str(),
                      static_cast<double>(fired[k]) / n / seconds);
        rates += entry;
    }
    std::printf("{\"network\": \"%s\", \"mode\": \"%s\", \"executor\": \"%s\", \"threads\": %u, \"steps\": %ld, "
                "\"loop_s\": %.4f, \"ms_per_step\": %.4f, \"cpu_s\": %.4f, \"build_s\": %.3f, \"units\": %zu, "
                "\"cpu_ms_per_step\": %.4f, \"rate_hz\": %.2f, \"rates_hz\": {%s}, \"peak_rss_mb\": %.1f}\n",
                a.path.c_str(), a.reference ? "reference" : "event", bench::executor_name(*kind), a.threads, a.steps,
                loop_s, 1000.0 * loop_s / static_cast<double>(a.steps), cpu_s,
                std::chrono::duration<double>(t1 - t0).count(), units, 1000.0 * cpu_s / static_cast<double>(a.steps),
                units ? static_cast<double>(spikes) / static_cast<double>(units) / seconds : 0.0, rates.c_str(),
                bench::peak_rss_mb());
    return 0;
}
