#pragma once
// The spiking units of one SpikeArray buffer, listed by the component that wrote it.
//
// Why: a population of 10^5 units fires ~50 of them in a step (CUBA at N = 80 000: 45), and every
// reader that looks for them in the codes (each synapse group it drives, the spike recorder) reads all
// 10^5 bytes; on several threads it also pulls the lines another core has just written and makes that
// core take them back in the next step. A producer whose loop writes the codes block by block lists each
// block's spikes right after writing it, on the thread that wrote it, while the codes are in its cache;
// readers then visit a few short lists instead. Each entry carries the spike's inhibition bit too, so a
// reader needs no code at all (reading one would pull its line from the writer's cache again).
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
#include <span>
#include <vector>

#include <spark/core/parallel.hpp>
#include <spark/core/payload.hpp>

namespace spark {

// Lists the units of codes[begin, end) whose spike bit is set, in increasing order, into `units`;
// returns how many. Scans 64 codes at a time (spikes are rare).
std::size_t list_spikes(const std::uint8_t* codes, std::size_t begin, std::size_t end, std::uint32_t* units) noexcept;

// The spikes of a per-synapse SpikeArray (post x pre, element p * n_pre + j: N2N delays' output) as
// its producer knows them: by the presynaptic unit that sent them. Group g says that unit g.pre's spike
// (code g.code) arrives at the synapses (p, g.pre) for p in posts[g.first, g.last), increasing. Groups
// come in non-decreasing pre (a unit has one group per delay it is seen with; their posts are disjoint),
// so the arrivals of one post row come in increasing j when the groups are walked in order (the order
// of a scan of the row).
struct ArrivalGroup {
    std::uint32_t first = 0, last = 0;
    std::uint32_t pre = 0;
    std::uint8_t code = 0;
};
struct SynapseArrivals {
    std::span<const ArrivalGroup> groups;
    const std::uint32_t* posts = nullptr;
    std::size_t n_pre = 0;
};

// f(p, j, code) for the arrivals at the post rows [p0, p1), in group order (see SynapseArrivals).
template <class F>
void for_each_arrival_in_rows(const SynapseArrivals& a, std::size_t p0, std::size_t p1, F&& f) {
    for (const ArrivalGroup& g : a.groups) {
        const std::uint32_t* p = a.posts + g.first;
        const std::uint32_t* last = a.posts + g.last;
        if (p0 > 0) p = std::lower_bound(p, last, static_cast<std::uint32_t>(p0));
        for (; p != last && *p < p1; ++p) f(static_cast<std::size_t>(*p), static_cast<std::size_t>(g.pre), g.code);
    }
}

class SpikeIndex {
public:
    // The most units an index can list (an entry keeps the inhibition bit in its top bit).
    static constexpr std::size_t max_units = std::size_t{1} << 31;

    // An index for `units` (< max_units) codes, in blocks of task_length(units): the split of every
    // per-unit loop over a population (core/parallel.hpp), so each block is written by one task.
    explicit SpikeIndex(std::size_t units);

    std::size_t units() const noexcept { return units_; }
    std::size_t block_length() const noexcept { return block_; }

    // Producer, inside a task: lists the spikes of codes[begin, end), which must start on a block
    // boundary and end on one (or at units()). Tasks of different blocks may call it concurrently.
    void list(const std::uint8_t* codes, std::size_t begin, std::size_t end) noexcept;
    // Producer, after every block of this step is listed: readers may use the lists.
    void publish() noexcept { fresh_ = true; }
    // Builds the lists one spike at a time, in increasing unit order (from other indices: a concatenation).
    void clear() noexcept {
        for (Count& c : counts_) c.value = 0;
    }
    void append(std::size_t unit, bool inhibitory) noexcept {
        const std::size_t b = unit / block_;
        entry_[b * block_ + counts_[b].value++] = entry(unit, inhibitory);
    }
    // Producer of a per-synapse array: this step's arrivals grouped by sender (SynapseArrivals), instead
    // of lists; they stay the producer's and valid until its next step. fresh() stays false, so readers
    // that do not look for them scan the codes.
    void publish_arrivals(const SynapseArrivals* arrivals) noexcept { arrivals_ = arrivals; }
    // Runtime: the codes are about to change (or have changed) without the lists.
    void invalidate() noexcept {
        fresh_ = false;
        arrivals_ = nullptr;
    }
    bool fresh() const noexcept { return fresh_; }
    // The arrivals published this step, or null.
    const SynapseArrivals* arrivals() const noexcept { return arrivals_; }

