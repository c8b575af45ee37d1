#pragma once
// SynapseMatrix: the connectivity of a synapse group and its event-driven delivery (design.md,
// "Performance stance"; issue 5).
//
// Holds the kernel K[post, pre] (post dims first, flattened to n_post x n_pre) in one of two layouts:
//   dense   the row-major kernel itself (the live `kernel` property; needed by plasticity);
//   sparse  the nonzeros only, in segments (presynaptic column, chunk of targets), column-major so
//           that a presynaptic unit's synapses are contiguous, targets increasing inside a segment (by
//           delay first, with delays). A synapse is one byte-packed record: weight (float32) + target
//           offset inside the chunk (uint16) [+ delay in steps (uint8 when B <= 255, else uint16)],
//           plus one uint32 start per segment. That is 6 bytes per synapse (7 with delays up to 255
//           steps) plus at most ~1 byte of segment starts. When every stored weight is the same (a
//           constant-weight group, e.g. sparse_constant_initializer), it is kept once and a synapse
//           costs 2 bytes (3 with delays): the float32 products K s are the same, and a later kernel
//           change with unequal weights stores them per synapse again. (Brian2 likewise keeps a shared
//           constant weight such as CUBA's `we` once.) Without delays a chunk is the population's
//           task_length (core/parallel.hpp: the split every per-unit loop uses, so a thread delivers
//           into the targets whose soma it also updates), with delays as long as possible (65536
//           targets); larger only when the segment starts would cost more than ~1 byte per synapse.
//           The records of a large group are on huge pages (core/huge_pages.hpp): the delivery reads
//           them at scattered places, and 4 KB pages would make nearly every such read miss the TLB.
// and, optionally, one delay per synapse (1..B steps): a spike of step t reaches the target's input of
// step t + d (never a per-synapse spike buffer).
//   dense   a ring of B+1 slots of per-target input: each spike adds K s into the slot it arrives in, so
//           the weight is read when the spike is emitted (a kernel change spares spikes in flight).
//   sparse  each segment is sorted by delay (targets increasing within a delay), and every spiking
//           unit leaves one spike in flight per chunk: a cursor into its segment that, at step t + d,
//           delivers the synapses of delay d and moves on. Each synapse is read once, when its spike
//           arrives, so the weight is the one of the delivery step (as in the original's delays ->
//           synapses chain, and Brian2's on_pre), and nothing is written per event but the target's
//           input (a pending input per event scheduled into an arrival slot cost ~2.5x more memory
//           traffic on the microcircuit). The spikes in flight cost 20 bytes each per chunk.
// A target's input is the sum of its events in the order (emission step, presynaptic unit, storage
// order) either way.
//
// Delivery per step: the caller lists the spiking presynaptic units once, then every task (a fixed
// range of targets) adds, for each spiking unit in increasing index order, its column into the targets
// of the task (on one thread, accumulate_all() goes spike by spike over all chunks: one contiguous
// stream per spiking unit, the same sums). Cost ~ spikes x fan-out. Every target's sum is formed by one task in increasing
// presynaptic order, so the result does not depend on the task partition or the thread count, and it is
// bit-identical to the literal dense sum sum_j K[p, j] s_j in j order (adding K * 0 = +-0 changes nothing).
// The chunk length is a function of the problem size only (never of the thread count).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include <spark/core/config.hpp>
#include <spark/core/huge_pages.hpp>
#include <spark/core/parallel.hpp>
#include <spark/core/sparse.hpp>
#include <spark/core/state.hpp>

namespace spark {
class ShareExchange;
}

