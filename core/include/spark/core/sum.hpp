#pragma once
// Sums of current arrays: what a node receives when several sources drive one CurrentArray input.
//
// The runtime adds the sources in wire order, ((s0 + s1) + s2) + ..., one float rounding per addition.
// It either gathers the sum into a scratch array before the node steps, or, for an input declared
// `summed_by_component` (PortDecl), hands the node the sources themselves (StepContext::summands) and
// the node adds them with sum_block() a block at a time, right where its loop reads them: the same
// numbers, without writing and reading back an array as large as the population (and without a
// separate parallel loop).
#include <cstddef>
#include <span>

#include <spark/core/payload.hpp>

namespace spark {

// dst[k] = a[k] + b[k] for k < n (dst may be a).
void add_arrays(float* dst, const float* a, const float* b, std::size_t n) noexcept;

// dst[k - begin] = the sum of the summands' elements k, in order, for k in [begin, end).
void sum_block(std::span<const ConstArrayRef> summands, std::size_t begin, std::size_t end, float* dst) noexcept;

// The length of the blocks a component sums at once: small enough to stay in the L1 cache.
inline constexpr std::size_t sum_block_length = 1024;

}  // namespace spark