    // f(unit, inhibitory) for the listed spikes in increasing unit order (only meaningful when fresh()).
    template <class F>
    void for_each(F&& f) const {
        for (std::size_t b = 0; b < counts_.size(); ++b) {
            const std::uint32_t* first = entry_.get() + b * block_;
            for (std::uint32_t k = 0; k < counts_[b].value; ++k)
                f(static_cast<std::size_t>(first[k] & ~inhibitory_bit), (first[k] & inhibitory_bit) != 0);
        }
    }
    // The same for the listed units in [begin, end) only (visits only the blocks that overlap it).
    template <class F>
    void for_each_in(std::size_t begin, std::size_t end, F&& f) const {
        if (begin >= end) return;
        for (std::size_t b = begin / block_; b < counts_.size() && b * block_ < end; ++b) {
            const std::uint32_t* first = entry_.get() + b * block_;
            for (std::uint32_t k = 0; k < counts_[b].value; ++k) {
                const std::size_t unit = first[k] & ~inhibitory_bit;
                if (unit >= begin && unit < end) f(unit, (first[k] & inhibitory_bit) != 0);
            }
        }
    }
    std::size_t count() const noexcept;

private:
    static constexpr std::uint32_t inhibitory_bit = std::uint32_t{1} << 31;
    static std::uint32_t entry(std::size_t unit, bool inhibitory) noexcept {
        return static_cast<std::uint32_t>(unit) | (inhibitory ? inhibitory_bit : 0u);
    }
    struct alignas(64) Count {  // one cache line per block: blocks are listed by different threads
        std::uint32_t value = 0;
    };
    std::size_t units_;
    std::size_t block_;
    std::unique_ptr<std::uint32_t[]> entry_;  // block b's list starts at entry_[b * block_] (left uninitialised:
                                              // only the pages that receive spikes are ever touched)
    std::vector<Count> counts_;
    bool fresh_ = false;
    const SynapseArrivals* arrivals_ = nullptr;
};

// Visits the spikes of a SpikeArray view in increasing unit order, f(unit, signed value -1 or +1):
// from its producer's lists when they are fresh, otherwise by scanning the codes.
template <class F>
void for_each_signed_spike(ConstArrayRef spikes, F&& f) {
    if (spikes.spike_index != nullptr && spikes.spike_index->fresh()) {
        spikes.spike_index->for_each([&](std::size_t unit, bool inhibitory) { f(unit, inhibitory ? -1.0f : 1.0f); });
        return;
    }
    const auto* codes = static_cast<const std::uint8_t*>(spikes.data);
    std::uint32_t units[256];
    for (std::size_t begin = 0; begin < spikes.size; begin += 256) {
        const std::size_t end = std::min(spikes.size, begin + 256);
        const std::size_t n = list_spikes(codes, begin, end, units);
        for (std::size_t k = 0; k < n; ++k) f(static_cast<std::size_t>(units[k]), spike::signed_value(codes[units[k]]));
    }
}

// The same, f(unit) only.
template <class F>
void for_each_spike(ConstArrayRef spikes, F&& f) {
    for_each_signed_spike(spikes, [&](std::size_t unit, float) { f(unit); });
}

// How many units of a SpikeArray view spiked.
std::size_t count_spikes(ConstArrayRef spikes) noexcept;

}  // namespace spark
