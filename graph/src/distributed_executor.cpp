// The executor of a run over several processes (processes.hpp): the reference order of the step plan,
// each node that splits (Component::share_units) stepping this process's block of its units, every
// other node all of them, and the outputs that another process's share needs gathered from every
// process after their producer's step.
//
// Which outputs are gathered: a split node's output read by a node that is not split, or by one that
// reads it whole (a synapse group's presynaptic spikes), or at units it did not compute. A same-step
// reader needs it right after the producer; previous-step readers only at the end of the step, where
// all such outputs of the step go in one exchange. A SpikeArray travels as the units whose code
// differs from its resting codes (the last exchange's codes without the spike bit: the inhibition
// bits, which every process holds alike), 4 bytes per spike; anything else as the block's bytes.
// Receiving costs O(spikes): only the other blocks' units the last exchange into the same buffer copy
// set are put back at rest (all of them after a reset or a load).
//
// Epochs: when every reader of an exchanged output can take its spikes late (Component::input_slack:
// a synapse group whose spikes wait in flight or in its ring for at least D steps, into which no
// effect writes) and reads them through a previous-step wire, the epoch is the shortest latency of
// those wires (1 + D), agreed by every process, and the spikes are exchanged once per epoch instead of
// once per step: the readers step with their input silent, and after the epoch's last step each is
// handed every step's spikes, in step order (Component::ingest_late), before any of them is due.
// Otherwise the epoch is one step and the exchange as above. A run ends its last, partial epoch (and a
// state visit the current one) early, but for its last step, whose spikes no reader has read yet: they
// stay in their producer's output for the next.
//
// Why the results equal one process's: a unit's update depends only on its own state and inputs, every
// random stream belongs to a fixed block of units (never to a process), and a synapse group sums each
// target's input over the presynaptic spikes in index order whichever process does it. A process
// leaves the other blocks' state as it was; complete_state() gathers it (before any state visit), and
// complete() gathers a split node's value before a read from outside the step.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <optional>

#include <spark/core/error.hpp>
#include <spark/core/spike_index.hpp>

#include "runtime.hpp"
#include "spin_pool.hpp"

