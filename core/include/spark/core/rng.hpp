#pragma once
// Deterministic random streams.
//
// Every node draws from its own stream, derived from the network seed and the node's path, never from
// a shared engine: adding a node or changing the thread count does not change any other node's draws.
// The generator is xoshiro256** (Blackman & Vigna 2018) seeded through splitmix64; its whole state is
// four 64-bit words, which snapshots save and restore.
#include <array>
#include <cstdint>
#include <string_view>

namespace spark {

class Rng {
public:
    using State = std::array<std::uint64_t, 4>;

    Rng() : Rng(0) {}
    explicit Rng(std::uint64_t seed) noexcept;
    // The stream of the node at `path` in a network seeded with `network_seed`.
    static Rng for_node(std::uint64_t network_seed, std::string_view path) noexcept;

    std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    // Uniform float in [0, 1) with 24 random bits (every value exactly representable).
    float uniform() noexcept { return static_cast<float>(next() >> 40) * 0x1.0p-24f; }
    // Uniform double in [0, 1) with 53 random bits.
    double uniform_double() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    // Uniform integer in [0, n), unbiased (Lemire's method). below(0) returns 0 without drawing.
    std::uint64_t below(std::uint64_t n) noexcept;
    // A new independent stream derived from this one (consumes one draw).
    Rng split() noexcept { return Rng(next()); }

    const State& state() const noexcept { return s_; }
    State& state() noexcept { return s_; }
    bool operator==(const Rng&) const = default;

private:
    static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    State s_{};
};

// FNV-1a 64-bit hash of a string (stable across platforms; used for stream derivation and fingerprints).
std::uint64_t fnv1a(std::string_view text, std::uint64_t basis = 0xcbf29ce484222325ull) noexcept;

}  // namespace spark
