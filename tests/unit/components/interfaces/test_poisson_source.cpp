// PoissonSource (poisson_source.hpp): Poisson input counts, the exponential synaptic filter, thread
// independence, per-unit rates, errors and state (issue 9).
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <spark/components/builtin.hpp>
#include <spark/components/interfaces/poisson_source.hpp>

#include "collect_state.hpp"
#include "harness.hpp"
#include "../synapses/synapse_test_util.hpp"

using namespace spark;
using spark::components::interfaces::PoissonSource;
using spark::testing::Harness;

namespace {
Harness source(Overrides overrides, double dt = 0.1, std::uint64_t seed = 0) {
    return Harness(components::builtin_registry(), "poisson_source", overrides, {}, dt, seed);
}
void check_binomial(double k, double n, double p) {
    INFO("k = " << k << ", n = " << n << ", p = " << p);
    CHECK(std::abs(k - n * p) <= 5.0 * std::sqrt(n * p * (1.0 - p)) + 1.0);
}
}  // namespace

TEST_CASE("PoissonSource counts are Poisson(trains x rate x dt / 1000)", "[interfaces][poisson_source]") {
    // 2000 trains at 10 Hz, dt 0.1 ms: lambda = 2 spikes per step; weight 1 and no filter give n itself.
    const std::size_t units = 500;
    const int steps = 400;
    auto h = source({{"units", Value::List{double(units)}}, {"rate", 10.0}, {"trains", 2000.0}});
    REQUIRE(h.as<PoissonSource>().lambda()[0] == 2.0f);
    std::map<int, double> histogram;
    double sum = 0.0, sum2 = 0.0;
    for (int t = 0; t < steps; ++t) {
        h.step();
        for (float x : h.output_f32(0)) {
            REQUIRE(x == std::floor(x));  // whole counts
            ++histogram[static_cast<int>(x)];
            sum += x;
            sum2 += double(x) * x;
        }
    }
    const double n = double(units) * steps;
    // P(n = k) = e^-2 2^k / k!, each within a five-sigma binomial band.
    double pk = std::exp(-2.0);
    for (int k = 0; k <= 8; ++k) {
        check_binomial(histogram[k], n, pk);
        pk *= 2.0 / (k + 1);
    }
    // Mean and variance both 2 (the variance's standard error is about sqrt((mu4 - s^4) / n) = sqrt(14 / n)).
    const double mean = sum / n, variance = sum2 / n - mean * mean;
    CHECK(std::abs(mean - 2.0) < 5.0 * std::sqrt(2.0 / n));
    CHECK(std::abs(variance - 2.0) < 5.0 * std::sqrt(14.0 / n));
}

TEST_CASE("PoissonSource filters the counts: I(t) = e^{-dt/tau} I(t-1) + weight n(t)", "[interfaces][poisson_source]") {
    // The draws do not depend on tau or weight, so an unfiltered unit-weight run gives n(t).
    const Overrides base{{"units", Value::List{64.0}}, {"rate", 8.0}, {"trains", 1600.0}};
    auto counts = source(base, 0.1, 5);
    Overrides filtered_config = base;
    filtered_config.push_back({"weight", 87.8});
    filtered_config.push_back({"tau", 0.5});
    auto filtered = source(filtered_config, 0.1, 5);
    const float decay = static_cast<float>(std::exp(-0.1 / 0.5));
    std::vector<float> expected(64, 0.0f);
    for (int t = 0; t < 200; ++t) {
        counts.step();
        filtered.step();
        for (std::size_t i = 0; i < 64; ++i) {
            expected[i] = decay * expected[i] + 87.8f * counts.output_f32(0)[i];
            REQUIRE(filtered.output_f32(0)[i] == expected[i]);
        }
    }
    // Steady state: E[I] = weight lambda / (1 - decay), lambda = 1600 x 8 x 0.1 / 1000 = 1.28.
    double mean = 0.0;
    const int steps = 2000;
    for (int t = 0; t < steps; ++t) {
        filtered.step();
        for (float x : filtered.output_f32(0)) mean += x;
    }
    mean /= 64.0 * steps;
    CHECK(mean == Approx(87.8 * 1.28 / (1.0 - std::exp(-0.2))).epsilon(0.02));
}

