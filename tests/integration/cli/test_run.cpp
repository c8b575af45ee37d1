// `spark run` on the bundled default network: exit codes, spikes.csv against the summary and against
// a direct C++ run of the same network, traces (CSV + .npy), determinism, plots (issue 8).
#include <catch2/catch.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <cmath>
#include <map>
#include <set>

#include <spark/graph/simulation.hpp>
#include <spark/tools/default_network.hpp>

#include "outputs.hpp"
#include "png.hpp"

using namespace spark;
using namespace spark::testing;
using Catch::Contains;
using Catch::Equals;

namespace {

constexpr double kDt = 1.0;  // the default network's dt [ms]

// The time column as spikes.csv defines it (step * dt rounded to 1e-9 ms), computed independently.
std::string time_of(std::int64_t step) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, std::round(static_cast<double>(step) * kDt * 1e9) / 1e9);
    return std::string(buf, r.ptr);
}

// A direct run of the default network: the spikes of its two somas in spikes.csv's row order.
std::vector<SpikeRow> direct_spikes(std::int64_t steps, std::uint64_t seed,
                                    std::vector<std::vector<float>>* potential = nullptr) {
    graph::Network net = tools::default_network();
    net.seed = seed;
    auto sim = graph::Simulation::build(net);
    std::vector<SpikeRow> rows;
    for (std::int64_t s = 0; s < steps; ++s) {
        sim.step();
        for (const char* pop : {"exc", "inh"}) {
            const auto spikes = sim.read(std::string(pop) + ".soma", "spikes").u8();
            for (std::size_t u = 0; u < spikes.size(); ++u)
                if (spikes[u] & spike::bit) rows.push_back({s, time_of(s), pop, u});
        }
        if (potential) {
            const auto v = sim.read("exc.soma", "potential").f32();
            potential->emplace_back(v.begin(), v.end());
        }
    }
    return rows;
}

