// One test per diagnostic code: the build reports it with its node, port, origin, expected and actual
// values, and a message that names them.
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include <spark/graph/simulation.hpp>

#include "test_components.hpp"

using namespace spark;
using namespace spark::graph;
using Catch::Contains;
using spark::testing::test_registry;

namespace {

PortSpec spikes(std::size_t n) { return PortSpec(PayloadKind::spikes, {n}); }
PortSpec floats(std::size_t n) { return PortSpec(PayloadKind::floating, {n}); }

// The diagnostics of a network that must not build.
std::vector<Diagnostic> diagnostics_of(const Network& net, const std::map<std::string, PortSpec>& specs = {},
                                       const TemplateRegistry* templates = nullptr) {
    BuildOptions options;
    options.registry = &test_registry();
    options.templates = templates;
    try {
        (void)Simulation::build(net, specs, options);
    } catch (const GraphBuildError& e) {
        return e.diagnostics();
    }
    FAIL("the network built");
    return {};
}

// The one diagnostic of `code` the build reports (exactly one is required).
Diagnostic the(DiagnosticCode code, const Network& net, const std::map<std::string, PortSpec>& specs = {},
               const TemplateRegistry* templates = nullptr) {
    const auto all = diagnostics_of(net, specs, templates);
    std::vector<Diagnostic> found;
    std::string listed;
    for (const auto& d : all) {
        listed += std::string(to_string(d.code)) + ": " + d.message + "\n";
        if (d.code == code) found.push_back(d);
    }
    INFO(listed);
    REQUIRE(found.size() == 1);
    return found.front();
}

}  // namespace

TEST_CASE("diagnostic invalid_name names the node", "[graph][diagnostics]") {
    Network net;
    net.add("bad-name", "test_relay");
    const auto d = the(DiagnosticCode::invalid_name, net);
    CHECK(d.node == "bad-name");
    CHECK(d.origin == Origin{Origin::node, 0});
    CHECK_THAT(d.message, Contains("node 'bad-name'") && Contains("letters, digits and '_'"));
}

TEST_CASE("diagnostic duplicate_name for a node and for an output", "[graph][diagnostics]") {
    Network net;
    net.add("a", "test_adder").add("a", "test_adder");
    auto d = the(DiagnosticCode::duplicate_name, net);
    CHECK(d.node == "a");
    CHECK(d.origin == Origin{Origin::node, 1});
    CHECK_THAT(d.message, Contains("node 'a' is defined twice"));

    Network outputs;
    outputs.add("a", "test_adder").output("y", "a.out").output("y", "a.out");
    d = the(DiagnosticCode::duplicate_name, outputs);
    CHECK(d.port == "y");
    CHECK(d.origin == Origin{Origin::output, 1});
    CHECK_THAT(d.message, Contains("output 'y' is defined twice"));
}

TEST_CASE("diagnostic unknown_type suggests registered names", "[graph][diagnostics]") {
    Network net;
    net.add("soma", "leaky_somma");
    const auto d = the(DiagnosticCode::unknown_type, net);
    CHECK(d.node == "soma");
    CHECK(d.actual == "leaky_somma");
    CHECK(std::find(d.suggestions.begin(), d.suggestions.end(), "leaky_soma") != d.suggestions.end());
    CHECK_THAT(d.message, Contains("unknown component or neuron template 'leaky_somma'") &&
                              Contains("did you mean leaky_soma"));
}

TEST_CASE("diagnostic template_too_deep for a template that contains itself", "[graph][diagnostics]") {
    TemplateRegistry templates;
    NeuronTemplate loop;
    loop.name = "loop_neuron";
    loop.body.add("inner", "loop_neuron");
    templates.add(loop);
    Network net;
    net.add("outer", "loop_neuron");
    const auto d = the(DiagnosticCode::template_too_deep, net, {}, &templates);
    CHECK(d.origin == Origin{Origin::node, 0});  // inside a template: the top-level node that uses it
    CHECK_THAT(d.node, Contains("outer.inner.inner"));
    CHECK_THAT(d.message, Contains("does 'loop_neuron' contain itself?"));
}

