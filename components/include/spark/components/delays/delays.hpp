#pragma once
// The common delay contract (spec section 4.0, design decision 2), shared by NDelays and N2NDelays.
//
// Ports: input `in_spikes` (SpikeArray, synchronous: one element per presynaptic unit), output
// `out_spikes` (SpikeArray), property `kernel` (IntegerArray: the delays in steps, 1..B, fixed after
// build). With B = ceil(max_delay / dt), a spike arriving at step t is emitted at step t + d (see
// delay_line.hpp for the ring buffer, the delay draw and how inhibition bits travel).
// A model derives from Delays<Model, Config> and provides
//     Shape kernel_shape(const Shape& in_shape) const;     // one delay per element of this shape
//     PortSpec output_spec(const PortSpec& in) const;      // shape, layout and inhibition mask
//     void gather(const std::uint8_t* in, std::uint8_t* out, Parallel&) const noexcept;
// and may provide an event-driven form of gather (N2NDelays), used unless dense_reference() was on at build:
//     void prepare();                                      // after the delays are drawn
//     void deliver(const std::uint8_t* in, ArrayRef out, Parallel&, UnitShare);
//         // the same output, at the units of the share (Component::share_units) when it runs on one
#include <array>
#include <cstdint>
#include <vector>

#include <spark/components/delays/delay_line.hpp>
#include <spark/core/component_base.hpp>

namespace spark::components::delays {

// The parameters every delay component has.
struct DelayParams {
    SPARK_PARAMS(DelayParams);
    SPARK_PARAM(double, max_delay, 8.0, "ms", positive, "Longest delay; B = ceil(max_delay / dt) steps.");
    SPARK_PARAM(Param, delays, default_delays(), "steps", positive,
                "Delays in steps (whole numbers in 1..B), or an initializer drawn with scale B+1 and min_value 1 "
                "and truncated into 1..B.");
};

template <class Derived, class ConfigT>
class Delays : public ComponentBase<Derived, ConfigT> {
    using Base = ComponentBase<Derived, ConfigT>;

public:
    enum Input : std::size_t { in_spikes };
    enum Output : std::size_t { out_spikes };
    enum Property : std::size_t { kernel };
    static constexpr std::array input_ports{
        PortDecl{"in_spikes", PayloadKind::spikes, "Presynaptic spikes of this step (one per unit)."}};
    static constexpr std::array output_ports{
        PortDecl{"out_spikes", PayloadKind::spikes, "The spikes that arrived `delay` steps ago, signed."}};
    static constexpr std::array property_ports{
        PortDecl{"kernel", PayloadKind::integer, "Delays in steps (1..B, B = ceil(max_delay / dt)); fixed."}};

    using Base::Base;

    BuildResult build(const BuildContext& ctx) override {
        const PortSpec& in = ctx.input(in_spikes);
        if (in.kind != PayloadKind::spikes || in.per_synapse || in.shape.size() == 0)
            throw_input_mismatch(*this, ctx, in_spikes,
                                 "a synchronous SpikeArray (one element per presynaptic unit)");
        in_shape_ = in.shape;
        const auto& self = static_cast<const Derived&>(*this);
        const Shape kshape = self.kernel_shape(in_shape_);
        const std::size_t steps = delay_steps(this->config_.max_delay, ctx.dt, this->where(), "max_delay");
        const auto values =
            this->materialize(this->config_.delays, kshape, ctx, delay_init_overrides(steps));
        delays_ = to_delay_steps(values, this->config_.delays.is_initializer(), steps, this->where(), "delays");
        line_ = SpikeDelayLine(in_shape_.size(), steps);
        if constexpr (has_event_form) static_cast<Derived*>(this)->prepare();
        return BuildResult{{self.output_spec(in)}, {PortSpec(PayloadKind::integer, kshape)}};
    }

    void step(const StepContext& ctx) override {
        const std::uint8_t* in = ctx.inputs[in_spikes].u8().data();
        // reads the rows of t-1 .. t-B, then stores step t
        if constexpr (has_event_form)
            static_cast<Derived*>(this)->deliver(in, ctx.outputs[out_spikes], *ctx.parallel, ctx.share);
        else static_cast<const Derived&>(*this).gather(in, ctx.outputs[out_spikes].u8().data(), *ctx.parallel);
        line_.push(in);
    }

    void reset() override { line_.reset(); }
    void visit_state(StateVisitor& v) override { line_.visit_state(v); }
    ArrayRef property(std::size_t) override { return {delays_.data(), delays_.size()}; }

    // The delays in steps (kernel order) and B.
    std::span<const std::int32_t> delays() const noexcept { return delays_; }
    std::size_t max_steps() const noexcept { return line_.steps(); }

protected:
    static constexpr bool has_event_form = requires(Derived& d, const std::uint8_t* in, ArrayRef out, Parallel& p,
                                                    UnitShare share) {
        d.prepare();
        d.deliver(in, out, p, share);
    };

    Shape in_shape_;
    std::vector<std::int32_t> delays_;
    SpikeDelayLine line_;
};

}  // namespace spark::components::delays
