// NIR import: the fixture written by another tool, every primitive against its closed form, refusals.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <spark/serialization/model_file.hpp>
#include <spark/serialization/nir.hpp>

#include "nir_testing.hpp"

using namespace spark;
using namespace spark::serialization;
using Catch::Matchers::Contains;

namespace {

const std::filesystem::path fixture = std::filesystem::path(SPARK_NIR_DATA_DIR) / "two_lif_neurons.nir";

ImportOptions with_dt(double dt_ms) {
    ImportOptions o;
    o.dt = dt_ms;
    return o;
}

const graph::NodeSpec& node(const NetworkFile& f, const std::string& name) {
    const auto* n = f.network.find(name);
    REQUIRE(n != nullptr);
    return *n;
}

}  // namespace

TEST_CASE("load_model_file detects a NIR file by its HDF5 signature", "[nir]") {
    CHECK(detect_model_format(std::string("\x89HDF\r\n\x1a\n", 8)) == ModelFormat::nir);
    CHECK(detect_model_format(std::string("\xFD" "7zXZ\0", 6)) == ModelFormat::spark_scfg);
    CHECK(detect_model_format("format_version: 1\n") == ModelFormat::network_text);
    const auto file = load_model_file(fixture, with_dt(0.1));
    CHECK(file.network.find("lif1") != nullptr);
}

TEST_CASE("The NIR fixture imports as an input with two affine maps and two leaky somas", "[nir]") {
    const auto file = load_nir_file(fixture, with_dt(0.1));
    CHECK(file.network.dt == 0.1);
    CHECK(node(file, "linear1").type == "affine");
    CHECK(node(file, "lif1").type == "leaky_soma");
    CHECK(node(file, "linear2").type == "affine");
    CHECK(node(file, "lif2").type == "leaky_soma");
    REQUIRE(file.input_specs.count("in") == 1);
    CHECK(file.input_specs.at("in") == PortSpec(PayloadKind::spikes, {1}));
    REQUIRE(file.network.outputs.size() == 1);
    CHECK(file.network.outputs[0].from.to_string() == "lif2.spikes");
    CHECK(file.warnings.empty());
}

TEST_CASE("The NIR fixture's lif1 fires at the closed-form steps and lif2 integrates its spikes", "[nir][validation]") {
    const double dt = GENERATE(0.1, 1.0);  // [ms]
    const auto file = load_nir_file(fixture, with_dt(dt));
    auto sim = build_simulation(file);
    const double tau = 10.0, v_leak = 1.2, theta = 1.0;  // lif1: 0.01 s, from the file
    // From v = 0 (v_reset absent: 0) lif1 crosses theta after T = tau ln(v_leak / (v_leak - theta)) and,
    // reset at each crossing, every T after that: spikes on the steps floor(k T / dt).
    const double period = tau * std::log(v_leak / (v_leak - theta));
    const int steps = static_cast<int>(std::floor(5 * period / dt)) + 3;
    std::vector<int> spikes1;
    double v2 = 0.0;  // lif2's closed form: each lif1 spike adds (1 - a) r w, then decays by a
    const double a = std::exp(-dt / tau);
    int spikes2 = 0;
    sim.run(steps, [&](const graph::Simulation& s) {
        const int step = static_cast<int>(s.step_count()) - 1;
        const bool fired = s.read("lif1", "spikes").u8()[0] & spike::bit;
        if (fired) spikes1.push_back(step);
        v2 = a * v2 + (fired ? 1.0 - a : 0.0);
        spikes2 += s.read("lif2", "spikes").u8()[0] & spike::bit;
    });
    std::vector<int> expected;
    for (int k = 1; k <= 5; ++k) expected.push_back(static_cast<int>(std::floor(k * period / dt)));
    CHECK(spikes1 == expected);
    CHECK(spikes2 == 0);  // threshold 20: never reached
    CHECK(sim.read("lif2", "potential").f32()[0] == Approx(v2).epsilon(1e-4));
    CHECK(v2 > 0.0);
}