namespace spark::components::synapses {

enum class Layout : std::uint8_t { dense, sparse };

// A spike in flight through one chunk (sparse layout with delays): the synapses of its segment not yet
// delivered, [next, end), sorted by delay; the step it was emitted in, its unit and its signed value.
struct SpikeInFlight {
    std::uint32_t next, end;
    std::uint32_t emitted;  // step counter (wraps; only differences are used)
    std::uint32_t unit;
    float sign;
};

// Memory of a synapse group. `synapses` is the number of stored synapses: every (post, pre) pair for the
// dense layout, the nonzeros for the sparse one.
struct MemoryUsage {
    std::size_t synapses = 0;
    std::size_t connectivity_bytes = 0;  // weights, indices, column starts, per-synapse delays
    std::size_t state_bytes = 0;         // traces, delay rings, scratch (per target or per synapse)
    // Connectivity bytes per stored synapse (what a sparse, fixed-weight network pays per synapse).
    double bytes_per_synapse() const noexcept {
        return synapses == 0 ? 0.0 : static_cast<double>(connectivity_bytes) / static_cast<double>(synapses);
    }
};

// Bytes per stored synapse of a layout with per-synapse weights, before any column-start overhead: dense
// 4 (+1/2 with delays, counted per pair), sparse 6 (+1/2 with delays); a sparse group whose weights are
// all equal needs 4 bytes less. `delay_steps` = B, 0 for no delays.
double bytes_per_synapse(Layout layout, std::size_t delay_steps) noexcept;

class SynapseMatrix {
public:
    // Targets per task in the dense layout (any length gives the same numbers; this one balances the
    // per-task overhead against parallelism).
    static constexpr std::size_t dense_rows_per_task = 256;
    // ... and at most about this many synapses per task, in tasks of equal length (a small group with
    // long rows splits over two threads).
    static constexpr std::size_t dense_synapses_per_task = 65536;
    // A smaller group with at least twice this many synapses still splits into two tasks, so that two
    // threads share it.
    static constexpr std::size_t dense_synapses_per_half = 16384;

    // `kernel`: n_post x n_pre row-major. `delays`: empty, or one per synapse in 1..delay_steps.
    // `ring`: keep the spikes in flight (false when the caller delays spikes itself and only needs
    // delay_of()). Throws ConfigError (naming `where`) if a sparse kernel has more than 2^32 - 1
    // nonzeros.
    void build(Layout layout, std::size_t n_post, std::size_t n_pre, std::vector<float> kernel,
               std::span<const std::int32_t> delays, std::size_t delay_steps, const ConfigWhere& where,
               bool ring = true);

    // The sparse layout straight from compressed rows (rows = targets, cols = presynaptic units), as
    // initialize_sparse() draws them: never allocates n_post x n_pre. `delays`: empty, or one per
    // nonzero in storage order. Gives the same storage as build(Layout::sparse, ...) of the dense kernel.
    void build_sparse(std::size_t n_post, std::size_t n_pre, SparseRows kernel, std::span<const std::int32_t> delays,
                      std::size_t delay_steps, const ConfigWhere& where, bool ring = true);
    // A sparse kernel drawn in column blocks, each from streams of its own (SparseRowDraw's parts): every
    // block's columns of every row, and its values drawn while the records are written.
    struct DrawnBlocks {
        std::vector<std::size_t> firsts;                   // block b: columns [firsts[b], firsts[b + 1] or n_pre)
        std::vector<SparseRowDraw::PartColumns> columns;   // per block (SparseRowDraw::draw_columns)
        std::optional<float> uniform_weight;               // every weight, when known before the draw
        // Whether the blocks' values may be drawn concurrently (else all of them row by row, blocks in
        // order within a row: the order of one stream across blocks).
        bool independent = true;
        // The weights and the delays in steps (empty without delays) of block b's next row with
        // nonzeros, whose columns are `cols`: called for each block row by row, in row order.
        std::function<void(std::size_t b, std::span<const std::uint32_t> cols, std::span<float> weights,
                           std::span<std::uint16_t> delays)>
            values;
        std::size_t nonzeros() const noexcept;
    };
    // build_sparse() of the compressed rows that `blocks` draws (delays in 1..delay_steps, 0 = none),
    // written straight into the records: the blocks are drawn and written as tasks of `parallel` when
    // independent. The same storage as build_sparse() of the same draws, on any thread count; an error
    // thrown by `values` is the one of the first block (in order) that threw.
    void build_sparse_blocks(std::size_t n_post, std::size_t n_pre, DrawnBlocks blocks, std::size_t delay_steps,
                             const ConfigWhere& where, Parallel& parallel, bool ring = true);

