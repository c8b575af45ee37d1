#pragma once
// What a network needs, checked before it is allocated.
//
// A node sized from its config (`units: 1e12`, a 1e5 x 1e5 kernel) must be refused with the figure
// ("units = [1000000000000] would need ~4 TB of memory; this machine has 23 GB"), not end in std::bad_alloc half way
// through a build. Components call require_memory() (through ComponentBase::require_memory_for)
// where they size their state and synapse matrices; ComponentBase::materialize checks every
// parameter array the same way.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <spark/core/config.hpp>

namespace spark {

// The memory a build may use [bytes]: the physical memory of the machine (sysconf), or the value of
// the environment variable SPARK_MEMORY_LIMIT (bytes) when that is set and smaller. 0 when unknown.
std::uint64_t memory_limit_bytes() noexcept;

// "4 TB", "23 GB", "1.5 MB", "12 bytes": decimal units, two significant digits past 10.
std::string format_bytes(double bytes);

// Throws ConfigError naming `where`, `field` and `value`: "LeakySoma 'pool': units = [1000000000000]
// would need ~4 TB of memory; this machine has 23 GB" when `bytes` exceeds memory_limit_bytes().
// `bytes` is a double so that the product of huge counts cannot wrap.
void require_memory(const ConfigWhere& where, std::string_view field, std::string_view value, double bytes);

// The number of elements of a shape with these dims, or nullopt when it exceeds 2^53 (the largest
// count a double, and so a network file, holds exactly), whatever the size_t product would wrap to.
std::optional<std::size_t> checked_element_count(std::span<const std::size_t> dims) noexcept;

}  // namespace spark
