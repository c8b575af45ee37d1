#include <spark/core/memory.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <spark/core/error.hpp>
#include <spark/core/text.hpp>

namespace spark {

namespace {

constexpr double kLargestCount = 9007199254740992.0;  // 2^53

std::uint64_t physical_memory_bytes() noexcept {
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long page = ::sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page <= 0) return 0;
    return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
}

// SPARK_MEMORY_LIMIT in bytes, or 0 when unset or not a positive number.
std::uint64_t configured_limit() noexcept {
    const char* text = std::getenv("SPARK_MEMORY_LIMIT");
    if (!text || !*text) return 0;
    char* end = nullptr;
    const double value = std::strtod(text, &end);
    if (*end != '\0' || !(value > 0) || !(value < 1.8e19)) return 0;
    return static_cast<std::uint64_t>(value);
}

}  // namespace

std::uint64_t memory_limit_bytes() noexcept {
    const std::uint64_t physical = physical_memory_bytes();
    const std::uint64_t configured = configured_limit();
    if (configured != 0 && (physical == 0 || configured < physical)) return configured;
    return physical;
}

std::string format_bytes(double bytes) {
    static constexpr const char* units[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    std::size_t u = 0;
    while (bytes >= 1000.0 && u + 1 < std::size(units)) {
        bytes /= 1000.0;
        ++u;
    }
    const double shown = bytes >= 10.0 || u == 0 ? std::round(bytes) : std::round(bytes * 10.0) / 10.0;
    return format_number(shown) + " " + units[u];
}

void require_memory(const ConfigWhere& where, std::string_view field, std::string_view value, double bytes) {
    const std::uint64_t limit = memory_limit_bytes();
    if (limit == 0 || bytes <= static_cast<double>(limit)) return;
    const bool configured = configured_limit() == limit;
    throw ConfigError(std::string(where.component), std::string(where.instance), std::string(field),
                      std::string(value),
                      "would need ~" + format_bytes(bytes) + " of memory; " +
                          (configured ? "SPARK_MEMORY_LIMIT allows " : "this machine has ") +
                          format_bytes(static_cast<double>(limit)));
}

std::optional<std::size_t> checked_element_count(std::span<const std::size_t> dims) noexcept {
    if (dims.empty()) return 0;
    double n = 1.0;
    for (auto d : dims) n *= static_cast<double>(d);
    if (n > kLargestCount) return std::nullopt;
    std::size_t count = 1;
    for (auto d : dims) count *= d;
    return count;
}

}  // namespace spark
