#pragma once
// Parallelism inside a component's step, without depending on a thread library.
//
// The executor hands each component a Parallel. Work is split into chunks whose boundaries depend only
// on the problem size and a fixed chunk length, never on the thread count, so that every
// floating-point sum happens in the same order on 1, 2 or 64 threads (bit-identical results).
#include <cstddef>
#include <type_traits>
#include <utility>

namespace spark {

// A non-owning reference to a callable (cheaper than std::function: no allocation, one indirection).
template <class Signature>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
public:
    template <class F>
        requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef>)
    FunctionRef(F&& f) noexcept  // NOLINT: implicit from any callable
        : object_(const_cast<void*>(static_cast<const void*>(&f))),
          call_([](void* o, Args... args) -> R {
              return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(args)...);
          }) {}
    R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

private:
    void* object_;
    R (*call_)(void*, Args...);
};

class Parallel {
public:
    virtual ~Parallel() = default;
    // Calls body(i) for every i in [0, n_tasks), possibly concurrently; returns when all are done.
    virtual void run(std::size_t n_tasks, FunctionRef<void(std::size_t)> body) = 0;
    // How many threads may run tasks at once (1 = everything runs inline).
    virtual unsigned concurrency() const noexcept = 0;
};

// Runs every task inline, in order.
Parallel& serial_parallel() noexcept;

// Calls body(begin, end) over [0, n) split into chunks of `chunk` elements (chunk 0 = one chunk). Use
// it for element-wise work whose per-element result does not depend on where the chunk boundaries
// fall: on one thread the whole range is a single call.
template <class Body>
void parallel_for(Parallel& parallel, std::size_t n, std::size_t chunk, Body&& body) {
    if (n == 0) return;
    if (parallel.concurrency() <= 1 || chunk == 0 || n <= chunk) {
        body(std::size_t{0}, n);
        return;
    }
    const std::size_t tasks = (n + chunk - 1) / chunk;
    parallel.run(tasks, [&](std::size_t t) {
        const std::size_t begin = t * chunk;
        const std::size_t end = begin + chunk < n ? begin + chunk : n;
        body(begin, end);
    });
}

// A per-thread buffer of at least n floats, shared by every caller on the calling thread: for the
// temporary values of one task (a synapse group's delivered input), so that a thread's working set holds
// one such buffer in all instead of one per component. Valid until the next call on the same thread:
// use it inside one task body (or one serial pass) and never across a Parallel::run. Contents undefined.
float* thread_scratch(std::size_t n);

// The element count below which a component should not bother splitting its loop.
inline constexpr std::size_t default_chunk = 16384;

// The task length of a loop over a population of n units: n split into equal tasks of at most
// default_chunk units, and into at least four (of at least 2048 units each) where n allows. Every
// per-unit loop over the population (soma, gathered inputs, the target chunks of sparse synapses) uses
// it, so all of them split the population at the same boundaries: a static split over threads then
// gives each thread the same units in every node (their state stays in that core's cache), and equal
// tasks keep the threads balanced. A function of n only, never of the thread count.
constexpr std::size_t task_length(std::size_t n) noexcept {
    std::size_t tasks = (n + default_chunk - 1) / default_chunk;
    const std::size_t small = n / 2048 < 4 ? n / 2048 : 4;
    if (tasks < small) tasks = small;
    if (tasks == 0) tasks = 1;
    return (n + tasks - 1) / tasks;
}

}  // namespace spark
