// The pieces of the tools library: .npy writing, time and step arithmetic, populations, trace name
// resolution through neuron templates, the summary table (issue 8).
#include <catch2/catch.hpp>

#include <spark/components/builtin.hpp>
#include <spark/graph/simulation.hpp>
#include <spark/tools/network_io.hpp>
#include <spark/tools/plot.hpp>
#include <spark/tools/recording.hpp>
#include <spark/tools/run.hpp>

#include "outputs.hpp"
#include "png.hpp"

using namespace spark;
using namespace spark::testing;
using Catch::Contains;

TEST_CASE("NpyWriter writes NumPy 1.0 float32 matrices with the row count filled in", "[tools][npy]") {
    TempDir dir;
    const auto path = dir / "m.npy";
    {
        tools::NpyWriter w(path, 3);
        w.append(std::vector<float>{1.0f, -2.5f, 0.1f});
        w.append(std::vector<float>{3.0f, 4.0f, 1e-30f});
        w.close();
        CHECK(w.rows() == 2);
    }
    const Npy n = read_npy(path);
    CHECK(n.descr == "<f4");
    CHECK(n.header_bytes == 128);  // a multiple of 64, as NumPy requires
    CHECK(n.rows == 2);
    CHECK(n.cols == 3);
    CHECK(n.data == std::vector<float>{1.0f, -2.5f, 0.1f, 3.0f, 4.0f, 1e-30f});
    // The header is the exact dictionary NumPy writes, padded with spaces.
    const std::string bytes = read_file(path);
    CHECK(bytes.substr(10, 59) == "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
}

TEST_CASE("NpyWriter without rows gives shape (0, n)", "[tools][npy]") {
    TempDir dir;
    { tools::NpyWriter w(dir / "e.npy", 5); }  // closed by the destructor
    const Npy n = read_npy(dir / "e.npy");
    CHECK(n.rows == 0);
    CHECK(n.cols == 5);
}

TEST_CASE("NpyWriter rejects an unwritable path with the path in the message", "[tools][npy]") {
    REQUIRE_THROWS_AS(tools::NpyWriter("/nonexistent-dir/x.npy", 1), Error);
    REQUIRE_THROWS_WITH(tools::NpyWriter("/nonexistent-dir/x.npy", 1), Contains("cannot write '/nonexistent-dir/x.npy'"));
}

TEST_CASE("times are step * dt in shortest decimal form", "[tools]") {
    CHECK(tools::format_time(0, 0.1) == "0");
    CHECK(tools::format_time(3, 0.1) == "0.3");        // not 0.30000000000000004
    CHECK(tools::format_time(10000, 0.1) == "1000");
    CHECK(tools::format_time(7, 0.025) == "0.175");
    CHECK(tools::format_time(12, 1.0) == "12");
}

TEST_CASE("a duration becomes ceil(duration / dt) steps", "[tools]") {
    CHECK(tools::steps_for(1000, 0.1) == 10000);  // 1000 / 0.1 = 9999.999999999998 in binary
    CHECK(tools::steps_for(0.3, 0.1) == 3);
    CHECK(tools::steps_for(0.35, 0.1) == 4);
    CHECK(tools::steps_for(5, 1.0) == 5);
}

namespace {
// A template with one leaky soma (population "<node>") and one with two ("<node>.a", "<node>.b").
graph::TemplateRegistry test_templates() {
    graph::TemplateRegistry reg;
    graph::register_builtin_templates(reg);
    graph::NeuronTemplate one;
    one.name = "one_soma";
    one.body.add("soma", "leaky_soma").input("current", "soma.current").output("out", "soma.spikes");
    reg.add(one);
    graph::NeuronTemplate two;
    two.name = "two_somas";
    two.body.add("a", "leaky_soma").add("b", "leaky_soma").input("current", "a.current").input("current", "b.current");
    two.body.output("out_a", "a.spikes");
    reg.add(two);
    graph::NeuronTemplate nested;
    nested.name = "nested";
    nested.body.add("inner", "one_soma").input("current", "inner.current").output("spikes", "inner.out");
    reg.add(nested);
    return reg;
}
}  // namespace

TEST_CASE("populations are the somas, named after their neuron when unambiguous", "[tools][populations]") {
    const auto templates = test_templates();
    graph::Network net;
    net.add("solo", "leaky_soma")
        .add("pop", "one_soma")
        .add("pair", "two_somas")
        .add("deep", "nested")
        .input("i1", "solo.current")
        .input("i3", "pop.current")
        .input("i2", "pair.current")
        .input("i4", "deep.current");
    graph::BuildOptions b;
    b.templates = &templates;
    auto sim = graph::Simulation::build(net,
                                        {{"i1", PortSpec(PayloadKind::current, {5})},
                                         {"i3", PortSpec(PayloadKind::current, {3})},
                                         {"i2", PortSpec(PayloadKind::current, {2})},
                                         {"i4", PortSpec(PayloadKind::current, {4})}},
                                        b);
    const auto pops = tools::find_populations(sim, components::builtin_registry());
    std::vector<std::pair<std::string, std::size_t>> got;
    for (const auto& p : pops) got.push_back({p.name, p.units});
    CHECK(got == std::vector<std::pair<std::string, std::size_t>>{
                     {"solo", 5}, {"pop", 3}, {"pair.a", 2}, {"pair.b", 2}, {"deep.inner", 4}});
    CHECK(pops[1].node == "pop.soma");
    CHECK(pops[1].port == "spikes");

    SECTION("trace names resolve through templates, nested ones too") {
        const auto& reg = components::builtin_registry();
        auto t = tools::resolve_trace(sim, net, templates, reg, "pop.out");
        CHECK(t.node == "pop.soma");
        CHECK(t.port == "spikes");
        CHECK(t.spec.to_string() == "SpikeArray[3]:u8");
        t = tools::resolve_trace(sim, net, templates, reg, "deep.spikes");
        CHECK(t.node == "deep.inner.soma");
        CHECK(t.port == "spikes");
        t = tools::resolve_trace(sim, net, templates, reg, "deep.inner.soma.potential");
        CHECK(t.spec.to_string() == "PotentialArray[4]:f32");
        const auto names = tools::traceable_names(sim, net, templates, reg);
        CHECK(std::find(names.begin(), names.end(), "deep.inner.out") != names.end());
        REQUIRE_THROWS_AS(tools::resolve_trace(sim, net, templates, reg, "pair.out_b"), GraphError);
        REQUIRE_THROWS_WITH(tools::resolve_trace(sim, net, templates, reg, "pair.out_b"),
                            Contains("--record 'pair.out_b'") && Contains("pair.out_a"));
    }
}

TEST_CASE("the summary table gives spikes, mean rates and the speed", "[tools][summary]") {
    tools::RunSummary s;
    s.dt = 0.5;
    s.steps = 4000;  // 2 s
    s.first_step = 100;
    s.wall_seconds = 0.5;
    s.populations.push_back({{"exc", "exc.soma", "spikes", 100}, 1000, 5.0});
    s.populations.push_back({{"inh", "inh.soma", "spikes", 25}, 2500, 50.0});
    const std::string text = tools::format_summary(s);
    const auto rows = parse_summary(text);
    REQUIRE(rows.size() == 3);
    CHECK(rows.at("exc").neurons == 100);
    CHECK(rows.at("exc").spikes == 1000);
    CHECK(rows.at("exc").rate == Approx(5.0));
    CHECK(rows.at("inh").rate == Approx(50.0));
    CHECK(rows.at("total").neurons == 125);
    CHECK(rows.at("total").spikes == 3500);
    CHECK(rows.at("total").rate == Approx(3500.0 / (125 * 2.0)));  // 14 Hz
    CHECK_THAT(text, Contains("0.500") && Contains("4.000"));       // wall s, simulated s per wall s
    CHECK_THAT(text, Contains("simulated 2000 ms: steps 100..4099 of dt = 0.5 ms"));
}

TEST_CASE("the raster plot of 456 000 spikes draws each spike as one pixel of its population", "[tools][plot]") {
    // The size of cuba_80000 for 1 s: 64 000 excitatory and 16 000 inhibitory units, 0.1 ms steps.
    const std::vector<tools::Population> pops{{"exc", "exc.soma", "spikes", 64000}, {"inh", "inh.soma", "spikes", 16000}};
    std::vector<std::vector<tools::RecordedSpike>> spikes(2);
    std::uint64_t state = 12345;
    auto next = [&](std::uint64_t n) {  // a fixed LCG: the same synthetic raster on every machine
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return (state >> 33) % n;
    };
    for (int i = 0; i < 456000; ++i) {
        const std::size_t p = i % 5 == 0 ? 1 : 0;
        spikes[p].push_back({static_cast<std::int64_t>(next(10000)), next(pops[p].units)});
    }
    TempDir dir;
    const auto result = tools::plot_raster(spikes, pops, 0.1, 0.0, 1000.0, dir.path(), tools::PlotFormat::automatic);
    REQUIRE(result.file == dir / "raster.png");
    const Png png = decode_png(read_file(result.file));
    REQUIRE(png.width == 1200);
    REQUIRE(png.height == 700);
    // One pixel per spike: at most one pixel each (spikes share pixels), and more than half of the
    // plot area is covered (456 000 uniform draws on its 926 x 600 pixels cover 1 - e^-0.82 of it).
    const std::size_t exc = png.count(0x00, 0x72, 0xB2) - 144, inh = png.count(0xD5, 0x5E, 0x00) - 144;
    CHECK(exc <= spikes[0].size());
    CHECK(inh <= spikes[1].size());
    CHECK(exc + inh > 250000);
}

TEST_CASE("a snapshot of a network with a changed built-in template resumes with the user's template",
          "[tools][snapshot]") {
    TempDir dir;
    graph::NeuronTemplate lif = *graph::builtin_templates().find("lif_neuron");
    lif.description = "My own LIF neuron.";
    graph::TemplateRegistry templates;
    templates.add(lif);
    graph::Network net;
    net.add("drive", "constant_source", {{"units", Value::List{10}}, {"kind", "float"}, {"value", 1.0}})
        .add("input", "poisson_spiker", {{"max_freq", 80.0}})
        .add("pool", "lif_neuron", {{"units", Value::List{10}}})
        .connect("drive.output", "input.signal")
        .connect("input.spikes", "pool.in_spikes");
    graph::BuildOptions options;
    options.templates = &templates;
    auto sim = graph::Simulation::build(net, {}, options);
    sim.run(5);
    const auto path = dir / "s.snapshot";
    tools::save_snapshot(sim, path);

    const tools::SnapshotInfo info = tools::read_snapshot_info(path);
    REQUIRE(info.network.templates.find("lif_neuron") != nullptr);
    CHECK(info.network.templates.find("lif_neuron")->description == "My own LIF neuron.");
    CHECK(info.network.templates.find("alif_neuron") != nullptr);
    auto resumed = tools::build_network(info.network, {});
    tools::load_snapshot(resumed, path);  // the same description: the user's template was used
    CHECK(resumed.step_count() == 5);
}
