// Swapping components at build time: one circuit, three somas.
//
//   drive (poisson_spiker) --> pool (alif_neuron, 64 units) --> out_spikes
//                                 soma := adaptive_leaky_soma | izhikevich_soma | leaky_soma
//
// The wiring stays the same; the build pass re-checks the new component's ports and shapes, and
// refuses a swap that cannot fit (a synapse group where a soma belongs).
#include <cstdio>
#include <string>

#include <spark/core/spike_index.hpp>
#include <spark/graph/simulation.hpp>

using namespace spark;
using namespace spark::graph;

namespace {
long count_spikes(const Network& net) {
    auto sim = Simulation::build(net, {{"rate", PortSpec(PayloadKind::floating, {32})}});
    for (auto& x : sim.input("rate").f32()) x = 1.0f;
    long spikes = 0;
    sim.run(1000, [&](const Simulation& s) {
        spikes += static_cast<long>(count_spikes(s.read("pool.soma", "spikes")));
    });
    return spikes;
}
}  // namespace

int main() {
    Network net;
    net.seed = 1;
    net.add("drive", "poisson_spiker", {{"max_freq", 50.0}})
        .add("pool", "alif_neuron", {{"units", Value::List{64}}, {"synapses.kernel.scale", 300.0}})
        .input("rate", "drive.signal")
        .connect("drive.spikes", "pool.in_spikes");
    std::printf("adaptive_leaky_soma: %ld spikes\n", count_spikes(net));

    net.replace("pool.soma", "izhikevich_soma");  // through the API ...
    std::printf("izhikevich_soma: %ld spikes\n", count_spikes(net));

    net.set("pool.soma.type", "leaky_soma");  // ... or through an override
    std::printf("leaky_soma: %ld spikes\n", count_spikes(net));

    net.replace("pool.soma", "traced_synapses");
    try {
        count_spikes(net);
        std::printf("the incompatible swap was accepted\n");
        return 1;
    } catch (const GraphBuildError& e) {
        std::printf("refused: %s\n", e.diagnostics().front().message.c_str());
    }
    return 0;
}
