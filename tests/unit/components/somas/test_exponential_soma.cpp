#include <catch2/catch.hpp>

#include <cmath>

#include <spark/components/somas/exponential_soma.hpp>
#include <spark/core/tracer.hpp>

#include "harness.hpp"
#include "soma_testing.hpp"

using namespace spark;
using namespace spark::components::somas;
using namespace spark::testing;

namespace {

// The EIF constants at the defaults of spec 2.5, rest-relative, computed as the spec states them.
struct EifDefaults {
    float rate;                           // k = dt/tau
    float resistance = 0.5f;              // [GOhm]
    float theta = -30.0f - (-70.0f);      // 40 mV
    float rheobase = -50.0f - (-70.0f);   // 20 mV
    float slope = 2.0f;                   // [mV]
    float reset = -51.0f - (-70.0f);      // 19 mV
    explicit EifDefaults(double dt) : rate(static_cast<float>(dt / 5.0)) {}
};

// One step of spec 2.5 (and 2.7 with w) exactly as written: no clamp.
float eif_unclamped(const EifDefaults& p, float v, float w, float current) {
    return v + p.rate * (-v + p.slope * std::exp((v - p.rheobase) / p.slope) - p.resistance * w +
                         p.resistance * current);
}

const std::vector<std::string> kExponentialSomas{"exponential_soma", "refractory_exponential_soma",
                                                 "adaptive_exponential_soma",
                                                 "simplified_adaptive_exponential_soma"};

}  // namespace

TEST_CASE("ExponentialSoma trajectory is bit-identical to the unclamped formula of spec 2.5", "[somas][validation]") {
    const double dt = 0.1;
    const EifDefaults p(dt);
    // Below the rheobase (R I < theta_rh - Delta_T = 18 mV), just above it, and strongly driven.
    const float current = GENERATE(0.0f, 20.0f, 35.0f, 37.0f, 60.0f, 200.0f, -80.0f);
    INFO("I = " << current << " pA");
    auto h = soma("exponential_soma", {}, 1, dt);
    h.input_f32(0)[0] = current;
    float v = 0.0f;
    int spikes = 0;
    for (int t = 0; t < 5000; ++t) {
        h.step();
        v = eif_unclamped(p, v, 0.0f, current);
        const bool s = v > p.theta;
        if (s) v = p.reset;
        spikes += s;
        REQUIRE((h.output_u8(0)[0] == spike::bit) == s);
        REQUIRE(h.as<ExponentialSoma>().potential_values()[0] == v);
    }
    if (current >= 37.0f) CHECK(spikes > 0);
}

TEST_CASE("ExponentialSoma fires only above its rheobase R I > theta_rh - Delta_T", "[somas][validation]") {
    // The fixed point -v + Delta_T e^{(v - theta_rh)/Delta_T} + R I = 0 exists iff R I <= theta_rh - Delta_T
    // = 20 - 2 = 18 mV, i.e. I <= 36 pA at R = 0.5 GOhm.
    auto below = soma("exponential_soma", {}, 1, 0.1);
    below.input_f32(0)[0] = 35.0f;
    CHECK(spike_steps(below, 10000).empty());
    auto above = soma("exponential_soma", {}, 1, 0.1);
    above.input_f32(0)[0] = 37.0f;
    CHECK_FALSE(spike_steps(above, 10000).empty());
}

TEST_CASE("Exponential somas never produce NaN or inf, whatever the input", "[somas][validation]") {
    const auto type = GENERATE_REF(from_range(kExponentialSomas));
    // The defaults, and a slope so small that exp((theta - theta_rh)/Delta_T) = e^200 overflows float32.
    const auto overrides = GENERATE(Overrides{}, Overrides{{"spike_slope", 0.1}});
    const double dt = GENERATE(1.0, 0.1);
    INFO(type << " dt " << dt << (overrides.empty() ? "" : " spike_slope 0.1"));
    auto h = soma(type, overrides, 4, dt);
    auto current = h.input_f32(0);
    int spikes = 0;
    for (int t = 0; t < 400; ++t) {
        current[0] = 1e9f;
        current[1] = -1e9f;
        current[2] = (t % 2) ? 1e9f : -1e9f;
        current[3] = (t / 50) % 2 ? 1e9f : -1e9f;
        h.step();
        spikes += h.output_u8(0)[0] & spike::bit;
        const auto state = state_of(h.component());
        INFO("step " << t);
        REQUIRE(state.all_finite());
    }
    CHECK(spikes > 0);
}

