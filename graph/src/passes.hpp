#pragma once
// Private: the build pipeline. Each pass is a function from one plain data structure to the next and
// reports what it finds wrong as Diagnostics; Simulation::build runs them in this order and throws
// one GraphBuildError with every diagnostic once a pass has found any:
//
//   flatten   Network + templates + registry -> FlatGraph   (templates expanded, overrides pushed down,
//                                                            wires resolved to leaf components' ports)
//   resolve   FlatGraph -> Components                        (each leaf created from the registry)
//   order     FlatGraph -> StepOrder                         (same-step cycles, the order of one step)
//   infer     FlatGraph + Components + StepOrder + input specs -> Inference
//                                                            (every spec; each component built)
//   allocate  FlatGraph + Components + Inference -> Storage  (every buffer, once)
//   bind      ... + Storage -> StepPlan                      (step_plan.hpp: what one step does)
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <spark/core/component.hpp>
#include <spark/core/registry.hpp>
#include <spark/graph/diagnostic.hpp>
#include <spark/graph/network.hpp>

namespace spark::graph::detail {

using Diagnostics = std::vector<Diagnostic>;

enum class SourceKind : std::uint8_t { output, property, external };

// Where one input of a node gets (part of) its value.
struct Source {
    SourceKind kind = SourceKind::output;
    std::size_t node = 0;  // producer node (output, property)
    std::size_t port = 0;  // output or property index; external: index into FlatGraph::external_names
    Latency latency = Latency::same_step;
};

// One leaf component at a dotted path ("pool.soma").
struct FlatNode {
    std::string path;
    std::string type;  // registry name
    const ComponentInfo* info = nullptr;
    Overrides config;   // the overrides that reach it, in the order they apply
    Overrides initial;  // "initial.<state>" overrides: initial values of named f32 state arrays
    Origin origin;      // the top-level node it belongs to
    std::vector<std::vector<Source>> inputs;  // per declared input, in wire order
    std::vector<bool> properties_read;        // per declared property: some wire reads it
};

struct FlatEffect {
    std::size_t target_node = 0, target_property = 0;
    Source source;
    Origin origin;
};

struct FlatGraph {
    std::vector<FlatNode> nodes;
    std::vector<std::string> external_names;  // network inputs, in name order
    std::vector<Origin> external_origins;     // per network input: its first statement
    std::map<std::string, Source> outputs;    // network outputs
    std::vector<FlatEffect> effects;
};

// The nodes whose outputs or properties `node` reads in the same step (not network inputs, not
// previous-step wires), increasing, each once: what it must wait for within a step.
std::vector<std::size_t> same_step_producers(const FlatNode& node);

// "'pool.soma.spikes'" or "network input 'signal'", for messages.
std::string source_text(const FlatGraph& graph, const Source& source);

FlatGraph flatten(const Network& network, const Registry& registry, const TemplateRegistry& templates,
                  Diagnostics& diagnostics);

// One component per flat node; null where its config was refused.
using Components = std::vector<std::unique_ptr<Component>>;
Components resolve(const FlatGraph& graph, Diagnostics& diagnostics);

struct StepOrder {
    std::vector<std::size_t> sequence;  // every node once: topological over same-step wires, else as written
    std::vector<bool> in_cycle;         // per node: part of a same-step cycle (reported)
};
StepOrder order_step(const FlatGraph& graph, Diagnostics& diagnostics);

// What the build learned about one node.
struct NodeSpecs {
    bool built = false;
    std::vector<std::optional<PortSpec>> inputs;  // per declared input (merged over its sources)
    BuildResult result;                           // its outputs' and properties' specs
    // Drawn at build from "initial.<state>" overrides, written after build and on every reset.
    std::vector<std::pair<std::string, std::vector<float>>> initial_values;
};
struct Inference {
    std::vector<PortSpec> external;  // per network input
    std::vector<NodeSpecs> nodes;
};
// A run over several processes: this process's rank and the process count (BuildContext::processes).
struct ProcessSlot {
    std::size_t rank = 0, processes = 1;
};
Inference infer(const FlatGraph& graph, Components& components, const StepOrder& order,
                const std::map<std::string, PortSpec>& input_specs, double dt, std::uint64_t seed,
                Diagnostics& diagnostics, ProcessSlot slot = {}, Parallel* parallel = nullptr);
// Per node: whether it runs whole on every process of a split run whatever it could split (a property
// of it is read live, or written or read by an effect: component state every process must hold whole).
// Except one pattern, which splits by units: a property that is unit-major (Component::property_per_unit)
// read per unit (input_per_unit) by a node, and written back only by effects from nodes that read it
// so (a plasticity rule and its synapses: each process updates the rows of its own targets). Such nodes
// are linked: if one runs whole, so do the nodes linked to it. `units` (after build: each node's
// share_units(), 0 where it cannot split) also makes whole the linked nodes of unequal unit counts or
// of blocks coarser than a unit (share_grain), and a node that splits for per-unit readers only
// (Component::splits_for_per_unit_readers) whose output any reader reads otherwise. The one place where
// the split of a run is decided: the build (without `units`) and the executor (with them) ask it.
std::vector<bool> runs_whole(const FlatGraph& graph, const Components& components,
                             std::span<const std::size_t> units = {});

// The spec `source` delivers.
const PortSpec& source_spec(const Inference& inference, const Source& source);

// Writes a node's drawn initial state values into its component (after build and on reset).
void apply_initial_state(Component& component, const NodeSpecs& specs);

}  // namespace spark::graph::detail
