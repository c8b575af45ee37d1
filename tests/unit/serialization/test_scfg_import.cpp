// Spark .scfg import (issue 17): the tutorial brain's shapes and values as Spark infers them, the neuron
// file as a template, the round trip through a network file, and a refusal for every kind of bad file
// (made here from the fixtures: decompressed, edited, recompressed with liblzma).
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <lzma.h>
#include <nlohmann/json.hpp>

#include <spark/components/builtin.hpp>
#include <spark/serialization/model_file.hpp>
#include <spark/serialization/scfg.hpp>

using namespace spark;
using namespace spark::serialization;
using Catch::Contains;
using Json = nlohmann::ordered_json;

namespace {

const std::string data_dir = SPARK_SCFG_DATA_DIR;
const std::string brain_path = data_dir + "/ab_brain.scfg";
const std::string neuron_path = data_dir + "/alif_mod_neuron.scfg";

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string xz_decode(const std::string& bytes) {
    std::uint64_t memlimit = UINT64_MAX;
    std::size_t in_pos = 0, out_pos = 0;
    std::string out(1 << 20, '\0');
    const lzma_ret r = lzma_stream_buffer_decode(&memlimit, 0, nullptr, reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                                 &in_pos, bytes.size(), reinterpret_cast<std::uint8_t*>(out.data()),
                                                 &out_pos, out.size());
    REQUIRE(r == LZMA_OK);
    out.resize(out_pos);
    return out;
}

std::string xz_encode(const std::string& text, std::uint32_t preset = 6) {
    std::string out(lzma_stream_buffer_bound(text.size()), '\0');
    std::size_t out_pos = 0;
    const lzma_ret r = lzma_easy_buffer_encode(preset, LZMA_CHECK_CRC64, nullptr,
                                               reinterpret_cast<const std::uint8_t*>(text.data()), text.size(),
                                               reinterpret_cast<std::uint8_t*>(out.data()), &out_pos, out.size());
    REQUIRE(r == LZMA_OK);
    out.resize(out_pos);
    return out;
}

Json brain_json() { return Json::parse(xz_decode(read_bytes(brain_path))); }

// The module_specs data of a brain module by name.
Json& module(Json& brain, const std::string& name) {
    for (auto& m : brain["__cfg__"]["modules_specs"])
        if (m["__data__"]["name"] == name) return m["__data__"];
    FAIL("no module " << name);
    throw;
}

ImportOptions tutorial_inputs() {
    ImportOptions o;
    o.input_specs["signal"] = PortSpec(PayloadKind::floating, {4});
    o.input_specs["*"] = PortSpec(PayloadKind::floating, {1});
    return o;
}

NetworkFile import_brain(const Json& brain, bool compress = true) {
    const std::string text = brain.dump(4);
    return import_scfg(compress ? xz_encode(text) : text, "edited.scfg", tutorial_inputs());
}

std::vector<std::string> sources_of(const graph::Network& n, const std::string& to) {
    std::vector<std::string> from;
    for (const auto& w : n.wires)
        if (w.to.to_string() == to) from.push_back(w.from.node);
    return from;
}

const Value* override_of(const graph::NodeSpec& node, const std::string& path) {
    for (const auto& o : node.config)
        if (o.path == path) return &o.value;
    return nullptr;
}

// Every population's spikes of `steps` steps with the tutorial's inputs driven by a fixed pattern.
std::vector<std::uint8_t> run_spikes(graph::Simulation sim, int steps) {
    std::vector<std::uint8_t> all;
    for (int t = 0; t < steps; ++t) {
        auto signal = sim.input("signal").f32();
        for (std::size_t i = 0; i < signal.size(); ++i) signal[i] = 0.5f * std::sin(0.05f * static_cast<float>(t) + static_cast<float>(i));
        for (const char* mod : {"mod_a_ex", "mod_b_ex", "mod_a_in", "mod_b_in"}) sim.input(mod).f32()[0] = 0.5f;
        sim.step();
        for (const char* pop : {"A_excitatory.soma", "B_excitatory.soma", "A_inhibitory.soma", "B_inhibitory.soma"}) {
            auto s = sim.read(pop, "spikes").u8();
            all.insert(all.end(), s.begin(), s.end());
        }
        auto a = sim.output("action").f32();
        for (float x : a) {
            const auto* b = reinterpret_cast<const std::uint8_t*>(&x);
            all.insert(all.end(), b, b + sizeof x);
        }
    }
    return all;
}

}  // namespace

