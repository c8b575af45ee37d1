#pragma once
// The component contract.
//
// A component (a soma, a synapse group, a delay line, a plasticity rule, an interface) declares its
// ports by name in three static tables (inputs, outputs, properties). Its life:
//   1. constructed from its validated config (construction never depends on shapes);
//   2. build(ctx): receives the spec of every input port, creates parameters and state from the
//      shapes (drawing random values from ctx.rng), and returns the spec of every output and property.
//      A spec that does not fit throws ShapeError naming the port;
//   3. step(ctx) advances one dt: it reads ctx.inputs (and ctx.summands for an input it sums itself)
//      and must write every element of ctx.outputs; a SpikeArray output's spike_index, when given, may
//      list the spikes written (spike_index.hpp);
//   4. reset() returns the state to its post-build initial values;
//   5. visit_state(v) names every state array (and RNG stream): one list that serves snapshots,
//      recording and inspection alike.
// Outputs are runtime-owned buffers, unless the component serves one from its own state
// (output_storage(): a synapse group whose current is its trace), which saves a copy per step and keeps
// the threads' working sets smaller. Properties are component-owned arrays (a synapse kernel, a soma's
// potential) that other nodes read live through property(); settable properties are written by
// effects after a step through set_property().
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <spark/core/error.hpp>
#include <spark/core/parallel.hpp>
#include <spark/core/payload.hpp>
#include <spark/core/rng.hpp>
#include <spark/core/state.hpp>
#include <spark/core/value.hpp>

namespace spark {

// A port declaration. `kind` may be PayloadKind::any for ports that adapt to their input (Concat).
inline constexpr PayloadKind any_payload = static_cast<PayloadKind>(255);

struct PortDecl {
    std::string_view name;
    PayloadKind kind;
    std::string_view description;
    bool optional = false;  // inputs: may stay unwired (the component then sees an empty view)
    bool settable = false;  // properties: may be written by an effect
    // Inputs (CurrentArray): when several sources are wired, the component receives them in
    // StepContext::summands and adds them itself (sum.hpp), instead of a gathered sum in inputs.
    bool summed_by_component = false;
};

// A contiguous range of a node's units, [begin, end): the share of them one process steps when a run
// is split over several (graph/src/distributed_executor.cpp). Every other run steps all of them.
struct UnitShare {
    std::size_t begin = 0;
    std::size_t end = static_cast<std::size_t>(-1);  // clipped to the unit count
    bool whole() const noexcept { return begin == 0 && end == static_cast<std::size_t>(-1); }
};

// The block of `units` units that process `rank` of `processes` owns in a split run: the units cut into
// lines of unit_block_grain (a cache line of spike codes), dealt out in order, rank r taking lines
// [r L / R, (r+1) L / R). A function of the unit and process counts only.
inline constexpr std::size_t unit_block_grain = 64;
UnitShare unit_block_share(std::size_t units, std::size_t rank, std::size_t processes) noexcept;

struct BuildContext {
    // One entry per declared input; nullopt for an optional input left unwired.
    std::span<const std::optional<PortSpec>> inputs;
    // One entry per declared property: whether any wire reads it (a synapse may then keep a dense
    // kernel, and may otherwise use a sparse layout).
    std::span<const bool> properties_read;
    double dt = 1.0;           // [ms]
    Rng* rng = nullptr;        // this node's own stream
    std::string_view node;     // the node's full path, for messages
    // A run over several processes, when this node may run on a share (no property of it is read live or
    // written by an effect): this process's rank and the process count. A component that will split
    // (share_units() > 0, share_grain() 1) may then keep only what its block unit_block_share(n, rank,
    // processes) of its n units needs (its synapses onto them), and must then gather and scatter that
    // state itself (gather_share, scatter_share). 1 process: everything is whole.
    std::size_t process_rank = 0, processes = 1;
    // The run's threads for work inside one build (draws from independent streams only, so that the
    // result does not depend on them); null: serial.
    Parallel* parallel = nullptr;

    const PortSpec& input(std::size_t i) const { return *inputs[i]; }
    bool has_input(std::size_t i) const { return inputs[i].has_value(); }
};

struct BuildResult {
    std::vector<PortSpec> outputs;     // one per declared output
    std::vector<PortSpec> properties;  // one per declared property
};

struct StepContext {
    std::span<const ConstArrayRef> inputs;  // one per declared input (empty view if unwired)
    std::span<const ArrayRef> outputs;      // one per declared output
    Parallel* parallel = nullptr;
    std::int64_t step = 0;                  // the global step counter
    // Per declared input: its sources when the input is summed_by_component and has several (inputs[i]
    // is then an empty view); otherwise empty. May be shorter than inputs (none deferred).
    std::span<const std::vector<ConstArrayRef>> summands = {};
    // The units to step: all of them, unless the component runs on a share (Component::share_units).
    UnitShare share = {};

