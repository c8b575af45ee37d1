#pragma once
// Real-valued stages: components whose input is a number per element rather than a current of a
// soma (spark's counterparts of NIR's Affine, Linear, Scale, Threshold, LI, I and CubaLI's current).
//
// Their input port `input` accepts a SpikeArray (read as its signed value -1/0/+1), a CurrentArray,
// a PotentialArray or a FloatArray; several current sources on it are summed by the graph, several
// spike sources concatenated.
// Time: the input of a step is held constant over that step (a zero-order hold, as every soma of
// spark assumes for its current), and the linear dynamics of the integrators are integrated exactly
// under that hold. A spike thus enters a leaky node as a value 1 held for one step dt: a rectangular
// pulse of area dt, not a Dirac impulse of area 1 (the NIR reference implementation makes the same
// choice: its input x is added per step as x dt / tau).
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <spark/core/component.hpp>

namespace spark::components::stages {

// Whether a spec can feed a stage's `input`: spikes, current, potential or float, not per-synapse.
bool is_real_valued_input(const PortSpec& spec) noexcept;

// Reads input `in` (of kind `kind`) into `out` as numbers: the signed spike value, or the value.
void read_values(const ConstArrayRef& in, PayloadKind kind, std::span<float> out) noexcept;

}  // namespace spark::components::stages