TEST_CASE("The tutorial brain imports with Spark's shapes, wiring order and per-population values", "[scfg]") {
    const NetworkFile file = load_model_file(brain_path, tutorial_inputs());
    const graph::Network& n = file.network;
    CHECK(n.seed == 1805829445u);
    CHECK(n.dt == 1.0);
    std::vector<std::string> names;
    for (const auto& node : n.nodes) names.push_back(node.name);
    CHECK(names == std::vector<std::string>{"A_excitatory", "B_excitatory", "A_inhibitory", "B_inhibitory", "spiker",
                                            "integrator"});
    CHECK(sources_of(n, "A_excitatory.in_spikes") == std::vector<std::string>{"spiker", "A_excitatory", "B_inhibitory"});
    CHECK(sources_of(n, "A_inhibitory.in_spikes") == std::vector<std::string>{"A_excitatory", "spiker"});
    CHECK(sources_of(n, "integrator.spikes") == std::vector<std::string>{"A_excitatory", "B_excitatory"});
    REQUIRE(file.own_templates.size() == 1);  // four instances share one template
    CHECK(file.own_templates[0].name == "alif_mod_neuron");

    auto sim = build_simulation(file);
    CHECK(sim.spec("spiker", "spikes").to_string() == "SpikeArray[4,128]:u8");
    CHECK(sim.spec("A_excitatory.delays", "out_spikes").shape == Shape{256, 832});  // 512 + 256 + 64
    CHECK(sim.spec("A_inhibitory.delays", "out_spikes").shape == Shape{64, 768});   // 256 + 512
    CHECK(sim.spec("A_excitatory.synapses", "kernel").shape == Shape{256, 832});
    CHECK(sim.spec("A_inhibitory.synapses", "kernel").shape == Shape{64, 768});
    CHECK(sim.spec("integrator", "signal").shape == Shape{2});
    CHECK(sim.output("action").size == 2);
    for (const auto& node : sim.nodes())
        if (node.path == "integrator") CHECK(node.inputs.at(0).spec.shape == Shape{512});

    using Soma = components::somas::AdaptiveLeakySoma;
    auto soma = [&](const char* path) -> const auto& { return dynamic_cast<Soma&>(sim.component(path)).config(); };
    CHECK(soma("A_inhibitory.soma").resistance == 2.0);
    CHECK(soma("B_inhibitory.soma").resistance == 1.0);
    CHECK(soma("A_inhibitory.soma").potential_tau == 20.0);
    CHECK(soma("A_excitatory.soma").potential_tau == 10.0);
    CHECK(soma("A_excitatory.soma").threshold_delta == 50.0);
    CHECK(soma("B_inhibitory.soma").threshold_delta == 20.0);
    CHECK(soma("A_excitatory.soma").cooldown == 2.0);
    CHECK(soma("B_inhibitory.soma").cooldown == 1.0);
}

TEST_CASE("Imported tensor rules type every presynaptic unit excitatory as Spark 1.0 did, and say so", "[scfg]") {
    using Rule = components::plasticity::QuadrupletRuleTensor;
    auto count = [](graph::Simulation& sim, const char* path, std::uint8_t type) {
        const auto types = dynamic_cast<Rule&>(sim.component(path)).synapse_types();
        return std::count(types.begin(), types.end(), type);
    };
    // B_inhibitory listed first, so that its real mask is known when A_excitatory's rule is built.
    Json brain = brain_json();
    auto& specs = brain["__cfg__"]["modules_specs"];
    const Json b_inhibitory = specs[3];
    specs.erase(3);
    specs.insert(specs.begin(), b_inhibitory);
    const NetworkFile file = import_brain(brain);
    {
        auto sim = build_simulation(file);
        CHECK(count(sim, "A_excitatory.plasticity", 0) == 256 * 832);  // EE only, as in Spark 1.0
        CHECK(count(sim, "A_inhibitory.plasticity", 2) == 64 * 768);   // IE only
    }
    // spark's own semantics (the real masks) give B_inhibitory's 64 columns the EI type.
    NetworkFile real_masks = file;
    real_masks.network.set("A_excitatory.plasticity.all_pre_excitatory", false);
    auto sim = build_simulation(real_masks);
    CHECK(count(sim, "A_excitatory.plasticity", 1) == 256 * 64);
    CHECK(count(sim, "A_excitatory.plasticity", 0) == 256 * 768);
    CHECK(std::any_of(file.warnings.begin(), file.warnings.end(), [](const std::string& w) {
        return w.find("alif_mod_neuron/plasticity (quadruplet_rule_tensor)") == 0 &&
               w.find("all_pre_excitatory") != std::string::npos;
    }));
}

