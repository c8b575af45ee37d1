#pragma once
// N2NDelays: one delay per (post, pre) pair (spec section 4.2, design decision 2).
//
//     out[p, j](t) = in_j(t - d[p, j]),   d in 1..B,   B = ceil(max_delay / dt)
// The output is per-synapse, shape units + in_shape (post dims first, the layout of a synapse kernel),
// and feeds a synapse group's `spikes` input. Its cost is O(units x presynaptic units) per step; a
// synapse group with its own `max_delay` delivers the same currents event-driven (synapses.hpp).
// Draw order: delays (shape units + in_shape, row-major: the same values as the original's
// (prod(units), N) kernel).
#include <boost/hana/adapt_struct.hpp>

#include <spark/components/delays/delays.hpp>

namespace spark::components::delays {

struct N2NDelaysConfig {
    Shape units;             // postsynaptic population shape (required; set by a neuron)
    double max_delay = 8.0;  // [ms]
    Param delays = default_delays();  // [steps]

    static constexpr FieldMeta meta[] = {
        {"units", "", Bound::none, "Postsynaptic population shape (the leading dims of the output).", true},
        max_delay_meta,
        delays_meta};
};

class N2NDelays : public Delays<N2NDelays, N2NDelaysConfig> {
public:
    static constexpr std::string_view type_name = "n2n_delays";
    static constexpr std::string_view class_name_v = "N2NDelays";
    static constexpr std::string_view description =
        "Delay line with one delay per synapse; emits per-synapse spikes (units + input shape).";

    using Delays::Delays;

    Shape kernel_shape(const Shape& in_shape) const { return config_.units.concat(in_shape); }
    PortSpec output_spec(const PortSpec& in) const;
    void gather(const std::uint8_t* in, std::uint8_t* out, Parallel& parallel) const noexcept;
};

}  // namespace spark::components::delays

BOOST_HANA_ADAPT_STRUCT(spark::components::delays::N2NDelaysConfig, units, max_delay, delays);
