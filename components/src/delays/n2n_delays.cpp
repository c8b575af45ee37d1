#include <spark/components/delays/n2n_delays.hpp>

namespace spark::components::delays {

PortSpec N2NDelays::output_spec(const PortSpec& in) const {
    PortSpec out(PayloadKind::spikes, config_.units.concat(in.shape), /*per_syn=*/true);
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

}  // namespace spark::components::delays