TEST_CASE("diagnostic unknown_override of a neuron suggests its parameters", "[graph][diagnostics]") {
    Network net;
    net.add("pool", "lif_neuron", {{"units", Value::List{4}}, {"unitz", 3.0}});
    const auto d = the(DiagnosticCode::unknown_override, net, {{"x", spikes(2)}});
    CHECK(d.node == "pool");
    CHECK(d.port == "unitz");
    CHECK(std::find(d.suggestions.begin(), d.suggestions.end(), "units") != d.suggestions.end());
    CHECK_THAT(d.message, Contains("'unitz' is neither a parameter of lif_neuron nor an inner node's field"));
}

TEST_CASE("diagnostic missing_parameter of a neuron template", "[graph][diagnostics]") {
    TemplateRegistry templates;
    NeuronTemplate t;
    t.name = "needy_neuron";
    t.parameters = {{"units", Value()}};
    t.body.add("relay", "test_adder");
    templates.add(t);
    Network net;
    net.add("n", "needy_neuron");
    const auto d = the(DiagnosticCode::missing_parameter, net, {}, &templates);
    CHECK(d.node == "n");
    CHECK(d.port == "units");
    CHECK_THAT(d.message, Contains("node 'n' (needy_neuron): parameter 'units' must be given"));
}

TEST_CASE("diagnostic unmatched_override for a set-everywhere path no node has", "[graph][diagnostics]") {
    Network net;
    net.add("soma", "leaky_soma", {{"units", Value::List{3}}});
    net.set("*.treshold", -45.0);
    net.add("drive", "test_current", {{"units", Value::List{3}}}).connect("drive.out", "soma.current");
    const auto d = the(DiagnosticCode::unmatched_override, net);
    CHECK(d.port == "treshold");
    CHECK(d.origin == Origin{Origin::everywhere, 0});
    CHECK(std::find(d.suggestions.begin(), d.suggestions.end(), "threshold") != d.suggestions.end());
    CHECK_THAT(d.message, Contains("override '*.treshold' matches no field of any node") &&
                              Contains("did you mean threshold"));
}

TEST_CASE("diagnostic invalid_config carries the field, value and rule", "[graph][diagnostics]") {
    Network net;
    net.add("soma", "leaky_soma", {{"units", Value::List{3}}, {"potential_tau", -5.0}});
    net.add("drive", "test_current", {{"units", Value::List{3}}}).connect("drive.out", "soma.current");
    const auto d = the(DiagnosticCode::invalid_config, net);
    CHECK(d.node == "soma");
    CHECK(d.port == "potential_tau");
    CHECK(d.actual == "-5 ms");
    CHECK_THAT(d.expected, Contains("> 0"));
    CHECK_THAT(d.message, Contains("LeakySoma 'soma': potential_tau = -5 ms must be > 0"));
}

TEST_CASE("diagnostic invalid_initial_state names the state arrays there are", "[graph][diagnostics]") {
    Network net;
    net.add("soma", "leaky_soma", {{"units", Value::List{3}}, {"initial.potentiall", 1.0}});
    net.add("drive", "test_current", {{"units", Value::List{3}}}).connect("drive.out", "soma.current");
    const auto d = the(DiagnosticCode::invalid_initial_state, net);
    CHECK(d.node == "soma");
    CHECK(d.port == "initial.potentiall");
    CHECK_THAT(d.message, Contains("names no float state array") && Contains("did you mean potential"));
}

TEST_CASE("diagnostic invalid_dt for zero, negative and non-finite steps", "[graph][diagnostics]") {
    for (double dt : {0.0, -1.0, std::numeric_limits<double>::infinity(), std::nan("")}) {
        Network net;
        net.dt = dt;
        net.add("a", "test_adder");
        const auto d = the(DiagnosticCode::invalid_dt, net);
        CHECK(d.port == "dt");
        CHECK_THAT(d.message, Contains("network dt = ") && Contains("must be a finite number > 0"));
    }
}

