#include "spin_pool.hpp"

namespace spark::graph::detail {

namespace {

// Set while a thread runs pool tasks: a nested run() then runs inline (the other threads are busy).
thread_local bool inside_task = false;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

// Waits until `done()` holds: spins (the answer usually comes within a microsecond), then yields (more
// threads than cores), and returns whether it succeeded before `give_up` rounds of yielding.
template <class Done>
bool spin_until(Done&& done, unsigned give_up) noexcept {
    for (unsigned i = 0; i < 4096; ++i) {
        if (done()) return true;
        cpu_relax();
    }
    for (unsigned i = 0; i < give_up; ++i) {
        if (done()) return true;
        std::this_thread::yield();
    }
    return done();
}

}  // namespace

SpinPool::SpinPool(unsigned threads) : threads_(threads == 0 ? 1 : threads) {
    workers_.reserve(threads_ - 1);
    for (unsigned id = 1; id < threads_; ++id) workers_.emplace_back([this, id] { work(id); });
}

SpinPool::~SpinPool() {
    stop_.store(true);
    generation_.fetch_add(1);
    generation_.notify_all();
    for (auto& w : workers_) w.join();
}

void SpinPool::run_share(unsigned id) noexcept {
    const std::size_t n = n_tasks_;
    inside_task = true;
    try {
        if (dynamic_) {
            for (std::size_t t; (t = next_task_.fetch_add(1, std::memory_order_relaxed)) < n;) (*body_)(t);
        } else {
            const std::size_t begin = n * id / threads_, end = n * (id + 1) / threads_;
            for (std::size_t t = begin; t < end; ++t) (*body_)(t);
        }
    } catch (...) {
        next_task_.store(n, std::memory_order_relaxed);  // (dynamic: the others stop taking tasks)
        const std::lock_guard lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
    }
    inside_task = false;
}

void SpinPool::work(unsigned id) {
    std::uint64_t seen = 0;
    for (;;) {
        // Wait for the next job: spin, yield, then sleep until the generation moves.
        if (!spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; }, 256)) {
            sleepers_.fetch_add(1);
            generation_.wait(seen);
            sleepers_.fetch_sub(1);
        }
        seen = generation_.load(std::memory_order_acquire);
        if (stop_.load(std::memory_order_acquire)) return;
        run_share(id);
        running_.fetch_sub(1, std::memory_order_release);
    }
}

void SpinPool::run(std::size_t n_tasks, FunctionRef<void(std::size_t)> body) { launch(n_tasks, body, false); }

void SpinPool::run_dynamic(std::size_t n_tasks, FunctionRef<void(std::size_t)> body) { launch(n_tasks, body, true); }

void SpinPool::launch(std::size_t n_tasks, FunctionRef<void(std::size_t)> body, bool dynamic) {
    if (threads_ == 1 || n_tasks <= 1 || inside_task) {
        for (std::size_t t = 0; t < n_tasks; ++t) body(t);
        return;
    }
    n_tasks_ = n_tasks;
    body_ = &body;
    dynamic_ = dynamic;
    next_task_.store(0, std::memory_order_relaxed);
    error_ = nullptr;
    running_.store(threads_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1);  // seq_cst: pairs with the sleepers' count below
    if (sleepers_.load() != 0) generation_.notify_all();
    run_share(0);
    while (!spin_until([&] { return running_.load(std::memory_order_acquire) == 0; }, 1u << 30)) {
    }
    body_ = nullptr;
    if (error_) std::rethrow_exception(error_);
}

}  // namespace spark::graph::detail