TEST_CASE("Every warning is one line that names a module", "[scfg]") {
    const NetworkFile file = load_model_file(brain_path, tutorial_inputs());
    REQUIRE(!file.warnings.empty());
    for (const auto& w : file.warnings) {
        CHECK(w.find('\n') == std::string::npos);
        const bool names_module = w.rfind("brain/", 0) == 0 || w.rfind("alif_mod_neuron/", 0) == 0;
        CHECK(names_module);
    }
    const auto has = [&](const char* a, const char* b) {
        return std::any_of(file.warnings.begin(), file.warnings.end(), [&](const std::string& w) {
            return w.find(a) != std::string::npos && w.find(b) != std::string::npos;
        });
    };
    CHECK(has("alif_mod_neuron/delays (n2n_delays)", "real delay"));
    CHECK(has("float16", "float32"));
    CHECK(has("per-module seeds ignored", "network seed"));
    CHECK_FALSE(has("integrator", "shuffle"));  // shuffle is off in the tutorial
}

TEST_CASE("The neuron file becomes a template that a brain can use", "[scfg]") {
    const NetworkFile neuron = load_model_file(neuron_path);
    CHECK(neuron.network.nodes.empty());
    REQUIRE(neuron.own_templates.size() == 1);
    const graph::NeuronTemplate& t = neuron.own_templates[0];
    CHECK(t.name == "alif_mod_neuron");
    std::vector<std::string> inner;
    for (const auto& node : t.body.nodes) inner.push_back(node.name + ":" + node.type);
    CHECK(inner == std::vector<std::string>{"inhibition:inhibition_mask", "delays:n2n_delays",
                                            "plasticity:quadruplet_rule_tensor", "soma:adaptive_leaky_soma",
                                            "synapses:traced_synapses"});
    CHECK(t.parameters.at(1).second == Value(0.2));  // inhibitory_rate of the file
    REQUIRE(t.body.effects.size() == 1);
    CHECK(t.body.effects[0].target.to_string() == "synapses.kernel");
    CHECK(t.body.effects[0].source.to_string() == "plasticity.kernel");
    REQUIRE(!neuron.warnings.empty());
    for (const auto& w : neuron.warnings) CHECK(w.rfind("alif_mod_neuron/", 0) == 0);

    // Given to the brain, it is used (and written with the brain, whose instances set what differs from
    // it): the same simulation as with the body embedded in the brain.
    ImportOptions with = tutorial_inputs();
    with.templates = neuron.own_templates;
    const NetworkFile brain = load_model_file(brain_path, with);
    REQUIRE(brain.own_templates.size() == 1);
    CHECK(brain.own_templates[0].parameters == t.parameters);
    CHECK(run_spikes(build_simulation(brain), 40) ==
          run_spikes(build_simulation(load_model_file(brain_path, tutorial_inputs())), 40));
}

TEST_CASE("A brain input without a spec is refused, naming the input and the flag to pass", "[scfg]") {
    ImportOptions only_signal;
    only_signal.input_specs["signal"] = PortSpec(PayloadKind::floating, {4});
    REQUIRE_THROWS_AS(load_model_file(brain_path, only_signal), ScfgError);
    REQUIRE_THROWS_WITH(load_model_file(brain_path, only_signal),
                        Contains("\"mod_a_ex\"") && Contains("--input mod_a_ex=KIND:SHAPE") &&
                            !Contains("\"signal\""));
}

TEST_CASE("Import, write, load: the same description and bit-identical spikes", "[scfg]") {
    const NetworkFile imported = load_model_file(brain_path, tutorial_inputs());
    const std::string text = to_network_text(imported);
    const NetworkFile loaded = parse_network_text(text, "written.txtpb");
    CHECK(to_network_text(loaded) == text);
    CHECK(loaded.input_specs == imported.input_specs);
    REQUIRE(loaded.own_templates.size() == 1);
    const auto a = run_spikes(build_simulation(imported), 120);
    const auto b = run_spikes(build_simulation(loaded), 120);
    CHECK(std::count(a.begin(), a.end(), std::uint8_t{1}) > 0);
    CHECK(a == b);
}

