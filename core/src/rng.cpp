#include <spark/core/rng.hpp>

namespace spark {
namespace {
std::uint64_t splitmix64(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
}  // namespace

Rng::Rng(std::uint64_t seed) noexcept {
    for (auto& word : s_) word = splitmix64(seed);
}

Rng Rng::for_node(std::uint64_t network_seed, std::string_view path) noexcept {
    std::uint64_t mix = network_seed;
    return Rng(splitmix64(mix) ^ fnv1a(path));
}

std::uint64_t Rng::below(std::uint64_t n) noexcept {
    if (n == 0) return 0;  // an empty range: nothing to draw
    // Lemire's nearly divisionless method on 64-bit draws.
    __uint128_t m = static_cast<__uint128_t>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
        const std::uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = static_cast<__uint128_t>(next()) * n;
            low = static_cast<std::uint64_t>(m);
        }
    }
    return static_cast<std::uint64_t>(m >> 64);
}

std::uint64_t fnv1a(std::string_view text, std::uint64_t basis) noexcept {
    std::uint64_t h = basis;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h;
}

}  // namespace spark