    std::span<const ConstArrayRef> summands_of(std::size_t input) const noexcept {
        if (input >= summands.size()) return {};
        return summands[input];
    }
};

// The collective of a split run, as a component that keeps only its share of some state sees it.
class ShareExchange {
public:
    virtual ~ShareExchange() = default;
    virtual std::size_t rank() const noexcept = 0;
    virtual std::size_t processes() const noexcept = 0;
    // Collective: every process's `mine`, concatenated in rank order, and each one's byte count. A dry
    // run (one process playing one rank) receives its own part only (complete() is false).
    virtual void all_gather(std::span<const std::byte> mine, std::vector<std::byte>& all,
                            std::vector<std::size_t>& counts) = 0;
    virtual bool complete() const noexcept = 0;
    // Whether this process receives what all_gather() gathers: false when the gather goes to another
    // process only (a snapshot save gathers to rank 0): `all` then stays empty and every count 0.
    virtual bool receives() const noexcept { return true; }
};

class Component {
public:
    virtual ~Component() = default;

    virtual std::string_view type_name() const noexcept = 0;   // registry name, "leaky_soma"
    virtual std::string_view class_name() const noexcept = 0;  // "LeakySoma"
    virtual std::span<const PortDecl> inputs() const noexcept = 0;
    virtual std::span<const PortDecl> outputs() const noexcept = 0;
    virtual std::span<const PortDecl> properties() const noexcept = 0;

    // The output and property specs when they are known from the config alone, before build (Spark's
    // recurrent contract). A node with a contract may sit on a previous-step wire whose consumer is
    // built first. Default: none.
    virtual std::optional<BuildResult> contract() const { return std::nullopt; }
    // The input whose build-time mask (PortSpec::mask) output `index` carries unchanged, if any (a
    // soma's spikes carry the bits of its inhibition_mask input): lets a reader of the contract see the
    // mask before this component is built. Default: none.
    virtual std::optional<std::size_t> output_mask_input(std::size_t /*index*/) const { return std::nullopt; }

    virtual BuildResult build(const BuildContext& ctx) = 0;
    virtual void step(const StepContext& ctx) = 0;
    virtual void reset() = 0;
    virtual void visit_state(StateVisitor& visitor) = 0;

    // The live storage of property `index` (valid after build, stable until the component dies).
    virtual ArrayRef property(std::size_t index);
    // An output the component keeps as part of its state, asked once after build: its live array
    // (stable until the component dies, spec.size() elements, never a SpikeArray), which the runtime
    // hands to every reader and to step() as ctx.outputs[index] instead of a buffer of its own. step()
    // updates it in place, and it holds the last step's value between steps (reset() and snapshots
    // reach it through the component's state). Default: empty, a runtime buffer.
    virtual ArrayRef output_storage(std::size_t index);
    // Overwrites property `index` (an effect). Default: copy into property(index).
    virtual void set_property(std::size_t index, ConstArrayRef value);
    // Whether property(index) is the component's own array, so that writing it does what set_property()
    // does (no other state derives from it). Default false (e.g. a copy made on request).
    virtual bool property_is_state(std::size_t index) const;
    // The input whose array output `index` may share (an effect applied in place, graph/src/allocate.cpp):
    // step() reads each element of that input only before writing the same element of the output, and
    // writes every element. Default: none (-1).
    virtual std::ptrdiff_t output_may_share_input(std::size_t index) const;