TEST_CASE("Plain JSON and the version wrapper import like the XZ file", "[scfg]") {
    const std::string plain = xz_decode(read_bytes(brain_path));
    const NetworkFile xz = load_model_file(brain_path, tutorial_inputs());
    CHECK(to_network_text(import_scfg(plain, "plain.scfg", tutorial_inputs())) == to_network_text(xz));
    Json wrapped{{"__version__", "1.0"}, {"__data__", Json::parse(plain)}};
    CHECK(to_network_text(import_scfg(wrapped.dump(), "wrapped.scfg", tutorial_inputs())) == to_network_text(xz));
    CHECK(detect_model_format(plain) == ModelFormat::spark_scfg);
    CHECK(detect_model_format(read_bytes(brain_path)) == ModelFormat::spark_scfg);
    CHECK(detect_model_format("format_version: 1\nnode { }") == ModelFormat::network_text);
}

TEST_CASE("Development-branch drift: quadruplet_rule with 4-tuples and the array tag import", "[scfg]") {
    Json brain = brain_json();
    for (const char* pop : {"A_excitatory", "B_excitatory", "A_inhibitory", "B_inhibitory"})
        for (auto& inner : module(brain, pop)["config"]["modules_specs"])
            if (inner["__data__"]["name"] == "plasticity")
                inner["__data__"]["module_cls"]["__module_type__"] = "quadruplet_rule";
    module(brain, "spiker")["config"]["glue"]["__type__"] = "array";
    const NetworkFile file = import_brain(brain);
    CHECK(file.own_templates.at(0).body.find("plasticity")->type == "quadruplet_rule_tensor");
    CHECK(*override_of(*file.network.find("spiker"), "glue") == Value(0.0));
}

// ------------------------------------------------------------------------------------------------
// Refusals: the file, the module path and the field; never a crash.

TEST_CASE("Bytes that are neither XZ nor JSON are refused", "[scfg][hostile]") {
    REQUIRE_THROWS_AS(import_scfg("hello", "x.scfg"), ScfgError);
    REQUIRE_THROWS_WITH(import_scfg(std::string("\xFD" "7zXY", 5) + "xx", "x.scfg"),
                        Contains("neither XZ-compressed nor JSON"));
    REQUIRE_THROWS_WITH(import_scfg("  ", "x.scfg"), Contains("x.scfg: not a Spark configuration"));
}

TEST_CASE("Truncated and corrupt XZ data are refused with liblzma's code", "[scfg][hostile]") {
    const std::string bytes = read_bytes(brain_path);
    REQUIRE_THROWS_AS(import_scfg(bytes.substr(0, 2000), "cut.scfg"), ScfgError);
    REQUIRE_THROWS_WITH(import_scfg(bytes.substr(0, 2000), "cut.scfg"),
                        Contains("cut.scfg: the XZ data is corrupt or truncated (liblzma: LZMA_"));
    std::string corrupt = bytes;
    for (std::size_t i = 200; i < 260; ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5A);
    REQUIRE_THROWS_WITH(import_scfg(corrupt, "bad.scfg"), Contains("corrupt or truncated") && Contains("LZMA_"));
}

TEST_CASE("JSON syntax errors and NaN are refused with the byte offset", "[scfg][hostile]") {
    std::string text = xz_decode(read_bytes(brain_path));
    REQUIRE_THROWS_WITH(import_scfg(xz_encode(text.substr(0, 5000)), "cut.json"), Contains("cut.json: JSON error at byte"));
    const auto at = text.find("\"tau\": 5.0");
    REQUIRE(at != std::string::npos);
    text.replace(at, 10, "\"tau\": NaN");
    REQUIRE_THROWS_AS(import_scfg(xz_encode(text), "nan.scfg"), ScfgError);
    REQUIRE_THROWS_WITH(import_scfg(xz_encode(text), "nan.scfg"),
                        Contains("JSON error at byte") && Contains("non-finite value"));
    // Found by fuzz_scfg: a number beyond double's range ended the program (nlohmann's out_of_range).
    text.replace(at, 10, "\"tau\": 1e309");
    REQUIRE_THROWS_AS(import_scfg(xz_encode(text), "huge.scfg"), ScfgError);
    REQUIRE_THROWS_WITH(import_scfg(xz_encode(text), "huge.scfg"),
                        Contains("huge.scfg: JSON error: number overflow parsing '1e309' (the file holds a number "
                                 "beyond the range of a double)"));
}

