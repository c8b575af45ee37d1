#pragma once
// Counting the spikes of a SpikeArray buffer (bit 0 of each code) eight codes at a time: what a spike
// recorder costs the benchmark runners per step.
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>

namespace spark::bench {

inline std::size_t count_spikes(std::span<const std::uint8_t> codes) noexcept {
    constexpr std::uint64_t spike_bits = 0x0101010101010101ull;
    std::size_t count = 0, j = 0;
    for (; j + 8 <= codes.size(); j += 8) {
        std::uint64_t word;
        std::memcpy(&word, codes.data() + j, sizeof(word));
        count += static_cast<std::size_t>(std::popcount(word & spike_bits));
    }
    for (; j < codes.size(); ++j) count += codes[j] & 1u;
    return count;
}

}  // namespace spark::bench
