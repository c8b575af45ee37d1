#pragma once
// Private: the last two passes of the build, and what they produce.
//
//   allocate -> Storage   every buffer of the run, once: one per output (two when a previous-step wire
//                         reads it, one per step parity), the network inputs, the scratch of inputs
//                         gathered or summed from several sources;
//   bind     -> StepPlan  for each node and step parity, the operations that step it with its views
//                         bound: copy each source into its part of a concatenated input (for a reader
//                         of the spike list alone, only in steps whose list is stale), list the
//                         concatenation's spikes, sum the currents of a summed input, step the
//                         component; then, after every node, keep the served outputs that previous-step
//                         wires read and apply the effects.
//
// Executors interpret the plan: run_task() does one node's operations, finish_step() the end of the
// step; they only decide when each node runs. A node may run once every node in its `after` list has
// run in the same step; `sequence` is the reference order, which every executor's results equal.
#include <array>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <spark/core/spike_index.hpp>

#include "passes.hpp"

namespace spark::graph::detail {

// The storage of one output; `doubled` when a previous-step wire reads it. A runtime buffer keeps one
// copy per step parity when doubled (the producer writes the copy of this step's parity while
// previous-step readers read the other: no copying). An output the component serves from its own state
// (Component::output_storage) lives there: its previous-step readers read `data[0]`, a copy of it taken
// after every step. A SpikeArray buffer (not per-synapse) has a spike index per copy, which its
// producer may fill (spike_index.hpp).
struct Buffer {
    PortSpec spec;
    std::array<std::vector<std::byte>, 2> data;
    std::array<std::unique_ptr<SpikeIndex>, 2> spike_index;
    bool doubled = false;
    std::byte* served = nullptr;  // the component's array, or null
    bool effect_in_place = false;  // `served` is the property an effect writes: no copy (allocate.cpp)
    // What the producer writes in a step of this parity, and what same-step readers read.
    std::byte* at(std::size_t parity) { return served ? served : data[doubled ? parity : 0].data(); }
    // What a previous-step reader reads in a step of this parity: the value written in the step before.
    std::byte* last_at(std::size_t parity) { return served ? data[0].data() : at(1 - parity); }
    SpikeIndex* index_at(std::size_t parity) { return spike_index[doubled ? parity : 0].get(); }
    void invalidate_spike_index() {
        for (auto& index : spike_index)
            if (index) index->invalidate();
    }
};

struct Storage {
    std::vector<Buffer> buffers;
    std::vector<std::vector<std::size_t>> output_buffers;  // per node, per output: index into buffers
    std::vector<std::vector<std::byte>> external;          // per network input
    std::vector<PortSpec> external_specs;
    // Per node, per input: the array a runtime-gathered or runtime-summed input is assembled in (else
    // empty), and the spike index of a concatenated SpikeArray input (else null).
    std::vector<std::vector<std::vector<std::byte>>> scratch;
    std::vector<std::vector<std::unique_ptr<SpikeIndex>>> concat_index;
};

Storage allocate(const FlatGraph& graph, const Components& components, const Inference& inference);

// What `source` delivers in a step of `parity`: a same-step reader sees this step's value, a
// previous-step reader the last step's.
ConstArrayRef source_view(Storage& storage, const Components& components, const Source& source, std::size_t parity);

// Copies one source into its part of a concatenated input.
struct GatherOp {
    const std::byte* src;
    std::byte* dst;
    std::size_t bytes;
};

// Lists the spikes of a concatenated SpikeArray input from its sources' lists, each shifted by the
// source's offset, when every source's list is fresh (else marks the index stale: readers scan).
// The gathers of an input its reader reads only through the list when fresh
// (Component::reads_spike_list_only) are here instead of in NodeStep::gathers: run only when stale.
struct ConcatIndexOp {
    SpikeIndex* index;
    struct Part {
        const SpikeIndex* source;  // null: the source keeps no index (an external input)
        std::size_t offset;        // of its first unit in the concatenation
    };
    std::vector<Part> parts;
    std::vector<GatherOp> gathers_when_stale;
};

// Sums the sources of a current input (summands[input]) into its scratch.
struct SumOp {
    std::size_t input;
    float* dst;
};

// One node's step in a step of one parity.
struct NodeStep {
    std::vector<GatherOp> gathers;
    std::vector<ConcatIndexOp> concats;
    std::vector<SumOp> sums;
    std::vector<ConstArrayRef> inputs;       // per declared input
    std::vector<ArrayRef> outputs;           // per declared output
    // Per declared input: the sources of a current input wired to several, summed in wire order.
    std::vector<std::vector<ConstArrayRef>> summands;
};

struct Task {
    std::size_t node = 0;
    Component* component = nullptr;
    std::vector<std::size_t> after;  // the nodes it reads in the same step
    std::array<NodeStep, 2> at;      // per step parity
};

// After every node: a served output read by a previous-step wire is copied for the next step.
struct KeepServedOp {
    const std::byte* from;
    std::byte* to;
    std::size_t bytes;
};

// After every node (and after keeping the served outputs): a settable property is overwritten.
struct EffectOp {
    Component* target;
    std::size_t property;
    std::array<ConstArrayRef, 2> source;  // per step parity
};

struct StepPlan {
    std::vector<Task> tasks;            // one per node, by node index
    std::vector<std::size_t> sequence;  // the reference order of the tasks
    std::vector<KeepServedOp> keep_served;
    std::vector<EffectOp> effects;          // the effects copied at the end of the step
    std::vector<bool> effects_in_place;     // per effect of the graph: applied by its source's step instead
    // The outputs (node, output) whose codes their producers write only on demand (Component::defer_codes):
    // before a read from outside the step, write_deferred_codes.
    std::vector<std::pair<std::size_t, std::size_t>> deferred_codes;
};

StepPlan bind(const FlatGraph& graph, const Components& components, const Inference& inference,
              const StepOrder& order, Storage& storage);

// One node's operations in a step of `parity`, the component stepping `share` of its units (all of
// them unless it runs on a share). Exceptions leave as they came (the caller names the node).
void run_task(const Task& task, std::size_t parity, std::int64_t step, Parallel& parallel, UnitShare share = {});
// The end of a step of `parity`, after every task.
void finish_step(const StepPlan& plan, std::size_t parity);

// The plan as text, one operation per line (`spark check --plan`).
std::string describe(const StepPlan& plan, const FlatGraph& graph, const Inference& inference);

}  // namespace spark::graph::detail
