#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <spark/components/plasticity/quadruplet_rule_tensor.hpp>
#include <spark/serialization/network_file.hpp>

#include "snapshot_testing.hpp"

using namespace spark;
using namespace spark::graph;
using namespace spark::serialization;
using Catch::Contains;

namespace {

BuildOptions opts() {
    BuildOptions o;
    o.registry = &testing::snapshot_registry();
    return o;
}

std::string describe(const Overrides& overrides) {
    std::string s;
    for (const auto& o : overrides) s += o.path + "=" + o.value.to_string() + ";";
    return s;
}

// Field-by-field equality of two networks, with a readable difference.
void require_same(const Network& a, const Network& b) {
    REQUIRE(a.seed == b.seed);
    REQUIRE(a.dt == b.dt);
    REQUIRE(a.default_latency == b.default_latency);
    REQUIRE(a.nodes.size() == b.nodes.size());
    for (std::size_t i = 0; i < a.nodes.size(); ++i) {
        CHECK(a.nodes[i].name == b.nodes[i].name);
        CHECK(a.nodes[i].type == b.nodes[i].type);
        CHECK(describe(a.nodes[i].config) == describe(b.nodes[i].config));
        REQUIRE(a.nodes[i].config.size() == b.nodes[i].config.size());
        for (std::size_t k = 0; k < a.nodes[i].config.size(); ++k) CHECK(a.nodes[i].config[k].value == b.nodes[i].config[k].value);
    }
    REQUIRE(a.wires.size() == b.wires.size());
    for (std::size_t i = 0; i < a.wires.size(); ++i) {
        CHECK(a.wires[i].from == b.wires[i].from);
        CHECK(a.wires[i].to == b.wires[i].to);
        CHECK(a.wires[i].latency == b.wires[i].latency);
    }
    REQUIRE(a.inputs.size() == b.inputs.size());
    for (std::size_t i = 0; i < a.inputs.size(); ++i) {
        CHECK(a.inputs[i].name == b.inputs[i].name);
        CHECK(a.inputs[i].to == b.inputs[i].to);
    }
    REQUIRE(a.outputs.size() == b.outputs.size());
    for (std::size_t i = 0; i < a.outputs.size(); ++i) {
        CHECK(a.outputs[i].name == b.outputs[i].name);
        CHECK(a.outputs[i].from == b.outputs[i].from);
    }
    REQUIRE(a.effects.size() == b.effects.size());
    for (std::size_t i = 0; i < a.effects.size(); ++i) {
        CHECK(a.effects[i].target == b.effects[i].target);
        CHECK(a.effects[i].source == b.effects[i].source);
    }
    CHECK(describe(a.everywhere) == describe(b.everywhere));
}

const char* kExample = R"(# A small brain.
seed: 7
dt: 0.25
node {
  name: "bias"
  type: "test_current"
  param { path: "units" shape: [3] }
  param { path: "value" number: 1000 }
}
node { name: "soma" type: "leaky_soma" param { path: "potential_tau" numbers: [10, 20.5, 30] } }
node { name: "mask" type: "inhibition_mask" }
node { name: "relay" type: "test_relay" }
set_everywhere { path: "units" shape: [3] }
param { path: "soma.potential_reset" initializer { kind: "uniform" scale: -55 min_value: -60 max_value: -50 } }
param { path: "mask.inhibitory_rate" number: 0.34 }
wire { from: "bias.out" to: "soma.current" latency: SAME_STEP }
wire { from: "mask.mask" to: "soma.inhibition_mask" }
wire { from: "soma.spikes" to: "relay.in" latency: PREVIOUS_STEP }
input { name: "drive" to: "soma.current" spec { kind: CURRENT_ARRAY shape: [3] } }
output { name: "spikes" from: "relay.out" }
)";

}  // namespace

