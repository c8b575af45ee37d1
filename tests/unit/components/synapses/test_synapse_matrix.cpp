// SynapseMatrix: layouts, the fixed task partition (results independent of the thread count) and the
// memory per synapse.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <bit>
#include <cstring>
#include <span>

#include <spark/components/synapses/linear_synapses.hpp>
#include <spark/components/synapses/rd_traced_synapses.hpp>
#include <spark/components/synapses/synapse_matrix.hpp>
#include <spark/components/synapses/traced_synapses.hpp>

#include "synapse_test_util.hpp"

using namespace spark;
using namespace spark::components::synapses;
using namespace spark::testing;

namespace {
// Task t of m into its slice of the whole-population array x.
void accumulate_task(SynapseMatrix& m, std::size_t t, std::span<const std::uint32_t> spiking,
                     std::span<const float> sign, std::vector<float>& x) {
    m.accumulate(t, spiking, sign, x.data() + m.task_range(t).first);
}
const ConfigWhere kWhere{"LinearSynapses", "s"};
}

TEST_CASE("SynapseMatrix dense layout splits into tasks of at most 65536 synapses and into two from 32768",
          "[synapses]") {
    const auto tasks = [](std::size_t n_post, std::size_t n_pre) {
        SynapseMatrix m;
        m.build(Layout::dense, n_post, n_pre, std::vector<float>(n_post * n_pre, 1.0f), {}, 0, kWhere);
        return std::make_pair(m.task_count(), m.task_range(0));
    };
    CHECK(tasks(256, 832) == std::make_pair(std::size_t{4}, std::make_pair(std::size_t{0}, std::size_t{64})));
    CHECK(tasks(64, 768) == std::make_pair(std::size_t{2}, std::make_pair(std::size_t{0}, std::size_t{32})));
    CHECK(tasks(64, 512) == std::make_pair(std::size_t{2}, std::make_pair(std::size_t{0}, std::size_t{32})));
    CHECK(tasks(64, 511).first == 1);  // 32704 synapses
    CHECK(tasks(1, 40000).first == 1);  // one row does not split
}

TEST_CASE("SynapseMatrix sparse layout: several target chunks, same sums as dense", "[synapses]") {
    // 40000 targets: 4 chunks of 10000 targets in the sparse layout (task_length), 157 tasks of 256 in
    // the dense one.
    constexpr std::size_t P = 40000, N = 50;
    std::vector<float> kernel(P * N, 0.0f);
    for (std::size_t i = 0; i < kernel.size(); ++i)
        if (i % 7 == 0 || i % 11 == 0) kernel[i] = 0.125f * static_cast<float>(1 + i % 13);
    SynapseMatrix dense, sparse;
    dense.build(Layout::dense, P, N, kernel, {}, 0, kWhere);
    sparse.build(Layout::sparse, P, N, kernel, {}, 0, kWhere);
    CHECK(sparse.chunk_length() == 10000);
    CHECK(sparse.task_count() == 4);
    CHECK(sparse.task_range(3) == std::make_pair(std::size_t{30000}, std::size_t{40000}));
    CHECK(dense.task_count() == 157);
    std::size_t nonzeros = 0;
    for (float w : kernel) nonzeros += w != 0.0f;
    CHECK(sparse.synapse_count() == nonzeros);
    CHECK(dense.synapse_count() == P * N);
    std::vector<float> copy(P * N);
    sparse.copy_dense(copy);
    CHECK(copy == kernel);

    const std::vector<std::uint32_t> spiking{0, 3, 17, 49};
    const std::vector<float> sign{1.0f, -1.0f, 1.0f, -1.0f};
    std::vector<float> a(P, -1.0f), b(P, -1.0f);
    for (std::size_t t = 0; t < dense.task_count(); ++t) accumulate_task(dense, t, spiking, sign, a);
    for (std::size_t t = 0; t < sparse.task_count(); ++t) accumulate_task(sparse, t, spiking, sign, b);
    for (std::size_t p = 0; p < P; ++p) {
        float expected = 0.0f;
        for (std::size_t k = 0; k < spiking.size(); ++k) expected += kernel[p * N + spiking[k]] * sign[k];
        REQUIRE(a[p] == expected);
        REQUIRE(b[p] == expected);
    }
}

