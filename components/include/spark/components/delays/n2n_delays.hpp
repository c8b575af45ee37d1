#pragma once
// N2NDelays: one delay per (post, pre) pair (spec section 4.2, design decision 2).
//
//     out[p, j](t) = in_j(t - d[p, j]),   d in 1..B,   B = ceil(max_delay / dt)
// The output is per-synapse, shape units + in_shape (post dims first, the layout of a synapse kernel),
// and feeds a synapse group's `spikes` input. A synapse group with its own `max_delay` delivers the same
// currents without the per-synapse array (synapses.hpp).
// Event form (deliver): the spikes in flight, not a scan of every synapse's delay. For each presynaptic
// unit j and delay d the posts p of the synapses (p, j) with d[p, j] = d are listed at build. A step
// takes the spikes in flight (unit j fired d steps ago) in increasing j and hands them to the output's
// spike index as groups (j, code, the posts of its (j, d) list: SynapseArrivals, spike_index.hpp), which
// the synapses and the rule walk instead of the codes. The codes stay complete for any other reader at
// the cost of the arrivals only: an output buffer keeps what the last step wrote there, so a step puts
// back the silent codes (the input's inhibition bits) where the buffer's last arrivals were and writes
// the new ones; it rewrites every code when the buffer is new to it, after a reset or a state write, and
// when an input inhibition bit changed. Same bytes as gather() (the dense reference, dense_reference()).
// When every reader takes the arrivals alone (Component::defer_codes), a step writes no codes: the last
// step's are written on demand, for a read from outside the step, the same bytes.
// The output spec carries the delays (PortSpec::delays): a rule keeps its presynaptic trace per unit.
// Over several processes it splits by post unit (Component::share_units): a process lists and writes
// the synapses of its own post rows only (the lists cost 4 bytes per synapse), every process reading
// the whole input into its delay line. It runs whole when any reader of its output reads it other than
// per post unit (the output would otherwise be gathered every step: splits_for_per_unit_readers).
// Draw order: delays (shape units + in_shape, row-major: the same values as the original's
// (prod(units), N) kernel).
#include <spark/components/delays/delays.hpp>
#include <spark/core/spike_index.hpp>

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

    BuildResult build(const BuildContext& ctx) override;
    Shape kernel_shape(const Shape& in_shape) const { return config_.units.concat(in_shape); }
    PortSpec output_spec(const PortSpec& in) const;
    void gather(const std::uint8_t* in, std::uint8_t* out, Parallel& parallel) const noexcept;
    void prepare();
    void deliver(const std::uint8_t* in, ArrayRef out, Parallel& parallel, UnitShare share);

    void reset() override;
    void visit_state(StateVisitor& v) override;
    bool defer_codes(std::size_t output) override;
    void write_deferred_codes(std::size_t output, ArrayRef out) override;

    std::size_t share_units() const override { return config_.units.size(); }
    bool splits_for_per_unit_readers() const override { return true; }
    // Its only state, the delay line of the whole input, is the same on every process.
    bool state_alike(std::string_view) const override { return true; }
    // The synapses listed (the event form): those of the post rows it was last stepped on (all of them
    // before a step, or those of its block of a split run).
    std::size_t listed_synapses() const noexcept { return list_post_.size(); }

private:
    // What deliver() last wrote into one output buffer (one per step parity when the runtime doubles it).
    struct Written {
        const std::uint8_t* buffer = nullptr;  // null: nothing known
        std::vector<std::uint8_t> silent;      // the silent codes of its elements, per pre unit
        std::vector<ArrivalGroup> groups;      // its arrivals (posts in list_post_)
        SynapseArrivals arrivals;              // the groups as published in its spike index
    };
    Written& written_for(const std::uint8_t* buffer) noexcept;
    // Writes this step's codes (silent_row_, the arrivals in next_groups_) into `out`, over what it held.
    void write_step(std::uint8_t* out, Parallel& parallel) noexcept;
    // gather() at the post rows [p0, p1) only.
    void gather_rows(const std::uint8_t* in, std::uint8_t* out, Parallel& parallel, std::size_t p0,
                     std::size_t p1) const noexcept;
    void write_silent(std::uint8_t* out, Parallel& parallel) const noexcept;
    // Writes the code of each group (its silent code when `silent`) at its synapses of the rows [p0, p1).
    void write_codes(std::uint8_t* out, std::span<const ArrivalGroup> groups, std::size_t p0, std::size_t p1,
                     bool silent) const noexcept;
    // Below this many code writes in a step they stay on one thread (a fork costs more).
    static constexpr std::size_t min_parallel_writes = 4096;

    bool event_form_ = false;
    UnitShare rows_{0, 0};                   // the post rows listed and written (clipped to the units)
    std::vector<std::uint32_t> list_start_;  // (j, d) -> first entry of its list: index j * B + d - 1
    std::vector<std::uint32_t> list_post_;   // the post units p of the synapses (p, j) of each list, increasing
    std::vector<std::uint8_t> silent_row_;   // this step's silent codes (input inhibition bits)
    std::vector<ArrivalGroup> next_groups_;  // this step's arrivals, while the buffer's last ones are restored
    std::array<Written, 2> written_;
    std::size_t last_written_ = 0;           // the slot used last
    // Codes on demand (defer_codes): the buffer whose last step's codes are not written yet (or null), and
    // that step's arrivals, as published.
    bool deferred_ = false;
    std::uint8_t* unwritten_ = nullptr;
    std::vector<ArrivalGroup> step_groups_;
    SynapseArrivals step_arrivals_;
};

}  // namespace spark::components::delays
