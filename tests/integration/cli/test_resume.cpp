// Snapshots and Ctrl-C: a split run resumed from a snapshot continues the step counter so the two
// halves' outputs concatenate to the uninterrupted run; SIGINT stops after the current step and
// writes what was recorded (issue 8).
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <thread>

#include <sys/stat.h>

#include <spark/graph/simulation.hpp>
#include <spark/tools/default_network.hpp>

#include "outputs.hpp"

using namespace spark;
using namespace spark::testing;
using Catch::Contains;

namespace {

// The text of a CSV file without its header line.
std::string body(const std::filesystem::path& csv) {
    const std::string text = read_file(csv);
    return text.substr(text.find('\n') + 1);
}

std::string header(const std::filesystem::path& csv) {
    const std::string text = read_file(csv);
    return text.substr(0, text.find('\n') + 1);
}

Result run_ok(const std::vector<std::string>& args, const TempDir& dir) {
    Result r = run_spark(args, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r;
}

}  // namespace

TEST_CASE("a run split by a snapshot concatenates to the uninterrupted run", "[cli][snapshot]") {
    TempDir dir;
    const std::string snap = (dir / "half.snapshot").string();
    const std::vector<std::string> common{"--plot", "none", "--seed", "5", "--record", "exc.soma.potential"};
    auto args = [&](const std::string& out, std::vector<std::string> extra) {
        std::vector<std::string> a{"run", "--out", (dir / out).string()};
        a.insert(a.end(), common.begin(), common.end());
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    run_ok(args("whole", {"--steps", "500"}), dir);
    run_ok(args("first", {"--steps", "300", "--snapshot-out", snap}), dir);
    REQUIRE(std::filesystem::exists(snap));
    // Without --seed: a resumed run keeps the snapshot's seed; --duration is how much further.
    std::vector<std::string> resume{"run", "--out", (dir / "second").string(), "--plot", "none", "--record",
                                    "exc.soma.potential", "--snapshot-in", snap, "--duration", "200"};
    const Result second = run_ok(resume, dir);
    CHECK_THAT(second.out, Contains("steps 300..499"));

    const auto whole = dir / "whole", first = dir / "first", rest = dir / "second";
    CHECK(parse_spikes(read_file(whole / "spikes.csv")).size() > 10);
    CHECK(header(rest / "spikes.csv") == "step,time_ms,node,unit\n");
    CHECK(read_file(first / "spikes.csv") + body(rest / "spikes.csv") == read_file(whole / "spikes.csv"));
    CHECK(read_file(first / "exc.soma.potential.csv") + body(rest / "exc.soma.potential.csv") ==
          read_file(whole / "exc.soma.potential.csv"));
    const Npy a = read_npy(first / "exc.soma.potential.npy"), b = read_npy(rest / "exc.soma.potential.npy"),
              w = read_npy(whole / "exc.soma.potential.npy");
    REQUIRE(a.rows == 300);
    REQUIRE(b.rows == 200);
    std::vector<float> joined = a.data;
    joined.insert(joined.end(), b.data.begin(), b.data.end());
    CHECK(joined == w.data);
}

TEST_CASE("a resumed run refuses a different seed or a network file that does not match", "[cli][snapshot]") {
    TempDir dir;
    const std::string snap = (dir / "s.snapshot").string();
    run_ok({"run", "--steps", "20", "--plot", "none", "--out", (dir / "a").string(), "--snapshot-out", snap}, dir);
    SECTION("another seed") {
        const Result r = run_spark({"run", "--steps", "5", "--out", (dir / "b").string(), "--snapshot-in", snap,
                                    "--seed", "9"},
                                   dir.path());
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("--seed 9 differs from the seed 0 stored in snapshot"));
    }
    TempDir files;
    // default.txtpb with one piece of text replaced, written to `name`.
    auto edited_default = [&](const std::string& from, const std::string& to, const std::string& name) {
        const std::string text = read_file(std::string(SPARK_EXAMPLES_DIR) + "/default.txtpb");
        const auto at = text.find(from);
        REQUIRE(at != std::string::npos);
        const std::string path = (files / name).string();
        std::ofstream(path) << text.substr(0, at) << to << text.substr(at + from.size());
        return path;
    };
    auto resume_with = [&](const std::string& file) {
        return run_spark({"run", file, "--steps", "5", "--out", (dir / "b").string(), "--snapshot-in", snap}, dir.path());
    };
    SECTION("another network") {
        const Result r = resume_with(std::string(SPARK_EXAMPLES_DIR) + "/lif.txtpb");
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("does not match the network stored in snapshot"));
    }
    SECTION("the same network file with another seed") {
        const std::string reseeded = edited_default("seed: 0", "seed: 7", "reseeded.txtpb");
        const Result r = resume_with(reseeded);
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("network file '" + reseeded + "' has seed 7 but snapshot '" + snap +
                                   "' was taken with seed 0"));
        CHECK_FALSE(std::filesystem::exists(dir / "b" / "spikes.csv"));
        // The same file, its seed overridden on the command line by the snapshot's: accepted.
        run_ok({"run", reseeded, "--seed", "0", "--steps", "5", "--plot", "none", "--out", (dir / "c").string(),
                "--snapshot-in", snap},
               dir);
    }
    SECTION("the same file with one value changed in its last bit") {
        const Result r = resume_with(edited_default("number: 0.5 }", "number: 0.5000000000000001 }", "nudged.txtpb"));
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("does not match the network stored in snapshot"));
    }
    SECTION("the same network as a file") {
        const std::string same = std::string(SPARK_EXAMPLES_DIR) + "/default.txtpb";
        const Result r = run_ok(
            {"run", same, "--steps", "5", "--plot", "none", "--out", (dir / "b").string(), "--snapshot-in", snap}, dir);
        CHECK_THAT(r.out, Contains("steps 20..24"));
        for (const auto& row : parse_spikes(read_file(dir / "b" / "spikes.csv"))) CHECK((row.step >= 20 && row.step < 25));
    }
}