// ---- files written by h5py (make_nir_files.py), one per primitive and per refusal ----

namespace {

const std::filesystem::path& generated() { return spark::testing::generated_nir_files(); }

NetworkFile generated_file(const std::string& name, double dt_ms, std::map<std::string, PortSpec> inputs = {}) {
    ImportOptions o;
    o.dt = dt_ms;
    o.input_specs = std::move(inputs);
    return load_nir_file(generated() / name, o);
}

float value(const graph::Simulation& sim, const std::string& node, const std::string& port) {
    return sim.read(node, port).f32()[0];
}

std::vector<double> csv_row(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::vector<double> v;
    std::string cell;
    while (std::getline(in, cell, ',')) v.push_back(std::stod(cell));
    return v;
}

}  // namespace

TEST_CASE("NIR LI imports as a leaky integrator: v(t) = (v_leak + R x)(1 - e^-t/tau) from 0", "[nir][validation]") {
    const double dt = GENERATE(0.01, 2.0);
    auto sim = build_simulation(generated_file("li.nir", dt));
    const int steps = static_cast<int>(std::lround(12.0 / dt));
    sim.run(steps);
    const double t = steps * dt, tau = 5.0;  // 0.005 s
    CHECK(value(sim, "li", "potential") == Approx((-1.5 + 0.5 * 8.0) * (1.0 - std::exp(-t / tau))).epsilon(1e-4));
}

TEST_CASE("NIR I imports as an integrator: v(t) = R x t with R per second", "[nir][validation]") {
    const double dt = GENERATE(0.01, 2.0);
    auto sim = build_simulation(generated_file("i.nir", dt));
    const int steps = static_cast<int>(std::lround(10.0 / dt));
    sim.run(steps);
    CHECK(value(sim, "i", "potential") == Approx(250.0 * 3.0 * (steps * dt / 1000.0)).epsilon(1e-4));
}

TEST_CASE("NIR IF imports as an integrate-and-fire soma firing at the crossings k theta / (R I)", "[nir][validation]") {
    const double dt = GENERATE(0.01, 2.0);
    auto sim = build_simulation(generated_file("if.nir", dt));
    // dv/dt = R I with R = 20 / s = 0.02 / ms, I = 37: v reaches theta = 10 at t_k = k 10 / 0.74 ms
    // (reset at each crossing), on the steps floor(t_k / dt).
    std::vector<int> expected, spikes;
    for (int k = 1; k <= 3; ++k) expected.push_back(static_cast<int>(std::floor(k * 10.0 / 0.74 / dt)));
    sim.run(expected.back() + 2, [&](const graph::Simulation& s) {
        if (s.read("if", "spikes").u8()[0] & spike::bit) spikes.push_back(static_cast<int>(s.step_count()) - 1);
    });
    CHECK(spikes == expected);
}

TEST_CASE("NIR LIF imports as a leaky soma firing at t* = -tau ln(1 - theta / (R I)) and every t* after", "[nir][validation]") {
    const double dt = GENERATE(0.01, 2.0);
    auto sim = build_simulation(generated_file("lif.nir", dt));
    const double tau = 20.0, drive = 2.5, theta = 2.0;
    const double t_star = -tau * std::log(1.0 - theta / drive);  // from v = v_reset = 0, reset at each crossing
    const std::vector<int> expected{static_cast<int>(std::floor(t_star / dt)), static_cast<int>(std::floor(2 * t_star / dt))};
    std::vector<int> spikes;
    sim.run(expected.back() + 2, [&](const graph::Simulation& s) {
        if (s.read("lif", "spikes").u8()[0] & spike::bit) spikes.push_back(static_cast<int>(s.step_count()) - 1);
    });
    CHECK(spikes == expected);
}

