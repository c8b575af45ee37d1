// The example network files (examples/networks/) through `spark check`, `spark dot` and `spark run`,
// and the errors of bad files (issue 8).
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>


#include "outputs.hpp"

using namespace spark;
using namespace spark::testing;
using Catch::Contains;

namespace {

std::string example(const std::string& name) { return std::string(SPARK_EXAMPLES_DIR) + "/" + name; }

std::filesystem::path write(const TempDir& dir, const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return dir / name;
}

std::map<std::string, std::int64_t> counts_by_node(const std::vector<SpikeRow>& rows) {
    std::map<std::string, std::int64_t> counts;
    for (const auto& r : rows) ++counts[r.node];
    return counts;
}

}  // namespace

TEST_CASE("spark check prints every node of an example file with its specs", "[cli][files]") {
    TempDir dir;
    const Result r = run_spark({"check", example("default.txtpb")}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto ls = lines(r.out);
    auto has_line = [&](const std::string& start, const std::string& rest) {
        for (const auto& l : ls)
            if (l.rfind(start, 0) == 0 && l.find(rest) != std::string::npos) return true;
        return false;
    };
    CHECK(has_line("exc.soma (adaptive_leaky_soma)", ""));
    CHECK(has_line("  input", "current") );
    CHECK(has_line("  output", "SpikeArray[200]:u8"));
    CHECK(has_line("  output", "SpikeArray[50]:u8"));
    CHECK(has_line("  input", "<- exc.soma.spikes (previous step)"));
    CHECK(has_line("readout (exponential_integrator)", ""));
    CHECK(has_line("  output", "FloatArray[4]:f32"));
    CHECK_THAT(r.out, Contains(": ok ("));
}

TEST_CASE("spark check lists every error of a broken file and exits 1", "[cli][files]") {
    TempDir dir;
    const auto file = write(dir, "broken.txtpb", R"(format_version: 1
node { name: "src" type: "constant_source" param { path: "units" shape: [3] } }
node { name: "soma" type: "leaky_somma" }
node { name: "other" type: "leaky_soma" }
wire { from: "src.output" to: "other.curent" }
)");
    const Result r = run_spark({"check", file.string()}, dir.path());
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Contains("leaky_somma") && Contains("did you mean leaky_soma"));
    CHECK_THAT(r.err, Contains("curent") && Contains("current"));
    CHECK_THAT(r.err, Contains("errors in the network"));
    CHECK(r.out.empty());
}

TEST_CASE("a file that does not parse is reported with its line", "[cli][files]") {
    TempDir dir;
    const auto file = write(dir, "bad.txtpb", "format_version: 1\nnode { name: \"a\" type: }\n");
    for (const char* sub : {"check", "run", "dot"}) {
        const Result r = run_spark({sub, file.string()}, dir.path());
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains(file.string() + ":2"));
    }
}

TEST_CASE("spark dot prints the built example network as Graphviz", "[cli][files]") {
    TempDir dir;
    const Result r = run_spark({"dot", example("alif.txtpb")}, dir.path());
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.rfind("digraph", 0) == 0);
    CHECK_THAT(r.out, Contains("\"pool.soma\"") && Contains("\"input\"") && Contains("SpikeArray[200]:u8"));
    CHECK(r.out.back() == '\n');
}

TEST_CASE("every neuron-template example runs with sensible activity", "[cli][files]") {
    TempDir dir;
    const std::string name = GENERATE("lif.txtpb", "alif.txtpb", "ad_ex.txtpb");
    const Result r = run_spark({"run", example(name), "--steps", "500", "--plot", "none", "--out", (dir / "o").string()},
                               dir.path());
    INFO(name << "\n" << r.err);
    REQUIRE(r.exit_code == 0);
    const auto summary = parse_summary(r.out);
    REQUIRE(summary.count("pool") == 1);
    CHECK(summary.at("pool").neurons == 200);
    CHECK(summary.at("pool").rate >= 1.0);
    CHECK(summary.at("pool").rate <= 60.0);
    CHECK(counts_by_node(parse_spikes(read_file(dir / "o" / "spikes.csv")))["pool"] == summary.at("pool").spikes);
}

TEST_CASE("default.txtpb is the bundled default network: the same spikes", "[cli][files]") {
    TempDir dir;
    const Result a = run_spark({"run", "--steps", "300", "--plot", "none", "--out", (dir / "a").string()}, dir.path());
    const Result b = run_spark({"run", example("default.txtpb"), "--steps", "300", "--plot", "none", "--out",
                                (dir / "b").string()},
                               dir.path());
    INFO(b.err);
    REQUIRE(a.exit_code == 0);
    REQUIRE(b.exit_code == 0);
    const std::string spikes = read_file(dir / "a" / "spikes.csv");
    CHECK(parse_spikes(spikes).size() > 100);
    CHECK(read_file(dir / "b" / "spikes.csv") == spikes);
}

