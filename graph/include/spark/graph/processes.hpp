#pragma once
// Running one simulation over several processes (one machine or many): each process steps a share of
// the units of every node that can be split (Component::share_units: somas, Poisson sources, synapse
// groups by target, a plasticity rule with its synapses' rows) and all of every other node, and after
// a node's step the processes gather the outputs that other shares read (spikes as a list of the units
// whose code changed). A run on R processes gives the spikes and the state of a run on one, bit for bit.
//
// ProcessGroup is the transport, without any MPI type: spark_mpi (spark/mpi/mpi.hpp) provides the MPI
// one; dry_run_processes() lets one process play one rank of a larger run (the other ranks silent, or
// replaying a recorded run's spikes), to measure the per-rank cost and the exchange volume of a run too
// large for this machine.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <spark/core/component.hpp>

namespace spark::graph {

class Simulation;

// The spikes of a run, step by step, for a dry run to replay as the other ranks' (their units then
// fire as in that run, so the dry run's own units do too): per step and SpikeArray output (node path,
// output name), the spiking units with their codes.
class SpikeReplay {
public:
    // Adds the spikes of the step `sim` has just run (call it after every step of a run, in order).
    void record(const Simulation& sim);
    // The spikes of `step` of an output, each `unit << 2 | code`, in increasing unit order (empty for
    // an output or a step without any). Throws spark::Error for a step after the recorded ones.
    std::span<const std::uint32_t> at(std::int64_t step, std::string_view node, std::string_view output) const;
    std::int64_t steps() const noexcept { return steps_; }

    // A binary file; load() throws spark::Error naming the file and what is wrong with it.
    void save(const std::string& path) const;
    static SpikeReplay load(const std::string& path);

private:
    std::int64_t steps_ = 0;
    // Per output: the spikes of every step, concatenated, and where each step's begin.
    struct Output {
        std::vector<std::uint32_t> spikes;
        std::vector<std::uint64_t> step_begin;  // steps_ + 1 entries once complete
    };
    std::map<std::string, Output> outputs_;  // by "node path:output name"
};

class ProcessGroup {
public:
    virtual ~ProcessGroup() = default;
    virtual int rank() const noexcept = 0;
    virtual int size() const noexcept = 0;
    // Collective: every process contributes `mine`; on return `all` holds every contribution in rank
    // order and `counts[r]` the bytes of rank r's.
    virtual void all_gather(std::span<const std::byte> mine, std::vector<std::byte>& all,
                            std::vector<std::size_t>& counts) = 0;
    // Collective, non-blocking where the transport allows it: start_all_gather() starts what all_gather()
    // does and finish_all_gather() completes it (`all` and `counts` must stay alive and untouched in
    // between; one at a time). Default: all_gather() at the start, nothing at the finish.
    virtual void start_all_gather(std::span<const std::byte> mine, std::vector<std::byte>& all,
                                  std::vector<std::size_t>& counts) {
        all_gather(mine, all, counts);
    }
    virtual void finish_all_gather() {}
    // Collective: every process contributes `mine`; on `root`, `all` holds every contribution in rank
    // order and `counts[r]` the bytes of rank r's; on the others `all` is empty and every count 0.
    // Default: all_gather(), the others then drop what they received.
    virtual void gather(std::span<const std::byte> mine, std::vector<std::byte>& all, std::vector<std::size_t>& counts,
                        int root) {
        all_gather(mine, all, counts);
        if (rank() == root) return;
        std::vector<std::byte>().swap(all);
        counts.assign(static_cast<std::size_t>(size()), 0);
    }
    // Collective: the bytes this process has sent and received through all_gather so far.
    std::uint64_t bytes_sent() const noexcept { return sent_; }
    std::uint64_t exchanges() const noexcept { return exchanges_; }
    // What the run's executor reports: the steps between two spike exchanges (the epoch: the shortest
    // latency of a wire from a process's units to another's, at least 1), how many spike exchanges it
    // made and the wall time spent waiting in them (blocking in the collective, or finishing it).
    std::size_t epoch_steps() const noexcept { return epoch_steps_; }
    std::uint64_t spike_exchanges() const noexcept { return spike_exchanges_; }
    double spike_exchange_seconds() const noexcept { return spike_exchange_seconds_; }
    void set_epoch_steps(std::size_t steps) noexcept { epoch_steps_ = steps; }
    // Whether a run may overlap each epoch's spike exchange with the next epoch's update (epochs of
    // half the shortest latency, when that is at least 2 steps) or must block at each epoch's end.
    bool overlap() const noexcept { return overlap_; }
    void set_overlap(bool overlap) noexcept { overlap_ = overlap; }
    // Whether a run may exchange spikes once per epoch (default) or must every step (comparisons).
    bool exchange_per_epoch() const noexcept { return per_epoch_; }
    void set_exchange_per_epoch(bool per_epoch) noexcept { per_epoch_ = per_epoch; }
    void count_spike_exchange(double seconds) noexcept {
        ++spike_exchanges_;
        spike_exchange_seconds_ += seconds;
    }
    // A dry run's spikes of the other ranks, or null (they stay silent).
    virtual const SpikeReplay* replay() const noexcept { return nullptr; }
    // A dry run: all_gather() returns this process's own contribution only.
    virtual bool plays_alone() const noexcept { return false; }

protected:
    void count_exchange(std::size_t bytes) noexcept {
        sent_ += bytes;
        ++exchanges_;
    }

private:
    std::uint64_t sent_ = 0, exchanges_ = 0, spike_exchanges_ = 0;
    std::size_t epoch_steps_ = 1;
    bool overlap_ = true, per_epoch_ = true;
    double spike_exchange_seconds_ = 0.0;
};

// One process playing rank `rank` of `size` alone: all_gather returns its own contribution and
// nothing from the others, so the process does the work and the sends of one rank of the larger run.
// The other ranks' units stay silent, or fire as in `replay` (their SpikeArray outputs; anything else
// they would send stays zero).
std::shared_ptr<ProcessGroup> dry_run_processes(int rank, int size, std::shared_ptr<const SpikeReplay> replay = nullptr);

// The contiguous block of `units` units that process `rank` of `size` owns: the population cut into
// lines of unit_block_grain units (a cache line of spike codes), dealt out in order, rank r taking
// lines [r L / R, (r+1) L / R). A function of the unit count and the process count only, the same for
// every node of that size. A component whose random streams cover larger blocks (a Poisson source's
// stream blocks) steps every block its share overlaps (Component::share_grain): nothing drawn depends
// on the process count.
using spark::unit_block_grain;
struct UnitBlock {
    std::size_t begin = 0, end = 0;
};
UnitBlock unit_block(std::size_t units, int rank, int size) noexcept;

}  // namespace spark::graph
