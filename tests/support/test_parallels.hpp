#pragma once
// Parallel implementations for tests that show a result does not depend on how the tasks of a loop
// are scheduled: in reverse order on the calling thread, or on real threads.
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

#include <spark/core/parallel.hpp>

namespace spark::testing {

// Claims `threads` workers but runs every task inline in reverse order: chunked loops run, in an order
// no serial loop would use.
class ReversedParallel final : public Parallel {
public:
    explicit ReversedParallel(unsigned threads = 4) : threads_(threads) {}
    void run(std::size_t n_tasks, FunctionRef<void(std::size_t)> body) override {
        ++runs;
        for (std::size_t t = n_tasks; t-- > 0;) body(t);
    }
    unsigned concurrency() const noexcept override { return threads_; }

    int runs = 0;  // calls of run()

private:
    unsigned threads_;
};

// Runs the tasks on `threads` std::threads that pull task indices from a shared counter, handing them
// out from the last one when `reversed`.
class ThreadParallel final : public Parallel {
public:
    explicit ThreadParallel(unsigned threads, bool reversed = false) : threads_(threads), reversed_(reversed) {}
    void run(std::size_t n_tasks, FunctionRef<void(std::size_t)> body) override {
        std::atomic<std::size_t> next{0};
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads_; ++t)
            pool.emplace_back([&] {
                for (std::size_t i = next++; i < n_tasks; i = next++) body(reversed_ ? n_tasks - 1 - i : i);
            });
        for (auto& th : pool) th.join();
    }
    unsigned concurrency() const noexcept override { return threads_; }

private:
    unsigned threads_;
    bool reversed_;
};

}  // namespace spark::testing