TEST_CASE("NIR CubaLIF and CubaLI respond to one spike with the two-exponential closed form", "[nir][validation]") {
    const double dt = GENERATE(0.01, 0.5);
    const std::string file = GENERATE(std::string("cubalif.nir"), std::string("cubali.nir"));
    auto sim = build_simulation(generated_file(file, dt));
    const double ts = 2.0, tm = 10.0, r = 3.0, w = 2.0;
    const double a = std::exp(-dt / tm), b = std::exp(-dt / ts);
    sim.input("in").u8()[0] = spike::bit;
    sim.step();
    sim.input("in").u8()[0] = 0;
    const int n = static_cast<int>(std::lround(8.0 / dt));  // the step after the spike's, n steps later
    for (int k = 0; k < n; ++k) sim.step();
    const float potential = value(sim, "cuba", "potential");
    // Discrete: I_k = (1 - b) w b^k, v_n = sum_k a^(n-k) (1 - a) r I_k = (1-a)(1-b) r w (a^(n+1) - b^(n+1)) / (a - b).
    const double discrete = (1 - a) * (1 - b) * r * w * (std::pow(a, n + 1) - std::pow(b, n + 1)) / (a - b);
    CHECK(potential == Approx(discrete).epsilon(1e-4));
    // Continuous (a pulse of area dt into I): v(t) = r w dt / (tm - ts) (e^-t/tm - e^-t/ts), at t = (n + 1) dt.
    if (dt < 0.1) {
        const double t = (n + 1) * dt;
        CHECK(potential == Approx(r * w * dt / (tm - ts) * (std::exp(-t / tm) - std::exp(-t / ts))).epsilon(0.01));
    }
}

namespace {

// The NIR paper's exact event-based LIF (its paper/01_lif reference, section 4.4.2 of the paper): the
// input is a step current (each step's value held over the step), v follows the exact solution between
// events, and a spike happens at the exact crossing time, after which v restarts from v_reset. Returns
// per step the number of spikes and the potential at the end of the step.
struct ExactLif {
    double tau, r, v_leak, theta, v_reset, dt;
    double v = 0.0;

    int step(double current) {
        const double v_inf = v_leak + r * current;
        double left = dt;
        int spikes = 0;
        while (v_inf > theta && v <= theta) {
            const double t_cross = tau * std::log((v - v_inf) / (theta - v_inf));
            if (t_cross >= left) break;
            ++spikes;
            left -= t_cross;
            v = v_reset;
        }
        v = v_inf + (v - v_inf) * std::exp(-left / tau);
        return spikes;
    }
};

}  // namespace

TEST_CASE("NIR paper check: a spike train through Affine into LIF spikes on the exact event-based solution's steps",
          "[nir][validation]") {
    const double dt = 0.1, tau = 2.5, w = 10.0;  // [ms]; 1e-4 s and 0.0025 s in the file
    auto input_spike = [](int k) { return (k * 7 + (k * k) % 13) % 11 < 3; };
    ExactLif exact{tau, 1.0, 0.0, 1.0, 0.0, dt};
    auto sim = build_simulation(generated_file("paper_lif.nir", dt));
    std::vector<int> expected, spikes;
    double worst = 0.0;
    for (int k = 0; k < 1000; ++k) {
        const int n = exact.step(input_spike(k) ? w : 0.0);
        REQUIRE(n <= 1);  // the input never drives two crossings into one step
        if (n == 1) expected.push_back(k);
        sim.input("in").u8()[0] = input_spike(k) ? spike::bit : 0;
        sim.step();
        if (sim.read("lif", "spikes").u8()[0] & spike::bit) spikes.push_back(k);
        worst = std::max(worst, std::abs(sim.read("lif", "potential").f32()[0] - exact.v));
    }
    REQUIRE(expected.size() > 10);
    CHECK(spikes == expected);
    CHECK(worst < 1e-5);
}

TEST_CASE("A spike straight into a NIR LIF moves v by (1 - e^-dt/tau) r through a scale of 1", "[nir][validation]") {
    const double dt = GENERATE(0.01, 2.0);
    const auto file = generated_file("spikes_into_lif.nir", dt);
    const auto* adapter = file.network.find("lif_from_in");
    REQUIRE(adapter != nullptr);
    CHECK(adapter->type == "scale");
    auto sim = build_simulation(file);
    sim.input("in").u8()[0] = spike::bit;
    sim.step();
    const double a = std::exp(-dt / 4.0);
    CHECK(sim.read("lif", "potential").f32()[0] == Approx((1.0 - a) * 2.0).epsilon(1e-5));
}

