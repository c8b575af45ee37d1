#pragma once
// Large arrays on huge pages.
//
// A synapse group's records (hundreds of MB to GB for the microcircuit) are read at scattered places
// every step. On 4 KB pages nearly every such read also misses the TLB (its entries cover ~12 MB); on
// 2 MB pages the whole array is covered. HugePageAllocator gives an allocation of at
// least 2 MB its own 2 MB-aligned storage and asks Linux to back it with transparent huge pages
// (madvise(MADV_HUGEPAGE): honoured when the system's THP mode is "always" or "madvise", as on Debian's
// default kernels), before anything touches it. Smaller allocations, other systems and a refused
// advice get ordinary memory: the advice changes speed only, never contents.
#include <cstddef>
#include <new>
#include <utility>
#include <vector>

namespace spark {

inline constexpr std::size_t huge_page_bytes = std::size_t{2} << 20;

// Asks for transparent huge pages over [data, data + bytes) (whole 2 MB pages inside it); no-op where
// unsupported. Call it before the memory is first touched.
void advise_huge_pages(void* data, std::size_t bytes) noexcept;

template <class T>
struct HugePageAllocator {
    using value_type = T;
    HugePageAllocator() noexcept = default;
    template <class U>
    HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT: rebinding

    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < huge_page_bytes) return static_cast<T*>(::operator new(bytes));
        void* p = ::operator new(bytes, std::align_val_t(huge_page_bytes));
        advise_huge_pages(p, bytes);
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        if (n * sizeof(T) < huge_page_bytes) ::operator delete(p);
        else ::operator delete(p, std::align_val_t(huge_page_bytes));
    }
    // Elements made without a value are default-initialised (a trivial type keeps whatever the memory
    // holds, not zeros): a large array is written whole after it is made, and that write, on the
    // threads that fill it, is what should touch (and so have the system clear) its pages.
    template <class U>
    void construct(U* p) noexcept(noexcept(::new (static_cast<void*>(p)) U)) {
        ::new (static_cast<void*>(p)) U;
    }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
    template <class U>
    bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
};

// `count` zeros of which only the pages holding elements [first, last) stay resident: the vector is
// grown in pieces and each piece wholly outside the range is handed back to the system at once
// (madvise(MADV_DONTNEED) on Linux: such pages read as zeros again), so a process that fills only
// its block of a whole-sized array never holds the whole of it. Elsewhere: ordinary zeros.
std::vector<float> zeros_resident_in(std::size_t count, std::size_t first, std::size_t last);

// A std::vector whose storage, when large, is on huge pages; LargeArray<T>(n) leaves trivial elements
// uninitialised (write every element before reading it).
template <class T>
using LargeArray = std::vector<T, HugePageAllocator<T>>;

}  // namespace spark
