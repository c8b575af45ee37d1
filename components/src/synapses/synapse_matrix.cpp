#include <spark/components/synapses/synapse_matrix.hpp>

#include <algorithm>
#include <limits>
#include <string>

#include <spark/core/parallel.hpp>
#include <spark/core/payload.hpp>

namespace spark::components::synapses {

namespace {

constexpr std::size_t kMaxSparseChunk = 65536;  // target offsets are uint16
constexpr std::size_t kInitialBucket = 64;      // events per (task, slot) reserved at build
constexpr std::size_t kMinDelayedChunk = 16384;  // with delays (see sparse_chunk)

// Targets per chunk of the sparse layout: a function of the problem size only. Without delays it is
// the population's task_length (the split every per-unit loop over the targets uses, so a thread
// delivers into the targets it then updates). With delays at least 16384: each chunk keeps B + 1
// pending lists, and scheduling a spiking unit's column appends to one list per chunk and delay, so
// fewer chunks mean fewer write streams (the microcircuit ran ~10 % faster on one thread and with
// the oneTBB executor than with quarter-population chunks). Then it doubles up to 65536 while there
// are more chunks than keep the column starts at ~1 byte per synapse.
std::size_t sparse_chunk(std::size_t n_post, std::size_t n_pre, std::size_t nonzeros, bool delayed) {
    const std::size_t max_chunks = std::max<std::size_t>(1, nonzeros / (4 * (n_pre + 1)));
    std::size_t chunk = task_length(n_post);
    if (delayed) chunk = std::max(chunk, kMinDelayedChunk);
    while (chunk < kMaxSparseChunk && (n_post + chunk - 1) / chunk > max_chunks)
        chunk = std::min(2 * chunk, kMaxSparseChunk);
    return chunk;
}

template <class D>
void copy_delays(std::span<const std::int32_t> from, std::vector<D>& to) {
    to.resize(from.size());
    for (std::size_t i = 0; i < from.size(); ++i) to[i] = static_cast<D>(from[i]);
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
    target_.clear();
    column_start_.clear();
    delay8_.clear();
    delay16_.clear();
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
    chunk_ = dense_rows_per_task;
    if (!delays.empty()) {
        if (delay_steps_ <= 255) copy_delays(delays, delay8_);
        else copy_delays(delays, delay16_);
    }
    tasks_ = (n_post_ + chunk_ - 1) / chunk_;
    allocate_pending(ring);
}

void SynapseMatrix::build_sparse(std::size_t n_post, std::size_t n_pre, SparseRows kernel,
                                 std::span<const std::int32_t> delays, std::size_t delay_steps,
                                 const ConfigWhere& where, bool ring) {
    begin_build(Layout::sparse, n_post, n_pre, delays.empty() ? 0 : delay_steps);
    fill_sparse(std::move(kernel), delays, where);
    tasks_ = (n_post_ + chunk_ - 1) / chunk_;
    allocate_pending(ring);
}

void SynapseMatrix::allocate_pending(bool ring) {
    ring_.clear();
    buckets_.clear();
    ring_index_ = 0;
    if (delay_steps_ == 0 || !ring) return;
    if (layout_ == Layout::dense) {
        ring_.assign((delay_steps_ + 1) * n_post_, 0.0f);
        return;
    }
    buckets_.resize(tasks_ * (delay_steps_ + 1));
    for (auto& b : buckets_) b.reserve(kInitialBucket);
}

void SynapseMatrix::fill_sparse(SparseRows rows, std::span<const std::int32_t> delays, const ConfigWhere& where) {
    const std::size_t nonzeros = rows.nonzeros();
    if (nonzeros > std::numeric_limits<std::uint32_t>::max())
        config_detail::throw_error(where, "layout", Value("sparse"), "",
                                   "cannot hold " + std::to_string(nonzeros) +
                                       " nonzero weights (at most 2^32 - 1); use \"dense\"");
    const bool small_delays = delay_steps_ <= 255;
    chunk_ = sparse_chunk(n_post_, n_pre_, nonzeros, !delays.empty());
    const std::size_t chunks = (n_post_ + chunk_ - 1) / chunk_;
    // Column starts, column-major: segment (j, c) = the synapses of presynaptic unit j onto the targets of
    // chunk c, at [column_start_[j chunks + c], column_start_[j chunks + c + 1]), so that a unit's whole
    // column is contiguous. Count every segment, then prefix-sum.
    column_start_.assign(n_pre_ * chunks + 1, 0);
    for (std::size_t p = 0; p < n_post_; ++p) {
        const std::size_t c = p / chunk_;
        for (auto k = rows.row_start[p]; k < rows.row_start[p + 1]; ++k) ++column_start_[rows.col[k] * chunks + c + 1];
    }
    for (std::size_t i = 1; i < column_start_.size(); ++i) column_start_[i] += column_start_[i - 1];
    // Fill row by row: targets in increasing order inside each segment.
    std::vector<float> weights(nonzeros);
    target_.resize(nonzeros);
    if (!delays.empty()) {
        if (small_delays) delay8_.resize(nonzeros);
        else delay16_.resize(nonzeros);
    }
    std::vector<std::uint32_t> cursor(column_start_.begin(), column_start_.end() - 1);
    for (std::size_t p = 0; p < n_post_; ++p) {
        const std::size_t c = p / chunk_;
        for (auto k = rows.row_start[p]; k < rows.row_start[p + 1]; ++k) {
            const std::uint32_t e = cursor[rows.col[k] * chunks + c]++;
            weights[e] = rows.value[k];
            target_[e] = static_cast<std::uint16_t>(p - c * chunk_);
            if (!delays.empty()) {
                if (small_delays) delay8_[e] = static_cast<std::uint8_t>(delays[k]);
                else delay16_[e] = static_cast<std::uint16_t>(delays[k]);
            }
        }
    }
    store_weights(std::move(weights));
}

void SynapseMatrix::store_weights(std::vector<float> weights) noexcept {
    const bool uniform = !weights.empty() && std::all_of(weights.begin(), weights.end(),
                                                         [w = weights[0]](float v) { return v == w; });
    uniform_ = uniform;
    uniform_weight_ = uniform ? weights[0] : 0.0f;
    if (uniform) std::vector<float>().swap(weights);
    kernel_ = std::move(weights);
}

std::size_t SynapseMatrix::synapse_count() const noexcept {
    return layout_ == Layout::dense ? n_post_ * n_pre_ : target_.size();
}

namespace {

// Dense delivery with per-synapse delays into the ring, then the slot of this step into x.
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
        x[p] = current[p];
        current[p] = 0.0f;
    }
}

// Asks for the cache lines of a column segment [first, last) a few spiking units ahead (up to 16 lines
// of weights): every column starts a new stream through memory too large to stay cached, and the
// delivery of one column is shorter than a memory latency.
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

// The weights of the sparse layout as the delivery loops read them: one per synapse, or one for the
// whole group. The loops are instantiated for both, so a uniform group reads no weight array at all
// (its product K s is loop-invariant: the same float32 value per synapse as the per-synapse loop forms).
struct PerSynapseWeights {
    const float* w;
    float operator[](std::uint32_t e) const noexcept { return w[e]; }
    const float* prefetch_base() const noexcept { return w; }
};
struct UniformWeight {
    float w;
    float operator[](std::uint32_t) const noexcept { return w; }
    const float* prefetch_base() const noexcept { return nullptr; }
};

template <class D>
inline void prefetch_column(std::uint32_t first, std::uint32_t last, const float* kernel,
                            const std::uint16_t* target, const D* delay) noexcept {
    const std::uint32_t end = std::min(last, first + 256);
    if (kernel != nullptr)
        for (std::uint32_t e = first; e < end; e += 16) __builtin_prefetch(kernel + e);
    for (std::uint32_t e = first; e < end; e += 32) __builtin_prefetch(target + e);
    if (delay != nullptr)
        for (std::uint32_t e = first; e < end; e += static_cast<std::uint32_t>(64 / sizeof(D))) __builtin_prefetch(delay + e);
}

// Sparse delivery with per-synapse delays: each synapse of a spiking unit appends (target, K s) to the
// pending list of the slot it arrives in (sequential writes), then this step's list is summed into x
// (adds into the task's own targets only, which stay in cache). Every target's input is the sum of its
// events in arrival order, exactly as a per-target ring would accumulate it.
template <class D, class W>
void schedule_segment(std::uint32_t first, std::uint32_t last, float s, std::size_t slots, std::size_t now,
                      W kernel, const std::uint16_t* target, const D* delay,
                      std::vector<PendingInput>* pending) noexcept {
    for (std::uint32_t e = first; e < last; ++e) {
        std::size_t slot = now + delay[e];
        if (slot >= slots) slot -= slots;
        pending[slot].push_back(PendingInput{target[e], kernel[e] * s});
    }
}

// The due list of one task summed into its targets.
inline void sum_due(std::vector<PendingInput>& due, float* xc, std::size_t count) noexcept {
    std::fill(xc, xc + count, 0.0f);
    for (const PendingInput& input : due) xc[input.target] += input.value;
    due.clear();
}

template <class D, class W>
void deliver_delayed_sparse(std::size_t begin, std::size_t end, std::size_t slots, std::size_t now,
                            W kernel, const std::uint16_t* target, const std::uint32_t* starts,
                            std::size_t stride, const D* delay, std::span<const std::uint32_t> spiking,
                            std::span<const float> sign, std::vector<PendingInput>* pending, float* x) noexcept {
    const std::size_t n = spiking.size();
    prefetch_starts(spiking, 0, kStartsAhead, starts, stride);
    for (std::size_t k = 0; k < n; ++k) {
        prefetch_starts(spiking, k + kStartsAhead, 1, starts, stride);
        if (k + kPrefetchAhead < n) {
            const std::size_t ahead = spiking[k + kPrefetchAhead] * stride;
            prefetch_column(starts[ahead], starts[ahead + 1], kernel.prefetch_base(), target, delay);
        }
        const std::size_t j = spiking[k] * stride;
        schedule_segment(starts[j], starts[j + 1], sign[k], slots, now, kernel, target, delay, pending);
    }
    sum_due(pending[now], x + begin, end - begin);
}

}  // namespace

