#include <spark/components/interfaces/poisson_source.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
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
    // One weight for every unit (the usual case) is kept once: the filter then reads no weight array.
    if (!weight_.empty() && std::ranges::all_of(weight_, [w = std::bit_cast<std::uint32_t>(weight_[0])](float x) {
            return std::bit_cast<std::uint32_t>(x) == w;
        }))
        weight_.resize(1);
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

// Below this many draws a skip steps the generator; from it on, one jump (64 table lookups) is cheaper.
constexpr std::size_t kJumpDraws = 256;

// xoshiro256**'s state transition is linear over GF(2): n draws are one 256 x 256 bit matrix, kept as
// its columns (the state each unit state goes to).
using Columns = std::array<std::array<std::uint64_t, 4>, 256>;

// Four 64-bit words side by side in a vector register (GCC/Clang vector extension): a state in times(), four
// lanes' copies of one state word in lane_draws().
using Word4 = std::uint64_t __attribute__((vector_size(32)));

SPARK_HOT_LOOP std::array<std::uint64_t, 4> times(const Columns& m, const std::uint64_t* x) noexcept {
    Word4 y{};
    for (std::size_t k = 0; k < 256; ++k) {
        const std::uint64_t take = 0 - ((x[k / 64] >> (k % 64)) & 1u);
        Word4 column;
        std::memcpy(&column, m[k].data(), sizeof column);
        y ^= column & Word4{take, take, take, take};
    }
    return {y[0], y[1], y[2], y[3]};
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

// A jump applied as 64 table lookups (PoissonSource::Jump's nibbles; times() takes 256 steps).
using NibbleTable = std::array<std::array<std::array<std::uint64_t, 4>, 16>, 64>;

NibbleTable nibble_table(const Columns& m) noexcept {
    NibbleTable rows{};
    for (std::size_t n = 0; n < 64; ++n)
        for (std::size_t v = 0; v < 16; ++v)
            for (std::size_t b = 0; b < 4; ++b)
                if ((v >> b) & 1u)
                    for (std::size_t w = 0; w < 4; ++w) rows[n][v][w] ^= m[4 * n + b][w];
    return rows;
}

SPARK_HOT_LOOP std::array<std::uint64_t, 4> jumped(const NibbleTable& jump, const std::uint64_t* x) noexcept {
    Word4 y{};
    for (std::size_t n = 0; n < 64; ++n) {
        Word4 row;
        std::memcpy(&row, jump[n][(x[n / 16] >> (4 * (n % 16))) & 15u].data(), sizeof row);
        y ^= row;
    }
    return {y[0], y[1], y[2], y[3]};
}
}  // namespace

PoissonSource::Jump PoissonSource::make_jump(std::size_t draws) {
    const std::vector<Columns>& powers = powers_of_two();
    Columns columns{};
    bool first = true;
    for (std::size_t i = 0; i < powers.size(); ++i) {
        if (((draws >> i) & 1u) == 0) continue;
        columns = first ? powers[i] : product(powers[i], columns);
        first = false;
    }
    return Jump{draws, nibble_table(columns)};
}