namespace {
// The spiking units of `codes`, increasing, and their signed values: what a synapse group lists.
struct SpikeList {
    std::vector<std::uint32_t> spiking;
    std::vector<float> sign;
};
SpikeList spike_list(const std::vector<std::uint8_t>& codes) {
    SpikeList list;
    for (std::size_t j = 0; j < codes.size(); ++j)
        if (codes[j] & spike::bit) {
            list.spiking.push_back(static_cast<std::uint32_t>(j));
            list.sign.push_back(spike::signed_value(codes[j]));
        }
    return list;
}

// Runs `steps` steps of random spikes through two matrices built from the same kernel, then B quiet steps
// until no spike is in flight, and requires the same x every step (with delays, each matrix keeps its own
// spikes in flight; the quiet steps let a later kernel change meet no spike in flight, which the dense
// layout weighs at emission and the sparse one at delivery).
void require_same_deliveries(SynapseMatrix& a, SynapseMatrix& b, std::size_t n_pre, int steps, std::uint32_t seed) {
    SpikeSource source(n_pre, 0.1, seed);
    std::vector<std::uint8_t> codes(n_pre);
    std::vector<float> xa(a.n_post()), xb(b.n_post());
    for (int step = 0; step < steps + static_cast<int>(a.delay_steps()); ++step) {
        if (step < steps) source.fill(codes);
        else std::fill(codes.begin(), codes.end(), std::uint8_t{0});
        const auto [spiking, sign] = spike_list(codes);
        for (std::size_t t = 0; t < a.task_count(); ++t) accumulate_task(a, t, spiking, sign, xa);
        b.accumulate_all(spiking, sign, xb.data());
        a.advance();
        b.advance();
        REQUIRE(xa == xb);
    }
}
}  // namespace

TEST_CASE("Sparse delays: several chunks of delay-sorted columns give the dense ring's currents", "[synapses][sparse]") {
    // 140 000 targets: 3 chunks of up to 65536 with delays. Weights are multiples of 1/8 (every float sum is
    // exact, whatever the order) and differ per synapse; delays 1..7 in no order along a column.
    constexpr std::size_t P = 140000, N = 24;
    std::vector<float> kernel(P * N, 0.0f);
    std::vector<std::int32_t> delays(P * N, 1);
    for (std::size_t i = 0; i < kernel.size(); ++i) {
        if (i % 3 == 0 || i % 7 == 0) kernel[i] = 0.125f * static_cast<float>(1 + i % 11);
        delays[i] = 1 + static_cast<std::int32_t>((i * 2654435761u) % 7);
    }
    SynapseMatrix dense, sparse;
    dense.build(Layout::dense, P, N, kernel, delays, 7, kWhere);
    sparse.build(Layout::sparse, P, N, kernel, delays, 7, kWhere);
    CHECK(sparse.chunk_length() == 65536);
    CHECK(sparse.task_count() == 3);
    CHECK_FALSE(sparse.uniform_weights());
    std::vector<float> copy(P * N);
    sparse.copy_dense(copy);
    CHECK(copy == kernel);
    require_same_deliveries(dense, sparse, N, 20, 3);
    // and task by task, in reverse order (each chunk keeps its own spikes in flight)
    SynapseMatrix by_task;
    by_task.build(Layout::sparse, P, N, kernel, delays, 7, kWhere);
    SpikeSource source(N, 0.2, 4);
    std::vector<std::uint8_t> codes(N);
    std::vector<float> xa(P), xb(P);
    for (int step = 0; step < 20; ++step) {
        source.fill(codes);
        const auto [spiking, sign] = spike_list(codes);
        sparse.accumulate_all(spiking, sign, xa.data());
        for (std::size_t t = by_task.task_count(); t-- > 0;) accumulate_task(by_task, t, spiking, sign, xb);
        sparse.advance();
        by_task.advance();
        REQUIRE(xa == xb);
    }
}