    Layout layout() const noexcept { return layout_; }
    std::size_t n_post() const noexcept { return n_post_; }
    std::size_t n_pre() const noexcept { return n_pre_; }
    std::size_t delay_steps() const noexcept { return delay_steps_; }  // B, 0 = no delays
    std::size_t synapse_count() const noexcept;
    std::size_t chunk_length() const noexcept { return chunk_; }  // targets per task
    // Sparse layout: whether the stored weights are all equal (kept as one value).
    bool uniform_weights() const noexcept { return uniform_; }

    // The fixed partition of the targets into tasks.
    std::size_t task_count() const noexcept { return tasks_; }
    std::pair<std::size_t, std::size_t> task_range(std::size_t task) const noexcept {
        const std::size_t begin = task * chunk_;
        return {begin, begin + chunk_ < n_post_ ? begin + chunk_ : n_post_};
    }

    // Writes this step's synaptic input of every target p of `task` into the task's slice x (target p at
    // x[p - begin], begin = task_range(task).first):
    //     x[p - begin] = sum_j K[p, j] s_j(t - d[p, j])      (d = 0 without delays)
    // given the spiking units `spiking` (increasing) and their signed values `sign` (+-1) of this step.
    // With delays it also puts this step's spikes in flight. Safe to run tasks concurrently.
    void accumulate(std::size_t task, std::span<const std::uint32_t> spiking, std::span<const float> sign,
                    float* x) noexcept;
    // Whether a task can be stepped for a share of its targets (accumulate_rows): the dense layout
    // (each target's input is its own row's sum, and with delays its own column of the ring), and the
    // sparse layout with delays, whose spikes in flight do not depend on which targets are delivered.
    bool splits_rows() const noexcept { return in_flight_kept_ || layout_ == Layout::dense; }
    // accumulate() for the targets [lo, hi) of the task only (x[p - lo]; may be empty, x then unused):
    // the same values for them, and with spikes in flight every spike moves through the task as in
    // accumulate(), so they are those of the whole task. Only when splits_rows().
    void accumulate_rows(std::size_t task, std::span<const std::uint32_t> spiking, std::span<const float> sign,
                         float* x, std::size_t lo, std::size_t hi) noexcept;
    // The same for per-synapse input codes [n_post x n_pre] (already delayed; no ring). The dense layout
    // reads only the arrivals when the codes' spike index is fresh (the same sums, in the same order).
    void accumulate_per_synapse(std::size_t task, ConstArrayRef spikes, float* x) const noexcept {
        accumulate_per_synapse(task, task + 1, spikes, x);
    }
    // The tasks [first, last) at once into their targets' slice x (target p at x[p - task_range(first).first]):
    // for one thread, one walk of the dense layout's arrivals instead of one per task.
    void accumulate_per_synapse(std::size_t first, std::size_t last, ConstArrayRef spikes, float* x) const noexcept;
    // The dense layout's accumulate_per_synapse() for the targets [begin, end) (x[p - begin]): each
    // target's sum is its own row's, so any range of them gives the values of the whole.
    void accumulate_per_synapse_rows(ConstArrayRef spikes, float* x, std::size_t begin, std::size_t end) const noexcept;
    // All tasks of a step at once into x[0, n_post), spike by spike (one contiguous stream per spiking
    // column): the same values as accumulate() of every task into its slice. For the serial case.
    void accumulate_all(std::span<const std::uint32_t> spiking, std::span<const float> sign, float* x) noexcept;
    // After all tasks of a step: the next step (advances the ring, ages the spikes in flight).
    void advance() noexcept;
    // With delays: the shortest delay of the stored synapses (sparse: B when none are stored; dense:
    // every element's, zero weights included, as drawn at build).
    std::size_t shortest_delay() const noexcept;
    // Sparse with delays (splits_rows()): the spikes of a step `steps_late` steps before the next one put
    // in flight as that step's accumulate() would have (no synapse may have arrived meanwhile:
    // steps_late <= the shortest delay), after the spikes already in flight.
    void put_in_flight_late(std::span<const std::uint32_t> spiking, std::span<const float> sign,
                            std::size_t steps_late);
    // Dense with the ring: the same for the targets [lo, hi): the spikes added into their columns of the
    // ring's slots as that step's accumulate() would have added them (each slot it arrives in is still
    // ahead when steps_late <= the shortest delay), after the spikes added so far.
    void add_to_ring_late(std::span<const std::uint32_t> spiking, std::span<const float> sign, std::size_t steps_late,
                          std::size_t lo, std::size_t hi) noexcept;
    bool has_ring() const noexcept { return !ring_.empty(); }

