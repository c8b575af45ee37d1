#include <spark/components/delays/n_delays.hpp>

namespace spark::components::delays {

PortSpec NDelays::output_spec(const PortSpec& in) const {
    PortSpec out(PayloadKind::spikes, in.shape);
    out.mask = in.mask;  // the signs of the input units survive the delay line
    return out;
}

void NDelays::gather(const std::uint8_t* in, std::uint8_t* out, Parallel& parallel) const noexcept {
    const std::int32_t* d = delays_.data();
    parallel_for(parallel, delays_.size(), default_chunk, [&](std::size_t begin, std::size_t end) {
        for (std::size_t j = begin; j < end; ++j) out[j] = line_.delayed(j, static_cast<std::size_t>(d[j]), in[j]);
    });
}

}  // namespace spark::components::delays
