#pragma once
// Components that exist only to test snapshots: they keep state of every dtype and a random stream,
// so that a restore that misses any of it shows in the results.
#include <array>
#include <cstdint>
#include <vector>


#include <spark/components/builtin.hpp>
#include <spark/core/component_base.hpp>
#include <spark/core/registry.hpp>

#include "test_components.hpp"

namespace spark::testing {

// A noisy current: current = mean + amplitude * (U[0,1) - 0.5), drawn from the node's own stream.
// Its state has every dtype: the stream (u64), per-unit draw counts above the mean (i32), ages (u16,
// wrapping) and a flag per unit (u8).
struct NoiseConfig {
    SPARK_PARAMS(NoiseConfig);
    SPARK_PARAM(Shape, units, Shape{4}, "", none, "Shape.");
    SPARK_PARAM(double, mean, 100.0, "pA", none, "Mean current.");
    SPARK_PARAM(double, amplitude, 200.0, "pA", non_negative, "Peak-to-peak noise.");
};
class Noise : public TestComponent<Noise, NoiseConfig, "test_noise", "TestNoise",
                                   "A noisy current with state of every dtype."> {
public:
    static constexpr std::array output_ports{PortDecl{"current", PayloadKind::current, "The noisy current."}};
    using TestComponent::TestComponent;
    BuildResult build(const BuildContext& ctx) override {
        rng_ = *ctx.rng;
        const std::size_t n = config_.units.size();
        above_.assign(n, 0);
        ages_.assign(n, 0);
        flags_.assign(n, 0);
        initial_ = rng_;
        return {{PortSpec(PayloadKind::current, config_.units)}, {}};
    }
    void step(const StepContext& ctx) override {
        auto out = ctx.outputs[0].f32();
        for (std::size_t i = 0; i < out.size(); ++i) {
            const float u = rng_.uniform() - 0.5f;
            out[i] = static_cast<float>(config_.mean) + static_cast<float>(config_.amplitude) * u;
            if (u > 0) ++above_[i];
            ages_[i] = static_cast<std::uint16_t>(ages_[i] + 4099);
            flags_[i] = static_cast<std::uint8_t>(u > 0.25f);
        }
    }
    void reset() override {
        rng_ = initial_;
        std::fill(above_.begin(), above_.end(), 0);
        std::fill(ages_.begin(), ages_.end(), std::uint16_t{0});
        std::fill(flags_.begin(), flags_.end(), std::uint8_t{0});
    }
    void visit_state(StateVisitor& v) override {
        v("rng", rng_);
        v("above", above_);
        v("ages", ages_);
        v("flags", flags_);
    }

private:
    Rng rng_, initial_;
    std::vector<std::int32_t> above_;
    std::vector<std::uint16_t> ages_;
    std::vector<std::uint8_t> flags_;
};

// One large float array (a stand-in for a 10^7-synapse kernel): each step adds the step number to
// a few elements spread over the array and outputs their sum.
struct BigStateConfig {
    SPARK_PARAMS(BigStateConfig);
    SPARK_PARAM(std::size_t, size, 16, "", none, "Number of state elements.");
};
class BigState : public TestComponent<BigState, BigStateConfig, "test_big_state", "TestBigState",
                                      "A large state array."> {
public:
    static constexpr std::array output_ports{PortDecl{"out", PayloadKind::floating, "A sum over the state."}};
    using TestComponent::TestComponent;
    BuildResult build(const BuildContext&) override {
        values_.resize(config_.size);
        for (std::size_t i = 0; i < values_.size(); ++i) values_[i] = static_cast<float>(i % 1000) * 0.5f;
        return {{PortSpec(PayloadKind::floating, {1})}, {}};
    }
    void step(const StepContext& ctx) override {
        float sum = 0;
        const std::size_t n = values_.size();
        for (std::size_t k = 0; k < 8; ++k) {
            const std::size_t i = (static_cast<std::size_t>(ctx.step) * 7919 + k * (n / 8 + 1)) % n;
            values_[i] += static_cast<float>(ctx.step);
            sum += values_[i];
        }
        ctx.outputs[0].f32()[0] = sum;
    }
    void visit_state(StateVisitor& v) override { v("values", values_); }
    std::vector<float>& values() { return values_; }

private:
    std::vector<float> values_;
};

// A counter whose state layout changes between "versions" of the same type name (fingerprint tests).
struct CounterConfig {
    SPARK_PARAMS(CounterConfig);
    SPARK_PARAM(Shape, units, Shape{2}, "", none, "Shape.");
};
template <bool V2>
class Counter : public TestComponent<Counter<V2>, CounterConfig, "test_counter", "TestCounter", "Counts steps."> {
public:
    static constexpr ComponentIdentity identity{V2 ? "test_counter_v2" : "test_counter", "TestCounter", "test",
                                                "Counts steps."};
    static constexpr std::array output_ports{PortDecl{"out", PayloadKind::floating, "The count."}};
    using Counter::TestComponent::TestComponent;
    BuildResult build(const BuildContext&) override {
        count_.assign(this->config_.units.size(), 0);
        extra_.assign(this->config_.units.size(), 0.0f);
        return {{PortSpec(PayloadKind::floating, this->config_.units)}, {}};
    }
    void step(const StepContext& ctx) override {
        auto out = ctx.outputs[0].f32();
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(++count_[i]);
    }
    void reset() override { std::fill(count_.begin(), count_.end(), 0); }
    void visit_state(StateVisitor& v) override {
        v("count", count_);
        if constexpr (V2) v("extra", extra_);
    }

private:
    std::vector<std::int32_t> count_;
    std::vector<float> extra_;
};

// Its visit_state throws on the n-th call (0: never): a save that fails half-way.
struct FlakyConfig {
    SPARK_PARAMS(FlakyConfig);
    SPARK_PARAM(std::size_t, fail_on_visit, 0, "", none, "Which visit throws (0: none).");
};
class Flaky : public TestComponent<Flaky, FlakyConfig, "test_flaky", "TestFlaky", "Fails to be visited."> {
public:
    using TestComponent::TestComponent;
    BuildResult build(const BuildContext&) override { return {}; }
    void step(const StepContext&) override {}
    void visit_state(StateVisitor& v) override {
        if (++visits_ == config_.fail_on_visit) throw Error("test_flaky: visit " + std::to_string(visits_) + " fails");
        v("data", data_);
    }

private:
    std::size_t visits_ = 0;
    std::vector<float> data_ = std::vector<float>(100000, 1.0f);
};

// The built-ins, the graph test components and the snapshot test components; with `v2`,
// "test_counter" is the version with a second state array.
inline Registry make_snapshot_registry(bool v2) {
    Registry reg = base_test_registry();
    reg.add<Noise>();
    reg.add<BigState>();
    if (!v2) {
        reg.add<Flaky>();
        reg.add<Counter<false>>();
        return reg;
    }
    Registry scratch;
    scratch.add<Counter<true>>();
    ComponentInfo info = scratch.entries().front();
    info.name = "test_counter";
    reg.add(std::move(info));
    return reg;
}

inline const Registry& snapshot_registry() {
    static const Registry r = make_snapshot_registry(false);
    return r;
}

// The same registry in which "test_counter" is the version with a second state array.
inline const Registry& snapshot_registry_v2() {
    static const Registry r = make_snapshot_registry(true);
    return r;
}

}  // namespace spark::testing