template <class F>
void SynapseMatrix::with_weights(F&& f) const {
    if (uniform_) f(UniformWeight{uniform_weight_});
    else f(PerSynapseWeights{kernel_.data()});
}

float SynapseMatrix::stored_weight(std::uint32_t e) const noexcept { return uniform_ ? uniform_weight_ : kernel_[e]; }

void SynapseMatrix::accumulate(std::size_t task, std::span<const std::uint32_t> spiking,
                               std::span<const float> sign, float* x) noexcept {
    const auto [begin, end] = task_range(task);
    const std::uint32_t* starts = column_start_.empty() ? nullptr : column_start_.data() + task;  // segment j: j * tasks_
    if (!ring_.empty() || !buckets_.empty()) {
        const std::size_t slots = delay_steps_ + 1;
        const auto now = static_cast<std::size_t>(ring_index_);
        if (layout_ == Layout::dense) {
            if (delay_steps_ <= 255)
                deliver_delayed_dense(begin, end, n_post_, n_pre_, slots, now, kernel_.data(), delay8_.data(), spiking,
                                      sign, ring_.data(), x);
            else
                deliver_delayed_dense(begin, end, n_post_, n_pre_, slots, now, kernel_.data(), delay16_.data(), spiking,
                                      sign, ring_.data(), x);
        } else {
            std::vector<PendingInput>* pending = buckets_.data() + task * slots;
            with_weights([&](auto w) {
                if (delay_steps_ <= 255)
                    deliver_delayed_sparse(begin, end, slots, now, w, target_.data(), starts, tasks_, delay8_.data(),
                                           spiking, sign, pending, x);
                else
                    deliver_delayed_sparse(begin, end, slots, now, w, target_.data(), starts, tasks_, delay16_.data(),
                                           spiking, sign, pending, x);
            });
        }
        return;
    }
    const std::size_t n = spiking.size();
    if (layout_ == Layout::dense) {
        for (std::size_t p = begin; p < end; ++p) {
            const float* row = kernel_.data() + p * n_pre_;
            float acc = 0.0f;
            for (std::size_t k = 0; k < n; ++k) acc += row[spiking[k]] * sign[k];
            x[p] = acc;
        }
        return;
    }
    std::fill(x + begin, x + end, 0.0f);
    float* xc = x + begin;
    const std::uint16_t* t = target_.data();
    with_weights([&](auto w) {
        prefetch_starts(spiking, 0, kStartsAhead, starts, tasks_);
        for (std::size_t k = 0; k < n; ++k) {
            prefetch_starts(spiking, k + kStartsAhead, 1, starts, tasks_);
            if (k + kPrefetchAhead < n) {
                const std::size_t ahead = spiking[k + kPrefetchAhead] * tasks_;
                prefetch_column<std::uint8_t>(starts[ahead], starts[ahead + 1], w.prefetch_base(), t, nullptr);
            }
            const std::size_t j = spiking[k] * tasks_;
            const float s = sign[k];
            const std::uint32_t first = starts[j], last = starts[j + 1];
            for (std::uint32_t e = first; e < last; ++e) xc[t[e]] += w[e] * s;
        }
    });
}

