#include <spark/components/interfaces/poisson_source.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include <spark/core/hot_loop.hpp>

namespace spark::components::interfaces {

namespace {
constexpr double kMaxLambda = 10000.0;
}  // namespace

PoissonSource::PoissonSource(Config config, std::string instance)
    : ComponentBase(std::move(config), std::move(instance)) {
    if (config_.units.empty() || config_.units.size() == 0)
        config_detail::throw_error(where(), "units", config_detail::to_value(config_.units), "",
                                   "must be given, with every dimension > 0 (a shape such as [100])");
}

std::optional<BuildResult> PoissonSource::contract() const {
    return BuildResult{{PortSpec(PayloadKind::current, config_.units)}, {}};
}

PoissonSource::Table PoissonSource::make_table(double lambda) {
    // F(k) accumulated from log p_k = -lambda + k ln lambda - ln k! until 1 - F < 2^-33 (or the pmf has
    // passed its mode and fallen below 2^-60: the rest of the mass is then below the 32-bit resolution).
    constexpr double two32 = 4294967296.0;
    Table t;
    double cdf = 0.0;
    for (std::size_t k = 0;; ++k) {
        const double log_p = lambda == 0.0 ? (k == 0 ? 0.0 : -INFINITY)
                                           : -lambda + static_cast<double>(k) * std::log(lambda) -
                                                 std::lgamma(static_cast<double>(k) + 1.0);
        cdf += std::exp(log_p);
        if (cdf >= 1.0 - 0x1.0p-33 || (static_cast<double>(k) > lambda && log_p < -60.0 * std::log(2.0))) break;
        t.threshold.push_back(static_cast<std::uint64_t>(std::floor(cdf * two32)));
    }
    t.threshold.push_back(static_cast<std::uint64_t>(two32));  // sentinel: every u < 2^32
    std::size_t k = 0;
    for (std::size_t g = 0; g < t.guide.size(); ++g) {
        const std::uint64_t floor_u = static_cast<std::uint64_t>(g) << (32 - guide_bits);
        while (t.threshold[k] <= floor_u) ++k;
        t.guide[g] = static_cast<std::uint16_t>(k);
        // Every u < ceil_u of the cell stops at k when threshold[k] is at or past the cell's end.
        const std::uint64_t ceil_u = floor_u + (std::uint64_t{1} << (32 - guide_bits));
        t.count[g] = t.threshold[k] >= ceil_u ? static_cast<float>(k) : -1.0f;
    }
    return t;
}

BuildResult PoissonSource::build(const BuildContext& ctx) {
    const Shape& units = config_.units;
    const std::size_t n = units.size();
    const auto rate = materialize(config_.rate, units, ctx);
    const auto trains = materialize(config_.trains, units, ctx);
    weight_ = materialize(config_.weight, units, ctx);
    lambda_.resize(n);
    std::map<float, std::uint32_t> index;
    std::vector<std::uint32_t> table_of(n);
    tables_.clear();
    for (std::size_t i = 0; i < n; ++i) {
        const double lambda = static_cast<double>(trains[i]) * static_cast<double>(rate[i]) * ctx.dt / 1000.0;
        if (!(lambda <= kMaxLambda))
            config_detail::throw_error(where(), "rate", Value(static_cast<double>(rate[i])), "Hz",
                                       "gives trains x rate x dt / 1000 = " + format_number(lambda) +
                                           " input spikes per step for unit " + std::to_string(i) +
                                           " (at most 10000; use a current source for larger drives)");
        lambda_[i] = static_cast<float>(lambda);
        auto [it, added] = index.try_emplace(lambda_[i], static_cast<std::uint32_t>(tables_.size()));
        if (added) tables_.push_back(make_table(static_cast<double>(lambda_[i])));
        table_of[i] = it->second;
    }
    if (tables_.size() > 1) table_of_ = std::move(table_of);
    else table_of_.clear();
    filtered_ = config_.tau > 0.0;
    decay_ = filtered_ ? static_cast<float>(std::exp(-ctx.dt / config_.tau)) : 0.0f;
    current_.assign(n, 0.0f);
    own_ = ctx.processes > 1 ? unit_block_share(n, ctx.process_rank, ctx.processes) : UnitShare{0, n};
    const std::size_t blocks = (n + stream_block - 1) / stream_block;
    streams_.resize(4 * blocks);
    for (std::size_t b = 0; b < blocks; ++b) {
        const Rng stream = ctx.rng->split();
        std::copy(stream.state().begin(), stream.state().end(), streams_.begin() + static_cast<std::ptrdiff_t>(4 * b));
    }
    return BuildResult{{PortSpec(PayloadKind::current, units)}, {}};
}

namespace {
// xoshiro256** on a local copy of the state (kept in registers by the loop below), the same sequence
// as spark::Rng::next().
struct Xoshiro {
    std::uint64_t s0, s1, s2, s3;
    static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(s1 * 5, 7) * 9;
        const std::uint64_t t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = rotl(s3, 45);
        return result;
    }
};
}  // namespace

