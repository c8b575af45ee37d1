// SpinPool (graph/src/spin_pool.hpp): every task runs exactly once, thread k takes the k-th contiguous
// block (run) or the next task not yet taken (run_dynamic), a nested run() runs inline, exceptions reach
// the caller, and the pool survives idle periods long enough for its workers to fall asleep.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "spin_pool.hpp"

using spark::graph::detail::SpinPool;

TEST_CASE("the spin pool runs every task once, in contiguous blocks per thread", "[graph][pool]") {
    for (unsigned threads : {1u, 2u, 3u, 4u}) {
        SpinPool pool(threads);
        CHECK(pool.concurrency() == threads);
        for (std::size_t n : {0u, 1u, 2u, 5u, 7u, 64u}) {
            INFO(threads << " threads, " << n << " tasks");
            std::vector<std::atomic<int>> runs(n);
            std::vector<std::thread::id> owner(n);
            pool.run(n, [&](std::size_t t) {
                runs[t].fetch_add(1);
                owner[t] = std::this_thread::get_id();
            });
            for (std::size_t t = 0; t < n; ++t) CHECK(runs[t].load() == 1);
            // Thread k takes tasks [k n / T, (k + 1) n / T): one owner per block, the caller's block first.
            for (unsigned k = 0; k < threads; ++k) {
                const std::size_t begin = n * k / threads, end = n * (k + 1) / threads;
                for (std::size_t t = begin; t < end; ++t) CHECK(owner[t] == owner[begin]);
                if (k == 0 && begin < end && n > 1) CHECK(owner[begin] == std::this_thread::get_id());
            }
        }
    }
}

TEST_CASE("the spin pool gives the same block to the same thread in every call", "[graph][pool]") {
    SpinPool pool(2);
    std::vector<std::thread::id> first(8), again(8);
    pool.run(8, [&](std::size_t t) { first[t] = std::this_thread::get_id(); });
    for (int call = 0; call < 100; ++call) {
        pool.run(8, [&](std::size_t t) { again[t] = std::this_thread::get_id(); });
        REQUIRE(again == first);
    }
    CHECK(first[0] != first[7]);  // two threads took part
}

TEST_CASE("a run inside a pool task runs inline", "[graph][pool]") {
    SpinPool pool(2);
    std::atomic<int> inner{0};
    pool.run(4, [&](std::size_t) {
        const auto me = std::this_thread::get_id();
        pool.run(3, [&](std::size_t) {
            CHECK(std::this_thread::get_id() == me);
            inner.fetch_add(1);
        });
    });
    CHECK(inner.load() == 12);
}

TEST_CASE("an exception in a pool task reaches the caller after every thread stopped", "[graph][pool]") {
    SpinPool pool(2);
    std::atomic<int> finished{0};
    REQUIRE_THROWS_WITH(pool.run(6,
                                 [&](std::size_t t) {
                                     if (t == 4) throw std::runtime_error("task 4 failed");
                                     finished.fetch_add(1);
                                 }),
                        "task 4 failed");
    CHECK(finished.load() == 4);  // the caller's block 0-2, then the worker's 3; the worker stops at 4
    // The pool is still usable.
    std::atomic<int> again{0};
    pool.run(6, [&](std::size_t) { again.fetch_add(1); });
    CHECK(again.load() == 6);
}

TEST_CASE("the spin pool wakes workers that fell asleep while idle", "[graph][pool]") {
    SpinPool pool(2);
    std::mutex m;
    std::set<std::thread::id> ids;
    for (int round = 0; round < 3; ++round) {
        std::this_thread::sleep_for(std::chrono::milliseconds(30));  // long enough to stop spinning
        ids.clear();
        pool.run(2, [&](std::size_t) {
            const std::lock_guard lock(m);
            ids.insert(std::this_thread::get_id());
        });
        CHECK(ids.size() == 2);
    }
}

TEST_CASE("run_dynamic runs every task once, on every thread, and stops at an exception", "[graph][pool]") {
    SpinPool pool(2);
    for (std::size_t n : {0u, 1u, 2u, 9u}) {
        INFO(n << " tasks");
        std::vector<std::atomic<int>> runs(n);
        pool.run_dynamic(n, [&](std::size_t t) { runs[t].fetch_add(1); });
        for (std::size_t t = 0; t < n; ++t) CHECK(runs[t].load() == 1);
    }
    // Tasks of very unequal length: the long first one keeps one thread busy while the other takes the rest.
    std::mutex m;
    std::set<std::thread::id> ids;
    std::vector<std::thread::id> owner(6);
    pool.run_dynamic(6, [&](std::size_t t) {
        if (t == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        owner[t] = std::this_thread::get_id();
        const std::lock_guard lock(m);
        ids.insert(std::this_thread::get_id());
    });
    CHECK(ids.size() == 2);
    for (std::size_t t = 1; t < 6; ++t) CHECK(owner[t] != owner[0]);
    // A nested run() inside a dynamic task runs inline; an exception reaches the caller.
    std::atomic<int> inner{0};
    pool.run_dynamic(3, [&](std::size_t) { pool.run(4, [&](std::size_t) { inner.fetch_add(1); }); });
    CHECK(inner.load() == 12);
    REQUIRE_THROWS_WITH(pool.run_dynamic(4, [](std::size_t t) {
        if (t == 1) throw std::runtime_error("task 1 failed");
    }),
                        "task 1 failed");
    std::atomic<int> again{0};
    pool.run_dynamic(5, [&](std::size_t) { again.fetch_add(1); });
    CHECK(again.load() == 5);
}
