#pragma once
// Counting the spikes of a SpikeArray buffer (bit 0 of each code) eight codes at a time: what a spike
// recorder costs the benchmark runners per step.
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
        // The spike bits are bytes of 0 or 1: one multiply sums the eight of them into the top byte
        // (no popcount instruction needed on baseline x86-64).
        count += static_cast<std::size_t>(((word & spike_bits) * spike_bits) >> 56);
    }
    for (; j < codes.size(); ++j) count += codes[j] & 1u;
    return count;
}

}  // namespace spark::bench
