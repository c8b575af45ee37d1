#pragma once
// Private: the flattened graph and the runtime plan shared by the builder, the executors and the DOT dump.
#include <array>
#include <cstddef>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spark/core/component.hpp>
#include <spark/core/registry.hpp>
#include <spark/core/spike_index.hpp>
#include <spark/graph/simulation.hpp>

namespace spark::graph::detail {

enum class SourceKind : std::uint8_t { output, property, external };

// Where one input of a node gets (part of) its value.
struct Source {
    SourceKind kind = SourceKind::output;
    std::size_t node = 0;     // producer node (output, property)
    std::size_t port = 0;     // output or property index; external: index into FlatGraph::external_names
    Latency latency = Latency::same_step;
};

struct FlatNode {
    std::string path;  // "pool.soma"
    std::string type;  // registry name
    const ComponentInfo* info = nullptr;
    std::unique_ptr<Component> component;
    std::vector<std::vector<Source>> inputs;  // per declared input, in wire order
    std::vector<bool> properties_read;
    Overrides initial;  // "initial.<state>" overrides: initial values of named f32 state arrays
    std::vector<std::pair<std::string, std::vector<float>>> initial_values;  // drawn at build, re-applied on reset
    bool failed = false;  // a problem was reported for this node; it is not built
    std::vector<std::optional<PortSpec>> input_specs;
    BuildResult result;
    Rng rng;
};

struct FlatEffect {
    std::size_t target_node = 0, target_property = 0;
    Source source;
};

struct FlatGraph {
    std::vector<FlatNode> nodes;
    std::vector<std::string> external_names;  // network inputs, in declaration order
    std::map<std::string, Source> outputs;    // network outputs
    std::vector<FlatEffect> effects;
    std::vector<std::string> problems;
};

// The nodes whose outputs or properties `node` reads in the same step (not network inputs, not
// previous-step wires), increasing, each once: what it must wait for within a step.
std::vector<std::size_t> same_step_producers(const FlatNode& node);

// Expands composite neurons and resolves every wire to leaf components; collects problems.
FlatGraph flatten(const Network& network, const Registry& registry, const TemplateRegistry& templates);

// Infers and checks every spec, builds every component, and orders the nodes; throws GraphBuildError
// listing every problem. Returns the node order of one step.
std::vector<std::size_t> build_graph(FlatGraph& graph, const std::map<std::string, PortSpec>& input_specs,
                                     double dt, std::uint64_t seed);

// Writes a node's drawn initial state values into its component (after build and on reset).
void apply_initial_state(FlatNode& node);

// The storage of one output; `doubled` when a previous-step wire reads it. A runtime buffer keeps one
// copy per step parity when doubled (the producer writes the copy of this step's parity while
// previous-step readers read the other: no copying). An output the component serves from its own state
// (Component::output_storage) lives there: its previous-step readers read `data[0]`, a copy of it taken
// after every step (keep_served). A SpikeArray buffer (not per-synapse) has a spike index per copy,
// which its producer may fill (spike_index.hpp).
struct Buffer {
    PortSpec spec;
    std::array<std::vector<std::byte>, 2> data;
    std::array<std::unique_ptr<SpikeIndex>, 2> spike_index;
    bool doubled = false;
    std::byte* served = nullptr;  // the component's array, or null
    // What the producer writes in a step of this parity, and what same-step readers read.
    std::byte* at(std::size_t parity) { return served ? served : data[doubled ? parity : 0].data(); }
    // What a previous-step reader reads in a step of this parity: the value written in the step before.
    std::byte* last_at(std::size_t parity) { return served ? data[0].data() : at(1 - parity); }
    // After a step: a served output's value for the next step's previous-step readers.
    void keep_served() {
        if (served && doubled) std::memcpy(data[0].data(), served, spec.bytes());
    }
    SpikeIndex* index_at(std::size_t parity) { return spike_index[doubled ? parity : 0].get(); }
    void invalidate_spike_index() {
        for (auto& index : spike_index)
            if (index) index->invalidate();
    }
};

// Copies one of several sources into its part of a concatenated scratch input before a node steps.
struct GatherOp {
    const std::byte* src;
    std::byte* dst;
    std::size_t bytes;
};

// A SpikeArray input concatenated from several sources: its spike index is the sources' lists, each
// shifted by the source's offset, when every source's list is fresh (a few entries per step, where a
// reader would otherwise scan the whole concatenation).
struct SpikeConcat {
    std::unique_ptr<SpikeIndex> index;
    struct Part {
        const SpikeIndex* source;  // null: the source keeps no index (an external input)
        std::size_t offset;        // of its first unit in the concatenation
    };
    std::array<std::vector<Part>, 2> parts;  // per parity

