// Runs a network on one process or over the processes mpirun started, and prints a hash of its spikes
// and of its complete state afterwards (rank 0): what the MPI tests compare between process counts.
// Usage: mpi_network_hash NETWORK STEPS [--mpi] [--threads T] [--load SNAPSHOT] [--save SNAPSHOT]
//                         [--dry-run RANK/RANKS [--replay FILE]] [--record FILE]
//   NETWORK  cuba:N | microcircuit:SCALE | recurrent | plastic:N | delayed[:dense] | n2n:N | a network file
//   --mpi    run over the launched processes (rank 0 prints); --threads per process
//   --load   start from a snapshot (every process reads it); --save  write one after the run (rank 0)
//   --dry-run  one process playing RANK of RANKS (the others silent, or replaying the spikes of FILE);
//              prints what it exchanged
//   --record   write the run's spikes to FILE (graph::SpikeReplay), for a dry run to replay
//   --memory   every process prints its peak RSS and its resident memory after the run, before the state
//              is gathered, and its peak RSS after the gather (and the save) to rank 0 (stderr)
//   --epochs   reads no output between steps (the spike hash stays empty) and every process prints its
//              epoch, spike exchanges, bytes sent and seconds in them (stderr)
//   --no-overlap  block at each epoch's end instead of overlapping the exchange with the next epoch
//   --per-step    exchange the spikes every step (no epochs), for comparison
//   --gather-everywhere  gather the whole state on every process before the save and hash (as before
//                        gather_state_to), for comparison
//   NETWORK `delayed`: the recurrent populations with synaptic delays of 3-8 steps (epochs of 4 steps);
//           `delayed:dense`: the same with ei's kernel dense (delays through a ring); `n2n:N`: N units
//           driving themselves through N2N delays into a dense group
#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

#include <spark/core/error.hpp>
#include <spark/mpi/mpi.hpp>
#include <spark/serialization/network_file.hpp>
#include <spark/serialization/snapshot.hpp>

#include "cuba_network.hpp"
#include "microcircuit.hpp"

namespace {

using namespace spark;

struct Hash {
    std::uint64_t value = 1469598103934665603ull;
    void add(const void* data, std::size_t bytes) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < bytes; ++i) value = (value ^ p[i]) * 1099511628211ull;
    }
};

class StateHash final : public StateVisitor {
public:
    StateHash() : StateVisitor(StateAccess::read) {}
    Hash hash;
    void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
        hash.add(name.data(), name.size());
        hash.add(data, count * size_of(dtype));
    }
};

// A recurrent E/I network with Poisson background input, synaptic delays (ee) and a plastic inhibitory
// group (ii, Hebbian), at a size where every population is split over three processes.
graph::Network recurrent_network() {
    using graph::Latency;
    graph::Network net(Latency::same_step);
    net.seed = 7;
    net.dt = 0.1;
    using bench::cuba_soma;
    using bench::cuba_synapses;
    auto ee = cuba_synapses(3000, 5.0, 1.62, 0.02);
    ee.emplace_back("max_delay", 1.5);
    net.add("E", "strict_refractory_leaky_soma", cuba_soma(3000))
        .add("I", "strict_refractory_leaky_soma", cuba_soma(800))
        .add("I_sign", "inhibition_mask", {{"units", Value::List{800.0}}, {"inhibitory_rate", 1.0}})
        .add("bg_E", "poisson_source", {{"units", Value::List{3000.0}}, {"rate", 900.0}, {"weight", 0.6}, {"tau", 5.0}})
        .add("bg_I", "poisson_source", {{"units", Value::List{800.0}}, {"rate", 700.0}, {"weight", 0.6}})
        .add("ee", "traced_synapses", ee)
        .add("ie", "traced_synapses", cuba_synapses(800, 5.0, 1.62, 0.02))
        .add("ei", "traced_synapses", cuba_synapses(3000, 10.0, 9.0, 0.02))
        .add("ii", "traced_synapses", cuba_synapses(800, 10.0, 9.0, 0.05))
        .add("ii_rule", "hebbian_rule", {{"eta", 0.01}});
    // Each population sums its background current after the synaptic ones.
    bench::connect_cuba_populations(net);
    net.connect("bg_E.output", "E.current")
        .connect("bg_I.output", "I.current")
        .connect("I.spikes", "ii_rule.pre_spikes", Latency::previous_step)
        .connect("I.spikes", "ii_rule.post_spikes")
        .connect("ii.kernel", "ii_rule.kernel")
        .effect("ii.kernel", "ii_rule.kernel");
    return net;
}