namespace {
// The compressed rows `rows` (delays `row_delays`, or none) as column blocks starting at `firsts`, their
// values handed out per block in row order; `order` collects (block, row) of every call when given.
SynapseMatrix::DrawnBlocks blocks_of(const SparseRows& rows, const std::vector<std::int32_t>& row_delays,
                                     std::vector<std::size_t> firsts, std::atomic<bool>& mismatch,
                                     std::vector<std::pair<std::size_t, std::size_t>>* order = nullptr) {
    SynapseMatrix::DrawnBlocks blocks;
    const std::size_t n = firsts.size();
    blocks.firsts = firsts;
    blocks.columns.resize(n);
    auto weights = std::make_shared<std::vector<std::vector<float>>>(n);
    auto delays = std::make_shared<std::vector<std::vector<std::uint16_t>>>(n);
    for (std::size_t b = 0; b < n; ++b) blocks.columns[b].row_start.push_back(0);
    for (std::size_t p = 0; p < rows.rows; ++p) {
        for (auto k = rows.row_start[p]; k < rows.row_start[p + 1]; ++k) {
            const auto b = static_cast<std::size_t>(std::upper_bound(firsts.begin(), firsts.end(), rows.col[k]) - firsts.begin()) - 1;
            blocks.columns[b].col.push_back(rows.col[k]);
            (*weights)[b].push_back(rows.value[k]);
            if (!row_delays.empty()) (*delays)[b].push_back(static_cast<std::uint16_t>(row_delays[k]));
        }
        for (auto& block : blocks.columns) block.row_start.push_back(block.col.size());
    }
    auto next = std::make_shared<std::vector<std::size_t>>(n, 0);  // per block: its values handed out
    auto row = std::make_shared<std::vector<std::size_t>>(n, 0);   // per block: its next row
    auto columns = std::make_shared<std::vector<SparseRowDraw::PartColumns>>(blocks.columns);
    blocks.values = [=, &mismatch](std::size_t b, std::span<const std::uint32_t> cols, std::span<float> w,
                                   std::span<std::uint16_t> d) {
        const auto& block = (*columns)[b];
        std::size_t& r = (*row)[b];
        while (block.row_start[r + 1] == block.row_start[r]) ++r;  // rows without nonzeros are not called
        if (order) order->emplace_back(b, r);
        const std::size_t first = (*next)[b];
        if (first != block.row_start[r] || cols.size() != block.row_start[r + 1] - first || w.size() != cols.size() ||
            d.size() != (row_delays.empty() ? 0 : cols.size()))
            mismatch = true;
        for (std::size_t k = 0; k < cols.size() && !mismatch; ++k) {
            mismatch = mismatch || cols[k] != block.col[first + k];
            w[k] = (*weights)[b][first + k];
            if (!d.empty()) d[k] = (*delays)[b][first + k];
        }
        (*next)[b] += cols.size();
        ++r;
    };
    return blocks;
}

// The same stored synapses (rows, weights, delays, weights kept once or not) and the same currents, bit for bit.
void require_same_matrix(SynapseMatrix& a, SynapseMatrix& b, std::size_t steps) {
    REQUIRE(a.synapse_count() == b.synapse_count());
    REQUIRE(a.uniform_weights() == b.uniform_weights());
    REQUIRE(a.chunk_length() == b.chunk_length());
    std::vector<std::int32_t> da, db;
    const SparseRows ra = a.sparse_rows(da), rb = b.sparse_rows(db);
    CHECK(ra.row_start == rb.row_start);
    CHECK(ra.col == rb.col);
    CHECK(ra.value == rb.value);
    CHECK(da == db);
    a.reset();  // `a` may have delivered before
    b.reset();
    SpikeSource source(a.n_pre(), 0.3, 5);
    std::vector<std::uint8_t> codes(a.n_pre());
    std::vector<float> x(a.n_post()), y(a.n_post());
    for (std::size_t step = 0; step < steps; ++step) {
        source.fill(codes);
        const auto [spiking, sign] = spike_list(codes);
        a.accumulate_all(spiking, sign, x.data());
        b.accumulate_all(spiking, sign, y.data());
        a.advance();
        b.advance();
        for (std::size_t p = 0; p < x.size(); ++p)
            REQUIRE(std::bit_cast<std::uint32_t>(x[p]) == std::bit_cast<std::uint32_t>(y[p]));
    }
}
}  // namespace

TEST_CASE("A kernel drawn in column blocks straight into its records is the build_sparse one, on any thread count",
          "[synapses][sparse][delays]") {
    // 16-bit delays 1..300 (B > 255), 8-bit ones 1..5 and none; weights whose sums show the order.
    for (const std::size_t B : {std::size_t{0}, std::size_t{5}, std::size_t{300}}) {
        constexpr std::size_t P = 2000, N = 60;
        std::vector<float> kernel(P * N, 0.0f);
        std::vector<std::int32_t> delays(B == 0 ? 0 : P * N);
        for (std::size_t i = 0; i < kernel.size(); ++i) {
            if (i % 3 == 0 || i % 7 == 0) kernel[i] = 0.1f * static_cast<float>(1 + i % 17) / static_cast<float>(1 + i % 11);
            if (B != 0) delays[i] = 1 + static_cast<std::int32_t>((i * 2654435761u) % B);
        }
        SynapseMatrix given;
        given.build(Layout::sparse, P, N, kernel, delays, B, kWhere);
        std::vector<std::int32_t> row_delays;
        const SparseRows rows = given.sparse_rows(row_delays);
        ThreadParallel two(2), two_reversed(2, /*reversed=*/true);
        for (Parallel* parallel : {&serial_parallel(), static_cast<Parallel*>(&two), static_cast<Parallel*>(&two_reversed)})
            for (const bool independent : {true, false}) {
                std::atomic<bool> mismatch{false};
                std::vector<std::pair<std::size_t, std::size_t>> order;
                auto blocks = blocks_of(rows, row_delays, {0, 13, 37}, mismatch, independent ? nullptr : &order);
                blocks.independent = independent;
                SynapseMatrix drawn;
                drawn.build_sparse_blocks(P, N, std::move(blocks), B, kWhere, *parallel);
                REQUIRE_FALSE(mismatch);
                // Not independent: row by row, the blocks in order within a row.
                if (!independent) REQUIRE(std::is_sorted(order.begin(), order.end(), [](auto a, auto b) {
                    return std::pair(a.second, a.first) < std::pair(b.second, b.first);
                }));
                require_same_matrix(given, drawn, 2 * std::min<std::size_t>(B + 1, 40));
            }
    }
}

