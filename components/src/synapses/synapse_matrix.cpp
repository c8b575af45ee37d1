#include <spark/components/synapses/synapse_matrix.hpp>

#include <algorithm>
#include <bit>
#include <cstring>
#include <exception>
#include <optional>
#include <limits>
#include <string>
#include <type_traits>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include <spark/core/component.hpp>
#include <spark/core/largest_first.hpp>
#include <spark/core/parallel.hpp>
#include <spark/core/payload.hpp>
#include <spark/core/spike_index.hpp>

namespace spark::components::synapses {

namespace {

constexpr std::size_t kMaxSparseChunk = 65536;  // target offsets are uint16
constexpr std::size_t fill_prefetch_distance = 16;  // records ahead (fill_blocks)

// Targets per chunk of the sparse layout: a function of the problem size only. Without delays it is
// the population's task_length (the split every per-unit loop over the targets uses, so a thread
// delivers into the targets it then updates). With delays as long as possible (65536): every spike is in
// flight once per chunk, and each step reads the next few synapses of every spike in flight, so fewer
// chunks mean fewer, longer reads. Then it doubles up to 65536 while
// there are more chunks than keep the column starts at ~1 byte per synapse.
std::size_t sparse_chunk(std::size_t n_post, std::size_t n_pre, std::size_t nonzeros, bool delayed) {
    if (n_post == 0) return 1;  // no targets (a process's empty block of a small group): no tasks
    const std::size_t max_chunks = std::max<std::size_t>(1, nonzeros / (4 * (n_pre + 1)));
    std::size_t chunk = delayed ? kMaxSparseChunk : task_length(n_post);
    while (chunk < kMaxSparseChunk && (n_post + chunk - 1) / chunk > max_chunks)
        chunk = std::min(2 * chunk, kMaxSparseChunk);
    return chunk;
}

template <class D>
void copy_delays(std::span<const std::int32_t> from, std::vector<D>& to) {
    to.resize(from.size());
    for (std::size_t i = 0; i < from.size(); ++i) to[i] = static_cast<D>(from[i]);
}

template <class T>
T load(const std::byte* p) noexcept {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
template <class T>
void store(std::byte* p, T v) noexcept {
    std::memcpy(p, &v, sizeof v);
}

// The packed record of one synapse in the sparse layout, byte-aligned:
//     [weight f32, unless the group's weights are all equal] target offset u16 [delay u8 or u16]
// so that a synapse is one read of 2 to 8 bytes (the delivery reads short runs of synapses at scattered
// places; one record instead of parallel arrays touches about half as many cache lines).
struct NoDelay {};
template <bool Weighted, class Delay>
struct Record {
    using delay_type = Delay;
    static constexpr bool weighted = Weighted;
    static constexpr bool delayed = !std::is_same_v<Delay, NoDelay>;
    static constexpr std::size_t target_offset = Weighted ? sizeof(float) : 0;
    static constexpr std::size_t delay_offset = target_offset + sizeof(std::uint16_t);
    static constexpr std::size_t size = delay_offset + (delayed ? sizeof(Delay) : 0);
    static float weight(const std::byte* r, float uniform) noexcept {
        if constexpr (Weighted) return load<float>(r);
        else return uniform;
    }
    static std::uint16_t target(const std::byte* r) noexcept { return load<std::uint16_t>(r + target_offset); }
    static std::size_t delay(const std::byte* r) noexcept {
        if constexpr (delayed) return load<Delay>(r + delay_offset);
        else return 0;
    }
};

// Sorts the records of every segment [starts[i], starts[i + 1]) by delay, keeping the order of equal
// delays (so targets stay increasing within a delay): a counting sort when the segment is not much
// shorter than the delay range, else a stable sort of its permutation.
template <class R>
void sort_segments_by_delay(std::span<const std::uint32_t> starts, std::byte* records, std::size_t max_delay) {
    std::vector<std::uint32_t> count(max_delay + 2), order;
    std::vector<std::byte> sorted;
    auto delay = [&](std::uint32_t e) { return R::delay(records + std::size_t{e} * R::size); };
    for (std::size_t i = 0; i + 1 < starts.size(); ++i) {
        const std::uint32_t first = starts[i], last = starts[i + 1], length = last - first;
        bool is_sorted = true;
        for (std::uint32_t e = first + 1; e < last && is_sorted; ++e) is_sorted = delay(e - 1) <= delay(e);
        if (is_sorted) continue;
        order.resize(length);
        if (max_delay + 2 <= 4 * static_cast<std::size_t>(length)) {
            std::fill(count.begin(), count.end(), 0u);
            for (std::uint32_t e = first; e < last; ++e) ++count[delay(e) + 1];
            for (std::size_t k = 1; k < count.size(); ++k) count[k] += count[k - 1];
            for (std::uint32_t e = first; e < last; ++e) order[count[delay(e)]++] = e;
        } else {
            for (std::uint32_t k = 0; k < length; ++k) order[k] = first + k;
            std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return delay(a) < delay(b); });
        }
        sorted.resize(std::size_t{length} * R::size);
        for (std::uint32_t k = 0; k < length; ++k)
            std::memcpy(sorted.data() + std::size_t{k} * R::size, records + std::size_t{order[k]} * R::size, R::size);
        std::memcpy(records + std::size_t{first} * R::size, sorted.data(), sorted.size());
    }
}

}  // namespace

double bytes_per_synapse(Layout layout, std::size_t delay_steps) noexcept {
    const double delay = delay_steps == 0 ? 0.0 : (delay_steps <= 255 ? 1.0 : 2.0);
    return (layout == Layout::dense ? 4.0 : 6.0) + delay;
}

void SynapseMatrix::begin_build(Layout layout, std::size_t n_post, std::size_t n_pre, std::size_t delay_steps) {
    layout_ = layout;
    uniform_ = false;
    n_post_ = n_post;
    n_pre_ = n_pre;
    delay_steps_ = delay_steps;
    kernel_.clear();
    records_.clear();
    nonzeros_ = 0;
    column_start_.clear();
    delay8_.clear();
    delay16_.clear();
    dense_shortest_delay_ = delay_steps;
}

