// SpikeIndex (spike_index.hpp): the spiking units of a SpikeArray, listed by blocks by its producer.
#include <catch2/catch.hpp>

#include <cstdint>
#include <utility>
#include <vector>

#include <spark/core/spike_index.hpp>

using namespace spark;

namespace {
// Codes with spikes at `units` (every third one inhibitory) and inhibition bits alone elsewhere.
std::vector<std::uint8_t> codes_with(std::size_t n, const std::vector<std::size_t>& units) {
    std::vector<std::uint8_t> codes(n, 0);
    for (std::size_t u = 0; u < n; u += 5) codes[u] = spike::inhibitory;  // not a spike
    for (std::size_t k = 0; k < units.size(); ++k) codes[units[k]] = spike::encode(true, k % 3 == 0);
    return codes;
}

std::vector<std::size_t> visited(ConstArrayRef view) {
    std::vector<std::size_t> units;
    for_each_spike(view, [&](std::size_t u) { units.push_back(u); });
    return units;
}

std::vector<std::pair<std::size_t, float>> signed_visited(ConstArrayRef view) {
    std::vector<std::pair<std::size_t, float>> spikes;
    for_each_signed_spike(view, [&](std::size_t u, float value) { spikes.emplace_back(u, value); });
    return spikes;
}
}  // namespace

TEST_CASE("list_spikes finds the spike bits in order, across 64-code words and in a tail", "[core][spike_index]") {
    const std::vector<std::size_t> units{0, 1, 63, 64, 65, 127, 128, 200, 255, 256, 299};
    const auto codes = codes_with(300, units);
    std::vector<std::uint32_t> out(300);
    const std::size_t n = list_spikes(codes.data(), 0, 300, out.data());
    CHECK(std::vector<std::size_t>(out.begin(), out.begin() + static_cast<long>(n)) == units);
    // A range that starts and ends inside words.
    const std::size_t m = list_spikes(codes.data(), 64, 201, out.data());
    CHECK(std::vector<std::size_t>(out.begin(), out.begin() + static_cast<long>(m)) ==
          std::vector<std::size_t>{64, 65, 127, 128, 200});
}

TEST_CASE("a spike index lists blocks written in any order and visits them in unit order", "[core][spike_index]") {
    const std::size_t n = 10000;  // four blocks of 2500 (task_length)
    SpikeIndex index(n);
    REQUIRE(index.block_length() == task_length(n));
    REQUIRE(index.block_length() == 2500);
    const std::vector<std::size_t> units{3, 2499, 2500, 2501, 7000, 9999};
    const auto codes = codes_with(n, units);
    CHECK_FALSE(index.fresh());
    for (std::size_t b = 4; b-- > 0;) index.list(codes.data(), b * 2500, (b + 1) * 2500);  // as tasks may
    index.publish();
    CHECK(index.fresh());
    CHECK(index.count() == units.size());
    const ConstArrayRef view(codes.data(), n, &index);
    CHECK(visited(view) == units);
    CHECK(count_spikes(view) == units.size());
    // The lists carry the signs: the same values a scan reads from the codes (every third inhibitory).
    const auto expected = signed_visited(ConstArrayRef(codes.data(), n));
    REQUIRE(expected.size() == units.size());
    CHECK(expected[0].second == -1.0f);
    CHECK(expected[1].second == 1.0f);
    CHECK(signed_visited(view) == expected);

    // One range over every block (a loop on one thread) gives the same lists.
    SpikeIndex whole(n);
    whole.list(codes.data(), 0, n);
    whole.publish();
    CHECK(visited(ConstArrayRef(codes.data(), n, &whole)) == units);

    // Built unit by unit (a concatenation of other indices): the same lists.
    SpikeIndex appended(n);
    appended.clear();
    for (std::size_t u : units) appended.append(u, (codes[u] & spike::inhibitory) != 0);
    appended.publish();
    CHECK(signed_visited(ConstArrayRef(codes.data(), n, &appended)) == expected);
}

TEST_CASE("readers take the lists only when fresh, and scan the codes otherwise", "[core][spike_index]") {
    const std::size_t n = 5000;
    const std::vector<std::size_t> units{10, 4000};
    const auto codes = codes_with(n, units);
    SpikeIndex index(n);
    // Lists that disagree with the codes show which one a reader used.
    const auto other = codes_with(n, {20});
    index.list(other.data(), 0, n);
    const ConstArrayRef view(codes.data(), n, &index);
    CHECK(visited(view) == units);  // stale: scanned
    CHECK(count_spikes(view) == 2);
    index.publish();
    CHECK(visited(view) == std::vector<std::size_t>{20});  // fresh: listed
    CHECK(count_spikes(view) == 1);
    index.invalidate();
    CHECK(visited(view) == units);
    CHECK(visited(ConstArrayRef(codes.data(), n)) == units);  // no index at all
    CHECK(visited(ConstArrayRef(codes.data(), 0)).empty());
    SpikeIndex empty(0);  // an array of no units has one empty block
    empty.list(codes.data(), 0, 0);
    empty.publish();
    CHECK(empty.count() == 0);
}
