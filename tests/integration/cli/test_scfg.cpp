// Spark .scfg files through the program (issue 17): `spark check` reports the shapes Spark infers,
// `spark import` writes a network file that runs to the same spikes, a neuron file is a template,
// and a missing input spec or a bad --input is a clear error.
#include <catch2/catch.hpp>


#include "outputs.hpp"

using namespace spark;
using namespace spark::testing;
using Catch::Contains;

namespace {

const std::string brain = std::string(SPARK_SCFG_DATA_DIR) + "/ab_brain.scfg";
const std::string neuron = std::string(SPARK_SCFG_DATA_DIR) + "/alif_mod_neuron.scfg";

// The line of `text` that starts with `start` (after the indentation) and holds `rest`.
bool has_line(const std::string& text, const std::string& start, const std::string& rest) {
    for (const auto& l : lines(text)) {
        const auto first = l.find_first_not_of(' ');
        if (first != std::string::npos && l.compare(first, start.size(), start) == 0 && l.find(rest) != std::string::npos)
            return true;
    }
    return false;
}

}  // namespace

TEST_CASE("spark check on the tutorial brain reports the shapes Spark infers", "[cli][scfg]") {
    TempDir dir;
    const Result r = run_spark({"check", brain, "--input", "signal=float:4", "--input", "*=float:1"}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(has_line(r.out, "output", "SpikeArray[4,128]:u8"));
    CHECK(has_line(r.out, "input     in_spikes   SpikeArray[832]:u8",
                   "<- spiker.spikes (previous step), A_excitatory.soma.spikes (previous step), "
                   "B_inhibitory.soma.spikes (previous step)"));
    CHECK(has_line(r.out, "input     in_spikes   SpikeArray[768]:u8",
                   "<- A_excitatory.soma.spikes (previous step), spiker.spikes (previous step)"));
    CHECK(has_line(r.out, "property  kernel    FloatArray[256,832]:f32", ""));
    CHECK(has_line(r.out, "property  kernel    FloatArray[64,768]:f32", ""));
    CHECK(has_line(r.out, "input   spikes  SpikeArray[512]:u8", "<- A_excitatory.soma.spikes"));
    CHECK(has_line(r.out, "output  signal  FloatArray[2]:f32", ""));
    CHECK(has_line(r.out, "input   modulation   FloatArray[1]:f32", "<- input 'mod_b_in'"));
    CHECK_THAT(r.out, Contains("ab_brain.scfg: ok (22 nodes, 41 wires, dt = 1 ms, seed 1805829445)"));
    CHECK_THAT(r.err, Contains("warning: alif_mod_neuron/plasticity (quadruplet_rule_tensor): every presynaptic unit"));
}

TEST_CASE("spark check without the input specs names the inputs and the flag to pass", "[cli][scfg]") {
    TempDir dir;
    const Result r = run_spark({"check", brain}, dir.path());
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Contains("network inputs \"mod_a_ex\", \"mod_b_ex\", \"mod_a_in\", \"mod_b_in\", \"signal\" have "
                               "no shape in the file") &&
                          Contains("--input signal=KIND:SHAPE"));
}

TEST_CASE("spark import writes a network file that runs to the same spikes as the scfg", "[cli][scfg]") {
    TempDir dir;
    const std::string written = (dir / "ab.txtpb").string();
    const Result imp = run_spark({"import", brain, "-o", written, "--input", "signal=float:4", "--input", "*=float:1"},
                                 dir.path());
    INFO(imp.err);
    REQUIRE(imp.exit_code == 0);
    CHECK_THAT(imp.err, Contains("warning: ") && Contains("wrote " + written));
    const std::string text = read_file(written);
    CHECK_THAT(text, Contains("template {") && Contains("name: \"alif_mod_neuron\"") &&
                         Contains("param { path: \"all_pre_excitatory\" flag: true }"));
    const std::vector<std::string> common{"--steps", "150", "--plot", "none", "-q"};
    auto with = [&](std::vector<std::string> args) {
        args.insert(args.end(), common.begin(), common.end());
        return args;
    };
    const Result a = run_spark(with({"run", brain, "--input", "signal=float:4", "--input", "*=float:1", "--out", (dir / "a").string()}),
                               dir.path());
    const Result b = run_spark(with({"run", written, "--out", (dir / "b").string()}), dir.path());
    INFO(a.err << b.err);
    REQUIRE(a.exit_code == 0);
    REQUIRE(b.exit_code == 0);
    const auto spikes = parse_spikes(read_file(dir.path() / "a" / "spikes.csv"));
    CHECK(spikes.size() > 100);
    CHECK(spikes == parse_spikes(read_file(dir.path() / "b" / "spikes.csv")));
}

TEST_CASE("A Spark neuron file is a template: refused as a network, used with --templates", "[cli][scfg]") {
    TempDir dir;
    const Result run = run_spark({"run", neuron, "--steps", "1"}, dir.path());
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.err, Contains("defines the neuron type 'alif_mod_neuron' but no network") &&
                            Contains("--templates"));
    const Result check = run_spark({"check", brain, "--templates", neuron, "--input", "signal=float:4", "--input",
                                    "*=float:1"}, dir.path());
    INFO(check.err);
    CHECK(check.exit_code == 0);
    const Result imp = run_spark({"import", neuron}, dir.path());
    CHECK(imp.exit_code == 0);
    CHECK_THAT(imp.out, Contains("template {") && Contains("name: \"alif_mod_neuron\""));
}

TEST_CASE("A bad --input value is a clear error", "[cli][scfg]") {
    TempDir dir;
    const std::pair<const char*, const char*> cases[] = {
        {"signal=float:0", "the shape must be positive counts separated by 'x'"},
        {"signal=float:4x", "the shape must be positive counts"},
        {"signal=blob:3", "unknown kind 'blob'"},
        {"signal", "expected NAME=KIND:SHAPE"},
        {"signal=const:4", "spark check takes NAME=KIND:SHAPE only"},
    };
    for (const auto& [flag, message] : cases) {
        const Result r = run_spark({"check", brain, "--input", flag}, dir.path());
        INFO(flag << ": " << r.err);
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains(message));
    }
}

TEST_CASE("spark run on a brain that carries its input specs needs no --input, and --input still replaces one",
          "[cli][scfg]") {
    const std::string carried = std::string(SPARK_SCFG_DATA_DIR) + "/ab_brain_input_specs.scfg";
    TempDir dir;
    const Result run = run_spark({"run", carried, "--steps", "5"}, dir.path());
    INFO(run.err);
    CHECK(run.exit_code == 0);
    const Result check = run_spark({"check", carried, "--input", "signal=float:2"}, dir.path());
    CHECK(check.exit_code == 0);
    CHECK(has_line(check.out, "output", "SpikeArray[2,128]:u8"));
    CHECK(has_line(check.out, "input   modulation   FloatArray[1]:f32", "<- input 'mod_b_in'"));
}