    // Running on a share of the units (a run over several processes). A component that returns n > 0
    // here (after build) may be stepped with ctx.share = [begin, end) within [0, n) and promises:
    //   - it then updates at least the units of the share within its block (unit_block_share(n, rank,
    //     processes) of BuildContext, when that gave processes > 1; the run's share is that block widened
    //     to whole blocks of share_grain() units), at most the share, and each such unit exactly as a
    //     whole step would (so two processes that both update a unit agree on it bit for bit); the other
    //     units' state and outputs are left alone, but per-block state (below) is advanced over the share;
    //   - each output is unit-major (k elements per unit); it is valid on the units it updated;
    //   - an input for which input_per_unit() is true is read only at the units it updates (element-wise,
    //     k elements per unit); its other inputs are read whole;
    //   - each state array it visits is either the same on every process (never written on a share;
    //     state_alike() may say so, to spare gathering it) or split by units: k elements per unit
    //     (unit-major), or k elements per block of share_grain() units.
    // Default: 0, the component runs whole on every process.
    virtual std::size_t share_units() const { return 0; }
    virtual std::size_t share_grain() const { return 1; }
    // Whether it splits only when every reader of its outputs reads them per unit over the same units
    // (input_per_unit), and runs whole otherwise: for outputs cheap to compute but costly to gather
    // every step (N2N delays' per-synapse spikes). Default false: a reader that reads whole gets them
    // gathered.
    virtual bool splits_for_per_unit_readers() const { return false; }
    virtual bool input_per_unit(std::size_t input) const {
        (void)input;
        return false;
    }
    // Whether property `index` is unit-major over the share_units() units (k elements per unit), so that
    // a node split over the same units may read it per unit (input_per_unit) and, as a plasticity rule
    // does, write its own units' part back through an effect: the two then split together
    // (graph/src/infer.cpp, runs_whole). Answerable before build. Default false: the node runs whole.
    virtual bool property_per_unit(std::size_t index) const {
        (void)index;
        return false;
    }
    virtual bool state_alike(std::string_view state) const {
        (void)state;
        return false;
    }
    // A component that kept only its block's part of some state at build (BuildContext::processes):
    // gather_share() makes the whole of it visitable on every process until the next step (collective,
    // before a state visit; nothing to do when it already is), scatter_share() takes this process's part
    // of what a writing visit put there (collective, after it). Default: nothing kept per share.
    virtual void gather_share(ShareExchange& exchange) { (void)exchange; }
    virtual void scatter_share(ShareExchange& exchange) { (void)exchange; }

    // Whether SpikeArray input `input` is read only through its spike list whenever that list is fresh
    // (for_each_spike, count_spikes: never its codes then), asked after build. The runtime may then leave
    // the codes of an input concatenated from several sources unassembled in the steps whose list is
    // fresh (graph/src/bind.cpp); they are assembled whenever it is stale. Default false: codes always.
    virtual bool reads_spike_list_only(std::size_t input) const {
        (void)input;
        return false;
    }
    // Whether a per-synapse SpikeArray input `input` is read only through the arrivals its producer
    // publishes (SpikeIndex::arrivals) in every step where they are published: never its codes then.
    // Asked after build. Default false.
    virtual bool reads_arrivals_only(std::size_t input) const {
        (void)input;
        return false;
    }
    // Codes on demand. The runtime asks defer_codes(output) after build when every reader of SpikeArray
    // output `output` reads it in place, in the same step, through the arrivals alone (reads_arrivals_only),
    // and nothing else reads it within a step (no network output, effect or previous-step wire). A producer
    // that publishes the arrivals in every step may accept (return true) and then leave the codes unwritten
    // in its steps; before any read of the output from outside the step the runtime calls
    // write_deferred_codes(output, out), after which `out` must hold the codes of the producer's last step
    // (as if written then; what the runtime cleared before the first step or after a reset). A new build
    // withdraws the acceptance. Default: declines.
    virtual bool defer_codes(std::size_t output) {
        (void)output;
        return false;
    }
    virtual void write_deferred_codes(std::size_t output, ArrayRef out) {
        (void)output;
        (void)out;
    }

    // Spikes that arrive late (a run over several processes exchanging spikes once per epoch). A
    // component whose input_slack(i) is k > 0 promises, for its SpikeArray input i: stepped with that
    // input silent and handed the spikes afterwards through ingest_late(), at most k steps late, in the
    // order it would have read them and before its next step, it does exactly what reading them on time
    // does. `steps_late` counts its steps since the one that would have read them (0: its next step
    // would); `spikes` are the spiking units, increasing, each `unit << 2 | code`. Default: on time only.
    virtual std::size_t input_slack(std::size_t input) const {
        (void)input;
        return 0;
    }
    virtual void ingest_late(std::size_t input, std::span<const std::uint32_t> spikes, std::size_t steps_late) {
        (void)input;
        (void)spikes;
        (void)steps_late;
    }

    // The config as a Value map (every field, defaults included).
    virtual Value config_value() const = 0;

    // The instance name used in messages (the node path once in a network).
    const std::string& instance() const noexcept { return instance_; }
    void set_instance(std::string name) { instance_ = std::move(name); }
    bool built() const noexcept { return built_; }
    void mark_built() noexcept { built_ = true; }

    // Index of a port by name in the given table, or nullopt.
    static std::optional<std::size_t> find_port(std::span<const PortDecl> table, std::string_view name);

private:
    std::string instance_;
    bool built_ = false;
};

// Throws ShapeError for input `index` of `ctx`: "<node> input '<port>': expected <expected>, got <spec>".
[[noreturn]] void throw_input_mismatch(const Component& c, const BuildContext& ctx, std::size_t index,
                                       std::string expected);

}  // namespace spark
