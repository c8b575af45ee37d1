#pragma once
// The spiking units of one SpikeArray buffer, listed by the component that wrote it.
//
// Why: a population of 10^5 units fires ~50 of them in a step (CUBA at N = 80 000: 45), and every
// reader that looks for them in the codes (each synapse group it drives, the spike recorder) reads all
// 10^5 bytes; on several threads it also pulls the lines another core has just written and makes that
// core take them back in the next step. A producer whose loop writes the codes block by block lists each
// block's spikes right after writing it, on the thread that wrote it, while the codes are in its cache;
// readers then visit a few short lists instead.
//
// The runtime keeps one index per SpikeArray output buffer (payload.hpp: ArrayRef::spike_index) and marks
// it stale before the producer steps. A producer lists its spikes with list() over whole blocks and calls
// publish() when all are listed; one that does not leaves the index stale. Readers use for_each_spike()
// and count_spikes(), which take the lists when they are fresh and scan the codes otherwise: the same
// units in the same (increasing) order either way, so nothing computed from them depends on it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <spark/core/parallel.hpp>
#include <spark/core/payload.hpp>

namespace spark {

// Lists the units of codes[begin, end) whose spike bit is set, in increasing order, into `units`;
// returns how many. Scans 64 codes at a time (spikes are rare).
std::size_t list_spikes(const std::uint8_t* codes, std::size_t begin, std::size_t end, std::uint32_t* units) noexcept;

class SpikeIndex {
public:
    // An index for `units` codes, in blocks of task_length(units): the split of every per-unit loop over
    // a population (core/parallel.hpp), so each block is written by one task.
    explicit SpikeIndex(std::size_t units);

    std::size_t units() const noexcept { return units_; }
    std::size_t block_length() const noexcept { return block_; }

    // Producer, inside a task: lists the spikes of codes[begin, end), which must start on a block
    // boundary and end on one (or at units()). Tasks of different blocks may call it concurrently.
    void list(const std::uint8_t* codes, std::size_t begin, std::size_t end) noexcept;
    // Producer, after every block of this step is listed: readers may use the lists.
    void publish() noexcept { fresh_ = true; }
    // Builds the lists one unit at a time, in increasing order (from other indices: a concatenation).
    void clear() noexcept {
        for (Count& c : counts_) c.value = 0;
    }
    void append(std::size_t unit) noexcept {
        const std::size_t b = unit / block_;
        unit_[b * block_ + counts_[b].value++] = static_cast<std::uint32_t>(unit);
    }
    // Runtime: the codes are about to change (or have changed) without the lists.
    void invalidate() noexcept { fresh_ = false; }
    bool fresh() const noexcept { return fresh_; }

    // The listed units in increasing order (only meaningful when fresh()).
    template <class F>
    void for_each(F&& f) const {
        for (std::size_t b = 0; b < counts_.size(); ++b) {
            const std::uint32_t* first = unit_.get() + b * block_;
            for (std::uint32_t k = 0; k < counts_[b].value; ++k) f(static_cast<std::size_t>(first[k]));
        }
    }
    std::size_t count() const noexcept;

private:
    struct alignas(64) Count {  // one cache line per block: blocks are listed by different threads
        std::uint32_t value = 0;
    };
    std::size_t units_;
    std::size_t block_;
    std::unique_ptr<std::uint32_t[]> unit_;  // block b's list starts at unit_[b * block_] (left uninitialised:
                                             // only the pages that receive spikes are ever touched)
    std::vector<Count> counts_;
    bool fresh_ = false;
};

// Visits the spiking units of a SpikeArray view in increasing order: from its producer's lists when
// they are fresh, otherwise by scanning the codes.
template <class F>
void for_each_spike(ConstArrayRef spikes, F&& f) {
    if (spikes.spike_index != nullptr && spikes.spike_index->fresh()) {
        spikes.spike_index->for_each(f);
        return;
    }
    const auto* codes = static_cast<const std::uint8_t*>(spikes.data);
    std::uint32_t units[256];
    for (std::size_t begin = 0; begin < spikes.size; begin += 256) {
        const std::size_t end = std::min(spikes.size, begin + 256);
        const std::size_t n = list_spikes(codes, begin, end, units);
        for (std::size_t k = 0; k < n; ++k) f(static_cast<std::size_t>(units[k]));
    }
}

// How many units of a SpikeArray view spiked.
std::size_t count_spikes(ConstArrayRef spikes) noexcept;

}  // namespace spark
