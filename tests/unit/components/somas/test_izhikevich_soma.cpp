#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include <spark/components/somas/izhikevich_soma.hpp>

#include "harness.hpp"
#include "soma_testing.hpp"

using namespace spark;
using spark::components::somas::IzhikevichSoma;
using namespace spark::testing;

namespace {

struct Izhikevich {
    double a, b, c, d;
};
constexpr Izhikevich regular_spiking{0.02, 0.2, -65.0, 8.0};
constexpr Izhikevich fast_spiking{0.1, 0.2, -65.0, 2.0};

Overrides overrides_for(const Izhikevich& p) {
    return {{"recovery_timescale", p.a}, {"recovery_sensitivity", p.b}, {"potential_reset", p.c},
            {"recovery_update", p.d}};
}

// The 2003 model written directly on the absolute potential V, in double precision, forward Euler:
//   V' = 0.04 V^2 + 5 V + 140 - u + I,  u' = a (b V - u);  V > 30 mV: V <- c, u <- u + d.
// Starts at V = -65 mV, u = b V. Returns the spike steps.
std::vector<int> reference_spikes(const Izhikevich& p, double input, double dt, int steps) {
    double v = -65.0, u = p.b * v;
    std::vector<int> spikes;
    for (int t = 0; t < steps; ++t) {
        const double next = v + dt * (0.04 * v * v + 5.0 * v + 140.0 - u + input);
        u = u + dt * p.a * (p.b * next - u);
        v = next;
        if (v > 30.0) {
            v = p.c;
            u += p.d;
            spikes.push_back(t);
        }
    }
    return spikes;
}

std::vector<int> intervals(const std::vector<int>& spikes) {
    std::vector<int> isi;
    for (std::size_t k = 1; k < spikes.size(); ++k) isi.push_back(spikes[k] - spikes[k - 1]);
    return isi;
}

}  // namespace

TEST_CASE("IzhikevichSoma first step follows the 2003 equations on the absolute potential", "[somas][validation]") {
    // Defaults: V_rest = -65, a = 0.02, b = 0.2; v = 0 means V = -65 mV and u starts at b V_rest = -13.
    auto h = soma("izhikevich_soma");
    auto& izh = h.as<IzhikevichSoma>();
    CHECK(izh.recovery_values()[0] == Approx(-13.0).epsilon(1e-6));
    h.step();  // I = 0, dt = 1: V' = 0.04 (65^2) - 325 + 140 + 13 = -3 mV/ms
    CHECK(izh.potential_values()[0] == Approx(-3.0).epsilon(1e-5));
    // u' = a (b V_new - u) = 0.02 (0.2 (-68) + 13) = -0.012
    CHECK(izh.recovery_values()[0] == Approx(-13.012).epsilon(1e-6));
    CHECK(h.output_u8(0)[0] == 0);
}

TEST_CASE("IzhikevichSoma stays silent at rest with no input (issue 4, design decision 1)",
          "[somas][regression][issue4]") {
    // Spark fed x = v - c to the quadratic and fired on every step (spec 2.9, section 14).
    auto h = soma("izhikevich_soma", {}, 1, 1.0);
    CHECK(spike_steps(h, 1000).empty());
    auto fine = soma("izhikevich_soma", overrides_for(fast_spiking), 1, 0.1);
    CHECK(spike_steps(fine, 10000).empty());
}

TEST_CASE("IzhikevichSoma regular- and fast-spiking counts match an independent double-precision integration",
          "[somas][validation]") {
    // R I = 10 and 15 mV/ms (I = 100 and 150 pA at R = 0.1 GOhm), 1 s at dt = 0.1 ms.
    const double dt = 0.1;
    const int steps = 10000;
    const auto [name, params] =
        GENERATE(table<std::string, Izhikevich>({{"RS", regular_spiking}, {"FS", fast_spiking}}));
    const double drive = GENERATE(10.0, 15.0);
    auto h = soma("izhikevich_soma", overrides_for(params), 1, dt);
    h.input_f32(0)[0] = static_cast<float>(drive / 0.1);
    const auto spikes = spike_steps(h, steps);
    const auto reference = reference_spikes(params, drive, dt, steps);
    INFO(name << " R I = " << drive << ": float32 " << spikes.size() << " spikes, float64 " << reference.size());
    REQUIRE(reference.size() > 10);
    // Tolerance: float32 rounding shifts late spikes by a step or so; 1 spike or 1 %, whichever is larger.
    const auto tolerance = std::max<std::ptrdiff_t>(1, static_cast<std::ptrdiff_t>(reference.size()) / 100);
    CHECK(std::abs(static_cast<std::ptrdiff_t>(spikes.size()) - static_cast<std::ptrdiff_t>(reference.size())) <=
          tolerance);
    // The first spikes land on the same steps.
    REQUIRE(spikes.size() >= 3);
    for (std::size_t k = 0; k < 3; ++k) CHECK(std::abs(spikes[k] - reference[k]) <= 1);
}