std::vector<std::string> run_args(const TempDir& dir, const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> args{"run", "--out", (dir / out).string(), "--plot", "none"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

}  // namespace

TEST_CASE("spark run on the default network writes spikes.csv that matches its summary", "[cli][run]") {
    TempDir dir;
    const Result r = run_spark(run_args(dir, "out", {"--duration", "200"}), dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto rows = parse_spikes(read_file(dir / "out" / "spikes.csv"));
    const auto summary = parse_summary(r.out);

    // Populations: the two somas, named after their neurons.
    REQUIRE(summary.count("exc") == 1);
    REQUIRE(summary.count("inh") == 1);
    const tools::DefaultNetworkParams p;
    CHECK(summary.at("exc").neurons == p.excitatory);
    CHECK(summary.at("inh").neurons == p.inhibitory);
    CHECK(summary.size() == 3);  // exc, inh, total

    std::map<std::string, std::int64_t> counts;
    std::int64_t last_step = -1;
    for (const auto& row : rows) {
        ++counts[row.node];
        CHECK(row.step >= last_step);  // in step order
        last_step = row.step;
        CHECK(row.time == time_of(row.step));
        CHECK(row.unit < summary.at(row.node).neurons);
        CHECK(row.step < 200);  // 200 ms of 1 ms steps
    }
    const double seconds = 0.2;
    for (const char* pop : {"exc", "inh"}) {
        CHECK(summary.at(pop).spikes == counts[pop]);
        const double rate = static_cast<double>(counts[pop]) / (static_cast<double>(summary.at(pop).neurons) * seconds);
        CHECK(summary.at(pop).rate == Approx(rate).margin(0.0005));
    }
    CHECK(summary.at("total").spikes == counts["exc"] + counts["inh"]);
    CHECK_THAT(r.out, Contains("simulated 200 ms: steps 0..199 of dt = 1 ms"));
    CHECK(r.err.find('\r') == std::string::npos);  // no progress bar when stderr is not a terminal
}

TEST_CASE("the default network shows sensible activity (a few to tens of Hz)", "[cli][run]") {
    TempDir dir;
    const Result r = run_spark(run_args(dir, "out", {"--duration", "1000"}), dir.path());
    REQUIRE(r.exit_code == 0);
    const auto summary = parse_summary(r.out);
    for (const char* pop : {"exc", "inh"}) {
        INFO(pop << " rate " << summary.at(pop).rate << " Hz");
        CHECK(summary.at(pop).rate >= 1.0);
        CHECK(summary.at(pop).rate <= 60.0);
    }
    // Every unit of the excitatory population takes part, not just a few runaway ones.
    const auto rows = parse_spikes(read_file(dir / "out" / "spikes.csv"));
    std::set<std::size_t> active;
    for (const auto& row : rows)
        if (row.node == "exc") active.insert(row.unit);
    CHECK(active.size() > tools::DefaultNetworkParams{}.excitatory / 2);
}

TEST_CASE("spark run gives the spikes and traces of a direct C++ run of the same network", "[cli][run]") {
    TempDir dir;
    const std::int64_t steps = 400;
    const Result r = run_spark(run_args(dir, "out", {"--steps", std::to_string(steps), "--seed", "3", "--record",
                                                     "exc.soma.potential", "--record", "inh.out_spikes"}),
                               dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<std::vector<float>> potential;
    const auto expected = direct_spikes(steps, 3, &potential);
    const auto rows = parse_spikes(read_file(dir / "out" / "spikes.csv"));
    REQUIRE(!expected.empty());
    CHECK(rows == expected);

    // The potential trace: every value exactly the float32 of the direct run, in CSV and .npy.
    const auto csv = lines(read_file(dir / "out" / "exc.soma.potential.csv"));
    REQUIRE(csv.size() == static_cast<std::size_t>(steps) + 1);
    const auto header = split(csv[0], ',');
    REQUIRE(header.size() == 2 + potential[0].size());
    CHECK(header[0] == "step");
    CHECK(header[1] == "time_ms");
    CHECK(header[2] == "potential[0]");
    CHECK(header.back() == "potential[" + std::to_string(potential[0].size() - 1) + "]");
    std::size_t mismatches = 0;
    for (std::int64_t s = 0; s < steps; ++s) {
        const auto f = split(csv[static_cast<std::size_t>(s) + 1], ',');
        REQUIRE(f.size() == header.size());
        CHECK(f[0] == std::to_string(s));
        CHECK(f[1] == time_of(s));
        for (std::size_t u = 0; u < potential[0].size(); ++u)
            if (std::strtof(f[u + 2].c_str(), nullptr) != potential[static_cast<std::size_t>(s)][u]) ++mismatches;
    }
    CHECK(mismatches == 0);
    const Npy npy = read_npy(dir / "out" / "exc.soma.potential.npy");
    CHECK(npy.descr == "<f4");
    CHECK(npy.header_bytes % 64 == 0);
    REQUIRE(npy.rows == static_cast<std::size_t>(steps));
    REQUIRE(npy.cols == potential[0].size());
    for (std::size_t s = 0; s < npy.rows; ++s)
        CHECK(std::memcmp(&npy.data[s * npy.cols], potential[s].data(), npy.cols * 4) == 0);

    // The neuron output resolves to its soma: -1 where the all-inhibitory population spiked.
    const Npy inh = read_npy(dir / "out" / "inh.out_spikes.npy");
    REQUIRE(inh.cols == tools::DefaultNetworkParams{}.inhibitory);
    std::set<std::pair<std::int64_t, std::size_t>> from_csv, from_trace;
    for (const auto& row : rows)
        if (row.node == "inh") from_csv.insert({row.step, row.unit});
    for (std::size_t s = 0; s < inh.rows; ++s)
        for (std::size_t u = 0; u < inh.cols; ++u) {
            const float v = inh.data[s * inh.cols + u];
            CHECK((v == 0.0f || v == -1.0f));
            if (v != 0.0f) from_trace.insert({static_cast<std::int64_t>(s), u});
        }
    CHECK(from_trace == from_csv);
    CHECK_THAT(split(lines(read_file(dir / "out" / "inh.out_spikes.csv"))[0], ',')[2], Equals("out_spikes[0]"));
}

TEST_CASE("spark run is deterministic: same seed same spikes, any executor and thread count", "[cli][run]") {
    TempDir dir;
    auto spikes_of = [&](const std::string& out, std::vector<std::string> extra) {
        extra.insert(extra.begin(), {"--steps", "300"});
        const Result r = run_spark(run_args(dir, out, extra), dir.path());
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        return read_file(dir / out / "spikes.csv");
    };
    const std::string a = spikes_of("a", {"--seed", "7"});
    CHECK(parse_spikes(a).size() > 10);
    CHECK(spikes_of("b", {"--seed", "7"}) == a);
    CHECK(spikes_of("c", {"--seed", "7", "--executor", "tbb", "--threads", "2"}) == a);
    CHECK(spikes_of("d", {"--seed", "7", "--threads", "3"}) == a);  // automatic: pool
    CHECK(spikes_of("p", {"--seed", "7", "--executor", "pool", "--threads", "2"}) == a);
    CHECK(spikes_of("e", {"--seed", "8"}) != a);
}

TEST_CASE("spark run --record of an unknown node or port exits 1 naming the closest names", "[cli][run]") {
    TempDir dir;
    SECTION("a misspelt port") {
        const Result r = run_spark(run_args(dir, "o", {"--steps", "5", "--record", "exc.soma.potentail"}), dir.path());
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("--record 'exc.soma.potentail'"));
        CHECK_THAT(r.err, Contains("did you mean exc.soma.potential"));
    }
    SECTION("a misspelt neuron") {
        const Result r = run_spark(run_args(dir, "o", {"--steps", "5", "--record", "exd.out_spikes"}), dir.path());
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("did you mean exc.out_spikes"));
    }
    SECTION("no port at all") {
        const Result r = run_spark(run_args(dir, "o", {"--steps", "5", "--record", "readout"}), dir.path());
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("expected NODE.PORT"));
        CHECK_THAT(r.err, Contains("readout.signal"));
    }
    CHECK(!std::filesystem::exists(dir / "o" / "spikes.csv"));  // refused before running
}