TEST_CASE("a network file parses into the network it describes", "[serialization][network_file]") {
    const NetworkFile file = parse_network_text(kExample, "brain.txtpb");
    const Network& net = file.network;
    CHECK(net.seed == 7);
    CHECK(net.dt == 0.25);
    CHECK(net.default_latency == Latency::previous_step);
    REQUIRE(net.nodes.size() == 4);
    CHECK(net.nodes[0].name == "bias");
    CHECK(net.nodes[0].type == "test_current");
    CHECK(describe(net.nodes[0].config) == "units=[3];value=1000;");
    // numbers, then the top-level param moved into its node
    CHECK(describe(net.nodes[1].config) ==
          "potential_tau=[10, 20.5, 30];potential_reset={initializer: \"uniform\", scale: -55, min_value: -60, "
          "max_value: -50};");
    CHECK(describe(net.nodes[2].config) == "inhibitory_rate=0.34;");
    CHECK(describe(net.everywhere) == "units=[3];");
    REQUIRE(net.wires.size() == 3);
    CHECK(net.wires[0].from.to_string() == "bias.out");
    CHECK(net.wires[0].latency == Latency::same_step);
    CHECK_FALSE(net.wires[1].latency.has_value());
    CHECK(net.wires[2].latency == Latency::previous_step);
    REQUIRE(net.inputs.size() == 1);
    CHECK(net.inputs[0].to.to_string() == "soma.current");
    REQUIRE(file.input_specs.count("drive") == 1);
    CHECK(file.input_specs.at("drive").to_string() == "CurrentArray[3]:f32");
    REQUIRE(net.outputs.size() == 1);
    CHECK(net.outputs[0].from.to_string() == "relay.out");
    // Lines of every top-level statement, 1-based, by index.
    CHECK(file.lines.nodes == std::vector<int>{4, 10, 11, 12});
    CHECK(file.lines.everywhere == std::vector<int>{13});
    CHECK(file.lines.wires == std::vector<int>{16, 17, 18});
    CHECK(file.lines.inputs == std::vector<int>{19});
    CHECK(file.lines.outputs == std::vector<int>{20});
    CHECK(file.own_templates.empty());
    CHECK(file.templates.find("lif_neuron") != nullptr);
}

TEST_CASE("a network from a file runs exactly like the same network built in C++", "[serialization][network_file]") {
    const NetworkFile file = parse_network_text(kExample, "brain.txtpb");
    Network net;
    net.seed = 7;
    net.dt = 0.25;
    net.add("bias", "test_current", {{"units", Value::List{3}}, {"value", 1000.0}})
        .add("soma", "leaky_soma", {{"potential_tau", Value::List{10.0, 20.5, 30.0}}})
        .add("mask", "inhibition_mask")
        .add("relay", "test_relay")
        .set("*.units", Value::List{3})
        .set("soma.potential_reset",
             Value::Map{{"initializer", "uniform"}, {"scale", -55.0}, {"min_value", -60.0}, {"max_value", -50.0}})
        .set("mask.inhibitory_rate", 0.34)
        .connect("bias.out", "soma.current", Latency::same_step)
        .connect("mask.mask", "soma.inhibition_mask")
        .connect("soma.spikes", "relay.in", Latency::previous_step)
        .input("drive", "soma.current")
        .output("spikes", "relay.out");
    require_same(file.network, net);

    auto a = build_simulation(file, opts());
    auto b = Simulation::build(net, {{"drive", PortSpec(PayloadKind::current, {3})}}, opts());
    int spikes = 0;
    for (int t = 0; t < 200; ++t) {
        a.step();
        b.step();
        const auto x = a.output("spikes").u8();
        const auto y = b.output("spikes").u8();
        REQUIRE(std::memcmp(x.data(), y.data(), 3) == 0);
        for (auto s : x) spikes += s & spike::bit;
    }
    CHECK(spikes > 10);  // the comparison saw activity
    CHECK(std::memcmp(a.read("soma", "potential").data, b.read("soma", "potential").data, 12) == 0);
}