void SynapseMatrix::accumulate_all(std::span<const std::uint32_t> spiking, std::span<const float> sign,
                                   float* x) noexcept {
    if (layout_ == Layout::dense) {
        for (std::size_t t = 0; t < tasks_; ++t) accumulate(t, spiking, sign, x);
        return;
    }
    // Spike by spike over all chunks: a column is read as one contiguous stream. Every target still
    // receives its inputs in increasing presynaptic order (it lives in one chunk), so the sums are the
    // ones the task-by-task loop forms.
    const std::size_t n = spiking.size();
    const std::uint16_t* t = target_.data();
    const std::uint32_t* starts = column_start_.data();
    if (!buckets_.empty()) {
        const std::size_t slots = delay_steps_ + 1;
        const auto now = static_cast<std::size_t>(ring_index_);
        with_weights([&](auto w) {
            prefetch_starts(spiking, 0, kStartsAhead, starts, tasks_);
            for (std::size_t k = 0; k < n; ++k) {
                prefetch_starts(spiking, k + kStartsAhead, 1, starts, tasks_);
                const std::size_t j = spiking[k] * tasks_;
                if (k + kPrefetchAhead < n) {  // the whole column (all chunks) is contiguous
                    const std::size_t ahead = spiking[k + kPrefetchAhead] * tasks_;
                    if (delay_steps_ <= 255)
                        prefetch_column(starts[ahead], starts[ahead + tasks_], w.prefetch_base(), t, delay8_.data());
                    else
                        prefetch_column(starts[ahead], starts[ahead + tasks_], w.prefetch_base(), t, delay16_.data());
                }
                for (std::size_t c = 0; c < tasks_; ++c) {
                    std::vector<PendingInput>* pending = buckets_.data() + c * slots;
                    if (delay_steps_ <= 255)
                        schedule_segment(starts[j + c], starts[j + c + 1], sign[k], slots, now, w, t, delay8_.data(),
                                         pending);
                    else
                        schedule_segment(starts[j + c], starts[j + c + 1], sign[k], slots, now, w, t, delay16_.data(),
                                         pending);
                }
            }
        });
        for (std::size_t c = 0; c < tasks_; ++c) {
            const auto [begin, end] = task_range(c);
            sum_due(buckets_[c * slots + now], x + begin, end - begin);
        }
        return;
    }
    std::fill(x, x + n_post_, 0.0f);
    with_weights([&](auto w) {
        prefetch_starts(spiking, 0, kStartsAhead, starts, tasks_);
        for (std::size_t k = 0; k < n; ++k) {
            prefetch_starts(spiking, k + kStartsAhead, 1, starts, tasks_);
            if (k + kPrefetchAhead < n) {  // the whole column (all chunks) is contiguous
                const std::size_t ahead = spiking[k + kPrefetchAhead] * tasks_;
                prefetch_column<std::uint8_t>(starts[ahead], starts[ahead + tasks_], w.prefetch_base(), t, nullptr);
            }
            const std::size_t j = spiking[k] * tasks_;
            const float s = sign[k];
            for (std::size_t c = 0; c < tasks_; ++c) {
                float* xc = x + c * chunk_;
                for (std::uint32_t e = starts[j + c]; e < starts[j + c + 1]; ++e) xc[t[e]] += w[e] * s;
            }
        }
    });
}