TEST_CASE("Exponential somas stay finite when a refractory potential sits above the cut-off", "[somas][validation]") {
    // v_reset = +40 mV above theta: after a spike the refractory neuron cannot fire again, so v stays
    // above theta; the exponential term is clamped at the cut-off and bounded.
    const auto type = GENERATE(as<std::string>{}, "refractory_exponential_soma",
                               "simplified_adaptive_exponential_soma");
    INFO(type);
    auto h = soma(type, {{"potential_reset", 10.0}, {"spike_slope", 0.1}, {"cooldown", 20.0}}, 1, 1.0);
    h.input_f32(0)[0] = 1000.0f;
    for (int t = 0; t < 200; ++t) {
        h.step();
        REQUIRE(state_of(h.component()).all_finite());
    }
}

TEST_CASE("RefractoryExponentialSoma fires every c + 2 steps at most and keeps its uint16 counter on reset",
          "[somas][validation]") {
    auto h = soma("refractory_exponential_soma", {{"cooldown", 3.0}});
    h.input_f32(0)[0] = 1e5f;  // R I = 5e4 mV: one Euler step crosses the cut-off
    const auto steps = spike_steps(h, 40);
    REQUIRE(steps.size() >= 3);
    CHECK(steps[0] == 1);  // the first step is not ready
    for (std::size_t k = 1; k < steps.size(); ++k) CHECK(steps[k] - steps[k - 1] == 5);
    h.component().reset();  // Spark re-created the counter as float here (spec 2.6)
    const auto state = state_of(h.component());
    CHECK(state.dtypes.at("refractory") == DType::u16);
    CHECK(state.u16("refractory") == std::vector<std::uint16_t>{3});
}

TEST_CASE("RefractoryExponentialSoma gates only the input while refractory", "[somas]") {
    const EifDefaults p(1.0);
    auto h = soma("refractory_exponential_soma");
    h.input_f32(0)[0] = 1e5f;
    h.step();  // not ready: v = 0 + k (0 + 2 e^{-10})
    const float v0 = eif_unclamped(p, 0.0f, 0.0f, 0.0f);
    CHECK(h.as<components::somas::RefractoryExponentialSoma>().potential_values()[0] == v0);
    h.step();  // ready: spike and reset to 19 mV
    CHECK(h.output_u8(0)[0] == spike::bit);
    h.step();  // refractory: the intrinsic dynamics continue from v_reset without the input
    CHECK(h.as<components::somas::RefractoryExponentialSoma>().potential_values()[0] ==
          eif_unclamped(p, p.reset, 0.0f, 0.0f));
}

TEST_CASE("AdaptiveExponentialSoma follows spec 2.7 step by step, w using the post-reset potential",
          "[somas][validation]") {
    const EifDefaults p(1.0);
    const float adaptation_rate = static_cast<float>(1.0 / 100.0), a = 0.5f, b = 7.0f;
    auto h = soma("adaptive_exponential_soma");
    auto& adex = h.as<AdaptiveExponentialSoma>();
    float v = 0.0f, w = 0.0f;
    for (int t = 0; t < 60; ++t) {
        const float current = t < 30 ? 200.0f : 0.0f;
        h.input_f32(0)[0] = current;
        h.step();
        v = eif_unclamped(p, v, w, current);
        const bool s = v > p.theta;
        if (s) v = p.reset;
        w = w + adaptation_rate * (-w + a * v) + b * static_cast<float>(s);
        REQUIRE((h.output_u8(0)[0] == spike::bit) == s);
        REQUIRE(adex.potential_values()[0] == v);
        REQUIRE(adex.adaptation_values()[0] == w);
    }
    CHECK(w != 0.0f);
    adex.reset();
    CHECK(adex.adaptation_values()[0] == 0.0f);
    CHECK(adex.potential_values()[0] == 0.0f);
}

