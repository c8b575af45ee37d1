#pragma once
// Network: the description of a circuit, written like its diagram.
//
// A network is a graph of named nodes (components by registry name, or composite neurons that are
// networks themselves, registered as templates) and wires `node.port -> node.port`. Every wire has a
// latency: same-step (the consumer sees this step's value) or previous-step (it sees the value of the
// step before, Spark's Brain cache). A Brain-like network defaults to previous-step wires, which makes
// recurrent circuits well defined; a neuron template defaults to same-step wires. Values of network
// inputs arrive in the same step; outputs are the producer's value of the current step. Properties
// (a synapse kernel, a soma potential) are read live.
//
// @code
//   Network brain;                                       // default: previous-step wires
//   brain.seed = 7;
//   brain.dt = 0.1;
//   brain.add("spiker", "poisson_spiker", {{"max_freq", 50.0}})
//        .add("pool", "alif_neuron", {{"units", Value::List{128}}, {"synapses.kernel.scale", 200.0}})
//        .add("readout", "exponential_integrator", {{"num_outputs", 3}})
//        .input("signal", "spiker.signal")
//        .connect("spiker.spikes", "pool.in_spikes")
//        .connect("pool.out_spikes", "pool.in_spikes")  // a self-connection: previous step
//        .connect("pool.out_spikes", "readout.spikes")
//        .output("action", "readout.signal");
// @endcode
//
// Config overrides address a node by path: set("pool.soma.threshold_delta", 50). A path segment "*"
// sets a field on every node below that has it: set("*.units", {64}). A node's type can be swapped
// before the build: replace("pool.soma", "izhikevich_soma"), or set("pool.soma.type", "izhikevich_soma").
// The initial value of any float state array is set with the reserved path "initial.<state>", drawn
// from the node's stream after the build and restored by Simulation::reset():
//   set("pool.soma.initial.potential", Value::Map{{"initializer", "uniform_initializer"}, {"scale", 10}})
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spark/core/value.hpp>

namespace spark::graph {

enum class Latency : std::uint8_t { same_step, previous_step };
std::string_view to_string(Latency latency) noexcept;

struct NodeSpec {
    std::string name;    // unique within its network; letters, digits and '_'
    std::string type;    // a registered component or neuron template ("leaky_soma", "alif_neuron")
    Overrides config;    // applied in order on the type's defaults
    bool operator==(const NodeSpec&) const = default;
};

struct Endpoint {
    std::string node;
    std::string port;
    std::string to_string() const { return node + "." + port; }
    bool operator==(const Endpoint&) const = default;
};

struct WireSpec {
    Endpoint from;                    // an output or a property
    Endpoint to;                      // an input
    std::optional<Latency> latency;   // nullopt: the network's default
    bool operator==(const WireSpec&) const = default;
};

// A network input (`to` receives it, several rows with one name fan out) or output (`from` one row).
struct InputSpec {
    std::string name;
    Endpoint to;
    bool operator==(const InputSpec&) const = default;
};
struct OutputSpec {
    std::string name;
    Endpoint from;
    bool operator==(const OutputSpec&) const = default;
};

// After every step, the settable property `target` is overwritten with the value at `source`
// (plasticity writing a kernel back).
struct EffectSpec {
    Endpoint target;
    Endpoint source;
    bool operator==(const EffectSpec&) const = default;
};

class Network {
public:
    explicit Network(Latency latency = Latency::previous_step) : default_latency(latency) {}

    Network& add(std::string name, std::string type, Overrides config = {});
    // Wires "node.port" to "node.port".
    Network& connect(std::string_view from, std::string_view to, std::optional<Latency> latency = std::nullopt);
    Network& input(std::string name, std::string_view to);
    Network& output(std::string name, std::string_view from);
    Network& effect(std::string_view target, std::string_view source);
    // Adds a config override by path "node.field[.sub]" ("*.field": every node below that has it).
    Network& set(std::string_view path, Value value);
    // Swaps the type of the node at `path` ("pool" or "pool.soma"); the wiring stays.
    Network& replace(std::string_view path, std::string type);

    const NodeSpec* find(std::string_view name) const;
    NodeSpec* find(std::string_view name);

    Latency default_latency;
    std::vector<NodeSpec> nodes;
    std::vector<WireSpec> wires;
    std::vector<InputSpec> inputs;
    std::vector<OutputSpec> outputs;
    std::vector<EffectSpec> effects;
    Overrides everywhere;   // "*.field" overrides set at this level
    std::uint64_t seed = 0; // network seed (design decision 7: deterministic by default)
    double dt = 1.0;        // integration step [ms]

    // The same description, field by field (the order of nodes, wires and overrides included).
    bool operator==(const Network&) const = default;
};

// Parses "node.port"; throws GraphError naming `text` when it has no '.'.
Endpoint parse_endpoint(std::string_view text);

// A composite neuron type: a network body (same-step wires by default) whose exported inputs and
// outputs become the neuron's ports, plus its own parameters, each set everywhere below
// (a neuron's `units` reaches every inner component with a `units` field).
struct NeuronTemplate {
    std::string name;           // "alif_neuron"
    std::string description;
    Network body{Latency::same_step};
    // Parameters of the template with their defaults (null = required), e.g. units, inhibitory_rate.
    std::vector<std::pair<std::string, Value>> parameters;
    bool operator==(const NeuronTemplate&) const = default;
};

class TemplateRegistry {
public:
    void add(NeuronTemplate t);  // throws GraphError on a duplicate name
    const NeuronTemplate* find(std::string_view name) const;
    const std::vector<NeuronTemplate>& entries() const noexcept { return entries_; }
    std::vector<std::string> names() const;

private:
    std::vector<NeuronTemplate> entries_;
};

// The built-in templates lif_neuron, alif_neuron and ad_ex_neuron (spec section 8.2).
const TemplateRegistry& builtin_templates();
void register_builtin_templates(TemplateRegistry& registry);

}  // namespace spark::graph
