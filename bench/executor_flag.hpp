#pragma once
// The --executor flag of the benchmark runners: "sequential", "tbb" or "pool"; "auto" = sequential on
// one thread, pool on more (the faster multi-threaded executor on these networks, bench/README.md).
#include <optional>
#include <string_view>

#include <spark/graph/simulation.hpp>

namespace spark::bench {

inline std::optional<graph::ExecutorKind> parse_executor(std::string_view name, unsigned threads) {
    using graph::ExecutorKind;
    if (name == "auto") return threads == 1 ? ExecutorKind::sequential : ExecutorKind::pool;
    if (name == "sequential") return ExecutorKind::sequential;
    if (name == "tbb") return ExecutorKind::tbb;
    if (name == "pool") return ExecutorKind::pool;
    return std::nullopt;
}

inline const char* executor_name(graph::ExecutorKind kind) {
    switch (kind) {
        case graph::ExecutorKind::sequential: return "seq";
        case graph::ExecutorKind::tbb: return "tbb";
        case graph::ExecutorKind::pool: return "pool";
    }
    return "?";
}

}  // namespace spark::bench
