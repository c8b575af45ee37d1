// The built-in neuron templates (spec section 8.2). All three share one wiring:
//
//   in_spikes -> delays (n2n_delays) -> synapses -> soma -> out_spikes
//                        |                 ^ kernel   |
//                        +--> plasticity <-+----------+ (pre = delayed spikes, post = soma spikes)
//   plasticity.kernel is written back into synapses.kernel after the step (an effect);
//   inhibition.mask (floor(units * inhibitory_rate) inhibitory units) signs the soma's spikes.
#include <spark/graph/network.hpp>

namespace spark::graph {

namespace {
NeuronTemplate make_template(std::string name, std::string description, std::string synapses, std::string soma) {
    NeuronTemplate t;
    t.name = std::move(name);
    t.description = std::move(description);
    t.parameters = {{"units", Value()}, {"inhibitory_rate", Value(0.2)}};
    Network& b = t.body;
    b.add("inhibition", "inhibition_mask")
        .add("delays", "n2n_delays")
        .add("synapses", std::move(synapses))
        .add("soma", std::move(soma))
        .add("plasticity", "hebbian_rule")
        .input("in_spikes", "delays.in_spikes")
        .connect("delays.out_spikes", "synapses.spikes")
        .connect("synapses.currents", "soma.current")
        .connect("inhibition.mask", "soma.inhibition_mask")
        .connect("delays.out_spikes", "plasticity.pre_spikes")
        .connect("soma.spikes", "plasticity.post_spikes")
        .connect("synapses.kernel", "plasticity.kernel")
        .effect("synapses.kernel", "plasticity.kernel")
        .output("out_spikes", "soma.spikes");
    return t;
}
}  // namespace

void register_builtin_templates(TemplateRegistry& registry) {
    registry.add(make_template("lif_neuron", "LIF neuron: N2N delays, linear synapses, leaky soma, Hebbian rule.",
                               "linear_synapses", "leaky_soma"));
    registry.add(make_template("alif_neuron",
                               "Adaptive LIF neuron: N2N delays, traced synapses, adaptive leaky soma, Hebbian rule.",
                               "traced_synapses", "adaptive_leaky_soma"));
    registry.add(make_template("ad_ex_neuron",
                               "AdEx neuron: N2N delays, traced synapses, adaptive exponential soma, Hebbian rule.",
                               "traced_synapses", "adaptive_exponential_soma"));
}

const TemplateRegistry& builtin_templates() {
    static const TemplateRegistry registry = [] {
        TemplateRegistry r;
        register_builtin_templates(r);
        return r;
    }();
    return registry;
}

}  // namespace spark::graph
