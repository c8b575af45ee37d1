#pragma once
// The network `spark run` simulates when no file is given: a small balanced E/I circuit in the spirit
// of the brains tutorial (spec section 12, item 4).
//
//   drive (constant_source, FloatArray [inputs] = rate)
//     -> input (poisson_spiker, max_freq)                  Poisson input
//        -> exc (alif_neuron, inhibitory_rate 0)           excitatory population
//   exc  -> exc, exc -> inh, inh -> exc                     recurrent (previous-step Brain wires)
//   inh  (alif_neuron, inhibitory_rate 1)                  inhibitory population
//   exc  -> readout (exponential_integrator) -> network output "readout"
//
// All wires between modules carry the previous step's value (Spark's Brain cache). Inhibition is
// carried by the sign of the inhibitory population's spikes. The same network is written as a
// network file in examples/networks/default.txtpb.
#include <cstddef>

#include <spark/graph/network.hpp>

namespace spark::tools {

// Sized for a quick first run: each excitatory unit receives about 40 input, 40 excitatory and 10
// inhibitory synapses (density 0.2, one kernel over the concatenated sources), each inhibitory unit
// about 40 excitatory ones. The input dominates (its channels fire at 50 Hz), which keeps the
// activity asynchronous and irregular: with the defaults both populations fire at about 19 Hz
// (seeds 0..3, 1 s), and the rates follow the input (about 0 Hz at input_rate 0.25, 29 Hz at 1).
// The somas keep Spark's AdaptiveLeakySoma defaults (threshold 20 mV above rest, +100 mV per spike
// decaying with 20 ms). One second of biological time is 1000 steps of 1 ms.
struct DefaultNetworkParams {
    double dt = 1.0;                  // [ms]
    std::size_t inputs = 200;         // Poisson input channels
    double input_rate = 0.5;          // constant signal in [0, 1]
    double input_max_freq = 100.0;    // [Hz] Poisson rate at signal 1 (50 Hz per channel by default)
    std::size_t excitatory = 200;     // units of the excitatory population
    std::size_t inhibitory = 50;      // units of the inhibitory population
    double exc_kernel_scale = 45.0;   // [pA] kernel scale onto excitatory units (weights in [0, scale))
    double inh_kernel_scale = 150.0;  // [pA] kernel scale onto inhibitory units
    double kernel_density = 0.2;      // connection probability of every projection
    std::size_t readout_outputs = 4;  // exponential_integrator outputs
};

// The bundled default network (seed 0, dt from `params`).
graph::Network default_network(const DefaultNetworkParams& params = {});

// Default simulated duration of `spark run` [ms].
inline constexpr double default_duration_ms = 1000.0;

}  // namespace spark::tools
