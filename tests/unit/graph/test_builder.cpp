#include <ctime>

#include <catch2/catch.hpp>

#include <spark/graph/simulation.hpp>

#include "test_components.hpp"

using namespace spark;
using namespace spark::graph;
using spark::testing::test_registry;

namespace {
BuildOptions opts() {
    BuildOptions o;
    o.registry = &test_registry();
    return o;
}
PortSpec spikes(std::size_t n) { return PortSpec(PayloadKind::spikes, {n}); }
}  // namespace

TEST_CASE("an unknown component name lists the closest registered names", "[graph][errors]") {
    Network net;
    net.add("soma", "leaky_somma");
    REQUIRE_THROWS_AS(Simulation::build(net, {}, opts()), GraphBuildError);
    REQUIRE_THROWS_WITH(Simulation::build(net, {}, opts()),
                        Catch::Contains("unknown component or neuron template 'leaky_somma'") &&
                            Catch::Contains("did you mean leaky_soma"));
}

TEST_CASE("unknown nodes and ports are reported with suggestions", "[graph][errors]") {
    Network net;
    net.add("a", "test_relay").add("b", "test_relay").input("x", "a.in");
    net.connect("a.outt", "b.in").connect("c.out", "b.in").connect("a.out", "b.inn");
    try {
        (void)Simulation::build(net, {{"x", spikes(3)}}, opts());
        FAIL("expected a GraphBuildError");
    } catch (const GraphBuildError& e) {
        const std::string text = e.what();
        CHECK(e.diagnostics().size() == 4);  // three bad wires and b.in left unwired
        CHECK_THAT(text, Catch::Contains("has no output or property 'outt' (did you mean out?)"));
        CHECK_THAT(text, Catch::Contains("no node named 'c'"));
        CHECK_THAT(text, Catch::Contains("has no input 'inn' (did you mean in?)"));
        CHECK_THAT(text, Catch::Contains("node 'b' input 'in' (SpikeArray) is not wired"));
    }
}

TEST_CASE("payload kinds of both ends must match", "[graph][errors]") {
    Network net;
    net.add("i", "test_current").add("r", "test_relay").connect("i.out", "r.in");
    REQUIRE_THROWS_WITH(Simulation::build(net, {}, opts()),
                        Catch::Contains("node 'r' input 'in' expects SpikeArray, got CurrentArray from 'i.out'"));
}

TEST_CASE("a same-step cycle is refused, a previous-step one is not", "[graph][errors]") {
    Network net(Latency::same_step);
    net.add("a", "test_adder").add("b", "test_adder").connect("a.out", "b.in").connect("b.out", "a.in");
    REQUIRE_THROWS_WITH(Simulation::build(net, {}, opts()), Catch::Contains("same-step cycle through a, b"));
    net.wires[1].latency = Latency::previous_step;
    REQUIRE_NOTHROW(Simulation::build(net, {}, opts()));
}

TEST_CASE("several current sources must have equal shapes to be summed", "[graph][errors]") {
    Network net(Latency::same_step);
    net.add("i1", "test_current", {{"units", Value::List{4}}})
        .add("i2", "test_current", {{"units", Value::List{5}}})
        .add("soma", "leaky_soma")
        .connect("i1.out", "soma.current")
        .connect("i2.out", "soma.current");
    REQUIRE_THROWS_WITH(Simulation::build(net, {}, opts()),
                        Catch::Contains("node 'soma' input 'current': currents from several sources are summed") &&
                            Catch::Contains("CurrentArray[4]:f32 from 'i1.out' and CurrentArray[5]:f32 from 'i2.out'"));
}

TEST_CASE("all problems of a network are reported together", "[graph][errors]") {
    Network net;
    net.add("soma", "leaky_soma", {{"potential_tau", -5.0}})
        .add("relay", "test_relay")
        .add("ghost", "no_such_thing")
        .input("x", "relay.in");
    try {
        (void)Simulation::build(net, {}, opts());
        FAIL("expected a GraphBuildError");
    } catch (const GraphBuildError& e) {
        REQUIRE(e.diagnostics().size() == 4);
        CHECK_THAT(std::string(e.what()), Catch::Contains("LeakySoma 'soma': potential_tau = -5 ms must be > 0"));
        CHECK_THAT(std::string(e.what()), Catch::Contains("'no_such_thing'"));
        CHECK_THAT(std::string(e.what()), Catch::Contains("node 'soma' input 'current' (CurrentArray) is not wired"));
        CHECK_THAT(std::string(e.what()), Catch::Contains("network input 'x' has no spec"));
    }
}

TEST_CASE("a shape that does not fit names node, port, expected and actual spec", "[graph][errors]") {
    Network net;
    net.add("r", "test_relay", {{"units", Value::List{3}}}).input("x", "r.in");
    REQUIRE_THROWS_WITH(Simulation::build(net, {{"x", spikes(4)}}, opts()),
                        Catch::Contains("node 'r' port 'in': expected SpikeArray[3]:u8, got SpikeArray[4]:u8"));
}

TEST_CASE("a previous-step wire from a node without a contract cannot be built before it", "[graph][errors]") {
    Network net;
    net.add("a", "test_relay").add("b", "test_relay").connect("a.out", "b.in").connect("b.out", "a.in");
    REQUIRE_THROWS_WITH(Simulation::build(net, {}, opts()), Catch::Contains("cannot be built") && Catch::Contains("units"));
    net.set("a.units", Value::List{2});
    REQUIRE_NOTHROW(Simulation::build(net, {}, opts()));
}