namespace {
// Units drawn per pass: the counts of a batch, then their currents in one vectorisable loop.
constexpr std::size_t kBatch = 256;

// I = decay I + weight n (or weight n unfiltered), and the output; n are the batch's counts.
template <bool Filtered>
SPARK_HOT_LOOP void filter_counts(std::size_t size, const float* __restrict counts, const float* __restrict weight,
                                  float decay, float* __restrict current, float* __restrict out) noexcept {
    for (std::size_t i = 0; i < size; ++i) {
        const float input = weight[i] * counts[i];
        const float value = Filtered ? decay * current[i] + input : input;
        current[i] = value;
        out[i] = value;
    }
}
}  // namespace

// Counts of units [begin, end) of one block into counts[i - begin], continuing the block's stream.
template <bool OneTable>
void PoissonSource::draw_counts(std::size_t begin, std::size_t end, std::uint64_t* state,
                                float* counts) const noexcept {
    Xoshiro rng{state[0], state[1], state[2], state[3]};
    const Table* tables = tables_.data();
    const std::uint32_t* table_of = table_of_.data();
    auto table = [&](std::size_t i) -> const Table& { return OneTable ? tables[0] : tables[table_of[i]]; };
    auto search = [&](std::size_t i, std::uint64_t u) {  // the rare cell with a threshold inside
        const Table& t = table(i);
        std::size_t k = t.guide[u >> (32 - guide_bits)];
        while (u >= t.threshold[k]) ++k;
        return static_cast<float>(k);
    };
    // Two 32-bit uniforms per 64-bit draw: the high half for the even offset, the low half for the odd.
    constexpr unsigned cell_shift = 32 - guide_bits;
    constexpr std::uint64_t cell_mask = (std::uint64_t{1} << guide_bits) - 1;
    std::size_t i = begin;
    for (; i + 2 <= end; i += 2) {
        const std::uint64_t word = rng.next();
        const float n0 = table(i).count[word >> (32 + cell_shift)];
        const float n1 = table(i + 1).count[(word >> cell_shift) & cell_mask];
        counts[i - begin] = n0;
        counts[i + 1 - begin] = n1;
        if (n0 < 0.0f || n1 < 0.0f) [[unlikely]] {
            counts[i - begin] = search(i, word >> 32);
            counts[i + 1 - begin] = search(i + 1, word & 0xffffffffu);
        }
    }
    if (i < end) counts[i - begin] = search(i, rng.next() >> 32);
    state[0] = rng.s0;
    state[1] = rng.s1;
    state[2] = rng.s2;
    state[3] = rng.s3;
}

namespace {
// Advances a block's stream by `draws` 64-bit draws one by one.
void advance_stream(std::uint64_t* state, std::size_t draws) noexcept {
    Xoshiro rng{state[0], state[1], state[2], state[3]};
    for (std::size_t i = 0; i < draws; ++i) rng.next();
    state[0] = rng.s0;
    state[1] = rng.s1;
    state[2] = rng.s2;
    state[3] = rng.s3;
}

// The 64-bit draws that `units` consecutive units from an even offset of a block take (two per draw).
constexpr std::size_t draws_for(std::size_t units) noexcept { return (units + 1) / 2; }

// Below this many draws a skip steps the generator; from it on, one matrix product is cheaper.
constexpr std::size_t kJumpDraws = 256;

// xoshiro256**'s state transition is linear over GF(2): n draws are one 256 x 256 bit matrix, kept as
// its columns (the state each unit state goes to).
using Columns = std::array<std::array<std::uint64_t, 4>, 256>;

std::array<std::uint64_t, 4> times(const Columns& m, const std::uint64_t* x) noexcept {
    std::array<std::uint64_t, 4> y{};
    for (std::size_t k = 0; k < 256; ++k) {
        const std::uint64_t take = 0 - ((x[k / 64] >> (k % 64)) & 1u);
        for (std::size_t w = 0; w < 4; ++w) y[w] ^= m[k][w] & take;
    }
    return y;
}

Columns product(const Columns& a, const Columns& b) noexcept {  // b, then a
    Columns c;
    for (std::size_t j = 0; j < 256; ++j) c[j] = times(a, b[j].data());
    return c;
}

// The matrices of 2^i draws, i < 12 (a skip is shorter than a block's 2048 draws), made once.
const std::vector<Columns>& powers_of_two() {
    static const std::vector<Columns> powers = [] {
        std::vector<Columns> p(12);
        for (std::size_t j = 0; j < 256; ++j) {
            std::array<std::uint64_t, 4> unit{};
            unit[j / 64] = std::uint64_t{1} << (j % 64);
            Xoshiro rng{unit[0], unit[1], unit[2], unit[3]};
            rng.next();
            p[0][j] = {rng.s0, rng.s1, rng.s2, rng.s3};
        }
        for (std::size_t i = 1; i < p.size(); ++i) p[i] = product(p[i - 1], p[i - 1]);
        return p;
    }();
    return powers;
}
}  // namespace

