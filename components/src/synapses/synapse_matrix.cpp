#include <spark/components/synapses/synapse_matrix.hpp>

#include <algorithm>
#include <limits>
#include <string>

#include <spark/core/payload.hpp>

namespace spark::components::synapses {

namespace {

constexpr std::size_t kMinSparseChunk = 1024;
constexpr std::size_t kMaxSparseChunk = 65536;  // target offsets are uint16

// Targets per chunk of the sparse layout: a function of the problem size only. At least 1024 targets,
// at most 65536, and few enough chunks that the column starts cost at most ~1 byte per synapse.
std::size_t sparse_chunk(std::size_t n_post, std::size_t n_pre, std::size_t nonzeros) {
    const std::size_t max_chunks = std::max<std::size_t>(1, nonzeros / (4 * (n_pre + 1)));
    std::size_t chunk = kMinSparseChunk;
    while (chunk < kMaxSparseChunk && (n_post + chunk - 1) / chunk > max_chunks) chunk *= 2;
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

void SynapseMatrix::build(Layout layout, std::size_t n_post, std::size_t n_pre, std::vector<float> kernel,
                          std::span<const std::int32_t> delays, std::size_t delay_steps, const ConfigWhere& where,
                          bool ring) {
    layout_ = layout;
    n_post_ = n_post;
    n_pre_ = n_pre;
    delay_steps_ = delays.empty() ? 0 : delay_steps;
    target_.clear();
    column_start_.clear();
    delay8_.clear();
    delay16_.clear();
    const bool small_delays = delay_steps_ <= 255;

    if (layout_ == Layout::dense) {
        kernel_ = std::move(kernel);
        chunk_ = dense_rows_per_task;
        if (!delays.empty()) {
            if (small_delays) copy_delays(delays, delay8_);
            else copy_delays(delays, delay16_);
        }
    } else {
        std::size_t nonzeros = 0;
        for (float w : kernel) nonzeros += w != 0.0f;
        if (nonzeros > std::numeric_limits<std::uint32_t>::max())
            config_detail::throw_error(where, "layout", Value("sparse"), "",
                                       "cannot hold " + std::to_string(nonzeros) +
                                           " nonzero weights (at most 2^32 - 1); use \"dense\"");
        chunk_ = sparse_chunk(n_post_, n_pre_, nonzeros);
        const std::size_t chunks = (n_post_ + chunk_ - 1) / chunk_;
        const std::size_t stride = n_pre_ + 1;
        // Column starts: count the nonzeros of every (chunk, column), then prefix-sum chunk by chunk.
        column_start_.assign(chunks * stride, 0);
        for (std::size_t p = 0; p < n_post_; ++p) {
            std::uint32_t* counts = column_start_.data() + (p / chunk_) * stride + 1;
            const float* row = kernel.data() + p * n_pre_;
            for (std::size_t j = 0; j < n_pre_; ++j) counts[j] += row[j] != 0.0f;
        }
        std::uint32_t offset = 0;
        for (std::size_t c = 0; c < chunks; ++c) {
            std::uint32_t* starts = column_start_.data() + c * stride;
            starts[0] = offset;
            for (std::size_t j = 0; j < n_pre_; ++j) {
                offset += starts[j + 1];
                starts[j + 1] = offset;
            }
        }
        // Fill: targets in increasing order inside each column.
        std::vector<float> weights(nonzeros);
        target_.resize(nonzeros);
        if (!delays.empty()) {
            if (small_delays) delay8_.resize(nonzeros);
            else delay16_.resize(nonzeros);
        }
        std::vector<std::uint32_t> cursor(column_start_);
        for (std::size_t p = 0; p < n_post_; ++p) {
            const std::size_t c = p / chunk_;
            std::uint32_t* next = cursor.data() + c * stride;
            const float* row = kernel.data() + p * n_pre_;
            for (std::size_t j = 0; j < n_pre_; ++j) {
                if (row[j] == 0.0f) continue;
                const std::uint32_t e = next[j]++;
                weights[e] = row[j];
                target_[e] = static_cast<std::uint16_t>(p - c * chunk_);
                if (!delays.empty()) {
                    const auto d = delays[p * n_pre_ + j];
                    if (small_delays) delay8_[e] = static_cast<std::uint8_t>(d);
                    else delay16_[e] = static_cast<std::uint16_t>(d);
                }
            }
        }
        kernel_ = std::move(weights);
    }
    tasks_ = (n_post_ + chunk_ - 1) / chunk_;
    ring_.assign(delay_steps_ == 0 || !ring ? 0 : (delay_steps_ + 1) * n_post_, 0.0f);
    ring_index_ = 0;
}

std::size_t SynapseMatrix::synapse_count() const noexcept {
    return layout_ == Layout::dense ? n_post_ * n_pre_ : kernel_.size();
}

namespace {

// Delivery with per-synapse delays into the ring, then the slot of this step into x.
template <class D>
void deliver_delayed(Layout layout, std::size_t begin, std::size_t end, std::size_t n_post, std::size_t n_pre,
                     std::size_t slots, std::size_t now, const float* kernel, const std::uint16_t* target,
                     const std::uint32_t* starts, const D* delay, std::span<const std::uint32_t> spiking,
                     std::span<const float> sign, float* ring, float* x) noexcept {
    const std::size_t n = spiking.size();
    if (layout == Layout::dense) {
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
    } else {
        float* base = ring + begin;
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t j = spiking[k];
            const float s = sign[k];
            for (std::uint32_t e = starts[j]; e < starts[j + 1]; ++e) {
                std::size_t slot = now + delay[e];
                if (slot >= slots) slot -= slots;
                base[slot * n_post + target[e]] += kernel[e] * s;
            }
        }
    }
    float* current = ring + now * n_post;
    for (std::size_t p = begin; p < end; ++p) {
        x[p] = current[p];
        current[p] = 0.0f;
    }
}

}  // namespace

void SynapseMatrix::accumulate(std::size_t task, std::span<const std::uint32_t> spiking,
                               std::span<const float> sign, float* x) noexcept {
    const auto [begin, end] = task_range(task);
    const std::uint32_t* starts =
        column_start_.empty() ? nullptr : column_start_.data() + task * (n_pre_ + 1);
    if (!ring_.empty()) {
        const std::size_t slots = delay_steps_ + 1;
        const auto now = static_cast<std::size_t>(ring_index_);
        if (delay_steps_ <= 255)
            deliver_delayed(layout_, begin, end, n_post_, n_pre_, slots, now, kernel_.data(), target_.data(), starts,
                            delay8_.data(), spiking, sign, ring_.data(), x);
        else
            deliver_delayed(layout_, begin, end, n_post_, n_pre_, slots, now, kernel_.data(), target_.data(), starts,
                            delay16_.data(), spiking, sign, ring_.data(), x);
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
    const float* w = kernel_.data();
    const std::uint16_t* t = target_.data();
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t j = spiking[k];
        const float s = sign[k];
        for (std::uint32_t e = starts[j]; e < starts[j + 1]; ++e) xc[t[e]] += w[e] * s;
    }
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
    const std::uint32_t* starts = column_start_.data() + task * (n_pre_ + 1);
    for (std::size_t j = 0; j < n_pre_; ++j) {
        for (std::uint32_t e = starts[j]; e < starts[j + 1]; ++e) {
            const std::size_t p = begin + target_[e];
            const std::uint8_t c = codes[p * n_pre_ + j];
            if (c & spike::bit) x[p] += kernel_[e] * spike::signed_value(c);
        }
    }
}

void SynapseMatrix::advance() noexcept {
    if (ring_.empty()) return;
    ring_index_ = ring_index_ == static_cast<std::int32_t>(delay_steps_) ? 0 : ring_index_ + 1;
}

void SynapseMatrix::copy_dense(std::span<float> out) const noexcept {
    if (layout_ == Layout::dense) {
        std::copy(kernel_.begin(), kernel_.end(), out.begin());
        return;
    }
    std::fill(out.begin(), out.end(), 0.0f);
    for (std::size_t c = 0; c < tasks_; ++c) {
        const std::uint32_t* starts = column_start_.data() + c * (n_pre_ + 1);
        for (std::size_t j = 0; j < n_pre_; ++j)
            for (std::uint32_t e = starts[j]; e < starts[j + 1]; ++e)
                out[(c * chunk_ + target_[e]) * n_pre_ + j] = kernel_[e];
    }
}

void SynapseMatrix::set_kernel(std::span<const float> dense, const ConfigWhere& where) {
    if (layout_ == Layout::dense) {
        std::copy(dense.begin(), dense.end(), kernel_.begin());
        return;
    }
    // Every nonzero of `dense` must sit on a stored synapse: compare the counts, then locate the culprit.
    std::size_t nonzeros = 0, covered = 0;
    for (float w : dense) nonzeros += w != 0.0f;
    for (std::size_t c = 0; c < tasks_; ++c) {
        const std::uint32_t* starts = column_start_.data() + c * (n_pre_ + 1);
        for (std::size_t j = 0; j < n_pre_; ++j)
            for (std::uint32_t e = starts[j]; e < starts[j + 1]; ++e)
                covered += dense[(c * chunk_ + target_[e]) * n_pre_ + j] != 0.0f;
    }
    if (covered != nonzeros) {
        for (std::size_t p = 0; p < n_post_; ++p) {
            const std::size_t c = p / chunk_;
            const std::uint32_t* starts = column_start_.data() + c * (n_pre_ + 1);
            for (std::size_t j = 0; j < n_pre_; ++j) {
                const float w = dense[p * n_pre_ + j];
                if (w == 0.0f) continue;
                const auto* first = target_.data() + starts[j];
                const auto* last = target_.data() + starts[j + 1];
                if (std::binary_search(first, last, static_cast<std::uint16_t>(p - c * chunk_))) continue;
                config_detail::throw_error(
                    where, "kernel[" + std::to_string(p) + ", " + std::to_string(j) + "]",
                    Value(static_cast<double>(w)), "",
                    "is outside the nonzero pattern of the sparse layout (fixed at build); the sparse layout "
                    "only changes existing weights; use layout = \"dense\" to rewire");
            }
        }
    }
    for (std::size_t c = 0; c < tasks_; ++c) {
        const std::uint32_t* starts = column_start_.data() + c * (n_pre_ + 1);
        for (std::size_t j = 0; j < n_pre_; ++j)
            for (std::uint32_t e = starts[j]; e < starts[j + 1]; ++e)
                kernel_[e] = dense[(c * chunk_ + target_[e]) * n_pre_ + j];
    }
}

void SynapseMatrix::reset() noexcept {
    std::fill(ring_.begin(), ring_.end(), 0.0f);
    ring_index_ = 0;
}

void SynapseMatrix::visit_state(StateVisitor& v) {
    v(layout_ == Layout::dense ? "kernel" : "kernel_values", kernel_);
    if (!ring_.empty()) {
        v("delay_ring", ring_);
        v("delay_ring_index", ring_index_);
    }
}

std::size_t SynapseMatrix::connectivity_bytes() const noexcept {
    return kernel_.size() * sizeof(float) + target_.size() * sizeof(std::uint16_t) +
           column_start_.size() * sizeof(std::uint32_t) + delay8_.size() + delay16_.size() * sizeof(std::uint16_t);
}

}  // namespace spark::components::synapses