TEST_CASE("a component can be swapped by name and the build re-checks it", "[graph][swap]") {
    Network net(Latency::same_step);
    net.add("drive", "test_current").add("soma", "leaky_soma").connect("drive.out", "soma.current");
    auto sim = Simulation::build(net, {}, opts());
    CHECK(sim.nodes()[1].type == "leaky_soma");
    net.replace("soma", "test_relay");  // a relay has no 'current' input
    REQUIRE_THROWS_WITH(Simulation::build(net, {}, opts()), Catch::Contains("TestRelay 'soma' has no input 'current'"));
}

TEST_CASE("the DOT dump shows nodes, latencies and specs", "[graph][dot]") {
    Network net;
    net.add("a", "test_relay").add("b", "test_relay", {{"units", Value::List{3}}});
    net.input("x", "a.in").connect("a.out", "b.in").output("y", "b.out");
    auto sim = Simulation::build(net, {{"x", spikes(3)}}, opts());
    const std::string dot = sim.to_dot();
    CHECK_THAT(dot, Catch::StartsWith("digraph spark {"));
    CHECK_THAT(dot, Catch::Contains("\"a\" -> \"b\" [label=\"out -> in\\nSpikeArray[3]:u8\", style=dashed]"));
    CHECK_THAT(dot, Catch::Contains("\"input:x\" -> \"a\""));
    CHECK_THAT(dot, Catch::Contains("\"b\" -> \"output:y\""));
}

TEST_CASE("a network of 100 000 nodes fed by one source builds in linear time (issue 16)", "[graph][scale]") {
    // The build visits each node and wire a bounded number of times. A quadratic pass took minutes at
    // this size; the bound below (CPU time, so a loaded machine does not matter) is ~10x the linear cost.
    Network net;
    net.add("source", "test_adder", {{"units", Value::List{1}}});
    for (int i = 0; i < 100000; ++i) {
        const std::string name = "n" + std::to_string(i);
        net.add(name, "test_adder", {{"units", Value::List{1}}});
        net.connect("source.out", name + ".in");
    }
    const std::clock_t start = std::clock();
    auto sim = Simulation::build(net, {}, opts());
    const double seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    CHECK(sim.nodes().size() == 100001);
    sim.run(2);
    CHECK(sim.read("n99999", "out").f32()[0] == 2.0f);  // the source's first value (1) plus one, a step late
    INFO("build: " << seconds << " s of CPU time");
    CHECK(seconds < 20.0);
}

namespace {
// A population "<name>": a soma of `units` units, never driven, the first `inhibitory_rate` of them
// inhibitory (0 or 1 keeps the mask independent of the draw).
void add_population(Network& net, const std::string& name, double units, double inhibitory_rate) {
    net.add(name + "_drive", "test_current", {{"units", Value::List{units}}, {"value", 0.0}})
        .add(name + "_sign", "inhibition_mask", {{"units", Value::List{units}}, {"inhibitory_rate", inhibitory_rate}})
        .add(name, "leaky_soma", {{"units", Value::List{units}}})
        .connect(name + "_drive.out", name + ".current", Latency::same_step)
        .connect(name + "_sign.mask", name + ".inhibition_mask", Latency::same_step);
}
std::vector<std::uint8_t> input_mask(const Simulation& sim, const std::string& node, const std::string& port) {
    for (const auto& n : sim.nodes())
        if (n.path == node)
            for (const auto& p : n.inputs)
                if (p.name == port) return p.spec.mask;
    FAIL("no input " << node << "." << port);
    return {};
}
}  // namespace

TEST_CASE("inhibition masks reach a reader over previous-step wires, from nodes written before and after it",
          "[graph][mask]") {
    // The reader is built before "later": it reads that soma's recurrent contract, which cannot know the
    // mask its inhibition_mask input will bring. The merged spec must still carry every source's bits.
    Network net;
    add_population(net, "earlier", 2, 0.0);
    net.add("reader", "test_relay");
    add_population(net, "later", 3, 1.0);
    net.connect("earlier.spikes", "reader.in").connect("later.spikes", "reader.in");
    const auto sim = Simulation::build(net, {}, opts());
    CHECK(input_mask(sim, "reader", "in") == std::vector<std::uint8_t>{0, 0, 1, 1, 1});
    CHECK(sim.spec("reader", "out").mask == std::vector<std::uint8_t>{0, 0, 1, 1, 1});
}

TEST_CASE("inhibition masks travel along a chain of recurrent contracts", "[graph][mask]") {
    // reader <- near <- far <- later, each a previous-step wire read through a contract.
    Network net;
    net.add("reader", "test_relay")
        .add("near", "test_relay", {{"units", Value::List{3}}})
        .add("far", "test_relay", {{"units", Value::List{3}}});
    add_population(net, "later", 3, 1.0);
    net.connect("near.out", "reader.in").connect("far.out", "near.in").connect("later.spikes", "far.in");
    const auto sim = Simulation::build(net, {}, opts());
    for (const char* node : {"far", "near", "reader"}) {
        INFO(node);
        CHECK(input_mask(sim, node, "in") == std::vector<std::uint8_t>{1, 1, 1});
    }
}
