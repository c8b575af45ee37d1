#include <spark/components/synapses/kept_rows.hpp>

#include <algorithm>
#include <span>
#include <string>
#include <utility>

#include <spark/core/error.hpp>

namespace spark::components::synapses {

namespace {

// Reads one state array of a visit (a copy of its bytes), or writes one (from given bytes), leaving
// every other array as it is.
class OneArray final : public StateVisitor {
public:
    OneArray(std::string_view name, StateAccess access, std::span<const std::byte> put = {})
        : StateVisitor(access), name_(name), put_(put) {}
    void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
        if (name != name_) return;
        auto* bytes = static_cast<std::byte*>(data);
        if (writes()) std::copy_n(put_.data(), std::min(put_.size(), count * size_of(dtype)), bytes);
        else got.assign(bytes, bytes + count * size_of(dtype));
    }
    std::vector<std::byte> got;

private:
    std::string_view name_;
    std::span<const std::byte> put_;
};

template <class T>
std::span<const std::byte> bytes_of(const std::vector<T>& v) {
    return std::as_bytes(std::span<const T>(v));
}

template <class T>
void append(std::vector<std::byte>& out, std::span<const T> values) {
    const auto bytes = std::as_bytes(values);
    out.insert(out.end(), bytes.begin(), bytes.end());
}

// (`to` may be the null data() of an empty vector: std::copy, as memcpy must not be given null)
template <class T>
void read(const std::byte*& from, T* to, std::size_t count) {
    std::copy(from, from + count * sizeof(T), reinterpret_cast<std::byte*>(to));
    from += count * sizeof(T);
}

// Rows [begin, end) of `rows` and their delays.
SparseRows slice(const SparseRows& rows, const std::vector<std::int32_t>& delays, std::size_t begin, std::size_t end,
                 std::vector<std::int32_t>& sliced_delays) {
    SparseRows out;
    out.rows = end - begin;
    out.cols = rows.cols;
    const std::uint64_t first = rows.row_start[begin], last = rows.row_start[end];
    for (std::size_t p = begin; p <= end; ++p) out.row_start.push_back(rows.row_start[p] - first);
    out.col.assign(rows.col.begin() + static_cast<std::ptrdiff_t>(first), rows.col.begin() + static_cast<std::ptrdiff_t>(last));
    out.value.assign(rows.value.begin() + static_cast<std::ptrdiff_t>(first),
                     rows.value.begin() + static_cast<std::ptrdiff_t>(last));
    sliced_delays.clear();
    if (!delays.empty())
        sliced_delays.assign(delays.begin() + static_cast<std::ptrdiff_t>(first),
                             delays.begin() + static_cast<std::ptrdiff_t>(last));
    return out;
}

}  // namespace

std::vector<float> KeptRows::kernel_values_of(SparseRows rows, const std::vector<std::int32_t>& delays,
                                              std::size_t n_pre, const ConfigWhere& where) const {
    SynapseMatrix matrix;
    matrix.build_sparse(n_post_, n_pre, std::move(rows), delays, delay_steps_, where, /*ring=*/false);
    OneArray values("kernel_values", StateAccess::read);
    matrix.visit_state(values);
    std::vector<float> kernel_values(values.got.size() / sizeof(float));
    std::copy(values.got.begin(), values.got.end(), reinterpret_cast<std::byte*>(kernel_values.data()));
    return kernel_values;
}

