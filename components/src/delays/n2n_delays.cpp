#include <spark/components/delays/n2n_delays.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include <spark/components/reference_mode.hpp>
#include <spark/core/spike_index.hpp>

namespace spark::components::delays {

PortSpec N2NDelays::output_spec(const PortSpec& in) const {
    PortSpec out(PayloadKind::spikes, config_.units.concat(in.shape), /*per_syn=*/true);
    out.delays = std::make_shared<const std::vector<std::int32_t>>(delays_);
    if (!in.mask.empty()) {  // the presynaptic signs, broadcast over the post dims
        const std::size_t posts = config_.units.size();
        out.mask.reserve(posts * in.mask.size());
        for (std::size_t p = 0; p < posts; ++p) out.mask.insert(out.mask.end(), in.mask.begin(), in.mask.end());
    }
    return out;
}

BuildResult N2NDelays::build(const BuildContext& ctx) {
    // A process of a split run lists its own post rows only (all of them if it is stepped whole after all).
    const std::size_t posts = config_.units.size();
    const UnitShare block = ctx.processes > 1 ? unit_block_share(posts, ctx.process_rank, ctx.processes) : UnitShare{};
    rows_ = {std::min(block.begin, posts), std::min(block.end, posts)};
    return Delays::build(ctx);
}

void N2NDelays::gather(const std::uint8_t* in, std::uint8_t* out, Parallel& parallel) const noexcept {
    gather_rows(in, out, parallel, 0, config_.units.size());
}

void N2NDelays::gather_rows(const std::uint8_t* in, std::uint8_t* out, Parallel& parallel, std::size_t p0,
                            std::size_t p1) const noexcept {
    const std::size_t pre = in_shape_.size();
    const std::int32_t* d = delays_.data();
    const std::size_t rows_per_task = pre >= default_chunk ? 1 : default_chunk / pre;
    parallel_for(parallel, p1 - p0, rows_per_task, [&](std::size_t begin, std::size_t end) {
        for (std::size_t p = p0 + begin; p < p0 + end; ++p) {
            const std::int32_t* dp = d + p * pre;
            std::uint8_t* op = out + p * pre;
            for (std::size_t j = 0; j < pre; ++j) op[j] = line_.delayed(j, static_cast<std::size_t>(dp[j]), in[j]);
        }
    });
}

void N2NDelays::prepare() {
    const std::size_t pre = in_shape_.size(), posts = config_.units.size(), steps = line_.steps();
    event_form_ = !dense_reference() && posts * pre <= std::numeric_limits<std::uint32_t>::max();
    list_start_.clear();
    list_post_.clear();
    silent_row_.clear();
    for (Written& w : written_) w = Written{};
    deferred_ = false;  // until the runtime asks (defer_codes, after build)
    unwritten_ = nullptr;
    if (!event_form_) return;
    // Counting sort of the synapses of the rows listed by (j, d); p increases within each list.
    const std::size_t p0 = rows_.begin, p1 = rows_.end;
    list_start_.assign(pre * steps + 1, 0);
    for (std::size_t p = p0; p < p1; ++p)
        for (std::size_t j = 0; j < pre; ++j) ++list_start_[j * steps + static_cast<std::size_t>(delays_[p * pre + j])];
    for (std::size_t k = 1; k < list_start_.size(); ++k) list_start_[k] += list_start_[k - 1];
    list_post_.resize((p1 - p0) * pre);
    std::vector<std::uint32_t> next(list_start_.begin(), list_start_.end() - 1);
    for (std::size_t p = p0; p < p1; ++p)
        for (std::size_t j = 0; j < pre; ++j) {
            const std::size_t list = j * steps + static_cast<std::size_t>(delays_[p * pre + j]) - 1;
            list_post_[next[list]++] = static_cast<std::uint32_t>(p);
        }
    silent_row_.assign(pre, 0);
}

void N2NDelays::deliver(const std::uint8_t* in, ArrayRef out_ref, Parallel& parallel, UnitShare share) {
    std::uint8_t* out = out_ref.u8().data();
    const std::size_t posts = config_.units.size();
    if (std::min(share.begin, posts) != rows_.begin || std::min(share.end, posts) != rows_.end) {
        rows_ = {std::min(share.begin, posts), std::min(share.end, posts)};  // (whole after all)
        prepare();
    }
    if (!event_form_) {
        gather_rows(in, out, parallel, rows_.begin, rows_.end);
        return;
    }
    const std::size_t pre = in_shape_.size(), steps = line_.steps();
    std::uint8_t* __restrict silent = silent_row_.data();  // (a byte store may alias the vector's members)
    for (std::size_t j = 0; j < pre; ++j) silent[j] = static_cast<std::uint8_t>(in[j] & spike::inhibitory);
    next_groups_.clear();
    line_.for_each_in_flight([&](std::size_t j, std::size_t d, std::uint8_t code) {
        const std::size_t list = j * steps + d - 1;
        if (list_start_[list] != list_start_[list + 1])
            next_groups_.push_back({list_start_[list], list_start_[list + 1], static_cast<std::uint32_t>(j), code});
    });
    if (deferred_) {
        step_groups_.swap(next_groups_);
        unwritten_ = out;
        step_arrivals_ = SynapseArrivals{step_groups_, list_post_.data(), pre};
        if (SpikeIndex* index = out_ref.spike_index) index->publish_arrivals(&step_arrivals_);
        return;
    }
    write_step(out, parallel);
    if (SpikeIndex* index = out_ref.spike_index) {
        Written& w = written_for(out);
        w.arrivals = SynapseArrivals{w.groups, list_post_.data(), pre};
        index->publish_arrivals(&w.arrivals);
    }
}

void N2NDelays::write_step(std::uint8_t* out, Parallel& parallel) noexcept {
    Written& w = written_for(out);
    const bool restore = w.buffer == out && w.silent == silent_row_;
    if (!restore) {
        write_silent(out, parallel);
        w.buffer = out;
        w.silent = silent_row_;
    }
    std::size_t writes = 0;
    for (const ArrivalGroup& g : next_groups_) writes += g.last - g.first;
    if (restore)
        for (const ArrivalGroup& g : w.groups) writes += g.last - g.first;
    // The silent codes back where the buffer's last arrivals were, then the new arrivals, row range by
    // row range: each range's writes in this order, so the bytes do not depend on the split.
    const std::size_t rows = rows_.end - rows_.begin;
    const std::size_t threads = writes >= min_parallel_writes ? std::max<std::size_t>(1, parallel.concurrency()) : 1;
    parallel_for(parallel, rows, std::max<std::size_t>(1, (rows + threads - 1) / threads), [&](std::size_t r0, std::size_t r1) {
        const std::size_t p0 = rows_.begin + r0, p1 = rows_.begin + r1;
        if (restore) write_codes(out, w.groups, p0, p1, true);
        write_codes(out, next_groups_, p0, p1, false);
    });
    w.groups.swap(next_groups_);
}

bool N2NDelays::defer_codes(std::size_t) {
    deferred_ = event_form_;
    unwritten_ = nullptr;
    return deferred_;
}

void N2NDelays::write_deferred_codes(std::size_t, ArrayRef out) {
    std::uint8_t* codes = out.u8().data();
    if (!deferred_ || unwritten_ != codes) return;
    next_groups_.assign(step_groups_.begin(), step_groups_.end());
    write_step(codes, serial_parallel());
    unwritten_ = nullptr;
}

void N2NDelays::reset() {
    Delays::reset();
    for (Written& w : written_) w.buffer = nullptr;  // the runtime clears its buffers
    unwritten_ = nullptr;
}

void N2NDelays::visit_state(StateVisitor& v) {
    Delays::visit_state(v);
    if (v.writes())
        for (Written& w : written_) w.buffer = nullptr;  // a state load may rewrite an output buffer too
}

N2NDelays::Written& N2NDelays::written_for(const std::uint8_t* buffer) noexcept {
    for (std::size_t slot = 0; slot < written_.size(); ++slot)
        if (written_[slot].buffer == buffer) {
            last_written_ = slot;
            return written_[slot];
        }
    last_written_ = 1 - last_written_;  // a new buffer takes the slot of the one not written last
    written_[last_written_].buffer = nullptr;
    return written_[last_written_];
}

void N2NDelays::write_silent(std::uint8_t* out, Parallel& parallel) const noexcept {
    const std::size_t pre = in_shape_.size();
    const std::size_t rows_per_task = pre >= default_chunk ? 1 : default_chunk / pre;
    parallel_for(parallel, rows_.end - rows_.begin, rows_per_task, [&](std::size_t begin, std::size_t end) {
        for (std::size_t p = rows_.begin + begin; p < rows_.begin + end; ++p)
            std::memcpy(out + p * pre, silent_row_.data(), pre);
    });
}

void N2NDelays::write_codes(std::uint8_t* out, std::span<const ArrivalGroup> groups, std::size_t p0, std::size_t p1,
                            bool silent) const noexcept {
    const std::size_t pre = in_shape_.size();
    const std::uint32_t* post = list_post_.data();  // (the stores below may alias any member)
    const std::uint8_t* silent_codes = silent_row_.data();
    for (const ArrivalGroup& g : groups) {
        const std::uint8_t code = silent ? silent_codes[g.pre] : g.code;
        std::uint8_t* column = out + g.pre;
        const std::uint32_t* p = post + g.first;
        const std::uint32_t* last = post + g.last;
        if (p0 > 0) p = std::lower_bound(p, last, static_cast<std::uint32_t>(p0));
        for (; p != last && *p < p1; ++p) column[static_cast<std::size_t>(*p) * pre] = code;
    }
}

}  // namespace spark::components::delays
