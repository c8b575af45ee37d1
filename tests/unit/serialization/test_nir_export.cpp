// NIR export: files NIR's reader accepts (checked with h5py), round trips, refusals.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <spark/serialization/model_file.hpp>
#include <spark/serialization/nir.hpp>

#include "nir_testing.hpp"

using namespace spark;
using namespace spark::serialization;
using Catch::Matchers::Contains;

namespace {

std::filesystem::path temp_file(const std::string& name) {
    const auto dir = spark::testing::generated_nir_files() / "export";
    std::filesystem::create_directories(dir);
    return dir / name;
}

// Runs the h5py check that reads a file the way NIR's reader does; true when it accepts the file.
bool nir_reader_accepts(const std::filesystem::path& file) {
    const std::string command =
        "/usr/bin/python3 " + std::string(SPARK_NIR_SCRIPT_DIR) + "/check_nir_file.py " + file.string() + " > /dev/null 2>&1";
    return std::system(command.c_str()) == 0;
}

// Each node of a NIR file as "name type", read by the h5py check script.
std::string nir_node_types(const std::filesystem::path& file) {
    const auto listing = temp_file(file.filename().string() + ".types");
    const std::string command = "/usr/bin/python3 " + std::string(SPARK_NIR_SCRIPT_DIR) + "/check_nir_file.py " +
                                file.string() + " --types > " + listing.string() + " 2>&1";
    REQUIRE(std::system(command.c_str()) == 0);
    std::ifstream in(listing);
    std::string line, types;
    std::getline(in, line);  // "ok ..."
    while (std::getline(in, line)) types += line + "\n";
    return types;
}

ImportOptions options(double dt_ms) {
    ImportOptions o;
    o.dt = dt_ms;
    return o;
}

// Every spiking output and potential of every node over `steps` steps, with input `drive` of step k.
using Trace = std::map<std::string, std::vector<std::vector<std::uint8_t>>>;
Trace record(const NetworkFile& file, int steps) {
    auto sim = build_simulation(file);
    Trace trace;
    for (int k = 0; k < steps; ++k) {
        for (const auto& [name, spec] : file.input_specs) {
            auto in = sim.input(name);
            for (std::size_t i = 0; i < in.size; ++i) in.u8()[i] = ((k * 7 + static_cast<int>(i) * 3) % 5 == 0) ? spike::bit : 0;
        }
        sim.step();
        for (const auto& n : sim.nodes())
            for (const auto& ports : {&n.outputs, &n.properties})
                for (const auto& p : *ports) {
                    if (p.spec.kind != PayloadKind::spikes && p.spec.kind != PayloadKind::potential &&
                        p.spec.kind != PayloadKind::current)
                        continue;
                    const auto data = sim.read(n.path, p.name);
                    const auto* bytes = static_cast<const std::uint8_t*>(data.data);
                    trace[n.path + "." + p.name].emplace_back(bytes, bytes + p.spec.bytes());
                }
    }
    return trace;
}

// Both runs give every recorded port the same bytes at every step.
void check_same_trace(const Trace& a, const Trace& b) {
    REQUIRE(a.size() == b.size());
    for (const auto& [port, steps] : a) {
        INFO(port);
        REQUIRE(b.count(port) == 1);
        CHECK(b.at(port) == steps);
    }
}

// The network text with nodes, wires and inputs in name order (an import lists the nodes in the file's
// order, and the scale that makes spikes a current comes after the nodes on the first import).
std::string canonical_text(NetworkFile file) {
    auto& n = file.network;
    std::sort(n.nodes.begin(), n.nodes.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    auto key = [](const graph::WireSpec& w) { return w.from.to_string() + ">" + w.to.to_string(); };
    std::sort(n.wires.begin(), n.wires.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
    std::sort(n.inputs.begin(), n.inputs.end(),
              [](const auto& a, const auto& b) { return a.name + a.to.to_string() < b.name + b.to.to_string(); });
    return to_network_text(file);
}

// The first line where two texts differ, with its number ("" when they are equal): large networks'
// texts are too long to print whole.
std::string first_difference(const std::string& a, const std::string& b) {
    std::istringstream sa(a), sb(b);
    std::string la, lb;
    for (int line = 1;; ++line) {
        const bool more_a = static_cast<bool>(std::getline(sa, la)), more_b = static_cast<bool>(std::getline(sb, lb));
        if (!more_a && !more_b) return "";
        if (!more_a || !more_b || la != lb)
            return "line " + std::to_string(line) + ": " + la.substr(0, 200) + " | " + lb.substr(0, 200);
    }
}

}  // namespace

TEST_CASE("An exported NIR file passes the h5py check of NIR's reader layout: version string and node group and edges and per-node datasets", "[nir]") {
    const auto file = load_nir_file(SPARK_NIR_DATA_DIR "/two_lif_neurons.nir", options(0.1));
    const auto out = temp_file("two_lif_neurons.nir");
    save_nir_file(file, out);
    CHECK(nir_reader_accepts(out));
    CHECK_FALSE(nir_reader_accepts(SPARK_NIR_SCRIPT_DIR "/check_nir_file.py"));  // the check can fail
}

TEST_CASE("NIR import then export then import again gives the same network", "[nir]") {
    const std::string name = GENERATE(std::string("two_lif_neurons.nir"), std::string("li.nir"), std::string("i.nir"),
                                      std::string("if.nir"), std::string("lif.nir"), std::string("cubalif.nir"),
                                      std::string("cubali.nir"), std::string("scale_threshold.nir"),
                                      std::string("delay.nir"), std::string("recurrent.nir"), std::string("nested.nir"),
                                      std::string("spikes_into_lif.nir"), std::string("summed_into_lif.nir"),
                                      std::string("conv1d.nir"), std::string("conv2d.nir"), std::string("sumpool2d.nir"),
                                      std::string("avgpool2d.nir"), std::string("conv_flatten.nir"), std::string("cnn.nir"));
    const std::filesystem::path source = name == "two_lif_neurons.nir"
                                             ? std::filesystem::path(SPARK_NIR_DATA_DIR) / name
                                             : spark::testing::generated_nir_files() / name;
    const auto first = load_nir_file(source, options(0.5));
    const auto exported = temp_file("again_" + name);
    save_nir_file(first, exported);
    CHECK(nir_reader_accepts(exported));
    const auto second = load_nir_file(exported, options(0.5));
    CHECK(canonical_text(second) == canonical_text(first));
}

TEST_CASE("NIR convolutions and pooling export as Conv1d Conv2d SumPool2d AvgPool2d and run bit-identically after import", "[nir]") {
    struct Case {
        std::string file, types;
    };
    const Case c = GENERATE(Case{"conv1d.nir", "conv Conv1d\nin Input\nout Output\n"},
                            Case{"conv2d.nir", "conv Conv2d\nin Input\nout Output\n"},
                            Case{"conv2d_dilated.nir", "conv Conv2d\nin Input\nout Output\n"},
                            Case{"sumpool2d.nir", "in Input\nout Output\npool SumPool2d\n"},
                            Case{"avgpool2d.nir", "in Input\nout Output\npool AvgPool2d\n"},
                            Case{"cnn.nir", "conv1 Conv2d\nconv2 Conv2d\nfc Linear\nif1 IF\nif2 IF\nif3 IF\n"
                                            "input Input\noutput Output\npool1 SumPool2d\npool2 SumPool2d\n"});
    INFO(c.file);
    const auto first = load_nir_file(spark::testing::generated_nir_files() / c.file, options(1.0));
    const auto exported = temp_file("windows_" + c.file);
    save_nir_file(first, exported);
    CHECK(nir_node_types(exported) == c.types);
    const auto second = load_nir_file(exported, options(1.0));
    CHECK(first_difference(canonical_text(second), canonical_text(first)).empty());
    check_same_trace(record(first, 30), record(second, 30));
}

TEST_CASE("Every example network that maps to NIR gives bit-identical spikes after export and import", "[nir]") {
    int mapped = 0;
    for (const auto& entry : std::filesystem::directory_iterator(SPARK_EXAMPLES_DIR)) {
        if (entry.path().extension() != ".txtpb") continue;
        INFO(entry.path().filename().string());
        const auto original = load_model_file(entry.path());
        const auto out = temp_file(entry.path().stem().string() + ".nir");
        try {
            save_nir_file(original, out, 1.0);
        } catch (const NirExportError& e) {
            REQUIRE_FALSE(e.nodes().empty());  // refused: names every node without a counterpart
            for (const auto& n : e.nodes()) CHECK_THAT(e.what(), Contains("'" + n + "'"));
            continue;
        }
        ++mapped;
        CHECK(nir_reader_accepts(out));
        ImportOptions o;
        o.dt = original.network.dt;
        o.nir_time_unit_ms = 1.0;
        const auto imported = load_nir_file(out, o);
        check_same_trace(record(original, 300), record(imported, 300));
    }
    CHECK(mapped >= 1);
}

TEST_CASE("NIR export keeps each soma's reset timing: metadata reset_at_crossing = 0 for a reset at the end of the step", "[nir]") {
    graph::Network net(graph::Latency::same_step);
    net.add("gain", "scale", {{"scale", 3.0}});
    net.add("step_end", "leaky_soma", {{"units", Value::List{1.0}}});
    net.add("crossing", "leaky_soma", {{"units", Value::List{1.0}}, {"reset_at_crossing", true}});
    net.add("if_step_end", "integrate_fire_soma", {{"units", Value::List{1.0}}});
    net.input("in", "gain.input")
        .connect("gain.output", "step_end.current")
        .connect("gain.output", "crossing.current")
        .connect("gain.output", "if_step_end.current");
    const auto out = temp_file("reset_timing.nir");
    save_nir_file(net, {{"in", PortSpec(PayloadKind::spikes, {1})}}, out);
    CHECK(nir_reader_accepts(out));
    const auto back = load_nir_file(out, options(1.0));
    auto reset_at_crossing = [&](const std::string& node) {
        for (const auto& o : back.network.find(node)->config)
            if (o.path == "reset_at_crossing") return o.value.as_bool();
        FAIL("no reset_at_crossing on " << node);
        return false;
    };
    CHECK_FALSE(reset_at_crossing("step_end"));
    CHECK(reset_at_crossing("crossing"));
    CHECK_FALSE(reset_at_crossing("if_step_end"));
}

TEST_CASE("NIR export refuses components without a NIR counterpart and names them", "[nir]") {
    graph::Network net(graph::Latency::same_step);
    net.add("spiker", "poisson_spiker").add("soma", "leaky_soma", {{"units", Value::List{2.0}}});
    net.add("syn", "traced_synapses", {{"units", Value::List{2.0}}});
    net.input("rate", "spiker.signal").connect("spiker.spikes", "syn.spikes").connect("syn.currents", "soma.current");
    const std::map<std::string, PortSpec> specs{{"rate", PortSpec(PayloadKind::floating, {2})}};
    REQUIRE_THROWS_AS(save_nir_file(net, specs, temp_file("refused.nir")), NirExportError);
    REQUIRE_THROWS_WITH(save_nir_file(net, specs, temp_file("refused.nir")),
                        Contains("'spiker' (poisson_spiker)") && Contains("'syn' (traced_synapses)") &&
                            !Contains("'soma'"));
}

TEST_CASE("NIR export refuses a one-step latency outside a cycle and a drawn parameter", "[nir]") {
    graph::Network net;  // previous-step wires by default
    net.add("map", "affine", {{"units", Value::List{1.0}}}).add("soma", "leaky_soma", {{"units", Value::List{1.0}}});
    net.input("in", "map.input").connect("map.output", "soma.current");
    const std::map<std::string, PortSpec> specs{{"in", PortSpec(PayloadKind::spikes, {1})}};
    REQUIRE_THROWS_WITH(save_nir_file(net, specs, temp_file("latency.nir")),
                        Contains("map.output -> soma.current") && Contains("waits one step"));
    net.wires[0].latency = graph::Latency::same_step;
    net.set("map.weight", Value::Map{{"initializer", "uniform_initializer"}});
    REQUIRE_THROWS_WITH(save_nir_file(net, specs, temp_file("drawn.nir")),
                        Contains("node 'map' field 'weight'") && Contains("initializer"));
}
