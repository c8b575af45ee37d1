#pragma once
// Tasks of very unequal size (the column blocks of a synapse group's kernel) over a Parallel.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <span>
#include <vector>

#include <spark/core/parallel.hpp>

namespace spark {

// Calls body(i) for every i in [0, sizes.size()), handing the tasks out largest first (by `sizes`; ties
// in index order) to whichever thread is free: the last task to start is then a small one and the
// threads end together, where a split of the index range can leave one thread the largest task after
// the others. For tasks whose results do not depend on the order they run in.
inline void run_largest_first(Parallel& parallel, std::span<const std::size_t> sizes,
                              FunctionRef<void(std::size_t)> body) {
    std::vector<std::size_t> order(sizes.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return sizes[a] > sizes[b]; });
    std::atomic<std::size_t> next{0};
    parallel.run(std::min<std::size_t>(parallel.concurrency(), order.size()), [&](std::size_t) {
        for (std::size_t k = next++; k < order.size(); k = next++) body(order[k]);
    });
}

}  // namespace spark