TEST_CASE("PoissonSource gives the same currents on 1 and 4 threads and in any task order",
          "[interfaces][poisson_source][parallel]") {
    // 40000 units: 10 random streams of 4096 units, 3 tasks.
    const Overrides o{{"units", Value::List{40000.0}}, {"rate", 8.0}, {"trains", 2000.0}, {"weight", 87.8}, {"tau", 0.5}};
    auto serial = source(o, 0.1, 2);
    auto reverse = source(o, 0.1, 2);
    auto threads = source(o, 0.1, 2);
    spark::testing::ReverseParallel reverse_parallel;
    spark::testing::ThreadParallel thread_parallel(4);
    for (int t = 0; t < 50; ++t) {
        serial.step();
        reverse.step(reverse_parallel);
        threads.step(thread_parallel);
        const auto a = serial.output_f32(0), b = reverse.output_f32(0), c = threads.output_f32(0);
        REQUIRE(std::memcmp(a.data(), b.data(), a.size_bytes()) == 0);
        REQUIRE(std::memcmp(a.data(), c.data(), a.size_bytes()) == 0);
    }
}

TEST_CASE("PoissonSource takes per-unit rates, and a rate of 0 never fires", "[interfaces][poisson_source]") {
    auto h = source({{"units", Value::List{4.0}}, {"rate", Value::List{0.0, 5.0, 50.0, 500.0}}, {"trains", 100.0}});
    const auto lambda = h.as<PoissonSource>().lambda();
    CHECK(lambda[0] == 0.0f);
    CHECK(lambda[3] == Approx(5.0));
    std::vector<double> sum(4, 0.0);
    const int steps = 20000;
    for (int t = 0; t < steps; ++t) {
        h.step();
        for (std::size_t i = 0; i < 4; ++i) sum[i] += h.output_f32(0)[i];
    }
    CHECK(sum[0] == 0.0);
    for (std::size_t i = 1; i < 4; ++i) {
        const double mu = lambda[i];
        CHECK(std::abs(sum[i] / steps - mu) < 5.0 * std::sqrt(mu / steps));
    }
}

TEST_CASE("PoissonSource refuses a missing units, negative rates and huge drives", "[interfaces][poisson_source][config]") {
    const auto& registry = components::builtin_registry();
    REQUIRE_THROWS_AS(registry.create("poisson_source", {}, "bg"), ConfigError);
    REQUIRE_THROWS_WITH(registry.create("poisson_source", {}, "bg"), Catch::Contains("units"));
    REQUIRE_THROWS_WITH(registry.create("poisson_source", {{"units", 3}, {"rate", -1.0}}, "bg"),
                        "PoissonSource 'bg': rate = -1 Hz must be >= 0");
    REQUIRE_THROWS_WITH(registry.create("poisson_source", {{"units", 3}, {"tau", -0.5}}, "bg"),
                        "PoissonSource 'bg': tau = -0.5 ms must be >= 0");
    REQUIRE_THROWS_AS(source({{"units", 3}, {"rate", 1000.0}, {"trains", 1e6}}), ConfigError);
    REQUIRE_THROWS_WITH(source({{"units", 3}, {"rate", 1000.0}, {"trains", 1e6}}),
                        Catch::Contains("rate = 1000 Hz gives trains x rate x dt / 1000 = 1e+05 input spikes per "
                                        "step for unit 0 (at most 10000"));
}

TEST_CASE("PoissonSource state: a restored stream replays the same currents, and reset keeps the stream",
          "[interfaces][poisson_source]") {
    using spark::testing::Copy;
    auto h = source({{"units", Value::List{5000.0}}, {"rate", 8.0}, {"trains", 1000.0}, {"tau", 0.5}});
    for (int t = 0; t < 10; ++t) h.step();
    Copy copy;
    h.component().visit_state(copy);
    REQUIRE(copy.saved.count("current") == 1);
    REQUIRE(copy.saved["rng"].size() == 2 * 4 * sizeof(std::uint64_t));  // two streams of 4096 units
    h.step();
    const auto out = h.output_f32(0);
    const std::vector<float> first(out.begin(), out.end());
    copy.load = true;
    h.component().visit_state(copy);
    h.step();
    CHECK(std::equal(first.begin(), first.end(), h.output_f32(0).begin()));
    h.component().reset();
    CHECK(h.as<PoissonSource>().currents()[0] == 0.0f);
    h.step();
    CHECK_FALSE(std::equal(first.begin(), first.end(), h.output_f32(0).begin()));  // the stream moved on
}

namespace {
// The documented draw, written plainly: threshold[k] = floor(2^32 F(k)) of Poisson(lambda) (accumulated
// as the header says, the last 2^32), n = the smallest k with u < threshold[k] (a binary search here).
std::vector<std::uint64_t> reference_thresholds(double lambda) {
    std::vector<std::uint64_t> threshold;
    double cdf = 0.0;
    for (std::size_t k = 0;; ++k) {
        const double log_p = lambda == 0.0 ? (k == 0 ? 0.0 : -INFINITY)
                                           : -lambda + double(k) * std::log(lambda) - std::lgamma(double(k) + 1.0);
        cdf += std::exp(log_p);
        if (cdf >= 1.0 - 0x1.0p-33 || (double(k) > lambda && log_p < -60.0 * std::log(2.0))) break;
        threshold.push_back(static_cast<std::uint64_t>(std::floor(cdf * 4294967296.0)));
    }
    threshold.push_back(std::uint64_t{1} << 32);
    return threshold;
}
}  // namespace