TEST_CASE("AdaptiveExponentialSoma tonic spiking with adaptation: growing inter-spike intervals",
          "[somas][validation]") {
    // Defaults (tau_w = 100 ms, a = 0.5 nS, b = 7 pA), I = 100 pA for 1 s at dt = 0.1 ms.
    const double dt = 0.1;
    const int steps = 10000;
    const double current = 100.0;
    auto h = soma("adaptive_exponential_soma", {}, 1, dt);
    h.input_f32(0)[0] = static_cast<float>(current);
    const auto spikes = spike_steps(h, steps);
    REQUIRE(spikes.size() >= 6);
    std::vector<int> isi;
    for (std::size_t k = 1; k < spikes.size(); ++k) isi.push_back(spikes[k] - spikes[k - 1]);
    // Adaptation builds up over the first spikes: each of the first intervals is longer than the one before,
    // and none is shorter than the first.
    for (std::size_t k = 1; k < 4; ++k) CHECK(isi[k] > isi[k - 1]);
    for (int x : isi) CHECK(x >= isi.front());
    CHECK(isi.back() > 2 * isi.front());

    // An independent double-precision Euler integration of spec 2.7 gives the same spike count (+-1).
    const double k = dt / 5.0, r = 0.5, theta = 40.0, rheobase = 20.0, slope = 2.0, v_reset = 19.0;
    const double kw = dt / 100.0, a = 0.5, b = 7.0;
    double v = 0.0, w = 0.0;
    int reference = 0;
    for (int t = 0; t < steps; ++t) {
        v = v + k * (-v + slope * std::exp((v - rheobase) / slope) - r * w + r * current);
        const bool s = v > theta;
        if (s) v = v_reset;
        w = w + kw * (-w + a * v) + b * (s ? 1.0 : 0.0);
        reference += s;
    }
    INFO("float32 " << spikes.size() << " spikes, float64 " << reference);
    CHECK(std::abs(static_cast<int>(spikes.size()) - reference) <= 1);
}

TEST_CASE("SimplifiedAdaptiveExponentialSoma threshold is the Tracer of spec 1.8 and slows the firing",
          "[somas][validation]") {
    auto h = soma("simplified_adaptive_exponential_soma", {}, 1, 0.1);
    auto& sadex = h.as<SimplifiedAdaptiveExponentialSoma>();
    // base = V_th - V_rest = 40 mV, tau = 20 ms, scale = 100 mV.
    const int adaptive = require_threshold_is_tracer<SimplifiedAdaptiveExponentialSoma>(h, 20.0f, 100.0f, 40.0f, 0.1,
                                                                                         200.0f, 5000);
    auto fixed = soma("refractory_exponential_soma", {}, 1, 0.1);
    fixed.input_f32(0)[0] = 200.0f;
    const auto plain = spike_steps(fixed, 5000).size();
    INFO("adaptive threshold " << adaptive << " spikes, constant threshold " << plain);
    CHECK(adaptive > 0);
    CHECK(static_cast<std::size_t>(adaptive) < plain);
    sadex.reset();
    CHECK(sadex.adaptive_threshold().values()[0] == 40.0f);
}

TEST_CASE("Exponential somas expose their state by name", "[somas]") {
    using Names = std::map<std::string, DType>;
    const auto [type, names] = GENERATE(table<std::string, Names>({
        {"exponential_soma", Names{{"potential", DType::f32}}},
        {"refractory_exponential_soma", Names{{"potential", DType::f32}, {"refractory", DType::u16}}},
        {"adaptive_exponential_soma", Names{{"potential", DType::f32}, {"adaptation", DType::f32}}},
        {"simplified_adaptive_exponential_soma",
         Names{{"potential", DType::f32}, {"refractory", DType::u16}, {"threshold", DType::f32}}},
    }));
    auto h = soma(type, {}, 3);
    CHECK(state_of(h.component()).dtypes == names);
}

