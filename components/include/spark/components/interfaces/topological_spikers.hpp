#pragma once
// Topological input interfaces (spec section 7.1, "TopologicalSpiker family").
//
// Each scalar of the input `signal` (FloatArray, shape in) is mapped onto `resolution` virtual units
// with a bump centred on the encoded position, and the virtual units are spiked. Output `spikes` has
// shape in + (resolution,): element (i, r) is virtual unit r of input element i (row-major).
//     space_r = pi r / (resolution - 1)            r = 0 .. resolution-1 (both ends included)
//     xbar    = (signal - mins) / (maxs - mins)
//     g       = sin(space_r + pi xbar)   if glue    (a ring: xbar and xbar + 1 give the same bump)
//               tanh(space_r - pi xbar)  otherwise  (a line: the bump peaks at r = xbar (resolution - 1))
//     a       = exp(-(0.5 / sigma) g^2)
// Spark's sigma divides g^2, not sigma^2 (spec quirk 16); reproduced. On a ring the bump peaks where
// space_r = pi (1 - xbar) (mod pi), so the first and last virtual units coincide. Spark transposes the
// whole array, which is only consistent for 1-D inputs; here every input shape uses the layout above
// (identical to Spark's for 1-D inputs).
//
// TopologicalPoissonSpiker:  s = [U[0,1) < (dt f_max / 1000) a], one uniform per virtual unit per
//   step in element order, from the node's own stream (saved in snapshots, not rewound by reset()).
// TopologicalLinearSpiker: LinearSpiker dynamics on a per virtual unit, except that (as in Spark)
//   E uses 1/tau instead of dt/tau and the increment has no dt factor:
//     E = exp((1/tau) (1000 - cd f_max) / f_max),  S = 1/(E - 1) + 1,  decay = exp(-dt/tau), gain = 1 - decay
//     ready = [ref >= cd];  V <- decay V + ready tau gain S a;  s = [V > tau];  V <- (1-s) V;
//     ref <- (1-s)(ref + dt)             (V starts at 0, ref at cd [ms])
// Parameters glue, mins and maxs are per input element (scalar, array or initializer; drawn in that order).
#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include <spark/components/interfaces/spikers.hpp>

namespace spark::components::interfaces {

// The topological encoding: each input element spread over `resolution` virtual units.
struct TopologyParams {
    SPARK_PARAMS(TopologyParams);
    SPARK_PARAM(Param, glue, 0.0, "", binary, "1 = periodic (ring) encoding, 0 = line encoding; per input element.");
    SPARK_PARAM(Param, mins, 0.0, "", none, "Signal value at the start of the range; per input element.");
    SPARK_PARAM(Param, maxs, 1.0, "", none, "Signal value at the end of the range (!= mins); per input element.");
    SPARK_PARAM(std::size_t, resolution, 64, "", positive, "Virtual units per input element (> 0).");
    SPARK_PARAM(double, sigma, 1.0 / 32.0, "", positive, "Bump width: a = exp(-(0.5/sigma) g^2).");
};

struct TopologicalPoissonSpikerConfig : Params<TopologyParams> {
    SPARK_PARAMS(TopologicalPoissonSpikerConfig);
    SPARK_PARAM(double, max_freq, 100.0, "Hz", positive, "Firing rate of a virtual unit at activation 1.");
};

struct TopologicalLinearSpikerConfig : Params<TopologyParams, LinearSpikingParams> {};

namespace detail {

// The bump map shared by the topological spikers: parameters per input element, activations per
// virtual unit.
class TopologicalMap {
public:
    // Takes the materialised glue, mins and maxs (one per input element); throws ConfigError naming
    // `where` and the element if maxs == mins.
    void init(std::size_t resolution, double sigma, std::vector<float> glue, std::vector<float> mins,
              const std::vector<float>& maxs, const ConfigWhere& where);

    // a for input elements [begin, end): writes activation[i * resolution + r].
    void activations(const float* signal, float* activation, std::size_t begin, std::size_t end) const noexcept;

