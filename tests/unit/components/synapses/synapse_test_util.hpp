#pragma once
// Helpers shared by the synapse tests: value lists and random spike trains (the Parallel
// implementations are in tests/support/test_parallels.hpp).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <span>
#include <random>
#include <thread>
#include <vector>

#include <spark/components/builtin.hpp>

#include "harness.hpp"
#include "test_parallels.hpp"

namespace spark::testing {

// The synapse tests' name for ReversedParallel (claiming 4 threads).
using ReverseParallel = ReversedParallel;

inline Value list(const std::vector<double>& values) {
    Value::List l;
    for (double v : values) l.emplace_back(v);
    return Value(l);
}
inline Value ints(const std::vector<int>& values) {
    Value::List l;
    for (int v : values) l.emplace_back(v);
    return Value(l);
}
inline PortSpec sync_spikes(std::size_t n) { return PortSpec(PayloadKind::spikes, {n}); }
inline PortSpec per_synapse_spikes(std::vector<std::size_t> dims) {
    return PortSpec(PayloadKind::spikes, Shape(std::move(dims)), true);
}

inline Harness synapses(std::string_view type, Overrides overrides, PortSpec input, double dt = 1.0,
                        std::uint64_t seed = 0, std::vector<bool> properties_read = {}) {
    return Harness(components::builtin_registry(), type, overrides, {std::move(input)}, dt, seed,
                   std::move(properties_read));
}

// A random spike train: unit j fires with probability `rate` per step; units with j % 5 == 0 are
// inhibitory (their sign bit is set on every step).
class SpikeSource {
public:
    SpikeSource(std::size_t n, double rate, std::uint32_t seed) : n_(n), rate_(rate), gen_(seed) {}
    void fill(std::span<std::uint8_t> codes) {
        for (std::size_t j = 0; j < n_; ++j) codes[j] = spike::encode(coin_(gen_) < rate_, j % 5 == 0);
    }

private:
    std::size_t n_;
    double rate_;
    std::mt19937 gen_;
    std::uniform_real_distribution<double> coin_{0.0, 1.0};
};

// The largest |current - reference| seen over the steps of a comparison, relative to 1 + the largest
// |reference| (the scale of the currents).
class RelativeDifference {
public:
    void add(std::span<const float> current, std::span<const float> reference) {
        for (std::size_t p = 0; p < reference.size(); ++p) {
            worst_ = std::max(worst_, std::abs(double(current[p]) - double(reference[p])));
            largest_ = std::max(largest_, std::abs(double(reference[p])));
        }
    }
    double largest() const noexcept { return largest_; }
    double relative() const noexcept { return worst_ / (1.0 + largest_); }

private:
    double worst_ = 0.0, largest_ = 0.0;
};

}  // namespace spark::testing
