// The oneTBB executor: one flow-graph node per task of the step plan; a task's `after` list becomes
// flow-graph edges (previous-step wires read the other half of a double buffer, so they need no edge).
// Components parallelise their own loops through TbbParallel, in chunks fixed by the problem size, so
// results do not depend on the thread count.
//
// Each simulation runs in its own task_arena sized to its thread count, and sets no process-wide
// limit (tbb::global_control): two simulations, or a host program's own oneTBB work, keep their own
// parallelism.
#include <exception>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include "runtime.hpp"

namespace spark::graph {

namespace {

namespace flow = oneapi::tbb::flow;

class TbbParallel final : public Parallel {
public:
    explicit TbbParallel(unsigned threads) : threads_(threads) {}
    void run(std::size_t n_tasks, FunctionRef<void(std::size_t)> body) override {
        oneapi::tbb::parallel_for(oneapi::tbb::blocked_range<std::size_t>(0, n_tasks, 1),
                                  [&](const oneapi::tbb::blocked_range<std::size_t>& r) {
                                      for (std::size_t i = r.begin(); i != r.end(); ++i) body(i);
                                  });
    }
    unsigned concurrency() const noexcept override { return threads_; }

private:
    unsigned threads_;
};

class TbbExecutor final : public detail::Executor {
public:
    TbbExecutor(Simulation::Impl& impl, unsigned threads)
        : impl_(impl),
          arena_(threads == 0 ? oneapi::tbb::task_arena::automatic : static_cast<int>(threads)),
          parallel_(threads == 0 ? static_cast<unsigned>(oneapi::tbb::info::default_concurrency()) : threads) {
        // A flow graph submits its tasks to the arena it is built in: build it inside ours (built
        // outside, its tasks would go to the default arena and every step would hand work across
        // threads).
        arena_.execute([&] { build_graph(); });
    }

    void run(std::int64_t steps, const std::function<void()>& after_step) override {
        if (parallel_.concurrency() <= 1) {
            // One thread: no task can run beside another, so run the nodes inline in the build order
            // (the order the sequential executor uses; the same results, without a task per node).
            for (std::int64_t s = 0; s < steps; ++s) {
                for (std::size_t v : impl_.plan.sequence) impl_.run_task(v, serial_parallel());
                finish_step(after_step);
            }
            return;
        }
        // The caller's after_step runs outside the arena, on the caller's own oneTBB parallelism.
        if (!after_step) {
            arena_.execute([&] {
                for (std::int64_t s = 0; s < steps; ++s) run_step();
            });
            return;
        }
        for (std::int64_t s = 0; s < steps; ++s) {
            arena_.execute([&] { run_step(); });
            after_step();
        }
    }

private:
    void build_graph() {
        graph_ = std::make_unique<flow::graph>();
        start_ = std::make_unique<flow::broadcast_node<flow::continue_msg>>(*graph_);
        const auto& tasks = impl_.plan.tasks;
        nodes_.reserve(tasks.size());
        for (std::size_t v = 0; v < tasks.size(); ++v)
            nodes_.emplace_back(*graph_, [this, v](const flow::continue_msg&) { impl_.run_task(v, parallel_); });
        for (std::size_t c = 0; c < tasks.size(); ++c) {
            for (std::size_t p : tasks[c].after) flow::make_edge(nodes_[p], nodes_[c]);
            if (tasks[c].after.empty()) flow::make_edge(*start_, nodes_[c]);
        }
    }

    void run_step() {
        start_->try_put(flow::continue_msg());
        try {
            graph_->wait_for_all();
        } catch (...) {
            graph_->reset();
            throw;
        }
        impl_.finish_step();
    }

    void finish_step(const std::function<void()>& after_step) {
        impl_.finish_step();
        if (after_step) after_step();
    }

    Simulation::Impl& impl_;
    oneapi::tbb::task_arena arena_;
    TbbParallel parallel_;
    // Destroyed before the arena: nodes, then the start node, then the graph.
    std::unique_ptr<flow::graph> graph_;
    std::unique_ptr<flow::broadcast_node<flow::continue_msg>> start_;
    std::vector<flow::continue_node<flow::continue_msg>> nodes_;
};

}  // namespace

std::unique_ptr<detail::Executor> make_tbb_executor(Simulation::Impl& impl, unsigned threads) {
    return std::make_unique<TbbExecutor>(impl, threads);
}

void with_tbb_parallel(unsigned threads, FunctionRef<void(Parallel&)> body) {
    oneapi::tbb::task_arena arena(threads == 0 ? oneapi::tbb::task_arena::automatic : static_cast<int>(threads));
    TbbParallel parallel(threads == 0 ? static_cast<unsigned>(oneapi::tbb::info::default_concurrency()) : threads);
    arena.execute([&] { body(parallel); });
}

}  // namespace spark::graph