TEST_CASE("network text round trip: parse(write(net)) == net and write(parse(text)) is a fixed point",
          "[serialization][network_file][round_trip]") {
    Network net;
    net.seed = 123456789012345ull;
    net.dt = 0.1;
    net.add("a", "test_adder", {{"units", Value::List{2}}, {"increment", -0.3}})
        .add("s", "leaky_soma",
             {{"potential_rest", Value::List{-60.0, -61.5}},
              {"threshold", Value::Map{{"initializer", "uniform_initializer"}, {"scale", 2.5}, {"min_value", 1.0},
                                       {"max_value", 4.0}}},
              {"resistance", Value::Map{{"initializer", "sparse_uniform_initializer"}, {"density", 0.5},
                                        {"norm_axes", Value::List{0, 1}}}}})
        .add("odd", "some_type",
             {{"flag", true},
              {"name", "text with \"quotes\", a \\ and a\nnewline"},
              {"nothing", Value()},
              {"nested", Value::List{1.0, "two", Value::List{3.0}, true}},
              {"empty", Value::List{}},
              {"map", Value::Map{{"kind", "x"}, {"k", 1.0}}},
              {"tiny", 1e-300},
              {"third", 1.0 / 3.0}})
        .set("*.units", Value::List{2, 3})
        .connect("a.out", "a.in")
        .connect("s.spikes", "odd.x", Latency::same_step)
        .connect("a.out", "s.current", Latency::previous_step)
        .input("x", "s.current")
        .input("x", "odd.y")
        .output("y", "s.spikes")
        .effect("odd.k", "a.out");
    PortSpec spikes(PayloadKind::spikes, {2, 3}, true);
    spikes.mask = {0, 1, 0, 1, 1, 0};
    PortSpec ints(PayloadKind::integer, {5});
    ints.dtype = DType::u16;
    const std::map<std::string, PortSpec> specs{{"x", spikes}, {"unused", ints}};
    NeuronTemplate t;
    t.name = "my_neuron";
    t.description = "A test neuron.";
    t.parameters = {{"units", Value()}, {"rate", 0.2}};
    t.body.add("soma", "leaky_soma").input("in", "soma.current").output("out", "soma.spikes");
    t.body.set("soma.potential_tau", 12.0);

    const std::string text = to_network_text(net, specs, {t});
    INFO(text);
    const NetworkFile back = parse_network_text(text, "written.txtpb");
    require_same(back.network, net);
    REQUIRE(back.input_specs.size() == 2);
    CHECK(back.input_specs.at("x") == spikes);
    CHECK(back.input_specs.at("x").mask == spikes.mask);
    CHECK(back.input_specs.at("unused") == ints);
    REQUIRE(back.own_templates.size() == 1);
    CHECK(back.own_templates[0].name == "my_neuron");
    CHECK(back.own_templates[0].description == "A test neuron.");
    CHECK(back.own_templates[0].parameters == t.parameters);
    require_same(back.own_templates[0].body, t.body);
    CHECK(back.templates.find("my_neuron") != nullptr);

    // The writer's text is a fixed point; a hand-written file becomes one after one pass.
    CHECK(to_network_text(back) == text);
    const std::string normalized = to_network_text(parse_network_text(kExample));
    CHECK(to_network_text(parse_network_text(normalized)) == normalized);
}

TEST_CASE("the writer lays a network out for people", "[serialization][network_file]") {
    Network net;
    net.seed = 3;
    net.add("pool", "lif_neuron", {{"units", Value::List{128}}, {"synapses.kernel.scale", 200.0}})
        .add("relay", "test_relay")
        .connect("pool.out_spikes", "relay.in")
        .input("signal", "pool.in_spikes");
    const std::string text = to_network_text(net, {{"signal", PortSpec(PayloadKind::spikes, {64})}});
    CHECK(text ==
          "format_version: 1\n"
          "seed: 3\n"
          "dt: 1\n"
          "\n"
          "node {\n"
          "  name: \"pool\"\n"
          "  type: \"lif_neuron\"\n"
          "  param { path: \"units\" shape: [128] }\n"
          "  param { path: \"synapses.kernel.scale\" number: 200 }\n"
          "}\n"
          "\n"
          "node { name: \"relay\" type: \"test_relay\" }\n"
          "\n"
          "wire { from: \"pool.out_spikes\" to: \"relay.in\" }\n"
          "\n"
          "input { name: \"signal\" to: \"pool.in_spikes\" spec { kind: SPIKE_ARRAY shape: [64] } }\n");
}