// N units with Poisson background input and a dense recurrent group that a Hebbian rule learns (N^2
// synapses, 4 bytes each): the memory of a plastic group split by target rows.
graph::Network plastic_network(std::size_t n) {
    using graph::Latency;
    graph::Network net(Latency::same_step);
    net.seed = 3;
    net.dt = 0.1;
    const double units = static_cast<double>(n);
    net.add("E", "strict_refractory_leaky_soma", bench::cuba_soma(n))
        .add("bg", "poisson_source", {{"units", Value::List{units}}, {"rate", 900.0}, {"weight", 0.6}, {"tau", 5.0}})
        .add("ee", "traced_synapses",
             {{"units", Value::List{units}}, {"tau", 5.0}, {"layout", "dense"},
              {"kernel", Value::Map{{"initializer", "uniform_initializer"}, {"scale", 40.0 / units}}}})
        .add("ee_rule", "hebbian_rule", {{"eta", 0.001}})
        .connect("E.spikes", "ee.spikes", Latency::previous_step)
        .connect("ee.currents", "E.current")
        .connect("bg.output", "E.current")
        .connect("E.spikes", "ee_rule.pre_spikes", Latency::previous_step)
        .connect("E.spikes", "ee_rule.post_spikes")
        .connect("ee.kernel", "ee_rule.kernel")
        .effect("ee.kernel", "ee_rule.kernel");
    return net;
}

// The recurrent network's populations with every synapse group delayed by 3-8 steps (drawn per
// synapse: 3 + 9 U steps, clamped to B = 8), so that spikes cross processes once per epoch of 4 steps
// (a previous-step wire + 3).
// With `dense_ei`, ei keeps a dense kernel: its delays go through a ring of per-target input.
graph::Network delayed_network(bool dense_ei) {
    using graph::Latency;
    graph::Network net(Latency::same_step);
    net.seed = 9;
    net.dt = 0.1;
    auto delayed = [](std::size_t units, double tau, double weight, double density) {
        auto synapses = bench::cuba_synapses(units, tau, weight, density);
        synapses.emplace_back("max_delay", 0.8);
        synapses.emplace_back("delays", Value::Map{{"initializer", "uniform_initializer"}, {"offset", 3.0}});
        return synapses;
    };
    auto ei = delayed(3000, 10.0, 9.0, 0.02);
    if (dense_ei) ei.emplace_back("layout", "dense");
    net.add("E", "strict_refractory_leaky_soma", bench::cuba_soma(3000))
        .add("I", "strict_refractory_leaky_soma", bench::cuba_soma(800))
        .add("I_sign", "inhibition_mask", {{"units", Value::List{800.0}}, {"inhibitory_rate", 1.0}})
        .add("bg_E", "poisson_source", {{"units", Value::List{3000.0}}, {"rate", 900.0}, {"weight", 0.6}, {"tau", 5.0}})
        .add("bg_I", "poisson_source", {{"units", Value::List{800.0}}, {"rate", 700.0}, {"weight", 0.6}})
        .add("ee", "traced_synapses", delayed(3000, 5.0, 1.62, 0.02))
        .add("ie", "traced_synapses", delayed(800, 5.0, 1.62, 0.02))
        .add("ei", "traced_synapses", ei)
        .add("ii", "traced_synapses", delayed(800, 10.0, 9.0, 0.05));
    bench::connect_cuba_populations(net);
    net.connect("bg_E.output", "E.current").connect("bg_I.output", "I.current");
    return net;
}

