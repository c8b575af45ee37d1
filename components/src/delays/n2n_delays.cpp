#include <spark/components/delays/n2n_delays.hpp>

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

void N2NDelays::gather(const std::uint8_t* in, std::uint8_t* out, Parallel& parallel) const noexcept {
    const std::size_t pre = in_shape_.size();
    const std::size_t posts = config_.units.size();
    const std::int32_t* d = delays_.data();
    const std::size_t rows_per_task = pre >= default_chunk ? 1 : default_chunk / pre;
    parallel_for(parallel, posts, rows_per_task, [&](std::size_t begin, std::size_t end) {
        for (std::size_t p = begin; p < end; ++p) {
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
    arrival_.clear();
    silent_row_.clear();
    if (!event_form_) return;
    // Counting sort of the synapses by (j, d); p increases within each list.
    list_start_.assign(pre * steps + 1, 0);
    for (std::size_t p = 0; p < posts; ++p)
        for (std::size_t j = 0; j < pre; ++j) ++list_start_[j * steps + static_cast<std::size_t>(delays_[p * pre + j])];
    for (std::size_t k = 1; k < list_start_.size(); ++k) list_start_[k] += list_start_[k - 1];
    arrival_.resize(posts * pre);
    std::vector<std::uint32_t> next(list_start_.begin(), list_start_.end() - 1);
    for (std::size_t p = 0; p < posts; ++p)
        for (std::size_t j = 0; j < pre; ++j) {
            const std::size_t list = j * steps + static_cast<std::size_t>(delays_[p * pre + j]) - 1;
            arrival_[next[list]++] = static_cast<std::uint32_t>(p * pre + j);
        }
    silent_row_.assign(pre, 0);
}

void N2NDelays::deliver(const std::uint8_t* in, ArrayRef out_ref, Parallel& parallel) noexcept {
    std::uint8_t* out = out_ref.u8().data();
    if (!event_form_) {
        gather(in, out, parallel);
        return;
    }
    const std::size_t pre = in_shape_.size(), posts = config_.units.size(), steps = line_.steps();
    for (std::size_t j = 0; j < pre; ++j) silent_row_[j] = static_cast<std::uint8_t>(in[j] & spike::inhibitory);
    const std::size_t rows_per_task = pre >= default_chunk ? 1 : default_chunk / pre;
    parallel_for(parallel, posts, rows_per_task, [&](std::size_t begin, std::size_t end) {
        for (std::size_t p = begin; p < end; ++p) std::memcpy(out + p * pre, silent_row_.data(), pre);
    });
    for (std::size_t d = 1; d <= steps; ++d)
        line_.for_each_delayed(d, [&](std::size_t j, std::uint8_t code) {
            const std::size_t list = j * steps + d - 1;
            for (std::uint32_t k = list_start_[list]; k < list_start_[list + 1]; ++k) out[arrival_[k]] = code;
        });
    if (SpikeIndex* index = out_ref.spike_index) {
        parallel_for(parallel, out_ref.size, index->block_length(),
                     [&](std::size_t begin, std::size_t end) { index->list(out, begin, end); });
        index->publish();
    }
}

}  // namespace spark::components::delays
