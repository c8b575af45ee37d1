#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>

#include <spark/core/huge_pages.hpp>

using namespace spark;

namespace {
// The transparent-huge-page mode of this Linux system ("always", "madvise", "never"), or "" elsewhere.
std::string thp_mode() {
    std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string line;
    std::getline(in, line);
    const auto open = line.find('['), close = line.find(']');
    return open == std::string::npos || close == std::string::npos ? "" : line.substr(open + 1, close - open - 1);
}

// The value of `field` ("THPeligible:", "AnonHugePages:") for the mapping of this process that contains
// `address` (/proc/self/smaps), or -1 when the kernel does not report it.
long smaps_field_at(const void* address, const std::string& field) {
    std::ifstream smaps("/proc/self/smaps");
    const auto a = reinterpret_cast<std::uintptr_t>(address);
    bool inside = false;
    for (std::string line; std::getline(smaps, line);) {
        std::uintptr_t lo = 0, hi = 0;
        char dash = 0;
        std::istringstream head(line);
        if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
            inside = lo <= a && a < hi;
            continue;
        }
        if (inside && line.rfind(field, 0) == 0) return std::stol(line.substr(field.size()));
    }
    return -1;
}
}  // namespace

TEST_CASE("a large LargeArray is 2 MB aligned and keeps its contents, a small one is ordinary", "[core][memory]") {
    LargeArray<float> large(3 * huge_page_bytes / sizeof(float));
    CHECK(reinterpret_cast<std::uintptr_t>(large.data()) % huge_page_bytes == 0);
    std::iota(large.begin(), large.end(), 0.0f);
    LargeArray<float> copy = large;
    copy.resize(copy.size() + 1, -1.0f);
    CHECK(copy[12345] == 12345.0f);
    CHECK(copy.back() == -1.0f);
    LargeArray<std::byte> small(1000, std::byte{7});
    CHECK(small[999] == std::byte{7});
    LargeArray<double> given(1000, 0.5);  // a value given is a value kept (only LargeArray(n) leaves them as they are)
    CHECK(std::all_of(given.begin(), given.end(), [](double v) { return v == 0.5; }));
}

TEST_CASE("a large LargeArray is eligible for transparent huge pages where the system offers them", "[core][memory]") {
    const std::string mode = thp_mode();
    if (mode != "always" && mode != "madvise") {
        WARN("transparent huge pages are '" << mode << "' here: nothing to check");
        return;
    }
    LargeArray<std::byte> records(4 * huge_page_bytes, std::byte{1});  // touched after the advice
    // Eligibility is what the advice sets (in "madvise" mode a mapping without it is not eligible);
    // whether the kernel found free 2 MB pages for it depends on the machine, so it is only reported.
    const long eligible = smaps_field_at(records.data(), "THPeligible:");
    if (eligible < 0) {
        WARN("this kernel does not report THPeligible in /proc/self/smaps: nothing to check");
        return;
    }
    INFO("AnonHugePages of the mapping: " << smaps_field_at(records.data(), "AnonHugePages:") << " kB");
    CHECK(eligible == 1);
}

TEST_CASE("zeros resident in a range are zeros everywhere, and the pages outside the range are not held",
          "[core][huge_pages]") {
    const std::size_t count = std::size_t{48} << 20 >> 2;  // 48 MB of floats
    const std::size_t first = count / 3, last = 2 * count / 3;
    const auto zeros = zeros_resident_in(count, first, last);
    REQUIRE(zeros.size() == count);
#if defined(__linux__)
    // Resident: at most the range's 16 MB, and the pieces around its ends.
    const long rss = smaps_field_at(zeros.data(), "Rss:");
    INFO("Rss of the mapping: " << rss << " kB");
    if (rss >= 0) REQUIRE(rss <= 17 * 1024);
#endif
    REQUIRE(std::all_of(zeros.begin(), zeros.end(), [](float x) { return x == 0.0f; }));
}
