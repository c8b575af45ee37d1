#pragma once
// NDelays: one delay per presynaptic unit (spec section 4.1, design decision 2).
//
//     out_j(t) = in_j(t - d_j),   d_j in 1..B,   B = ceil(max_delay / dt)
// The output has the input's shape and is NOT per-synapse (the original flagged it async, which broke a
// downstream synapse group; design decision 2). The kernel has the input's shape (the original's (N,),
// same element order). Draw order: delays.
#include <spark/components/delays/delays.hpp>

namespace spark::components::delays {

struct NDelaysConfig : Params<DelayParams> {};

class NDelays : public Delays<NDelays, NDelaysConfig> {
public:
    static constexpr ComponentIdentity identity{"n_delays", "NDelays", "delays",
        "Delay line with one delay per presynaptic unit."};

    using Delays::Delays;

    Shape kernel_shape(const Shape& in_shape) const { return in_shape; }
    PortSpec output_spec(const PortSpec& in) const;
    void gather(const std::uint8_t* in, std::uint8_t* out, Parallel& parallel) const noexcept;
};

}  // namespace spark::components::delays
