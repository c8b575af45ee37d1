// `spark import`, `spark export` and NIR files through run, check and dot.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>


#include "process.hpp"

using namespace spark;
using namespace spark::testing;
using Catch::Matchers::Contains;

namespace {
const std::string fixture = std::string(SPARK_NIR_DATA_DIR) + "/two_lif_neurons.nir";

std::set<std::string> spike_rows(const std::filesystem::path& csv) {
    std::ifstream in(csv);
    std::set<std::string> rows;
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) rows.insert(line);
    return rows;
}
}  // namespace

TEST_CASE("spark import writes a NIR file as network text that runs like the NIR file", "[cli][nir]") {
    TempDir dir;
    const Result imported = run_spark({"import", fixture, "-o", (dir / "two.txtpb").string(), "--dt", "0.1"}, dir.path());
    REQUIRE(imported.exit_code == 0);
    CHECK_THAT(imported.err, Contains("wrote ") && Contains("two.txtpb"));  // stdout is for the text without -o
    const Result a = run_spark({"run", fixture, "--dt", "0.1", "--steps", "1000", "--plot", "none", "-q", "--out",
                                (dir / "a").string()},
                               dir.path());
    const Result b = run_spark({"run", (dir / "two.txtpb").string(), "--steps", "1000", "--plot", "none", "-q", "--out",
                                (dir / "b").string()},
                               dir.path());
    REQUIRE(a.exit_code == 0);
    REQUIRE(b.exit_code == 0);
    const auto rows = spike_rows(dir / "a" / "spikes.csv");
    CHECK(rows.size() == 5);  // lif1 every 18 ms (tau ln 6 = 17.9 ms) over 100 ms
    CHECK(rows.count("179,17.9,lif1,0") == 1);
    CHECK(rows == spike_rows(dir / "b" / "spikes.csv"));
}

TEST_CASE("spark check and dot read NIR files and --nir-time-unit ms reads time constants in ms", "[cli][nir]") {
    TempDir dir;
    const Result check = run_spark({"check", fixture, "--dt", "0.1"}, dir.path());
    REQUIRE(check.exit_code == 0);
    CHECK_THAT(check.out, Contains("lif1") && Contains("dt = 0.1 ms"));
    const Result dot = run_spark({"dot", fixture, "--dt", "0.1"}, dir.path());
    REQUIRE(dot.exit_code == 0);
    CHECK_THAT(dot.out, Contains("digraph"));
    // tau = 0.01 read as ms: 0.01 ms at dt = 0.001 ms fires every ln 6 * 10 = 18 steps, not 180.
    const Result fast = run_spark({"run", fixture, "--dt", "0.001", "--nir-time-unit", "ms", "--steps", "100", "--plot",
                                   "none", "-q", "--out", (dir / "fast").string()},
                                  dir.path());
    REQUIRE(fast.exit_code == 0);
    CHECK(spike_rows(dir / "fast" / "spikes.csv").size() == 5);
}

TEST_CASE("spark export writes a NIR file and refuses a network without NIR counterparts naming the nodes", "[cli][nir]") {
    TempDir dir;
    const Result ok = run_spark({"export", std::string(SPARK_EXAMPLES_DIR) + "/nir_chain.txtpb", "-o",
                                 (dir / "chain.nir").string()},
                                dir.path());
    REQUIRE(ok.exit_code == 0);
    std::ifstream nir(dir / "chain.nir", std::ios::binary);
    char head[4] = {};
    nir.read(head, 4);
    CHECK(std::string(head + 1, 3) == "HDF");
    const Result refused = run_spark({"export", std::string(SPARK_EXAMPLES_DIR) + "/lif.txtpb", "-o",
                                      (dir / "lif.nir").string()},
                                     dir.path());
    CHECK(refused.exit_code == 1);
    CHECK_THAT(refused.err, Contains("no NIR counterpart") && Contains("'input' (poisson_spiker)") &&
                                Contains("'pool' (lif_neuron)"));
}

TEST_CASE("spark refuses an unknown --nir-time-unit and warns when a NIR file is read without --dt", "[cli][nir]") {
    TempDir dir;
    const Result r = run_spark({"run", fixture, "--dt", "0.3", "--steps", "1", "--nir-time-unit", "hours"}, dir.path());
    CHECK(r.exit_code == 2);  // a bad unit is a bad command line
    const Result warned = run_spark({"check", fixture}, dir.path());
    REQUIRE(warned.exit_code == 0);
    CHECK_THAT(warned.err, Contains("warning: dt: not given (--dt): using 1 ms"));
}