void SynapseMatrix::accumulate_per_synapse(std::size_t task, const std::uint8_t* codes, float* x) const noexcept {
    const auto [begin, end] = task_range(task);
    if (layout_ == Layout::dense) {
        for (std::size_t p = begin; p < end; ++p) {
            const float* row = kernel_.data() + p * n_pre_;
            const std::uint8_t* c = codes + p * n_pre_;
            float acc = 0.0f;
            for (std::size_t j = 0; j < n_pre_; ++j)
                if (c[j] & spike::bit) acc += row[j] * spike::signed_value(c[j]);
            x[p] = acc;
        }
        return;
    }
    std::fill(x + begin, x + end, 0.0f);
    const std::uint32_t* starts = column_start_.data() + task;
    for (std::size_t j = 0; j < n_pre_; ++j) {
        for (std::uint32_t e = starts[j * tasks_]; e < starts[j * tasks_ + 1]; ++e) {
            const std::size_t p = begin + target_[e];
            const std::uint8_t c = codes[p * n_pre_ + j];
            if (c & spike::bit) x[p] += stored_weight(e) * spike::signed_value(c);
        }
    }
}

void SynapseMatrix::advance() noexcept {
    if (ring_.empty() && buckets_.empty()) return;
    ring_index_ = ring_index_ == static_cast<std::int32_t>(delay_steps_) ? 0 : ring_index_ + 1;
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
                out[(c * chunk_ + target_[e]) * n_pre_ + j] = stored_weight(e);
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
                covered += dense[(c * chunk_ + target_[e]) * n_pre_ + j] != 0.0f;
    if (covered != nonzeros) {
        for (std::size_t p = 0; p < n_post_; ++p) {
            const std::size_t c = p / chunk_;
            for (std::size_t j = 0; j < n_pre_; ++j) {
                const float w = dense[p * n_pre_ + j];
                if (w == 0.0f) continue;
                const auto* first = target_.data() + segment_begin(j, c);
                const auto* last = first + segment_size(j, c);
                if (std::binary_search(first, last, static_cast<std::uint16_t>(p - c * chunk_))) continue;
                config_detail::throw_error(
                    where, "kernel[" + std::to_string(p) + ", " + std::to_string(j) + "]",
                    Value(static_cast<double>(w)), "",
                    "is outside the nonzero pattern of the sparse layout (fixed at build); the sparse layout "
                    "only changes existing weights; use layout = \"dense\" to rewire");
            }
        }
    }
    std::vector<float> weights(target_.size());
    for (std::size_t j = 0; j < n_pre_; ++j)
        for (std::size_t c = 0; c < tasks_; ++c)
            for (std::uint32_t e = segment_begin(j, c); e < segment_begin(j, c) + segment_size(j, c); ++e)
                weights[e] = dense[(c * chunk_ + target_[e]) * n_pre_ + j];
    store_weights(std::move(weights));
}

