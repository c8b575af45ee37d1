#pragma once
// Sparse kernels drawn directly in compressed form.
//
// Drawing a sparse initializer densely costs N_post x N_pre random draws and that much memory, which
// is impossible for large networks (320 000 neurons at 80 synapses each). For the sparse initializer
// kinds, initialize_sparse() draws row by row the gaps between nonzero columns from the geometric
// distribution with success probability `density` (so the cost is proportional to the nonzeros), then
// the values. The result has the same distribution as the dense initialize() (each entry nonzero with
// probability density, independently), but not the same draws.
//   sparse_uniform_initializer             value = clip(scale U[0,1), min, max)
//   sparse_constant_initializer            value = scale
//   normalized_sparse_uniform_initializer  U[0,1) values divided by their row sum (norm_axes = post
//                                          axes, the synapse default), then clip(scale u, min, max)
// A min_value > 0 would turn the implicit zeros into min_value (spec section 6), which is not sparse:
// such specs are refused here (use the dense path).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <spark/core/param.hpp>

namespace spark {

// Compressed sparse rows: row r holds columns col[row_start[r] .. row_start[r+1]).
struct SparseRows {
    std::size_t rows = 0, cols = 0;
    std::vector<std::uint64_t> row_start;  // rows + 1 entries
    std::vector<std::uint32_t> col;
    std::vector<float> value;

    std::size_t nonzeros() const noexcept { return value.size(); }
};

// Whether `spec` is a kind initialize_sparse() can draw in compressed form.
bool is_sparse_initializer(const InitializerSpec& spec) noexcept;

// Draws a rows x cols kernel (rows = post units, cols = pre units) in compressed form.
SparseRows initialize_sparse(const InitializerSpec& spec, std::size_t rows, std::size_t cols, Rng& rng,
                             const InitOverrides& overrides = {}, std::string_view where = {});

}  // namespace spark