TEST_CASE("syntax errors name file, line and column", "[serialization][network_file][errors]") {
    SECTION("a missing closing brace") {
        const char* text = "seed: 1\nnode { name: \"a\" type: \"b\"\n";
        REQUIRE_THROWS_AS(parse_network_text(text, "net.txtpb"), NetworkFileError);
        REQUIRE_THROWS_WITH(parse_network_text(text, "net.txtpb"), Contains("net.txtpb:3:1: "));
    }
    SECTION("a misspelt field gets a suggestion") {
        const char* text = "seed: 1\n\nnode { nmae: \"a\" }\n";
        REQUIRE_THROWS_AS(parse_network_text(text, "net.txtpb"), ConfigError);
        REQUIRE_THROWS_WITH(parse_network_text(text, "net.txtpb"),
                            Contains("net.txtpb:3:8: 'nmae' is not a field of NodeProto (did you mean name"));
    }
    SECTION("a field given twice") {
        const char* text = "node { name: \"a\"\n       name: \"b\" }\n";
        REQUIRE_THROWS_WITH(parse_network_text(text, "net.txtpb"), Contains("net.txtpb:2:8: ") && Contains("name"));
    }
    SECTION("a value of the wrong type") {
        const char* text = "dt: \"fast\"\n";
        REQUIRE_THROWS_WITH(parse_network_text(text, "net.txtpb"), Contains("net.txtpb:1:5: "));
    }
    SECTION("an unknown latency") {
        const char* text = "wire { from: \"a.x\" to: \"b.y\"\n  latency: NEXT_STEP\n}";
        REQUIRE_THROWS_WITH(parse_network_text(text, "net.txtpb"), Contains("net.txtpb:2:12: ") && Contains("NEXT_STEP"));
    }
    SECTION("values nested too deeply") {
        std::string text = "node { name: \"a\" type: \"b\" param { path: \"p\" ";
        for (int i = 0; i < 200; ++i) text += "list { item { ";
        text += "number: 1";
        for (int i = 0; i < 200; ++i) text += " } }";
        text += " } }\n";
        REQUIRE_THROWS_AS(parse_network_text(text, "deep.txtpb"), NetworkFileError);
        REQUIRE_THROWS_WITH(parse_network_text(text, "deep.txtpb"), Contains("deep.txtpb:1:") && Contains("recursion limit"));
    }
    SECTION("the error object carries the position") {
        try {
            parse_network_text("\n\n  seed: -1\n", "x.txtpb");
            FAIL("no error");
        } catch (const NetworkFileError& e) {
            CHECK(e.file() == "x.txtpb");
            CHECK(e.line() == 3);
            CHECK(e.column() == 9);
        }
    }
}