void SynapseMatrix::build(Layout layout, std::size_t n_post, std::size_t n_pre, std::vector<float> kernel,
                          std::span<const std::int32_t> delays, std::size_t delay_steps, const ConfigWhere& where,
                          bool ring) {
    if (layout == Layout::sparse) {
        // Compress row by row: the sparse layout is then built as build_sparse() builds it.
        SparseRows rows;
        rows.rows = n_post;
        rows.cols = n_pre;
        rows.row_start.reserve(n_post + 1);
        rows.row_start.push_back(0);
        std::vector<std::int32_t> nonzero_delays;
        for (std::size_t p = 0; p < n_post; ++p) {
            const float* row = kernel.data() + p * n_pre;
            for (std::size_t j = 0; j < n_pre; ++j) {
                if (row[j] == 0.0f) continue;
                rows.col.push_back(static_cast<std::uint32_t>(j));
                rows.value.push_back(row[j]);
                if (!delays.empty()) nonzero_delays.push_back(delays[p * n_pre + j]);
            }
            rows.row_start.push_back(rows.col.size());
        }
        std::vector<float>().swap(kernel);
        build_sparse(n_post, n_pre, std::move(rows), nonzero_delays, delay_steps, where, ring);
        return;
    }
    begin_build(Layout::dense, n_post, n_pre, delays.empty() ? 0 : delay_steps);
    kernel_ = std::move(kernel);
    std::size_t tasks = std::max<std::size_t>(1, (n_post * n_pre + dense_synapses_per_task - 1) / dense_synapses_per_task);
    if (tasks == 1 && n_post >= 2 && n_post * n_pre >= 2 * dense_synapses_per_half) tasks = 2;
    chunk_ = std::clamp<std::size_t>((n_post + tasks - 1) / tasks, 1, dense_rows_per_task);
    if (!delays.empty()) {
        if (delay_steps_ <= 255) copy_delays(delays, delay8_);
        else copy_delays(delays, delay16_);
        dense_shortest_delay_ = static_cast<std::size_t>(*std::min_element(delays.begin(), delays.end()));
    }
    tasks_ = (n_post_ + chunk_ - 1) / chunk_;
    allocate_pending(ring);
}

void SynapseMatrix::build_sparse(std::size_t n_post, std::size_t n_pre, SparseRows kernel,
                                 std::span<const std::int32_t> delays, std::size_t delay_steps,
                                 const ConfigWhere& where, bool ring) {
    begin_build(Layout::sparse, n_post, n_pre, delays.empty() ? 0 : delay_steps);
    fill_sparse(std::move(kernel), [&](const std::uint32_t*, std::uint64_t k0, std::uint64_t) { return delays.data() + k0; }, where);
    tasks_ = (n_post_ + chunk_ - 1) / chunk_;
    allocate_pending(ring);
}

void SynapseMatrix::allocate_pending(bool ring) {
    ring_.clear();
    ring_index_ = 0;
    in_flight_.clear();
    in_flight_kept_ = false;
    step_ = 0;
    if (delay_steps_ == 0 || !ring) return;
    if (layout_ == Layout::dense) {
        ring_.assign((delay_steps_ + 1) * n_post_, 0.0f);
        return;
    }
    in_flight_kept_ = true;
    in_flight_.resize(tasks_);
}

template <class Count>
void SynapseMatrix::count_segments(std::size_t nonzeros, const ConfigWhere& where, Count&& count) {
    if (nonzeros > std::numeric_limits<std::uint32_t>::max())
        config_detail::throw_error(where, "layout", Value("sparse"), "",
                                   "cannot hold " + std::to_string(nonzeros) +
                                       " nonzero weights (at most 2^32 - 1); use \"dense\"");
    chunk_ = sparse_chunk(n_post_, n_pre_, nonzeros, delay_steps_ != 0);
    const std::size_t chunks = (n_post_ + chunk_ - 1) / chunk_;
    // Column starts, column-major: segment (j, c) = the synapses of presynaptic unit j onto the targets of
    // chunk c, at [column_start_[j chunks + c], column_start_[j chunks + c + 1]), so that a unit's whole
    // column is contiguous. Count every segment, then prefix-sum.
    column_start_.assign(n_pre_ * chunks + 1, 0);
    count(chunks);
    for (std::size_t i = 1; i < column_start_.size(); ++i) column_start_[i] += column_start_[i - 1];
    nonzeros_ = nonzeros;
}

template <class RowDelaysOf>
void SynapseMatrix::fill_sparse(SparseRows rows, RowDelaysOf&& row_delays, const ConfigWhere& where) {
    count_segments(rows.nonzeros(), where, [&](std::size_t chunks) {
        for (std::size_t p = 0; p < n_post_; ++p) {
            const std::size_t c = p / chunk_;
            for (auto k = rows.row_start[p]; k < rows.row_start[p + 1]; ++k) ++column_start_[rows.col[k] * chunks + c + 1];
        }
    });
    const std::size_t chunks = (n_post_ + chunk_ - 1) / chunk_;
    // The records, filled row by row straight from the compressed rows: targets in increasing order
    // inside each segment (then sorted by delay, stably).
    uniform_ = nonzeros_ != 0 &&
               std::all_of(rows.value.begin(), rows.value.end(), [w = rows.value[0]](float v) { return v == w; });
    uniform_weight_ = uniform_ ? rows.value[0] : 0.0f;
    with_records([&](auto record) {
        using R = decltype(record);
        LargeArray<std::byte>(nonzeros_ * R::size).swap(records_);
        fill_records<R>(rows, row_delays, chunks);
        rows = SparseRows{};
        if constexpr (R::delayed) sort_segments_by_delay<R>(column_start_, records_.data(), delay_steps_);
    });
}

std::size_t SynapseMatrix::DrawnBlocks::nonzeros() const noexcept {
    std::size_t n = 0;
    for (const auto& block : columns) n += block.col.size();
    return n;
}