TEST_CASE("A kernel drawn in column blocks keeps equal weights once, known before the draw or found after it",
          "[synapses][sparse][delays]") {
    constexpr std::size_t P = 500, N = 40, B = 7;
    std::vector<float> kernel(P * N, 0.0f);
    std::vector<std::int32_t> delays(P * N, 1);
    for (std::size_t i = 0; i < kernel.size(); ++i) {
        if (i % 5 == 0 || i % 9 == 0) kernel[i] = 0.75f;
        delays[i] = 1 + static_cast<std::int32_t>((i * 2654435761u) % B);
    }
    SynapseMatrix given;
    given.build(Layout::sparse, P, N, kernel, delays, B, kWhere);
    REQUIRE(given.uniform_weights());
    std::vector<std::int32_t> row_delays;
    const SparseRows rows = given.sparse_rows(row_delays);
    ThreadParallel two(2);
    for (const bool known : {true, false}) {
        std::atomic<bool> mismatch{false};
        auto blocks = blocks_of(rows, row_delays, {0, 30}, mismatch);
        if (known) blocks.uniform_weight = 0.75f;
        SynapseMatrix drawn;
        drawn.build_sparse_blocks(P, N, std::move(blocks), B, kWhere, two);
        REQUIRE_FALSE(mismatch);
        require_same_matrix(given, drawn, 20);
    }
}

TEST_CASE("A kernel drawn in column blocks reports the error of the first block that failed", "[synapses][sparse]") {
    constexpr std::size_t P = 300, N = 30;
    std::vector<float> kernel(P * N, 0.0f);
    for (std::size_t i = 0; i < kernel.size(); i += 4) kernel[i] = 1.0f;
    SynapseMatrix given;
    given.build(Layout::sparse, P, N, kernel, {}, 0, kWhere);
    std::vector<std::int32_t> no_delays;
    const SparseRows rows = given.sparse_rows(no_delays);
    std::atomic<bool> mismatch{false};
    // Blocks 1 and 2 throw; on two threads handing out the last block first, block 2 fails first.
    auto failing = [&] {
        auto blocks = blocks_of(rows, no_delays, {0, 10, 20}, mismatch);
        blocks.values = [values = blocks.values](std::size_t b, std::span<const std::uint32_t> cols, std::span<float> w,
                                                 std::span<std::uint16_t> d) {
            if (b > 0) throw ConfigError("LinearSynapses", "s", "kernel", "-1", "block " + std::to_string(b) + " failed");
            values(b, cols, w, d);
        };
        return blocks;
    };
    ThreadParallel reversed(2, /*reversed=*/true);
    SynapseMatrix drawn;
    REQUIRE_THROWS_AS(drawn.build_sparse_blocks(P, N, failing(), 0, kWhere, reversed), ConfigError);
    REQUIRE_THROWS_WITH(drawn.build_sparse_blocks(P, N, failing(), 0, kWhere, reversed), Catch::Contains("block 1 failed"));
}

