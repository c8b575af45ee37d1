// One test per diagnostic code: the build reports it with its node, port, origin, expected and actual
// values, and a message that names them.
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

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

// What a test expects of a diagnostic: every field that is set must match, the message must contain
// each fragment of `message`, `suggested` must be among the suggestions and `suggestions` all of them.
struct Expected {
    std::optional<std::string> node{}, port{}, expected{}, actual{};
    std::optional<Origin> origin{};
    std::vector<std::string> message{};
    std::optional<std::string> suggested{};
    std::optional<std::vector<std::string>> suggestions{};
};

void check(const Diagnostic& d, const Expected& e) {
    if (e.node) CHECK(d.node == *e.node);
    if (e.port) CHECK(d.port == *e.port);
    if (e.expected) CHECK(d.expected == *e.expected);
    if (e.actual) CHECK(d.actual == *e.actual);
    if (e.origin) CHECK(d.origin == *e.origin);
    if (e.suggested) CHECK(std::find(d.suggestions.begin(), d.suggestions.end(), *e.suggested) != d.suggestions.end());
    if (e.suggestions) CHECK(d.suggestions == *e.suggestions);
    for (const auto& fragment : e.message) CHECK_THAT(d.message, Contains(fragment));
}

}  // namespace

TEST_CASE("diagnostic invalid_name names the node", "[graph][diagnostics]") {
    Network net;
    net.add("bad-name", "test_relay");
    check(the(DiagnosticCode::invalid_name, net),
          {.node = "bad-name", .origin = Origin{Origin::node, 0}, .message = {"node 'bad-name'", "letters, digits and '_'"}});
}

TEST_CASE("diagnostic duplicate_name for a node and for an output", "[graph][diagnostics]") {
    Network net;
    net.add("a", "test_adder").add("a", "test_adder");
    check(the(DiagnosticCode::duplicate_name, net),
          {.node = "a", .origin = Origin{Origin::node, 1}, .message = {"node 'a' is defined twice"}});

    Network outputs;
    outputs.add("a", "test_adder").output("y", "a.out").output("y", "a.out");
    check(the(DiagnosticCode::duplicate_name, outputs),
          {.port = "y", .origin = Origin{Origin::output, 1}, .message = {"output 'y' is defined twice"}});
}

TEST_CASE("diagnostic unknown_type suggests registered names", "[graph][diagnostics]") {
    Network net;
    net.add("soma", "leaky_somma");
    check(the(DiagnosticCode::unknown_type, net),
          {.node = "soma",
           .actual = "leaky_somma",
           .message = {"unknown component or neuron template 'leaky_somma'", "did you mean leaky_soma"},
           .suggested = "leaky_soma"});
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
    // Inside a template: the origin is the top-level node that uses it, the node its innermost path.
    check(d, {.origin = Origin{Origin::node, 0}, .message = {"does 'loop_neuron' contain itself?"}});
    CHECK_THAT(d.node, Contains("outer.inner.inner"));
}

TEST_CASE("diagnostic unknown_override of a neuron suggests its parameters", "[graph][diagnostics]") {
    Network net;
    net.add("pool", "lif_neuron", {{"units", Value::List{4}}, {"unitz", 3.0}});
    check(the(DiagnosticCode::unknown_override, net, {{"x", spikes(2)}}),
          {.node = "pool",
           .port = "unitz",
           .message = {"'unitz' is neither a parameter of lif_neuron nor an inner node's field"},
           .suggested = "units"});
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
    check(the(DiagnosticCode::missing_parameter, net, {}, &templates),
          {.node = "n", .port = "units", .message = {"node 'n' (needy_neuron): parameter 'units' must be given"}});
}

TEST_CASE("diagnostic unmatched_override for a set-everywhere path no node has", "[graph][diagnostics]") {
    Network net;
    net.add("soma", "leaky_soma", {{"units", Value::List{3}}});
    net.set("*.treshold", -45.0);
    net.add("drive", "test_current", {{"units", Value::List{3}}}).connect("drive.out", "soma.current");
    check(the(DiagnosticCode::unmatched_override, net),
          {.port = "treshold",
           .origin = Origin{Origin::everywhere, 0},
           .message = {"override '*.treshold' matches no field of any node", "did you mean threshold"},
           .suggested = "threshold"});
}