void SynapseMatrix::build_sparse_blocks(std::size_t n_post, std::size_t n_pre, DrawnBlocks blocks,
                                        std::size_t delay_steps, const ConfigWhere& where, Parallel& parallel,
                                        bool ring) {
    begin_build(Layout::sparse, n_post, n_pre, delay_steps);
    const std::size_t n_blocks = blocks.columns.size();
    auto last_column = [&](std::size_t b) { return b + 1 < n_blocks ? blocks.firsts[b + 1] : n_pre_; };
    // Each block counts and writes only its own columns' segments: the blocks never share an entry.
    std::vector<std::size_t> sizes(n_blocks);  // the blocks' nonzeros: the largest are handed out first
    for (std::size_t b = 0; b < n_blocks; ++b) sizes[b] = blocks.columns[b].col.size();
    count_segments(blocks.nonzeros(), where, [&](std::size_t chunks) {
        run_largest_first(parallel, sizes, [&](std::size_t b) {
            const auto& part = blocks.columns[b];
            for (std::size_t p = 0; p < n_post_; ++p) {
                const std::size_t c = p / chunk_;
                for (auto k = part.row_start[p]; k < part.row_start[p + 1]; ++k)
                    ++column_start_[part.col[k] * chunks + c + 1];
            }
        });
    });
    const std::size_t chunks = (n_post_ + chunk_ - 1) / chunk_;
    uniform_ = blocks.uniform_weight.has_value() && nonzeros_ != 0;
    uniform_weight_ = uniform_ ? *blocks.uniform_weight : 0.0f;
    with_records([&](auto record) {
        using R = decltype(record);
        LargeArray<std::byte>(nonzeros_ * R::size).swap(records_);
        const std::size_t tasks = blocks.independent ? n_blocks : 1;
        std::vector<std::exception_ptr> errors(tasks);
        std::vector<std::pair<bool, std::optional<float>>> equal(tasks);
        if (!blocks.independent) sizes.assign(1, nonzeros_);
        run_largest_first(parallel, sizes, [&](std::size_t t) {
            const std::size_t b0 = blocks.independent ? t : 0, b1 = blocks.independent ? t + 1 : n_blocks;
            try {
                equal[t] = fill_blocks<R>(blocks, b0, b1, chunks);
            } catch (...) {
                errors[t] = std::current_exception();
                return;
            }
            if constexpr (R::delayed) {
                const std::span<const std::uint32_t> starts(column_start_);
                sort_segments_by_delay<R>(
                    starts.subspan(blocks.firsts[b0] * chunks, (last_column(b1 - 1) - blocks.firsts[b0]) * chunks + 1),
                    records_.data(), delay_steps_);
            }
        });
        for (const auto& error : errors)
            if (error) std::rethrow_exception(error);
        // Weights that came out all equal are kept once, as build_sparse() keeps them.
        if constexpr (R::weighted) {
            std::optional<float> first;
            bool all_equal = true;
            for (const auto& [equal_in_task, first_in_task] : equal) {
                if (!first_in_task) continue;
                if (!first) first = first_in_task;
                all_equal = all_equal && equal_in_task && *first_in_task == *first;
            }
            if (first && all_equal) {
                std::vector<float> weights(nonzeros_, *first);
                std::vector<std::uint16_t> targets(nonzeros_), delays(delay_steps_ == 0 ? 0 : nonzeros_);
                for (std::size_t e = 0; e < nonzeros_; ++e) {
                    targets[e] = R::target(records_.data() + e * R::size);
                    if (!delays.empty()) delays[e] = static_cast<std::uint16_t>(R::delay(records_.data() + e * R::size));
                }
                pack(weights, targets, delays);
            }
        }
    });
    tasks_ = (n_post_ + chunk_ - 1) / chunk_;
    allocate_pending(ring);
}

template <class R>
std::pair<bool, std::optional<float>> SynapseMatrix::fill_blocks(DrawnBlocks& blocks, std::size_t b0, std::size_t b1,
                                                                 std::size_t chunks) {
    const std::size_t base = blocks.firsts[b0] * chunks;  // the cursors of the blocks' columns only
    const std::size_t end = b1 < blocks.columns.size() ? blocks.firsts[b1] * chunks : n_pre_ * chunks;
    std::vector<std::uint32_t> cursor(column_start_.begin() + static_cast<std::ptrdiff_t>(base),
                                      column_start_.begin() + static_cast<std::ptrdiff_t>(end));
    std::byte* records = records_.data();
    std::vector<float> weights;
    std::vector<std::uint16_t> delays;
    std::optional<float> first;
    bool equal = true;
    for (std::size_t p = 0; p < n_post_; ++p) {
        const std::size_t c = p / chunk_;
        const auto target = static_cast<std::uint16_t>(p - c * chunk_);
        for (std::size_t b = b0; b < b1; ++b) {
            const auto& part = blocks.columns[b];
            const std::span<const std::uint32_t> cols(part.col.data() + part.row_start[p],
                                                      part.row_start[p + 1] - part.row_start[p]);
            if (cols.empty()) continue;
            weights.resize(cols.size());
            delays.resize(R::delayed ? cols.size() : 0);
            blocks.values(b, cols, weights, delays);
            if (!first) first = weights[0];
            for (std::size_t k = 0; k < cols.size(); ++k) {
                // The records of a row are scattered over its columns' segments: ask for the line of the
                // record a few synapses ahead before writing this one.
                if (k + fill_prefetch_distance < cols.size())
                    __builtin_prefetch(
                        records + std::size_t{cursor[cols[k + fill_prefetch_distance] * chunks + c - base]} * R::size, 1);
                std::byte* r = records + std::size_t{cursor[cols[k] * chunks + c - base]++} * R::size;
                if constexpr (R::weighted) {
                    store(r, weights[k]);
                    equal = equal && weights[k] == *first;
                }
                store(r + R::target_offset, target);
                if constexpr (R::delayed) store(r + R::delay_offset, static_cast<typename R::delay_type>(delays[k]));
            }
        }
    }
    for (std::size_t b = b0; b < b1; ++b) blocks.columns[b] = {};  // the block's columns are in the records now
    return {equal, first};
}

template <class R, class RowDelaysOf>
void SynapseMatrix::fill_records(const SparseRows& rows, RowDelaysOf& row_delays, std::size_t chunks) {
    std::vector<std::uint32_t> cursor(column_start_.begin(), column_start_.end() - 1);
    std::byte* records = records_.data();
    for (std::size_t p = 0; p < n_post_; ++p) {
        const std::size_t c = p / chunk_;
        const auto target = static_cast<std::uint16_t>(p - c * chunk_);
        const auto first = rows.row_start[p], last = rows.row_start[p + 1];
        const auto* delays = R::delayed ? row_delays(rows.col.data(), first, last) : nullptr;
        for (auto k = first; k < last; ++k) {
            std::byte* r = records + std::size_t{cursor[rows.col[k] * chunks + c]++} * R::size;
            if constexpr (R::weighted) store(r, rows.value[k]);
            store(r + R::target_offset, target);
            if constexpr (R::delayed) store(r + R::delay_offset, static_cast<typename R::delay_type>(delays[k - first]));
        }
    }
}

