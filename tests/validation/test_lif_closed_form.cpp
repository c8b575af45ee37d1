// Physics against closed forms: a leaky integrate-and-fire soma driven by a constant current (spec 2.1,
// exact integration for a current constant over the step), run as a network.
//
// From rest, v(n dt) = R I (1 - a^n) with a = exp(-dt/tau); the first spike is at the first step with
// v > theta, n1 = floor(tau/dt ln(R I / (R I - theta))) + 1; after a reset to v_reset the potential
// is R I + (v_reset - R I) a^n, so the next spike follows after
// n_isi = floor(tau/dt ln((R I - v_reset) / (R I - theta))) + 1 steps.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include <spark/graph/simulation.hpp>

using namespace spark;
using namespace spark::graph;

namespace {

struct Lif {
    double rest = -60, reset = -50, tau = 20, resistance = 0.1, threshold = -40;
};

Network driven_soma(const Lif& lif, double current, double dt) {
    Network net;
    net.dt = dt;
    net.add("drive", "constant_source", {{"units", Value::List{1}}, {"kind", "current"}, {"value", current}});
    net.add("soma", "leaky_soma",
            {{"units", Value::List{1}}, {"potential_rest", lif.rest}, {"potential_reset", lif.reset},
             {"potential_tau", lif.tau}, {"resistance", lif.resistance}, {"threshold", lif.threshold}});
    net.connect("drive.output", "soma.current", Latency::same_step);
    return net;
}

}  // namespace

TEST_CASE("a LIF soma charges along R I (1 - exp(-t/tau)) and fires at the closed-form steps", "[validation][lif]") {
    const Lif lif;
    const double current = GENERATE(250.0, 300.0, 600.0);  // [pA]: R I = 25, 30, 60 mV
    const double dt = GENERATE(0.1, 1.0);                  // [ms]
    const double drive = lif.resistance * current, theta = lif.threshold - lif.rest, v_reset = lif.reset - lif.rest;
    const double a = std::exp(-dt / lif.tau);
    const auto first = static_cast<std::int64_t>(std::floor(lif.tau / dt * std::log(drive / (drive - theta)))) + 1;
    const auto isi =
        static_cast<std::int64_t>(std::floor(lif.tau / dt * std::log((drive - v_reset) / (drive - theta)))) + 1;

    auto sim = Simulation::build(driven_soma(lif, current, dt));
    std::vector<std::int64_t> spike_steps;
    const std::int64_t steps = first + 5 * isi;
    sim.run(steps, [&](const Simulation& s) {
        const std::int64_t n = s.step_count();
        if (s.read("soma", "spikes").u8()[0] != 0) spike_steps.push_back(n);
        if (n < first) {  // charging from rest
            const double expected = drive * (1.0 - std::pow(a, static_cast<double>(n)));
            CHECK(s.read("soma", "potential").f32()[0] == Approx(expected).epsilon(1e-5));
        }
    });
    INFO("R I = " << drive << " mV, dt = " << dt << " ms, first spike at step " << first << ", then every " << isi);
    REQUIRE(spike_steps.size() == 6);
    for (std::size_t k = 0; k < spike_steps.size(); ++k)
        CHECK(spike_steps[k] == first + static_cast<std::int64_t>(k) * isi);
}

TEST_CASE("a LIF soma below rheobase never fires and settles at R I", "[validation][lif]") {
    const Lif lif;
    auto sim = Simulation::build(driven_soma(lif, 150.0, 1.0));  // R I = 15 mV < theta = 20 mV
    bool fired = false;
    sim.run(2000, [&](const Simulation& s) { fired = fired || s.read("soma", "spikes").u8()[0] != 0; });
    CHECK_FALSE(fired);
    CHECK(sim.read("soma", "potential").f32()[0] == Approx(15.0).epsilon(1e-5));
}
