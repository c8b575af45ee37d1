#include <spark/tools/default_network.hpp>

namespace spark::tools {

graph::Network default_network(const DefaultNetworkParams& p) {
    graph::Network net;  // a Brain: previous-step wires
    net.seed = 0;
    net.dt = p.dt;
    auto units = [](std::size_t n) { return Value(Value::List{Value(static_cast<double>(n))}); };
    net.add("drive", "constant_source", {{"units", units(p.inputs)}, {"kind", "float"}, {"value", p.input_rate}})
        .add("input", "poisson_spiker", {{"max_freq", p.input_max_freq}})
        .add("exc", "alif_neuron",
             {{"units", units(p.excitatory)},
              {"inhibitory_rate", 0.0},
              {"synapses.kernel.scale", p.exc_kernel_scale},
              {"synapses.kernel.density", p.kernel_density}})
        .add("inh", "alif_neuron",
             {{"units", units(p.inhibitory)},
              {"inhibitory_rate", 1.0},
              {"synapses.kernel.scale", p.inh_kernel_scale},
              {"synapses.kernel.density", p.kernel_density}})
        .add("readout", "exponential_integrator", {{"num_outputs", static_cast<double>(p.readout_outputs)}})
        .connect("drive.output", "input.signal")
        .connect("input.spikes", "exc.in_spikes")
        .connect("exc.out_spikes", "exc.in_spikes")
        .connect("inh.out_spikes", "exc.in_spikes")
        .connect("exc.out_spikes", "inh.in_spikes")
        .connect("exc.out_spikes", "readout.spikes")
        .output("readout", "readout.signal");
    return net;
}

}  // namespace spark::tools