TEST_CASE("Old and foreign documents are refused by what they are", "[scfg][hostile]") {
    REQUIRE_THROWS_WITH(import_scfg(R"({"__type__": "brain_config", "__cfg__": {"input_map": {}, "modules_map": {}}})",
                                    "old.scfg"),
                        Contains("a Spark 0.x file"));
    REQUIRE_THROWS_WITH(import_scfg(R"("{\"__version__\": \"1.0\"}")", "proto.scfg"), Contains("Spark 0.1 prototype"));
    REQUIRE_THROWS_WITH(import_scfg(R"({"__version__": "2.0", "__data__": {}})", "v2.scfg"),
                        Contains("version \"2.0\"; spark reads 1.0"));
    REQUIRE_THROWS_WITH(import_scfg(R"({"__type__": "leaky_soma_config", "__cfg__": {}})", "soma.scfg"),
                        Contains("holds a single leaky_soma_config configuration, not a network"));
}

TEST_CASE("An unknown module type is refused naming the module and the type", "[scfg][hostile]") {
    Json brain = brain_json();
    module(brain, "spiker")["module_cls"]["__module_type__"] = "my_soma";
    REQUIRE_THROWS_AS(import_brain(brain), ScfgError);
    REQUIRE_THROWS_WITH(import_brain(brain),
                        Contains("edited.scfg: brain/spiker: module \"spiker\" is a \"my_soma\", which spark does not have"));
}

TEST_CASE("Unsupported field values are refused naming the module and the field", "[scfg][hostile]") {
    Json brain = brain_json();
    module(brain, "spiker")["config"]["sigma"] = Json{{"__type__", "weird_thing"}};
    REQUIRE_THROWS_WITH(import_brain(brain), Contains("brain/spiker: sigma = ") && Contains("not a value spark can take"));

    // A field Spark has and spark lacks, with a value other than spark's fixed one.
    const Json rfs = Json::parse(R"({"__type__": "brain_config", "__cfg__": {"seed": 1, "dt": 1.0, "modules_specs": [
        {"__type__": "module_specs", "__data__": {"name": "syn", "module_cls": {"__module_type__": "rfs_traced_synapses",
         "__subregistry__": "MODULES"}, "inputs": {}, "outputs": {}, "effects": {},
         "config": {"units": [4], "scale_rise": 2.0}}}]}})");
    REQUIRE_THROWS_WITH(import_scfg(rfs.dump(), "rfs.scfg"),
                        Contains("brain/syn: (rfs_traced_synapses): scale_rise = 2.0 is not supported (spark uses 1)"));
}

TEST_CASE("A null in a required field is refused as an unfinished session", "[scfg][hostile]") {
    Json brain = brain_json();
    module(brain, "A_excitatory")["config"]["units"] = nullptr;
    REQUIRE_THROWS_WITH(import_brain(brain),
                        Contains("brain/A_excitatory: units is null (an unfinished graph-editor session?)"));
    Json component = brain_json();
    module(component, "integrator")["config"]["num_outputs"] = nullptr;
    REQUIRE_THROWS_WITH(import_brain(component, false), Contains("edited.scfg: brain/integrator: num_outputs is null"));
    // An optional field left null takes spark's default.
    Json optional = brain_json();
    module(optional, "integrator")["config"]["tau"] = nullptr;
    CHECK(override_of(*import_brain(optional).network.find("integrator"), "tau") == nullptr);
}

TEST_CASE("Bad node names and wiring to unknown modules are refused", "[scfg][hostile]") {
    Json brain = brain_json();
    module(brain, "spiker")["name"] = "my spiker";
    REQUIRE_THROWS_WITH(import_brain(brain), Contains("module name \"my spiker\" is not a valid spark node name"));
    Json dangling = brain_json();
    module(dangling, "integrator")["inputs"]["spikes"][0]["__data__"]["origin"] = "C_excitatory";
    REQUIRE_THROWS_WITH(import_brain(dangling), Contains("brain/integrator: \"integrator.spikes\" reads from "
                                                         "\"C_excitatory.out_spikes\", but there is no module"));
    Json self = brain_json();
    module(self, "integrator")["inputs"]["spikes"][0]["__data__"]["origin"] = "__self__";
    REQUIRE_THROWS_WITH(import_brain(self), Contains("Spark brains have none"));
}