TEST_CASE("Several NIR edges into one LIF add their values as currents", "[nir][validation]") {
    auto sim = build_simulation(generated_file("summed_into_lif.nir", 1.0));
    sim.input("in").u8()[0] = spike::bit;
    sim.step();
    const double a = std::exp(-1.0 / 4.0);
    // I = 3 s + (-s + 0.5) + s = 3.5 for s = 1
    CHECK(sim.read("lif", "potential").f32()[0] == Approx((1.0 - a) * 2.0 * 3.5).epsilon(1e-5));
}

TEST_CASE("NIR Scale and Threshold give z = [s x > theta]", "[nir][validation]") {
    auto sim = build_simulation(generated_file("scale_threshold.nir", 1.0, {{"in", PortSpec(PayloadKind::floating, {1})}}));
    for (float x : {-0.4f, -0.5f, -0.6f, 2.0f}) {
        sim.input("in").f32()[0] = x;
        sim.step();
        CHECK(static_cast<bool>(sim.read("threshold", "spikes").u8()[0] & spike::bit) == (-2.0f * x > 1.0f));
    }
}

TEST_CASE("NIR Delay of 3 ms delays a spike by 3 steps at dt 1 ms and by 6 at dt 0.5 ms", "[nir][validation]") {
    const double dt = GENERATE(1.0, 0.5);
    auto sim = build_simulation(generated_file("delay.nir", dt));
    std::vector<int> seen;
    sim.input("in").u8()[0] = spike::bit;
    for (int k = 0; k < 10 + static_cast<int>(3.0 / dt); ++k) {
        sim.step();
        sim.input("in").u8()[0] = 0;
        if (sim.read("delay", "out_spikes").u8()[0] & spike::bit) seen.push_back(k);
    }
    CHECK(seen == std::vector<int>{static_cast<int>(std::lround(3.0 / dt))});
}

TEST_CASE("NIR Conv1d and Conv2d and SumPool2d and AvgPool2d unroll into affine maps that equal numpy's results", "[nir][validation]") {
    struct Case {
        std::string file, input_csv, output_csv;
        std::vector<std::size_t> input_shape;
    };
    const Case c = GENERATE(Case{"conv2d.nir", "conv2d_input.csv", "conv2d_output.csv", {2, 5, 6}},
                            Case{"conv1d.nir", "conv1d_input.csv", "conv1d_output.csv", {2, 7}},
                            Case{"sumpool2d.nir", "pool_input.csv", "sumpool2d_output.csv", {2, 4, 6}},
                            Case{"avgpool2d.nir", "pool_input.csv", "avgpool2d_output.csv", {2, 4, 6}});
    auto sim = build_simulation(
        generated_file(c.file, 1.0, {{"in", PortSpec(PayloadKind::floating, Shape(c.input_shape))}}));
    const auto x = csv_row(generated() / c.input_csv);
    const auto expected = csv_row(generated() / c.output_csv);
    auto in = sim.input("in").f32();
    REQUIRE(in.size() == x.size());
    std::copy(x.begin(), x.end(), in.begin());
    sim.step();
    const std::string node = c.file.rfind("conv", 0) == 0 ? "conv" : "pool";
    const auto y = sim.read(node, "output").f32();
    REQUIRE(y.size() == expected.size());
    for (std::size_t i = 0; i < y.size(); ++i) CHECK(y[i] == Approx(expected[i]).margin(1e-5));
}

TEST_CASE("NIR Flatten passes a convolution's output on to a Linear map", "[nir]") {
    const auto file = generated_file("conv_flatten.nir", 1.0);
    CHECK(file.network.find("flat") == nullptr);
    auto sim = build_simulation(file);
    CHECK(sim.read("lin", "output").size == 2);
}