TEST_CASE("diagnostic invalid_config carries the field, value and rule", "[graph][diagnostics]") {
    Network net;
    net.add("soma", "leaky_soma", {{"units", Value::List{3}}, {"potential_tau", -5.0}});
    net.add("drive", "test_current", {{"units", Value::List{3}}}).connect("drive.out", "soma.current");
    const auto d = the(DiagnosticCode::invalid_config, net);
    check(d, {.node = "soma",
              .port = "potential_tau",
              .actual = "-5 ms",
              .message = {"LeakySoma 'soma': potential_tau = -5 ms must be > 0"}});
    CHECK_THAT(d.expected, Contains("> 0"));
}

TEST_CASE("diagnostic invalid_initial_state names the state arrays there are", "[graph][diagnostics]") {
    Network net;
    net.add("soma", "leaky_soma", {{"units", Value::List{3}}, {"initial.potentiall", 1.0}});
    net.add("drive", "test_current", {{"units", Value::List{3}}}).connect("drive.out", "soma.current");
    check(the(DiagnosticCode::invalid_initial_state, net),
          {.node = "soma", .port = "initial.potentiall", .message = {"names no float state array", "did you mean potential"}});
}

TEST_CASE("diagnostic invalid_dt for zero, negative and non-finite steps", "[graph][diagnostics]") {
    for (double dt : {0.0, -1.0, std::numeric_limits<double>::infinity(), std::nan("")}) {
        Network net;
        net.dt = dt;
        net.add("a", "test_adder");
        check(the(DiagnosticCode::invalid_dt, net),
              {.port = "dt", .message = {"network dt = ", "must be a finite number > 0"}});
    }
}

TEST_CASE("diagnostic unknown_node and unknown_port point at the wire", "[graph][diagnostics]") {
    Network net;
    net.add("a", "test_relay").add("b", "test_relay").input("x", "a.in");
    net.connect("c.out", "b.in");
    check(the(DiagnosticCode::unknown_node, net, {{"x", spikes(3)}}),
          {.node = "c", .origin = Origin{Origin::wire, 0}, .message = {"c.out -> b.in: no node named 'c'"}});

    net.wires[0] = {{"a", "outt"}, {"b", "in"}, std::nullopt};
    check(the(DiagnosticCode::unknown_port, net, {{"x", spikes(3)}}),
          {.node = "a",
           .port = "outt",
           .origin = Origin{Origin::wire, 0},
           .message = {"TestRelay 'a' has no output or property 'outt' (did you mean out?)"},
           .suggestions = std::vector<std::string>{"out"}});
}

TEST_CASE("diagnostic kind_mismatch gives both kinds", "[graph][diagnostics]") {
    Network net;
    net.add("i", "test_current").add("r", "test_relay").connect("i.out", "r.in");
    check(the(DiagnosticCode::kind_mismatch, net),
          {.node = "r",
           .port = "in",
           .expected = "SpikeArray",
           .actual = "CurrentArray",
           .origin = Origin{Origin::wire, 0},
           .message = {"node 'r' input 'in' expects SpikeArray, got CurrentArray from 'i.out'"}});
}

TEST_CASE("diagnostic not_settable for an effect on an output", "[graph][diagnostics]") {
    Network net;
    net.add("a", "test_adder").add("b", "test_adder").effect("a.out", "b.out");
    check(the(DiagnosticCode::not_settable, net),
          {.node = "a",
           .port = "out",
           .origin = Origin{Origin::effect, 0},
           .message = {"effect a.out <- b.out: 'out' is not a property"}});
}

TEST_CASE("diagnostic unwired_input names the port and its kind", "[graph][diagnostics]") {
    Network net;
    net.add("r", "test_relay");
    check(the(DiagnosticCode::unwired_input, net),
          {.node = "r", .port = "in", .expected = "SpikeArray", .message = {"node 'r' input 'in' (SpikeArray) is not wired"}});
}

TEST_CASE("diagnostic same_step_cycle lists the nodes", "[graph][diagnostics]") {
    Network net(Latency::same_step);
    net.add("a", "test_adder").add("b", "test_adder").connect("a.out", "b.in").connect("b.out", "a.in");
    check(the(DiagnosticCode::same_step_cycle, net),
          {.actual = "a -> b", .message = {"same-step cycle through a, b", "previous-step"}});
}

