// The pool executor: the nodes of a step run one after the other in the build order (as the sequential
// executor runs them), and each node's loops are split over a SpinPool: thread k always takes the k-th
// block of a loop's tasks, and every per-unit loop over a population uses the same task boundaries
// (core/parallel.hpp, task_length), so a thread keeps its units' state in its own cache from node to
// node and step to step. One fork/join per parallel loop.
//
// A node whose loops do not split into a task per thread (a small population, a synapse group with
// delays: one chunk of targets) leaves the other threads idle. The first steps run every node alone and
// note the largest task count it asks for and its time; from then on the step runs level by level (a
// level: the nodes whose same-step inputs all come from earlier levels), and the nodes of a level that
// asked for fewer tasks than there are threads run side by side, each on one thread, longest first, each
// thread taking the next one not yet taken, if that can save at least kSideBySideGain per step (large
// independent nodes such as the microcircuit's delayed synapse groups gain; small nodes are faster on
// one thread, where their data stays in one cache). Results do not depend on
// this: a node computes the same numbers on whichever thread runs it, and the nodes of a level are
// independent.
//
// A network of several independent parts (the connected components of the same-step dependencies, such
// as populations that read each other only through previous-step wires) may instead run its parts side
// by side: one fork per step, each part's nodes in build order on one thread, unsplit. That saves every
// fork of the split nodes and their serial stretches in between (a short step of many small splitting
// nodes loses most of its two-thread gain to them), when the parts' times allow an even schedule. Steps
// after the first observed ones run every node on one thread to time the parts; the pool then takes
// the parts if their longest-first schedule is clearly shorter than the split step observed, and
// observes again from time to time.
#include <algorithm>
#include <chrono>
#include <thread>

#include "runtime.hpp"
#include "spin_pool.hpp"

namespace spark::graph {

namespace {

unsigned resolve_threads(unsigned threads) {
    if (threads != 0) return threads;
    const unsigned cores = std::thread::hardware_concurrency();
    return cores == 0 ? 1 : cores;
}

// A Parallel that passes everything on to another and notes the largest task count asked for.
class TaskCounter final : public Parallel {
public:
    explicit TaskCounter(Parallel& inner) : inner_(inner) {}
    void run(std::size_t n_tasks, FunctionRef<void(std::size_t)> body) override {
        most_ = std::max(most_, n_tasks);
        inner_.run(n_tasks, body);
    }
    unsigned concurrency() const noexcept override { return inner_.concurrency(); }
    std::size_t most() const noexcept { return most_; }

private:
    Parallel& inner_;
    std::size_t most_ = 0;
};

class PoolExecutor final : public detail::Executor {
public:
    PoolExecutor(Simulation::Impl& impl, unsigned threads) : impl_(impl), pool_(resolve_threads(threads)) {
        group_levels();
        group_parts();
    }

    void run(std::int64_t steps, const std::function<void()>& after_step) override {
        for (std::int64_t s = 0; s < steps; ++s) {
            if (observed_steps_ < kObservedSteps) {
                observe_step();
            } else if (observed_unsplit_ < kObservedSteps && parts_to_choose()) {
                observe_unsplit_step();
            } else {
                run_planned_step();
            }
            impl_.finish_step();
            if (after_step) after_step();
        }
    }

private:
    // Steps run node by node (every node alone) to learn which nodes split and how long each takes (the
    // shortest of its times but the first step's, which touches every page for the first time: a
    // single slow step, a worker waking up or another process, does not count).
    static constexpr int kObservedSteps = 8;
    // The least time per step that running a level's nodes side by side must be able to save (the sum
    // of their times but the longest).
    static constexpr double kSideBySideGain = 20e-6;  // seconds
    // The parts run side by side only if their schedule takes at most this share of the split step's
    // time and saves at least kPartsGain: the two were observed in different steps (other spikes,
    // other work), and a gain within their difference is no gain. (Less than for a level: the parts
    // keep each part's data in one core's cache, where a level's side-by-side nodes do not.)
    static constexpr double kPartsMargin = 0.95;
    static constexpr double kPartsGain = 5e-6;  // seconds
    // Planned steps between two observations of a network with parts: kReplanSteps while they run side
    // by side; while it runs split, kFirstSplitReplanSteps after the first plan (a network's first
    // steps may be silent), then twice as many after each split plan up to kMostReplanSteps (a network
    // that stays split pays less and less for them: the observed steps run its nodes on one thread).
    static constexpr int kReplanSteps = 1000;
    static constexpr int kFirstSplitReplanSteps = 250;
    static constexpr int kMostReplanSteps = 64000;