TEST_CASE("A sparse matrix's compressed rows rebuild it, and a block of them gives the block's targets the same currents",
          "[synapses][sparse]") {
    // Delays 1..5 in no order, weights of every magnitude (sums not exact: the order of additions shows).
    constexpr std::size_t P = 3000, N = 40, B = 5;
    std::vector<float> kernel(P * N, 0.0f);
    std::vector<std::int32_t> delays(P * N, 1);
    for (std::size_t i = 0; i < kernel.size(); ++i) {
        if (i % 3 == 0 || i % 5 == 0) kernel[i] = 0.1f * static_cast<float>(1 + i % 17) / static_cast<float>(1 + i % 7);
        delays[i] = 1 + static_cast<std::int32_t>((i * 2654435761u) % B);
    }
    SynapseMatrix whole;
    whole.build(Layout::sparse, P, N, kernel, delays, B, kWhere);
    std::vector<std::int32_t> row_delays;
    const SparseRows rows = whole.sparse_rows(row_delays);
    REQUIRE(rows.nonzeros() == whole.synapse_count());
    for (std::size_t p = 0; p < P; ++p)
        for (auto k = rows.row_start[p]; k < rows.row_start[p + 1]; ++k) {
            REQUIRE(rows.value[k] == kernel[p * N + rows.col[k]]);
            REQUIRE(row_delays[k] == delays[p * N + rows.col[k]]);
            if (k > rows.row_start[p]) REQUIRE(rows.col[k] > rows.col[k - 1]);
        }
    SynapseMatrix rebuilt;
    rebuilt.build_sparse(P, N, rows, row_delays, B, kWhere);
    std::vector<float> copy(P * N);
    rebuilt.copy_dense(copy);
    CHECK(copy == kernel);
    // Rows [1000, 2200) alone: the same currents for those targets, bit for bit, step after step.
    constexpr std::size_t lo = 1000, hi = 2200;
    SparseRows block;
    block.rows = hi - lo;
    block.cols = N;
    for (std::size_t p = lo; p <= hi; ++p) block.row_start.push_back(rows.row_start[p] - rows.row_start[lo]);
    block.col.assign(rows.col.begin() + static_cast<std::ptrdiff_t>(rows.row_start[lo]),
                     rows.col.begin() + static_cast<std::ptrdiff_t>(rows.row_start[hi]));
    block.value.assign(rows.value.begin() + static_cast<std::ptrdiff_t>(rows.row_start[lo]),
                       rows.value.begin() + static_cast<std::ptrdiff_t>(rows.row_start[hi]));
    const std::vector<std::int32_t> block_delays(row_delays.begin() + static_cast<std::ptrdiff_t>(rows.row_start[lo]),
                                                 row_delays.begin() + static_cast<std::ptrdiff_t>(rows.row_start[hi]));
    SynapseMatrix part;
    part.build_sparse(hi - lo, N, block, block_delays, B, kWhere);
    SpikeSource source(N, 0.3, 9);
    std::vector<std::uint8_t> codes(N);
    std::vector<float> x(P), y(hi - lo);
    for (int step = 0; step < 30; ++step) {
        source.fill(codes);
        const auto [spiking, sign] = spike_list(codes);
        whole.accumulate_all(spiking, sign, x.data());
        part.accumulate_all(spiking, sign, y.data());
        whole.advance();
        part.advance();
        for (std::size_t p = lo; p < hi; ++p) REQUIRE(std::bit_cast<std::uint32_t>(x[p]) == std::bit_cast<std::uint32_t>(y[p - lo]));
    }
}

TEST_CASE("Sparse records filled from the rows give the dense kernel back and the dense ring's sums bit for bit",
          "[synapses][sparse]") {
    // Weights that round differently in another summation order, delays in no order along a column:
    // long columns with 8-bit delays (counting sort of each segment) and short ones with 16-bit delays up
    // to 300 steps (stable sort of each segment).
    struct Case {
        std::size_t n_post, n_pre, delay_steps;
    };
    for (const Case c : {Case{3000, 40, 7}, Case{200, 30, 300}}) {
        INFO("n_post " << c.n_post << ", n_pre " << c.n_pre << ", B " << c.delay_steps);
        std::vector<float> kernel(c.n_post * c.n_pre, 0.0f);
        std::vector<std::int32_t> delays(kernel.size(), 1);
        for (std::size_t i = 0; i < kernel.size(); ++i) {
            const std::uint32_t hash = static_cast<std::uint32_t>(i * 2654435761u);
            if (hash % 3 == 0) kernel[i] = 0.1f + 1e-3f * static_cast<float>(hash % 977);
            delays[i] = 1 + static_cast<std::int32_t>((hash >> 8) % c.delay_steps);
        }
        SynapseMatrix dense, sparse;
        dense.build(Layout::dense, c.n_post, c.n_pre, kernel, delays, c.delay_steps, kWhere);
        sparse.build(Layout::sparse, c.n_post, c.n_pre, kernel, delays, c.delay_steps, kWhere);
        std::vector<float> copy(kernel.size());
        sparse.copy_dense(copy);
        REQUIRE(copy == kernel);
        require_same_deliveries(dense, sparse, c.n_pre, 40, 5);
    }
}

