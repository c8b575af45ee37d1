// parallel_for (parallel.hpp): chunk boundaries depend on the problem size and the chunk length only.
// run_largest_first (largest_first.hpp): every task once, the largest handed out first.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <utility>
#include <vector>

#include <spark/core/largest_first.hpp>
#include <spark/core/parallel.hpp>

#include "test_parallels.hpp"

using namespace spark;
using spark::testing::ReversedParallel;
using spark::testing::ThreadParallel;

namespace {
using Ranges = std::vector<std::pair<std::size_t, std::size_t>>;

Ranges ranges(Parallel& p, std::size_t n, std::size_t chunk) {
    Ranges out;
    parallel_for(p, n, chunk, [&](std::size_t begin, std::size_t end) { out.emplace_back(begin, end); });
    return out;
}
}  // namespace

TEST_CASE("parallel_for splits into fixed chunks whatever the thread count", "[core][parallel]") {
    ReversedParallel two(2), eight(8);
    const Ranges expected{{32, 40}, {16, 32}, {0, 16}};  // in the order the fake scheduler ran them
    CHECK(ranges(two, 40, 16) == expected);
    CHECK(ranges(eight, 40, 16) == expected);
    CHECK(two.runs == 1);
}

TEST_CASE("parallel_for runs inline on one thread, for small ranges and for chunk 0", "[core][parallel]") {
    ReversedParallel eight(8);
    CHECK(ranges(serial_parallel(), 40, 16) == Ranges{{0, 40}});
    CHECK(ranges(eight, 16, 16) == Ranges{{0, 16}});
    CHECK(ranges(eight, 40, 0) == Ranges{{0, 40}});
    CHECK(ranges(eight, 0, 16).empty());
    CHECK(eight.runs == 0);
    CHECK(serial_parallel().concurrency() == 1);
}

TEST_CASE("serial_parallel runs every task once, in order", "[core][parallel]") {
    std::vector<std::size_t> order;
    serial_parallel().run(5, [&](std::size_t i) { order.push_back(i); });
    CHECK(order == std::vector<std::size_t>{0, 1, 2, 3, 4});
}

TEST_CASE("task_length splits a population into equal tasks: at most 16384 units, four where n allows", "[core][parallel]") {
    CHECK(task_length(0) == 0);
    CHECK(task_length(1) == 1);
    CHECK(task_length(800) == 800);      // too small to split
    CHECK(task_length(4850) == 2425);    // two tasks of at least 2048
    CHECK(task_length(16000) == 4000);   // four
    CHECK(task_length(64000) == 16000);  // four of at most 16384
    CHECK(task_length(65537) == 13108);  // five
    CHECK(task_length(256000) == 16000); // sixteen
    for (std::size_t n : {1u, 3u, 2047u, 2048u, 9000u, 16384u, 16385u, 100000u, 1000003u}) {
        INFO("n = " << n);
        const std::size_t length = task_length(n);
        const std::size_t tasks = (n + length - 1) / length;
        CHECK(length <= default_chunk);
        CHECK(tasks * length - n < tasks);  // equal tasks: the last one is at most one unit short per task
    }
}

TEST_CASE("thread_scratch gives each thread its own buffer, reused and grown on demand", "[core][parallel]") {
    float* first = thread_scratch(100);
    first[99] = 1.0f;
    CHECK(thread_scratch(50) == first);  // no growth: the same buffer
    float* grown = thread_scratch(1 << 20);
    grown[(1 << 20) - 1] = 2.0f;  // at least the asked-for length
    float* other = nullptr;
    std::thread([&] { other = thread_scratch(100); }).join();
    CHECK(other != nullptr);
    CHECK(other != grown);
}

TEST_CASE("run_largest_first runs every task once, handing out the largest first", "[core][parallel]") {
    const std::vector<std::size_t> sizes{3, 90, 7, 90, 0, 41, 12};
    // One thread (and a Parallel that would run its tasks in reverse): the tasks by size, ties in index order.
    for (Parallel* parallel : {&serial_parallel(), static_cast<Parallel*>(nullptr)}) {
        ReversedParallel reversed;
        std::vector<std::size_t> order;
        run_largest_first(parallel ? *parallel : reversed, sizes, [&](std::size_t i) { order.push_back(i); });
        CHECK(order == std::vector<std::size_t>{1, 3, 5, 6, 2, 0, 4});
    }
    // Real threads: each task exactly once.
    ThreadParallel two(2);
    std::vector<std::atomic<int>> calls(sizes.size());
    run_largest_first(two, sizes, [&](std::size_t i) { ++calls[i]; });
    for (const auto& c : calls) CHECK(c == 1);
    int none = 0;
    run_largest_first(two, {}, [&](std::size_t) { ++none; });
    CHECK(none == 0);
}