void PoissonSource::skip(std::uint64_t* state, std::size_t units) const noexcept {
    const std::size_t draws = draws_for(units);
    if (draws < kJumpDraws) return advance_stream(state, draws);
    const std::array<std::uint64_t, 4> y = jumped(std::ranges::find(jumps_, draws, &Jump::draws)->nibbles, state);
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

namespace {
// A block's draws come from up to kLanes positions of its stream kLaneDraws apart (the lanes: the first
// at the stream's state, the others reached by jumps), advanced side by side in vector registers: one
// state's serial update, and the scalar work per draw, would otherwise bound the draw.
constexpr std::size_t kLanes = 4;
constexpr std::size_t kLaneDraws = PoissonSource::stream_block / 2 / kLanes;
constexpr std::size_t kLaneChunk = 128;  // draws per lane and pass (then their counts and currents)
static_assert(std::size_t{1} << 9 == kLaneDraws, "the lane jump is powers_of_two()[9]");

struct LaneStates {
    Word4 s0, s1, s2, s3;  // xoshiro256**'s state words, one lane each
};

// The jump from one lane's start to the next (kLaneDraws draws): one table (32 KB) for all lanes, so
// that few of its lines are missed in a step whose other work evicts it.
const NibbleTable& lane_jump() {
    static const NibbleTable jump = nibble_table(powers_of_two()[9]);
    return jump;
}

// `draws` draws of every lane (xoshiro256**, as Xoshiro::next()). Lane j's k-th draw goes to
// words[k kLanes + j], the guide-table cells of its uniforms to cells[k 2 kLanes + j] (the high half:
// the pair's even unit) and cells[k 2 kLanes + kLanes + j] (the low half: the odd unit).
constexpr unsigned kCellShift = 21;  // 32 - PoissonSource's guide bits
SPARK_HOT_LOOP void lane_draws(LaneStates& lanes, std::size_t draws, std::uint64_t* __restrict words,
                               std::uint64_t* __restrict cells) noexcept {
    LaneStates l = lanes;
    for (std::size_t k = 0; k < draws; ++k) {
        // rotl(s1 5, 7) 9 with shifts and adds (AVX2 has no 64-bit multiply).
        const Word4 x = l.s1 + (l.s1 << 2);
        const Word4 y = x << 7 | x >> 57;
        const Word4 r = y + (y << 3);
        const Word4 even = r >> (32 + kCellShift), odd = (r >> kCellShift) & 0x7ff;
        std::memcpy(words + k * kLanes, &r, sizeof r);
        std::memcpy(cells + k * 2 * kLanes, &even, sizeof even);
        std::memcpy(cells + k * 2 * kLanes + kLanes, &odd, sizeof odd);
        const Word4 t = l.s1 << 17;
        l.s2 ^= l.s0;
        l.s3 ^= l.s1;
        l.s1 ^= l.s2;
        l.s0 ^= l.s3;
        l.s2 ^= t;
        l.s3 = l.s3 << 45 | l.s3 >> 19;
    }
    lanes = l;
}

// I = decay I + weight n (or weight n unfiltered); n are the counts, the weights per unit or
// (Uniform) weight[0] for all.
template <bool Filtered, bool Uniform>
SPARK_HOT_LOOP void filter_counts(std::size_t size, const float* __restrict counts, const float* __restrict weight,
                                  float decay, float* __restrict current) noexcept {
    for (std::size_t i = 0; i < size; ++i) {
        const float input = (Uniform ? weight[0] : weight[i]) * counts[i];
        current[i] = Filtered ? decay * current[i] + input : input;
    }
}
}  // namespace

// Counts of units [begin, end) of one block (from an even offset) into counts[i - begin], from one
// lane's draws: draw p (units begin + 2p and + 2p + 1) is words[p kLanes], its cells
// cells[p 2 kLanes] (even unit) and cells[p 2 kLanes + kLanes] (odd unit), as lane_draws() lays them out.
template <bool OneTable>
void PoissonSource::draw_counts(std::size_t begin, std::size_t end, const std::uint64_t* words,
                                const std::uint64_t* cells, float* counts) const noexcept {
    static_assert(kCellShift == 32 - guide_bits);
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
    const std::size_t pairs = (end - begin) / 2;
    for (std::size_t p = 0; p < pairs; ++p) {
        const std::size_t i = begin + 2 * p;
        const float n0 = table(i).count[cells[p * 2 * kLanes]];
        const float n1 = table(i + 1).count[cells[p * 2 * kLanes + kLanes]];
        counts[2 * p] = n0;
        counts[2 * p + 1] = n1;
        if (std::min(n0, n1) < 0.0f) [[unlikely]] {
            counts[2 * p] = search(i, words[p * kLanes] >> 32);
            counts[2 * p + 1] = search(i + 1, words[p * kLanes] & 0xffffffffu);
        }
    }
    if ((end - begin) % 2 != 0) counts[2 * pairs] = search(end - 1, words[pairs * kLanes] >> 32);
}

void PoissonSource::filter(std::size_t first, std::size_t last, const float* counts, float* out) noexcept {
    const std::size_t size = last - first;
    float* current = current_.data() + first;
    if (weight_.size() == 1) {
        if (filtered_) filter_counts<true, true>(size, counts, weight_.data(), decay_, current);
        else filter_counts<false, true>(size, counts, weight_.data(), decay_, current);
    } else {
        const float* weight = weight_.data() + first;
        if (filtered_) filter_counts<true, false>(size, counts, weight, decay_, current);
        else filter_counts<false, false>(size, counts, weight, decay_, current);
    }
    if (out != current_.data()) std::copy(current, current + size, out + first);  // a runtime buffer
}

void PoissonSource::draw_units(std::size_t lo, std::size_t hi, std::uint64_t* state, float* out) noexcept {
    const std::size_t draws = draws_for(hi - lo);
    if (draws == 0) return;
    const std::size_t used = (draws + kLaneDraws - 1) / kLaneDraws;  // lanes with draws
    const std::size_t last_lane = used - 1, last_draws = draws - last_lane * kLaneDraws;
    LaneStates lanes{};
    std::array<std::uint64_t, 4> start{state[0], state[1], state[2], state[3]};
    for (std::size_t j = 0; j < kLanes; ++j) {
        // Unused lanes start anywhere (their draws are never read).
        if (j > 0 && j < used) start = jumped(lane_jump(), start.data());
        lanes.s0[j] = start[0];
        lanes.s1[j] = start[1];
        lanes.s2[j] = start[2];
        lanes.s3[j] = start[3];
    }
    const bool one = table_of_.empty();
    std::uint64_t words[kLaneChunk * kLanes];
    std::uint64_t cells[kLaneChunk * 2 * kLanes];
    float counts[2 * kLaneChunk];
    for (std::size_t k0 = 0; k0 < std::min(draws, kLaneDraws);) {
        // A pass ends where the last lane ends the block's draws: its state there is the stream's.
        std::size_t k1 = std::min({k0 + kLaneChunk, kLaneDraws, draws});
        if (k0 < last_draws && last_draws < k1) k1 = last_draws;
        lane_draws(lanes, k1 - k0, words, cells);
        if (k1 == last_draws) {
            state[0] = lanes.s0[last_lane];
            state[1] = lanes.s1[last_lane];
            state[2] = lanes.s2[last_lane];
            state[3] = lanes.s3[last_lane];
        }
        for (std::size_t j = 0; j < used; ++j) {
            const std::size_t first = lo + 2 * (j * kLaneDraws + k0);
            const std::size_t last = std::min(lo + 2 * (j * kLaneDraws + k1), hi);
            if (first >= last) continue;
            if (one) draw_counts<true>(first, last, words + j, cells + j, counts);
            else draw_counts<false>(first, last, words + j, cells + j, counts);
            filter(first, last, counts, out);
        }
        k0 = k1;
    }
}

void PoissonSource::draw_block(std::size_t block, float* out, UnitShare drawn) noexcept {
    const std::size_t begin = block * stream_block;
    const std::size_t end = std::min(begin + stream_block, current_.size());
    const auto [lo, hi] = drawn_in_block(block, drawn);
    std::uint64_t* state = streams_.data() + 4 * block;
    skip(state, lo - begin);
    draw_units(lo, hi, state, out);
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

ArrayRef PoissonSource::output_storage(std::size_t) { return {current_.data(), current_.size()}; }

void PoissonSource::reset() { std::fill(current_.begin(), current_.end(), 0.0f); }

void PoissonSource::visit_state(StateVisitor& v) {
    v("current", current_);
    v.visit("rng", DType::u64, streams_.data(), streams_.size());
}

}  // namespace spark::components::interfaces