TEST_CASE("diagnostic missing_input_spec and unknown_input_spec", "[graph][diagnostics]") {
    Network net;
    net.add("r", "test_relay").input("x", "r.in");
    check(the(DiagnosticCode::missing_input_spec, net), {.port = "x", .message = {"network input 'x' has no spec"}});
    check(the(DiagnosticCode::unknown_input_spec, net, {{"x", spikes(2)}, {"xx", spikes(2)}}),
          {.port = "xx",
           .message = {"a spec was given for 'xx', which is not an input of the network"},
           .suggestions = std::vector<std::string>{"x"}});
}

TEST_CASE("diagnostic incompatible_sources for currents of different shapes", "[graph][diagnostics]") {
    Network net;
    net.add("i3", "test_current", {{"units", Value::List{3}}}).add("i4", "test_current", {{"units", Value::List{4}}});
    net.add("c", "test_current_copy").connect("i3.out", "c.in").connect("i4.out", "c.in");
    check(the(DiagnosticCode::incompatible_sources, net),
          {.node = "c",
           .port = "in",
           .expected = "CurrentArray[3]:f32",
           .actual = "CurrentArray[4]:f32",
           .message = {"currents from several sources are summed and need equal shapes"}});
}

TEST_CASE("diagnostic shape_mismatch carries the component's expected and actual spec", "[graph][diagnostics]") {
    Network net;
    net.add("r", "test_relay", {{"units", Value::List{3}}}).input("x", "r.in");
    check(the(DiagnosticCode::shape_mismatch, net, {{"x", spikes(4)}}),
          {.node = "r",
           .port = "in",
           .expected = "SpikeArray[3]:u8",
           .actual = "SpikeArray[4]:u8",
           .message = {"'r'", "expected SpikeArray[3]:u8, got SpikeArray[4]:u8"}});
}

TEST_CASE("diagnostic unresolved_shape for previous-step wires between nodes without contracts",
          "[graph][diagnostics]") {
    Network net;  // previous-step wires by default
    net.add("a", "test_relay").add("b", "test_relay").connect("a.out", "b.in").connect("b.out", "a.in");
    const auto all = diagnostics_of(net);
    REQUIRE(all.size() == 2);
    for (const auto& d : all) {
        CHECK(d.code == DiagnosticCode::unresolved_shape);
        check(d, {.port = "in", .message = {"cannot be built", "recurrent contract"}});
    }
}

TEST_CASE("diagnostic broken_contract when a node builds another spec than it promised", "[graph][diagnostics]") {
    Network net;
    net.add("reader", "test_adder", {{"units", Value::List{3}}});
    net.add("liar", "test_faulty", {{"promise", Value::List{3}}});
    net.connect("liar.out", "reader.in");  // previous step: the reader is built from the promise
    net.input("x", "liar.in");
    check(the(DiagnosticCode::broken_contract, net, {{"x", floats(4)}}),
          {.node = "liar",
           .port = "out",
           .expected = "FloatArray[3]:f32",
           .actual = "FloatArray[4]:f32",
           .message = {"its recurrent contract promised FloatArray[3]:f32, but it built FloatArray[4]:f32"}});
}

TEST_CASE("diagnostic effect_mismatch between a property and its source", "[graph][diagnostics]") {
    Network net;
    net.add("target", "test_faulty").add("source", "test_adder", {{"units", Value::List{5}}});
    net.input("x", "target.in").effect("target.value", "source.out");
    check(the(DiagnosticCode::effect_mismatch, net, {{"x", floats(4)}}),
          {.node = "target",
           .port = "value",
           .expected = "FloatArray[4]:f32",
           .actual = "FloatArray[5]:f32",
           .origin = Origin{Origin::effect, 0}});
}

TEST_CASE("diagnostic too_large when a node's state does not fit in memory", "[graph][diagnostics]") {
    Network net;
    net.add("big", "test_faulty", {{"refuse_memory", true}});
    check(the(DiagnosticCode::too_large, net),
          {.node = "big", .message = {"node 'big'", "does not fit in this machine's memory"}});
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