TEST_CASE("A constant-weight sparse group keeps its weight once and delivers the dense sums", "[synapses][sparse]") {
    constexpr std::size_t P = 20000, N = 300;
    std::vector<float> kernel(P * N, 0.0f);
    std::vector<std::int32_t> delays(P * N, 1);
    for (std::size_t i = 0; i < kernel.size(); ++i) {
        if (i % 37 == 0 || i % 53 == 0) kernel[i] = 0.7f;
        delays[i] = 1 + static_cast<std::int32_t>(i % 5);
    }
    const std::size_t nonzeros = static_cast<std::size_t>(std::count(kernel.begin(), kernel.end(), 0.7f));
    for (const bool delayed : {false, true}) {
        INFO((delayed ? "with delays" : "without delays"));
        const std::span<const std::int32_t> d = delayed ? std::span<const std::int32_t>(delays) : std::span<const std::int32_t>();
        const std::size_t steps = delayed ? 5 : 0;
        SynapseMatrix dense, sparse;
        dense.build(Layout::dense, P, N, kernel, d, steps, kWhere);
        sparse.build(Layout::sparse, P, N, kernel, d, steps, kWhere);
        REQUIRE(sparse.uniform_weights());
        CHECK(sparse.synapse_count() == nonzeros);
        // 2 bytes of target (+1 of delay) per synapse, one weight, the column starts.
        const double per_synapse = static_cast<double>(sparse.connectivity_bytes()) / static_cast<double>(nonzeros);
        CHECK(per_synapse < (delayed ? 4.0 : 3.0));
        CHECK(per_synapse > (delayed ? 3.0 : 2.0));
        std::vector<float> copy(P * N);
        sparse.copy_dense(copy);
        CHECK(copy == kernel);
        require_same_deliveries(dense, sparse, N, 12, 5);

        // Unequal weights (a kernel change) are stored per synapse again, and still deliver the dense sums.
        std::vector<float> changed = kernel;
        for (std::size_t i = 0; i < changed.size(); i += 37) changed[i] = 0.25f;
        dense.set_kernel(changed, kWhere);
        sparse.set_kernel(changed, kWhere);
        CHECK_FALSE(sparse.uniform_weights());
        CHECK(sparse.connectivity_bytes() > 4 * nonzeros);
        require_same_deliveries(dense, sparse, N, 12, 6);
        // ... and equal ones go back to one value.
        sparse.set_kernel(kernel, kWhere);
        dense.set_kernel(kernel, kWhere);
        CHECK(sparse.uniform_weights());
        require_same_deliveries(dense, sparse, N, 12, 7);
    }
}

TEST_CASE("A constant-weight sparse group saves one value per synapse, and what is loaded decides the storage",
          "[synapses][sparse]") {
    struct Weights final : StateVisitor {
        std::vector<float> values;
        bool load = false;
        void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
            if (name != "kernel_values") return;
            REQUIRE(dtype == DType::f32);
            auto* p = static_cast<float*>(data);
            if (load) std::copy(values.begin(), values.end(), p);
            else values.assign(p, p + count);
        }
    };
    constexpr std::size_t P = 50, N = 40;
    std::vector<float> kernel(P * N, 0.0f);
    for (std::size_t i = 0; i < kernel.size(); i += 3) kernel[i] = -1.5f;
    SynapseMatrix m;
    m.build(Layout::sparse, P, N, kernel, {}, 0, kWhere);
    REQUIRE(m.uniform_weights());
    Weights w;
    m.visit_state(w);
    CHECK(w.values == std::vector<float>(m.synapse_count(), -1.5f));
    w.values[3] = 2.0f;
    w.load = true;
    m.visit_state(w);
    CHECK_FALSE(m.uniform_weights());
    std::vector<float> dense(P * N);
    m.copy_dense(dense);
    std::size_t changed = 0;
    for (std::size_t i = 0; i < dense.size(); ++i) changed += dense[i] != kernel[i];
    CHECK(changed == 1);
    CHECK(std::count(dense.begin(), dense.end(), 2.0f) == 1);
}

