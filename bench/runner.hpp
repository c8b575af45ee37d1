#pragma once
// What the benchmark runners (spark_cuba, spark_microcircuit) share: the --executor flag, the process's
// CPU time and peak RSS, and callgrind markers around the loop (no-ops without valgrind's header).
#include <sys/resource.h>
#include <time.h>
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>  // the loop is the only part instrumented under callgrind --instr-atstart=no
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#endif

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include <spark/graph/simulation.hpp>

namespace spark::bench {

// "auto" = sequential on one thread, pool on more (the faster multi-threaded executor on these
// networks, bench/README.md); otherwise "sequential" (one thread only), "tbb" or "pool". Prints the
// problem and returns nothing for anything else.
inline std::optional<graph::ExecutorKind> parse_executor(const std::string& name, unsigned threads) {
    using graph::ExecutorKind;
    std::optional<ExecutorKind> kind;
    if (name == "auto") kind = threads == 1 ? ExecutorKind::sequential : ExecutorKind::pool;
    else if (name == "sequential" && threads == 1) kind = ExecutorKind::sequential;
    else if (name == "tbb") kind = ExecutorKind::tbb;
    else if (name == "pool") kind = ExecutorKind::pool;
    if (!kind)
        std::fprintf(stderr, "--executor %s with --threads %u: use auto, sequential (1 thread), tbb or pool\n",
                     name.c_str(), threads);
    return kind;
}

inline const char* executor_name(graph::ExecutorKind kind) {
    switch (kind) {
        case graph::ExecutorKind::sequential: return "seq";
        case graph::ExecutorKind::tbb: return "tbb";
        case graph::ExecutorKind::pool: return "pool";
    }
    return "?";
}

// CPU time of the whole process (all threads) [s]: less disturbed than wall time on a shared machine.
inline double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Peak resident set size of the process so far [MB].
inline double peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace spark::bench
