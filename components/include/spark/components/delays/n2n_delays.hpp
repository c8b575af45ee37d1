#pragma once
// N2NDelays: one delay per (post, pre) pair (spec section 4.2, design decision 2).
//
//     out[p, j](t) = in_j(t - d[p, j]),   d in 1..B,   B = ceil(max_delay / dt)
// The output is per-synapse, shape units + in_shape (post dims first, the layout of a synapse kernel),
// and feeds a synapse group's `spikes` input. A synapse group with its own `max_delay` delivers the same
// currents without the per-synapse array (synapses.hpp).
// Event form (deliver): the spikes in flight, not a scan of every synapse's delay. For each presynaptic
// unit j and delay d the synapses (p, j) with d[p, j] = d are listed at build; a step writes the silent
// codes (the input's inhibition bits, row by row), then the code of every spike of step t - d at the
// synapses of its (j, d) list, and lists the arrivals in the output's spike index, which the synapses and
// the rule read instead of the codes. Same bytes as gather() (the dense reference, dense_reference()).
// The output spec carries the delays (PortSpec::delays): a rule keeps its presynaptic trace per unit.
// Draw order: delays (shape units + in_shape, row-major: the same values as the original's
// (prod(units), N) kernel).
#include <spark/components/delays/delays.hpp>

namespace spark::components::delays {

// The postsynaptic population (set by a neuron).
struct PostUnitsParams {
    SPARK_PARAMS(PostUnitsParams);
    SPARK_REQUIRED_PARAM(Shape, units, "", none, "Postsynaptic population shape (the leading dims of the output).");
};

struct N2NDelaysConfig : Params<PostUnitsParams, DelayParams> {};

class N2NDelays : public Delays<N2NDelays, N2NDelaysConfig> {
public:
    static constexpr ComponentIdentity identity{"n2n_delays", "N2NDelays", "delays",
        "Delay line with one delay per synapse; emits per-synapse spikes (units + input shape)."};

    using Delays::Delays;

    Shape kernel_shape(const Shape& in_shape) const { return config_.units.concat(in_shape); }
    PortSpec output_spec(const PortSpec& in) const;
    void gather(const std::uint8_t* in, std::uint8_t* out, Parallel& parallel) const noexcept;
    void prepare();
    void deliver(const std::uint8_t* in, ArrayRef out, Parallel& parallel) noexcept;

private:
    bool event_form_ = false;
    std::vector<std::uint32_t> list_start_;  // (j, d) -> first entry of its list: index j * B + d - 1
    std::vector<std::uint32_t> arrival_;     // the synapses p * n_pre + j of each list, increasing
    std::vector<std::uint8_t> silent_row_;   // this step's silent codes (input inhibition bits)
};

}  // namespace spark::components::delays