// N units with Poisson input driving themselves through N2N delays of 1-8 steps into a dense group
// (per-synapse input): the delays split by post rows with the group.
graph::Network n2n_network(std::size_t n) {
    using graph::Latency;
    graph::Network net(Latency::same_step);
    net.seed = 5;
    net.dt = 0.1;
    const double units = static_cast<double>(n);
    net.add("E", "strict_refractory_leaky_soma", bench::cuba_soma(n))
        .add("bg", "poisson_source", {{"units", Value::List{units}}, {"rate", 900.0}, {"weight", 0.6}, {"tau", 5.0}})
        .add("d", "n2n_delays", {{"units", Value::List{units}}, {"max_delay", 0.8}})
        .add("ee", "traced_synapses",
             {{"units", Value::List{units}}, {"tau", 5.0}, {"layout", "dense"},
              {"kernel", Value::Map{{"initializer", "sparse_constant_initializer"}, {"scale", 1.62 * 1000.0 / units},
                                    {"density", 0.05}}}})
        .connect("E.spikes", "d.in_spikes", Latency::previous_step)
        .connect("d.out_spikes", "ee.spikes")
        .connect("ee.currents", "E.current")
        .connect("bg.output", "E.current");
    return net;
}

graph::Simulation build(const std::string& name, const graph::BuildOptions& options) {
    if (name.rfind("cuba:", 0) == 0) return graph::Simulation::build(bench::cuba_network(std::stoul(name.substr(5))), {}, options);
    if (name.rfind("microcircuit:", 0) == 0) {
        bench::MicrocircuitParams p;
        p.n_scaling = p.k_scaling = std::stod(name.substr(13));
        return graph::Simulation::build(bench::microcircuit_network(p), {}, options);
    }
    if (name == "recurrent") return graph::Simulation::build(recurrent_network(), {}, options);
    if (name.rfind("plastic:", 0) == 0)
        return graph::Simulation::build(plastic_network(std::stoul(name.substr(8))), {}, options);
    if (name == "delayed" || name == "delayed:dense")
        return graph::Simulation::build(delayed_network(name == "delayed:dense"), {}, options);
    if (name.rfind("n2n:", 0) == 0) return graph::Simulation::build(n2n_network(std::stoul(name.substr(4))), {}, options);
    return serialization::build_simulation(serialization::load_network_file(name), options);
}

// Linux: the peak resident set (VmHWM) is reset to the current one by writing 5 to clear_refs.
void reset_peak_resident() {
    if (std::FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
        std::fputs("5", f);
        std::fclose(f);
    }
}

// VmHWM of /proc/self/status in KB (-1 when unknown).
long peak_resident_kb() {
    long kb = -1;
    if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
        char line[256];
        while (std::fgets(line, sizeof line, f))
            if (std::sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
        std::fclose(f);
    }
    return kb;
}

