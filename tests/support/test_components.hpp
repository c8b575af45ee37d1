#pragma once
// Tiny components that exist only to test the graph: they make latencies and wiring visible.
#include <algorithm>
#include <array>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <spark/components/builtin.hpp>
#include <spark/core/component_base.hpp>
#include <spark/core/registry.hpp>
#include <spark/core/spike_index.hpp>

#include "test_component_base.hpp"

namespace spark::testing {

// Copies its spikes through; with `units` set it has a recurrent contract.
struct RelayConfig {
    SPARK_PARAMS(RelayConfig);
    SPARK_PARAM(std::optional<Shape>, units, std::nullopt, "", none, "Shape (gives a contract).");
};
class Relay : public TestComponent<Relay, RelayConfig, "test_relay", "TestRelay", "Copies spikes."> {
public:
    static constexpr std::array input_ports{PortDecl{"in", PayloadKind::spikes, "Spikes."}};
    static constexpr std::array output_ports{PortDecl{"out", PayloadKind::spikes, "The same spikes."}};
    using TestComponent::TestComponent;
    std::optional<BuildResult> contract() const override {
        if (!config_.units) return std::nullopt;
        return BuildResult{{PortSpec(PayloadKind::spikes, *config_.units)}, {}};
    }
    BuildResult build(const BuildContext& ctx) override {
        PortSpec out = ctx.input(0);
        if (config_.units && out.shape != *config_.units)
            throw_input_mismatch(*this, ctx, 0, PortSpec(PayloadKind::spikes, *config_.units).to_string());
        return {{out}, {}};
    }
    void step(const StepContext& ctx) override {
        auto in = ctx.inputs[0].u8();
        std::copy(in.begin(), in.end(), ctx.outputs[0].u8().begin());
    }
};

// The threads that ran test_adder steps (to see whether an executor spread nodes over threads).
inline std::mutex busy_threads_mutex;
inline std::set<std::thread::id> busy_threads;

// out = in + increment (FloatArray); a self-loop makes it a counter. Throws at step `fail_at` (if >= 0).
// With busy_us > 0 every step also takes that long (spinning). Every step notes its thread in busy_threads.
struct AdderConfig {
    SPARK_PARAMS(AdderConfig);
    SPARK_PARAM(Shape, units, Shape{1}, "", none, "Shape.");
    SPARK_PARAM(double, increment, 1.0, "", none, "Added every step.");
    SPARK_PARAM(double, fail_at, -1.0, "", none, "Step at which step() throws (-1: never).");
    SPARK_PARAM(double, busy_us, 0.0, "us", none, "Time every step takes (0: none).");
};
class Adder : public TestComponent<Adder, AdderConfig, "test_adder", "TestAdder", "Adds a constant."> {
public:
    static constexpr std::array input_ports{PortDecl{"in", PayloadKind::floating, "Values.", true}};
    static constexpr std::array output_ports{PortDecl{"out", PayloadKind::floating, "in + increment."}};
    using TestComponent::TestComponent;
    std::optional<BuildResult> contract() const override {
        return BuildResult{{PortSpec(PayloadKind::floating, config_.units)}, {}};
    }
    BuildResult build(const BuildContext& ctx) override {
        if (ctx.has_input(0) && ctx.input(0).shape != config_.units)
            throw_input_mismatch(*this, ctx, 0, PortSpec(PayloadKind::floating, config_.units).to_string());
        return *contract();
    }
    void step(const StepContext& ctx) override {
        if (static_cast<double>(ctx.step) == config_.fail_at)
            throw std::runtime_error("failed at step " + std::to_string(ctx.step));
        if (config_.busy_us > 0.0) {
            const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double, std::micro>(config_.busy_us);
            while (std::chrono::steady_clock::now() < until) {
            }
        }
        {
            const std::lock_guard lock(busy_threads_mutex);
            busy_threads.insert(std::this_thread::get_id());
        }
        auto out = ctx.outputs[0].f32();
        for (std::size_t i = 0; i < out.size(); ++i)
            out[i] = (ctx.inputs[0].empty() ? 0.0f : ctx.inputs[0].f32()[i]) + static_cast<float>(config_.increment);
    }
};

// A constant current: value + ramp * k for unit k.
struct ConstantCurrentConfig {
    SPARK_PARAMS(ConstantCurrentConfig);
    SPARK_PARAM(Shape, units, Shape{1}, "", none, "Shape.");
    SPARK_PARAM(double, value, 1.0, "pA", none, "Current of unit 0.");
    SPARK_PARAM(double, ramp, 0.0, "pA", none, "Added per unit index.");
};
class ConstantCurrent : public TestComponent<ConstantCurrent, ConstantCurrentConfig, "test_current", "TestCurrent",
                                             "A constant current."> {
public:
    static constexpr std::array output_ports{PortDecl{"out", PayloadKind::current, "The current."}};
    using TestComponent::TestComponent;
    BuildResult build(const BuildContext&) override { return {{PortSpec(PayloadKind::current, config_.units)}, {}}; }
    void step(const StepContext& ctx) override {
        auto out = ctx.outputs[0].f32();
        for (std::size_t k = 0; k < out.size(); ++k)
            out[k] = static_cast<float>(config_.value + config_.ramp * static_cast<double>(k));
    }
};

// Copies its input current (summed by the runtime when several sources drive it) to a FloatArray.
struct CurrentCopyConfig {
    SPARK_PARAMS(CurrentCopyConfig);
};
class CurrentCopy : public TestComponent<CurrentCopy, CurrentCopyConfig, "test_current_copy", "TestCurrentCopy",
                                         "Copies its input current."> {
public:
    static constexpr std::array input_ports{PortDecl{"in", PayloadKind::current, "Current."}};
    static constexpr std::array output_ports{PortDecl{"out", PayloadKind::floating, "The same values."}};
    using TestComponent::TestComponent;
    BuildResult build(const BuildContext& ctx) override {
        return {{PortSpec(PayloadKind::floating, ctx.input(0).shape)}, {}};
    }
    void step(const StepContext& ctx) override {
        auto in = ctx.inputs[0].f32();
        std::copy(in.begin(), in.end(), ctx.outputs[0].f32().begin());
    }
};

// Reads its spikes through for_each_spike (the input's spike index when fresh) and checks them against a
// scan of the codes every step; out[0] = the number of spikes it saw. With `list_only` it declares that
// it reads the list alone when fresh (Component::reads_spike_list_only) and checks the codes only in
// steps whose list is stale.
struct SpikeProbeConfig {
    SPARK_PARAMS(SpikeProbeConfig);
    SPARK_PARAM(bool, list_only, false, "", none, "Read the spike list alone whenever it is fresh.");
};
class SpikeProbe : public TestComponent<SpikeProbe, SpikeProbeConfig, "test_spike_probe", "TestSpikeProbe",
                                        "Checks the spike index of its input."> {
public:
    static constexpr std::array input_ports{PortDecl{"in", PayloadKind::spikes, "Spikes."}};
    static constexpr std::array output_ports{PortDecl{"out", PayloadKind::floating, "Spikes seen."}};
    using TestComponent::TestComponent;
    BuildResult build(const BuildContext&) override { return {{PortSpec(PayloadKind::floating, {1})}, {}}; }
    bool reads_spike_list_only(std::size_t) const override { return config_.list_only; }
    void step(const StepContext& ctx) override {
        const ConstArrayRef in = ctx.inputs[0];
        std::vector<std::pair<std::size_t, float>> seen, scanned;
        for_each_signed_spike(in, [&](std::size_t u, float value) { seen.emplace_back(u, value); });
        const auto codes = in.u8();
        for (std::size_t u = 0; u < codes.size(); ++u)
            if (codes[u] & spike::bit) scanned.emplace_back(u, spike::signed_value(codes[u]));
        for (const auto& [unit, value] : seen) inhibitory += value < 0.0f;
        const bool fresh = in.spike_index != nullptr && in.spike_index->fresh();
        fresh_steps += fresh;
        if (!config_.list_only || !fresh) mismatched_steps += seen != scanned;
        spikes += seen.size();
        spikes_in_codes += scanned.size();
        history.push_back(std::move(seen));
        ctx.outputs[0].f32()[0] = static_cast<float>(history.back().size());
    }

    int fresh_steps = 0;       // steps whose input came with a fresh spike index
    int mismatched_steps = 0;  // steps whose spikes (units and signs) differed from a scan of the codes
    std::size_t spikes = 0;
    std::size_t inhibitory = 0;
    std::size_t spikes_in_codes = 0;  // spike bits a scan of the codes found, over every step
    std::vector<std::vector<std::pair<std::size_t, float>>> history;  // the spikes seen, per step
};

// A counter that serves its output from its own state (Component::output_storage): count += increment
// every step, in place. `served_size` other than 0 serves an array of that many elements instead (a
// mistake the runtime must refuse).
struct ServedCounterConfig {
    SPARK_PARAMS(ServedCounterConfig);
    SPARK_PARAM(Shape, units, Shape{1}, "", none, "Shape.");
    SPARK_PARAM(double, increment, 1.0, "", none, "Added every step.");
    SPARK_PARAM(double, served_size, 0.0, "", none, "Elements of the served array (0: units).");
};
class ServedCounter : public TestComponent<ServedCounter, ServedCounterConfig, "test_served_counter", "TestServedCounter",
                                           "A counter whose output is its state."> {
public:
    static constexpr std::array output_ports{PortDecl{"out", PayloadKind::floating, "The count."}};
    using TestComponent::TestComponent;
    BuildResult build(const BuildContext&) override {
        const auto size = config_.served_size > 0 ? static_cast<std::size_t>(config_.served_size) : config_.units.size();
        count_.assign(size, 0.0f);
        return {{PortSpec(PayloadKind::floating, config_.units)}, {}};
    }
    ArrayRef output_storage(std::size_t) override { return {count_.data(), count_.size()}; }
    void step(const StepContext& ctx) override {
        auto out = ctx.outputs[0].f32();
        if (out.data() != count_.data()) throw std::runtime_error("step() was not given the served array");
        for (float& c : out) c += static_cast<float>(config_.increment);
    }
    void reset() override { std::fill(count_.begin(), count_.end(), 0.0f); }
    void visit_state(StateVisitor& v) override { v("count", count_); }

private:
    std::vector<float> count_;
};

// Misbehaves on request, to test the build's own checks: with `promise` it has a recurrent contract
// for that shape but builds the shape of its input; with `refuse_memory` its build runs out of memory.
// Its settable property `value` has its output's shape.
struct FaultyConfig {
    SPARK_PARAMS(FaultyConfig);
    SPARK_PARAM(std::optional<Shape>, promise, std::nullopt, "", none, "The shape its contract promises.");
    SPARK_PARAM(bool, refuse_memory, false, "", none, "Its build throws std::bad_alloc.");
};
class Faulty : public TestComponent<Faulty, FaultyConfig, "test_faulty", "TestFaulty",
                                    "Breaks its contract or runs out of memory."> {
public:
    static constexpr std::array input_ports{PortDecl{"in", PayloadKind::floating, "Values.", true}};
    static constexpr std::array output_ports{PortDecl{"out", PayloadKind::floating, "Zeros."}};
    static constexpr std::array property_ports{PortDecl{"value", PayloadKind::floating, "Settable.", false, true}};
    using TestComponent::TestComponent;
    std::optional<BuildResult> contract() const override {
        if (!config_.promise) return std::nullopt;
        return BuildResult{{PortSpec(PayloadKind::floating, *config_.promise)}, {}};
    }
    BuildResult build(const BuildContext& ctx) override {
        if (config_.refuse_memory) throw std::bad_alloc();
        const PortSpec spec = ctx.has_input(0) ? ctx.input(0) : PortSpec(PayloadKind::floating, Shape{1});
        value_.assign(spec.size(), 0.0f);
        return {{spec}, {spec}};
    }
    void step(const StepContext& ctx) override { std::ranges::fill(ctx.outputs[0].f32(), 0.0f); }
    ArrayRef property(std::size_t) override { return {value_.data(), value_.size()}; }

private:
    std::vector<float> value_;
};

// The built-ins and the test components most test networks use; each test registry adds its own.
inline Registry base_test_registry() {
    Registry reg;
    components::register_builtin_components(reg);
    reg.add<Relay>();
    reg.add<Adder>();
    reg.add<ConstantCurrent>();
    return reg;
}

inline const Registry& test_registry() {
    static const Registry r = [] {
        Registry reg = base_test_registry();
        reg.add<SpikeProbe>();
        reg.add<CurrentCopy>();
        reg.add<ServedCounter>();
        reg.add<Faulty>();
        return reg;
    }();
    return r;
}

}  // namespace spark::testing