    void update(std::size_t parity);
};

struct NodeRuntime {
    std::vector<std::size_t> output_buffers;          // index into Plan::buffers
    std::array<std::vector<ConstArrayRef>, 2> inputs;  // per parity
    std::array<std::vector<ArrayRef>, 2> outputs;      // per parity
    std::array<std::vector<GatherOp>, 2> gathers;      // per parity: concatenations
    // Per parity, per input: the sources of a current input wired to several (summed in wire order).
    std::array<std::vector<std::vector<ConstArrayRef>>, 2> summands;
    std::vector<std::size_t> summed_inputs;            // those the runtime sums into their scratch
    std::vector<std::vector<std::byte>> scratch;       // gathered inputs
    std::vector<SpikeConcat> spike_concats;            // gathered spike inputs' indices
};

class Executor {
public:
    virtual ~Executor() = default;
    virtual void run(std::int64_t steps, const std::function<void()>& after_step) = 0;
};

}  // namespace spark::graph::detail

namespace spark::graph {

struct Simulation::Impl {
    Network network;
    std::map<std::string, PortSpec> input_specs;
    TemplateRegistry templates;
    detail::FlatGraph graph;
    std::vector<std::size_t> order;
    std::vector<detail::Buffer> buffers;
    std::vector<std::size_t> served_doubled;  // buffers served by a component and read a step later
    std::vector<detail::NodeRuntime> runtime;
    std::vector<std::vector<std::byte>> external;        // network input buffers
    std::vector<PortSpec> external_specs;
    std::vector<NodeInfo> node_infos;
    std::vector<WireInfo> wire_infos;
    std::int64_t step = 0;
    BuildOptions options;
    std::unique_ptr<detail::Executor> executor;

    std::size_t parity() const noexcept { return static_cast<std::size_t>(step & 1); }
    // Runs node `i` for the current step: gathers its inputs, then steps its component. An exception
    // leaves as an Error that names the node (on every executor; oneTBB's rethrow would lose it).
    void run_node(std::size_t i, Parallel& parallel);
    // After every node of a step: keeps the served outputs' values for previous-step readers, then
    // applies the effects. The executors call it once per step, before counting the step.
    void finish_step();
    void apply_effects();
    ConstArrayRef source_view(const detail::Source& s, std::size_t parity) const;
};

std::unique_ptr<detail::Executor> make_sequential_executor(Simulation::Impl& impl);
std::unique_ptr<detail::Executor> make_tbb_executor(Simulation::Impl& impl, unsigned threads);
std::unique_ptr<detail::Executor> make_pool_executor(Simulation::Impl& impl, unsigned threads);

namespace detail {
// One level of the pool executor's step: nodes that run alone (their loops split over the threads), in
// build order, then nodes that run side by side, one per thread at a time, longest first.
struct PoolLevel {
    std::vector<std::size_t> alone, side;
};
// The pool executor's plan (graph/src/pool_executor.cpp): `levels` lists each level's nodes in build
// order; per node, the most tasks it asked for and its time per step [s]. A node that asked for fewer
// tasks than `threads` may run side by side with others of its level, if the level's side-by-side
// nodes but the longest take at least `min_gain` seconds per step; otherwise the level runs alone.
std::vector<PoolLevel> plan_pool_levels(const std::vector<std::vector<std::size_t>>& levels,
                                        const std::vector<std::size_t>& most_tasks,
                                        const std::vector<double>& seconds, unsigned threads, double min_gain);
}  // namespace detail

}  // namespace spark::graph
