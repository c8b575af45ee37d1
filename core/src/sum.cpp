#include <spark/core/sum.hpp>

#include <algorithm>

#include <spark/core/hot_loop.hpp>

namespace spark {

SPARK_HOT_LOOP
void add_arrays(float* dst, const float* a, const float* __restrict b, std::size_t n) noexcept {
    for (std::size_t k = 0; k < n; ++k) dst[k] = a[k] + b[k];
}

void sum_block(std::span<const ConstArrayRef> summands, std::size_t begin, std::size_t end, float* dst) noexcept {
    const std::size_t n = end - begin;
    if (summands.size() == 1) {
        std::copy_n(static_cast<const float*>(summands[0].data) + begin, n, dst);
        return;
    }
    auto part = [&](std::size_t s) { return static_cast<const float*>(summands[s].data) + begin; };
    add_arrays(dst, part(0), part(1), n);
    for (std::size_t s = 2; s < summands.size(); ++s) add_arrays(dst, dst, part(s), n);
}

}  // namespace spark