TEST_CASE("fi_curve.txtpb: each soma fires as the LeakySoma equations say", "[cli][files]") {
    TempDir dir;
    const int steps = 1000;
    const Result r = run_spark({"run", example("fi_curve.txtpb"), "--steps", std::to_string(steps), "--plot", "none",
                                "--out", (dir / "o").string()},
                               dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<std::int64_t> counts(10, 0);
    for (const auto& row : parse_spikes(read_file(dir / "o" / "spikes.csv"))) {
        REQUIRE(row.node == "soma");
        ++counts.at(row.unit);
    }
    // Spec section 2.1 in float32 with the defaults (dt = 1 ms): alpha = exp(-1/20), gamma R = (1 - alpha) 0.1,
    // theta = 20 mV, v_reset = 10 mV; the current arrives in the same step, from step 0.
    const double currents[10] = {0, 150, 205, 220, 250, 300, 400, 600, 800, 1000};
    const float alpha = static_cast<float>(std::exp(-1.0 / 20.0));
    const float gain = (1.0f - alpha) * 0.1f;
    for (int u = 0; u < 10; ++u) {
        const float input = static_cast<float>(currents[u]);
        float v = 0;
        std::int64_t expected = 0;
        for (int t = 0; t < steps; ++t) {
            v = alpha * v + gain * input;
            if (v > 20.0f) {
                ++expected;
                v = 10.0f;
            }
        }
        INFO("unit " << u << ", " << currents[u] << " pA");
        CHECK(counts[static_cast<std::size_t>(u)] == expected);
        // The closed form: after the first spike, one spike every n steps, n the first step at which
        // R I + (v_reset - R I) alpha^n > theta (no spikes at or below the rheobase of 200 pA).
        const double ri = 0.1 * currents[u];
        if (ri <= 20.0) {
            CHECK(expected == 0);
        } else {
            const double n = std::ceil(std::log((ri - 10.0) / (ri - 20.0)) / (1.0 / 20.0));
            const double first = std::ceil(std::log(ri / (ri - 20.0)) / (1.0 / 20.0));
            CHECK(static_cast<double>(expected) ==
                  Approx(1.0 + std::floor((steps - first) / n)).margin(1.0));
        }
    }
    CHECK(counts[0] == 0);
    CHECK(counts[9] > counts[5]);
}

TEST_CASE("a network too large for the machine is refused with the figure before it is allocated (issue 16)",
          "[cli][files]") {
    TempDir dir;
    auto pool_of = [&](const std::string& shape) {
        return write(dir, "huge.txtpb",
                     "format_version: 1\nseed: 0\ndt: 1\n"
                     "node { name: \"pool\" type: \"leaky_soma\" param { path: \"units\" shape: " + shape + " } }\n"
                     "input { name: \"drive\" to: \"pool.current\" spec { kind: CURRENT_ARRAY shape: " + shape + " } }\n");
    };
    // `spark check` refuses the pool of `shape` (exit code 1) with a message containing every fragment.
    auto check_refused = [&](const std::string& shape, const std::vector<std::string>& env,
                             const std::vector<std::string>& fragments) {
        const Result r = run_spark({"check", pool_of(shape).string()}, dir.path(), env);
        CHECK(r.exit_code == 1);
        for (const auto& fragment : fragments) CHECK_THAT(r.err, Contains(fragment));
        CHECK_THAT(r.err, !Contains("internal error"));
    };
    SECTION("1e12 units") {
        check_refused("[1000000000000]", {},
                      {"LeakySoma 'pool': units = [1000000000000] would need ~", " TB of memory; this machine has "});
    }
    // Below a few hundred GB the figures depend on the machine: SPARK_MEMORY_LIMIT fixes the limit.
    SECTION("2^31 units") {
        check_refused("[2147483648]", {"SPARK_MEMORY_LIMIT=8e9"},
                      {"LeakySoma 'pool': units = [2147483648] would need ~", "GB of memory; SPARK_MEMORY_LIMIT allows 8 GB"});
    }
    SECTION("a shape of 1e10 elements") {
        // bytes_per_unit(): 4 bytes for each of leaky_soma's 7 parameters and 3 more, plus 1: 41 bytes x 1e10.
        check_refused("[100000, 100000]", {"SPARK_MEMORY_LIMIT=8e9"},
                      {"LeakySoma 'pool': units = [100000,100000] would need ~410 GB",
                       "of memory; SPARK_MEMORY_LIMIT allows 8 GB"});
    }
    SECTION("a shape past 2^53 elements") {
        check_refused("[100000, 100000, 100000, 100000]", {}, {"has more than 2^53 elements"});
    }
    SECTION("a network that fits still builds") {
        const Result r = run_spark({"check", pool_of("[1000]").string()}, dir.path(), {"SPARK_MEMORY_LIMIT=8e9"});
        CHECK(r.exit_code == 0);
    }
}
