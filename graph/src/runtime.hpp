#pragma once
// Private: a built simulation (the products of every build pass) and the executors that interpret its
// step plan.
#include <functional>
#include <memory>

#include <spark/graph/simulation.hpp>

#include "step_plan.hpp"

namespace spark::graph::detail {

class Executor {
public:
    virtual ~Executor() = default;
    // Runs `steps` steps, calling after_step (if given) after each; counts every step it completes.
    virtual void run(std::int64_t steps, const std::function<void()>& after_step) = 0;
    // Over several processes (distributed_executor.cpp), collective: make what `source` delivers in a
    // step of `parity` whole on this process before it is read; make every node's state and the values
    // previous-step wires deliver next whole (nothing when they are since the last step). One process:
    // nothing to do.
    virtual void complete(const Source& source, std::size_t parity) {
        (void)source;
        (void)parity;
    }
    virtual void complete_state() {}
    // The elements [begin, end) of the `count` an output delivers that this process answers for
    // (Simulation::read_own). One process: all of them.
    virtual UnitShare own_elements(const Source& source, std::size_t count) const {
        (void)source;
        return {0, count};
    }
    // Collective: every node's state and the values previous-step wires deliver next whole on process
    // `root` only (the others send their shares), or on every process (root < 0).
    virtual void gather_state(int root) { (void)root; }
    // After a reset or a writing state visit (a snapshot load): the buffers may hold anything.
    virtual void state_written() {}
};

}  // namespace spark::graph::detail

namespace spark::graph {

struct Simulation::Impl {
    Network network;
    std::map<std::string, PortSpec> input_specs;
    TemplateRegistry templates;
    BuildOptions options;
    // The products of the build passes, in pass order.
    detail::FlatGraph graph;
    detail::Components components;
    detail::StepOrder order;
    detail::Inference inference;
    detail::Storage storage;
    detail::StepPlan plan;
    // What the build saw, for listings and the DOT dump.
    std::vector<NodeInfo> node_infos;
    std::vector<WireInfo> wire_infos;
    std::int64_t step = 0;
    std::unique_ptr<detail::Executor> executor;

    std::size_t parity() const noexcept { return static_cast<std::size_t>(step & 1); }
    // Runs node v's task of the current step. An exception leaves naming the node (on every executor;
    // oneTBB's rethrow would lose it), as a spark::Error for a user-facing problem and an InternalError
    // for a bug.
    void run_task(std::size_t v, Parallel& parallel, UnitShare share = {});
    // After every task: the end of the step, then the step is counted. Every executor calls it once
    // per step.
    void finish_step();
    ConstArrayRef view(const detail::Source& source, std::size_t parity) const;
};

std::unique_ptr<detail::Executor> make_sequential_executor(Simulation::Impl& impl);
std::unique_ptr<detail::Executor> make_tbb_executor(Simulation::Impl& impl, unsigned threads);
std::unique_ptr<detail::Executor> make_pool_executor(Simulation::Impl& impl, unsigned threads);
// Calls body with a Parallel of `threads` threads (0 = all cores) in a oneTBB task arena of its own:
// for work outside the step loop (the draws of a build).
void with_tbb_parallel(unsigned threads, FunctionRef<void(Parallel&)> body);
std::unique_ptr<detail::Executor> make_distributed_executor(Simulation::Impl& impl,
                                                            std::shared_ptr<ProcessGroup> processes, unsigned threads);

namespace detail {
// One level of the pool executor's step: nodes that run alone (their loops split over the threads), in
// build order, then nodes that run side by side, one per thread at a time, longest first.
struct PoolLevel {
    std::vector<std::size_t> alone, side;
};
// The pool executor's plan (graph/src/pool_executor.cpp): `levels` lists each level's nodes in build
// order; per node, the most tasks it asked for and its time per step [s]. A node that asked for fewer
// tasks than `threads` may run side by side with others of its level, if the level's side-by-side
// nodes but the longest take at least `min_gain` seconds per step; otherwise the level runs alone.
std::vector<PoolLevel> plan_pool_levels(const std::vector<std::vector<std::size_t>>& levels,
                                        const std::vector<std::size_t>& most_tasks,
                                        const std::vector<double>& seconds, unsigned threads, double min_gain);
// The parts of a step: the connected components of its same-step dependencies (Task::after), each in
// the reference order, the parts in the order of their first nodes. Nodes of different parts never
// read each other in the same step.
std::vector<std::vector<std::size_t>> step_parts(const StepPlan& plan);
// The pool executor's other plan: the parts of the step (the connected components of its same-step
// dependencies, each in build order) run side by side, each on one thread, its nodes' loops unsplit.
// Given each part's time per step on one thread [s], the parts longest first (what the threads take
// in turn), if the longest-first schedule over `threads` threads (each part to the thread least loaded
// so far) takes at most `margin` x `split_seconds`, the step's time with the nodes run one after the
// other and split, and saves at least `min_gain` seconds; otherwise empty (keep that).
std::vector<std::size_t> plan_pool_parts(const std::vector<double>& part_seconds, double split_seconds,
                                         unsigned threads, double margin, double min_gain);
}  // namespace detail

}  // namespace spark::graph
