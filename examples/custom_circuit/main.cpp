// A custom circuit composed in C++ (the brains tutorial, spec section 12.4):
//
//   signal[64] --> spiker (poisson_spiker) --> first_pool (alif_neuron, 256)
//                                                   |
//                                                   v
//                                   +-----> second_pool (alif_neuron, 128) --+
//                                   |               |                       |
//                                   +---------------+ (self-connection)     v
//                                                        readout (exponential_integrator, 3) --> action
//
// Every wire between modules carries the previous step's value (Brain semantics), so the
// self-connection of second_pool is well defined. Prints spike counts and the softmax of the readout.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include <spark/graph/simulation.hpp>

using namespace spark;
using namespace spark::graph;

int main() {
    Network brain;
    brain.seed = 42;
    brain.dt = 1.0;
    brain.add("spiker", "poisson_spiker", {{"max_freq", 100.0}})
        .add("first_pool", "alif_neuron",
             {{"units", Value::List{256}}, {"inhibitory_rate", 0.3}, {"synapses.kernel.scale", 200.0}})
        .add("second_pool", "alif_neuron",
             {{"units", Value::List{128}}, {"inhibitory_rate", 0.3}, {"synapses.kernel.scale", 200.0}})
        .add("readout", "exponential_integrator", {{"num_outputs", 3}})
        .input("signal", "spiker.signal")
        .connect("spiker.spikes", "first_pool.in_spikes")
        .connect("first_pool.out_spikes", "second_pool.in_spikes")
        .connect("second_pool.out_spikes", "second_pool.in_spikes")
        .connect("second_pool.out_spikes", "readout.spikes")
        .output("action", "readout.signal");

    auto sim = Simulation::build(brain, {{"signal", PortSpec(PayloadKind::floating, {64})}});
    auto signal = sim.input("signal").f32();
    for (std::size_t i = 0; i < signal.size(); ++i) signal[i] = static_cast<float>(i % 8) / 8.0f;

    long first = 0, second = 0;
    sim.run(500, [&](const Simulation& s) {
        for (auto code : s.read("first_pool.soma", "spikes").u8()) first += code & spike::bit;
        for (auto code : s.read("second_pool.soma", "spikes").u8()) second += code & spike::bit;
    });
    const auto action = sim.output("action").f32();
    const float top = *std::max_element(action.begin(), action.end());
    std::vector<double> p;
    for (float a : action) p.push_back(std::exp(static_cast<double>(a - top)));
    const double z = std::accumulate(p.begin(), p.end(), 0.0);
    std::printf("first_pool spikes: %ld, second_pool spikes: %ld over %lld steps\n", first, second,
                static_cast<long long>(sim.step_count()));
    std::printf("action probabilities:");
    for (double x : p) std::printf(" %.3f", x / z);
    std::printf("\nintegrator output sums to %.3f after softmax\n", std::accumulate(p.begin(), p.end(), 0.0) / z);
    return first > 0 ? 0 : 1;
}
