#pragma once
// SpinPool: a Parallel whose tasks are split statically over a fixed set of threads that wait for work
// by spinning (design.md, "Performance stance").
//
// Why not a work-stealing scheduler for this: a network step is a chain of short loops (10-30 us each at
// 10^5 neurons), and a fork/join must cost well under a microsecond for two threads to pay off. Workers
// that spin between loops answer in ~0.1 us, where a sleeping worker takes several. The split is static
// (thread k always takes the k-th contiguous block of a loop's tasks), so a thread keeps touching the
// same targets in every node and step, and their state stays in that core's cache. Results never depend
// on the split: tasks are fixed by the problem size (see core/parallel.hpp).
//
// Idle workers spin briefly, then yield, then sleep on the generation counter (futex), so a paused
// simulation or more threads than cores costs no busy cores for long.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <spark/core/parallel.hpp>

namespace spark::graph::detail {

class SpinPool final : public Parallel {
public:
    // `threads` >= 1 including the caller (threads - 1 workers are started).
    explicit SpinPool(unsigned threads);
    ~SpinPool() override;
    SpinPool(const SpinPool&) = delete;
    SpinPool& operator=(const SpinPool&) = delete;

    // Thread k runs tasks [k n / T, (k + 1) n / T) in order, the caller is thread 0. A call from inside
    // a task runs inline. A thread stops its block at the first exception; run() returns when every
    // thread has stopped and rethrows the first exception.
    void run(std::size_t n_tasks, FunctionRef<void(std::size_t)> body) override;
    unsigned concurrency() const noexcept override { return threads_; }
    // The same, but each thread takes the next task not yet taken (tasks of unequal cost, ordered longest
    // first by the caller); which thread runs a task varies from call to call.
    void run_dynamic(std::size_t n_tasks, FunctionRef<void(std::size_t)> body);

private:
    void launch(std::size_t n_tasks, FunctionRef<void(std::size_t)> body, bool dynamic);
    void work(unsigned id);
    void run_share(unsigned id) noexcept;

    unsigned threads_;
    std::vector<std::thread> workers_;
    // The current job (written by the caller before the generation is bumped).
    std::size_t n_tasks_ = 0;
    const FunctionRef<void(std::size_t)>* body_ = nullptr;
    bool dynamic_ = false;
    alignas(64) std::atomic<std::size_t> next_task_{0};     // run_dynamic: the next task not yet taken
    std::exception_ptr error_;
    std::mutex error_mutex_;
    alignas(64) std::atomic<std::uint64_t> generation_{0};  // bumped once per job; workers wait on it
    alignas(64) std::atomic<unsigned> running_{0};          // workers still busy with the current job
    alignas(64) std::atomic<unsigned> sleepers_{0};         // workers blocked in generation_.wait()
    std::atomic<bool> stop_{false};
};

}  // namespace spark::graph::detail
