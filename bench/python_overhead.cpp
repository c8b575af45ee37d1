// The C++ side of python_overhead.py: the cost of Simulation::step() on an empty network and of a
// run of a network file, timed as the Python package calls them (one step() per call; the run once as
// Simulation::run() and once as a loop of step(), which is what sim.run() does with the GIL released).
// Usage: python_overhead NETWORK_FILE RUN_STEPS REPEATS [sequential|pool|tbb THREADS]
// Prints "key wall_seconds cpu_seconds" lines, minima over the repeats; cpu is the calling thread's CPU
// time, which a loaded machine inflates less than wall time (all of a step when sequential).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <limits>
#include <string>

#include <spark/serialization/network_file.hpp>

using namespace spark;

namespace {

struct Times {
    double wall = std::numeric_limits<double>::max();
    double cpu = std::numeric_limits<double>::max();
};

double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Times `body` and keeps the minima in `best`, both divided by `per`.
void time_it(Times& best, double per, const std::function<void()>& body) {
    const double cpu0 = thread_cpu_seconds();
    const auto wall0 = std::chrono::steady_clock::now();
    body();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    best.wall = std::min(best.wall, wall / per);
    best.cpu = std::min(best.cpu, (thread_cpu_seconds() - cpu0) / per);
}

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
    Times empty_step;
    for (int r = 0; r < repeats; ++r)
        time_it(empty_step, static_cast<double>(calls), [&] {
            for (std::int64_t i = 0; i < calls; ++i) empty.step();
        });

    const auto file = serialization::load_network_file(argv[1]);
    Times run, step_loop;
    for (int r = 0; r < repeats; ++r) {  // fresh builds, as on the Python side: the same steps are timed
        auto sim = serialization::build_simulation(file, options);
        time_it(run, 1.0, [&] { sim.run(run_steps); });
        auto again = serialization::build_simulation(file, options);
        time_it(step_loop, 1.0, [&] {
            for (std::int64_t i = 0; i < run_steps; ++i) again.step();
        });
    }
    std::printf("empty_step %.6e %.6e\nrun %.6e %.6e\nstep_loop %.6e %.6e\n", empty_step.wall, empty_step.cpu, run.wall,
                run.cpu, step_loop.wall, step_loop.cpu);
    return 0;
}