TEST_CASE("spark run draws the recorded spikes into raster.png, or raster.svg", "[cli][plot]") {
    TempDir dir;
    const std::size_t legend_swatch = 12 * 12;  // pixels of a population's colour in the legend
    auto exc = [](const Png& png) { return png.count(0x00, 0x72, 0xB2); };
    auto inh = [](const Png& png) { return png.count(0xD5, 0x5E, 0x00); };
    SECTION("PNG with one dot per spike, in the colour of its population") {
        const Result r = run_spark({"run", "--steps", "200", "--out", (dir / "o").string()}, dir.path());
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        const Png png = decode_png(read_file(dir / "o" / "raster.png"));
        CHECK(png.width == 1200);
        CHECK(png.height == 700);
        std::map<std::string, std::size_t> spikes;
        for (const auto& s : parse_spikes(read_file(dir / "o" / "spikes.csv"))) ++spikes[s.node];
        REQUIRE(spikes["exc"] > 0);
        REQUIRE(spikes["inh"] > 0);
        // Below 20 000 spikes a dot is 2 x 2 pixels; dots may overlap, never more than 4 pixels a spike.
        CHECK(exc(png) > legend_swatch);
        CHECK(exc(png) <= legend_swatch + 4 * spikes["exc"]);
        CHECK(inh(png) > legend_swatch);
        CHECK(inh(png) <= legend_swatch + 4 * spikes["inh"]);
        CHECK_THAT(r.out, Contains("raster.png"));
        CHECK(!std::filesystem::exists(dir / "o" / "raster.svg"));
    }
    SECTION("a run without spikes draws only the legend in the populations' colours") {
        const Result r = run_spark({"run", "--steps", "1", "--out", (dir / "o").string()}, dir.path());
        REQUIRE(r.exit_code == 0);
        REQUIRE(parse_spikes(read_file(dir / "o" / "spikes.csv")).empty());
        const Png png = decode_png(read_file(dir / "o" / "raster.png"));
        CHECK(exc(png) == legend_swatch);
        CHECK(inh(png) == legend_swatch);
    }
    SECTION("--plot svg") {
        const Result r = run_spark({"run", "--steps", "200", "--plot", "svg", "--out", (dir / "o").string()}, dir.path());
        REQUIRE(r.exit_code == 0);
        // One path stroke ("M x y h") per spike in the SVG.
        const std::string svg = read_file(dir / "o" / "raster.svg");
        std::size_t marks = 0;
        for (std::size_t d = svg.find(" d=\""); d != std::string::npos; d = svg.find(" d=\"", d + 1))
            for (std::size_t i = d + 4; svg[i] != '"'; ++i) marks += svg[i] == 'M';
        CHECK(marks == parse_spikes(read_file(dir / "o" / "spikes.csv")).size());
    }
}

