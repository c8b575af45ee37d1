#include <spark/core/huge_pages.hpp>

#include <algorithm>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace spark {

void advise_huge_pages(void* data, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const auto first = reinterpret_cast<std::uintptr_t>(data);
    const std::uintptr_t begin = (first + huge_page_bytes - 1) & ~(huge_page_bytes - 1);
    const std::uintptr_t end = (first + bytes) & ~(huge_page_bytes - 1);
    // A refusal (THP "never", an old kernel) leaves ordinary pages: nothing to report.
    if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
    (void)data;
    (void)bytes;
#endif
}

std::vector<float> zeros_resident_in(std::size_t count, std::size_t first, std::size_t last) {
    std::vector<float> zeros;
    zeros.reserve(count);
#if defined(__linux__)
    constexpr std::size_t piece = (std::size_t{16} << 20) / sizeof(float);
    const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    // The whole pages of elements [a, b) (none of them in the range).
    auto release = [&](std::size_t a, std::size_t b) {
        const auto lo = (reinterpret_cast<std::uintptr_t>(zeros.data() + a) + page - 1) / page * page;
        const auto hi = reinterpret_cast<std::uintptr_t>(zeros.data() + b) / page * page;
        if (lo < hi) (void)madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
    };
    while (zeros.size() < count) {
        const std::size_t a = zeros.size(), b = std::min(count, a + piece);
        zeros.resize(b);
        if (a < first) release(a, std::min(b, first));
        if (b > last) release(std::max(a, last), b);
    }
#else
    (void)first;
    (void)last;
    zeros.resize(count);
#endif
    return zeros;
}

}  // namespace spark
