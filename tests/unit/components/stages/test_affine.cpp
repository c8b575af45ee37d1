#include <catch2/catch.hpp>

#include <spark/components/builtin.hpp>

#include "harness.hpp"

using namespace spark;
using spark::testing::Harness;
using Catch::Matchers::Contains;

namespace {
Harness stage(std::string_view type, Overrides overrides, PortSpec input) {
    return Harness(components::builtin_registry(), type, overrides, {std::move(input)});
}
}  // namespace

TEST_CASE("Affine computes W x + b on float input", "[stages]") {
    // W = [[1, 2, 3], [-1, 0, 0.5]], b = [0.25, -2]
    auto h = stage("affine",
                   {{"units", Value::List{2.0}},
                    {"weight", Value::List{1.0, 2.0, 3.0, -1.0, 0.0, 0.5}},
                    {"bias", Value::List{0.25, -2.0}}},
                   PortSpec(PayloadKind::floating, {3}));
    REQUIRE(h.result().outputs[0] == PortSpec(PayloadKind::current, {2}));
    const float x[] = {0.5f, -1.0f, 4.0f};
    std::copy(std::begin(x), std::end(x), h.input_f32(0).begin());
    h.step();
    CHECK(h.output_f32(0)[0] == 1.0f * 0.5f + 2.0f * -1.0f + 3.0f * 4.0f + 0.25f);
    CHECK(h.output_f32(0)[1] == -1.0f * 0.5f + 0.5f * 4.0f - 2.0f);
}

TEST_CASE("Affine reads spikes as their signed value", "[stages]") {
    auto h = stage("affine", {{"units", Value::List{1.0}}, {"weight", Value::List{10.0, 20.0, 40.0}}},
                   PortSpec(PayloadKind::spikes, {3}));
    h.input_u8(0)[0] = spike::encode(true, false);
    h.input_u8(0)[1] = 0;
    h.input_u8(0)[2] = spike::encode(true, true);
    h.step();
    CHECK(h.output_f32(0)[0] == 10.0f - 40.0f);
}

TEST_CASE("Affine with nonzeros equals the dense map with the same weights", "[stages]") {
    auto dense = stage("affine", {{"units", Value::List{2.0}}, {"weight", Value::List{0.0, 3.0, 0.0, 5.0, 0.0, 7.0}}},
                       PortSpec(PayloadKind::current, {3}));
    auto sparse = stage("affine",
                        {{"units", Value::List{2.0}},
                         {"weight", Value::List{3.0, 5.0, 7.0}},
                         {"nonzeros", Value::List{1.0, 3.0, 5.0}}},
                        PortSpec(PayloadKind::current, {3}));
    for (auto* h : {&dense, &sparse}) {
        h->input_f32(0)[0] = 1.5f;
        h->input_f32(0)[1] = -0.25f;
        h->input_f32(0)[2] = 2.0f;
        h->step();
    }
    CHECK(sparse.output_f32(0)[0] == -0.75f);
    CHECK(sparse.output_f32(0)[1] == 5.0f * 1.5f + 7.0f * 2.0f);
    CHECK(dense.output_f32(0)[0] == sparse.output_f32(0)[0]);
    CHECK(dense.output_f32(0)[1] == sparse.output_f32(0)[1]);
}

TEST_CASE("Affine refuses nonzeros outside units x inputs and not increasing", "[stages]") {
    REQUIRE_THROWS_AS(stage("affine", {{"units", Value::List{2.0}}, {"weight", 1.0}, {"nonzeros", Value::List{1.0, 6.0}}},
                            PortSpec(PayloadKind::current, {3})),
                      ShapeError);
    REQUIRE_THROWS_WITH(components::builtin_registry().create(
                            "affine", {{"units", Value::List{2.0}}, {"nonzeros", Value::List{3.0, 3.0}}}, "a"),
                        Contains("nonzeros[1]") && Contains("must be > the entry before it"));
}

TEST_CASE("Affine refuses a weight array of the wrong size naming the field", "[stages]") {
    REQUIRE_THROWS_WITH(stage("affine", {{"units", Value::List{2.0}}, {"weight", Value::List{1.0, 2.0, 3.0}}},
                              PortSpec(PayloadKind::current, {2})),
                        Contains("weight"));
}

TEST_CASE("Scale multiplies element-wise", "[stages]") {
    auto h = stage("scale", {{"scale", Value::List{2.0, -0.5}}}, PortSpec(PayloadKind::potential, {2}));
    REQUIRE(h.result().outputs[0] == PortSpec(PayloadKind::current, {2}));
    h.input_f32(0)[0] = 3.0f;
    h.input_f32(0)[1] = 3.0f;
    h.step();
    CHECK(h.output_f32(0)[0] == 6.0f);
    CHECK(h.output_f32(0)[1] == -1.5f);
}

TEST_CASE("Threshold is a strict Heaviside", "[stages]") {
    auto h = stage("threshold", {{"threshold", 1.0}}, PortSpec(PayloadKind::floating, {3}));
    REQUIRE(h.result().outputs[0] == PortSpec(PayloadKind::spikes, {3}));
    h.input_f32(0)[0] = 0.5f;
    h.input_f32(0)[1] = 1.0f;
    h.input_f32(0)[2] = 1.0000001f;
    h.step();
    CHECK(h.output_u8(0)[0] == 0);
    CHECK(h.output_u8(0)[1] == 0);
    CHECK(h.output_u8(0)[2] == spike::bit);
}

TEST_CASE("Stages refuse a mask input naming the port", "[stages]") {
    for (const char* type : {"scale", "threshold", "leaky_integrator", "integrator", "synaptic_current"}) {
        REQUIRE_THROWS_AS(stage(type, {}, PortSpec(PayloadKind::boolean_mask, {2})), ShapeError);
        REQUIRE_THROWS_WITH(stage(type, {}, PortSpec(PayloadKind::boolean_mask, {2})), Contains("input"));
    }
}
