// The pool executor: the nodes of a step run one after the other in the build order (as the sequential
// executor runs them), and each node's loops are split over a SpinPool: thread k always takes the k-th
// block of a loop's tasks, and every per-unit loop over a population uses the same task boundaries
// (core/parallel.hpp, task_length), so a thread keeps its units' state in its own cache from node to
// node and step to step. One fork/join per parallel loop, ~0.1 us each. Compared with the flow graph:
// no two nodes run at once, so nodes without parallel loops run alone, but short loops scale.
#include <exception>
#include <thread>

#include "plan.hpp"
#include "spin_pool.hpp"

namespace spark::graph {

namespace {

unsigned resolve_threads(unsigned threads) {
    if (threads != 0) return threads;
    const unsigned cores = std::thread::hardware_concurrency();
    return cores == 0 ? 1 : cores;
}

class PoolExecutor final : public detail::Executor {
public:
    PoolExecutor(Simulation::Impl& impl, unsigned threads) : impl_(impl), pool_(resolve_threads(threads)) {}

    void run(std::int64_t steps, const std::function<void()>& after_step) override {
        for (std::int64_t s = 0; s < steps; ++s) {
            for (std::size_t v : impl_.order) {
                try {
                    impl_.run_node(v, pool_);
                } catch (const std::exception& e) {
                    throw Error("node '" + impl_.graph.nodes[v].path + "': " + e.what());
                }
            }
            impl_.apply_effects();
            ++impl_.step;
            if (after_step) after_step();
        }
    }

private:
    Simulation::Impl& impl_;
    detail::SpinPool pool_;
};

}  // namespace

std::unique_ptr<detail::Executor> make_pool_executor(Simulation::Impl& impl, unsigned threads) {
    return std::make_unique<PoolExecutor>(impl, threads);
}

}  // namespace spark::graph