    // Dense layout only: the live kernel, a row of it, and the delay of synapse p * n_pre + j.
    std::span<float> dense_kernel() noexcept { return kernel_; }
    // Dense layout: hands the memory pages that hold only rows outside [begin, end) of the kernel and of
    // its delays back to the system (they read as zeros until written again), for a process that steps only those targets and has
    // the others' rows gathered before any whole read (Component::share_units). Linux; elsewhere a no-op.
    void release_rows_outside(std::size_t begin, std::size_t end) noexcept;
    // Dense layout with delays, each process stepping its block of targets (unit_block_share): every
    // block's columns of the ring gathered from its process (collective), so that the ring is whole.
    void gather_ring_columns(ShareExchange& exchange);
    const float* kernel_row(std::size_t post) const noexcept { return kernel_.data() + post * n_pre_; }
    std::size_t delay_of(std::size_t synapse) const noexcept {
        return delay_steps_ <= 255 ? delay8_[synapse] : delay16_[synapse];
    }

    // Sparse layout: the stored synapses as compressed rows (targets; columns increasing) and their delays
    // (one per nonzero, in the same order; empty without delays): what build_sparse() builds this from.
    SparseRows sparse_rows(std::vector<std::int32_t>& delays) const;

    // The kernel as a dense n_post x n_pre array (any layout).
    void copy_dense(std::span<float> out) const noexcept;
    // Overwrites the weights from a dense kernel. The sparse layout keeps its nonzero pattern: a new
    // nonzero outside it throws ConfigError (naming `where`) and changes nothing.
    void set_kernel(std::span<const float> dense, const ConfigWhere& where);

    void reset() noexcept;  // drops the spikes in flight
    // "kernel" (dense, f32 [n_post x n_pre]) or "kernel_values" (sparse, f32 [nonzeros], in storage
    // order); with delays, dense: "delay_ring" (f32 [(B+1) x n_post]) and "delay_ring_index" (i32); sparse:
    // "delay_spikes" (u8 [B x n_pre]: row a holds the spike codes of the step a steps before the last one,
    // the spikes still in flight). A read visit changes nothing; the spikes in flight are rebuilt from
    // the codes only after a writing visit.
    void visit_state(StateVisitor& v);

