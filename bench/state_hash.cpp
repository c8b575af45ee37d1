// Prints, for a network file, a hash of its spikes and of its complete state after N steps, on a
// given executor and thread count: the check that a change of the build or run core keeps every
// network bit-identical (run it before and after; the hashes must agree).
// Usage: state_hash NETWORK_FILE STEPS [sequential|tbb|pool|mpi] [THREADS] [INPUT=VALUE...]
// `mpi` (under mpirun; THREADS per process) runs over the launched processes, rank 0 printing.
// INPUT=VALUE: every element of the network input INPUT (a FloatArray) holds VALUE in every step (e.g.
// ab_brain's modulation inputs, so that its learning rules change the kernels).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <spark/serialization/network_file.hpp>
#ifdef SPARK_STATE_HASH_WITH_MPI
#include <spark/mpi/mpi.hpp>
#endif

namespace {

// FNV-1a over bytes.
struct Hash {
    std::uint64_t value = 1469598103934665603ull;
    void add(const void* data, std::size_t bytes) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < bytes; ++i) value = (value ^ p[i]) * 1099511628211ull;
    }
};

class StateHash final : public spark::StateVisitor {
public:
    StateHash() : spark::StateVisitor(spark::StateAccess::read) {}
    Hash hash;
    void visit(std::string_view name, spark::DType dtype, void* data, std::size_t count) override {
        hash.add(name.data(), name.size());
        hash.add(data, count * spark::size_of(dtype));
    }
};

spark::graph::ExecutorKind executor_kind(const std::string& name) {
    if (name == "tbb") return spark::graph::ExecutorKind::tbb;
    if (name == "pool") return spark::graph::ExecutorKind::pool;
    return spark::graph::ExecutorKind::sequential;
}

int run(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: state_hash NETWORK_FILE STEPS [sequential|tbb|pool|mpi] [THREADS] [INPUT=VALUE...]\n");
        return 2;
    }
    const auto file = spark::serialization::load_network_file(argv[1]);
    spark::graph::BuildOptions options;
    const std::string executor = argc > 3 ? argv[3] : "sequential";
    options.executor = executor_kind(executor);
    options.threads = argc > 4 ? static_cast<unsigned>(std::stoul(argv[4])) : 1;
    int rank = 0;
#ifdef SPARK_STATE_HASH_WITH_MPI
    std::optional<spark::mpi::Session> mpi;
    if (executor == "mpi") {
        mpi.emplace(argc, argv);
        options.processes = mpi->world();
        rank = mpi->rank();
    }
#endif
    auto sim = spark::serialization::build_simulation(file, options);
    std::vector<std::pair<std::string, float>> held;
    for (int a = 5; a < argc; ++a) {
        const std::string arg = argv[a];
        const auto eq = arg.find('=');
        if (eq == std::string::npos) {
            std::fprintf(stderr, "state_hash: '%s' is not INPUT=VALUE\n", argv[a]);
            return 2;
        }
        float value = 0.0f;
        try {
            value = std::stof(arg.substr(eq + 1));
        } catch (const std::exception&) {
            std::fprintf(stderr, "state_hash: '%s': the value is not a number\n", argv[a]);
            return 2;
        }
        held.emplace_back(arg.substr(0, eq), value);
    }
    const auto hold_inputs = [&] {
        for (const auto& [name, value] : held)
            for (float& v : sim.input(name).f32()) v = value;
    };
    hold_inputs();
    Hash spikes;
    std::uint64_t count = 0;
    const auto steps = std::stoll(argv[2]);
    sim.run(steps, [&](const spark::graph::Simulation& s) {
        hold_inputs();
        for (const auto& node : s.nodes())
            for (const auto& out : node.outputs) {
                if (out.spec.kind != spark::PayloadKind::spikes) continue;
                const auto view = s.read(node.path, out.name);
                const auto* codes = static_cast<const std::uint8_t*>(view.data);
                for (std::size_t u = 0; u < view.size; ++u)
                    if (codes[u] != 0) {
                        const std::int64_t step = s.step_count();
                        spikes.add(&step, sizeof step);
                        spikes.add(node.path.data(), node.path.size());
                        spikes.add(&u, sizeof u);
                        ++count;
                    }
            }
    });
    StateHash state;
    sim.visit_state(state);
    if (options.processes)
        std::fprintf(stderr, "rank %d: %llu exchanges, %llu bytes sent\n", rank,
                     static_cast<unsigned long long>(options.processes->exchanges()),
                     static_cast<unsigned long long>(options.processes->bytes_sent()));
    if (rank != 0) return 0;
    std::printf("%s spikes %llu %016llx state %016llx\n", argv[1], static_cast<unsigned long long>(count),
                static_cast<unsigned long long>(spikes.value), static_cast<unsigned long long>(state.hash.value));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {  // a bad file, STEPS, INPUT=VALUE or input name
        std::fprintf(stderr, "state_hash: %s\n", e.what());
        return 2;
    }
}