TEST_CASE("Exponential somas refuse non-positive time constants and slopes, and wrong array lengths",
          "[somas][config]") {
    const auto type = GENERATE_REF(from_range(kExponentialSomas));
    INFO(type);
    REQUIRE_THROWS_AS(soma(type, {{"potential_tau", 0.0}}), ConfigError);
    REQUIRE_THROWS_WITH(soma(type, {{"potential_tau", 0.0}}), Catch::Contains("potential_tau = 0 ms must be > 0"));
    REQUIRE_THROWS_AS(soma(type, {{"spike_slope", -2.0}}), ConfigError);
    REQUIRE_THROWS_WITH(soma(type, {{"spike_slope", -2.0}}), Catch::Contains("spike_slope = -2 mV must be > 0"));
    REQUIRE_THROWS_AS(soma(type, {{"rheobase_threshold", Value::List{-50.0, -49.0}}}, 3), ConfigError);
    REQUIRE_THROWS_WITH(soma(type, {{"rheobase_threshold", Value::List{-50.0, -49.0}}}, 3),
                        Catch::Contains("rheobase_threshold = [-50, -49] has 2 values; expected 1 or 3"));
    // An initializer that draws a non-positive slope is refused at build.
    REQUIRE_THROWS_WITH(soma(type, {{"spike_slope", Value::Map{{"initializer", "uniform_initializer"},
                                                               {"scale", -1.0}}}}, 3),
                        Catch::Contains("spike_slope") && Catch::Contains("must be > 0"));
}

TEST_CASE("AdaptiveExponentialSoma refuses a non-positive adaptation_tau", "[somas][config]") {
    REQUIRE_THROWS_AS(soma("adaptive_exponential_soma", {{"adaptation_tau", -100.0}}), ConfigError);
    REQUIRE_THROWS_WITH(soma("adaptive_exponential_soma", {{"adaptation_tau", -100.0}}),
                        Catch::Contains("AdaptiveExponentialSoma 'adaptive_exponential_soma': "
                                        "adaptation_tau = -100 ms must be > 0"));
}

TEST_CASE("Exponential somas give per-neuron parameters the same result as separate populations", "[somas]") {
    const auto type = GENERATE_REF(from_range(kExponentialSomas));
    INFO(type);
    Overrides both{{"spike_slope", Value::List{2.0, 3.5}}, {"rheobase_threshold", Value::List{-50.0, -52.0}}};
    Overrides first{{"spike_slope", 2.0}, {"rheobase_threshold", -50.0}};
    Overrides second{{"spike_slope", 3.5}, {"rheobase_threshold", -52.0}};
    if (type == "adaptive_exponential_soma") {
        both.push_back({"adaptation_delta", Value::List{7.0, 20.0}});
        first.push_back({"adaptation_delta", 7.0});
        second.push_back({"adaptation_delta", 20.0});
    }
    auto pair = soma(type, both, 2, 0.1);
    auto a = soma(type, first, 1, 0.1);
    auto b = soma(type, second, 1, 0.1);
    int spikes = 0;
    for (int t = 0; t < 3000; ++t) {
        const float current = 30.0f + static_cast<float>(t % 13) * 10.0f;
        pair.input_f32(0)[0] = pair.input_f32(0)[1] = a.input_f32(0)[0] = b.input_f32(0)[0] = current;
        pair.step();
        a.step();
        b.step();
        REQUIRE(pair.output_u8(0)[0] == a.output_u8(0)[0]);
        REQUIRE(pair.output_u8(0)[1] == b.output_u8(0)[0]);
        spikes += pair.output_u8(0)[0] + pair.output_u8(0)[1];
    }
    CHECK(spikes > 0);
    const auto together = state_of(pair.component());
    const auto alone_first = state_of(a.component());
    const auto alone_second = state_of(b.component());
    for (const auto& [name, dtype] : together.dtypes) {
        INFO(name);
        const auto& bytes = together.bytes.at(name);
        const auto& first_bytes = alone_first.bytes.at(name);
        const auto& second_bytes = alone_second.bytes.at(name);
        CHECK(std::equal(first_bytes.begin(), first_bytes.end(), bytes.begin()));
        const auto offset = static_cast<std::ptrdiff_t>(first_bytes.size());
        CHECK(std::equal(second_bytes.begin(), second_bytes.end(), bytes.begin() + offset));
    }
}

TEST_CASE("Exponential somas give the same result whatever the chunking of a large population", "[somas]") {
    const auto type = GENERATE_REF(from_range(kExponentialSomas));
    INFO(type);
    const std::size_t n = 40000;
    const Overrides drawn{{"spike_slope", Value::Map{{"initializer", "uniform_initializer"}, {"scale", 3.0},
                                                     {"min_value", 0.5}}}};
    require_same_state_whatever_the_chunking(type, drawn, n, 0.1, 3, 40, [](std::size_t i, int t) {
        return static_cast<float>((i * 53 + static_cast<std::size_t>(t) * 17) % 400);
    });
}