    std::size_t connectivity_bytes() const noexcept;
    std::size_t state_bytes() const noexcept;

private:
    // Dense layout without delays: x[p - begin] = sum_k K[p, spiking[k]] sign[k] for p in [begin, end).
    void accumulate_dense(std::span<const std::uint32_t> spiking, std::span<const float> sign, float* x,
                          std::size_t begin, std::size_t end) const noexcept;
    // Sparse layout: segment (j, c) = the synapses of presynaptic unit j onto chunk c.
    std::uint32_t segment_begin(std::size_t j, std::size_t c) const noexcept { return column_start_[j * tasks_ + c]; }
    std::uint32_t segment_size(std::size_t j, std::size_t c) const noexcept {
        return column_start_[j * tasks_ + c + 1] - column_start_[j * tasks_ + c];
    }
    // Sets the layout and sizes and clears the storage of a previous build.
    void begin_build(Layout layout, std::size_t n_post, std::size_t n_pre, std::size_t delay_steps);
    // Sparse layout: the records of the stored synapses from their weights, target offsets and delays
    // (none, or one per synapse), in storage order; the weight is kept once when they are all equal.
    void pack(std::span<const float> weights, std::span<const std::uint16_t> targets,
              std::span<const std::uint16_t> delays);
    // Sparse layout: new weights for the stored synapses (targets and delays unchanged).
    void store_weights(std::span<const float> weights);
    // Sparse layout: store_weights() unless every weight is bit for bit the stored one.
    void store_weights_if_changed(std::span<const float> weights);
    // Sparse layout: the fields of stored synapse e, and the bytes of a record.
    float stored_weight(std::uint32_t e) const noexcept;
    std::uint16_t stored_target(std::uint32_t e) const noexcept;
    std::size_t stored_delay(std::uint32_t e) const noexcept;
    std::size_t record_bytes() const noexcept;
    // Calls f with the record format of the sparse layout (an empty object; see the source).
    template <class F>
    void with_records(F&& f) const;
    // Sets chunk_, column_start_ and the records from compressed rows.
    // `row_delays(cols, k0, k1)`: the delays of nonzeros [k0, k1) (one row; cols = rows.col), called once per row in row order;
    // unused without delays (delay_steps_ 0).
    template <class RowDelaysOf>
    void fill_sparse(SparseRows rows, RowDelaysOf&& row_delays, const ConfigWhere& where);
    // Sets chunk_ and column_start_ for `nonzeros` nonzeros, and counts each segment's synapses: count(chunks)
    // adds them into column_start_[j chunks + c + 1]; then the prefix sum.
    template <class Count>
    void count_segments(std::size_t nonzeros, const ConfigWhere& where, Count&& count);
    // build_sparse_blocks(): the records of the blocks [b0, b1) (their columns' segments), drawn row by
    // row; whether all their weights are equal, and the first.
    template <class R>
    std::pair<bool, std::optional<float>> fill_blocks(DrawnBlocks& blocks, std::size_t b0, std::size_t b1,
                                                      std::size_t chunks);
    // Writes the record of every synapse of `rows` at its place in its segment (records_ sized, column_start_ set).
    template <class R, class RowDelaysOf>
    void fill_records(const SparseRows& rows, RowDelaysOf& row_delays, std::size_t chunks);
    // The ring (dense) or the lists of spikes in flight (sparse) of the delays, when `ring`.
    void allocate_pending(bool ring);
    // Sparse layout: puts the spike (unit, sign) emitted at step `emitted` in flight in every chunk where
    // it has synapses of delay > `delivered` (0 for a spike of this step; more after a snapshot load).
    void put_in_flight(std::uint32_t unit, float sign, std::uint32_t emitted, std::size_t delivered);
    // Sparse with delays: the spikes in flight as codes [B x n_pre] (row a: emitted a + 1 steps ago), and back.
    std::vector<std::uint8_t> in_flight_codes() const;
    void put_in_flight_from(std::span<const std::uint8_t> codes);

    Layout layout_ = Layout::dense;
    std::size_t n_post_ = 0, n_pre_ = 0, delay_steps_ = 0, chunk_ = 1, tasks_ = 0;
    std::vector<float> kernel_;                  // dense: the kernel
    std::vector<std::uint8_t> delay8_;           // dense: per synapse, when B <= 255
    std::vector<std::uint16_t> delay16_;         // dense: per synapse, when B > 255
    std::size_t dense_shortest_delay_ = 0;       // dense: the least of delay8_ / delay16_ (kept: their
                                                 // pages outside a share's rows may be released)
    // Sparse: one record per stored synapse, in segment order, byte-packed:
    //     [weight f32, unless uniform_] target offset inside its chunk u16 [delay: u8 if B <= 255, else u16]
    LargeArray<std::byte> records_;  // on huge pages when large: read at scattered places every step
    std::size_t nonzeros_ = 0;
    bool uniform_ = false;                       // sparse: every stored weight equals uniform_weight_
    float uniform_weight_ = 0.0f;
    std::vector<std::uint32_t> column_start_;    // sparse: [n_pre x chunks + 1] segment starts (in records)
    std::vector<float> ring_;                    // dense: [(B+1) x n_post] per-target input of the next B steps
    std::int32_t ring_index_ = 0;                // dense: the slot of this step
    bool in_flight_kept_ = false;                // sparse with delays, when `ring`
    std::vector<std::vector<SpikeInFlight>> in_flight_;  // sparse: per task, in emission order
    std::uint32_t step_ = 0;                     // sparse: steps since build or reset (wraps)
};

}  // namespace spark::components::synapses