TEST_CASE("IzhikevichSoma regular spiking adapts, fast spiking hardly does", "[somas][validation]") {
    // Izhikevich (2003) fig. 2: RS fires a short first interval, then slows down; FS fires at high
    // frequency practically without adaptation. R I = 15 mV/ms, 1 s at dt = 0.1 ms.
    const double dt = 0.1;
    auto rs = soma("izhikevich_soma", overrides_for(regular_spiking), 1, dt);
    auto fs = soma("izhikevich_soma", overrides_for(fast_spiking), 1, dt);
    rs.input_f32(0)[0] = fs.input_f32(0)[0] = 150.0f;
    const auto rs_isi = intervals(spike_steps(rs, 10000));
    const auto fs_isi = intervals(spike_steps(fs, 10000));
    REQUIRE(rs_isi.size() >= 5);
    REQUIRE(fs_isi.size() >= 5);
    const double rs_ratio = static_cast<double>(rs_isi.back()) / rs_isi.front();
    const double fs_ratio = static_cast<double>(fs_isi.back()) / fs_isi.front();
    INFO("RS last/first ISI " << rs_ratio << ", FS " << fs_ratio);
    CHECK(rs_isi.front() < rs_isi.back());
    CHECK(rs_ratio > 4.0);  // 4.7 ms -> 30.6 ms
    CHECK(fs_ratio < 2.0);  // 2.9 ms -> 4.7 ms
    CHECK(fs_isi.size() > 4 * rs_isi.size());
}

TEST_CASE("IzhikevichSoma resistance scales the input current only", "[somas]") {
    // R I = 10 either way; were R to scale u as in Spark, the two runs would differ.
    auto a = soma("izhikevich_soma", {{"resistance", 0.1}}, 1, 0.1);
    auto b = soma("izhikevich_soma", {{"resistance", 0.5}}, 1, 0.1);
    a.input_f32(0)[0] = 100.0f;
    b.input_f32(0)[0] = 20.0f;
    for (int t = 0; t < 3000; ++t) {
        a.step();
        b.step();
        REQUIRE(a.output_u8(0)[0] == b.output_u8(0)[0]);
        REQUIRE(state_of(a.component()).bytes == state_of(b.component()).bytes);
    }
}

TEST_CASE("IzhikevichSoma resets v to c and bumps u by d at a spike, and reset() restores u = b V_rest",
          "[somas]") {
    auto h = soma("izhikevich_soma", {{"potential_rest", -70.0}, {"potential_reset", -50.0},
                                      {"recovery_update", 6.0}, {"recovery_sensitivity", 0.25}}, 1, 0.1);
    auto& izh = h.as<IzhikevichSoma>();
    const float u0 = 0.25f * -70.0f;
    CHECK(izh.recovery_values()[0] == u0);
    h.input_f32(0)[0] = 200.0f;
    int t = 0;
    float u_before = 0.0f, v_before = 0.0f;
    for (; t < 10000; ++t) {
        u_before = izh.recovery_values()[0];
        v_before = izh.potential_values()[0];
        h.step();
        if (h.output_u8(0)[0] & spike::bit) break;
    }
    REQUIRE(t < 10000);
    CHECK(izh.potential_values()[0] == -50.0f - -70.0f);  // c - V_rest
    // u used the updated (pre-reset) potential, then gained d.
    const float v_new = v_before + 0.1f * (0.04f * ((v_before - 70.0f) * (v_before - 70.0f)) +
                                           5.0f * (v_before - 70.0f) + 140.0f - u_before + 0.1f * 200.0f);
    const float expected_u = u_before + 0.1f * 0.02f * (0.25f * (v_new - 70.0f) - u_before) + 6.0f;
    CHECK(izh.recovery_values()[0] == Approx(expected_u).epsilon(1e-5));
    izh.reset();
    CHECK(izh.recovery_values()[0] == u0);
    CHECK(izh.potential_values()[0] == 0.0f);
}

TEST_CASE("IzhikevichSoma exposes potential and recovery by name", "[somas]") {
    auto h = soma("izhikevich_soma", {}, 3);
    CHECK(state_of(h.component()).dtypes == std::map<std::string, DType>{{"potential", DType::f32},
                                                                         {"recovery", DType::f32}});
}

TEST_CASE("IzhikevichSoma takes per-neuron parameters: RS and FS in one population", "[somas]") {
    Overrides both{{"recovery_timescale", Value::List{0.02, 0.1}}, {"recovery_update", Value::List{8.0, 2.0}}};
    require_pair_as_singles("izhikevich_soma", both, overrides_for(regular_spiking), overrides_for(fast_spiking), 5000,
                            0.1, [](int) { return 100.0f; });
}

TEST_CASE("IzhikevichSoma refuses a non-positive recovery_timescale and wrong array lengths", "[somas][config]") {
    REQUIRE_THROWS_AS(soma("izhikevich_soma", {{"recovery_timescale", 0.0}}), ConfigError);
    REQUIRE_THROWS_WITH(soma("izhikevich_soma", {{"recovery_timescale", 0.0}}),
                        Catch::Contains("IzhikevichSoma 'izhikevich_soma': recovery_timescale = 0 1/ms must be > 0"));
    REQUIRE_THROWS_AS(soma("izhikevich_soma", {{"recovery_update", Value::List{8.0, 2.0}}}, 3), ConfigError);
    REQUIRE_THROWS_WITH(soma("izhikevich_soma", {{"recovery_update", Value::List{8.0, 2.0}}}, 3),
                        Catch::Contains("recovery_update = [8, 2] has 2 values; expected 1 or 3"));
}

TEST_CASE("IzhikevichSoma gives the same result whatever the chunking of a large population", "[somas]") {
    const std::size_t n = 40000;
    const Overrides drawn{{"recovery_timescale", Value::Map{{"initializer", "uniform_initializer"}, {"scale", 0.1},
                                                            {"min_value", 0.02}}}};
    require_same_state_whatever_the_chunking("izhikevich_soma", drawn, n, 0.1, 5, 40, [](std::size_t i, int t) {
        return static_cast<float>((i * 29 + static_cast<std::size_t>(t) * 7) % 300);
    });
}
