// ConstantSource, PulseSource and ReplaySource.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <spark/components/builtin.hpp>
#include <spark/components/interfaces/sources.hpp>

#include "harness.hpp"

using namespace spark;
using spark::components::interfaces::ReplaySource;
using spark::testing::Harness;

namespace {
const Registry& registry() { return components::builtin_registry(); }

Harness source(std::string_view type, Overrides overrides, double dt = 1.0) {
    return Harness(registry(), type, overrides, {}, dt);
}

// Steps once with the output pre-filled with NaN, so that an element the source does not write shows.
std::vector<float> step_values(Harness& h) {
    for (auto& x : h.output_f32(0)) x = std::numeric_limits<float>::quiet_NaN();
    h.step();
    const auto out = h.output_f32(0);
    return {out.begin(), out.end()};
}

// A CSV file in the temporary directory, removed at scope exit.
class TempFile {
public:
    TempFile(const std::string& name, const std::string& text)
        : path_(std::filesystem::temp_directory_path() / ("spark_test_replay_" + name + ".csv")) {
        std::ofstream(path_, std::ios::binary) << text;
    }
    ~TempFile() { std::filesystem::remove(path_); }
    std::string path() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

Harness replay(const TempFile& f, Overrides more = {}, double dt = 1.0) {
    more.push_back({"file", f.path()});
    return source("replay_source", more, dt);
}
}  // namespace

// ---- ConstantSource ----

TEST_CASE("ConstantSource writes its value every step, broadcast or per unit", "[interfaces][sources]") {
    auto scalar = source("constant_source", {{"units", Value::List{3.0}}, {"value", 250.0}});
    CHECK(scalar.result().outputs[0] == PortSpec(PayloadKind::current, {3}));  // kind defaults to current
    for (int t = 0; t < 3; ++t) CHECK(step_values(scalar) == std::vector<float>{250.0f, 250.0f, 250.0f});

    auto per_unit = source("constant_source",
                           {{"units", Value::List{2.0, 2.0}}, {"kind", "float"}, {"value", Value::List{0.1, 0.2, 0.3, 0.4}}});
    CHECK(per_unit.result().outputs[0] == PortSpec(PayloadKind::floating, {2, 2}));
    CHECK(step_values(per_unit) == std::vector<float>{0.1f, 0.2f, 0.3f, 0.4f});
    REQUIRE(per_unit.component().contract());
    CHECK(per_unit.component().contract()->outputs[0] == per_unit.result().outputs[0]);
}

TEST_CASE("ConstantSource draws an initializer value once at build", "[interfaces][sources]") {
    auto h = source("constant_source",
                    {{"units", Value::List{50.0}}, {"value", Value::Map{{"initializer", "uniform"}, {"scale", 10.0}}}});
    const auto first = step_values(h);
    bool varied = false;
    for (float v : first) {
        CHECK(v >= 0.0f);
        CHECK(v < 10.0f);
        varied = varied || v != first[0];
    }
    CHECK(varied);
    CHECK(step_values(h) == first);
}

TEST_CASE("ConstantSource validates units, kind and value", "[interfaces][sources][config]") {
    auto no_units = [] { source("constant_source", {{"value", 1.0}}); };
    REQUIRE_THROWS_AS(no_units(), ConfigError);
    REQUIRE_THROWS_WITH(no_units(), Catch::Contains("units") && Catch::Contains("must be given"));
    auto bad_kind = [] { source("constant_source", {{"units", 2.0}, {"kind", "voltage"}}); };
    REQUIRE_THROWS_AS(bad_kind(), ConfigError);
    REQUIRE_THROWS_WITH(bad_kind(), Catch::Contains("kind = \"voltage\"") &&
                                        Catch::Contains("must be \"float\" or \"current\""));
    auto bad_value = [] { source("constant_source", {{"units", 3.0}, {"value", Value::List{1.0, 2.0}}}); };
    REQUIRE_THROWS_AS(bad_value(), ConfigError);
    REQUIRE_THROWS_WITH(bad_value(), Catch::Contains("value") && Catch::Contains("has 2 values; expected 1 or 3"));
}

// ---- PulseSource ----

TEST_CASE("PulseSource segments cover start (inclusive) to stop (exclusive) snapped to the step grid", "[interfaces][sources]") {
    // dt = 0.1: [0.3, 0.5) ms covers steps 3 and 4 (t = 0.3 and 0.4; 0.3/0.1 is not exact in binary).
    auto h = source("pulse_source",
                    {{"units", 2.0}, {"starts", Value::List{0.3}}, {"stops", Value::List{0.5}}, {"amplitudes", 5.0}}, 0.1);
    std::vector<float> unit0;
    for (int n = 0; n < 8; ++n) {
        const auto v = step_values(h);
        CHECK(v[0] == v[1]);
        unit0.push_back(v[0]);
    }
    CHECK(unit0 == std::vector<float>{0, 0, 0, 5, 5, 0, 0, 0});
}

TEST_CASE("PulseSource adds overlapping segments and supports per-unit amplitudes", "[interfaces][sources]") {
    // Segment 0: [1, 4) ms, amplitudes (1, 2); segment 1: [3, 5) ms, amplitudes (10, 20). dt = 1.
    auto h = source("pulse_source", {{"units", 2.0},
                                     {"kind", "float"},
                                     {"starts", Value::List{1.0, 3.0}},
                                     {"stops", Value::List{4.0, 5.0}},
                                     {"amplitudes", Value::List{1.0, 2.0, 10.0, 20.0}}});
    CHECK(h.result().outputs[0] == PortSpec(PayloadKind::floating, {2}));
    const std::vector<std::vector<float>> expected{{0, 0}, {1, 2}, {1, 2}, {11, 22}, {10, 20}, {0, 0}};
    for (const auto& e : expected) CHECK(step_values(h) == e);
    // reset restarts the schedule at step 0
    h.component().reset();
    for (const auto& e : expected) CHECK(step_values(h) == e);
}

TEST_CASE("PulseSource validates its schedule", "[interfaces][sources][config]") {
    auto stop_before_start = [] {
        source("pulse_source", {{"units", 1.0}, {"starts", Value::List{0.0, 5.0}}, {"stops", Value::List{2.0, 5.0}},
                                {"amplitudes", Value::List{1.0, 1.0}}});
    };
    REQUIRE_THROWS_AS(stop_before_start(), ConfigError);
    REQUIRE_THROWS_WITH(stop_before_start(), Catch::Contains("stops[1] = 5 ms") && Catch::Contains("must be > starts[1] = 5 ms"));
    auto lengths = [] {
        source("pulse_source", {{"units", 1.0}, {"starts", Value::List{0.0, 5.0}}, {"stops", Value::List{2.0}},
                                {"amplitudes", Value::List{1.0, 1.0}}});
    };
    REQUIRE_THROWS_AS(lengths(), ConfigError);
    REQUIRE_THROWS_WITH(lengths(), Catch::Contains("stops") && Catch::Contains("expected 2 (one per start)"));
    auto amplitudes = [] {
        source("pulse_source", {{"units", 3.0}, {"starts", Value::List{0.0}}, {"stops", Value::List{2.0}},
                                {"amplitudes", Value::List{1.0, 1.0}}});
    };
    REQUIRE_THROWS_AS(amplitudes(), ConfigError);
    REQUIRE_THROWS_WITH(amplitudes(), Catch::Contains("amplitudes") && Catch::Contains("expected 1 (one per segment) or 3"));
    auto negative = [] {
        source("pulse_source", {{"units", 1.0}, {"starts", -1.0}, {"stops", 2.0}, {"amplitudes", 1.0}});
    };
    REQUIRE_THROWS_WITH(negative(), Catch::Contains("starts") && Catch::Contains("must be >= 0"));
}

// ---- ReplaySource ----

TEST_CASE("ReplaySource replays one row per step, with header and comments", "[interfaces][sources][replay]") {
    const TempFile f("rows", "# recorded input\r\nx, y ,z\r\n\r\n1, 2, 3\r\n  # a comment\n4,5,6.5\n+7,-8e0,9\n");
    auto h = replay(f);
    CHECK(h.as<ReplaySource>().rows() == 3);
    CHECK(h.result().outputs[0] == PortSpec(PayloadKind::current, {3}));
    CHECK(step_values(h) == std::vector<float>{1, 2, 3});
    CHECK(step_values(h) == std::vector<float>{4, 5, 6.5f});
    CHECK(step_values(h) == std::vector<float>{7, -8, 9});
    CHECK(step_values(h) == std::vector<float>{7, -8, 9});  // after_end = hold (default)
    h.component().reset();
    CHECK(step_values(h) == std::vector<float>{1, 2, 3});

    auto zero = replay(f, {{"after_end", "zero"}, {"kind", "float"}, {"units", Value::List{3.0, 1.0}}});
    CHECK(zero.result().outputs[0] == PortSpec(PayloadKind::floating, {3, 1}));
    for (int i = 0; i < 3; ++i) step_values(zero);
    CHECK(step_values(zero) == std::vector<float>{0, 0, 0});
}

TEST_CASE("ReplaySource with a time column holds each row until the next", "[interfaces][sources][replay]") {
    // dt = 0.5: rows at 1.0 ms (step 2), 2.2 ms (step 5: first step with 0.5 n >= 2.2) and 3.0 ms (step 6).
    const TempFile f("times", "time_ms,a\n1.0,10\n2.2,20\n3.0,30\n");
    auto hold = replay(f, {{"time_column", true}}, 0.5);
    CHECK(hold.as<ReplaySource>().columns() == 1);
    std::vector<float> seen;
    for (int n = 0; n < 9; ++n) seen.push_back(step_values(hold)[0]);
    CHECK(seen == std::vector<float>{0, 0, 10, 10, 10, 20, 30, 30, 30});

    auto zero = replay(f, {{"time_column", true}, {"after_end", "zero"}}, 0.5);
    seen.clear();
    for (int n = 0; n < 9; ++n) seen.push_back(step_values(zero)[0]);
    CHECK(seen == std::vector<float>{0, 0, 10, 10, 10, 20, 30, 0, 0});
}

TEST_CASE("ReplaySource names the file and line of a malformed file", "[interfaces][sources][replay][config]") {
    SECTION("missing file") {
        const std::string path = (std::filesystem::temp_directory_path() / "spark_no_such_file.csv").string();
        auto missing = [&] { source("replay_source", {{"file", path}}); };
        REQUIRE_THROWS_AS(missing(), ConfigError);
        REQUIRE_THROWS_WITH(missing(), Catch::Contains("ReplaySource") && Catch::Contains(path) &&
                                           Catch::Contains("cannot be read: no such file"));
    }
    SECTION("a file that fails part way through reading") {
        auto unreadable = [&] { source("replay_source", {{"file", "/proc/self/mem"}}); };
        REQUIRE_THROWS_AS(unreadable(), ConfigError);
        REQUIRE_THROWS_WITH(unreadable(), Catch::Contains("/proc/self/mem") &&
                                              Catch::Contains("cannot be read: Input/output error"));
    }
    SECTION("malformed contents, each named with its line") {
        struct Case {
            const char* what;
            const char* file;
            const char* contents;
            Overrides overrides;
            const char* message;
        };
        const Case cases[] = {
            {"a value that is not a number", "nan_text", "a,b\n1,2\n3,abc\n", {},
             "line 3, column 2: 'abc' is not a number"},
            {"a typo in the first row is not mistaken for a header", "typo", "1,2x,3\n4,5,6\n", {},
             "line 1, column 2: '2x' is not a number"},
            {"an empty value", "empty_value", "1,,3\n", {}, "is malformed at line 1, column 2: empty value"},
            {"a row of another width", "ragged", "# c\n1,2,3\n4,5\n", {},
             "line 3: 2 values; expected 3 (as on line 2)"},
            {"a header of another width", "header_width", "a,b\n1,2,3\n", {},
             "line 2: 3 values, but the header on line 1 has 2 columns"},
            {"an infinite value", "inf", "1,inf\n", {}, "line 1, column 2: 'inf' is not a finite float32 number"},
            {"a value beyond float32", "big", "1,1e39\n", {},
             "line 1, column 2: '1e39' is not a finite float32 number"},
            {"times that do not increase", "times_back", "0,1\n2,1\n2,3\n", {{"time_column", true}},
             "line 3: time 2 ms is not after the previous row's time 2 ms"},
            {"a time column without values", "time_only", "0\n1\n", {{"time_column", true}},
             "line 1: time_column needs"},
            {"no data rows", "no_rows", "# only a comment\nname\n", {}, "has no data rows"},
        };
        for (const Case& c : cases) {
            INFO(c.what);
            const TempFile f(c.file, c.contents);
            CHECK_THROWS_AS(replay(f, c.overrides), ConfigError);
            CHECK_THROWS_WITH(replay(f, c.overrides), Catch::Contains(f.path()) && Catch::Contains(c.message));
        }
    }
    SECTION("units of the wrong size") {
        const TempFile f("units", "1,2,3\n");
        REQUIRE_THROWS_AS(replay(f, {{"units", Value::List{2.0, 2.0}}}), ConfigError);
        REQUIRE_THROWS_WITH(replay(f, {{"units", Value::List{2.0, 2.0}}}),
                            Catch::Contains("units") && Catch::Contains("has 4 elements") &&
                                Catch::Contains("has 3 value columns"));
    }
    SECTION("unknown after_end") {
        const TempFile f("after", "1\n");
        REQUIRE_THROWS_WITH(replay(f, {{"after_end", "loop"}}),
                            Catch::Contains("after_end = \"loop\"") && Catch::Contains("must be \"hold\" or \"zero\""));
    }
}
