#pragma once
// Harness: builds one component in isolation from input specs and steps it, owning every payload
// buffer the way the runtime does. Used by the unit, validation and conformance tests.
//
// @code
//   Harness h(std::make_unique<LeakySoma>(LeakySomaConfig{}, "soma"),
//             {PortSpec(PayloadKind::current, {1})}, /*dt=*/1.0);
//   h.input_f32(0)[0] = 250.0f;
//   for (int t = 0; t < 100; ++t) { h.step(); if (h.output_u8(0)[0] & spike::bit) ... }
// @endcode
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <spark/core/component.hpp>
#include <spark/core/registry.hpp>

namespace spark::testing {

class Harness {
public:
    Harness(std::unique_ptr<Component> component, std::vector<std::optional<PortSpec>> input_specs,
            double dt = 1.0, std::uint64_t seed = 0, std::vector<bool> properties_read = {},
            Parallel* build_parallel = nullptr)
        : component_(std::move(component)), input_specs_(std::move(input_specs)) {
        rng_ = Rng::for_node(seed, component_->instance());
        if (properties_read.empty()) properties_read.assign(component_->properties().size(), false);
        properties_read_.assign(properties_read.begin(), properties_read.end());
        std::vector<char> flags(properties_read_.begin(), properties_read_.end());
        bool_flags_ = std::make_unique<bool[]>(flags.size() + 1);
        for (std::size_t i = 0; i < flags.size(); ++i) bool_flags_[i] = flags[i];
        BuildContext ctx;
        ctx.inputs = input_specs_;
        ctx.properties_read = {bool_flags_.get(), flags.size()};
        ctx.dt = dt;
        ctx.rng = &rng_;
        ctx.node = component_->instance();
        ctx.parallel = build_parallel;
        result_ = component_->build(ctx);
        component_->mark_built();
        for (const auto& spec : input_specs_) {
            inputs_.emplace_back(spec ? spec->bytes() : 0);
            input_refs_.push_back(spec ? ConstArrayRef(inputs_.back().data(), spec->size(), spec->dtype) : ConstArrayRef());
        }
        for (const auto& spec : result_.outputs) {
            outputs_.emplace_back(spec.bytes());
            output_refs_.push_back(ArrayRef{outputs_.back().data(), spec.size(), spec.dtype});
        }
        // Buffers were moved while growing the vectors: rebind.
        for (std::size_t i = 0; i < inputs_.size(); ++i)
            if (input_specs_[i]) input_refs_[i] = ConstArrayRef(inputs_[i].data(), input_specs_[i]->size(), input_specs_[i]->dtype);
        for (std::size_t i = 0; i < outputs_.size(); ++i) output_refs_[i] = ArrayRef{outputs_[i].data(), result_.outputs[i].size(), result_.outputs[i].dtype};
        // An output the component serves from its own state is its array, as in the runtime.
        for (std::size_t i = 0; i < outputs_.size(); ++i)
            if (const ArrayRef served = component_->output_storage(i); !served.empty()) output_refs_[i] = served;
    }

    // Convenience: construct by registry name with overrides.
    Harness(const Registry& registry, std::string_view type, const Overrides& overrides,
            std::vector<std::optional<PortSpec>> input_specs, double dt = 1.0, std::uint64_t seed = 0,
            std::vector<bool> properties_read = {}, Parallel* build_parallel = nullptr)
        : Harness(registry.create(type, overrides, std::string(type)), std::move(input_specs), dt, seed,
                  std::move(properties_read), build_parallel) {}

    void step(Parallel& parallel = serial_parallel()) {
        StepContext ctx{input_refs_, output_refs_, &parallel, step_};
        component_->step(ctx);
        ++step_;
    }

    std::span<float> input_f32(std::size_t i) { return bytes_as<float>(inputs_[i]); }
    std::span<std::uint8_t> input_u8(std::size_t i) { return bytes_as<std::uint8_t>(inputs_[i]); }
    std::span<std::int32_t> input_i32(std::size_t i) { return bytes_as<std::int32_t>(inputs_[i]); }
    std::span<float> output_f32(std::size_t i) { return output_refs_[i].f32(); }
    std::span<std::uint8_t> output_u8(std::size_t i) { return output_refs_[i].u8(); }
    std::span<std::int32_t> output_i32(std::size_t i) { return output_refs_[i].i32(); }
    // The bytes of output `i`, whatever its dtype (for bitwise comparisons).
    std::span<const std::byte> output_bytes(std::size_t i) const {
        const ArrayRef& r = output_refs_[i];
        return {static_cast<const std::byte*>(r.data), r.size * size_of(r.dtype)};
    }

    Component& component() { return *component_; }
    template <class T>
    T& as() { return dynamic_cast<T&>(*component_); }
    const BuildResult& result() const { return result_; }
    std::int64_t steps() const { return step_; }

private:
    template <class T>
    static std::span<T> bytes_as(std::vector<std::byte>& bytes) {
        return {reinterpret_cast<T*>(bytes.data()), bytes.size() / sizeof(T)};
    }

    std::unique_ptr<Component> component_;
    std::vector<std::optional<PortSpec>> input_specs_;
    std::vector<bool> properties_read_;
    std::unique_ptr<bool[]> bool_flags_;
    Rng rng_;
    BuildResult result_;
    std::vector<std::vector<std::byte>> inputs_, outputs_;
    std::vector<ConstArrayRef> input_refs_;
    std::vector<ArrayRef> output_refs_;
    std::int64_t step_ = 0;
};

// Steps of `h` (up to `steps`) at which output `port`, element `unit`, spiked.
inline std::vector<int> spike_steps(Harness& h, int steps, std::size_t port = 0, std::size_t unit = 0) {
    std::vector<int> out;
    for (int t = 0; t < steps; ++t) {
        h.step();
        if (h.output_u8(port)[unit] & spike::bit) out.push_back(t);
    }
    return out;
}

}  // namespace spark::testing