    // Levels of the build order by same-step dependencies (as the oneTBB executor's edges).
    void group_levels() {
        const auto& tasks = impl_.plan.tasks;
        std::vector<std::size_t> level_of(tasks.size(), 0);
        for (std::size_t v : impl_.plan.sequence) {
            std::size_t level = 0;
            for (std::size_t p : tasks[v].after) level = std::max(level, level_of[p] + 1);
            level_of[v] = level;
            if (level >= level_nodes_.size()) level_nodes_.resize(level + 1);
            level_nodes_[level].push_back(v);
        }
        most_tasks_.assign(tasks.size(), 0);
        seconds_.assign(tasks.size(), 0.0);
    }

    bool parts_to_choose() const noexcept { return parts_.size() > 1 && pool_.concurrency() > 1; }

    void group_parts() {
        parts_ = detail::step_parts(impl_.plan);
        unsplit_seconds_.assign(impl_.plan.tasks.size(), 0.0);
    }

    // A step with every node on one thread: the time of each part there.
    void observe_unsplit_step() {
        for (std::size_t v : impl_.plan.sequence) {
            const auto start = std::chrono::steady_clock::now();
            impl_.run_task(v, serial_parallel());
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            unsplit_seconds_[v] = observed_unsplit_ == 0 ? seconds : std::min(unsplit_seconds_[v], seconds);
        }
        if (++observed_unsplit_ < kObservedSteps) return;
        std::vector<double> part_seconds(parts_.size(), 0.0);
        for (std::size_t k = 0; k < parts_.size(); ++k)
            for (std::size_t v : parts_[k]) part_seconds[k] += unsplit_seconds_[v];
        double split_seconds = 0.0;
        for (double t : seconds_) split_seconds += t;
        part_order_ =
            detail::plan_pool_parts(part_seconds, split_seconds, pool_.concurrency(), kPartsMargin, kPartsGain);
        if (part_order_.empty()) {
            replan_steps_ = split_replan_steps_;
            split_replan_steps_ = std::min(2 * split_replan_steps_, kMostReplanSteps);
        } else {
            replan_steps_ = kReplanSteps;
        }
    }

    void observe_step() {
        for (std::size_t v : impl_.plan.sequence) {
            TaskCounter counter(pool_);
            const auto start = std::chrono::steady_clock::now();
            impl_.run_task(v, counter);
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (observed_steps_ > 0) seconds_[v] = observed_steps_ == 1 ? seconds : std::min(seconds_[v], seconds);
            most_tasks_[v] = std::max(most_tasks_[v], counter.most());
        }
        if (++observed_steps_ < kObservedSteps) return;
        levels_ = detail::plan_pool_levels(level_nodes_, most_tasks_, seconds_, pool_.concurrency(), kSideBySideGain);
        for (const auto& level : levels_) side_by_side_ = side_by_side_ || !level.side.empty();
    }

    void run_planned_step() {
        if (!part_order_.empty()) {
            pool_.run_dynamic(part_order_.size(), [&](std::size_t k) {
                for (std::size_t v : parts_[part_order_[k]]) impl_.run_task(v, serial_parallel());
            });
        } else if (side_by_side_) {
            for (const auto& level : levels_) run_level(level);
        } else {
            for (std::size_t v : impl_.plan.sequence) impl_.run_task(v, pool_);
        }
        // The choice is made again from time to time: the work of a step follows the network's
        // activity, which the first steps may not show (one part may come to dominate, or stop to).
        if (parts_to_choose() && ++planned_steps_ >= replan_steps_) {
            planned_steps_ = 0;
            observed_steps_ = observed_unsplit_ = 0;
            side_by_side_ = false;
        }
    }