TEST_CASE("NIR nested graphs and dotted names import to the same network", "[nir]") {
    const auto nested = generated_file("nested.nir", 1.0);
    const auto dotted = generated_file("dotted.nir", 1.0);
    CHECK(to_network_text(nested.network, nested.input_specs) == to_network_text(dotted.network, dotted.input_specs));
    CHECK(nested.network.find("sub_lif") != nullptr);
}

TEST_CASE("NIR recurrent edges close their cycle with one step of latency", "[nir]") {
    const auto file = generated_file("recurrent.nir", 1.0);
    int previous = 0;
    for (const auto& w : file.network.wires) previous += w.latency == graph::Latency::previous_step;
    CHECK(previous == 1);
    auto sim = build_simulation(file);
    sim.run(5);
}

TEST_CASE("NIR Input placeholder shape is inferred from the weights with a warning", "[nir]") {
    const auto file = generated_file("placeholder.nir", 1.0);
    CHECK(file.input_specs.at("in").shape == Shape{2});
    REQUIRE(file.warnings.size() == 1);
    CHECK_THAT(file.warnings[0], Contains("'in'") && Contains("[1]") && Contains("inferred shape [2]"));
}

// ---- refusals: each names the node and field ----

TEST_CASE("NIR import refuses a file that is not HDF5", "[nir]") {
    REQUIRE_THROWS_AS(load_nir_file(generated() / "not_hdf5.nir"), NetworkFileError);
    REQUIRE_THROWS_WITH(load_nir_file(generated() / "not_hdf5.nir"), Contains("not an HDF5 file"));
}

TEST_CASE("NIR import refuses an HDF5 file that is not a NIR graph", "[nir]") {
    REQUIRE_THROWS_AS(load_model_file(generated() / "no_graph.nir"), NetworkFileError);
    REQUIRE_THROWS_WITH(load_model_file(generated() / "no_graph.nir"), Contains("not a NIR graph") && Contains("/node"));
}

TEST_CASE("NIR import refuses an unknown primitive naming the node", "[nir]") {
    REQUIRE_THROWS_AS(generated_file("unknown.nir", 1.0), NetworkFileError);
    REQUIRE_THROWS_WITH(generated_file("unknown.nir", 1.0), Contains("node 'x'") && Contains("unknown primitive 'Spiral'"));
}

TEST_CASE("NIR import refuses a missing field naming node and field", "[nir]") {
    REQUIRE_THROWS_WITH(generated_file("missing.nir", 1.0), Contains("node 'lif' (LIF)") && Contains("missing field 'v_leak'"));
}

TEST_CASE("NIR import refuses shapes that do not chain", "[nir]") {
    REQUIRE_THROWS_WITH(generated_file("mismatch.nir", 1.0),
                        Contains("node 'lif'") && Contains("takes 4 elements") && Contains("'lin' gives [3]"));
}

TEST_CASE("NIR import refuses non-finite parameters naming node and field", "[nir]") {
    REQUIRE_THROWS_WITH(generated_file("nonfinite.nir", 1.0),
                        Contains("node 'lif'") && Contains("field 'tau'") && Contains("not finite"));
}

TEST_CASE("NIR import refuses a reset_at_crossing metadata that is not 0 or 1", "[nir]") {
    REQUIRE_THROWS_AS(generated_file("bad_reset_metadata.nir", 1.0), NetworkFileError);
    REQUIRE_THROWS_WITH(generated_file("bad_reset_metadata.nir", 1.0),
                        Contains("node 'lif'") && Contains("metadata 'reset_at_crossing' must be one number, 0 or 1"));
}