template <class F>
void SynapseMatrix::with_records(F&& f) const {
    auto by_delay = [&]<bool Weighted>() {
        if (delay_steps_ == 0) f(Record<Weighted, NoDelay>{});
        else if (delay_steps_ <= 255) f(Record<Weighted, std::uint8_t>{});
        else f(Record<Weighted, std::uint16_t>{});
    };
    if (uniform_) by_delay.template operator()<false>();
    else by_delay.template operator()<true>();
}

void SynapseMatrix::pack(std::span<const float> weights, std::span<const std::uint16_t> targets,
                         std::span<const std::uint16_t> delays) {
    uniform_ = !weights.empty() &&
               std::all_of(weights.begin(), weights.end(), [w = weights[0]](float v) { return v == w; });
    uniform_weight_ = uniform_ ? weights[0] : 0.0f;
    nonzeros_ = targets.size();
    with_records([&](auto record) {
        using R = decltype(record);
        LargeArray<std::byte>(nonzeros_ * R::size).swap(records_);
        for (std::size_t e = 0; e < nonzeros_; ++e) {
            std::byte* r = records_.data() + e * R::size;
            if constexpr (R::weighted) store(r, weights[e]);
            store(r + R::target_offset, targets[e]);
            if constexpr (R::delayed) store(r + R::delay_offset, static_cast<typename R::delay_type>(delays[e]));
        }
    });
}

void SynapseMatrix::store_weights(std::span<const float> weights) {
    std::vector<std::uint16_t> targets(nonzeros_), delays(delay_steps_ == 0 ? 0 : nonzeros_);
    for (std::uint32_t e = 0; e < nonzeros_; ++e) targets[e] = stored_target(e);
    for (std::uint32_t e = 0; e < delays.size(); ++e) delays[e] = static_cast<std::uint16_t>(stored_delay(e));
    pack(weights, targets, delays);
}

float SynapseMatrix::stored_weight(std::uint32_t e) const noexcept {
    return uniform_ ? uniform_weight_ : load<float>(records_.data() + e * record_bytes());
}
std::uint16_t SynapseMatrix::stored_target(std::uint32_t e) const noexcept {
    return load<std::uint16_t>(records_.data() + e * record_bytes() + (uniform_ ? 0 : sizeof(float)));
}
std::size_t SynapseMatrix::stored_delay(std::uint32_t e) const noexcept {
    const std::byte* r = records_.data() + e * record_bytes() + (uniform_ ? 0 : sizeof(float)) + sizeof(std::uint16_t);
    return delay_steps_ <= 255 ? load<std::uint8_t>(r) : load<std::uint16_t>(r);
}
std::size_t SynapseMatrix::record_bytes() const noexcept {
    return (uniform_ ? 0 : sizeof(float)) + sizeof(std::uint16_t) +
           (delay_steps_ == 0 ? 0 : delay_steps_ <= 255 ? sizeof(std::uint8_t) : sizeof(std::uint16_t));
}

std::size_t SynapseMatrix::synapse_count() const noexcept {
    return layout_ == Layout::dense ? n_post_ * n_pre_ : nonzeros_;
}

namespace {

// Dense delivery with per-synapse delays into the ring, then the slot of this step into x (x[p - begin]).
template <class D>
void deliver_delayed_dense(std::size_t begin, std::size_t end, std::size_t n_post, std::size_t n_pre,
                           std::size_t slots, std::size_t now, const float* kernel, const D* delay,
                           std::span<const std::uint32_t> spiking, std::span<const float> sign, float* ring,
                           float* x) noexcept {
    const std::size_t n = spiking.size();
    for (std::size_t p = begin; p < end; ++p) {
        const float* row = kernel + p * n_pre;
        const D* drow = delay + p * n_pre;
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t j = spiking[k];
            std::size_t slot = now + drow[j];
            if (slot >= slots) slot -= slots;
            ring[slot * n_post + p] += row[j] * sign[k];
        }
    }
    float* current = ring + now * n_post;
    for (std::size_t p = begin; p < end; ++p) {
        x[p - begin] = current[p];
        current[p] = 0.0f;
    }
}

// The delivery asks for the cache lines of a column a few spiking units ahead: every column starts a new
// stream through memory too large to stay cached, and the delivery of one column is shorter than a
// memory latency.
constexpr std::size_t kPrefetchAhead = 4;  // spiking units
// The column prefetch needs the column's segment starts, themselves a cache miss in a table of n_pre x
// chunks entries (1 MB for CUBA's 64 000 excitatory units): they are asked for further ahead.
constexpr std::size_t kStartsAhead = 16;  // spiking units

// Asks for the segment starts of spiking units [k, k + count) (stride: entries per unit).
inline void prefetch_starts(std::span<const std::uint32_t> spiking, std::size_t k, std::size_t count,
                            const std::uint32_t* starts, std::size_t stride) noexcept {
    for (const std::size_t end = std::min(spiking.size(), k + count); k < end; ++k)
        __builtin_prefetch(starts + spiking[k] * stride);
}

// Asks for the cache lines of a column segment [first, last) (at most its first 256 synapses).
template <class R>
inline void prefetch_column(std::uint32_t first, std::uint32_t last, const std::byte* records) noexcept {
    const std::byte* end = records + std::min(last, first + 256) * R::size;
    for (const std::byte* r = records + first * R::size; r < end; r += 64) __builtin_prefetch(r);
}

