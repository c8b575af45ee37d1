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

struct DefaultNetworkParams {
    double dt = 0.1;               // [ms]
    std::size_t inputs = 200;      // Poisson input channels
    double input_rate = 0.5;       // constant signal in [0, 1]
    double input_max_freq = 40.0;  // [Hz] Poisson rate at signal 1
    std::size_t excitatory = 400;  // units of the excitatory population
    std::size_t inhibitory = 100;  // units of the inhibitory population
    double exc_kernel_scale = 60.0;  // [pA] synaptic weight scale onto excitatory units
    double inh_kernel_scale = 60.0;  // [pA] synaptic weight scale onto inhibitory units
    double kernel_density = 0.1;     // connection probability of every projection
    std::size_t readout_outputs = 4; // exponential_integrator outputs
};

// The bundled default network (seed 0, dt from `params`).
graph::Network default_network(const DefaultNetworkParams& params = {});

// Default simulated duration of `spark run` [ms].
inline constexpr double default_duration_ms = 1000.0;

}  // namespace spark::tools