TEST_CASE("Memory per synapse: sparse fixed weights stay within 8 bytes, with delays too", "[synapses]") {
    CHECK(bytes_per_synapse(Layout::dense, 0) == 4.0);
    CHECK(bytes_per_synapse(Layout::dense, 100) == 5.0);
    CHECK(bytes_per_synapse(Layout::sparse, 0) == 6.0);
    CHECK(bytes_per_synapse(Layout::sparse, 255) == 7.0);
    CHECK(bytes_per_synapse(Layout::sparse, 256) == 8.0);

    // 2000 x 2000 at 2 % connectivity (80 000 synapses)
    const Overrides o{{"units", ints({2000})}, {"kernel.density", 0.02}};
    auto plain = synapses("linear_synapses", o, sync_spikes(2000));
    const auto& s = plain.as<LinearSynapses>();
    REQUIRE(s.layout() == Layout::sparse);
    CHECK(s.memory().synapses == s.matrix().synapse_count());
    CHECK(s.memory().synapses > 70000);
    CHECK(s.bytes_per_synapse() <= 8.0);
    CHECK(s.bytes_per_synapse() >= 6.0);
    INFO("sparse: " << s.bytes_per_synapse() << " bytes per synapse");

    Overrides od = o;
    od.push_back({"max_delay", 10.0});  // B = 100 steps at dt 0.1 ms: one uint8 delay per synapse
    auto delayed = synapses("linear_synapses", od, sync_spikes(2000), 0.1);
    CHECK(delayed.as<LinearSynapses>().bytes_per_synapse() <= 8.0);
    CHECK(delayed.as<LinearSynapses>().bytes_per_synapse() >= 7.0);
    // spikes in flight are kept per spiking unit (20 bytes per spike in flight), never a per-synapse spike
    // buffer: far below the B bits per synapse such a buffer would need
    const auto& d = delayed.as<LinearSynapses>();
    CHECK(d.memory().state_bytes < d.memory().synapses * 100 / 8);

    Overrides dense = o;
    dense.push_back({"layout", "dense"});
    CHECK(synapses("linear_synapses", dense, sync_spikes(2000)).as<LinearSynapses>().bytes_per_synapse() == 4.0);
}

namespace {
// Steps the same network with the serial executor and with `parallel`; every output must be identical.
void check_thread_independent(std::string_view type, Overrides o, PortSpec input, Parallel& parallel, int steps,
                              double dt = 1.0) {
    auto serial = synapses(type, o, input, dt, 3);
    auto threaded = synapses(type, o, input, dt, 3);
    const std::size_t n_in = input.size();
    SpikeSource source(n_in, 0.05, 9);
    for (int t = 0; t < steps; ++t) {
        source.fill(serial.input_u8(0));
        std::copy(serial.input_u8(0).begin(), serial.input_u8(0).end(), threaded.input_u8(0).begin());
        serial.step();
        threaded.step(parallel);
        const auto a = serial.output_f32(0), b = threaded.output_f32(0);
        REQUIRE(std::memcmp(a.data(), b.data(), a.size_bytes()) == 0);
    }
}
}  // namespace

TEST_CASE("Synapse currents are bit-identical for 1 and 4 threads and any task order", "[synapses][parallel]") {
    ReverseParallel reverse;
    ThreadParallel threads(4);
    // By index: Catch re-enters the test case for every value and section, so pointers to this frame's
    // locals kept by a generator would point into an earlier frame (ASan: stack-use-after-return).
    Parallel* parallel = GENERATE(0, 1) == 0 ? static_cast<Parallel*>(&reverse) : &threads;
    const Value units = ints({3000});
    const Value many = ints({40000});  // 3 sparse chunks of 16384 targets
    SECTION("linear, sparse (3 chunks)") {
        check_thread_independent("linear_synapses", {{"units", many}, {"kernel.density", 0.05}}, sync_spikes(100),
                                 *parallel, 100);
    }
    SECTION("linear, dense (12 tasks)") {
        check_thread_independent("linear_synapses", {{"units", units}, {"layout", "dense"}}, sync_spikes(100),
                                 *parallel, 100);
    }
    SECTION("traced, sparse with fused delays (3 chunks of up to 65536 targets)") {
        check_thread_independent("traced_synapses",
                                 {{"units", ints({140000})}, {"kernel.density", 0.02}, {"max_delay", 2.0}},
                                 sync_spikes(100), *parallel, 100, 0.25);
    }
    SECTION("rd traced, per-synapse traces with delays") {
        check_thread_independent("rd_traced_synapses",
                                 {{"units", units}, {"trace_mode", "per_synapse"}, {"max_delay", 2.0}},
                                 sync_spikes(50), *parallel, 50);
    }
    SECTION("rfs traced, per-synapse input") {
        check_thread_independent("rfs_traced_synapses", {{"units", ints({1500})}},
                                 per_synapse_spikes({1500, 20}), *parallel, 50);
    }
}