// Sparse delivery without delays, spike by spike: adds each spiking unit's segments of `chunks`
// consecutive chunks (segment (j, c) at starts[j stride + c], its targets at x + c chunk_length) into x.
// One task passes its own chunk (chunks = 1, starts and x offset to it); the serial case passes all of
// them, so that a unit's whole column is read as one contiguous stream. Either way a target receives
// its inputs in increasing presynaptic order: the same sums.
template <class R>
void deliver_columns(const std::byte* records, float uniform_weight, const std::uint32_t* starts, std::size_t stride,
                     std::size_t chunks, std::size_t chunk_length, std::span<const std::uint32_t> spiking,
                     std::span<const float> sign, float* x) noexcept {
    const std::size_t n = spiking.size();
    prefetch_starts(spiking, 0, kStartsAhead, starts, stride);
    for (std::size_t k = 0; k < n; ++k) {
        prefetch_starts(spiking, k + kStartsAhead, 1, starts, stride);
        if (k + kPrefetchAhead < n) {  // the unit's segments of these chunks are contiguous
            const std::size_t ahead = spiking[k + kPrefetchAhead] * stride;
            prefetch_column<R>(starts[ahead], starts[ahead + chunks], records);
        }
        const std::size_t j = spiking[k] * stride;
        const float s = sign[k];
        for (std::size_t c = 0; c < chunks; ++c) {
            float* xc = x + c * chunk_length;
            const std::byte* last = records + starts[j + c + 1] * R::size;
            for (const std::byte* r = records + starts[j + c] * R::size; r < last; r += R::size)
                xc[R::target(r)] += R::weight(r, uniform_weight) * s;
        }
    }
}

constexpr std::size_t kFlightAhead = 8;  // spikes in flight
// ... and this many cache lines of it from its cursor: a visit reads ~19 records of 7 bytes on the
// microcircuit, which span about three lines (fewer lines ahead leave the rest to dependent misses).
constexpr std::size_t kFlightLines = 3;

// Puts this step's spikes in flight in a chunk: each spiking unit with synapses there, in increasing order.
template <class R>
void put_spikes_in_flight(std::vector<SpikeInFlight>& flying, std::uint32_t step, const std::byte* records,
                          const std::uint32_t* starts, std::size_t stride, std::span<const std::uint32_t> spiking,
                          std::span<const float> sign) noexcept {
    prefetch_starts(spiking, 0, kStartsAhead, starts, stride);
    for (std::size_t k = 0; k < spiking.size(); ++k) {
        prefetch_starts(spiking, k + kStartsAhead, 1, starts, stride);
        const std::size_t j = spiking[k] * stride;
        if (starts[j] == starts[j + 1]) continue;
        flying.push_back(SpikeInFlight{starts[j], starts[j + 1], step, spiking[k], sign[k]});
        __builtin_prefetch(records + starts[j] * R::size, 0, 2);
    }
}

// Sparse delivery with per-synapse delays, for the chunk whose targets start at xc: every spike in flight
// (oldest first) delivers the synapses of its segment that arrive at this step (delay <= its age; sorted
// by delay, they are the next ones) and moves its cursor on, dropping out when its segment is done; the
// first synapse of the next step is asked for now. Then this step's spikes go in flight.
// With `Filtered`, only the targets at offsets [lo, hi) of the chunk are added (a process's share of
// them: xc[offset - lo]), while every spike still moves its cursor as in the whole delivery, so the spikes
// in flight are the same on every process and the share's synapses are added in the whole delivery's
// order. (The arriving synapses are read whole: with targets sorted inside each delay, a binary search
// for the share's would read fewer, but its scattered reads cost more than the short runs it skips.)
template <class R, bool Filtered>
void deliver_in_flight(std::vector<SpikeInFlight>& flying, std::uint32_t step, const std::byte* records,
                       float uniform_weight, const std::uint32_t* starts, std::size_t stride,
                       std::span<const std::uint32_t> spiking, std::span<const float> sign, float* xc,
                       std::size_t lo, std::size_t hi) noexcept {
    std::fill(xc, xc + (hi - lo), 0.0f);
    std::size_t kept = 0;
    const std::size_t in_flight = flying.size();
    for (std::size_t i = 0; i < in_flight; ++i) {
        if (i + kFlightAhead < in_flight) {  // the next synapses of a spike a few places on
            const std::byte* ahead = records + flying[i + kFlightAhead].next * R::size;
            for (std::size_t line = 0; line < kFlightLines; ++line) __builtin_prefetch(ahead + 64 * line);
        }
        SpikeInFlight f = flying[i];
        const std::uint32_t age = step - f.emitted;
        std::uint32_t e = f.next;
        for (; e < f.end; ++e) {
            const std::byte* r = records + e * R::size;
            if (R::delay(r) > age) break;
            const std::size_t target = R::target(r);
            if constexpr (Filtered) {
                if (target >= lo && target < hi) xc[target - lo] += R::weight(r, uniform_weight) * f.sign;
            } else {
                xc[target] += R::weight(r, uniform_weight) * f.sign;
            }
        }
        if (e == f.end) continue;
        f.next = e;
        flying[kept++] = f;
        __builtin_prefetch(records + e * R::size, 0, 2);  // for the next step
    }
    flying.resize(kept);
    put_spikes_in_flight<R>(flying, step, records, starts, stride, spiking, sign);
}

}  // namespace

void SynapseMatrix::accumulate(std::size_t task, std::span<const std::uint32_t> spiking,
                               std::span<const float> sign, float* x) noexcept {
    // x is the task's slice: target p at x[p - begin].
    const auto [begin, end] = task_range(task);
    const std::size_t task_length = end - begin;  // a lambda cannot capture a structured binding (clang 14)
    const std::uint32_t* starts = column_start_.empty() ? nullptr : column_start_.data() + task;  // segment j: j * tasks_
    if (layout_ == Layout::dense && !ring_.empty()) {
        const std::size_t slots = delay_steps_ + 1;
        const auto now = static_cast<std::size_t>(ring_index_);
        if (delay_steps_ <= 255)
            deliver_delayed_dense(begin, end, n_post_, n_pre_, slots, now, kernel_.data(), delay8_.data(), spiking, sign,
                                  ring_.data(), x);
        else
            deliver_delayed_dense(begin, end, n_post_, n_pre_, slots, now, kernel_.data(), delay16_.data(), spiking,
                                  sign, ring_.data(), x);
        return;
    }
    if (in_flight_kept_) {
        with_records([&](auto record) {
            using R = decltype(record);
            if constexpr (R::delayed)
                deliver_in_flight<R, false>(in_flight_[task], step_, records_.data(), uniform_weight_, starts, tasks_,
                                            spiking, sign, x, 0, task_length);
        });
        return;
    }
    if (layout_ == Layout::dense) return accumulate_dense(spiking, sign, x, begin, end);
    std::fill(x, x + (end - begin), 0.0f);
    with_records([&](auto record) {
        deliver_columns<decltype(record)>(records_.data(), uniform_weight_, starts, tasks_, 1, chunk_, spiking, sign,
                                          x);
    });
}

