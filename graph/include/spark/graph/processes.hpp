#pragma once
// Running one simulation over several processes (one machine or many): each process steps a share of
// the units of every node that can be split (Component::share_units: somas, Poisson sources, synapse
// groups by target) and all of every other node, and after a node's step the processes gather the
// outputs that other shares read (spikes as a list of the units whose code changed). A run on R
// processes gives the spikes and the state of a run on one, bit for bit.
//
// ProcessGroup is the transport, without any MPI type: spark_mpi (spark/mpi/mpi.hpp) provides the MPI
// one; dry_run_processes() lets one process play one rank of a larger run (the other ranks contribute
// nothing), to measure the per-rank cost and the exchange volume of a run too large for this machine.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace spark::graph {

class ProcessGroup {
public:
    virtual ~ProcessGroup() = default;
    virtual int rank() const noexcept = 0;
    virtual int size() const noexcept = 0;
    // Collective: every process contributes `mine`; on return `all` holds every contribution in rank
    // order and `counts[r]` the bytes of rank r's.
    virtual void all_gather(std::span<const std::byte> mine, std::vector<std::byte>& all,
                            std::vector<std::size_t>& counts) = 0;
    // Collective: the bytes this process has sent and received through all_gather so far.
    std::uint64_t bytes_sent() const noexcept { return sent_; }
    std::uint64_t exchanges() const noexcept { return exchanges_; }

protected:
    void count_exchange(std::size_t bytes) noexcept {
        sent_ += bytes;
        ++exchanges_;
    }

private:
    std::uint64_t sent_ = 0, exchanges_ = 0;
};

// One process playing rank `rank` of `size` alone: all_gather returns its own contribution and
// nothing from the others (their units stay silent), so the process does the work and the sends of
// one rank of the larger run.
std::shared_ptr<ProcessGroup> dry_run_processes(int rank, int size);

// The contiguous block of `units` units that process `rank` of `size` owns: the population cut into
// lines of unit_block_grain units (a cache line of spike codes), dealt out in order, rank r taking
// lines [r L / R, (r+1) L / R). A function of the unit count and the process count only, the same for
// every node of that size. A component whose random streams cover larger blocks (a Poisson source's
// stream blocks) steps every block its share overlaps (Component::share_grain): nothing drawn depends
// on the process count.
inline constexpr std::size_t unit_block_grain = 64;
struct UnitBlock {
    std::size_t begin = 0, end = 0;
};
UnitBlock unit_block(std::size_t units, int rank, int size) noexcept;

}  // namespace spark::graph
