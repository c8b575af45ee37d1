#pragma once
// KeptRows: a synapse group that keeps the synapses onto a block of its targets only (a process of a
// run over several processes keeps those onto its own units: BuildContext::processes), and makes that
// state the whole group's for a state visit.
//
// The group's SynapseMatrix then holds rows [begin, end) of the whole kernel (target p at row
// p - begin), drawn as the whole kernel is (every row drawn, the block's kept), so its deliveries give
// the block's targets the whole matrix's sums, and its spikes in flight only the block's records.
// The whole state ("kernel_values" in the whole matrix's storage order, "delay_spikes") is what one
// process holds: gather() collects every process's rows and rebuilds the whole matrix's storage from
// them (SynapseMatrix::sparse_rows, build_sparse), so that its order is the one a whole build gives;
// the spikes in flight of the whole matrix are those in flight in any block (a spike stays in flight
// while a synapse of its is still ahead). scatter() maps a written whole state back to the block.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <spark/components/synapses/synapse_matrix.hpp>
#include <spark/core/component.hpp>

namespace spark::components::synapses {

class KeptRows {
public:
    KeptRows() = default;
    // Rows [block.begin, block.end) of a kernel of n_post rows and `whole_nonzeros` nonzeros, with
    // delays of up to `delay_steps` steps (0: none; a block without synapses has no delays of its own).
    KeptRows(UnitShare block, std::size_t n_post, std::size_t whole_nonzeros, std::size_t delay_steps)
        : kept_(true), block_(block), n_post_(n_post), whole_nonzeros_(whole_nonzeros), delay_steps_(delay_steps) {}

    bool kept() const noexcept { return kept_; }
    UnitShare block() const noexcept { return block_; }

    // Collective: the whole state, visitable until release() (a dry run, which receives its own rows
    // only, and a process whose exchange gathers to another leave the block's own state visitable).
    void gather(SynapseMatrix& own, ShareExchange& exchange, const ConfigWhere& where);
    // Collective: after a writing visit of the whole state, the block's part of it into `own`.
    void scatter(SynapseMatrix& own, ShareExchange& exchange, const ConfigWhere& where);
    // The whole state when gathered (or being written), else the block's own.
    void visit_state(SynapseMatrix& own, StateVisitor& v);
    void release() noexcept { whole_.reset(); }

private:
    // The whole kernel's stored values (the one-process storage order) from every process's rows.
    std::vector<float> kernel_values_of(SparseRows rows, const std::vector<std::int32_t>& delays, std::size_t n_pre,
                                        const ConfigWhere& where) const;
    // Every process's rows, in rank order: the whole kernel as compressed rows, and its delays (on a
    // process whose exchange gathers to another: nothing).
    SparseRows all_rows(const SynapseMatrix& own, ShareExchange& exchange, std::vector<std::int32_t>& delays) const;

    struct Whole {
        std::vector<float> kernel_values;        // in the whole matrix's storage order
        std::vector<std::uint8_t> delay_spikes;  // [B x n_pre], with delays
        bool written = false;
    };
    bool kept_ = false;
    UnitShare block_;
    std::size_t n_post_ = 0, whole_nonzeros_ = 0, delay_steps_ = 0;
    std::optional<Whole> whole_;
};

}  // namespace spark::components::synapses