void SynapseMatrix::accumulate_rows(std::size_t task, std::span<const std::uint32_t> spiking,
                                    std::span<const float> sign, float* x, std::size_t lo, std::size_t hi) noexcept {
    const std::size_t begin = task_range(task).first;
    if (layout_ == Layout::dense && !ring_.empty()) {  // the ring's columns of these targets only
        const std::size_t slots = delay_steps_ + 1, now = static_cast<std::size_t>(ring_index_);
        if (delay_steps_ <= 255)
            deliver_delayed_dense(lo, hi, n_post_, n_pre_, slots, now, kernel_.data(), delay8_.data(), spiking, sign,
                                  ring_.data(), x);
        else
            deliver_delayed_dense(lo, hi, n_post_, n_pre_, slots, now, kernel_.data(), delay16_.data(), spiking, sign,
                                  ring_.data(), x);
        return;
    }
    if (layout_ == Layout::dense) return accumulate_dense(spiking, sign, x, lo, hi);
    with_records([&](auto record) {
        using R = decltype(record);
        if constexpr (R::delayed)
            deliver_in_flight<R, true>(in_flight_[task], step_, records_.data(), uniform_weight_,
                                       column_start_.data() + task, tasks_, spiking, sign, x, lo - begin, hi - begin);
    });
}

void SynapseMatrix::accumulate_dense(std::span<const std::uint32_t> spiking, std::span<const float> sign, float* x,
                                     std::size_t begin, std::size_t end) const noexcept {
    const std::size_t n = spiking.size();
    for (std::size_t p = begin; p < end; ++p) {
        const float* row = kernel_.data() + p * n_pre_;
        float acc = 0.0f;
        for (std::size_t k = 0; k < n; ++k) acc += row[spiking[k]] * sign[k];
        x[p - begin] = acc;
    }
}

void SynapseMatrix::accumulate_all(std::span<const std::uint32_t> spiking, std::span<const float> sign,
                                   float* x) noexcept {
    // Task by task where a task's work is not one stream per spiking column: the dense layout, and the
    // spikes in flight (each chunk keeps its own).
    if (layout_ == Layout::dense || in_flight_kept_) {
        for (std::size_t t = 0; t < tasks_; ++t) accumulate(t, spiking, sign, x + task_range(t).first);
        return;
    }
    // Spike by spike over all chunks: a column is read as one contiguous stream.
    std::fill(x, x + n_post_, 0.0f);
    with_records([&](auto record) {
        deliver_columns<decltype(record)>(records_.data(), uniform_weight_, column_start_.data(), tasks_, tasks_,
                                          chunk_, spiking, sign, x);
    });
}

void SynapseMatrix::release_rows_outside(std::size_t begin, std::size_t end) noexcept {
#if defined(__linux__)
    if (layout_ != Layout::dense) return;
    const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    // The whole pages inside the element range [first, last) of an array.
    auto release = [&](const auto* data, std::size_t first, std::size_t last) {
        const auto lo = (reinterpret_cast<std::uintptr_t>(data + first) + page - 1) / page * page;
        const auto hi = reinterpret_cast<std::uintptr_t>(data + last) / page * page;
        if (lo < hi) (void)madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
    };
    release(kernel_.data(), 0, std::min(begin, n_post_) * n_pre_);
    release(kernel_.data(), std::min(end, n_post_) * n_pre_, n_post_ * n_pre_);
    // The delays of those synapses: they are drawn again at build, never state.
    if (!delay8_.empty()) {
        release(delay8_.data(), 0, std::min(begin, n_post_) * n_pre_);
        release(delay8_.data(), std::min(end, n_post_) * n_pre_, n_post_ * n_pre_);
    } else if (!delay16_.empty()) {
        release(delay16_.data(), 0, std::min(begin, n_post_) * n_pre_);
        release(delay16_.data(), std::min(end, n_post_) * n_pre_, n_post_ * n_pre_);
    }
#else
    (void)begin;
    (void)end;
#endif
}

void SynapseMatrix::gather_ring_columns(ShareExchange& exchange) {
    if (ring_.empty()) return;
    const std::size_t slots = delay_steps_ + 1, ranks = exchange.processes();
    const UnitShare mine = unit_block_share(n_post_, exchange.rank(), ranks);
    std::vector<float> part;  // slot by slot, this block's columns
    part.reserve(slots * (mine.end - mine.begin));
    for (std::size_t slot = 0; slot < slots; ++slot)
        part.insert(part.end(), ring_.begin() + static_cast<std::ptrdiff_t>(slot * n_post_ + mine.begin),
                    ring_.begin() + static_cast<std::ptrdiff_t>(slot * n_post_ + mine.end));
    std::vector<std::byte> all;
    std::vector<std::size_t> counts;
    exchange.all_gather(std::as_bytes(std::span<const float>(part)), all, counts);
    std::size_t offset = 0;
    for (std::size_t r = 0; r < ranks; ++r) {
        const UnitShare block = unit_block_share(n_post_, r, ranks);
        const std::size_t width = block.end - block.begin;
        if (r != exchange.rank() && width != 0 && counts[r] == slots * width * sizeof(float))
            for (std::size_t slot = 0; slot < slots; ++slot)
                std::memcpy(ring_.data() + slot * n_post_ + block.begin,
                            all.data() + offset + slot * width * sizeof(float), width * sizeof(float));
        offset += counts[r];
    }
}

