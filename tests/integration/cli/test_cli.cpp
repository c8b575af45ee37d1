// The command line itself: --help, usage errors, unreadable files, `spark list` (issue 8).
#include <catch2/catch.hpp>

#include <spark/components/builtin.hpp>
#include <spark/graph/network.hpp>
#include <spark/tools/cli.hpp>

#include "outputs.hpp"

using namespace spark::testing;
using Catch::Contains;

TEST_CASE("every subcommand has --help and exits 0", "[cli]") {
    TempDir dir;
    const std::string sub = GENERATE("run", "check", "list", "dot");
    const Result r = run_spark({sub, "--help"}, dir.path());
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("Usage: spark " + sub));
    CHECK(r.err.empty());
}

TEST_CASE("the top-level --help lists the subcommands and the exit codes", "[cli]") {
    TempDir dir;
    const Result r = run_spark({"--help"}, dir.path());
    CHECK(r.exit_code == 0);
    for (const char* sub : {"run", "check", "list", "dot"}) CHECK_THAT(r.out, Contains(sub));
    CHECK_THAT(r.out, Contains("130 interrupted"));
}

namespace {
// A command line spark refuses: its exit code and what the message must name.
struct Refusal {
    const char* what;
    std::vector<std::string> args;
    int exit_code;
    std::vector<std::string> named;
};
void check_refusals(const std::filesystem::path& dir, const std::vector<Refusal>& cases) {
    for (const Refusal& c : cases) {
        INFO(c.what);
        const Result r = run_spark(c.args, dir);
        CHECK(r.exit_code == c.exit_code);
        for (const auto& name : c.named) CHECK_THAT(r.err, Contains(name));
    }
}
}  // namespace

TEST_CASE("usage errors exit 2 and name the problem", "[cli]") {
    TempDir dir;
    check_refusals(dir.path(), {
        {"no subcommand", {}, 2, {"subcommand"}},
        {"unknown subcommand", {"walk"}, 2, {"walk"}},
        {"unknown flag", {"run", "--bogus-flag", "3"}, 2, {"--bogus-flag"}},
        {"--duration and --steps exclude each other", {"run", "--duration", "5", "--steps", "3"}, 2, {"--steps", "--duration"}},
        {"a number that is not one", {"run", "--steps", "many"}, 2, {"many"}},
        {"an executor that does not exist", {"run", "--executor", "gpu"}, 2, {"gpu"}},
        {"check needs a file", {"check"}, 2, {"NETWORK_FILE"}},
    });
}

TEST_CASE("bad option values exit 1 with a message naming the option", "[cli]") {
    TempDir dir;
    const std::string out = (dir / "o").string();
    check_refusals(dir.path(), {
        {"non-positive duration", {"run", "--duration", "-5", "--out", out}, 1, {"--duration -5 ms must be > 0"}},
        {"non-positive steps", {"run", "--steps", "0", "--out", out}, 1, {"--steps 0 must be > 0"}},
        {"a duration beyond any step count", {"run", "--duration", "1e300", "--out", out}, 1,
         {"--duration 1e+300 ms is too long for dt = 1 ms"}},
        {"threads on the sequential executor", {"run", "--executor", "sequential", "--threads", "4"}, 1,
         {"--threads 4 needs a parallel executor (--executor pool or tbb)"}},
    });
}

TEST_CASE("seeds and step counts out of range are refused, not wrapped or clamped (issue 16)", "[cli]") {
    TempDir dir;
    const std::string out = (dir / "o").string();
    SECTION("a negative seed") {
        const Result r = run_spark({"run", "--seed", "-1", "--out", out}, dir.path());
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("'-1' is not a seed: expected a whole number from 0 to 18446744073709551615"));
    }
    SECTION("a seed of 2^64") {
        const Result r = run_spark({"run", "--seed", "18446744073709551616", "--out", out}, dir.path());
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("'18446744073709551616' is not a seed"));
    }
    SECTION("the largest seed is accepted") {
        const Result r = run_spark({"run", "--seed", "18446744073709551615", "--steps", "3", "--plot", "none",
                                    "--out", out}, dir.path());
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.out, Contains("seed 18446744073709551615"));
    }
    SECTION("a step count past the int64 counter") {
        const Result r = run_spark({"run", "--steps", "99999999999999999999", "--out", out}, dir.path());
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("'99999999999999999999' is more steps than the step counter can count (at most "
                                   "1000000000000000)"));
    }
    SECTION("a step count that fits int64 but not a run") {
        const Result r = run_spark({"run", "--steps", "9223372036854775807", "--out", out}, dir.path());
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("--steps 9223372036854775807 from step 0 would take the step counter past "
                                   "1000000000000000, the most a run can count"));
    }
    SECTION("a step count in exponent notation or with a fraction") {
        for (const char* text : {"1e20", "1.5"}) {
            const Result r = run_spark({"run", "--steps", text, "--out", out}, dir.path());
            CHECK(r.exit_code == 2);
            CHECK_THAT(r.err, Contains(std::string("'") + text + "' is not a step count"));
        }
    }
    SECTION("an infinite duration") {
        const Result r = run_spark({"run", "--duration", "inf", "--out", out}, dir.path());
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("is too long for dt = 1 ms: more than 1000000000000000 steps"));
    }
}

