#pragma once
// The common soma contract (spec section 2.0), shared by every soma model.
//
// Ports: input `current` (CurrentArray [pA], shape = units), optional input `inhibition_mask`
// (BooleanMask, shape = units), output `spikes` (SpikeArray signed by the mask), property `potential`
// (PotentialArray [mV], relative to the rest potential: v = V - V_rest).
// All potential-like parameters are stored relative to rest (theta = V_th - V_rest, ...); the spike test
// is strict, v > theta. A model derives from Soma<Model, Config> and provides
//     void build_model(const BuildContext&, const Shape& units);       // materialise parameters
//     void update(std::size_t begin, std::size_t end, const float* input, std::uint8_t* spiked);
//     void reset_model();  void visit_model(StateVisitor&);
// where update() advances elements [begin, end) by one dt given the input current [pA] of element i in
// input[i - begin] (the input starts at element begin: a block of a summed current, sum.hpp) and writes
// 1 into spiked[i] for a spike, else 0.
// The optional config field `units` (set by a neuron for all its components) gives the soma a
// recurrent contract and is checked against the current's shape.
// WithRefractory<Family> and WithAdaptiveThreshold<Family> (below) add the refractory period and the
// adaptive threshold to a family of models (a class that provides build_membrane()).
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include <spark/components/somas/soma_parts.hpp>
#include <spark/core/component_base.hpp>
#include <spark/core/spike_index.hpp>
#include <spark/core/sum.hpp>

namespace spark::components::somas {

template <class Derived, class ConfigT>
class Soma : public ComponentBase<Derived, ConfigT> {
    using Base = ComponentBase<Derived, ConfigT>;

public:
    enum Input : std::size_t { current, inhibition_mask };
    enum Output : std::size_t { spikes };
    enum Property : std::size_t { potential };
    static constexpr std::array input_ports{
        PortDecl{.name = "current", .kind = PayloadKind::current, .description = "Input current [pA].",
                 .summed_by_component = true},
        PortDecl{"inhibition_mask", PayloadKind::boolean_mask,
                 "Which units are inhibitory; their spikes carry the value -1.", true}};
    static constexpr std::array output_ports{
        PortDecl{"spikes", PayloadKind::spikes, "Spikes of this step, signed by the inhibition mask."}};
    static constexpr std::array property_ports{
        PortDecl{"potential", PayloadKind::potential, "Membrane potential relative to rest [mV]."}};

    using Base::Base;

    std::optional<BuildResult> contract() const override {
        if (!this->config_.units) return std::nullopt;
        return result_for(*this->config_.units, {});
    }
    std::optional<std::size_t> output_mask_input(std::size_t index) const override {
        if (index == spikes) return inhibition_mask;
        return std::nullopt;
    }

    BuildResult build(const BuildContext& ctx) override {
        const PortSpec& in = ctx.input(current);
        if (in.kind != PayloadKind::current || in.dtype != DType::f32 || in.per_synapse ||
            (this->config_.units && in.shape != *this->config_.units))
            throw_input_mismatch(*this, ctx, current,
                                 PortSpec(PayloadKind::current, this->config_.units.value_or(in.shape)).to_string());
        units_ = in.shape;
        std::vector<std::uint8_t> mask;
        if (ctx.has_input(inhibition_mask)) {
            const PortSpec& m = ctx.input(inhibition_mask);
            if (m.kind != PayloadKind::boolean_mask || m.shape.size() != units_.size())
                throw_input_mismatch(*this, ctx, inhibition_mask,
                                     PortSpec(PayloadKind::boolean_mask, units_).to_string());
            mask = m.mask;
        }
        this->require_memory_for("units", units_, this->bytes_per_unit());
        potential_.assign(units_.size(), 0.0f);
        static_cast<Derived*>(this)->build_model(ctx, units_);
        return result_for(units_, std::move(mask));
    }

    void step(const StepContext& ctx) override {
        const float* in = ctx.inputs[current].f32().data();
        const auto summands = ctx.summands_of(current);
        std::uint8_t* out = ctx.outputs[spikes].u8().data();
        const std::uint8_t* mask = ctx.inputs[inhibition_mask].empty() ? nullptr : ctx.inputs[inhibition_mask].u8().data();
        // A share's bounds need not fall on the index's blocks: its spikes are listed after the exchange.
        SpikeIndex* index = ctx.share.whole() ? ctx.outputs[spikes].spike_index : nullptr;
        auto* self = static_cast<Derived*>(this);
        // The units of this step: all of them, or a share.
        const std::size_t n = potential_.size();
        const std::size_t lo = std::min(ctx.share.begin, n), hi = std::min(ctx.share.end, n);
        parallel_for(*ctx.parallel, hi - lo, task_length(n), [&](std::size_t from, std::size_t to) {
            const std::size_t begin = lo + from, end = lo + to;
            if (summands.empty()) {
                self->update(begin, end, in + begin, out);
            } else {  // several current sources: summed a block at a time, while the block is in L1
                alignas(64) float block[sum_block_length];
                for (std::size_t first = begin; first < end; first += sum_block_length) {
                    const std::size_t last = std::min(end, first + sum_block_length);
                    sum_block(summands, first, last, block);
                    self->update(first, last, block, out);
                }
            }
            if (mask) sign_spikes(out + begin, mask + begin, end - begin);
            // The block's spikes, listed while its codes are in this thread's cache (spike_index.hpp).
            if (index) index->list(out, begin, end);
        });
        if (index) index->publish();
    }