void SynapseMatrix::accumulate_per_synapse_rows(ConstArrayRef spikes, float* x, std::size_t begin,
                                                std::size_t end) const noexcept {
    const auto* codes = static_cast<const std::uint8_t*>(spikes.data);
    const SynapseArrivals* arrivals = spikes.spike_index != nullptr ? spikes.spike_index->arrivals() : nullptr;
    if (arrivals != nullptr && arrivals->n_pre == n_pre_) {
        // The arrivals grouped by sender, in increasing j: each target's sum in the order of the scan below.
        std::fill(x, x + (end - begin), 0.0f);
        for_each_arrival_in_rows(*arrivals, begin, end, [&](std::size_t p, std::size_t j, std::uint8_t code) {
            x[p - begin] += kernel_[p * n_pre_ + j] * spike::signed_value(code);
        });
        return;
    }
    if (spikes.spike_index != nullptr && spikes.spike_index->fresh()) {
        // The arrivals listed by their producer, in increasing (p, j): each target's sum in the order of
        // the scan below.
        std::fill(x, x + (end - begin), 0.0f);
        spikes.spike_index->for_each_in(begin * n_pre_, end * n_pre_, [&](std::size_t i, bool inhibitory) {
            x[i / n_pre_ - begin] += kernel_[i] * (inhibitory ? -1.0f : 1.0f);
        });
        return;
    }
    for (std::size_t p = begin; p < end; ++p) {
        const float* row = kernel_.data() + p * n_pre_;
        const std::uint8_t* c = codes + p * n_pre_;
        float acc = 0.0f;
        for (std::size_t j = 0; j < n_pre_; ++j)
            if (c[j] & spike::bit) acc += row[j] * spike::signed_value(c[j]);
        x[p - begin] = acc;
    }
}

void SynapseMatrix::accumulate_per_synapse(std::size_t first_task, std::size_t last_task, ConstArrayRef spikes,
                                           float* x) const noexcept {
    if (first_task >= last_task) return;
    // x is the tasks' slice: target p at x[p - begin]
    const std::size_t begin = task_range(first_task).first, end = task_range(last_task - 1).second;
    if (layout_ == Layout::dense) return accumulate_per_synapse_rows(spikes, x, begin, end);
    const auto* codes = static_cast<const std::uint8_t*>(spikes.data);
    std::fill(x, x + (end - begin), 0.0f);
    for (std::size_t task = first_task; task < last_task; ++task) {
        const std::size_t task_begin = task_range(task).first;
        float* task_x = x + (task_begin - begin);
        const std::uint32_t* starts = column_start_.data() + task;
        for (std::size_t j = 0; j < n_pre_; ++j) {
            for (std::uint32_t e = starts[j * tasks_]; e < starts[j * tasks_ + 1]; ++e) {
                const std::size_t offset = stored_target(e);
                const std::uint8_t c = codes[(task_begin + offset) * n_pre_ + j];
                if (c & spike::bit) task_x[offset] += stored_weight(e) * spike::signed_value(c);
            }
        }
    }
}

void SynapseMatrix::advance() noexcept {
    if (in_flight_kept_) ++step_;
    if (ring_.empty()) return;
    ring_index_ = ring_index_ == static_cast<std::int32_t>(delay_steps_) ? 0 : ring_index_ + 1;
}

std::size_t SynapseMatrix::shortest_delay() const noexcept {
    if (layout_ == Layout::dense) return dense_shortest_delay_;
    std::size_t shortest = delay_steps_;
    for (std::uint32_t e = 0; e < nonzeros_ && shortest > 1; ++e) shortest = std::min(shortest, stored_delay(e));
    return shortest;
}

void SynapseMatrix::put_in_flight_late(std::span<const std::uint32_t> spiking, std::span<const float> sign,
                                       std::size_t steps_late) {
    const std::uint32_t emitted = step_ - static_cast<std::uint32_t>(steps_late);
    for (std::size_t k = 0; k < spiking.size(); ++k) put_in_flight(spiking[k], sign[k], emitted, 0);
}

void SynapseMatrix::add_to_ring_late(std::span<const std::uint32_t> spiking, std::span<const float> sign,
                                     std::size_t steps_late, std::size_t lo, std::size_t hi) noexcept {
    const std::size_t slots = delay_steps_ + 1;
    // The slot of the step that would have read them, as deliver_delayed_dense() took it then.
    const std::size_t then = (static_cast<std::size_t>(ring_index_) + slots - steps_late % slots) % slots;
    auto add = [&](const auto* delay) {
        for (std::size_t p = lo; p < hi; ++p) {
            const float* row = kernel_.data() + p * n_pre_;
            const auto* drow = delay + p * n_pre_;
            for (std::size_t k = 0; k < spiking.size(); ++k) {
                const std::size_t j = spiking[k];
                std::size_t slot = then + drow[j];
                if (slot >= slots) slot -= slots;
                ring_[slot * n_post_ + p] += row[j] * sign[k];
            }
        }
    };
    if (delay_steps_ <= 255) add(delay8_.data());
    else add(delay16_.data());
}

void SynapseMatrix::put_in_flight(std::uint32_t unit, float sign, std::uint32_t emitted, std::size_t delivered) {
    for (std::size_t c = 0; c < tasks_; ++c) {
        const std::uint32_t last = segment_begin(unit, c) + segment_size(unit, c);
        std::uint32_t next = segment_begin(unit, c);
        while (next < last && stored_delay(next) <= delivered) ++next;
        if (next < last) in_flight_[c].push_back(SpikeInFlight{next, last, emitted, unit, sign});
    }
}

void SynapseMatrix::copy_dense(std::span<float> out) const noexcept {
    if (layout_ == Layout::dense) {
        std::copy(kernel_.begin(), kernel_.end(), out.begin());
        return;
    }
    std::fill(out.begin(), out.end(), 0.0f);
    for (std::size_t j = 0; j < n_pre_; ++j)
        for (std::size_t c = 0; c < tasks_; ++c)
            for (std::uint32_t e = segment_begin(j, c); e < segment_begin(j, c) + segment_size(j, c); ++e)
                out[(c * chunk_ + stored_target(e)) * n_pre_ + j] = stored_weight(e);
}

SparseRows SynapseMatrix::sparse_rows(std::vector<std::int32_t>& delays) const {
    SparseRows rows;
    rows.rows = n_post_;
    rows.cols = n_pre_;
    rows.row_start.assign(n_post_ + 1, 0);
    for (std::size_t j = 0; j < n_pre_; ++j)
        for (std::size_t c = 0; c < tasks_; ++c)
            for (std::uint32_t e = segment_begin(j, c); e < segment_begin(j, c) + segment_size(j, c); ++e)
                ++rows.row_start[c * chunk_ + stored_target(e) + 1];
    for (std::size_t p = 0; p < n_post_; ++p) rows.row_start[p + 1] += rows.row_start[p];
    rows.col.resize(nonzeros_);
    rows.value.resize(nonzeros_);
    delays.assign(delay_steps_ == 0 ? 0 : nonzeros_, 0);
    // Column by column, so that each row's columns come out increasing.
    std::vector<std::uint64_t> cursor(rows.row_start.begin(), rows.row_start.end() - 1);
    for (std::size_t j = 0; j < n_pre_; ++j)
        for (std::size_t c = 0; c < tasks_; ++c)
            for (std::uint32_t e = segment_begin(j, c); e < segment_begin(j, c) + segment_size(j, c); ++e) {
                const std::uint64_t k = cursor[c * chunk_ + stored_target(e)]++;
                rows.col[k] = static_cast<std::uint32_t>(j);
                rows.value[k] = stored_weight(e);
                if (!delays.empty()) delays[k] = static_cast<std::int32_t>(stored_delay(e));
            }
    return rows;
}

