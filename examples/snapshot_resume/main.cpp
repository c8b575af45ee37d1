// snapshot_resume: train a network with plasticity, save a snapshot, resume it in a NEW process and
// check that the resumed run is the uninterrupted run, bit for bit.
//
//   rate[32] (constant_source, 0.6) --> spiker (poisson_spiker, 80 Hz) --> pool (alif_neuron, 16)
//                                                                          |   ^   Hebbian rule on
//                                                                          +---+   pool.synapses.kernel
//                                                                          |       (self-connection,
//                                                                          v        previous step)
//                                                    readout (exponential_integrator, 2) --> signal
//
// Without arguments the program
//   1. builds the network and trains it for 500 steps,
//   2. saves a snapshot (save_snapshot: a temporary file, then a rename),
//   3. keeps running to step 1000 and notes the spikes of steps 500..1000 and a checksum of the
//      learned kernel,
//   4. starts itself again as "snapshot_resume resume <snapshot>": that process rebuilds the network
//      from the snapshot alone (restore_simulation), runs it to step 1000 and prints the same numbers,
//   5. compares the two lines.
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <filesystem>
#include <string>
#include <string_view>

#include <unistd.h>

#include <spark/graph/simulation.hpp>
#include <spark/serialization/snapshot.hpp>

using namespace spark;
using namespace spark::graph;

namespace {

constexpr std::int64_t kSaveAt = 500;
constexpr std::int64_t kEnd = 1000;

Network network() {
    Network brain;  // Brain semantics: previous-step wires between modules
    brain.seed = 2025;
    brain.dt = 1.0;
    brain.add("rate", "constant_source", {{"units", Value::List{32}}, {"kind", "float"}, {"value", 0.6}})
        .add("spiker", "poisson_spiker", {{"max_freq", 80.0}})
        .add("pool", "alif_neuron", {{"units", Value::List{16}}, {"synapses.kernel.scale", 300.0}})
        .add("readout", "exponential_integrator", {{"num_outputs", 2}})
        .connect("rate.output", "spiker.signal")
        .connect("spiker.spikes", "pool.in_spikes")
        .connect("pool.out_spikes", "pool.in_spikes")
        .connect("pool.out_spikes", "readout.spikes")
        .output("signal", "readout.signal");
    return brain;
}

// Runs to step kEnd; returns "step S, N spikes, kernel checksum C, readout R0 R1".
std::string finish(Simulation& sim) {
    long spikes = 0;
    sim.run(kEnd - sim.step_count(), [&](const Simulation& s) {
        for (auto code : s.read("pool.soma", "spikes").u8()) spikes += code & spike::bit;
    });
    const auto kernel = sim.read("pool.synapses", "kernel");
    const auto checksum = fnv1a({static_cast<const char*>(kernel.data), kernel.size * sizeof(float)});
    const auto signal = sim.output("signal").f32();
    char line[256];
    std::snprintf(line, sizeof line, "step %lld, %ld spikes since step %lld, kernel checksum %016llx, readout %.6f %.6f",
                  static_cast<long long>(sim.step_count()), spikes, static_cast<long long>(kSaveAt),
                  static_cast<unsigned long long>(checksum), static_cast<double>(signal[0]),
                  static_cast<double>(signal[1]));
    return line;
}

double mean_weight(const Simulation& sim) {
    double sum = 0;
    const auto kernel = sim.read("pool.synapses", "kernel").f32();
    for (float w : kernel) sum += w;
    return sum / static_cast<double>(kernel.size());
}

int resume(const std::filesystem::path& snapshot) {
    auto sim = serialization::restore_simulation(snapshot);  // description, state, random streams
    std::printf("resumed at step %lld (process %d)\n", static_cast<long long>(sim.step_count()), ::getpid());
    std::printf("%s\n", finish(sim).c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        if (argc == 3 && std::string_view(argv[1]) == "resume") return resume(argv[2]);

        auto sim = Simulation::build(network());
        const double before = mean_weight(sim);
        sim.run(kSaveAt);
        std::printf("trained %lld steps: mean weight %.4f -> %.4f pA\n", static_cast<long long>(kSaveAt), before,
                    mean_weight(sim));

        const auto snapshot = std::filesystem::temp_directory_path() /
                              ("spark_snapshot_resume_" + std::to_string(::getpid()) + ".snap");
        serialization::save_snapshot(sim, snapshot);
        std::printf("saved %s (%ju bytes)\n", snapshot.filename().c_str(),
                    static_cast<std::uintmax_t>(std::filesystem::file_size(snapshot)));
        const std::string uninterrupted = finish(sim);
        std::printf("uninterrupted: %s\n", uninterrupted.c_str());

        // The same program, in a new process, from the snapshot alone.
        const auto self = std::filesystem::read_symlink("/proc/self/exe");
        const std::string command = "'" + self.string() + "' resume '" + snapshot.string() + "'";
        std::FILE* child = ::popen(command.c_str(), "r");
        if (!child) throw std::runtime_error("cannot start " + command);
        std::string resumed, line;
        char buffer[512];
        while (std::fgets(buffer, sizeof buffer, child)) {
            line = buffer;
            if (!line.empty() && line.back() == '\n') line.pop_back();
            if (line.rfind("step ", 0) == 0) resumed = line;
            else std::printf("  [child] %s\n", line.c_str());
        }
        const int status = ::pclose(child);
        std::filesystem::remove(snapshot);
        std::printf("resumed:       %s\n", resumed.c_str());
        if (status != 0 || resumed != uninterrupted) {
            std::printf("MISMATCH: the resumed run differs from the uninterrupted run (child status %d)\n", status);
            return 1;
        }
        std::printf("resumed run matches the uninterrupted run bit for bit\n");
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "snapshot_resume: %s\n", e.what());
        return 1;
    }
}