    void reset() override {
        std::fill(potential_.begin(), potential_.end(), 0.0f);
        static_cast<Derived*>(this)->reset_model();
    }

    void visit_state(StateVisitor& v) override {
        v("potential", potential_);
        static_cast<Derived*>(this)->visit_model(v);
    }

    ArrayRef property(std::size_t) override { return {potential_.data(), potential_.size()}; }

    // Every unit is independent of the others, and every state array holds one value per unit.
    std::size_t share_units() const override { return potential_.size(); }
    bool input_per_unit(std::size_t) const override { return true; }

    std::span<const float> potential_values() const noexcept { return potential_; }

protected:
    // The values of a config with MembraneParams, drawn in the order rest, reset, tau, resistance,
    // threshold (Spark's draw order for the leaky and exponential families).
    struct Membrane {
        std::vector<float> rest, reset, tau, resistance, threshold;
    };
    Membrane draw_membrane(const BuildContext& ctx, const Shape& units) const {
        const auto& c = this->config_;
        Membrane m;
        m.rest = this->materialize(c.potential_rest, units, ctx);
        m.reset = this->materialize(c.potential_reset, units, ctx);
        m.tau = this->materialize(c.potential_tau, units, ctx);
        m.resistance = this->materialize(c.resistance, units, ctx);
        m.threshold = this->materialize(c.threshold, units, ctx);
        return m;
    }

    // codes[i] |= inhibitory where mask[i] (local pointers: a byte store may alias anything, which would
    // otherwise reload the pointers every element and keep the loop scalar).
    static void sign_spikes(std::uint8_t* __restrict codes, const std::uint8_t* __restrict mask, std::size_t n) noexcept {
        for (std::size_t i = 0; i < n; ++i)
            codes[i] = static_cast<std::uint8_t>(codes[i] | (mask[i] != 0 ? spike::inhibitory : 0));
    }

    static BuildResult result_for(const Shape& units, std::vector<std::uint8_t> mask) {
        PortSpec out(PayloadKind::spikes, units);
        out.mask = std::move(mask);
        return BuildResult{{std::move(out)}, {PortSpec(PayloadKind::potential, units)}};
    }

    Shape units_;
    std::vector<float> potential_;  // v = V - V_rest [mV]
};

// A family with a refractory period (spec 2.2, 2.3, 2.6): the counters are built from `cooldown`
// after the family's membrane constants (Spark's draw order), reset and saved with the model's state.
template <class Family>
class WithRefractory : public Family {
public:
    using Family::Family;

    void build_model(const BuildContext& ctx, const Shape& units) {
        this->build_membrane(ctx, units);
        refractory_.build(this->materialize(this->config_.cooldown, units, ctx), ctx.dt, this->where());
        uniform_cooldown_ = refractory_.uniform();
    }
    void reset_model() noexcept { refractory_.reset(); }
    void visit_model(StateVisitor& v) { refractory_.visit(v); }

    const RefractoryCounter& refractory() const noexcept { return refractory_; }

protected:
    RefractoryCounter refractory_;
    bool uniform_cooldown_ = false;  // every neuron has the same cooldown
};

// A refractory family whose threshold theta is the AdaptiveThreshold theta_t (spec 2.4, 2.8): base
// theta, time constant `threshold_tau`, increment `threshold_delta`, drawn after the cooldown.
template <class Family>
class WithAdaptiveThreshold : public WithRefractory<Family> {
    using Base = WithRefractory<Family>;

public:
    using Base::Base;

    void build_model(const BuildContext& ctx, const Shape& units) {
        Base::build_model(ctx, units);
        const auto tau = this->materialize(this->config_.threshold_tau, units, ctx);
        const auto delta = this->materialize(this->config_.threshold_delta, units, ctx);
        threshold_trace_.build(this->threshold_, tau, delta, ctx.dt);
    }
    void reset_model() noexcept {
        Base::reset_model();
        threshold_trace_.reset();
    }
    void visit_model(StateVisitor& v) {
        Base::visit_model(v);
        threshold_trace_.visit(v);
    }

    const AdaptiveThreshold& adaptive_threshold() const noexcept { return threshold_trace_; }

protected:
    AdaptiveThreshold threshold_trace_;
};

}  // namespace spark::components::somas