TEST_CASE("An inner dt that differs from the brain's and a neuron inside a neuron are refused", "[scfg][hostile]") {
    Json brain = brain_json();
    for (auto& m : module(brain, "A_excitatory")["config"]["modules_specs"])
        if (m["__data__"]["name"] == "soma") m["__data__"]["config"]["dt"] = 0.5;
    REQUIRE_THROWS_WITH(import_brain(brain), Contains("brain/A_excitatory/soma: dt 0.5 differs from the brain's dt 1"));
    Json nested = brain_json();
    module(nested, "A_excitatory")["config"]["modules_specs"][0]["__data__"]["module_cls"]["__subregistry__"] = "NEURONS";
    REQUIRE_THROWS_WITH(import_brain(nested), Contains("contains another neuron (\"delays\")"));
}

TEST_CASE("A decompressed size over the cap is refused without decompressing it all", "[scfg][hostile]") {
    // 257 concatenated XZ streams of 1 MiB of spaces each.
    const std::string one = xz_encode(std::string(std::size_t{1} << 20, ' '), 0);
    std::string bomb;
    for (int i = 0; i < 257; ++i) bomb += one;
    REQUIRE(bomb.size() < 200000);
    REQUIRE_THROWS_AS(import_scfg(bomb, "bomb.scfg"), ScfgError);
    REQUIRE_THROWS_WITH(import_scfg(bomb, "bomb.scfg"), Contains("bomb.scfg: more than 256 MiB of JSON; refusing"));
}

TEST_CASE("Unknown config keys are skipped with a warning naming the module", "[scfg]") {
    Json brain = brain_json();
    module(brain, "integrator")["config"]["future_field"] = 3;
    const NetworkFile file = import_brain(brain);
    CHECK(std::any_of(file.warnings.begin(), file.warnings.end(), [](const std::string& w) {
        return w.find("brain/integrator (exponential_integrator): field \"future_field\" skipped") == 0;
    }));
}

TEST_CASE("Deeply nested documents and arrays are refused without exhausting the stack", "[scfg][hostile]") {
    const std::string deep = std::string(200000, '[') + std::string(200000, ']');
    REQUIRE_THROWS_WITH(import_scfg(xz_encode(deep), "deep.scfg"), Contains("not a Spark configuration"));
    Json brain = brain_json();
    Json nested = 1;
    for (int i = 0; i < 40; ++i) nested = Json::array({nested});
    Json& glue = module(brain, "spiker")["config"]["glue"];
    glue["data"] = nested;
    REQUIRE_THROWS_WITH(import_brain(brain), Contains("brain/spiker: glue: an array nested more than 32 deep"));
}

namespace {
// A port spec as Spark's checkpoints write it into a config's __metadata__.
Json port_specs(const std::string& payload, const Json& shape) {
    return {{"__type__", "port_specs"},
            {"__data__", {{"payload_type", {{"__payload_type__", payload}}}, {"shape", shape},
                          {"dtype", {{"__type__", "dtype"}, {"name", "float16"}}}, {"description", "an input"}}}};
}
// The tutorial brain with the tutorial's input specs in its metadata.
Json brain_with_carried_specs() {
    Json brain = brain_json();
    Json specs{{"signal", port_specs("float_array", {4})}};
    for (const char* mod : {"mod_a_ex", "mod_b_ex", "mod_a_in", "mod_b_in"}) specs[mod] = port_specs("float_array", {1});
    brain["__cfg__"]["__metadata__"]["input_specs"] = specs;
    return brain;
}
}  // namespace

TEST_CASE("Input specs carried in the file's metadata need no --input and give the tutorial's network", "[scfg]") {
    const NetworkFile carried = import_scfg(xz_encode(brain_with_carried_specs().dump(4)), "carried.scfg");
    CHECK(carried.input_specs.at("signal") == PortSpec(PayloadKind::floating, {4}));
    CHECK(carried.input_specs.at("mod_b_in") == PortSpec(PayloadKind::floating, {1}));
    CHECK(to_network_text(carried) == to_network_text(load_model_file(brain_path, tutorial_inputs())));
    const auto sim = build_simulation(carried);
    CHECK(sim.spec("spiker", "spikes").to_string() == "SpikeArray[4,128]:u8");
}