int run(int argc, char** argv, std::optional<mpi::Session>& mpi) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: mpi_network_hash NETWORK STEPS [--mpi] [--threads T] [--load F] [--save F] "
                             "[--dry-run R/N [--replay F]] [--record F]\n");
        return 2;
    }
    graph::BuildOptions options;
    options.executor = graph::ExecutorKind::pool;
    std::string load, save, record, replay;
    std::optional<std::pair<int, int>> dry_run;
    bool memory = false, epochs = false, overlap = true, per_epoch = true, everywhere = false;
    for (int i = 3; i < argc; ++i) {
        const std::string flag = argv[i];
        const char* value = i + 1 < argc ? argv[i + 1] : "";
        if (flag == "--mpi") {
            mpi.emplace(argc, argv);
            options.processes = mpi->world();
        } else if (flag == "--memory") {
            memory = true;
        } else if (flag == "--epochs") {
            epochs = true;
        } else if (flag == "--no-overlap") {
            overlap = false;
        } else if (flag == "--per-step") {
            per_epoch = false;
        } else if (flag == "--gather-everywhere") {
            everywhere = true;
        } else if (flag == "--threads") {
            options.threads = static_cast<unsigned>(std::stoul(value));
            ++i;
        } else if (flag == "--load") {
            load = value;
            ++i;
        } else if (flag == "--save") {
            save = value;
            ++i;
        } else if (flag == "--dry-run") {
            const std::string v = value;
            dry_run.emplace(std::stoi(v.substr(0, v.find('/'))), std::stoi(v.substr(v.find('/') + 1)));
            ++i;
        } else if (flag == "--record" || flag == "--replay") {
            (flag == "--record" ? record : replay) = value;
            ++i;
        }
    }
    if (dry_run)
        options.processes = graph::dry_run_processes(
            dry_run->first, dry_run->second,
            replay.empty() ? nullptr : std::make_shared<const graph::SpikeReplay>(graph::SpikeReplay::load(replay)));
    if (options.processes) {
        options.processes->set_overlap(overlap);
        options.processes->set_exchange_per_epoch(per_epoch);
    }
    graph::SpikeReplay recording;
    const int rank = mpi ? mpi->rank() : 0;
    auto sim = build(argv[1], options);
    if (!load.empty()) serialization::load_snapshot(sim, load);
    Hash spikes;
    std::uint64_t count = 0;
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();  // this process's CPU time: the wall time of a loaded machine says little
    // --epochs reads nothing between steps (a read of a split output is a gather): the state hash only.
    const std::function<void(const graph::Simulation&)> no_reads;
    sim.run(std::stoll(argv[2]), epochs ? no_reads : [&](const graph::Simulation& s) {
        if (!record.empty()) recording.record(s);
        for (const auto& node : s.nodes())
            for (const auto& out : node.outputs) {
                if (out.spec.kind != PayloadKind::spikes) continue;
                const auto codes = s.read(node.path, out.name).u8();
                for (std::size_t u = 0; u < codes.size(); ++u)
                    if (codes[u] & spike::bit) {
                        const std::int64_t step = s.step_count();
                        spikes.add(&step, sizeof step);
                        spikes.add(node.path.data(), node.path.size());
                        spikes.add(&u, sizeof u);
                        ++count;
                    }
            }
    });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    if (memory) {
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        long pages = 0, resident = 0;  // /proc/self/statm: size and resident set, in pages
        if (std::FILE* statm = std::fopen("/proc/self/statm", "r")) {
            if (std::fscanf(statm, "%ld %ld", &pages, &resident) != 2) resident = 0;
            std::fclose(statm);
        }
        std::fprintf(stderr, "rank %d: peak RSS of the build and run %ld KB, resident after the run %ld KB\n", rank,
                     usage.ru_maxrss, resident * (sysconf(_SC_PAGESIZE) / 1024));
    }
    if (!record.empty() && rank == 0) recording.save(record);
    const std::uint64_t exchanged = options.processes ? options.processes->bytes_sent() : 0;
    const std::uint64_t spike_exchanges = options.processes ? options.processes->spike_exchanges() : 0;
    const double spike_seconds = options.processes ? options.processes->spike_exchange_seconds() : 0.0;
    // Only rank 0 (a dry run: the rank it plays) holds the whole state, to save and hash it.
    const int root = dry_run ? dry_run->first : 0;
    if (memory) reset_peak_resident();  // the peak of the gather (and save) alone, below
    if (everywhere) sim.gather_state();
    else sim.gather_state_to(root);
    StateHash state;
    if (rank == 0) {
        if (!save.empty()) serialization::save_snapshot(sim, save);
        sim.visit_state(state);
    }
    if (memory) {
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        std::fprintf(stderr, "rank %d: peak RSS after the state gathered %s%s %ld KB (of the gather alone: %ld KB)\n",
                     rank, everywhere ? "on every process" : "to rank 0", save.empty() ? "" : " and saved",
                     usage.ru_maxrss, peak_resident_kb());
    }
    if (options.processes && !mpi)
        std::printf("dry run: %llu exchanges, %llu bytes sent in the run, %.3f s (%.3f s CPU)\n",
                    static_cast<unsigned long long>(options.processes->exchanges()),
                    static_cast<unsigned long long>(exchanged), seconds, cpu_seconds);
    if (epochs)
        std::fprintf(stderr,
                     "rank %d: epoch %zu steps, %llu spike exchanges, %llu bytes sent, %.6f s in them, run loop %.3f s "
                     "(%.3f s CPU)\n",
                     rank, options.processes ? options.processes->epoch_steps() : std::size_t{0}, static_cast<unsigned long long>(spike_exchanges),
                     static_cast<unsigned long long>(exchanged), spike_seconds, seconds, cpu_seconds);
    if (rank == 0)
        std::printf("spikes %llu %016llx state %016llx\n", static_cast<unsigned long long>(count),
                    static_cast<unsigned long long>(spikes.value), static_cast<unsigned long long>(state.hash.value));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<spark::mpi::Session> mpi;
    try {
        return run(argc, argv, mpi);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mpi_network_hash: rank %d: %s\n", mpi ? mpi->rank() : 0, e.what());
        if (mpi && mpi->size() > 1) mpi->abort(1);
        return 1;
    }
}