TEST_CASE("an empty file name is an error, not the default network (issue 16)", "[cli]") {
    TempDir dir;
    const std::string out = (dir / "o").string();
    SECTION("run") {
        const Result r = run_spark({"run", "", "--steps", "3", "--out", out}, dir.path());
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("cannot read network file '': empty file name"));
        CHECK(!std::filesystem::exists(dir / "o"));
    }
    SECTION("check") {
        const Result r = run_spark({"check", ""}, dir.path());
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("empty file name"));
    }
    SECTION("snapshots and the output directory") {
        CHECK_THAT(run_spark({"run", "--snapshot-in", "", "--out", out}, dir.path()).err, Contains("empty file name"));
        CHECK_THAT(run_spark({"run", "--steps", "3", "--snapshot-out", "", "--out", out}, dir.path()).err,
                   Contains("--snapshot-out '': empty file name"));
        CHECK_THAT(run_spark({"run", "--steps", "3", "--out", ""}, dir.path()).err,
                   Contains("--out '': empty directory name"));
    }
}

TEST_CASE("unreadable files exit 1 and name the file", "[cli]") {
    TempDir dir;
    const std::string missing = (dir / "missing.txtpb").string();
    SECTION("run") {
        const Result r = run_spark({"run", missing}, dir.path());
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("cannot read network file '" + missing + "'"));
        CHECK_THAT(r.err, Contains("No such file"));
    }
    SECTION("check") {
        const Result r = run_spark({"check", missing}, dir.path());
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("spark check: error: cannot read network file '" + missing + "'"));
    }
    SECTION("dot on a directory") {
        const Result r = run_spark({"dot", dir.path().string()}, dir.path());
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("it is a directory"));
    }
    SECTION("snapshot") {
        const Result r = run_spark({"run", "--snapshot-in", (dir / "none.pb").string()}, dir.path());
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("cannot read snapshot '" + (dir / "none.pb").string() + "'"));
    }
}

TEST_CASE("a network file that fails part way through reading exits 1 with the OS error", "[cli]") {
    // /proc/self/mem opens like a regular file and then fails to read (EIO): it used to read as an
    // empty network ("ok (0 nodes)").
    TempDir dir;
    for (const char* sub : {"check", "dot", "run"}) {
        std::vector<std::string> args{sub, "/proc/self/mem"};
        if (std::string(sub) == "run") args.insert(args.end(), {"--out", (dir / "o").string()});
        const Result r = run_spark(args, dir.path());
        INFO(sub << ": " << r.err);
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("/proc/self/mem") && Contains("cannot read the network file: Input/output error"));
        CHECK_THAT(r.out, !Contains("ok ("));
    }
}

TEST_CASE("spark list shows every component and template with ports and parameters", "[cli][list]") {
    TempDir dir;
    const Result r = run_spark({"list"}, dir.path());
    REQUIRE(r.exit_code == 0);
    for (const auto& c : spark::components::builtin_registry().entries()) {
        CHECK_THAT(r.out, Contains(c.name + " (" + c.class_name + ", " + c.category + ")"));
        for (const auto& f : c.fields) CHECK_THAT(r.out, Contains(f.name));
    }
    for (const auto& t : spark::graph::builtin_templates().entries())
        CHECK_THAT(r.out, Contains(t.name + " (neuron template)"));
}

TEST_CASE("spark list TYPE shows one type's parameter table", "[cli][list]") {
    TempDir dir;
    const Result r = run_spark({"list", "leaky_soma"}, dir.path());
    REQUIRE(r.exit_code == 0);
    // Spec section 2.1: potential_tau = 20 ms, Positive; potential_rest = -60 mV.
    const auto ls = lines(r.out);
    auto row = [&](const std::string& name) {
        for (const auto& l : ls)
            if (l.find("    " + name + " ") == 0) return l;
        return std::string();
    };
    CHECK_THAT(row("potential_tau"), Contains("20") && Contains("ms") && Contains("> 0") &&
                                         Contains("Membrane time constant"));
    CHECK_THAT(row("potential_rest"), Contains("-60") && Contains("mV"));
    CHECK_THAT(r.out, Contains("current") && Contains("CurrentArray"));
    CHECK_THAT(r.out, Contains("inhibition_mask") && Contains("(optional)"));
    CHECK_THAT(r.out, !Contains("lif_neuron"));  // only the type asked for
}

TEST_CASE("spark list of a neuron template shows its ports, parameters and inner nodes", "[cli][list]") {
    TempDir dir;
    const Result r = run_spark({"list", "ALIFNeuron"}, dir.path());  // class-style names are normalised
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("alif_neuron (neuron template)"));
    CHECK_THAT(r.out, Contains("in_spikes") && Contains("-> delays.in_spikes"));
    CHECK_THAT(r.out, Contains("out_spikes") && Contains("<- soma.spikes"));
    CHECK_THAT(r.out, Contains("units") && Contains("(required)") && Contains("inhibitory_rate"));
    CHECK_THAT(r.out, Contains("soma") && Contains("adaptive_leaky_soma"));
}

TEST_CASE("spark list of an unknown type exits 1 naming the closest types", "[cli][list]") {
    TempDir dir;
    const Result r = run_spark({"list", "leaky_som"}, dir.path());
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Contains("no component or neuron template named 'leaky_som'"));
    CHECK_THAT(r.err, Contains("did you mean leaky_soma"));
}

TEST_CASE("list_text selects a whole category", "[cli][list]") {
    const std::string text = spark::tools::list_text(spark::components::builtin_registry(),
                                                     spark::graph::builtin_templates(), "soma");
    CHECK_THAT(text, Contains("leaky_soma (LeakySoma, soma)"));
    CHECK_THAT(text, !Contains("inhibition_mask ("));
    CHECK_THAT(text, !Contains("(neuron template)"));
}
