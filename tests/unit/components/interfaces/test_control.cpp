// Concat, ConcatReshape and Sampler (spec section 7.3, design decision 8).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include <spark/components/builtin.hpp>
#include <spark/components/interfaces/control.hpp>

#include "harness.hpp"

using namespace spark;
using namespace spark::components::interfaces;
using spark::testing::Harness;

namespace {
const Registry& registry() { return components::builtin_registry(); }

// A spike input whose elements cycle through: spike, inhibitory spike, silent, silent inhibitory.
PortSpec inhibitory_spikes(Shape shape) {
    PortSpec spec(PayloadKind::spikes, std::move(shape));
    for (std::size_t i = 0; i < spec.size(); ++i) spec.mask.push_back(i % 4 == 1 || i % 4 == 3);
    return spec;
}
std::uint8_t code(std::size_t i) {
    switch (i % 4) {
        case 0: return spike::bit;
        case 1: return spike::bit | spike::inhibitory;
        case 2: return 0;
        default: return spike::inhibitory;
    }
}
}  // namespace

TEST_CASE("Concat flattens in order and keeps the spike signs", "[interfaces][control]") {
    Harness h(registry(), "concat", {}, {inhibitory_spikes({2, 3})});
    const auto& out = h.result().outputs[0];
    CHECK(out.kind == PayloadKind::spikes);
    CHECK(out.shape == Shape{6});
    CHECK(out.mask == std::vector<std::uint8_t>{0, 1, 0, 1, 0, 1});
    for (std::size_t i = 0; i < 6; ++i) h.input_u8(0)[i] = code(i);
    h.step();
    for (std::size_t i = 0; i < 6; ++i) CHECK(h.output_u8(0)[i] == code(i));
    CHECK(spike::signed_value(h.output_u8(0)[1]) == -1.0f);
    CHECK(spike::signed_value(h.output_u8(0)[4]) == 1.0f);
}

TEST_CASE("Concat copies value payloads of any kind bit for bit", "[interfaces][control]") {
    for (PayloadKind kind : {PayloadKind::current, PayloadKind::floating, PayloadKind::potential}) {
        Harness h(registry(), "concat", {}, {PortSpec(kind, {3, 2})});
        CHECK(h.result().outputs[0] == PortSpec(kind, {6}));
        for (std::size_t i = 0; i < 6; ++i) h.input_f32(0)[i] = -1.5f * static_cast<float>(i) + 0.25f;
        h.step();
        for (std::size_t i = 0; i < 6; ++i) CHECK(h.output_f32(0)[i] == -1.5f * static_cast<float>(i) + 0.25f);
    }
    Harness ints(registry(), "concat", {}, {PortSpec(PayloadKind::integer, {4})});
    ints.input_i32(0)[2] = -7;
    ints.step();
    CHECK(ints.output_i32(0)[2] == -7);
}

TEST_CASE("Concat refuses an empty payload naming its input port", "[interfaces][control]") {
    auto build = [] { Harness(registry(), "concat", {}, {PortSpec(PayloadKind::spikes, Shape{})}); };
    REQUIRE_THROWS_AS(build(), ShapeError);
    REQUIRE_THROWS_WITH(build(), Catch::Contains("'inputs'") && Catch::Contains("non-empty payload"));
}

TEST_CASE("ConcatReshape flattens and reshapes, checking the element count at build", "[interfaces][control]") {
    Harness h(registry(), "concat_reshape", {{"reshape", Value::List{3.0, 2.0}}}, {inhibitory_spikes({6})});
    CHECK(h.result().outputs[0].shape == Shape{3, 2});
    CHECK(h.result().outputs[0].kind == PayloadKind::spikes);
    for (std::size_t i = 0; i < 6; ++i) h.input_u8(0)[i] = code(i);
    h.step();
    for (std::size_t i = 0; i < 6; ++i) CHECK(h.output_u8(0)[i] == code(i));

    auto wrong = [] {
        Harness(registry(), "concat_reshape", {{"reshape", Value::List{4.0, 2.0}}}, {PortSpec(PayloadKind::current, {6})});
    };
    REQUIRE_THROWS_AS(wrong(), ShapeError);
    REQUIRE_THROWS_WITH(wrong(), Catch::Contains("inputs") && Catch::Contains("8 elements (reshape [4,2])") &&
                                     Catch::Contains("CurrentArray[6]"));
    auto missing = [] { Harness(registry(), "concat_reshape", {}, {PortSpec(PayloadKind::current, {6})}); };
    REQUIRE_THROWS_AS(missing(), ConfigError);
    REQUIRE_THROWS_WITH(missing(), Catch::Contains("reshape") && Catch::Contains("must be given"));
}