    std::size_t resolution() const noexcept { return space_.size(); }
    std::size_t inputs() const noexcept { return glue_.size(); }
    // Input elements per parallel chunk (about 256 virtual units per chunk: each costs a sine or tanh
    // and an exp, so a few hundred already outweigh a fork; the CartPole brain's 4 x 128 split in two).
    std::size_t chunk() const noexcept { return std::max<std::size_t>(1, 256 / space_.size()); }

private:
    std::vector<float> space_;   // [resolution]
    std::vector<std::uint8_t> glue_;
    std::vector<float> mins_, range_;  // per input element; range = maxs - mins
    float width_ = 0.0f;               // 0.5 / sigma
};

// The output spec: SpikeArray of shape in + (resolution,), all excitatory.
BuildResult topological_output(const Shape& in, std::size_t resolution);
void check_resolution(std::size_t resolution, const ConfigWhere& where);

}  // namespace detail

// What the topological spikers share: the ports, the bump map and its activations.
template <class Derived, class ConfigT>
class TopologicalSpiker : public Spiker<Derived, ConfigT> {
    using Base = Spiker<Derived, ConfigT>;

public:
    static constexpr std::array input_ports{
        PortDecl{"signal", PayloadKind::floating, "Signal, mapped from [mins, maxs] to the bump position."}};
    static constexpr std::array output_ports{
        PortDecl{"spikes", PayloadKind::spikes, "Excitatory spikes, shape signal + (resolution,)."}};

    // Throws ConfigError for a resolution of 0.
    TopologicalSpiker(ConfigT config, std::string instance) : Base(std::move(config), std::move(instance)) {
        detail::check_resolution(this->config_.resolution, this->where());
    }

    // The activations a of the last step (one per virtual unit).
    std::span<const float> activation() const noexcept { return activation_; }

protected:
    // Checks the signal, draws glue, mins and maxs (in that order) into the map and sizes the
    // activations; returns the signal's spec.
    const PortSpec& build_map(const BuildContext& ctx) {
        const PortSpec& in = detail::signal_input(*this, ctx);
        const auto& c = this->config_;
        auto glue = this->materialize(c.glue, in.shape, ctx);
        auto mins = this->materialize(c.mins, in.shape, ctx);
        const auto maxs = this->materialize(c.maxs, in.shape, ctx);
        map_.init(c.resolution, c.sigma, std::move(glue), std::move(mins), maxs, this->where());
        activation_.assign(in.size() * c.resolution, 0.0f);
        return in;
    }

    detail::TopologicalMap map_;
    std::vector<float> activation_;  // scratch, one per virtual unit
};

class TopologicalPoissonSpiker
    : public WithPoissonUnits<TopologicalSpiker<TopologicalPoissonSpiker, TopologicalPoissonSpikerConfig>> {
public:
    static constexpr ComponentIdentity identity{"topological_poisson_spiker", "TopologicalPoissonSpiker", "interface",
        "Population (bump) code of each input scalar over `resolution` Poisson units."};

    using WithPoissonUnits::WithPoissonUnits;

    BuildResult build(const BuildContext& ctx) override;
    void step(const StepContext& ctx) override;
};

// Its units are one per virtual unit; throws ConfigError for a resolution of 0 or unless cd < 1000/max_freq.
class TopologicalLinearSpiker
    : public WithLinearSpikingUnits<TopologicalSpiker<TopologicalLinearSpiker, TopologicalLinearSpikerConfig>> {
public:
    static constexpr ComponentIdentity identity{"topological_linear_spiker", "TopologicalLinearSpiker", "interface",
        "Population (bump) code of each input scalar over `resolution` integrate-to-threshold units."};

    using WithLinearSpikingUnits::WithLinearSpikingUnits;

    BuildResult build(const BuildContext& ctx) override;
    void step(const StepContext& ctx) override;
};

}  // namespace spark::components::interfaces