TEST_CASE("spark run --quiet prints nothing on success", "[cli][run]") {
    TempDir dir;
    const Result r = run_spark(run_args(dir, "o", {"--steps", "20", "--quiet"}), dir.path());
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(r.err.empty());
    CHECK(std::filesystem::exists(dir / "o" / "spikes.csv"));
}

TEST_CASE("spark run --record takes comma-separated and repeated names, once each", "[cli][run]") {
    TempDir dir;
    const Result r = run_spark(run_args(dir, "o", {"--steps", "30", "--record", "exc.soma.potential,readout.signal",
                                                   "--record", "readout.signal"}),
                               dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(read_npy(dir / "o" / "exc.soma.potential.npy").rows == 30);
    const Npy signal = read_npy(dir / "o" / "readout.signal.npy");
    CHECK(signal.rows == 30);
    CHECK(signal.cols == tools::DefaultNetworkParams{}.readout_outputs);
    CHECK(lines(read_file(dir / "o" / "readout.signal.csv")).size() == 31);  // written once, not twice
}

TEST_CASE("spark run refuses an output directory it cannot create", "[cli][run]") {
    TempDir dir;
    std::ofstream(dir / "file") << "x";
    const Result r = run_spark({"run", "--steps", "5", "--out", (dir / "file" / "sub").string()}, dir.path());
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Contains("cannot create the output directory '" + (dir / "file" / "sub").string() + "'"));
}

TEST_CASE("spark run exits 1 naming the file and the OS error when an output cannot be written", "[cli][run]") {
    // /dev/full takes no byte (ENOSPC): a symbolic link to it in the output directory stands for a full
    // disk, for one output file at a time.
    if (!std::filesystem::exists("/dev/full")) {
        WARN("no /dev/full on this system: the full-disk case is not tested");
        return;
    }
    TempDir dir;
    std::filesystem::create_directories(dir / "o");
    auto run_with_full = [&](const std::string& file, std::vector<std::string> extra) {
        std::filesystem::create_symlink("/dev/full", dir / "o" / file);
        std::vector<std::string> args{"run", "--out", (dir / "o").string(), "--steps", "20"};
        if (std::find(extra.begin(), extra.end(), "--plot") == extra.end()) extra.insert(extra.end(), {"--plot", "none"});
        args.insert(args.end(), extra.begin(), extra.end());
        const Result r = run_spark(args, dir.path());
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("spark run: error: cannot write '" + (dir / "o" / file).string() +
                                   "': No space left on device"));
        CHECK_THAT(r.out, !Contains("wrote"));
    };
    SECTION("spikes.csv") { run_with_full("spikes.csv", {}); }
    SECTION("a trace's CSV") { run_with_full("exc.soma.potential.csv", {"--record", "exc.soma.potential"}); }
    SECTION("a trace's .npy") { run_with_full("exc.soma.potential.npy", {"--record", "exc.soma.potential"}); }
    SECTION("the SVG raster plot") { run_with_full("raster.svg", {"--plot", "svg"}); }
    SECTION("the PNG raster plot") { run_with_full("raster.png", {"--plot", "auto"}); }
}

TEST_CASE("spark run draws a progress bar when stderr is a terminal", "[cli][run]") {
    TempDir dir;
    SECTION("a long run") {
        const Result r = Child(run_args(dir, "o", {"--steps", "2000"}), dir.path(), {}, true).wait();
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.err, Contains("\r[") && Contains("] 100%  2000 / 2000 ms"));
    }
    SECTION("quiet") {
        const Result r = Child(run_args(dir, "o", {"--steps", "2000", "--quiet"}), dir.path(), {}, true).wait();
        REQUIRE(r.exit_code == 0);
        CHECK(r.err.find('[') == std::string::npos);
    }
}