TEST_CASE("An --input by name replaces a carried spec, and --input '*' fills only what the file does not carry",
          "[scfg]") {
    Json brain = brain_with_carried_specs();
    brain["__cfg__"]["__metadata__"]["input_specs"].erase("mod_b_in");
    ImportOptions options;
    options.input_specs["signal"] = PortSpec(PayloadKind::floating, {2, 2});
    options.input_specs["*"] = PortSpec(PayloadKind::current, {1});
    const NetworkFile file = import_scfg(brain.dump(), "carried.scfg", options);
    CHECK(file.input_specs.at("signal") == PortSpec(PayloadKind::floating, {2, 2}));
    CHECK(file.input_specs.at("mod_a_ex") == PortSpec(PayloadKind::floating, {1}));
    CHECK(file.input_specs.at("mod_b_in") == PortSpec(PayloadKind::current, {1}));
    // Without the wildcard, the input the file does not carry is the one named.
    REQUIRE_THROWS_WITH(import_scfg(brain.dump(), "carried.scfg"),
                        Contains("network input \"mod_b_in\" has no shape") && Contains("--input mod_b_in=KIND:SHAPE"));
    // A carried spec replaced by --input is not read, so a bad one can be overridden.
    brain["__cfg__"]["__metadata__"]["input_specs"]["signal"] = port_specs("photon_array", {4});
    CHECK_NOTHROW(import_scfg(brain.dump(), "carried.scfg", options));
}

TEST_CASE("A carried spec for a name that is no input of the brain is ignored with a warning", "[scfg]") {
    Json brain = brain_with_carried_specs();
    brain["__cfg__"]["__metadata__"]["input_specs"]["reward"] = port_specs("float_array", {1});
    const NetworkFile file = import_scfg(brain.dump(), "carried.scfg");
    CHECK(file.input_specs.count("reward") == 0);
    CHECK(std::count_if(file.warnings.begin(), file.warnings.end(), [](const std::string& w) {
              return w == "brain/__metadata__/input_specs: a spec for \"reward\", which is not an input of the brain, "
                          "ignored";
          }) == 1);
}

TEST_CASE("Bad carried input specs are refused naming the input and what is wrong", "[scfg][hostile]") {
    const auto refused = [](const Json& spec, const std::string& message) {
        Json brain = brain_with_carried_specs();
        brain["__cfg__"]["__metadata__"]["input_specs"]["signal"] = spec;
        INFO(spec.dump());
        REQUIRE_THROWS_AS(import_scfg(brain.dump(), "bad.scfg"), ScfgError);
        REQUIRE_THROWS_WITH(import_scfg(brain.dump(), "bad.scfg"),
                            Contains("bad.scfg: brain/__metadata__/input_specs/signal: " + message));
    };
    refused(port_specs("photon_array", {4}), "payload_type \"photon_array\" is not one of spike_array, current_array");
    refused(port_specs("float_array", Json::array()), "shape = [] must be a list of sizes");
    refused(port_specs("float_array", {{4}, {2}}), "shape = [[4],[2]] must hold sizes of at least 1");
    refused(port_specs("float_array", {4, 0}), "shape = [4,0] must hold sizes of at least 1");
    refused(port_specs("float_array", {-4}), "shape = [-4] must hold sizes of at least 1");
    refused(port_specs("float_array", {1u << 20, 1u << 20}),
            "shape = [1048576,1048576] has more than 4294967296 elements");
    refused(port_specs("float_array", nullptr), "shape is null");
    refused({{"__type__", "port_specs"}, {"__data__", {{"shape", {4}}}}}, "has no \"payload_type\"");
    refused(Json("float:4"), "expected a JSON object, found string");
    Json brain = brain_json();
    brain["__cfg__"]["__metadata__"]["input_specs"] = Json::array();
    REQUIRE_THROWS_WITH(import_scfg(brain.dump(), "bad.scfg"),
                        Contains("bad.scfg: brain/__metadata__/input_specs: expected an object of port specs by input "
                                 "name, found array"));
}