PoissonSource::Jump PoissonSource::make_jump(std::size_t draws) {
    const std::vector<Columns>& powers = powers_of_two();
    Jump jump;
    jump.draws = draws;
    bool first = true;
    for (std::size_t i = 0; i < powers.size(); ++i) {
        if (((draws >> i) & 1u) == 0) continue;
        jump.columns = first ? powers[i] : product(powers[i], jump.columns);
        first = false;
    }
    return jump;
}

void PoissonSource::skip(std::uint64_t* state, std::size_t units) const noexcept {
    const std::size_t draws = draws_for(units);
    if (draws < kJumpDraws) return advance_stream(state, draws);
    const std::array<std::uint64_t, 4> y = times(std::ranges::find(jumps_, draws, &Jump::draws)->columns, state);
    std::copy(y.begin(), y.end(), state);
}

UnitShare PoissonSource::drawn_in_block(std::size_t block, UnitShare drawn) const noexcept {
    const std::size_t begin = block * stream_block;
    const std::size_t end = std::min(begin + stream_block, current_.size());
    std::size_t lo = std::clamp(drawn.begin, begin, end), hi = std::clamp(drawn.end, lo, end);
    if (lo == hi) lo = hi = begin;  // nothing to draw here
    lo -= (lo - begin) % 2;         // whole pairs: a 64-bit draw covers two units
    hi = std::min(end, hi + (hi - begin) % 2);
    return {lo, hi};
}

std::array<std::size_t, 2> PoissonSource::skipped_units(std::size_t block, UnitShare drawn) const noexcept {
    const std::size_t begin = block * stream_block;
    const std::size_t end = std::min(begin + stream_block, current_.size());
    const UnitShare d = drawn_in_block(block, drawn);
    return {d.begin - begin, end - d.end};
}

void PoissonSource::draw_block(std::size_t block, float* out, UnitShare drawn) noexcept {
    const std::size_t begin = block * stream_block;
    const std::size_t end = std::min(begin + stream_block, current_.size());
    const auto [lo, hi] = drawn_in_block(block, drawn);
    std::uint64_t* state = streams_.data() + 4 * block;
    skip(state, lo - begin);
    const bool one = table_of_.empty();
    float counts[kBatch];
    for (std::size_t first = lo; first < hi; first += kBatch) {
        const std::size_t last = std::min(first + kBatch, hi);
        if (one) draw_counts<true>(first, last, state, counts);
        else draw_counts<false>(first, last, state, counts);
        if (filtered_)
            filter_counts<true>(last - first, counts, weight_.data() + first, decay_, current_.data() + first, out + first);
        else
            filter_counts<false>(last - first, counts, weight_.data() + first, decay_, current_.data() + first, out + first);
    }
    skip(state, end - hi);
}

void PoissonSource::step(const StepContext& ctx) {
    float* out = ctx.outputs[output_index].f32().data();
    // One task per stream block (each block draws from its own stream, so any split gives the same draws).
    // A share takes every block it overlaps, but draws the counts of its own units only.
    const std::size_t n = current_.size();
    const std::size_t lo = std::min(ctx.share.begin, n), hi = std::min(ctx.share.end, n);
    if (lo >= hi) return;
    const UnitShare drawn = ctx.share.whole() ? UnitShare{0, n} : UnitShare{std::max(lo, own_.begin), std::min(hi, own_.end)};
    const std::size_t first = lo / stream_block, last = (hi + stream_block - 1) / stream_block;
    // The jumps over the units it skips, before the tasks: made when the share is new (it is the same
    // every step of a run).
    if (!ctx.share.whole() && (drawn.begin != jumps_drawn_.begin || drawn.end != jumps_drawn_.end)) {
        for (std::size_t b = first; b < last; ++b)
            for (const std::size_t units : skipped_units(b, drawn)) {
                const std::size_t draws = draws_for(units);
                if (draws >= kJumpDraws && std::ranges::find(jumps_, draws, &Jump::draws) == jumps_.end())
                    jumps_.push_back(make_jump(draws));
            }
        jumps_drawn_ = drawn;
    }
    ctx.parallel->run(last - first, [&](std::size_t b) { draw_block(first + b, out, drawn); });
}

void PoissonSource::reset() { std::fill(current_.begin(), current_.end(), 0.0f); }

void PoissonSource::visit_state(StateVisitor& v) {
    v("current", current_);
    v.visit("rng", DType::u64, streams_.data(), streams_.size());
}

}  // namespace spark::components::interfaces