TEST_CASE("PoissonSource counts are the inversion of its streams' uniforms, unit by unit, at rates from 0 to the limit",
          "[interfaces][poisson_source]") {
    // 5097 units (a whole stream block of 4096 and an odd tail), lambda = trains x rate x dt / 1000 cycling
    // through 0 (never fires), 1.28 (the microcircuit's background), 10, 1000 and 10000 (the limit).
    const std::vector<double> lambdas{0.0, 1.28, 10.0, 1000.0, 10000.0};
    const std::size_t units = 5097, block = PoissonSource::stream_block;
    Value::List rates;
    for (std::size_t i = 0; i < units; ++i) rates.push_back(lambdas[i % lambdas.size()] * 1000.0 / (100.0 * 0.1));
    auto h = source({{"units", Value::List{double(units)}}, {"rate", rates}, {"trains", 100.0}}, 0.1, 11);
    std::vector<std::vector<std::uint64_t>> thresholds;
    for (double lambda : lambdas) thresholds.push_back(reference_thresholds(double(float(lambda))));
    spark::testing::Copy copy;
    h.component().visit_state(copy);
    std::vector<Rng> streams(2);
    std::memcpy(streams[0].state().data(), copy.saved["rng"].data(), 4 * sizeof(std::uint64_t));
    std::memcpy(streams[1].state().data(), copy.saved["rng"].data() + 4 * sizeof(std::uint64_t), 4 * sizeof(std::uint64_t));
    std::map<std::size_t, std::size_t> searched_cells;  // counts from cells with a threshold inside, per lambda
    for (int t = 0; t < 300; ++t) {
        h.step();
        const auto out = h.output_f32(0);
        for (std::size_t first = 0; first < units; first += block) {
            Rng& rng = streams[first / block];
            const std::size_t last = std::min(first + block, units);
            std::uint64_t word = 0;
            for (std::size_t i = first; i < last; ++i) {
                if ((i - first) % 2 == 0) word = rng.next();
                const std::uint64_t u = (i - first) % 2 == 0 ? word >> 32 : word & 0xffffffffu;
                const auto& thr = thresholds[i % lambdas.size()];
                const auto k = std::size_t(std::upper_bound(thr.begin(), thr.end(), u) - thr.begin());
                const std::uint64_t cell = u >> 21;
                if (thr[k] < (cell + 1) << 21 || (k > 0 && thr[k - 1] > cell << 21)) ++searched_cells[i % lambdas.size()];
                INFO("step " << t << ", unit " << i << ", lambda " << lambdas[i % lambdas.size()] << ", u " << u);
                REQUIRE(out[i] == float(k));
            }
        }
    }
    // The rare path (a threshold inside the uniform's table cell) was taken at every nonzero rate.
    for (std::size_t l = 1; l < lambdas.size(); ++l) CHECK(searched_cells[l] > 0);
}

namespace {
// A PoissonSource built as process `rank` of `processes` and stepped on the share such a run gives it
// (its unit block widened to whole stream blocks; the whole population when processes is 1).
struct SplitSource {
    std::unique_ptr<Component> component;
    Rng rng;
    std::vector<float> out;
    UnitShare own, share;
    std::int64_t steps = 0;

    SplitSource(const Overrides& overrides, std::size_t units, std::size_t rank, std::size_t processes)
        : component(components::builtin_registry().create("poisson_source", overrides, "bg")),
          rng(Rng::for_node(5, "bg")) {
        BuildContext ctx;
        ctx.dt = 0.1;
        ctx.rng = &rng;
        ctx.node = "bg";
        ctx.process_rank = rank;
        ctx.processes = processes;
        out.assign(component->build(ctx).outputs[0].size(), 0.0f);
        component->mark_built();
        const std::size_t block = PoissonSource::stream_block;
        own = processes > 1 ? unit_block_share(units, rank, processes) : UnitShare{0, units};
        if (processes > 1) share = {own.begin / block * block, std::min(units, (own.end + block - 1) / block * block)};
    }
    void step() {
        const ArrayRef output(out.data(), out.size());
        StepContext ctx{{}, std::span<const ArrayRef>(&output, 1), &serial_parallel(), steps++};
        ctx.share = share;
        component->step(ctx);
    }
    std::vector<std::uint64_t> streams() {
        spark::testing::Copy copy;
        component->visit_state(copy);
        std::vector<std::uint64_t> words(copy.saved["rng"].size() / sizeof(std::uint64_t));
        std::memcpy(words.data(), copy.saved["rng"].data(), copy.saved["rng"].size());
        return words;
    }
};
}  // namespace

