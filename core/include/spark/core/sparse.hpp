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
//   sparse_normal_initializer              value = bound(mean + stddev N(0,1)) (clip or redraw)
//   block_initializer of the kinds above   each block of columns drawn as its own compressed kernel
// The key is split into a position stream and a value stream, in that order (a block initializer first
// splits one key per block, in block order). A min_value > 0 would turn the implicit zeros into
// min_value for Spark's sparse kinds (spec section 6), which is not sparse: such specs are refused here
// (use the dense path). The bounds of sparse_normal apply to the drawn values only.
//
// initialize_on_pattern() draws one value per nonzero of a given pattern from an element-wise
// initializer (constant, uniform, normal, or blocks of those): the per-synapse delays of a compressed
// kernel. Values are drawn in storage order (row-major) from the key (a block initializer: one key per
// block, each block's values in storage order); on a full pattern this is exactly the dense initialize().
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <spark/core/param.hpp>

namespace spark {

class Parallel;

// Compressed sparse rows: row r holds columns col[row_start[r] .. row_start[r+1]).
struct SparseRows {
    std::size_t rows = 0, cols = 0;
    std::vector<std::uint64_t> row_start;  // rows + 1 entries
    std::vector<std::uint32_t> col;
    std::vector<float> value;

    std::size_t nonzeros() const noexcept { return col.size(); }
};

// Whether `spec` is a kind initialize_sparse() can draw in compressed form (a block initializer: when
// every block is).
bool is_sparse_initializer(const InitializerSpec& spec) noexcept;

// Whether `spec` draws every element independently from one distribution (constant, uniform, normal, or
// a block initializer of those), so that initialize_on_pattern() can draw it on any pattern.
bool is_elementwise_initializer(const InitializerSpec& spec) noexcept;

// Draws a rows x cols kernel (rows = post units, cols = pre units) in compressed form. Throws
// ConfigError (prefixed by `where`) for a kind that cannot be compressed, invalid settings, or block
// sizes that do not add up to `cols`.
// `where` names the component and field for messages (the string form puts its whole text in front).
SparseRows initialize_sparse(const InitializerSpec& spec, std::size_t rows, std::size_t cols, Rng& rng,
                             const InitOverrides& overrides = {}, std::string_view where = {});
SparseRows initialize_sparse(const InitializerSpec& spec, std::size_t rows, std::size_t cols, Rng& rng,
                             const InitOverrides& overrides, const ParamWhere& where);

// One value per nonzero of `pattern` (its values are ignored) from an element-wise initializer.
std::vector<float> initialize_on_pattern(const InitializerSpec& spec, const SparseRows& pattern, Rng& rng,
                                         const InitOverrides& overrides = {}, std::string_view where = {});
std::vector<float> initialize_on_pattern(const InitializerSpec& spec, const SparseRows& pattern, Rng& rng,
                                         const InitOverrides& overrides, const ParamWhere& where);

// initialize_sparse() one row at a time, with the same draws (a process of a split run draws every row
// and keeps its own). Throws as initialize_sparse() does, from the constructor.
class SparseRowDraw {
public:
    SparseRowDraw(const InitializerSpec& spec, std::size_t cols, Rng& rng, const InitOverrides& overrides,
                  const ParamWhere& where);
    ~SparseRowDraw();
    // Appends the next row's nonzeros (columns increasing) to `col` and their values to `value`.
    void next_row(std::vector<std::uint32_t>& col, std::vector<float>& value);

    // The parts (column blocks) drawn from streams of their own: part b holds the columns
    // [part_first(b), part_first(b + 1)) (the last ends at the kernel's columns). Different parts may
    // be drawn concurrently; one part's rows in row order. next_row() of a row is next_columns() then
    // next_values() of every part in turn.
    std::size_t parts() const noexcept;
    std::size_t part_first(std::size_t part) const noexcept;
    // The next row's columns of `part` (increasing) appended to `col`.
    void next_columns(std::size_t part, std::vector<std::uint32_t>& col);
    // The values of that row's out.size() nonzeros of `part`.
    void next_values(std::size_t part, std::span<float> out);
    // The value of every nonzero when it is one constant (every part sparse_constant with one scale).
    std::optional<float> constant_value() const noexcept;
    // Rough count of the nonzeros of `part` over `rows` rows (its density x size), for reserving.
    std::size_t expected_nonzeros(std::size_t part, std::size_t rows) const noexcept;

    // Part b's columns of every row (row r at col[row_start[r] .. row_start[r + 1])): next_columns() of
    // `rows` rows, each part a task of `parallel` (the largest first).
    struct PartColumns {
        std::vector<std::uint64_t> row_start;
        std::vector<std::uint32_t> col;
    };
    std::vector<PartColumns> draw_columns(std::size_t rows, Parallel& parallel);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// initialize_on_pattern() one nonzero at a time, with the same draws: next(col) is the value of the next
// nonzero in storage order, at column `col`.
class PatternValueDraw {
public:
    PatternValueDraw(const InitializerSpec& spec, std::size_t cols, Rng& rng, const InitOverrides& overrides,
                     const ParamWhere& where);
    ~PatternValueDraw();
    float next(std::uint32_t col);
    // The values of one row's nonzeros at columns `cols` (increasing) into `out`: next() of each in turn.
    void next_row(std::span<const std::uint32_t> cols, std::span<float> out);
    // The first column of each part (a block initializer's blocks; one part otherwise): next_row() of
    // columns inside different parts may run concurrently.
    std::span<const std::size_t> part_firsts() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace spark
