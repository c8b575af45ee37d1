#include <spark/core/huge_pages.hpp>

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
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

}  // namespace spark
