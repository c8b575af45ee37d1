#include <spark/components/interfaces/poisson_source.hpp>

#include <algorithm>
#include <cmath>
#include <map>

namespace spark::components::interfaces {

namespace {
constexpr double kMaxLambda = 10000.0;
constexpr std::size_t kTaskUnits = 4 * PoissonSource::stream_block;  // units per parallel task
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
        const std::uint64_t floor_u = static_cast<std::uint64_t>(g) << 24;
        while (t.threshold[k] <= floor_u) ++k;
        t.guide[g] = static_cast<std::uint16_t>(k);
    }
    return t;
}

BuildResult PoissonSource::build(const BuildContext& ctx) {
    const Shape& units = config_.units;
    const std::size_t n = units.size();
    const auto rate = materialize(config_.rate, "rate", units, ctx);
    const auto trains = materialize(config_.trains, "trains", units, ctx);
    weight_ = materialize(config_.weight, "weight", units, ctx);
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
    const std::size_t blocks = (n + stream_block - 1) / stream_block;
    streams_.resize(4 * blocks);
    for (std::size_t b = 0; b < blocks; ++b) {
        const Rng stream = ctx.rng->split();
        std::copy(stream.state().begin(), stream.state().end(), streams_.begin() + static_cast<std::ptrdiff_t>(4 * b));
    }
    return BuildResult{{PortSpec(PayloadKind::current, units)}, {}};
}

void PoissonSource::draw_block(std::size_t block, float* out) noexcept {
    const std::size_t begin = block * stream_block;
    const std::size_t end = std::min(begin + stream_block, current_.size());
    Rng rng;
    std::copy_n(streams_.begin() + static_cast<std::ptrdiff_t>(4 * block), 4, rng.state().begin());
    const bool one_table = table_of_.empty();
    const Table* single = tables_.data();
    std::uint64_t word = 0;
    for (std::size_t i = begin; i < end; ++i) {
        // Two 32-bit uniforms per 64-bit draw: the high half for even offsets, the low half for odd.
        const bool even = ((i - begin) & 1u) == 0;
        if (even) word = rng.next();
        const std::uint64_t u = even ? word >> 32 : word & 0xffffffffu;
        const Table& t = one_table ? *single : tables_[table_of_[i]];
        std::size_t k = t.guide[u >> 24];
        while (u >= t.threshold[k]) ++k;
        const float input = weight_[i] * static_cast<float>(k);
        current_[i] = filtered_ ? decay_ * current_[i] + input : input;
        out[i] = current_[i];
    }
    std::copy(rng.state().begin(), rng.state().end(), streams_.begin() + static_cast<std::ptrdiff_t>(4 * block));
}

void PoissonSource::step(const StepContext& ctx) {
    float* out = ctx.outputs[output_index].f32().data();
    parallel_for(*ctx.parallel, current_.size(), kTaskUnits, [&](std::size_t begin, std::size_t end) {
        for (std::size_t b = begin / stream_block; b * stream_block < end; ++b) draw_block(b, out);
    });
}

void PoissonSource::reset() { std::fill(current_.begin(), current_.end(), 0.0f); }

void PoissonSource::visit_state(StateVisitor& v) {
    v("current", current_);
    v.visit("rng", DType::u64, streams_.data(), streams_.size());
}

}  // namespace spark::components::interfaces