TEST_CASE("SIGINT stops the run after the current step and writes what was recorded", "[cli][sigint]") {
    TempDir dir;
    const std::string snap = (dir / "stopped.snapshot").string();
    std::vector<std::string> args{"run", "--duration", "100000000", "--plot", "none", "--out",
                                  (dir / "o").string(), "--record", "exc.soma.potential", "--snapshot-out", snap};
    Child child(args, dir.path());
    // Wait until the handler is installed and the run has started (spikes.csv has its header), then
    // let it run a little.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!(child.catches(SIGINT) && read_file(dir / "o" / "spikes.csv").size() > 0) &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    REQUIRE(::kill(child.pid(), SIGINT) == 0);
    const Result r = child.wait(std::chrono::seconds(60));
    INFO(r.err);
    REQUIRE(r.exit_code == 130);
    const auto at = r.err.find("stopped after step ");
    REQUIRE(at != std::string::npos);
    const std::int64_t last = std::stoll(r.err.substr(at + 19));
    REQUIRE(last >= 0);
    CHECK_THAT(r.out, Contains("(interrupted)"));

    // Every step up to the last one was recorded, and nothing after it.
    const auto trace = lines(read_file(dir / "o" / "exc.soma.potential.csv"));
    REQUIRE(trace.size() == static_cast<std::size_t>(last) + 2);
    CHECK(split(trace.back(), ',')[0] == std::to_string(last));
    CHECK(read_npy(dir / "o" / "exc.soma.potential.npy").rows == static_cast<std::size_t>(last) + 1);
    const auto rows = parse_spikes(read_file(dir / "o" / "spikes.csv"));
    for (const auto& row : rows) CHECK(row.step <= last);
    const auto summary = parse_summary(r.out);
    CHECK(summary.at("total").spikes == static_cast<std::int64_t>(rows.size()));

    // The snapshot holds the state after the last step: resuming continues at last + 1.
    REQUIRE(std::filesystem::exists(snap));
    const Result resumed = run_spark({"run", "--steps", "10", "--plot", "none", "--out", (dir / "r").string(),
                                      "--snapshot-in", snap},
                                     dir.path());
    CHECK(resumed.exit_code == 0);
    CHECK_THAT(resumed.out, Contains("steps " + std::to_string(last + 1) + ".." + std::to_string(last + 10)));
}

TEST_CASE("a corrupt or truncated snapshot is refused before running", "[cli][snapshot]") {
    TempDir dir;
    const std::string snap = (dir / "s.snapshot").string();
    run_ok({"run", "--steps", "20", "--plot", "none", "--out", (dir / "a").string(), "--snapshot-out", snap}, dir);
    const std::string bytes = read_file(snap);
    std::ofstream(dir / "truncated.snapshot", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    std::ofstream(dir / "garbage.snapshot", std::ios::binary) << "this is not a snapshot";
    for (const char* name : {"truncated.snapshot", "garbage.snapshot"}) {
        const Result r = run_spark({"run", "--steps", "5", "--out", (dir / "b").string(), "--snapshot-in",
                                    (dir / name).string()},
                                   dir.path());
        INFO(name);
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("spark run: error: ") && Contains(name));
        CHECK(!std::filesystem::exists(dir / "b" / "spikes.csv"));
    }
}

TEST_CASE("spark run --snapshot-out refuses to replace a fifo or a directory", "[cli][snapshot]") {
    TempDir dir;
    const auto fifo = dir / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
    std::filesystem::create_directory(dir / "d");
    for (const auto& target : {fifo, dir / "d"}) {
        const Result r = run_spark(
            {"run", "--steps", "5", "--plot", "none", "--out", (dir / "a").string(), "--snapshot-out", target.string()},
            dir.path());
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains("cannot save snapshot '" + target.string() + "': it is a ") &&
                              Contains("; a snapshot only replaces a regular file"));
    }
    CHECK(std::filesystem::is_fifo(fifo));
    CHECK(std::filesystem::is_directory(dir / "d"));
}
