#pragma once
// The CUBA benchmark network (Vogels & Abbott 2005; Brette et al. 2007; Brian2's CUBA example),
// expressed with spark's own components:
//
//   E (strict_refractory_leaky_soma, 0.8 N) --spikes--> ee (traced_synapses, tau 5 ms) --+--> E.current
//                                          \-------> ie (traced_synapses, tau 5 ms) --+|-> I.current
//   I (strict_refractory_leaky_soma, 0.2 N) --spikes--> ei (traced_synapses, tau 10 ms) -+|
//        (signed -1 by an all-inhibitory mask) \------> ii (traced_synapses, tau 10 ms) --+
//
// tau_m = 20 ms, E_l = -49 mV (the leak target), V_t = -50 mV, V_r = -60 mV, refractory 5 ms with the
// potential clamped, R = 1 GOhm so a current of 1 pA drives 1 mV (the synapse traces are Brian's ge, gi
// in mV), weights 1.62 mV and 9 mV (inhibitory by the presynaptic spike sign), connection probability
// 80 / N, initial potentials uniform in [V_r, V_t), dt = 0.1 ms. Soma -> synapse wires carry the previous
// step (Brian delivers a spike to ge in its spiking step and v sees it one step later: the same latency).
#include <string>

#include <spark/graph/network.hpp>

namespace spark::bench {

// A CUBA population of `units` somas: potentials relative to rest (-49 mV), so reset -60 -> -11 and
// threshold -50 -> -1; the initial potential is uniform in [V_r, V_t) = [-11, -1) relative to rest.
inline Overrides cuba_soma(std::size_t units) {
    return Overrides{{"units", Value::List{static_cast<double>(units)}},
                     {"potential_rest", -49.0},
                     {"potential_reset", -60.0},
                     {"threshold", -50.0},
                     {"potential_tau", 20.0},
                     {"resistance", 1.0},
                     {"cooldown", 5.0},
                     {"initial.potential", Value::Map{{"initializer", "uniform_initializer"},
                                                      {"offset", -11.0},
                                                      {"scale", 10.0}}}};
}

// Traced synapses from `units` presynaptic units, connected with probability `density`.
inline Overrides cuba_synapses(std::size_t units, double tau, double weight, double density) {
    return Overrides{{"units", Value::List{static_cast<double>(units)}},
                     {"tau", tau},
                     {"kernel", Value::Map{{"initializer", "sparse_constant_initializer"},
                                           {"scale", weight},
                                           {"density", density}}}};
}

// The wires between the populations E and I (signed by I_sign) and the synapses ee, ie, ei, ii; a
// network adds further currents into E.current and I.current after these.
inline void connect_cuba_populations(graph::Network& net) {
    using graph::Latency;
    net.connect("I_sign.mask", "I.inhibition_mask")
        .connect("E.spikes", "ee.spikes", Latency::previous_step)
        .connect("E.spikes", "ie.spikes", Latency::previous_step)
        .connect("I.spikes", "ei.spikes", Latency::previous_step)
        .connect("I.spikes", "ii.spikes", Latency::previous_step)
        .connect("ee.currents", "E.current")
        .connect("ei.currents", "E.current")
        .connect("ie.currents", "I.current")
        .connect("ii.currents", "I.current");
}

inline graph::Network cuba_network(std::size_t n, std::uint64_t seed = 1) {
    using graph::Latency;
    const auto n_exc = static_cast<std::size_t>(0.8 * static_cast<double>(n));
    const std::size_t n_inh = n - n_exc;
    const double p = 80.0 / static_cast<double>(n);
    graph::Network net(Latency::same_step);
    net.seed = seed;
    net.dt = 0.1;
    net.add("E", "strict_refractory_leaky_soma", cuba_soma(n_exc))
        .add("I", "strict_refractory_leaky_soma", cuba_soma(n_inh))
        .add("I_sign", "inhibition_mask", {{"units", Value::List{static_cast<double>(n_inh)}}, {"inhibitory_rate", 1.0}})
        .add("ee", "traced_synapses", cuba_synapses(n_exc, 5.0, 1.62, p))
        .add("ie", "traced_synapses", cuba_synapses(n_inh, 5.0, 1.62, p))
        .add("ei", "traced_synapses", cuba_synapses(n_exc, 10.0, 9.0, p))
        .add("ii", "traced_synapses", cuba_synapses(n_inh, 10.0, 9.0, p));
    connect_cuba_populations(net);
    return net;
}

}  // namespace spark::bench