TEST_CASE("Sampler gathers a fixed sample drawn with replacement", "[interfaces][control]") {
    Harness h(registry(), "sampler", {{"sample_size", 40.0}}, {PortSpec(PayloadKind::floating, {5})});
    const auto idx = h.as<Sampler>().indices();
    REQUIRE(idx.size() == 40);
    CHECK(h.result().outputs[0] == PortSpec(PayloadKind::floating, {40}));
    std::vector<int> seen(5, 0);
    for (auto i : idx) {
        REQUIRE(i < 5);
        ++seen[i];
    }
    for (int s : seen) CHECK(s > 0);  // 40 draws from 5: every index drawn (P(miss) = 5 * 0.8^40 ~ 7e-4 for this seed)
    for (int t = 0; t < 3; ++t) {
        for (std::size_t i = 0; i < 5; ++i) h.input_f32(0)[i] = static_cast<float>(10 * t + static_cast<int>(i));
        h.step();
        for (std::size_t k = 0; k < 40; ++k) REQUIRE(h.output_f32(0)[k] == static_cast<float>(10 * t + static_cast<int>(idx[k])));
    }
}

TEST_CASE("Sampler indices are uniform and deterministic per seed and node", "[interfaces][control]") {
    auto make = [](const std::string& name, std::uint64_t seed) {
        SamplerConfig config;
        config.sample_size = 20000;
        return Harness(std::make_unique<Sampler>(config, name), {PortSpec(PayloadKind::current, {4})}, 1.0, seed);
    };
    auto a = make("s", 1), b = make("s", 1), c = make("t", 1);
    const auto ia = a.as<Sampler>().indices();
    const std::vector<std::uint32_t> va(ia.begin(), ia.end());
    const auto ib = b.as<Sampler>().indices();
    const auto ic = c.as<Sampler>().indices();
    CHECK(std::vector<std::uint32_t>(ib.begin(), ib.end()) == va);
    CHECK(std::vector<std::uint32_t>(ic.begin(), ic.end()) != va);
    std::vector<double> counts(4, 0.0);
    for (auto i : va) counts[i] += 1.0;
    const double mean = 20000 * 0.25, sd = std::sqrt(20000 * 0.25 * 0.75);
    for (double n : counts) CHECK(std::abs(n - mean) < 5 * sd);
}

TEST_CASE("Sampler keeps spike signs and gathers the inhibition mask", "[interfaces][control]") {
    Harness h(registry(), "sampler", {{"sample_size", 64.0}}, {inhibitory_spikes({8})});
    const auto idx = h.as<Sampler>().indices();
    const auto& out = h.result().outputs[0];
    CHECK(out.kind == PayloadKind::spikes);
    REQUIRE(out.mask.size() == 64);
    for (std::size_t k = 0; k < 64; ++k) CHECK(out.mask[k] == (idx[k] % 4 == 1 || idx[k] % 4 == 3));
    for (std::size_t i = 0; i < 8; ++i) h.input_u8(0)[i] = code(i);
    h.step();
    bool saw_negative = false;
    for (std::size_t k = 0; k < 64; ++k) {
        REQUIRE(h.output_u8(0)[k] == code(idx[k]));
        saw_negative = saw_negative || spike::signed_value(h.output_u8(0)[k]) == -1.0f;
    }
    CHECK(saw_negative);
}

TEST_CASE("Sampler refuses sample_size 0 and an empty input", "[interfaces][control][config]") {
    auto zero = [] { Harness(registry(), "sampler", {}, {PortSpec(PayloadKind::current, {4})}); };
    REQUIRE_THROWS_AS(zero(), ConfigError);
    REQUIRE_THROWS_WITH(zero(), Catch::Contains("Sampler") && Catch::Contains("sample_size") &&
                                    Catch::Contains("must be given and > 0"));
    auto empty = [] { Harness(registry(), "sampler", {{"sample_size", 3.0}}, {PortSpec(PayloadKind::current, Shape{})}); };
    REQUIRE_THROWS_AS(empty(), ShapeError);
    REQUIRE_THROWS_WITH(empty(), Catch::Contains("inputs"));
}