TEST_CASE("A NIR LIF resets at the crossing unless its metadata reset_at_crossing = 0 says the end of the step", "[nir]") {
    // v_leak 1.2, threshold 1, tau 10 ms, dt 1 ms: the first crossing is at T = 10 ln 6 = 17.9 ms, in step 17.
    const auto crossing = generated_file("lif_reset_crossing.nir", 1.0);
    const auto step_end = generated_file("lif_reset_step_end.nir", 1.0);
    auto setting = [](const NetworkFile& f) { return f.network.find("lif")->config; };
    auto reset_value = [&](const NetworkFile& f) {
        for (const auto& o : setting(f))
            if (o.path == "reset_at_crossing") return o.value.as_bool();
        FAIL("no reset_at_crossing override");
        return false;
    };
    CHECK(reset_value(crossing));
    CHECK_FALSE(reset_value(step_end));
    auto a = build_simulation(crossing), b = build_simulation(step_end);
    a.run(18);
    b.run(18);
    const double tau = 10.0, v_leak = 1.2, period = tau * std::log(v_leak / (v_leak - 1.0));
    // Relative to rest (v_inf = 0): from v_reset - v_leak = -1.2 over the 18 - T ms left in step 17 with the
    // reset at the crossing; exactly -1.2 with the reset at the end of step 17.
    CHECK(value(a, "lif", "potential") == Approx(-1.2 * std::exp(-(18.0 - period) / tau)).epsilon(1e-5));
    CHECK(value(b, "lif", "potential") == -1.2f);
}

TEST_CASE("NIR import refuses a delay that is not a whole number of steps", "[nir]") {
    REQUIRE_THROWS_WITH(generated_file("delay_fraction.nir", 1.0),
                        Contains("node 'delay'") && Contains("field 'delay'") && Contains("not a whole number of steps"));
    CHECK_NOTHROW(generated_file("delay_fraction.nir", 0.5));
}

TEST_CASE("NIR import refuses a truncated HDF5 file without reading past it", "[nir]") {
    const auto truncated = generated() / "truncated.nir";
    {
        std::ifstream in(fixture, std::ios::binary);
        std::string bytes(12000, '\0');
        in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        std::ofstream(truncated, std::ios::binary).write(bytes.data(), in.gcount());
    }
    REQUIRE_THROWS_AS(load_model_file(truncated), NetworkFileError);
    REQUIRE_THROWS_WITH(load_model_file(truncated), Contains("truncated.nir") && Contains("cannot open the HDF5 file"));
}

TEST_CASE("NIR import refuses a delay of real values and an edge to no node", "[nir]") {
    REQUIRE_THROWS_WITH(generated_file("delay_real.nir", 1.0),
                        Contains("node 'delay'") && Contains("CurrentArray") && Contains("delays spikes only"));
    REQUIRE_THROWS_WITH(generated_file("bad_edge.nir", 1.0), Contains("edge in -> nowhere") && Contains("names no node 'nowhere'"));
}

TEST_CASE("A convolutional NIR network shaped like the paper's N-MNIST one imports and runs", "[nir]") {
    const auto file = generated_file("cnn.nir", 1.0);
    CHECK(file.input_specs.at("input") == PortSpec(PayloadKind::spikes, {2, 34, 34}));
    auto sim = build_simulation(file);
    CHECK(sim.read("if3", "spikes").size == 10);
    std::size_t first_layer = 0, pooled = 0;
    for (int k = 0; k < 20; ++k) {
        auto in = sim.input("input").u8();
        for (std::size_t i = 0; i < in.size(); ++i) in[i] = ((i * 2654435761u + static_cast<std::size_t>(k) * 97u) % 10 == 0) ? spike::bit : 0;
        sim.step();
        for (auto s : sim.read("if1", "spikes").u8()) first_layer += s & spike::bit;
        for (float x : sim.read("pool1", "output").f32()) pooled += x > 0.0f;
    }
    CHECK(first_layer > 0);
    CHECK(pooled > 0);
}

TEST_CASE("NIR import refuses a shape that is not whole numbers above 0", "[nir]") {
    REQUIRE_THROWS_AS(generated_file("bad_shape.nir", 1.0), NetworkFileError);
    REQUIRE_THROWS_WITH(generated_file("bad_shape.nir", 1.0),
                        Contains("node 'in' (Input)") && Contains("field 'shape'") && Contains("got -1"));
}
