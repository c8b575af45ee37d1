// sum_block (sum.hpp): summed currents, added in wire order over a block of elements.
#include <catch2/catch.hpp>

#include <vector>

#include <spark/core/sum.hpp>

using namespace spark;

TEST_CASE("sum_block adds the summands in order over begin..end", "[core][sum]") {
    const std::vector<float> a{1e8f, 1.0f, 2.0f, 3.0f}, b{-1e8f, 10.0f, 20.0f, 30.0f}, c{1.0f, 100.0f, 200.0f, 300.0f};
    const std::vector<ConstArrayRef> three{{a.data(), 4}, {b.data(), 4}, {c.data(), 4}};
    std::vector<float> out(4, -1.0f);
    sum_block(three, 0, 4, out.data());
    // (1e8 + -1e8) + 1 = 1; added right to left it would be 0.
    CHECK(out == std::vector<float>{1.0f, 111.0f, 222.0f, 333.0f});
    std::vector<float> part(2, -1.0f);
    sum_block(three, 2, 4, part.data());  // dst[0] is element begin
    CHECK(part == std::vector<float>{222.0f, 333.0f});
    const std::vector<ConstArrayRef> one{{c.data(), 4}};
    sum_block(one, 1, 3, part.data());
    CHECK(part == std::vector<float>{100.0f, 200.0f});
}