SparseRows KeptRows::all_rows(const SynapseMatrix& own, ShareExchange& exchange,
                              std::vector<std::int32_t>& delays) const {
    // This process's part: row count, nonzeros, row lengths, columns, values[, delays].
    std::vector<std::int32_t> own_delays;
    const SparseRows mine = own.sparse_rows(own_delays);
    std::vector<std::byte> part;
    const std::uint64_t header[2] = {mine.rows, mine.nonzeros()};
    append(part, std::span<const std::uint64_t>(header));
    std::vector<std::uint32_t> lengths(mine.rows);
    for (std::size_t p = 0; p < mine.rows; ++p)
        lengths[p] = static_cast<std::uint32_t>(mine.row_start[p + 1] - mine.row_start[p]);
    append(part, std::span<const std::uint32_t>(lengths));
    append(part, std::span<const std::uint32_t>(mine.col));
    append(part, std::span<const float>(mine.value));
    append(part, std::span<const std::int32_t>(own_delays));
    std::vector<std::byte> all;
    std::vector<std::size_t> counts;
    exchange.all_gather(part, all, counts);
    std::vector<std::byte>().swap(part);
    if (!exchange.receives()) return {};  // (gathered to another process)

    SparseRows rows;
    rows.rows = n_post_;
    rows.cols = own.n_pre();
    rows.row_start.reserve(n_post_ + 1);
    rows.row_start.push_back(0);
    rows.col.reserve(whole_nonzeros_);
    rows.value.reserve(whole_nonzeros_);
    delays.clear();
    const bool delayed = delay_steps_ != 0;
    const std::byte* at = all.data();
    for (std::size_t count : counts) {
        if (count == 0) continue;
        std::uint64_t h[2];
        read(at, h, 2);
        std::vector<std::uint32_t> row_lengths(h[0]);
        read(at, row_lengths.data(), h[0]);
        for (std::uint32_t length : row_lengths) rows.row_start.push_back(rows.row_start.back() + length);
        const std::size_t first = rows.col.size();
        rows.col.resize(first + h[1]);
        rows.value.resize(first + h[1]);
        read(at, rows.col.data() + first, h[1]);
        read(at, rows.value.data() + first, h[1]);
        if (delayed) {
            delays.resize(first + h[1]);
            read(at, delays.data() + first, h[1]);
        }
    }
    if (rows.row_start.size() != n_post_ + 1 || rows.nonzeros() != whole_nonzeros_)
        throw Error("the processes' synapse rows add up to " + std::to_string(rows.row_start.size() - 1) + " rows and " +
                    std::to_string(rows.nonzeros()) + " synapses, not the group's " + std::to_string(n_post_) +
                    " and " + std::to_string(whole_nonzeros_));
    return rows;
}

void KeptRows::gather(SynapseMatrix& own, ShareExchange& exchange, const ConfigWhere& where) {
    // Every process takes part whenever asked (the caller knows when the state is whole: a gather to
    // one process left the others without it).
    if (!exchange.complete()) return;
    release();
    Whole whole;
    {
        std::vector<std::int32_t> delays;
        SparseRows rows = all_rows(own, exchange, delays);
        if (exchange.receives()) whole.kernel_values = kernel_values_of(std::move(rows), delays, own.n_pre(), where);
    }
    if (delay_steps_ != 0) {
        // (A block without synapses keeps no spikes in flight: it sends none.)
        OneArray codes("delay_spikes", StateAccess::read);
        own.visit_state(codes);
        std::vector<std::byte> all;
        std::vector<std::size_t> counts;
        exchange.all_gather(codes.got, all, counts);
        if (!exchange.receives()) return;
        whole.delay_spikes.assign(delay_steps_ * own.n_pre(), 0);
        for (std::size_t offset = 0; offset < all.size(); ++offset)
            whole.delay_spikes[offset % whole.delay_spikes.size()] |= static_cast<std::uint8_t>(all[offset]);
    }
    if (exchange.receives()) whole_ = std::move(whole);
}

void KeptRows::scatter(SynapseMatrix& own, ShareExchange& exchange, const ConfigWhere& where) {
    if (!whole_ || !whole_->written) return release();
    std::vector<std::int32_t> delays, block_delays;
    SparseRows block;
    {
        SparseRows rows = all_rows(own, exchange, delays);
        SynapseMatrix matrix;
        matrix.build_sparse(n_post_, own.n_pre(), std::move(rows), delays, delay_steps_, where, /*ring=*/false);
        OneArray values("kernel_values", StateAccess::write, bytes_of(whole_->kernel_values));
        matrix.visit_state(values);
        rows = matrix.sparse_rows(delays);
        block = slice(rows, delays, block_.begin, block_.end, block_delays);
    }
    own.build_sparse(block_.end - block_.begin, own.n_pre(), std::move(block), block_delays, delay_steps_, where);
    if (own.splits_rows()) {
        OneArray codes("delay_spikes", StateAccess::write, bytes_of(whole_->delay_spikes));
        own.visit_state(codes);
    }
    release();
}

void KeptRows::visit_state(SynapseMatrix& own, StateVisitor& v) {
    if (!whole_) return own.visit_state(v);  // not gathered (the build's initial state, a dry run)
    v("kernel_values", whole_->kernel_values);
    if (delay_steps_ != 0) v("delay_spikes", whole_->delay_spikes, valid_spike_codes);
    if (v.writes()) whole_->written = true;
}

}  // namespace spark::components::synapses