TEST_CASE("problems in what a file says name the line of the offending entry", "[serialization][network_file][errors]") {
    struct Case {
        const char* what;
        const char* text;
        const char* message;
    };
    const Case cases[] = {
        {"a wire end that is not node.port",
         "node { name: \"a\" type: \"test_relay\" }\n"
         "wire { from: \"a.out\"\n"
         "       to: \"a\" }\n",
         "f:3:8: 'a' is not a port reference"},
        {"a param with two values",
         "node {\n  name: \"a\" type: \"x\"\n  param { path: \"u\" number: 1 shape: [2] }\n}\n",
         "f:3:3: node 'a' param 'u' has more than one value"},
        {"a param without a value",
         "node { name: \"a\" type: \"x\" param { path: \"u\" } }\n",
         "f:1:28: node 'a' param 'u' has no value"},
        {"a top-level param naming no node",
         "node { name: \"pool\" type: \"x\" }\n\nparam { path: \"pol.units\" number: 3 }\n",
         "f:3:9: override 'pol.units': no node named 'pol' (did you mean pool?)"},
        {"an input spec without a kind",
         "input { name: \"in\" to: \"a.b\"\n  spec { shape: [3] } }\n",
         "f:2:3: a spec needs a payload kind"},
        {"two different specs for one input",
         "input { name: \"in\" to: \"a.b\" spec { kind: SPIKE_ARRAY shape: [3] } }\n"
         "input { name: \"in\" to: \"c.d\" spec { kind: SPIKE_ARRAY shape: [4] } }\n",
         "f:2:30: input 'in' has two different specs: SpikeArray[3]:u8 and SpikeArray[4]:u8"},
        {"a template with a built-in's name",
         "template { name: \"x\" }\ntemplate {\n  name: \"lif_neuron\"\n}\n",
         "f:3:3: template 'lif_neuron' has the name of a built-in neuron template"},
        {"a template defined twice",
         "template { name: \"x\" }\ntemplate { name: \"x\" }\n",
         "f:2:12: template 'x' is defined twice (first at line 1)"},
        {"a newer format version",
         "format_version: 2\n",
         "f:1:1: format_version 2 is newer than this build reads (1)"},
        {"a spec inside a template body",
         "template { name: \"t\" body {\n input { name: \"i\" to: \"a.b\" spec { kind: SPIKE_ARRAY shape: [1] } }\n} }\n",
         "f:2:30: input 'i' of a template body cannot have a spec"},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        CHECK_THROWS_AS(parse_network_text(c.text, "f"), NetworkFileError);
        CHECK_THROWS_WITH(parse_network_text(c.text, "f"), Contains(c.message));
    }
}

TEST_CASE("build problems of a file carry the line of the node or wire they name", "[serialization][network_file][errors]") {
    const char* text = "seed: 1\n"
                       "node { name: \"good\" type: \"test_adder\" }\n"
                       "node { name: \"typo\" type: \"leaky_som\" }\n"
                       "node {\n"
                       "  name: \"bad\"\n"
                       "  type: \"leaky_soma\"\n"
                       "  param { path: \"potential_tau\" number: -5 }\n"
                       "}\n"
                       "wire { from: \"good.out\" to: \"good.nope\" }\n";
    const NetworkFile file = parse_network_text(text, "net.txtpb");  // names are checked by the build
    REQUIRE_THROWS_AS(build_simulation(file, opts()), GraphBuildError);
    try {
        build_simulation(file, opts());
    } catch (const GraphBuildError& e) {
        const std::string all = e.what();
        INFO(all);
        CHECK_THAT(all, Contains("unknown component or neuron template 'leaky_som'") && Contains("(at net.txtpb:3)"));
        CHECK_THAT(all, Contains("potential_tau = -5 ms must be > 0") && Contains("(at net.txtpb:4)"));
        CHECK_THAT(all, Contains("good.out -> good.nope: TestAdder 'good' has no input 'nope'") &&
                            Contains("(at net.txtpb:9)"));
        for (const auto& d : e.diagnostics()) CHECK_THAT(d.message, Contains("(at net.txtpb:"));
    }
}

