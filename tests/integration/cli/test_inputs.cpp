// `spark run --input NAME=const:V | NAME=FILE` (issue 17): any network input driven from the command
// line, a constant or recorded rows (.npy, .csv), and a clear refusal of wrong widths, non-finite values,
// short or malformed files.
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>


#include "outputs.hpp"

using namespace spark;
using namespace spark::testing;
using Catch::Contains;

namespace {

// Three leaky somas fed by the network input `drive`; the same cells fed by a constant_source (same step).
const char* driven_cells = R"(format_version: 1
dt: 1
node { name: "cell" type: "leaky_soma" param { path: "units" shape: [3] } }
input { name: "drive" to: "cell.current" spec { kind: CURRENT_ARRAY shape: [3] } }
)";
const char* sourced_cells = R"(format_version: 1
dt: 1
node { name: "source" type: "constant_source" param { path: "units" shape: [3] } param { path: "value" number: 300 } }
node { name: "cell" type: "leaky_soma" param { path: "units" shape: [3] } }
wire { from: "source.output" to: "cell.current" latency: SAME_STEP }
)";

std::string write(const TempDir& dir, const std::string& name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return (dir / name).string();
}

// A NumPy 1.0 file of float32 or float64 values with the given shape.
template <class T>
std::string npy(const std::vector<T>& values, const std::string& shape) {
    std::string header = "{'descr': '<f" + std::to_string(sizeof(T)) + "', 'fortran_order': False, 'shape': " + shape + ", }";
    header.append(63 - (10 + header.size()) % 64, ' ');
    header += '\n';
    std::string bytes = "\x93NUMPY\x01";
    bytes += '\0';
    bytes += static_cast<char>(header.size() & 0xff);
    bytes += static_cast<char>(header.size() >> 8);
    bytes += header;
    bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
    return bytes;
}

// 100 rows: 0 for the first 50 steps, then 300 pA on cells 0 and 1; cell 2 stays at 0.
std::vector<double> step_rows() {
    std::vector<double> v(300, 0.0);
    for (std::size_t row = 50; row < 100; ++row) v[row * 3] = v[row * 3 + 1] = 300.0;
    return v;
}

std::string csv_of(const std::vector<double>& v) {
    std::string text = "a,b,c\n";
    for (std::size_t i = 0; i < v.size(); i += 3)
        text += std::to_string(v[i]) + "," + std::to_string(v[i + 1]) + "," + std::to_string(v[i + 2]) + "\n";
    return text;
}

Result run_cells(const TempDir& dir, const std::string& network, const std::vector<std::string>& extra,
                 const std::string& out) {
    std::vector<std::string> args{"run", network, "--steps", "100", "--plot", "none", "-q", "--out", (dir / out).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_spark(args, dir.path());
}

}  // namespace

TEST_CASE("A constant drive gives the spikes of a constant source", "[cli][inputs]") {
    TempDir dir;
    const auto driven = write(dir, "driven.txtpb", driven_cells), sourced = write(dir, "sourced.txtpb", sourced_cells);
    const Result a = run_cells(dir, driven, {"--input", "drive=const:300"}, "a");
    const Result b = run_cells(dir, sourced, {}, "b");
    INFO(a.err << b.err);
    REQUIRE(a.exit_code == 0);
    REQUIRE(b.exit_code == 0);
    const auto spikes = parse_spikes(read_file(dir / "a" / "spikes.csv"));
    CHECK(spikes.size() > 6);
    CHECK(spikes == parse_spikes(read_file(dir / "b" / "spikes.csv")));
}

TEST_CASE("Rows of a .csv or a .npy drive one step each, identically", "[cli][inputs]") {
    TempDir dir;
    const auto driven = write(dir, "driven.txtpb", driven_cells);
    const auto v = step_rows();
    std::vector<float> v32(v.begin(), v.end());
    const auto csv = write(dir, "d.csv", csv_of(v));
    const auto npy64 = write(dir, "d64.npy", npy(v, "(100, 3)"));
    const auto npy32 = write(dir, "d32.npy", npy(v32, "(100, 3)"));
    const Result a = run_cells(dir, driven, {"--input", "drive=" + csv}, "a");
    INFO(a.err);
    REQUIRE(a.exit_code == 0);
    const auto spikes = parse_spikes(read_file(dir / "a" / "spikes.csv"));
    REQUIRE(!spikes.empty());
    for (const auto& s : spikes) {
        CHECK(s.step >= 50);  // nothing before the current starts
        CHECK(s.unit != 2);   // the undriven cell stays silent
    }
    for (const auto& [file, out] : {std::pair{npy64, "b"}, std::pair{npy32, "c"}}) {
        const Result r = run_cells(dir, driven, {"--input", "drive=" + file}, out);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(parse_spikes(read_file(dir / out / "spikes.csv")) == spikes);
    }
}

TEST_CASE("Wrong widths, non-finite values and bad drive files are refused before the run", "[cli][inputs]") {
    TempDir dir;
    const auto driven = write(dir, "driven.txtpb", driven_cells);
    auto v = step_rows();
    std::string nan_csv = csv_of(v);
    nan_csv.replace(nan_csv.find("300.000000"), 10, "nan");
    std::vector<double> two(200, 1.0);
    const std::pair<std::string, std::string> cases[] = {
        {write(dir, "wide.csv", "1,2,3,4\n"), "rows of 4 values, but the input CurrentArray[3]:f32 takes 3"},
        {write(dir, "short.csv", csv_of(std::vector<double>(30, 1.0))), "10 rows for a run of 100 steps"},
        {write(dir, "nan.csv", nan_csv), "row 51 column 1 is not finite"},
        {write(dir, "ragged.csv", "1,2,3\n1,2\n"), "line 2 has 2 values, the first row 3"},
        {write(dir, "words.csv", "1,2,3\n1,x,3\n"), "line 2 is not a row of numbers"},
        {write(dir, "two.npy", npy(two, "(100, 2)")), "rows of 2 values"},
        {write(dir, "cut.npy", npy(v, "(100, 3)").substr(0, 500)), "the .npy data holds"},
        {write(dir, "text.npy", "hello"), "not a NumPy .npy file"},
        {write(dir, "ints.npy", "\x93NUMPY\x01" + std::string(1, '\0') + "\x20" + std::string(1, '\0') +
                                    "{'descr': '<i4', 'shape': (3,)}\n"), "float32 or float64"},
        {write(dir, "d.txt", "1,2,3\n"), "must be a .npy or a .csv"},
        {(dir / "missing.csv").string(), "cannot open the file"},
    };
    for (const auto& [file, message] : cases) {
        const Result r = run_cells(dir, driven, {"--input", "drive=" + file}, "o");
        INFO(file << ": " << r.err);
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Contains(message));
    }
    const Result unknown = run_cells(dir, driven, {"--input", "signal=const:1"}, "o");
    CHECK_THAT(unknown.err, Contains("the network has no input 'signal' (inputs: drive)"));
    const Result twice = run_cells(dir, driven, {"--input", "drive=const:1", "--input", "drive=const:2"}, "o");
    CHECK_THAT(twice.err, Contains("the input is driven twice"));
    const Result inf = run_cells(dir, driven, {"--input", "drive=const:inf"}, "o");
    CHECK_THAT(inf.err, Contains("const needs a finite number"));
}