TEST_CASE("Delay components give the same spikes for 1 and 4 threads", "[delays][parallel]") {
    ThreadParallel threads(4);
    Harness serial(components::builtin_registry(), "n2n_delays", {{"units", ints({700})}},
                   {sync_spikes(40)});
    Harness threaded(components::builtin_registry(), "n2n_delays", {{"units", ints({700})}},
                     {sync_spikes(40)});
    SpikeSource source(40, 0.2, 1);
    for (int t = 0; t < 30; ++t) {
        source.fill(serial.input_u8(0));
        std::copy(serial.input_u8(0).begin(), serial.input_u8(0).end(), threaded.input_u8(0).begin());
        serial.step();
        threaded.step(threads);
        REQUIRE(std::memcmp(serial.output_u8(0).data(), threaded.output_u8(0).data(), 700 * 40) == 0);
    }
}

TEST_CASE("Synapse state round-trips through the state visitor in every layout", "[synapses]") {
    // Names depend on the layout and trace mode, so a snapshot of one cannot load into another.
    struct Names final : StateVisitor {
        std::vector<std::string> names;
        void visit(std::string_view name, DType, void*, std::size_t) override { names.emplace_back(name); }
    };
    auto names_of = [](Harness h) {
        Names n;
        h.component().visit_state(n);
        return n.names;
    };
    const Value units = ints({4});
    CHECK(names_of(synapses("linear_synapses", {{"units", units}, {"layout", "dense"}}, sync_spikes(5))) ==
          std::vector<std::string>{"kernel"});
    CHECK(names_of(synapses("linear_synapses", {{"units", units}, {"layout", "sparse"}, {"max_delay", 2.0}},
                            sync_spikes(5))) ==
          std::vector<std::string>{"kernel_values", "delay_spikes"});
    CHECK(names_of(synapses("linear_synapses", {{"units", units}, {"layout", "dense"}, {"max_delay", 2.0}},
                            sync_spikes(5))) ==
          std::vector<std::string>{"kernel", "delay_ring", "delay_ring_index"});
    CHECK(names_of(synapses("traced_synapses", {{"units", units}}, sync_spikes(5))) ==
          std::vector<std::string>{"kernel_values", "trace"});
    CHECK(names_of(synapses("rd_traced_synapses", {{"units", units}, {"trace_mode", "per_synapse"}, {"max_delay", 2.0}},
                            sync_spikes(5))) ==
          std::vector<std::string>{"kernel", "delay_line.buffer", "delay_line.inhibitory_buffer", "delay_line.index",
                                   "synapse_rise", "synapse_decay"});
}

TEST_CASE("SynapseMatrix per-synapse input: all tasks in one call give the bits of one call per task, both layouts") {
    // 40000 targets x 50 inputs: 4 sparse tasks and 157 dense ones; the codes scanned (no spike index).
    constexpr std::size_t P = 40000, N = 50;
    std::vector<float> kernel(P * N, 0.0f);
    std::vector<std::uint8_t> codes(P * N, 0);
    for (std::size_t i = 0; i < kernel.size(); ++i) {
        if (i % 7 == 0 || i % 11 == 0) kernel[i] = 0.1f * static_cast<float>(1 + i % 13);
        if (i % 5 == 0 || i % 17 == 3) codes[i] = spike::encode(true, i % 3 == 0);
    }
    for (Layout layout : {Layout::dense, Layout::sparse}) {
        SynapseMatrix m;
        m.build(layout, P, N, kernel, {}, 0, kWhere);
        REQUIRE(m.task_count() > 1);
        const ConstArrayRef in(codes.data(), codes.size());
        std::vector<float> per_task(P, -1.0f), at_once(P, -1.0f);
        for (std::size_t t = 0; t < m.task_count(); ++t) m.accumulate_per_synapse(t, in, per_task.data() + m.task_range(t).first);
        m.accumulate_per_synapse(0, m.task_count(), in, at_once.data());
        // the last tasks only, into their own slice
        const std::size_t first = m.task_count() / 2, begin = m.task_range(first).first;
        std::vector<float> tail(P - begin, -1.0f);
        m.accumulate_per_synapse(first, m.task_count(), in, tail.data());
        for (std::size_t p = 0; p < P; ++p) {
            REQUIRE(std::bit_cast<std::uint32_t>(at_once[p]) == std::bit_cast<std::uint32_t>(per_task[p]));
            if (p >= begin) REQUIRE(std::bit_cast<std::uint32_t>(tail[p - begin]) == std::bit_cast<std::uint32_t>(per_task[p]));
        }
        const auto driven = std::count_if(per_task.begin(), per_task.end(), [](float v) { return v != 0.0f; });
        CHECK(driven > static_cast<std::ptrdiff_t>(P / 2));  // most targets receive input
    }
}