TEST_CASE("PoissonSource's currents are the one-unit-at-a-time draw for any block fill, process split, table and filter",
          "[interfaces][poisson_source]") {
    // The reference: each block's stream from its initial state, one 64-bit draw per pair of units in
    // unit order (high half, then low half), n by binary search of the thresholds, I = decay I + weight n.
    // Unit counts around the stream block and its quarters (one to four positions of a stream drawn side
    // by side), odd tails, 1 to 3 processes, one or two lambdas, one or per-unit weights, tau 0 or 0.5.
    struct Case {
        std::size_t units, processes;
        bool two_rates, unit_weights, filtered;
    };
    const std::vector<Case> cases{{1, 1, false, false, true},        {3, 1, true, true, false},
                                  {1024, 1, false, true, true},      {1025, 1, true, false, false},
                                  {2049, 2, false, false, true},     {3001, 1, true, true, true},
                                  {4095, 3, false, false, false},    {4096, 2, true, false, true},
                                  {4097, 1, false, true, false},     {4096 + 1537, 3, true, true, true},
                                  {3 * 4096 + 2051, 2, false, false, true}, {3 * 4096 + 2051, 3, true, false, false}};
    const std::array<double, 2> lambdas{1.28, 2.32};
    std::array<std::vector<std::uint64_t>, 2> thresholds{reference_thresholds(double(float(lambdas[0]))),
                                                          reference_thresholds(double(float(lambdas[1])))};
    const float decay = static_cast<float>(std::exp(-0.1 / 0.5));
    const std::size_t block = PoissonSource::stream_block;
    for (const Case& c : cases) {
        Value::List trains, weights;
        std::vector<float> weight(c.units);
        for (std::size_t i = 0; i < c.units; ++i) {
            trains.push_back(lambdas[c.two_rates ? i % 2 : 0] * 1000.0 / (8.0 * 0.1));
            weights.push_back(c.unit_weights ? 10.0 + 0.37 * double(i % 7) : 87.8);
            weight[i] = float(c.unit_weights ? 10.0 + 0.37 * double(i % 7) : 87.8);
        }
        const Overrides o{{"units", Value::List{double(c.units)}}, {"rate", 8.0}, {"trains", trains},
                          {"weight", weights}, {"tau", c.filtered ? 0.5 : 0.0}};
        for (std::size_t rank = 0; rank < c.processes; ++rank) {
            INFO(c.units << " units, process " << rank << " of " << c.processes << ", two rates " << c.two_rates
                         << ", per-unit weights " << c.unit_weights << ", filtered " << c.filtered);
            SplitSource source(o, c.units, rank, c.processes);
            std::vector<std::uint64_t> reference = source.streams();
            std::vector<float> current(c.units, 0.0f);
            for (int t = 0; t < 12; ++t) {
                source.step();
                for (std::size_t first = 0; first < c.units; first += block) {
                    Rng rng;
                    std::copy_n(reference.begin() + std::ptrdiff_t(first / block * 4), 4, rng.state().begin());
                    std::uint64_t word = 0;
                    for (std::size_t i = first; i < std::min(first + block, c.units); ++i) {
                        if ((i - first) % 2 == 0) word = rng.next();
                        const std::uint64_t u = (i - first) % 2 == 0 ? word >> 32 : word & 0xffffffffu;
                        const auto& thr = thresholds[c.two_rates ? i % 2 : 0];
                        const float n = float(std::upper_bound(thr.begin(), thr.end(), u) - thr.begin());
                        current[i] = c.filtered ? decay * current[i] + weight[i] * n : weight[i] * n;
                        if (i >= source.own.begin && i < source.own.end) {
                            INFO("step " << t << ", unit " << i);
                            REQUIRE(std::bit_cast<std::uint32_t>(source.out[i]) == std::bit_cast<std::uint32_t>(current[i]));
                        }
                    }
                    std::copy_n(rng.state().begin(), 4, reference.begin() + std::ptrdiff_t(first / block * 4));
                }
                // The streams of the blocks the share steps moved on exactly as the reference's.
                const std::vector<std::uint64_t> streams = source.streams();
                const std::size_t lo = source.share.whole() ? 0 : source.share.begin / block;
                const std::size_t hi = source.share.whole() ? streams.size() / 4 : (source.share.end + block - 1) / block;
                INFO("step " << t);
                REQUIRE(std::equal(streams.begin() + std::ptrdiff_t(4 * lo), streams.begin() + std::ptrdiff_t(4 * hi),
                                   reference.begin() + std::ptrdiff_t(4 * lo)));
            }
        }
    }
}