namespace spark::graph {

UnitBlock unit_block(std::size_t units, int rank, int size) noexcept {
    if (units == 0 || size <= 0) return {};
    const UnitShare share = unit_block_share(units, static_cast<std::size_t>(rank), static_cast<std::size_t>(size));
    return {share.begin, share.end};
}

namespace {

class DryRunProcesses final : public ProcessGroup {
public:
    DryRunProcesses(int rank, int size, std::shared_ptr<const SpikeReplay> replay)
        : rank_(rank), size_(size), replay_(std::move(replay)) {}
    int rank() const noexcept override { return rank_; }
    int size() const noexcept override { return size_; }
    const SpikeReplay* replay() const noexcept override { return replay_.get(); }
    bool plays_alone() const noexcept override { return true; }
    void all_gather(std::span<const std::byte> mine, std::vector<std::byte>& all,
                    std::vector<std::size_t>& counts) override {
        all.assign(mine.begin(), mine.end());
        counts.assign(static_cast<std::size_t>(size_), 0);
        counts[static_cast<std::size_t>(rank_)] = mine.size();
        count_exchange(mine.size());
    }

private:
    int rank_, size_;
    std::shared_ptr<const SpikeReplay> replay_;
};

using detail::Buffer;
using detail::Source;
using detail::SourceKind;

// A block widened to whole blocks of `grain` units: the units a share of it steps.
UnitBlock widen(UnitBlock b, std::size_t grain, std::size_t units) {
    if (b.begin >= b.end) return b;
    return {b.begin / grain * grain, std::min(units, (b.end + grain - 1) / grain * grain)};
}

// How a split node's units are dealt out.
struct Split {
    std::size_t units = 0;          // 0: the node runs whole
    std::size_t grain = 1;
    std::vector<UnitBlock> blocks;  // per rank: the units it owns
    std::vector<UnitBlock> steps;   // per rank: the units it steps (owned, widened to the grain)
};

// The process group as a component that keeps its share of some state sees it.
// With a root, its all_gather() gathers to that rank only.
class ShareCollective final : public ShareExchange {
public:
    explicit ShareCollective(ProcessGroup& processes, int root = -1) : processes_(processes), root_(root) {}
    std::size_t rank() const noexcept override { return static_cast<std::size_t>(processes_.rank()); }
    std::size_t processes() const noexcept override { return static_cast<std::size_t>(processes_.size()); }
    void all_gather(std::span<const std::byte> mine, std::vector<std::byte>& all,
                    std::vector<std::size_t>& counts) override {
        if (root_ < 0) processes_.all_gather(mine, all, counts);
        else processes_.gather(mine, all, counts, root_);
    }
    bool complete() const noexcept override { return !processes_.plays_alone(); }
    bool receives() const noexcept override { return root_ < 0 || processes_.rank() == root_; }

private:
    ProcessGroup& processes_;
    int root_;
};

// An output gathered after its producer's step.
struct Exchanged {
    std::size_t node = 0, output = 0;
};

// An input that reads an exchanged output at units another process computes.
struct CrossingInput {
    std::size_t node = 0, input = 0;
};

// An input handed its spikes late (epochs): its node and input, and per source (in wire order) the
// output exchanged per epoch (an index into late_) and where its units begin in the input.
struct LateReader {
    std::size_t node = 0, input = 0;
    std::vector<std::pair<std::size_t, std::size_t>> parts;
};

// Seconds of wall time since `start`.
double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class DistributedExecutor final : public detail::Executor {
public:
    DistributedExecutor(Simulation::Impl& impl, std::shared_ptr<ProcessGroup> processes, unsigned threads)
        : impl_(impl), processes_(std::move(processes)), rank_(static_cast<std::size_t>(processes_->rank())),
          ranks_(static_cast<std::size_t>(processes_->size())) {
        if (threads != 1) pool_.emplace(threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : threads);
        choose_splits();
        choose_exchanges();
        choose_epoch();
    }

    void run(std::int64_t steps, const std::function<void()>& after_step) override {
        if (steps > 0) {
            state_whole_ = shares_whole_ = false;
            whole_on_ = -1;
        }
        Parallel& parallel = pool_ ? static_cast<Parallel&>(*pool_) : serial_parallel();
        for (std::int64_t s = 0; s < steps; ++s) {
            for (std::size_t v : impl_.plan.sequence) {
                impl_.run_task(v, parallel, share_of(v));
                if (!after_node_[v].empty()) exchange(after_node_[v], impl_.parity());
            }
            if (!at_end_.empty()) exchange(at_end_, impl_.parity());
            if (epoch_ > 1) pack_epoch_step(impl_.step, false);
            impl_.finish_step();
            hand_held();
            if (pending_.size() == epoch_) overlap_ ? start_overlapped() : exchange_epoch();
            if (after_step) after_step();
        }
        exchange_epoch();  // the last epoch may be shorter
    }

    void complete(const Source& source, std::size_t parity) override {
        if (source.kind == SourceKind::external || split_[source.node].units == 0) return;
        if (source.kind == SourceKind::output && exchanged_[source.node][source.port]) return;
        if (source.kind == SourceKind::output && is_late({source.node, source.port}) && !processes_->plays_alone()) {
            // Every output exchanged per epoch at once, as a step without epochs would (one gather per
            // step however many of them are read).
            if (late_read_step_ != impl_.step) exchange(late_, parity);
            late_read_step_ = impl_.step;
            return;
        }
        const ConstArrayRef view = detail::source_view(impl_.storage, impl_.components, source, parity);
        const PortSpec& spec = detail::source_spec(impl_.inference, source);
        gather_units(const_cast<void*>(view.data), spec.dtype, view.size, split_[source.node]);
        if (source.kind == SourceKind::output && processes_->plays_alone())
            replay_late_output({source.node, source.port}, static_cast<std::uint8_t*>(const_cast<void*>(view.data)));
        if (source.kind == SourceKind::output)
            impl_.storage.buffers[impl_.storage.output_buffers[source.node][source.port]].invalidate_spike_index();
    }

    void complete_state() override;
    void gather_state(int root) override;
    UnitShare own_elements(const Source& source, std::size_t count) const override {
        const Split& s = split_[source.node];
        if (s.units == 0) {  // computed alike everywhere: rank 0's (a dry run's own rank's)
            const bool answers = rank_ == 0 || processes_->plays_alone();
            return {0, answers ? count : 0};
        }
        const std::size_t k = count / s.units;
        return {s.blocks[rank_].begin * k, s.blocks[rank_].end * k};
    }
    void state_written() override {
        // What the readers read next is the buffers' (loaded or reset) last step.
        overlapped_steps_.clear();  // (none between runs: a run finishes its exchanges)
        pending_.clear();
        epoch_send_.clear();
        whole_on_ = -1;
        holding_ = false;
        late_read_step_ = -1;
        if (!late_.empty()) pack_epoch_step(impl_.step - 1, true);
        for (auto& entry : spikes_) entry.second.stale = {true, true};
        ShareCollective collective(*processes_);
        for (std::size_t v = 0; v < split_.size(); ++v)
            if (split_[v].units != 0) impl_.components[v]->scatter_share(collective);
        shares_whole_ = false;
    }

private:
    UnitShare share_of(std::size_t v) const {
        const Split& s = split_[v];
        if (s.units == 0) return {};
        return {s.steps[rank_].begin, s.steps[rank_].end};
    }

    void choose_splits();
    void choose_exchanges();
    // The epoch (see the top of the file); with more than one step, the outputs exchanged once per epoch
    // and their readers' silent inputs.
    void choose_epoch();
    void defer_to_epochs();
    // Per step of an epoch: this process's spikes of every output exchanged per epoch in `step` (the
    // step just run, or with `previous` the one before the next: the buffers' last step). At the epoch's
    // end (or earlier): one exchange of them, then every reader handed every step's spikes but the last
    // step's, which no reader has read yet (its next step would; a state visit finds them in their
    // producer's output, as on one process): they are held and handed after the next step.
    void pack_epoch_step(std::int64_t step, bool previous);
    void exchange_epoch();
    void hand_held();
    // Overlapped epochs: the exchange of an epoch starts at its end and finishes at the next one's
    // (before starting that one's); the spikes are handed then.
    void start_overlapped();
    void finish_overlapped();
    // Hands the spikes of `steps` in an exchange's `received` parts, but holds those of the step just
    // run. Each rank's part lists only its spike lists that hold spikes, as (slot = step in the epoch x
    // outputs + output, count, entries): receiving costs O(spikes + ranks that sent).
    void hand_received(const std::vector<std::int64_t>& steps, const std::vector<std::byte>& received,
                       const std::vector<std::size_t>& counts);
    // A dry run's replayed spikes of the other ranks' units before (or after) its own block, appended
    // to every slot's list of `steps`.
    void append_replayed(const std::vector<std::int64_t>& steps, bool before);
    // A dry run's read of an output exchanged per epoch after a step: the other ranks' units as the
    // replayed recording fired them in that step (else silent).
    void replay_late_output(const Exchanged& x, std::uint8_t* codes);
    bool is_late(const Exchanged& x) const {
        return std::ranges::any_of(late_, [&](const Exchanged& late) { return late.node == x.node && late.output == x.output; });
    }
    // Hands one step's spikes (per output exchanged per epoch) to every late reader.
    void hand(std::span<const std::vector<std::uint32_t>> spikes, std::int64_t step);
    // One exchange of `outputs`: this process's part of each gathered to every process.
    void exchange(const std::vector<Exchanged>& outputs, std::size_t parity);
    void pack_own_part(const std::vector<Exchanged>& outputs, std::size_t parity);
    // Appends `unit << 2 | code` of every unit in [begin, end) whose code differs from its resting code.
    void append_changed_codes(const std::uint8_t* codes, const std::uint8_t* resting, std::size_t begin,
                              std::size_t end);
    void unpack_other_parts(const std::vector<Exchanged>& outputs, std::size_t parity);
    // What the receiving side keeps of an exchanged SpikeArray: its resting codes (zero before its
    // first exchange) and, per buffer copy, the other blocks' units the last exchange into it set (or
    // `stale`: any unit may be off rest).
    struct ExchangedSpikes {
        std::vector<std::uint8_t> resting;
        std::array<std::vector<std::uint32_t>, 2> set;
        std::array<bool, 2> stale{true, true};
    };
    ExchangedSpikes& spikes_of(const Exchanged& x, std::size_t size) {
        ExchangedSpikes& spikes = spikes_[x.node * max_outputs_ + x.output];
        if (spikes.resting.size() != size) spikes.resting.assign(size, 0);
        return spikes;
    }
    // Puts a SpikeArray's elements outside `mine` in buffer copy `copy` back at rest: all of them when
    // the copy is stale, else the ones the last exchange into it set.
    void restore_rest(ExchangedSpikes& spikes, std::size_t copy, std::uint8_t* codes, UnitBlock mine);
    // An exchanged output while an exchange is unpacked: its buffer copy, this process's elements and,
    // for a SpikeArray, what the receiving side keeps of it and its spike index.
    struct Unpacking {
        Buffer* buffer = nullptr;
        std::byte* data = nullptr;
        UnitBlock mine;
        ExchangedSpikes* received = nullptr;  // null: not a SpikeArray
        SpikeIndex* index = nullptr;
        std::size_t copy = 0;
    };
    // Takes `count` entries (unit << 2 | code) of a SpikeArray, from another process's block when
    // `other` (their codes are set), into its spike index.
    void apply_spike_entries(const Unpacking& u, const std::byte* entries, std::size_t count, bool other);
    // Before each output in a part of an exchange: its index (uint32) and its bytes (uint64).
    static constexpr std::size_t part_header = sizeof(std::uint32_t) + sizeof(std::uint64_t);
    // A dry run's replayed spikes of this step in the elements `block` of an exchanged SpikeArray.
    std::span<const std::uint32_t> replayed_block(const Exchanged& x, UnitBlock block) const {
        return replayed_block(x, block, impl_.step);
    }
    std::span<const std::uint32_t> replayed_block(const Exchanged& x, UnitBlock block, std::int64_t step) const {
        // Every other rank's block asks for the same step's spikes in turn: one look-up (by name) per
        // output and step, not per rank.
        ReplayLookup& seen = replay_lookup_;
        if (!seen.valid || seen.node != x.node || seen.output != x.output || seen.step != step) {
            const auto& node = impl_.graph.nodes[x.node];
            seen = {true, x.node, x.output, step,
                    processes_->replay()->at(step, node.path, node.info->outputs[x.output].name)};
        }
        const std::span<const std::uint32_t> all = seen.spikes;
        const auto unit_of = [](std::uint32_t entry) { return std::size_t{entry >> 2}; };
        const auto first = std::ranges::lower_bound(all, block.begin, {}, unit_of);
        const auto last = std::ranges::lower_bound(first, all.end(), block.end, {}, unit_of);
        return {first, last};
    }
    // Gathers an array split by units (k = count / units elements per unit) from the processes that
    // own each block.
    void gather_units(void* data, DType dtype, std::size_t count, const Split& split);
    // The same for element ranges: process r contributes elements [ranges[r].begin, ranges[r].end).
    void gather_ranges(std::byte* data, std::size_t element_bytes, const std::vector<UnitBlock>& ranges);
    // Every component's kept share (Component::gather_share), then every split node's state and the
    // values its previous-step readers read next, to gather_root_ (every process when negative).
    void gather_shares_and_state();

    // The replayed spikes a dry run last looked up (replayed_block).
    struct ReplayLookup {
        bool valid = false;
        std::size_t node = 0, output = 0;
        std::int64_t step = 0;
        std::span<const std::uint32_t> spikes;
    };
    mutable ReplayLookup replay_lookup_;

    Simulation::Impl& impl_;
    std::shared_ptr<ProcessGroup> processes_;
    std::size_t rank_, ranks_;
    std::optional<detail::SpinPool> pool_;
    std::vector<Split> split_;                        // per node
    std::vector<std::vector<bool>> exchanged_;        // per node, per output
    std::vector<std::vector<Exchanged>> after_node_;  // per node: gathered right after it
    std::vector<Exchanged> at_end_;                   // gathered at the end of the step
    std::size_t max_outputs_ = 0;                     // the most outputs of a node
    std::map<std::size_t, ExchangedSpikes> spikes_;  // per exchanged SpikeArray (node x output)
    bool state_whole_ = true;  // since the build, a reset or the last complete_state()
    bool shares_whole_ = false;  // Component::gather_share() since the last step, reset or load
    int whole_on_ = -1;  // the state was gathered to this rank only, since the last step, reset or load
    int gather_root_ = -1;  // while gathering to one rank only: that rank
    std::vector<std::byte> send_, received_;
    std::vector<std::size_t> counts_;
    std::vector<Unpacking> unpacking_;  // per output of the exchange being unpacked
    // Epochs.
    std::vector<CrossingInput> crossing_;   // every input reading an exchanged output at others' units
    bool effect_crosses_ = false;           // an effect's source is exchanged (applied every step)
    std::size_t epoch_ = 1;                 // steps per spike exchange
    std::vector<Exchanged> late_;           // the outputs exchanged per epoch (epoch_ > 1)
    std::vector<LateReader> late_readers_;
    std::vector<std::vector<std::uint8_t>> silent_;        // per late reader: the input it steps with
    std::vector<std::unique_ptr<SpikeIndex>> silent_index_;
    std::vector<std::int64_t> pending_;     // the steps packed since the last exchange
    std::vector<std::byte> epoch_send_;
    bool holding_ = false;                  // the last exchange's last step, not handed yet
    std::int64_t held_step_ = 0;
    std::vector<std::vector<std::uint32_t>> held_;     // one step's spikes per late output, every process's
    std::vector<std::vector<std::uint32_t>> arrived_;  // the same per step of an exchange (step x outputs)
    std::vector<std::uint32_t> concatenated_;
    std::int64_t late_read_step_ = -1;  // the step whose late outputs an outside read last gathered
    bool overlap_ = false;  // epochs of half the shortest latency, each exchanged during the next
    std::vector<std::int64_t> overlapped_steps_;  // the steps of the exchange in progress (none: none is)
    std::vector<std::byte> overlapped_send_, overlapped_received_;
    std::vector<std::size_t> overlapped_counts_;
    double overlapped_seconds_ = 0.0;
};

void DistributedExecutor::choose_splits() {
    const auto& g = impl_.graph;
    split_.assign(g.nodes.size(), Split{});
    if (ranks_ < 2) return;
    // Per node: the units it can split over (0: none).
    std::vector<std::size_t> units(g.nodes.size(), 0);
    for (std::size_t v = 0; v < g.nodes.size(); ++v) {
        const std::size_t n = impl_.components[v]->share_units();
        bool fits = n != 0;  // every output unit-major, its codes addressable in an exchange entry
        for (const PortSpec& out : impl_.inference.nodes[v].result.outputs)
            fits = fits && out.size() % n == 0 && out.size() < (std::size_t{1} << 30);
        units[v] = fits ? n : 0;
    }
    const std::vector<bool> whole = detail::runs_whole(g, impl_.components, units);
    for (std::size_t v = 0; v < g.nodes.size(); ++v) {
        if (whole[v] || units[v] == 0) continue;
        const Component& c = *impl_.components[v];
        Split& s = split_[v];
        s.units = units[v];
        s.grain = std::max<std::size_t>(1, c.share_grain());
        for (std::size_t r = 0; r < ranks_; ++r) {
            s.blocks.push_back(unit_block(s.units, static_cast<int>(r), static_cast<int>(ranks_)));
            s.steps.push_back(widen(s.blocks.back(), s.grain, s.units));
        }
    }
}

void DistributedExecutor::choose_exchanges() {
    const auto& g = impl_.graph;
    exchanged_.assign(g.nodes.size(), {});
    after_node_.assign(g.nodes.size(), {});
    std::vector<std::vector<int>> need(g.nodes.size());  // per node, per output: 0 none, 1 end of step, 2 at once
    for (std::size_t v = 0; v < g.nodes.size(); ++v) {
        exchanged_[v].assign(impl_.inference.nodes[v].result.outputs.size(), false);
        max_outputs_ = std::max(max_outputs_, exchanged_[v].size());
        need[v].assign(exchanged_[v].size(), 0);
    }
    auto mark = [&](const Source& s, bool same_step) {
        if (s.kind != SourceKind::output || split_[s.node].units == 0) return;
        need[s.node][s.port] = std::max(need[s.node][s.port], same_step ? 2 : 1);
    };
    // A reader that steps units outside its producer's block (the units a share is sure to compute:
    // Component::share_units) reads whole.
    auto covered = [&](std::size_t producer, std::size_t reader) {
        const Split& p = split_[producer];
        const Split& r = split_[reader];
        if (r.units != p.units) return false;
        for (std::size_t k = 0; k < ranks_; ++k)
            if (r.steps[k].begin < r.steps[k].end &&
                (r.steps[k].begin < p.blocks[k].begin || r.steps[k].end > p.blocks[k].end))
                return false;
        return true;
    };
    for (std::size_t c = 0; c < g.nodes.size(); ++c) {
        const auto& node = g.nodes[c];
        for (std::size_t i = 0; i < node.inputs.size(); ++i) {
            const auto& sources = node.inputs[i];
            const auto& merged = impl_.inference.nodes[c].inputs[i];
            const bool element_wise = split_[c].units != 0 && impl_.components[c]->input_per_unit(i) &&
                                      (sources.size() == 1 || (merged && merged->kind == PayloadKind::current));
            for (const Source& s : sources) {
                if (s.kind != SourceKind::output || split_[s.node].units == 0) continue;
                if (element_wise && covered(s.node, c)) continue;
                mark(s, s.latency == Latency::same_step);
                if (crossing_.empty() || crossing_.back().node != c || crossing_.back().input != i)
                    crossing_.push_back({c, i});
            }
        }
    }
    for (const auto& e : g.effects) {
        if (split_[e.target_node].units != 0) continue;  // an effect onto a split node writes the rows its source stepped
        mark(e.source, false);
        effect_crosses_ = effect_crosses_ || (e.source.kind == SourceKind::output && split_[e.source.node].units != 0);
    }
    for (std::size_t v = 0; v < g.nodes.size(); ++v)
        for (std::size_t o = 0; o < need[v].size(); ++o) {
            if (need[v][o] == 0) continue;
            exchanged_[v][o] = true;
            (need[v][o] == 2 ? after_node_[v] : at_end_).push_back({v, o});
        }
}

namespace {

template <class T>
void append(std::vector<std::byte>& out, const T& value) {
    const auto* p = reinterpret_cast<const std::byte*>(&value);
    out.insert(out.end(), p, p + sizeof(T));
}

}  // namespace

void DistributedExecutor::exchange(const std::vector<Exchanged>& outputs, std::size_t parity) {
    pack_own_part(outputs, parity);
    const auto start = std::chrono::steady_clock::now();
    processes_->all_gather(send_, received_, counts_);
    processes_->count_spike_exchange(seconds_since(start));
    unpack_other_parts(outputs, parity);
}

void DistributedExecutor::choose_epoch() {
    processes_->set_epoch_steps(1);
    if (crossing_.empty() || effect_crosses_ || !processes_->exchange_per_epoch()) return;
    std::uint64_t shortest = std::numeric_limits<std::uint64_t>::max();
    for (const CrossingInput& x : crossing_) {
        // Handled: a SpikeArray input all of whose sources are split outputs behind previous-step wires
        // (so each source's part of it is exchanged). Otherwise, or for a reader on time, one step.
        bool handled = true;
        for (const Source& s : impl_.graph.nodes[x.node].inputs[x.input])
            handled = handled && s.kind == SourceKind::output && split_[s.node].units != 0 &&
                      s.latency == Latency::previous_step &&
                      impl_.inference.nodes[s.node].result.outputs[s.port].kind == PayloadKind::spikes;
        // (An effect may change what a reader does with spikes between their step and their late arrival.)
        handled = handled && std::ranges::none_of(impl_.graph.effects, [&](const auto& e) { return e.target_node == x.node; });
        const std::size_t slack = handled ? impl_.components[x.node]->input_slack(x.input) : 0;
        shortest = std::min<std::uint64_t>(shortest, 1 + slack);
    }
    // A slack can differ between processes that keep their own synapses only (their shortest delay, their
    // layout): the least of all, and every process takes part.
    std::vector<std::byte> all;
    std::vector<std::size_t> counts;
    processes_->all_gather({reinterpret_cast<const std::byte*>(&shortest), sizeof shortest}, all, counts);
    for (std::size_t at = 0; at + sizeof shortest <= all.size(); at += sizeof shortest) {
        std::uint64_t theirs = 0;
        std::memcpy(&theirs, all.data() + at, sizeof theirs);
        shortest = std::min(shortest, theirs);
    }
    epoch_ = static_cast<std::size_t>(std::max<std::uint64_t>(1, shortest));
    // Overlap: the spikes of an epoch's first step, exchanged during the next epoch, are handed 2E - 1
    // steps after they were read, which the shortest latency L = 1 + D allows for E = L / 2; only where
    // that still batches steps (L >= 4), and the transport is asked to.
    overlap_ = processes_->overlap() && epoch_ >= 4;
    if (overlap_) epoch_ /= 2;
    processes_->set_epoch_steps(epoch_);
    if (epoch_ > 1) defer_to_epochs();
}

void DistributedExecutor::defer_to_epochs() {
    std::map<std::pair<std::size_t, std::size_t>, std::size_t> late_index;
    for (std::size_t v = 0; v < exchanged_.size(); ++v)
        for (std::size_t o = 0; o < exchanged_[v].size(); ++o) {
            if (!exchanged_[v][o]) continue;
            exchanged_[v][o] = false;  // an outside read gathers it (complete())
            late_index[{v, o}] = late_.size();
            late_.push_back({v, o});
        }
    for (auto& list : after_node_) list.clear();
    at_end_.clear();
    auto& storage = impl_.storage;
    for (const CrossingInput& x : crossing_) {
        LateReader reader{x.node, x.input, {}};
        std::size_t offset = 0;
        for (const Source& s : impl_.graph.nodes[x.node].inputs[x.input]) {
            reader.parts.emplace_back(late_index.at({s.node, s.port}), offset);
            offset += impl_.inference.nodes[s.node].result.outputs[s.port].size();
        }
        late_readers_.push_back(std::move(reader));
        // It steps with its input silent (no spike, a fresh empty spike list), and no longer assembles it.
        detail::Task& task = impl_.plan.tasks[x.node];
        const std::size_t units = task.at[0].inputs[x.input].size;
        silent_.emplace_back(units, std::uint8_t{0});
        silent_index_.push_back(std::make_unique<SpikeIndex>(units));
        silent_index_.back()->clear();
        silent_index_.back()->publish();
        const std::vector<std::byte>& scratch = storage.scratch[x.node][x.input];
        const SpikeIndex* concat = storage.concat_index[x.node][x.input].get();
        for (detail::NodeStep& at : task.at) {
            at.inputs[x.input] = ConstArrayRef(silent_.back().data(), units, silent_index_.back().get());
            std::erase_if(at.gathers, [&](const detail::GatherOp& op) {
                return !scratch.empty() && op.dst >= scratch.data() && op.dst < scratch.data() + scratch.size();
            });
            std::erase_if(at.concats, [&](const detail::ConcatIndexOp& op) { return concat && op.index == concat; });
        }
    }
}

void DistributedExecutor::pack_epoch_step(std::int64_t step, bool previous) {
    pending_.push_back(step);
    auto& storage = impl_.storage;
    const std::size_t first_slot = (pending_.size() - 1) * late_.size();
    for (std::size_t i = 0; i < late_.size(); ++i) {
        const Exchanged& late = late_[i];
        Buffer& b = storage.buffers[storage.output_buffers[late.node][late.output]];
        const Split& s = split_[late.node];
        const std::size_t k = b.spec.size() / s.units;
        const std::byte* data = previous ? b.last_at(impl_.parity()) : b.at(impl_.parity());
        const auto* codes = reinterpret_cast<const std::uint8_t*>(data);
        const std::size_t header = epoch_send_.size();
        append(epoch_send_, static_cast<std::uint32_t>(first_slot + i));
        append(epoch_send_, std::uint32_t{0});
        std::uint32_t count = 0;
        std::uint32_t units[256];
        const std::size_t last = s.blocks[rank_].end * k;
        for (std::size_t begin = s.blocks[rank_].begin * k; begin < last; begin += 256) {
            const std::size_t n = list_spikes(codes, begin, std::min(last, begin + 256), units);
            for (std::size_t u = 0; u < n; ++u) append(epoch_send_, units[u] << 2 | codes[units[u]]);
            count += static_cast<std::uint32_t>(n);
        }
        if (count == 0) epoch_send_.resize(header);  // only spike lists that hold spikes travel
        else std::memcpy(epoch_send_.data() + header + sizeof count, &count, sizeof count);
    }
}

void DistributedExecutor::exchange_epoch() {
    finish_overlapped();  // older than any pending step
    if (pending_.empty()) return;
    hand_held();
    const auto start = std::chrono::steady_clock::now();
    processes_->all_gather(epoch_send_, received_, counts_);
    processes_->count_spike_exchange(seconds_since(start));
    hand_received(pending_, received_, counts_);
    pending_.clear();
    epoch_send_.clear();
}

void DistributedExecutor::start_overlapped() {
    finish_overlapped();
    hand_held();
    const auto start = std::chrono::steady_clock::now();
    overlapped_send_.swap(epoch_send_);
    overlapped_steps_.swap(pending_);
    processes_->start_all_gather(overlapped_send_, overlapped_received_, overlapped_counts_);
    overlapped_seconds_ = seconds_since(start);
    pending_.clear();
    epoch_send_.clear();
}

void DistributedExecutor::finish_overlapped() {
    if (overlapped_steps_.empty()) return;
    const auto start = std::chrono::steady_clock::now();
    processes_->finish_all_gather();
    processes_->count_spike_exchange(overlapped_seconds_ + seconds_since(start));
    hand_received(overlapped_steps_, overlapped_received_, overlapped_counts_);
    overlapped_steps_.clear();
}

void DistributedExecutor::hand_received(const std::vector<std::int64_t>& steps, const std::vector<std::byte>& received,
                                        const std::vector<std::size_t>& counts) {
    hand_held();  // older than `steps`, and only one step is ever held
    const bool hold_last = steps.back() == impl_.step - 1;  // no reader has read them yet
    const std::size_t outputs = late_.size(), slots = steps.size() * outputs;
    arrived_.resize(std::max(arrived_.size(), slots));
    for (std::size_t slot = 0; slot < slots; ++slot) arrived_[slot].clear();
    // Each list gets every rank's spikes in rank order; a dry run's other ranks send nothing: their
    // recorded spikes, when it replays some, before and after its own block.
    if (processes_->replay()) append_replayed(steps, true);
    std::size_t offset = 0;
    for (std::size_t r = 0; r < ranks_; ++r) {
        if (counts[r] == 0) continue;  // nothing fired there in the epoch
        for (std::size_t at = offset, end = offset + counts[r]; at < end;) {
            std::uint32_t slot = 0, count = 0;
            std::memcpy(&slot, received.data() + at, sizeof slot);
            std::memcpy(&count, received.data() + at + sizeof slot, sizeof count);
            at += sizeof slot + sizeof count;
            if (slot >= slots || count == 0 || end - at < count * std::size_t{sizeof count})
                throw InternalError("rank " + std::to_string(r) + " sent a malformed epoch of spikes");
            std::vector<std::uint32_t>& arrived = arrived_[slot];
            const std::size_t first = arrived.size();
            arrived.resize(first + count);
            std::memcpy(arrived.data() + first, received.data() + at, count * sizeof count);
            at += count * sizeof count;
        }
        offset += counts[r];
    }
    if (processes_->replay()) append_replayed(steps, false);
    for (std::size_t j = 0; j < steps.size(); ++j)
        if (!hold_last || j + 1 < steps.size()) hand({arrived_.data() + j * outputs, outputs}, steps[j]);
    if (!hold_last) return;
    held_.resize(outputs);  // the last step's
    for (std::size_t i = 0; i < outputs; ++i) held_[i].swap(arrived_[slots - outputs + i]);
    holding_ = true;
    held_step_ = steps.back();
}

void DistributedExecutor::append_replayed(const std::vector<std::int64_t>& steps, bool before) {
    for (std::size_t j = 0; j < steps.size(); ++j)
        for (std::size_t i = 0; i < late_.size(); ++i) {
            const Split& s = split_[late_[i].node];
            const Buffer& b = impl_.storage.buffers[impl_.storage.output_buffers[late_[i].node][late_[i].output]];
            const std::size_t k = b.spec.size() / s.units;
            const UnitBlock others = before ? UnitBlock{0, s.blocks[rank_].begin * k}
                                            : UnitBlock{s.blocks[rank_].end * k, b.spec.size()};
            const auto replayed = replayed_block(late_[i], others, steps[j]);
            std::vector<std::uint32_t>& arrived = arrived_[j * late_.size() + i];
            arrived.insert(arrived.end(), replayed.begin(), replayed.end());
        }
}

void DistributedExecutor::replay_late_output(const Exchanged& x, std::uint8_t* codes) {
    if (!is_late(x)) return;
    const Split& s = split_[x.node];
    const Buffer& b = impl_.storage.buffers[impl_.storage.output_buffers[x.node][x.output]];
    const std::size_t k = b.spec.size() / s.units;
    const UnitBlock mine{s.blocks[rank_].begin * k, s.blocks[rank_].end * k};
    for (const UnitBlock others : {UnitBlock{0, mine.begin}, UnitBlock{mine.end, b.spec.size()}}) {
        std::fill(codes + others.begin, codes + others.end, std::uint8_t{0});
        if (processes_->replay())
            for (const std::uint32_t entry : replayed_block(x, others, impl_.step - 1))
                codes[entry >> 2] = static_cast<std::uint8_t>(entry & 3u);
    }
}

void DistributedExecutor::hand_held() {
    if (!holding_ || impl_.step - 1 - held_step_ < 1) return;  // not read yet
    hand(held_, held_step_);
    holding_ = false;
}

void DistributedExecutor::hand(std::span<const std::vector<std::uint32_t>> spikes, std::int64_t step) {
    const auto late_by = static_cast<std::size_t>(impl_.step - 1 - step);  // read in step `step + 1`
    for (const LateReader& reader : late_readers_) {
        std::span<const std::uint32_t> input;
        if (reader.parts.size() == 1 && reader.parts[0].second == 0) {
            input = spikes[reader.parts[0].first];
        } else {  // a concatenation: each source's units shifted to its part
            concatenated_.clear();
            for (const auto& [index, offset] : reader.parts)
                for (const std::uint32_t entry : spikes[index])
                    concatenated_.push_back(static_cast<std::uint32_t>(entry + (offset << 2)));
            input = concatenated_;
        }
        impl_.components[reader.node]->ingest_late(reader.input, input, late_by);
    }
}

void DistributedExecutor::append_changed_codes(const std::uint8_t* codes, const std::uint8_t* resting,
                                               std::size_t begin, std::size_t end) {
    // Most codes are at rest: eight at a time are compared, and only a word that differs is looked into.
    std::size_t u = begin;
    for (; u + 8 <= end; u += 8) {
        std::uint64_t now = 0, rest = 0;
        std::memcpy(&now, codes + u, 8);
        std::memcpy(&rest, resting + u, 8);
        if (now == rest) continue;
        for (std::size_t v = u; v < u + 8; ++v)
            if (codes[v] != resting[v]) append(send_, static_cast<std::uint32_t>(v << 2 | codes[v]));
    }
    for (; u < end; ++u)
        if (codes[u] != resting[u]) append(send_, static_cast<std::uint32_t>(u << 2 | codes[u]));
}

// This process's part: per output that has anything to send (a SpikeArray: changed codes), its index
// in `outputs`, a byte count, then the changed spike codes (unit << 2 | code) or the block's bytes.
void DistributedExecutor::pack_own_part(const std::vector<Exchanged>& outputs, std::size_t parity) {
    auto& storage = impl_.storage;
    send_.clear();
    for (std::size_t j = 0; j < outputs.size(); ++j) {
        const Exchanged& x = outputs[j];
        Buffer& b = storage.buffers[storage.output_buffers[x.node][x.output]];
        const Split& s = split_[x.node];
        const std::size_t k = b.spec.size() / s.units, es = size_of(b.spec.dtype);
        const UnitBlock mine{s.blocks[rank_].begin * k, s.blocks[rank_].end * k};
        const std::size_t header = send_.size();
        append(send_, static_cast<std::uint32_t>(j));
        append(send_, std::uint64_t{0});
        const std::byte* data = b.at(parity);
        if (b.spec.kind == PayloadKind::spikes) {
            const auto* codes = reinterpret_cast<const std::uint8_t*>(data);
            const std::uint8_t* resting = spikes_of(x, b.spec.size()).resting.data();
            append_changed_codes(codes, resting, mine.begin, mine.end);
        } else {
            send_.insert(send_.end(), data + mine.begin * es, data + mine.end * es);
        }
        const std::uint64_t bytes = send_.size() - header - part_header;
        if (bytes == 0) send_.resize(header);
        else std::memcpy(send_.data() + header + sizeof(std::uint32_t), &bytes, sizeof bytes);
    }
}

// Every process's part, in rank order, skipping the ranks that sent nothing; a dry run's other ranks
// send nothing: their units stay at rest, or take the spikes a replayed recording gives them.
void DistributedExecutor::unpack_other_parts(const std::vector<Exchanged>& outputs, std::size_t parity) {
    auto& storage = impl_.storage;
    unpacking_.resize(outputs.size());
    for (std::size_t j = 0; j < outputs.size(); ++j) {
        const Exchanged& x = outputs[j];
        Buffer& b = storage.buffers[storage.output_buffers[x.node][x.output]];
        const Split& s = split_[x.node];
        const std::size_t k = b.spec.size() / s.units;
        Unpacking& u = unpacking_[j];
        u = {&b, b.at(parity), {s.blocks[rank_].begin * k, s.blocks[rank_].end * k}, nullptr, nullptr,
             b.doubled ? parity : 0};
        if (b.spec.kind != PayloadKind::spikes) {
            if (processes_->plays_alone()) {  // zeros in the other blocks
                const std::size_t es = size_of(b.spec.dtype);
                std::fill(u.data, u.data + u.mine.begin * es, std::byte{0});
                std::fill(u.data + u.mine.end * es, u.data + b.spec.size() * es, std::byte{0});
            }
            continue;
        }
        u.received = &spikes_of(x, b.spec.size());
        u.index = b.index_at(parity);
        restore_rest(*u.received, u.copy, reinterpret_cast<std::uint8_t*>(u.data), u.mine);
        if (u.index) u.index->clear();
    }
    const SpikeReplay* replay = processes_->replay();
    auto apply_replayed = [&](bool before) {
        for (std::size_t j = 0; j < outputs.size(); ++j) {
            const Unpacking& u = unpacking_[j];
            if (!u.received) continue;
            const UnitBlock others = before ? UnitBlock{0, u.mine.begin} : UnitBlock{u.mine.end, u.buffer->spec.size()};
            const auto replayed = replayed_block(outputs[j], others);
            apply_spike_entries(u, reinterpret_cast<const std::byte*>(replayed.data()), replayed.size(), true);
        }
    };
    if (replay) apply_replayed(true);
    std::size_t offset = 0;
    for (std::size_t r = 0; r < ranks_; ++r) {
        if (counts_[r] == 0) continue;  // nothing changed there
        for (std::size_t at = offset, end = offset + counts_[r]; at < end;) {
            std::uint32_t j = 0;
            std::uint64_t bytes = 0;
            std::memcpy(&j, received_.data() + at, sizeof j);
            std::memcpy(&bytes, received_.data() + at + sizeof j, sizeof bytes);
            at += part_header;
            if (j >= outputs.size() || end - at < bytes)
                throw InternalError("rank " + std::to_string(r) + " sent a malformed part of an exchange");
            const Unpacking& u = unpacking_[j];
            const std::byte* part = received_.data() + at;
            at += bytes;
            if (u.received) apply_spike_entries(u, part, bytes / sizeof(std::uint32_t), r != rank_);
            else if (r != rank_) {
                const Split& s = split_[outputs[j].node];
                const std::size_t k = u.buffer->spec.size() / s.units, es = size_of(u.buffer->spec.dtype);
                std::copy(part, part + bytes, u.data + s.blocks[r].begin * k * es);
            }
        }
        offset += counts_[r];
    }
    if (replay) apply_replayed(false);
    for (const Unpacking& u : unpacking_) {
        if (!u.received) continue;
        if (u.index) u.index->publish();
        // The other blocks' resting codes changed only where an entry arrived.
        const auto* codes = reinterpret_cast<const std::uint8_t*>(u.data);
        std::uint8_t* resting = u.received->resting.data();
        // (The bounds in locals: a byte store may alias `u`, which would keep the loop from vectorising.)
        const std::size_t first = u.mine.begin, last = u.mine.end;
        for (std::size_t e = first; e < last; ++e) resting[e] = static_cast<std::uint8_t>(codes[e] & ~spike::bit);
    }
}

void DistributedExecutor::apply_spike_entries(const Unpacking& u, const std::byte* entries, std::size_t count,
                                              bool other) {
    auto* codes = reinterpret_cast<std::uint8_t*>(u.data);
    ExchangedSpikes& received = *u.received;
    for (std::size_t e = 0; e < count; ++e) {
        std::uint32_t entry = 0;
        std::memcpy(&entry, entries + e * sizeof entry, sizeof entry);
        const std::size_t unit = entry >> 2;
        const auto code = static_cast<std::uint8_t>(entry & 3u);
        if (other) {
            codes[unit] = code;
            received.set[u.copy].push_back(static_cast<std::uint32_t>(unit));
            const auto rest = static_cast<std::uint8_t>(code & ~spike::bit);
            // A new rest (the inhibition bits changed) also reaches the other copy.
            if (rest != received.resting[unit] && u.buffer->doubled)
                received.set[1 - u.copy].push_back(static_cast<std::uint32_t>(unit));
            received.resting[unit] = rest;
        }
        if (u.index && (code & spike::bit)) u.index->append(unit, (code & spike::inhibitory) != 0);
    }
}

void DistributedExecutor::restore_rest(ExchangedSpikes& spikes, std::size_t copy, std::uint8_t* codes, UnitBlock mine) {
    if (spikes.stale[copy]) {  // every other block's codes
        std::copy(spikes.resting.begin(), spikes.resting.begin() + static_cast<std::ptrdiff_t>(mine.begin), codes);
        std::copy(spikes.resting.begin() + static_cast<std::ptrdiff_t>(mine.end), spikes.resting.end(), codes + mine.end);
        spikes.stale[copy] = false;
    } else {
        for (std::uint32_t u : spikes.set[copy]) codes[u] = spikes.resting[u];
    }
    spikes.set[copy].clear();
}

void DistributedExecutor::gather_ranges(std::byte* data, std::size_t element_bytes,
                                        const std::vector<UnitBlock>& ranges) {
    // In pieces of at most `piece` bytes per process, so that a whole learned kernel never sits in the
    // receive buffer next to its destination (every process runs the same rounds: the ranges are global).
    constexpr std::size_t piece = std::size_t{16} << 20;
    std::size_t longest = 0;
    for (const UnitBlock& r : ranges) longest = std::max(longest, (r.end - r.begin) * element_bytes);
    const UnitBlock& mine = ranges[rank_];
    const std::size_t my_bytes = (mine.end - mine.begin) * element_bytes;
    std::size_t done = 0;
    do {
        const std::size_t from = std::min(done, my_bytes), to = std::min(done + piece, my_bytes);
        const std::span<const std::byte> part{data + mine.begin * element_bytes + from, to - from};
        if (gather_root_ < 0) processes_->all_gather(part, received_, counts_);
        else processes_->gather(part, received_, counts_, gather_root_);
        std::size_t offset = 0;
        for (std::size_t r = 0; r < ranks_; ++r) {
            const std::size_t bytes = (ranges[r].end - ranges[r].begin) * element_bytes;
            const std::size_t expected = std::min(done + piece, bytes) - std::min(done, bytes);
            if (r != rank_ && counts_[r] == expected && expected != 0)
                std::memcpy(data + ranges[r].begin * element_bytes + std::min(done, bytes), received_.data() + offset,
                            counts_[r]);
            offset += counts_[r];
        }
        done += piece;
    } while (done < longest);
    if (received_.capacity() > piece) std::vector<std::byte>().swap(received_);  // not kept for the small exchanges
}

void DistributedExecutor::gather_units(void* data, DType dtype, std::size_t count, const Split& split) {
    const std::size_t blocks = (split.units + split.grain - 1) / split.grain;
    std::vector<UnitBlock> ranges;
    if (count % split.units == 0) {  // k elements per unit
        const std::size_t k = count / split.units;
        for (const UnitBlock& b : split.blocks) ranges.push_back({b.begin * k, b.end * k});
    } else if (count % blocks == 0) {  // k elements per block of `grain` units: a block's owner owns its first unit
        const std::size_t k = count / blocks;
        for (const UnitBlock& b : split.blocks) {
            const std::size_t first = (b.begin + split.grain - 1) / split.grain;
            const std::size_t last = b.begin < b.end ? (b.end + split.grain - 1) / split.grain : first;
            ranges.push_back({first * k, last * k});
        }
    } else {
        return;  // the same on every process (Component::share_units)
    }
    gather_ranges(static_cast<std::byte*>(data), size_of(dtype), ranges);
}

void DistributedExecutor::complete_state() {
    if (whole_on_ < 0) return gather_state(-1);
    if (static_cast<std::size_t>(whole_on_) == rank_) return;  // (a visit on the root alone)
    throw Error("rank " + std::to_string(rank_) + " visits the state, but it was gathered to rank " +
                std::to_string(whole_on_) + " only (gather_state_to): gather it on every process first (gather_state)");
}

void DistributedExecutor::gather_state(int root) {
    exchange_epoch();  // the spikes their readers have read are part of their state
    if (whole_on_ >= 0) {  // whole on one rank only
        if (root == whole_on_) return;
        state_whole_ = shares_whole_ = false;
        whole_on_ = -1;
    }
    if (root >= 0 && state_whole_ && shares_whole_) return;  // whole everywhere already
    gather_root_ = root;
    try {
        gather_shares_and_state();
    } catch (...) {
        gather_root_ = -1;
        throw;
    }
    gather_root_ = -1;
    if (root < 0) return;
    // Whole on the root only: every process gathers again for a visit on all of them.
    state_whole_ = shares_whole_ = false;
    whole_on_ = root;
}

void DistributedExecutor::gather_shares_and_state() {
    if (!shares_whole_) {
        shares_whole_ = true;
        ShareCollective collective(*processes_, gather_root_);
        for (std::size_t v = 0; v < split_.size(); ++v)
            if (split_[v].units != 0) impl_.components[v]->gather_share(collective);
    }
    if (state_whole_) return;
    state_whole_ = true;
    // Each split node's state, through a visit that may write (the components re-derive what depends
    // on it), then the values its previous-step readers will read next.
    class Gather final : public StateVisitor {
    public:
        Gather(DistributedExecutor& executor, const Component& component, const Split& split)
            : executor_(executor), component_(component), split_(split) {}
        void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
            if (!component_.state_alike(name)) executor_.gather_units(data, dtype, count, split_);
        }

    private:
        DistributedExecutor& executor_;
        const Component& component_;
        const Split& split_;
    };
    auto& storage = impl_.storage;
    const std::size_t next = impl_.parity();
    for (std::size_t v = 0; v < split_.size(); ++v) {
        if (split_[v].units == 0) continue;
        Gather gather(*this, *impl_.components[v], split_[v]);
        impl_.components[v]->visit_state(gather);
        for (std::size_t o = 0; o < storage.output_buffers[v].size(); ++o) {
            Buffer& b = storage.buffers[storage.output_buffers[v][o]];
            if (!b.doubled || exchanged_[v][o]) continue;
            gather_units(b.last_at(next), b.spec.dtype, b.spec.size(), split_[v]);
            b.invalidate_spike_index();
        }
    }
}

}  // namespace

std::shared_ptr<ProcessGroup> dry_run_processes(int rank, int size, std::shared_ptr<const SpikeReplay> replay) {
    if (size < 1 || rank < 0 || rank >= size)
        throw Error("a dry run plays rank " + std::to_string(rank) + " of " + std::to_string(size) +
                    " processes: the rank must be in 0.." + std::to_string(size - 1));
    return std::make_shared<DryRunProcesses>(rank, size, std::move(replay));
}

std::unique_ptr<detail::Executor> make_distributed_executor(Simulation::Impl& impl,
                                                            std::shared_ptr<ProcessGroup> processes, unsigned threads) {
    return std::make_unique<DistributedExecutor>(impl, std::move(processes), threads);
}

}  // namespace spark::graph