    void run_level(const detail::PoolLevel& level) {
        for (std::size_t v : level.alone) impl_.run_task(v, pool_);
        if (level.side.empty()) return;
        pool_.run_dynamic(level.side.size(), [&](std::size_t k) { impl_.run_task(level.side[k], serial_parallel()); });
    }

    Simulation::Impl& impl_;
    detail::SpinPool pool_;
    std::vector<std::vector<std::size_t>> level_nodes_;  // per level, its nodes in build order
    std::vector<detail::PoolLevel> levels_;             // the plan, after the observed steps
    std::vector<std::size_t> most_tasks_;  // per node: the most tasks it asked for in the observed steps
    std::vector<double> seconds_;          // per node: its shortest time in the observed steps
    int observed_steps_ = 0;
    bool side_by_side_ = false;  // some level runs nodes side by side (else: the build order, as observed)
    std::vector<std::vector<std::size_t>> parts_;  // the independent parts, each in build order
    std::vector<double> unsplit_seconds_;          // per node: its shortest time on one thread
    int observed_unsplit_ = 0;
    int planned_steps_ = 0;                // since the last observation
    int replan_steps_ = kReplanSteps;      // planned steps until the next observation
    int split_replan_steps_ = kFirstSplitReplanSteps;  // the same after the next split plan
    std::vector<std::size_t> part_order_;  // the parts longest first, when they run side by side
};

}  // namespace

std::vector<detail::PoolLevel> detail::plan_pool_levels(const std::vector<std::vector<std::size_t>>& levels,
                                                        const std::vector<std::size_t>& most_tasks,
                                                        const std::vector<double>& seconds, unsigned threads,
                                                        double min_gain) {
    std::vector<PoolLevel> plan(levels.size());
    for (std::size_t l = 0; l < levels.size(); ++l) {
        PoolLevel& level = plan[l];
        for (std::size_t v : levels[l]) (most_tasks[v] < threads ? level.side : level.alone).push_back(v);
        std::stable_sort(level.side.begin(), level.side.end(),
                         [&](std::size_t a, std::size_t b) { return seconds[a] > seconds[b]; });
        double others = 0.0;  // per step, all but the longest
        for (std::size_t k = 1; k < level.side.size(); ++k) others += seconds[level.side[k]];
        if (others < min_gain) {  // not worth it: every node alone, in the build order
            level.alone = levels[l];
            level.side.clear();
        }
    }
    return plan;
}

std::vector<std::vector<std::size_t>> detail::step_parts(const StepPlan& plan) {
    const auto& tasks = plan.tasks;
    std::vector<std::size_t> root(tasks.size());
    for (std::size_t v = 0; v < root.size(); ++v) root[v] = v;
    const auto find = [&](std::size_t v) {
        while (root[v] != v) v = root[v] = root[root[v]];
        return v;
    };
    for (std::size_t v = 0; v < tasks.size(); ++v)
        for (std::size_t p : tasks[v].after) root[find(v)] = find(p);
    std::vector<std::vector<std::size_t>> parts;
    std::vector<std::size_t> part_of_root(tasks.size(), tasks.size());
    for (std::size_t v : plan.sequence) {
        std::size_t& part = part_of_root[find(v)];
        if (part == tasks.size()) {
            part = parts.size();
            parts.emplace_back();
        }
        parts[part].push_back(v);
    }
    return parts;
}

std::vector<std::size_t> detail::plan_pool_parts(const std::vector<double>& part_seconds, double split_seconds,
                                                 unsigned threads, double margin, double min_gain) {
    std::vector<std::size_t> order(part_seconds.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    if (threads < 2 || order.size() < 2) return {};
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return part_seconds[a] > part_seconds[b]; });
    std::vector<double> load(threads, 0.0);
    for (std::size_t k : order) *std::min_element(load.begin(), load.end()) += part_seconds[k];
    const double schedule = *std::max_element(load.begin(), load.end());
    if (schedule > margin * split_seconds || split_seconds - schedule < min_gain) return {};
    return order;
}

std::unique_ptr<detail::Executor> make_pool_executor(Simulation::Impl& impl, unsigned threads) {
    return std::make_unique<PoolExecutor>(impl, threads);
}

}  // namespace spark::graph
