#include <spark/core/spike_index.hpp>

#include <cassert>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace spark {

namespace {

// Bit i of the result = the spike bit (bit 0) of codes[i], for 64 codes: one vector test where the
// target has one (built with -march=native), the same mask from words otherwise.
inline std::uint64_t spike_mask64(const std::uint8_t* codes) noexcept {
#if defined(__AVX512BW__)
    return _mm512_test_epi8_mask(_mm512_loadu_si512(codes), _mm512_set1_epi8(spike::bit));
#elif defined(__AVX2__)
    // Shifting 16-bit lanes left by 7 moves bit 0 of each byte to its top bit, which movemask collects.
    const auto half = [](const std::uint8_t* p) {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
        return static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_slli_epi16(v, 7))));
    };
    return half(codes) | (half(codes + 32) << 32);
#elif defined(__SSE2__)
    std::uint64_t mask = 0;
    for (int q = 0; q < 4; ++q) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(codes + 16 * q));
        mask |= static_cast<std::uint64_t>(static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_slli_epi16(v, 7)))) << (16 * q);
    }
    return mask;
#else
    std::uint64_t mask = 0;
    for (int i = 0; i < 64; ++i) mask |= static_cast<std::uint64_t>(codes[i] & spike::bit) << i;
    return mask;
#endif
}

}  // namespace

std::size_t list_spikes(const std::uint8_t* codes, std::size_t begin, std::size_t end, std::uint32_t* units) noexcept {
    std::size_t count = 0, j = begin;
    for (; j + 64 <= end; j += 64)
        for (std::uint64_t mask = spike_mask64(codes + j); mask != 0; mask &= mask - 1)
            units[count++] = static_cast<std::uint32_t>(j + static_cast<std::size_t>(__builtin_ctzll(mask)));
    for (; j < end; ++j)
        if (codes[j] & spike::bit) units[count++] = static_cast<std::uint32_t>(j);
    return count;
}

SpikeIndex::SpikeIndex(std::size_t units)
    : units_(units),  // (the runtime gives no index to a SpikeArray of max_units or more)
      block_(std::max<std::size_t>(task_length(units), 1)),  // (an empty array: one empty block)
      entry_(new std::uint32_t[std::max<std::size_t>(units, 1)]),
      counts_((units + block_ - 1) / block_) {}

void SpikeIndex::list(const std::uint8_t* codes, std::size_t begin, std::size_t end) noexcept {
    assert(begin % block_ == 0 && (end % block_ == 0 || end == units_));
    for (std::size_t b = begin / block_; b * block_ < end; ++b) {
        const std::size_t first = b * block_;
        std::uint32_t* entries = entry_.get() + first;
        const std::size_t n = list_spikes(codes, first, std::min(end, first + block_), entries);
        for (std::size_t k = 0; k < n; ++k)
            entries[k] = entry(entries[k], (codes[entries[k]] & spike::inhibitory) != 0);
        counts_[b].value = static_cast<std::uint32_t>(n);
    }
}

std::size_t SpikeIndex::count() const noexcept {
    std::size_t n = 0;
    for (const Count& c : counts_) n += c.value;
    return n;
}

std::size_t count_spikes(ConstArrayRef spikes) noexcept {
    if (spikes.spike_index != nullptr && spikes.spike_index->fresh()) return spikes.spike_index->count();
    std::size_t n = 0;
    for_each_spike(spikes, [&](std::size_t) noexcept { ++n; });
    return n;
}

}  // namespace spark