TEST_CASE("a file's own templates are registered and build like built-in ones", "[serialization][network_file]") {
    const char* text = R"(
template {
  name: "relay_neuron"
  description: "A soma behind a relay."
  parameter { name: "units" }
  parameter { name: "tau" number: 15 }
  body {
    node { name: "soma" type: "leaky_soma" }
    node { name: "relay" type: "test_relay" }
    wire { from: "soma.spikes" to: "relay.in" }
    input { name: "current" to: "soma.current" }
    output { name: "spikes" from: "relay.out" }
  }
}
node { name: "bias" type: "test_current" param { path: "units" shape: [2] } param { path: "value" number: 500 } }
node { name: "n" type: "relay_neuron" param { path: "units" shape: [2] } param { path: "soma.potential_tau" number: 5 } }
wire { from: "bias.out" to: "n.current" }
output { name: "out" from: "n.spikes" }
)";
    const NetworkFile file = parse_network_text(text, "t.txtpb");
    REQUIRE(file.own_templates.size() == 1);
    const NeuronTemplate& t = file.own_templates[0];
    CHECK(t.description == "A soma behind a relay.");
    REQUIRE(t.parameters.size() == 2);
    CHECK(t.parameters[0].second.is_null());
    CHECK(t.parameters[1].second == Value(15.0));
    CHECK(t.body.default_latency == Latency::same_step);
    auto sim = build_simulation(file, opts());
    std::vector<std::string> paths;
    for (const auto& n : sim.nodes()) paths.push_back(n.path);
    CHECK(paths == std::vector<std::string>{"bias", "n.soma", "n.relay"});
    CHECK(sim.component("n.soma").config_value().find("potential_tau")->to_string() == "5");
    int spikes = 0;
    for (int s = 0; s < 50; ++s) {
        sim.step();
        spikes += sim.output("out").u8()[0] & spike::bit;
    }
    CHECK(spikes > 0);
}

TEST_CASE("a missing network file is a clear error", "[serialization][network_file][errors]") {
    REQUIRE_THROWS_AS(load_network_file("/nonexistent/net.txtpb"), NetworkFileError);
    REQUIRE_THROWS_WITH(load_network_file("/nonexistent/net.txtpb"),
                        Contains("/nonexistent/net.txtpb: cannot read the network file: No such file or directory"));
}

TEST_CASE("a network file that fails part way through reading is an error, not an empty network",
          "[serialization][network_file][errors]") {
    REQUIRE_THROWS_AS(load_network_file("/proc/self/mem"), NetworkFileError);
    REQUIRE_THROWS_WITH(load_network_file("/proc/self/mem"),
                        "/proc/self/mem: cannot read the network file: Input/output error");
    REQUIRE_THROWS_WITH(load_network_file("/"), "/: cannot read the network file: Is a directory");
}

TEST_CASE("load_network_file reads a file from disk", "[serialization][network_file]") {
    const auto path = std::filesystem::temp_directory_path() / "spark_test_network_file.txtpb";
    {
        std::ofstream out(path);
        out << kExample;
    }
    const NetworkFile file = load_network_file(path);
    std::filesystem::remove(path);
    CHECK(file.source_name == path.string());
    CHECK(file.network.nodes.size() == 4);
}

namespace {

// lif_neuron with another description: a built-in template the user changed.
NeuronTemplate changed_lif() {
    NeuronTemplate t = *builtin_templates().find("lif_neuron");
    t.description = "My own LIF neuron.";
    return t;
}

NeuronTemplate own_neuron() {
    NeuronTemplate t;
    t.name = "my_neuron";
    t.body.add("soma", "leaky_soma");
    t.body.input("in", "soma.current").output("out", "soma.spikes");
    return t;
}

std::vector<std::string> names_of(const std::vector<NeuronTemplate>& templates) {
    std::vector<std::string> names;
    for (const auto& t : templates) names.push_back(t.name);
    return names;
}

}  // namespace

TEST_CASE("the user's templates are those that are not a built-in one by name and content",
          "[serialization][network_file][templates]") {
    TemplateRegistry registry;
    register_builtin_templates(registry);
    registry.add(own_neuron());
    CHECK(names_of(user_templates(registry)) == std::vector<std::string>{"my_neuron"});
    CHECK(user_templates(builtin_templates()).empty());

    TemplateRegistry changed;
    changed.add(*builtin_templates().find("alif_neuron"));
    changed.add(changed_lif());
    const auto user = user_templates(changed);
    REQUIRE(names_of(user) == std::vector<std::string>{"lif_neuron"});
    CHECK(user[0].description == "My own LIF neuron.");
}