TEST_CASE("diagnostic unknown_node and unknown_port point at the wire", "[graph][diagnostics]") {
    Network net;
    net.add("a", "test_relay").add("b", "test_relay").input("x", "a.in");
    net.connect("c.out", "b.in");
    auto d = the(DiagnosticCode::unknown_node, net, {{"x", spikes(3)}});
    CHECK(d.node == "c");
    CHECK(d.origin == Origin{Origin::wire, 0});
    CHECK_THAT(d.message, Contains("c.out -> b.in: no node named 'c'"));

    net.wires[0] = {{"a", "outt"}, {"b", "in"}, std::nullopt};
    d = the(DiagnosticCode::unknown_port, net, {{"x", spikes(3)}});
    CHECK(d.node == "a");
    CHECK(d.port == "outt");
    CHECK(d.origin == Origin{Origin::wire, 0});
    CHECK(d.suggestions == std::vector<std::string>{"out"});
    CHECK_THAT(d.message, Contains("TestRelay 'a' has no output or property 'outt' (did you mean out?)"));
}

TEST_CASE("diagnostic kind_mismatch gives both kinds", "[graph][diagnostics]") {
    Network net;
    net.add("i", "test_current").add("r", "test_relay").connect("i.out", "r.in");
    const auto d = the(DiagnosticCode::kind_mismatch, net);
    CHECK(d.node == "r");
    CHECK(d.port == "in");
    CHECK(d.expected == "SpikeArray");
    CHECK(d.actual == "CurrentArray");
    CHECK(d.origin == Origin{Origin::wire, 0});
    CHECK_THAT(d.message, Contains("node 'r' input 'in' expects SpikeArray, got CurrentArray from 'i.out'"));
}

TEST_CASE("diagnostic not_settable for an effect on an output", "[graph][diagnostics]") {
    Network net;
    net.add("a", "test_adder").add("b", "test_adder").effect("a.out", "b.out");
    const auto d = the(DiagnosticCode::not_settable, net);
    CHECK(d.node == "a");
    CHECK(d.port == "out");
    CHECK(d.origin == Origin{Origin::effect, 0});
    CHECK_THAT(d.message, Contains("effect a.out <- b.out: 'out' is not a property"));
}

TEST_CASE("diagnostic unwired_input names the port and its kind", "[graph][diagnostics]") {
    Network net;
    net.add("r", "test_relay");
    const auto d = the(DiagnosticCode::unwired_input, net);
    CHECK(d.node == "r");
    CHECK(d.port == "in");
    CHECK(d.expected == "SpikeArray");
    CHECK_THAT(d.message, Contains("node 'r' input 'in' (SpikeArray) is not wired"));
}

TEST_CASE("diagnostic same_step_cycle lists the nodes", "[graph][diagnostics]") {
    Network net(Latency::same_step);
    net.add("a", "test_adder").add("b", "test_adder").connect("a.out", "b.in").connect("b.out", "a.in");
    const auto d = the(DiagnosticCode::same_step_cycle, net);
    CHECK(d.actual == "a -> b");
    CHECK_THAT(d.message, Contains("same-step cycle through a, b") && Contains("previous-step"));
}

TEST_CASE("diagnostic missing_input_spec and unknown_input_spec", "[graph][diagnostics]") {
    Network net;
    net.add("r", "test_relay").input("x", "r.in");
    auto d = the(DiagnosticCode::missing_input_spec, net);
    CHECK(d.port == "x");
    CHECK_THAT(d.message, Contains("network input 'x' has no spec"));

    d = the(DiagnosticCode::unknown_input_spec, net, {{"x", spikes(2)}, {"xx", spikes(2)}});
    CHECK(d.port == "xx");
    CHECK(d.suggestions == std::vector<std::string>{"x"});
    CHECK_THAT(d.message, Contains("a spec was given for 'xx', which is not an input of the network"));
}

TEST_CASE("diagnostic incompatible_sources for currents of different shapes", "[graph][diagnostics]") {
    Network net;
    net.add("i3", "test_current", {{"units", Value::List{3}}}).add("i4", "test_current", {{"units", Value::List{4}}});
    net.add("c", "test_current_copy").connect("i3.out", "c.in").connect("i4.out", "c.in");
    const auto d = the(DiagnosticCode::incompatible_sources, net);
    CHECK(d.node == "c");
    CHECK(d.port == "in");
    CHECK(d.expected == "CurrentArray[3]:f32");
    CHECK(d.actual == "CurrentArray[4]:f32");
    CHECK_THAT(d.message, Contains("currents from several sources are summed and need equal shapes"));
}

