#pragma once
// Simulation: a built, runnable network.
//
// build() runs the build passes: flatten (neuron templates expanded, overrides pushed down), resolve
// (every component created through the registry), order (no same-step cycle; the order of a step),
// infer (every wire and shape checked, every component built), and reports ALL problems at once as
// Diagnostics in a GraphBuildError (diagnostic.hpp). It then allocates every payload buffer once and
// binds the step plan (plan_text()), which an executor interprets:
//   - sequential: the reference, one node after the other in the plan's order;
//   - tbb: a oneTBB flow graph with one node per task, in the simulation's own task arena (same-step
//     wires are flow-graph edges, previous-step wires read double buffers), with parallel loops inside
//     large components: nodes that do not depend on each other run at once, loops are balanced by
//     work stealing;
//   - pool: the nodes one after the other (the sequential order), each node's loops split statically
//     over a pool of threads that spin between loops: a fork/join is cheap and a thread keeps the
//     same units in every node, so networks made of short per-unit loops (tens of us per node and step)
//     scale best here.
// All give bit-identical results for any thread count: every node draws from its own random stream
// and parallel sums are split by target in fixed chunks.
//
// @code
//   auto sim = Simulation::build(brain, {{"signal", PortSpec(PayloadKind::floating, {64})}},
//                                {.executor = ExecutorKind::tbb, .threads = 2});
//   std::ranges::fill(sim.input("signal").f32(), 0.5f);
//   sim.run(1000);
//   auto action = sim.output("action").f32();
// @endcode
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <spark/core/component.hpp>
#include <spark/core/registry.hpp>
#include <spark/graph/diagnostic.hpp>
#include <spark/graph/network.hpp>
#include <spark/graph/processes.hpp>

namespace spark::graph {

enum class ExecutorKind : std::uint8_t { sequential, tbb, pool };

struct BuildOptions {
    ExecutorKind executor = ExecutorKind::sequential;
    unsigned threads = 1;                        // tbb and pool executors: threads (0 = all cores)
    const Registry* registry = nullptr;          // default: the built-in components
    const TemplateRegistry* templates = nullptr; // default: the built-in neuron templates
    // Several processes (processes.hpp): each steps its share of every node that splits, with `threads`
    // threads (the pool's split); null: this process alone, on `executor`.
    std::shared_ptr<ProcessGroup> processes;
};

// One port of one flattened node, as the build pass saw it.
struct PortInfo {
    std::string name;
    PortSpec spec;
    bool wired = false;
};

// One flattened node: a component at a dotted path ("pool.soma").
struct NodeInfo {
    std::string path;
    std::string type;
    std::vector<PortInfo> inputs, outputs, properties;
};

struct WireInfo {
    std::string from_node, from_port, to_node, to_port;
    Latency latency;
    bool property = false;  // reads a property (live)
    PortSpec spec;
};

class Simulation {
public:
    static Simulation build(const Network& network, const std::map<std::string, PortSpec>& input_specs = {},
                            const BuildOptions& options = {});
    ~Simulation();
    Simulation(Simulation&&) noexcept;
    Simulation& operator=(Simulation&&) noexcept;

    // Advances one dt.
    void step();
    // Advances `steps` steps, calling `after_step` (if given) after each one.
    void run(std::int64_t steps, const std::function<void(const Simulation&)>& after_step = {});
    // Back to the post-build state: every component reset, wire caches zeroed, step counter 0.
    void reset();

    std::int64_t step_count() const noexcept;
    double dt() const noexcept;
    std::uint64_t seed() const noexcept;
    const Network& network() const noexcept;
    // The specs of the network inputs and the neuron templates (a copy of BuildOptions::templates,
    // or the built-ins) it was built with: with network() the whole description, which snapshots store.
    const std::map<std::string, PortSpec>& input_specs() const noexcept;
    const TemplateRegistry& templates() const noexcept;

    // The buffer of a network input, written by the caller before a step.
    ArrayRef input(std::string_view name);
    // A network output (this step's value).
    ConstArrayRef output(std::string_view name) const;
    // The current value of any output or property of any node ("pool.soma", "spikes"); throws
    // GraphError naming the closest node or port when unknown.
    ConstArrayRef read(std::string_view node, std::string_view port) const;
    PortSpec spec(std::string_view node, std::string_view port) const;
    // The part of an output (as read() sees it) that this process answers for, without gathering
    // anything (not collective): over several processes a split node's block of elements (its own
    // units') and, of a node every process runs whole, everything on rank 0 and nothing on the others;
    // on one process everything. A recorder keeps each process's part and merges them (spark run's
    // spikes.csv) instead of gathering every step. The value's other elements may hold anything.
    struct OwnPart {
        ConstArrayRef value;
        std::size_t begin = 0, end = 0;  // this process's elements of value
    };
    OwnPart read_own(std::string_view node, std::string_view output) const;

    const std::vector<NodeInfo>& nodes() const noexcept;
    const std::vector<WireInfo>& wires() const noexcept;
    Component& component(std::string_view node);

    // Every state array of the run: each node's state ("pool.soma/potential"), each node's random
    // stream ("pool.soma/rng" when the component keeps one), the values that previous-step wires will
    // deliver next ("<node>.<port>@previous") and the step counter ("@step").
    //
    // Over several processes (BuildOptions::processes) each process steps a share of the state: the
    // first visit after a step gathers it on every process, so every process must visit (collective),
    // or call gather_state() first, after which a visit on one process alone (rank 0 writing a
    // snapshot) reads the whole state. read() and output() of a split node gather too (collective).
    //
    // gather_state_to(root) (collective) gathers the whole state on `root` only, each other process
    // sending its share without holding the whole (a snapshot save: rank 0 writes the file). Until the
    // next step, reset or load, a visit on `root` alone then reads the whole state, and a visit on
    // another process throws spark::Error (call gather_state() on every process first). One process:
    // nothing to do.
    void visit_state(StateVisitor& visitor);
    void gather_state();
    void gather_state_to(int root);

    // A Graphviz description of the built network with port specs on the edges.
    std::string to_dot() const;
    // The step plan every executor interprets, one operation per line: per node in the reference
    // order, the nodes it waits for within a step and how each input is assembled; then the end of the
    // step (served outputs kept, effects).
    std::string plan_text() const;

    struct Impl;

private:
    explicit Simulation(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace spark::graph
