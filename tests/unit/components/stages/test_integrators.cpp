// The integrators against their closed forms, for a step much smaller and one larger than tau.
#include <catch2/catch.hpp>

#include <cmath>

#include <spark/components/builtin.hpp>

#include "harness.hpp"

using namespace spark;
using spark::testing::Harness;

namespace {
Harness stage(std::string_view type, Overrides overrides, double dt, PayloadKind kind = PayloadKind::current) {
    return Harness(components::builtin_registry(), type, overrides, {PortSpec(kind, {1})}, dt);
}
// Relative tolerance for float32 state advanced by up to ~1000 steps.
constexpr double tolerance = 2e-5;
}  // namespace

TEST_CASE("LeakyIntegrator charges as v_leak (1 - e^-t/tau) + R x (1 - e^-t/tau) from 0", "[stages][validation]") {
    const double dt = GENERATE(0.01, 2.0);
    const double tau = 5.0, resistance = 0.5, leak = -1.5, x = 8.0;
    auto h = stage("leaky_integrator", {{"potential_tau", tau}, {"resistance", resistance}, {"potential_leak", leak}}, dt);
    h.input_f32(0)[0] = static_cast<float>(x);
    const int steps = static_cast<int>(std::lround(12.0 / dt));
    for (int n = 1; n <= steps; ++n) {
        h.step();
        const double t = n * dt;
        const double expected = (leak + resistance * x) * (1.0 - std::exp(-t / tau));
        if (n % (steps / 6) == 0) CHECK(h.output_f32(0)[0] == Approx(expected).epsilon(tolerance));
    }
}

TEST_CASE("LeakyIntegrator decays from a spike by alpha per step", "[stages][validation]") {
    const double dt = GENERATE(0.01, 2.0);
    const double tau = 4.0, resistance = 3.0;
    auto h = stage("leaky_integrator", {{"potential_tau", tau}, {"resistance", resistance}}, dt, PayloadKind::spikes);
    h.input_u8(0)[0] = spike::bit;
    h.step();
    h.input_u8(0)[0] = 0;
    const double jump = (1.0 - std::exp(-dt / tau)) * resistance;  // the response to a pulse of area dt
    CHECK(h.output_f32(0)[0] == Approx(jump).epsilon(1e-6));
    for (int k = 1; k <= 5; ++k) {
        h.step();
        CHECK(h.output_f32(0)[0] == Approx(jump * std::exp(-k * dt / tau)).epsilon(tolerance));
    }
}

TEST_CASE("Integrator integrates dv/dt = R x exactly", "[stages][validation]") {
    const double dt = GENERATE(0.01, 2.0);
    auto h = stage("integrator", {{"resistance", 0.25}}, dt);
    h.input_f32(0)[0] = 3.0f;
    const int steps = static_cast<int>(std::lround(10.0 / dt));
    for (int n = 0; n < steps; ++n) h.step();
    CHECK(h.output_f32(0)[0] == Approx(0.25 * 3.0 * 10.0).epsilon(tolerance));
    h.input_f32(0)[0] = -3.0f;
    for (int n = 0; n < steps; ++n) h.step();
    CHECK(std::abs(h.output_f32(0)[0]) < 1e-3);
}

TEST_CASE("SynapticCurrent settles at w_in x with time constant tau_syn", "[stages][validation]") {
    const double dt = GENERATE(0.01, 2.0);
    const double tau = 3.0, w_in = 2.5;
    auto h = stage("synaptic_current", {{"current_tau", tau}, {"input_weight", w_in}}, dt, PayloadKind::floating);
    REQUIRE(h.result().outputs[0] == PortSpec(PayloadKind::current, {1}));
    h.input_f32(0)[0] = 4.0f;
    const int steps = static_cast<int>(std::lround(6.0 / dt));
    for (int n = 0; n < steps; ++n) h.step();
    CHECK(h.output_f32(0)[0] == Approx(w_in * 4.0 * (1.0 - std::exp(-6.0 / tau))).epsilon(tolerance));
}

TEST_CASE("Integrators restart from 0 after reset", "[stages]") {
    for (const char* type : {"leaky_integrator", "integrator", "synaptic_current"}) {
        auto h = stage(type, {}, 1.0);
        h.input_f32(0)[0] = 5.0f;
        h.step();
        REQUIRE(h.output_f32(0)[0] != 0.0f);
        h.component().reset();
        h.input_f32(0)[0] = 0.0f;
        h.step();
        CHECK(h.output_f32(0)[0] == 0.0f);
    }
}
