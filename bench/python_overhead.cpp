// The C++ side of python_overhead.py: the cost of Simulation::step() on an empty network and of a
// 10 000-step run of a network file, timed as the Python package calls them (one step() per call; the
// run as a loop of step(), which is what sim.run() does with the GIL released).
// Usage: python_overhead NETWORK_FILE RUN_STEPS REPEATS [sequential|pool|tbb THREADS]
// prints "key value" lines (seconds).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include <spark/serialization/network_file.hpp>

using namespace spark;
using Clock = std::chrono::steady_clock;

namespace {
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
}  // namespace

int main(int argc, char** argv) {
    if (argc != 4 && argc != 6) {
        std::fprintf(stderr, "usage: %s NETWORK_FILE RUN_STEPS REPEATS [sequential|pool|tbb THREADS]\n", argv[0]);
        return 2;
    }
    const std::int64_t run_steps = std::atoll(argv[2]);
    const int repeats = std::atoi(argv[3]);
    graph::BuildOptions options;  // of the network file's runs
    if (argc == 6) {
        const std::string executor = argv[4];
        options.executor = executor == "tbb"    ? graph::ExecutorKind::tbb
                           : executor == "pool" ? graph::ExecutorKind::pool
                                                : graph::ExecutorKind::sequential;
        options.threads = static_cast<unsigned>(std::atoi(argv[5]));
    }

    auto empty = graph::Simulation::build(graph::Network{});
    const std::int64_t calls = 1'000'000;
    double best_step = std::numeric_limits<double>::max();
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = Clock::now();
        for (std::int64_t i = 0; i < calls; ++i) empty.step();
        best_step = std::min(best_step, seconds_since(t0) / static_cast<double>(calls));
    }
    std::printf("empty_step %.6e\n", best_step);

    const auto file = serialization::load_network_file(argv[1]);
    double best_run = std::numeric_limits<double>::max(), best_loop = best_run;
    for (int r = 0; r < repeats; ++r) {  // fresh builds, as on the Python side: the same steps are timed
        auto sim = serialization::build_simulation(file, options);
        auto t0 = Clock::now();
        sim.run(run_steps);
        best_run = std::min(best_run, seconds_since(t0));
        auto again = serialization::build_simulation(file, options);
        t0 = Clock::now();
        for (std::int64_t i = 0; i < run_steps; ++i) again.step();
        best_loop = std::min(best_loop, seconds_since(t0));
    }
    std::printf("run %.6e\nstep_loop %.6e\n", best_run, best_loop);
    return 0;
}
