// The executor's own cost per step: an empty network, and a network of one node whose step does
// nothing (inhibition_mask), for the sequential, the oneTBB and the pool executor. Prints microseconds
// per step.
// (Brian2 standalone's per-step overhead on an empty network is about 1.5 us; the target is <= 1 us.)
#include <chrono>
#include <cstdio>

#include <spark/graph/simulation.hpp>

using namespace spark;
using namespace spark::graph;

namespace {
double us_per_step(const Network& net, ExecutorKind kind, unsigned threads, std::int64_t steps) {
    BuildOptions o;
    o.executor = kind;
    o.threads = threads;
    auto sim = Simulation::build(net, {}, o);
    sim.run(steps / 10);  // warm up
    const auto t0 = std::chrono::steady_clock::now();
    sim.run(steps);
    const auto t1 = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::micro>(t1 - t0).count() / static_cast<double>(steps);
}
}  // namespace

int main() {
    Network empty;
    Network one;
    one.add("mask", "inhibition_mask", {{"units", Value::List{1}}});
    Network chain(Latency::same_step);  // eight independent no-op nodes: the cost of scheduling alone
    for (int i = 0; i < 8; ++i) chain.add("m" + std::to_string(i), "inhibition_mask", {{"units", Value::List{1}}});
    const std::int64_t steps = 1'000'000;
    std::printf("| network | sequential [us/step] | tbb 1 thread [us/step] | tbb 2 threads [us/step] | "
                "pool 2 threads [us/step] |\n|---|---|---|---|---|\n");
    for (auto [name, net] : {std::pair<const char*, const Network*>{"empty", &empty}, {"one node", &one}, {"eight nodes", &chain}})
        std::printf("| %s | %.3f | %.3f | %.3f | %.3f |\n", name, us_per_step(*net, ExecutorKind::sequential, 1, steps),
                    us_per_step(*net, ExecutorKind::tbb, 1, steps / 10), us_per_step(*net, ExecutorKind::tbb, 2, steps / 10),
                    us_per_step(*net, ExecutorKind::pool, 2, steps));
    return 0;
}