void SynapseMatrix::set_kernel(std::span<const float> dense, const ConfigWhere& where) {
    if (layout_ == Layout::dense) {
        std::copy(dense.begin(), dense.end(), kernel_.begin());
        return;
    }
    // Every nonzero of `dense` must sit on a stored synapse: compare the counts, then locate the culprit.
    std::size_t nonzeros = 0, covered = 0;
    for (float w : dense) nonzeros += w != 0.0f;
    for (std::size_t j = 0; j < n_pre_; ++j)
        for (std::size_t c = 0; c < tasks_; ++c)
            for (std::uint32_t e = segment_begin(j, c); e < segment_begin(j, c) + segment_size(j, c); ++e)
                covered += dense[(c * chunk_ + stored_target(e)) * n_pre_ + j] != 0.0f;
    if (covered != nonzeros) {
        for (std::size_t p = 0; p < n_post_; ++p) {
            const std::size_t c = p / chunk_;
            for (std::size_t j = 0; j < n_pre_; ++j) {
                const float w = dense[p * n_pre_ + j];
                if (w == 0.0f) continue;
                const std::uint32_t first = segment_begin(j, c), last = first + segment_size(j, c);
                bool stored = false;  // (targets increase by delay, not along the whole segment)
                for (std::uint32_t e = first; e < last && !stored; ++e) stored = stored_target(e) == p - c * chunk_;
                if (stored) continue;
                config_detail::throw_error(
                    where, "kernel[" + std::to_string(p) + ", " + std::to_string(j) + "]",
                    Value(static_cast<double>(w)), "",
                    "is outside the nonzero pattern of the sparse layout (fixed at build); the sparse layout "
                    "only changes existing weights; use layout = \"dense\" to rewire");
            }
        }
    }
    std::vector<float> weights(nonzeros_);
    for (std::size_t j = 0; j < n_pre_; ++j)
        for (std::size_t c = 0; c < tasks_; ++c)
            for (std::uint32_t e = segment_begin(j, c); e < segment_begin(j, c) + segment_size(j, c); ++e)
                weights[e] = dense[(c * chunk_ + stored_target(e)) * n_pre_ + j];
    store_weights(weights);
}

void SynapseMatrix::reset() noexcept {
    std::fill(ring_.begin(), ring_.end(), 0.0f);
    ring_index_ = 0;
    for (auto& flying : in_flight_) flying.clear();
    step_ = 0;
}

void SynapseMatrix::visit_state(StateVisitor& v) {
    if (layout_ == Layout::dense) {
        v("kernel", kernel_);
    } else {
        // One value per stored synapse whichever way they are stored; what was loaded decides the storage
        // (stored again only if a value changed, bit for bit).
        std::vector<float> weights(nonzeros_);
        for (std::uint32_t e = 0; e < nonzeros_; ++e) weights[e] = stored_weight(e);
        v("kernel_values", weights);
        if (v.writes()) store_weights_if_changed(weights);
    }
    if (!ring_.empty()) {
        v("delay_ring", ring_);
        v("delay_ring_index", ring_index_, ValidRange{0, static_cast<std::int64_t>(delay_steps_)});
    } else if (in_flight_kept_) {
        std::vector<std::uint8_t> codes = in_flight_codes();
        v("delay_spikes", codes, valid_spike_codes);
        if (v.writes()) put_in_flight_from(codes);
    }
}

void SynapseMatrix::store_weights_if_changed(std::span<const float> weights) {
    for (std::uint32_t e = 0; e < nonzeros_; ++e)
        if (std::bit_cast<std::uint32_t>(weights[e]) != std::bit_cast<std::uint32_t>(stored_weight(e))) {
            store_weights(weights);
            return;
        }
}

// The spikes in flight as the codes of their units by age: a cursor is a function of the spike's age
// (its segment is sorted by delay), so they can be put in flight again from the codes alone.
std::vector<std::uint8_t> SynapseMatrix::in_flight_codes() const {
    std::vector<std::uint8_t> codes(delay_steps_ * n_pre_, 0);
    for (const auto& flying : in_flight_)
        for (const SpikeInFlight& f : flying) {
            const std::size_t age = step_ - 1 - f.emitted;
            codes[age * n_pre_ + f.unit] = f.sign < 0.0f ? spike::bit | spike::inhibitory : spike::bit;
        }
    return codes;
}

// Replaces the spikes in flight with those of `codes`, in the order they were emitted.
void SynapseMatrix::put_in_flight_from(std::span<const std::uint8_t> codes) {
    for (auto& flying : in_flight_) flying.clear();
    for (std::size_t age = delay_steps_; age-- > 0;)
        for (std::size_t j = 0; j < n_pre_; ++j)
            if (const std::uint8_t code = codes[age * n_pre_ + j]; code & spike::bit)
                put_in_flight(static_cast<std::uint32_t>(j), spike::signed_value(code),
                              step_ - 1 - static_cast<std::uint32_t>(age), age);
}

std::size_t SynapseMatrix::state_bytes() const noexcept {
    std::size_t bytes = ring_.size() * sizeof(float) + sizeof(ring_index_);
    for (const auto& flying : in_flight_) bytes += flying.capacity() * sizeof(SpikeInFlight);
    return bytes;
}

std::size_t SynapseMatrix::connectivity_bytes() const noexcept {
    return kernel_.size() * sizeof(float) + records_.size() + (uniform_ ? sizeof(float) : 0) +
           column_start_.size() * sizeof(std::uint32_t) + delay8_.size() + delay16_.size() * sizeof(std::uint16_t);
}

}  // namespace spark::components::synapses
