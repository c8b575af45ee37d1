#pragma once
// Helpers of the snapshot tests: the whole state of a simulation as bytes, in-memory snapshots, and
// the small networks the tests share.
#include <cstddef>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <spark/graph/simulation.hpp>
#include <spark/serialization/snapshot.hpp>

#include "snapshot_components.hpp"

namespace spark::testing {

using State = std::map<std::string, std::vector<std::byte>>;

class CollectState final : public StateVisitor {
public:
    CollectState() : StateVisitor(StateAccess::read) {}
    State arrays;
    void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
        const auto* p = static_cast<const std::byte*>(data);
        arrays[std::string(name)].assign(p, p + count * size_of(dtype));
    }
};

inline State state_of(graph::Simulation& sim) {
    CollectState c;
    sim.visit_state(c);
    return std::move(c.arrays);
}

inline std::string snapshot_bytes(graph::Simulation& sim) {
    std::ostringstream out;
    serialization::write_snapshot(sim, out);
    return out.str();
}

inline void load_bytes(graph::Simulation& sim, const std::string& bytes, std::string_view name = "memory") {
    std::istringstream in(bytes);
    serialization::read_snapshot(sim, in, name);
}

inline graph::BuildOptions snapshot_options(graph::ExecutorKind kind = graph::ExecutorKind::sequential,
                                            unsigned threads = 1) {
    graph::BuildOptions o;
    o.registry = &snapshot_registry();
    o.executor = kind;
    o.threads = threads;
    return o;
}

// A small Brain: a noisy current and an external drive into a leaky soma signed by an inhibition
// mask, its spikes relayed over a previous-step wire, a self-looping adder and a counter. Its state
// holds every dtype, a random stream and two previous-step wire caches.
inline graph::Network small_network(std::uint64_t seed = 5, std::size_t units = 3) {
    graph::Network net;
    net.seed = seed;
    net.dt = 0.5;
    const Value shape = Value::List{static_cast<double>(units)};
    net.add("noise", "test_noise", {{"units", shape}, {"mean", 400.0}, {"amplitude", 800.0}})
        .add("mask", "inhibition_mask", {{"units", shape}, {"inhibitory_rate", 0.34}})
        .add("soma", "leaky_soma")
        .add("relay", "test_relay")
        .add("counter", "test_adder", {{"increment", 0.5}})
        .add("c", "test_counter")
        .connect("noise.current", "soma.current")
        .connect("mask.mask", "soma.inhibition_mask")
        .connect("soma.spikes", "relay.in")
        .connect("counter.out", "counter.in")
        .input("drive", "soma.current")
        .output("spikes", "relay.out");
    return net;
}

inline std::map<std::string, PortSpec> small_specs(std::size_t units = 3) {
    return {{"drive", PortSpec(PayloadKind::current, {units})}};
}

// Poisson spikes into one synapse group of `type` with delays of up to 4 steps (`params` choose the
// layout), a soma and a pulse source; output "spikes".
inline graph::Network delayed_synapse_network(const std::string& type, Overrides params) {
    graph::Network net;
    net.seed = 3;
    net.dt = 1.0;
    params.push_back({"units", Value::List{20}});
    params.push_back({"max_delay", 4.0});
    net.add("drive", "constant_source", {{"units", Value::List{30}}, {"kind", "float"}, {"value", 1.0}})
        .add("input", "poisson_spiker", {{"max_freq", 200.0}})
        .add("syn", type, std::move(params))
        .add("soma", "leaky_soma")
        .add("step", "pulse_source",
             {{"units", Value::List{20}}, {"starts", Value::List{0.0}}, {"stops", Value::List{5.0}},
              {"amplitudes", Value::List{10.0}}})
        .connect("drive.output", "input.signal")
        .connect("input.spikes", "syn.spikes")
        .connect("syn.currents", "soma.current")
        .connect("step.output", "soma.current")
        .output("spikes", "soma.spikes");
    return net;
}

}  // namespace spark::testing