TEST_CASE("diagnostic shape_mismatch carries the component's expected and actual spec", "[graph][diagnostics]") {
    Network net;
    net.add("r", "test_relay", {{"units", Value::List{3}}}).input("x", "r.in");
    const auto d = the(DiagnosticCode::shape_mismatch, net, {{"x", spikes(4)}});
    CHECK(d.node == "r");
    CHECK(d.port == "in");
    CHECK(d.expected == "SpikeArray[3]:u8");
    CHECK(d.actual == "SpikeArray[4]:u8");
    CHECK_THAT(d.message, Contains("'r'") && Contains("expected SpikeArray[3]:u8, got SpikeArray[4]:u8"));
}

TEST_CASE("diagnostic unresolved_shape for previous-step wires between nodes without contracts",
          "[graph][diagnostics]") {
    Network net;  // previous-step wires by default
    net.add("a", "test_relay").add("b", "test_relay").connect("a.out", "b.in").connect("b.out", "a.in");
    const auto all = diagnostics_of(net);
    REQUIRE(all.size() == 2);
    for (const auto& d : all) {
        CHECK(d.code == DiagnosticCode::unresolved_shape);
        CHECK(d.port == "in");
        CHECK_THAT(d.message, Contains("cannot be built") && Contains("recurrent contract"));
    }
}

TEST_CASE("diagnostic broken_contract when a node builds another spec than it promised", "[graph][diagnostics]") {
    Network net;
    net.add("reader", "test_adder", {{"units", Value::List{3}}});
    net.add("liar", "test_faulty", {{"promise", Value::List{3}}});
    net.connect("liar.out", "reader.in");  // previous step: the reader is built from the promise
    net.input("x", "liar.in");
    const auto d = the(DiagnosticCode::broken_contract, net, {{"x", floats(4)}});
    CHECK(d.node == "liar");
    CHECK(d.port == "out");
    CHECK(d.expected == "FloatArray[3]:f32");
    CHECK(d.actual == "FloatArray[4]:f32");
    CHECK_THAT(d.message, Contains("its recurrent contract promised FloatArray[3]:f32, but it built FloatArray[4]:f32"));
}

TEST_CASE("diagnostic effect_mismatch between a property and its source", "[graph][diagnostics]") {
    Network net;
    net.add("target", "test_faulty").add("source", "test_adder", {{"units", Value::List{5}}});
    net.input("x", "target.in").effect("target.value", "source.out");
    const auto d = the(DiagnosticCode::effect_mismatch, net, {{"x", floats(4)}});
    CHECK(d.node == "target");
    CHECK(d.port == "value");
    CHECK(d.expected == "FloatArray[4]:f32");
    CHECK(d.actual == "FloatArray[5]:f32");
    CHECK(d.origin == Origin{Origin::effect, 0});
}

TEST_CASE("diagnostic too_large when a node's state does not fit in memory", "[graph][diagnostics]") {
    Network net;
    net.add("big", "test_faulty", {{"refuse_memory", true}});
    const auto d = the(DiagnosticCode::too_large, net);
    CHECK(d.node == "big");
    CHECK_THAT(d.message, Contains("node 'big'") && Contains("does not fit in this machine's memory"));
}

TEST_CASE("every problem of a network is one diagnostic, and what() lists their messages", "[graph][diagnostics]") {
    Network net;
    net.add("a", "test_relay").add("b", "leaky_somma");
    net.connect("a.outt", "a.in");
    try {
        (void)Simulation::build(net, {}, BuildOptions{.registry = &test_registry()});
        FAIL("the network built");
    } catch (const GraphBuildError& e) {
        REQUIRE(e.diagnostics().size() == 3);  // unknown type, unknown port, unwired input
        const std::string what = e.what();
        for (const auto& d : e.diagnostics()) CHECK_THAT(what, Contains(d.message));
    }
}

TEST_CASE("the diagnostic codes have distinct names", "[graph][diagnostics]") {
    std::set<std::string> names;
    for (int c = 0; c <= static_cast<int>(DiagnosticCode::too_large); ++c)
        names.insert(std::string(to_string(static_cast<DiagnosticCode>(c))));
    CHECK(names.size() == static_cast<std::size_t>(DiagnosticCode::too_large) + 1);
    CHECK(names.count("unknown") == 0);
}