void SynapseMatrix::reset() noexcept {
    std::fill(ring_.begin(), ring_.end(), 0.0f);
    for (auto& b : buckets_) b.clear();
    ring_index_ = 0;
}

void SynapseMatrix::visit_state(StateVisitor& v) {
    if (layout_ == Layout::dense) {
        v("kernel", kernel_);
    } else {
        // One value per stored synapse whichever way they are stored; what was loaded decides the storage.
        std::vector<float> weights = uniform_ ? std::vector<float>(target_.size(), uniform_weight_) : std::move(kernel_);
        v("kernel_values", weights);
        store_weights(std::move(weights));
    }
    if (!ring_.empty()) {
        v("delay_ring", ring_);
        v("delay_ring_index", ring_index_);
    } else if (!buckets_.empty()) {
        // The pending inputs as the same per-target ring: each cell is the sum of its events in arrival
        // order, so replacing the events by that one partial sum (done after the visit, which may have
        // loaded other values) changes no later result.
        const std::size_t slots = delay_steps_ + 1;
        std::vector<float> ring(slots * n_post_, 0.0f);
        for (std::size_t t = 0; t < tasks_; ++t)
            for (std::size_t s = 0; s < slots; ++s)
                for (const PendingInput& input : buckets_[t * slots + s])
                    ring[s * n_post_ + t * chunk_ + input.target] += input.value;
        v("delay_ring", ring);
        v("delay_ring_index", ring_index_);
        for (std::size_t t = 0; t < tasks_; ++t) {
            const auto [begin, end] = task_range(t);
            for (std::size_t s = 0; s < slots; ++s) {
                auto& bucket = buckets_[t * slots + s];
                bucket.clear();
                for (std::size_t p = begin; p < end; ++p)
                    if (ring[s * n_post_ + p] != 0.0f)
                        bucket.push_back(PendingInput{static_cast<std::uint16_t>(p - begin), ring[s * n_post_ + p]});
            }
        }
    }
}

std::size_t SynapseMatrix::state_bytes() const noexcept {
    std::size_t bytes = ring_.size() * sizeof(float) + sizeof(ring_index_);
    for (const auto& b : buckets_) bytes += b.capacity() * sizeof(PendingInput);
    return bytes;
}

std::size_t SynapseMatrix::connectivity_bytes() const noexcept {
    return kernel_.size() * sizeof(float) + (uniform_ ? sizeof(float) : 0) + target_.size() * sizeof(std::uint16_t) +
           column_start_.size() * sizeof(std::uint32_t) + delay8_.size() + delay16_.size() * sizeof(std::uint16_t);
}

}  // namespace spark::components::synapses
