// Memory estimates (memory.hpp): a node sized beyond the machine is refused with the figure before
// anything is allocated (issue 16, item 7).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <limits>
#include <vector>

#include <spark/core/memory.hpp>

#include "matchers.hpp"

using namespace spark;
using spark::testing::ConfigErrorFields;
using Catch::Contains;

namespace {
// Sets SPARK_MEMORY_LIMIT for one scope.
class MemoryLimit {
public:
    explicit MemoryLimit(const char* bytes) { ::setenv("SPARK_MEMORY_LIMIT", bytes, 1); }
    ~MemoryLimit() { ::unsetenv("SPARK_MEMORY_LIMIT"); }
};
const ConfigWhere kWhere{"LeakySoma", "pool.soma"};
}  // namespace

TEST_CASE("format_bytes rounds to two significant digits in decimal units", "[core][memory]") {
    CHECK(format_bytes(12) == "12 bytes");
    CHECK(format_bytes(1500) == "1.5 kB");
    CHECK(format_bytes(24e9) == "24 GB");
    CHECK(format_bytes(4.4e12) == "4.4 TB");
    CHECK(format_bytes(36e12) == "36 TB");
}

TEST_CASE("the memory limit is the machine's physical memory, or SPARK_MEMORY_LIMIT when smaller",
          "[core][memory]") {
    const std::uint64_t physical = memory_limit_bytes();
    REQUIRE(physical > 0);
    {
        MemoryLimit limit("1e6");
        CHECK(memory_limit_bytes() == 1000000);
    }
    {
        MemoryLimit limit("1e30");  // larger than the machine: the machine wins
        CHECK(memory_limit_bytes() == physical);
    }
    {
        MemoryLimit limit("lots");  // not a number: ignored
        CHECK(memory_limit_bytes() == physical);
    }
}

TEST_CASE("require_memory refuses more than the limit with the node, the field and both figures",
          "[core][memory]") {
    REQUIRE_NOTHROW(require_memory(kWhere, "units", "[1000]", 4000));
    REQUIRE_THROWS_MATCHES(require_memory(kWhere, "units", "[1000000000000]", 4e12), ConfigError,
                           ConfigErrorFields("LeakySoma", "pool.soma", "units", "[1000000000000]"));
    REQUIRE_THROWS_WITH(require_memory(kWhere, "units", "[1000000000000]", 4e12),
                        Catch::StartsWith("LeakySoma 'pool.soma': units = [1000000000000] would need ~4 TB of "
                                          "memory; this machine has ") &&
                            Catch::EndsWith(" GB") );
    MemoryLimit limit("8e9");
    REQUIRE_THROWS_WITH(require_memory(kWhere, "kernel", "[100000, 100000]", 8e10),
                        "LeakySoma 'pool.soma': kernel = [100000, 100000] would need ~80 GB of memory; "
                        "SPARK_MEMORY_LIMIT allows 8 GB");
}

TEST_CASE("checked_element_count refuses products past 2^53 instead of wrapping", "[core][memory]") {
    CHECK(checked_element_count(std::vector<std::size_t>{}) == std::size_t{0});
    CHECK(checked_element_count(std::vector<std::size_t>{100000, 100000}) == std::size_t{10000000000});
    CHECK(checked_element_count(std::vector<std::size_t>{std::size_t{1} << 53}) == std::size_t{1} << 53);
    // 2^32 * 2^32 wraps to 0 in size_t
    CHECK_FALSE(checked_element_count(std::vector<std::size_t>{std::size_t{1} << 32, std::size_t{1} << 32}));
    CHECK_FALSE(checked_element_count(std::vector<std::size_t>{100000, 100000, 100000, 100000}));
}