TEST_CASE("a user template replaces the built-in one of its name, the other built-ins stay",
          "[serialization][network_file][templates]") {
    const TemplateRegistry registry = templates_with_builtins({changed_lif(), own_neuron()});
    CHECK(registry.names() == std::vector<std::string>{"lif_neuron", "alif_neuron", "ad_ex_neuron", "my_neuron"});
    CHECK(registry.find("lif_neuron")->description == "My own LIF neuron.");
    CHECK(registry.find("alif_neuron")->description == builtin_templates().find("alif_neuron")->description);
    // The two functions are inverse: the user's templates of the merged registry are the user's.
    CHECK(names_of(user_templates(registry)) == std::vector<std::string>{"lif_neuron", "my_neuron"});
}

TEST_CASE("a learning rule fed by an inhibitory population written after it types those synapses inhibitory",
          "[serialization][network_file][mask]") {
    // ab_brain in small: "exc" reads itself and "inh" (written after it) over previous-step wires; its
    // tensor rule types each synapse by the pre unit's inhibition bit.
    const char* text = R"(
template {
  name: "plastic_neuron"
  parameter { name: "units" }
  parameter { name: "inhibitory_rate" number: 0 }
  body {
    node { name: "inhibition" type: "inhibition_mask" }
    node { name: "synapses" type: "linear_synapses" }
    node { name: "soma" type: "leaky_soma" }
    node { name: "plasticity" type: "quadruplet_rule_tensor" }
    input { name: "in_spikes" to: "synapses.spikes" }
    input { name: "in_spikes" to: "plasticity.pre_spikes" }
    input { name: "modulation" to: "plasticity.modulation" }
    wire { from: "synapses.currents" to: "soma.current" }
    wire { from: "inhibition.mask" to: "soma.inhibition_mask" }
    wire { from: "soma.spikes" to: "plasticity.post_spikes" }
    wire { from: "synapses.kernel" to: "plasticity.kernel" }
    effect { target: "synapses.kernel" source: "plasticity.kernel" }
    output { name: "out_spikes" from: "soma.spikes" }
  }
}
node { name: "exc" type: "plastic_neuron" param { path: "units" shape: [2] } }
node { name: "inh" type: "plastic_neuron" param { path: "units" shape: [3] } param { path: "inhibitory_rate" number: 1 } }
input { name: "m" to: "exc.modulation" spec { kind: FLOAT_ARRAY shape: [1] } }
input { name: "m" to: "inh.modulation" }
wire { from: "exc.out_spikes" to: "exc.in_spikes" }
wire { from: "inh.out_spikes" to: "exc.in_spikes" }
wire { from: "exc.out_spikes" to: "inh.in_spikes" }
)";
    auto sim = build_simulation(parse_network_text(text, "later_inhibitory.txtpb"), {});
    using components::plasticity::QuadrupletRuleTensor;
    const auto& exc = dynamic_cast<const QuadrupletRuleTensor&>(sim.component("exc.plasticity"));
    const auto& inh = dynamic_cast<const QuadrupletRuleTensor&>(sim.component("inh.plasticity"));
    // exc: 2 post (E) x 5 pre (exc 0-1, inh 0-2): EI on the inh columns.
    const std::uint8_t EE = components::plasticity::excitatory_excitatory,
                       EI = components::plasticity::excitatory_inhibitory,
                       IE = components::plasticity::inhibitory_excitatory;
    const std::vector<std::uint8_t> exc_row{EE, EE, EI, EI, EI};
    CHECK(std::vector<std::uint8_t>(exc.synapse_types().begin(), exc.synapse_types().begin() + 5) == exc_row);
    CHECK(std::vector<std::uint8_t>(exc.synapse_types().begin() + 5, exc.synapse_types().end()) == exc_row);
    // inh: 3 post (I) x 2 pre (exc): IE everywhere.
    CHECK(std::vector<std::uint8_t>(inh.synapse_types().begin(), inh.synapse_types().end()) ==
          std::vector<std::uint8_t>(6, IE));
}
