// Config reflection (config.hpp): overrides by path, type and bound checks, messages, listing.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include <spark/core/config.hpp>

#include "matchers.hpp"

using namespace spark;
using spark::testing::ConfigErrorFields;

namespace cfgtest {
// A test-only config with one field of every supported type.
struct SomaLikeConfig {
    SPARK_PARAMS(SomaLikeConfig);
    SPARK_PARAM(std::optional<Shape>, units, std::nullopt, "", none, "Population shape.");
    SPARK_PARAM(Param, potential_tau, 20.0, "ms", positive, "Membrane time constant.");
    SPARK_PARAM(Param, potential_rest, -60.0, "mV", none, "Rest potential.");
    SPARK_PARAM(Param, kernel, sparse_uniform_initializer(), "pA", non_negative, "Synaptic weights.");
    SPARK_PARAM(double, alpha, 0.8, "", zero_one, "Mixing factor.");
    SPARK_PARAM(bool, learning, true, "", none, "Whether the rule learns.");
    SPARK_PARAM(std::size_t, cooldown, 2, "steps", none, "Refractory steps.");
    SPARK_PARAM(std::string, mode, "sync", "", none, "Delivery mode.");
    SPARK_PARAM(std::vector<double>, weights, (std::vector<double>{1.0, 2.0}), "", non_negative, "Per-input weights.");
    SPARK_PARAM(std::vector<std::size_t>, axes, std::vector<std::size_t>{0}, "", none, "Axes.");
    SPARK_PARAM(std::optional<std::vector<std::size_t>>, maybe_axes, std::nullopt, "", none, "Optional axes.");
};

struct GroupConfig {
    SPARK_PARAMS(GroupConfig);
    SPARK_REQUIRED_PARAM(Shape, units, "", none, "Post shape.");
    SPARK_PARAM(double, gain, 1.0, "", positive, "Gain.");
};

// Groups composed with Params<...>, one of them a template parameterised by its default.
struct RestGroup {
    SPARK_PARAMS(RestGroup);
    SPARK_PARAM(Param, rest, -60.0, "mV", none, "Rest potential.");
};
template <double default_tau>
struct TauGroup {
    SPARK_PARAMS(TauGroup);
    SPARK_PARAM(Param, tau, default_tau, "ms", positive, "Time constant.");
    SPARK_PARAM(bool, fixed, false, "", none, "Whether tau is fixed.");
};
struct ComposedConfig : Params<RestGroup, TauGroup<5.0>> {
    SPARK_PARAMS(ComposedConfig);
    SPARK_PARAM(double, gain, 2.0, "", positive, "Own gain.");
};
struct GroupsOnlyConfig : Params<TauGroup<7.0>, RestGroup> {};

// What declares_every_member must refuse: a member written without SPARK_PARAM, and a group
// inherited without Params<...>.
struct UndeclaredMemberConfig {
    SPARK_PARAMS(UndeclaredMemberConfig);
    SPARK_PARAM(double, declared, 1.0, "", none, "Declared.");
    double forgotten = 2.0;
};
struct ForgottenGroupConfig : RestGroup {
    SPARK_PARAMS(ForgottenGroupConfig);
    SPARK_PARAM(double, own, 1.0, "", none, "Declared.");
};
}  // namespace cfgtest

using cfgtest::ComposedConfig;
using cfgtest::GroupConfig;
using cfgtest::GroupsOnlyConfig;
using cfgtest::SomaLikeConfig;

namespace {
const ConfigWhere kWhere{"LeakySoma", "soma"};

SomaLikeConfig make(const Overrides& overrides) { return make_config<SomaLikeConfig>(overrides, kWhere); }
}  // namespace

TEST_CASE("field_names lists the reflected fields in declaration order", "[core][config]") {
    CHECK(field_names<GroupConfig>() == std::vector<std::string>{"units", "gain"});
    CHECK(field_names<SomaLikeConfig>().size() == 11);
    CHECK(field_names<SomaLikeConfig>()[3] == "kernel");
    CHECK(has_field<SomaLikeConfig>("cooldown"));
    CHECK_FALSE(has_field<SomaLikeConfig>("cooldow"));
}

TEST_CASE("make_config without overrides returns the defaults", "[core][config]") {
    const SomaLikeConfig c = make({});
    CHECK(c.potential_tau == Param(20.0));
    CHECK(c.kernel.is_initializer());
    CHECK(c.kernel.initializer().kind == "sparse_uniform_initializer");
    CHECK(c.kernel.initializer().density == 0.2);
    CHECK_FALSE(c.units.has_value());
}

TEST_CASE("overrides set every kind of field by name", "[core][config]") {
    const SomaLikeConfig c = make({{"units", Value::List{4, 5}},
                                   {"potential_tau", 10.0},
                                   {"potential_rest", Value::List{-70.0, -65.0}},
                                   {"alpha", 0.25},
                                   {"learning", false},
                                   {"cooldown", 5},
                                   {"mode", "async"},
                                   {"weights", 3.0},
                                   {"axes", Value::List{1, 2}},
                                   {"maybe_axes", Value::List{0}}});
    CHECK(c.units == Shape{4, 5});
    CHECK(c.potential_tau.scalar() == 10.0);
    CHECK(c.potential_rest.array() == std::vector<float>{-70.0f, -65.0f});
    CHECK(c.alpha == 0.25);
    CHECK_FALSE(c.learning);
    CHECK(c.cooldown == 5);
    CHECK(c.mode == "async");
    CHECK(c.weights == std::vector<double>{3.0});
    CHECK(c.axes == std::vector<std::size_t>{1, 2});
    CHECK(c.maybe_axes == std::vector<std::size_t>{0});
    // A scalar shape is a 1-D shape; null clears an optional field.
    CHECK(make({{"units", 7}}).units == Shape{7});
    CHECK_FALSE(make({{"units", 7}, {"units", Value()}}).units.has_value());
    // Later overrides win.
    CHECK(make({{"potential_tau", 10.0}, {"potential_tau", 12.0}}).potential_tau.scalar() == 12.0);
}

TEST_CASE("a Param field's initializer is reachable by sub-path", "[core][config]") {
    SECTION("kernel.scale and kernel.density change one setting and keep the others") {
        const SomaLikeConfig c = make({{"kernel.scale", 200.0}, {"kernel.density", 0.5}});
        const InitializerSpec& k = c.kernel.initializer();
        CHECK(k.kind == "sparse_uniform_initializer");
        CHECK(k.scale == 200.0);
        CHECK(k.density == 0.5);
        CHECK_FALSE(k.min_value.has_value());
    }
    SECTION("Spark's double-underscore form is the same path") {
        CHECK(make({{"kernel__scale", 200.0}}).kernel == make({{"kernel.scale", 200.0}}).kernel);
    }
    SECTION("kernel.initializer switches the kind, accepting Spark's spellings") {
        CHECK(make({{"kernel.initializer", "uniform"}}).kernel.initializer().kind == "uniform_initializer");
        CHECK(make({{"kernel.initializer", "NormalizedSparseUniformInitializer"}}).kernel.initializer().kind ==
              "normalized_sparse_uniform_initializer");
    }
    SECTION("a whole initializer given as a map") {
        const SomaLikeConfig c = make({{"potential_tau", Value::Map{{"initializer", "uniform_initializer"},
                                                                     {"scale", 10.0},
                                                                     {"min_value", 5.0},
                                                                     {"max_value", 8.0}}}});
        const InitializerSpec& k = c.potential_tau.initializer();
        CHECK(k.kind == "uniform_initializer");
        CHECK(k.scale == 10.0);
        CHECK(k.min_value == 5.0);
        CHECK(k.max_value == 8.0);
    }
    SECTION("a map without a name updates the initializer already held") {
        const SomaLikeConfig c = make({{"kernel", Value::Map{{"scale", 3.0}}}});
        CHECK(c.kernel.initializer().kind == "sparse_uniform_initializer");
        CHECK(c.kernel.initializer().scale == 3.0);
    }
    SECTION("a value field has no initializer to reach into") {
        REQUIRE_THROWS_AS(make({{"potential_tau.scale", 2.0}}), ConfigError);
        REQUIRE_THROWS_WITH(make({{"potential_tau.scale", 2.0}}),
                            Catch::Contains("potential_tau.scale = 2 cannot be set") &&
                                Catch::Contains("holds a value, not an initializer"));
        REQUIRE_THROWS_WITH(make({{"potential_tau", Value::Map{{"scale", 2.0}}}}),
                            Catch::Contains("does not name its initializer") &&
                                Catch::Contains("uniform_initializer"));
    }
    SECTION("a non-Param field has no sub-fields") {
        REQUIRE_THROWS_AS(make({{"alpha.scale", 2.0}}), ConfigError);
        REQUIRE_THROWS_WITH(make({{"alpha.scale", 2.0}}), Catch::Contains("alpha has no sub-fields"));
    }
    SECTION("an unknown setting suggests the closest setting") {
        REQUIRE_THROWS_AS(make({{"kernel.scal", 2.0}}), ConfigError);
        REQUIRE_THROWS_WITH(make({{"kernel.scal", 2.0}}),
                            Catch::Contains("kernel.scal = 2 is not an initializer setting (did you mean scale"));
    }
}

TEST_CASE("an unknown key is refused naming the field and the closest field names", "[core][config]") {
    REQUIRE_THROWS_AS(make({{"potential_ta", 5.0}}), ConfigError);
    REQUIRE_THROWS_MATCHES(make({{"potential_ta", 5.0}}), ConfigError,
                           ConfigErrorFields("LeakySoma", "soma", "potential_ta", "5"));
    REQUIRE_THROWS_WITH(make({{"potential_ta", 5.0}}),
                        Catch::StartsWith("LeakySoma 'soma': potential_ta = 5 is not a parameter of LeakySoma "
                                          "(did you mean potential_tau, potential_rest"));
    // The suggestion is about the head of a path.
    REQUIRE_THROWS_WITH(make({{"kernal.scale", 5.0}}), Catch::Contains("kernal = 5 is not a parameter") &&
                                                           Catch::Contains("did you mean kernel"));
    REQUIRE_THROWS_WITH(make({{"cooldwn", 1}}), Catch::StartsWith("LeakySoma 'soma': cooldwn = 1") &&
                                                    Catch::Contains("did you mean cooldown"));
}

TEST_CASE("values of the wrong type are refused with the field and the rule", "[core][config]") {
    using Catch::Contains;
    REQUIRE_THROWS_AS(make({{"potential_tau", "fast"}}), ConfigError);
    REQUIRE_THROWS_WITH(make({{"potential_tau", "fast"}}),
                        "LeakySoma 'soma': potential_tau = \"fast\" must be a number, a list of numbers or an "
                        "initializer");
    REQUIRE_THROWS_WITH(make({{"potential_tau", Value::List{1.0, "x"}}}), Contains("potential_tau = [1, \"x\"]"));
    REQUIRE_THROWS_WITH(make({{"potential_tau", Value::List{}}}), Contains("must not be an empty list"));
    REQUIRE_THROWS_WITH(make({{"alpha", true}}), "LeakySoma 'soma': alpha = true must be a number");
    REQUIRE_THROWS_WITH(make({{"alpha", Value::List{0.5}}}), Contains("alpha = [0.5] must be a number"));
    REQUIRE_THROWS_WITH(make({{"learning", 2}}), "LeakySoma 'soma': learning = 2 must be true or false");
    CHECK_FALSE(make({{"learning", 0}}).learning);  // 0/1 are accepted as booleans
    REQUIRE_THROWS_WITH(make({{"cooldown", 2.5}}), "LeakySoma 'soma': cooldown = 2.5 must be a whole number >= 0");
    REQUIRE_THROWS_WITH(make({{"cooldown", -1}}), Contains("cooldown = -1 must be a whole number >= 0"));
    REQUIRE_THROWS_WITH(make({{"cooldown", 1e30}}), Contains("must be a whole number >= 0"));
    REQUIRE_THROWS_WITH(make({{"mode", 3}}), "LeakySoma 'soma': mode = 3 must be a string");
    REQUIRE_THROWS_WITH(make({{"units", Value::List{4, 0}}}), Contains("units = 0 must be a whole number > 0"));
    REQUIRE_THROWS_WITH(make({{"units", "big"}}), Contains("must be a whole number or a list of whole numbers"));
    REQUIRE_THROWS_WITH(make({{"weights", "heavy"}}), Contains("weights = \"heavy\" must be a number or a list"));
    REQUIRE_THROWS_WITH(make({{"kernel.scale", "big"}}), Contains("kernel.scale = \"big\" must be a number"));
    REQUIRE_THROWS_WITH(make({{"kernel.initializer", 3}}), Contains("kernel.initializer = 3 must be an initializer name"));
}

TEST_CASE("out-of-bound values are refused with the exact message shape", "[core][config]") {
    SECTION("scalar") {
        REQUIRE_THROWS_AS(make({{"potential_tau", -5.0}}), ConfigError);
        REQUIRE_THROWS_WITH(make({{"potential_tau", -5.0}}), "LeakySoma 'soma': potential_tau = -5 ms must be > 0");
        REQUIRE_THROWS_MATCHES(make({{"potential_tau", -5.0}}), ConfigError,
                               ConfigErrorFields("LeakySoma", "soma", "potential_tau", "-5 ms"));
        REQUIRE_THROWS_WITH(make({{"potential_tau", 0.0}}), "LeakySoma 'soma': potential_tau = 0 ms must be > 0");
        REQUIRE_THROWS_WITH(make({{"alpha", 1.5}}), "LeakySoma 'soma': alpha = 1.5 must be in [0, 1]");
        REQUIRE_THROWS_WITH(make({{"alpha", -0.1}}), "LeakySoma 'soma': alpha = -0.1 must be in [0, 1]");
        CHECK(make({{"alpha", 0.0}}).alpha == 0.0);  // the bounds of [0, 1] are inside
        CHECK(make({{"alpha", 1.0}}).alpha == 1.0);
    }
    SECTION("per-element arrays name the element and print floats as written") {
        REQUIRE_THROWS_WITH(make({{"potential_tau", Value::List{20.0, 0.1, -0.1}}}),
                            "LeakySoma 'soma': potential_tau[2] = -0.1 ms must be > 0");
        REQUIRE_THROWS_MATCHES(make({{"potential_tau", Value::List{20.0, 0.1, -0.1}}}), ConfigError,
                               ConfigErrorFields("LeakySoma", "soma", "potential_tau[2]", "-0.1 ms"));
        REQUIRE_THROWS_WITH(make({{"weights", Value::List{1.0, -2.0}}}),
                            "LeakySoma 'soma': weights[1] = -2 must be >= 0");
    }
    SECTION("not-a-number fails even an unbounded field") {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        REQUIRE_THROWS_WITH(make({{"potential_rest", nan}}),
                            "LeakySoma 'soma': potential_rest = nan mV must be a finite number");
    }
    SECTION("a config built in C++ is validated by validate() the same way") {
        SomaLikeConfig c;
        c.potential_tau = -5.0;
        REQUIRE_THROWS_WITH(validate(c, kWhere), "LeakySoma 'soma': potential_tau = -5 ms must be > 0");
    }
    SECTION("a required shape must be given") {
        REQUIRE_THROWS_AS(make_config<GroupConfig>({}, {"LinearSynapses", "syn"}), ConfigError);
        REQUIRE_THROWS_WITH(make_config<GroupConfig>({}, {"LinearSynapses", "syn"}),
                            "LinearSynapses 'syn': units must be given (a shape such as [100])");
        CHECK(make_config<GroupConfig>({{"units", Value::List{10}}}, {"LinearSynapses", "syn"}).units == Shape{10});
    }
    SECTION("without an instance name the message starts with the class") {
        REQUIRE_THROWS_WITH(make_config<GroupConfig>({{"units", 3}, {"gain", -1.0}}, {"LinearSynapses", ""}),
                            "LinearSynapses: gain = -1 must be > 0");
    }
}

TEST_CASE("infinite values and values past float32 are refused in every kind of field (issue 16)", "[core][config]") {
    const double inf = std::numeric_limits<double>::infinity();
    SECTION("a bounded Param names the finiteness in its rule") {
        REQUIRE_THROWS_MATCHES(make({{"potential_tau", inf}}), ConfigError,
                               ConfigErrorFields("LeakySoma", "soma", "potential_tau", "inf ms"));
        REQUIRE_THROWS_WITH(make({{"potential_tau", inf}}),
                            "LeakySoma 'soma': potential_tau = inf ms must be a finite number > 0");
        REQUIRE_THROWS_WITH(make({{"potential_tau", -inf}}),
                            "LeakySoma 'soma': potential_tau = -inf ms must be a finite number > 0");
    }
    SECTION("an unbounded Param refuses both infinities") {
        REQUIRE_THROWS_WITH(make({{"potential_rest", inf}}),
                            "LeakySoma 'soma': potential_rest = inf mV must be a finite number");
        REQUIRE_THROWS_WITH(make({{"potential_rest", -inf}}),
                            "LeakySoma 'soma': potential_rest = -inf mV must be a finite number");
    }
    SECTION("a finite double that float32 cannot hold (1e308 would become inf)") {
        REQUIRE_THROWS_AS(make({{"potential_rest", 1e308}}), ConfigError);
        REQUIRE_THROWS_WITH(make({{"potential_rest", -1e308}}),
                            Catch::StartsWith("LeakySoma 'soma': potential_rest = -1e+308 mV does not fit a float32 "
                                              "parameter (largest magnitude 3.40282"));
        REQUIRE_THROWS_WITH(make({{"potential_tau", Value::List{20.0, 1e308}}}),
                            Catch::StartsWith("LeakySoma 'soma': potential_tau[1] = 1e+308 ms does not fit a float32"));
        CHECK(make({{"potential_rest", 3e38}}).potential_rest.scalar() == 3e38);  // the largest floats still fit
    }
    SECTION("array elements, double fields and lists of doubles") {
        REQUIRE_THROWS_WITH(make({{"potential_rest", Value::List{1.0, -inf}}}),
                            "LeakySoma 'soma': potential_rest[1] = -inf mV must be a finite number");
        REQUIRE_THROWS_WITH(make({{"alpha", inf}}), "LeakySoma 'soma': alpha = inf must be in [0, 1]");
        REQUIRE_THROWS_WITH(make({{"weights", Value::List{1.0, inf}}}),
                            "LeakySoma 'soma': weights[1] = inf must be a finite number >= 0");
    }
    SECTION("every numeric setting of an initializer") {
        for (const char* setting : {"kernel.scale", "kernel.offset", "kernel.min_value", "kernel.max_value"}) {
            INFO(setting);
            REQUIRE_THROWS_MATCHES(make({{setting, inf}}), ConfigError,
                                   ConfigErrorFields("LeakySoma", "soma", setting, "inf pA"));
            REQUIRE_THROWS_WITH(make({{setting, -inf}}), Catch::EndsWith("must be a finite number"));
            REQUIRE_THROWS_WITH(make({{setting, 1e300}}), Catch::Contains("does not fit a float32 parameter"));
        }
        REQUIRE_THROWS_WITH(make({{"kernel", Value::Map{{"initializer", Value("normal")}, {"mean", Value(inf)}}}}),
                            "LeakySoma 'soma': kernel.mean = inf pA must be a finite number");
        REQUIRE_THROWS_WITH(make({{"kernel", Value::Map{{"initializer", Value("normal")}, {"stddev", Value(inf)}}}}),
                            "LeakySoma 'soma': kernel.stddev = inf pA must be a finite number >= 0");
    }
}

TEST_CASE("a shape of more than 2^53 elements is refused when it is set, before any product wraps",
          "[core][config]") {
    REQUIRE_THROWS_MATCHES(make({{"units", Value::List{1e5, 1e5, 1e5, 1e5}}}), ConfigError,
                           ConfigErrorFields("LeakySoma", "soma", "units", std::nullopt));
    REQUIRE_THROWS_WITH(make({{"units", Value::List{1e5, 1e5, 1e5, 1e5}}}),
                        Catch::EndsWith("has more than 2^53 elements (the most spark can count)"));
    CHECK(make({{"units", Value::List{1e5, 1e5}}}).units == Shape{100000, 100000});  // counted, not allocated
}

TEST_CASE("initializer settings are validated when the config is made", "[core][config]") {
    using Catch::Contains;
    SECTION("an unknown initializer name suggests the registered ones") {
        REQUIRE_THROWS_AS(make({{"kernel.initializer", "unifrom"}}), ConfigError);
        REQUIRE_THROWS_MATCHES(make({{"kernel.initializer", "unifrom"}}), ConfigError,
                               ConfigErrorFields("LeakySoma", "soma", "kernel.initializer", "\"unifrom\""));
        REQUIRE_THROWS_WITH(make({{"kernel.initializer", "unifrom"}}),
                            Contains("is not a registered initializer (did you mean uniform_initializer"));
    }
    SECTION("density outside [0, 1]") {
        REQUIRE_THROWS_WITH(make({{"kernel.density", 1.5}}),
                            "LeakySoma 'soma': kernel.density = 1.5 must be in [0, 1]");
    }
    SECTION("min_value above max_value") {
        REQUIRE_THROWS_WITH(make({{"kernel.min_value", 5.0}, {"kernel.max_value", 1.0}}),
                            "LeakySoma 'soma': kernel.min_value = 5 pA must be <= max_value = 1 pA");
    }
    SECTION("repeated norm axes") {
        REQUIRE_THROWS_WITH(make({{"kernel.norm_axes", Value::List{1, 1}}}),
                            Contains("kernel.norm_axes = [1, 1] must not repeat an axis"));
    }
    SECTION("the same checks run on a config built in C++ (the component constructor calls validate)") {
        SomaLikeConfig c;
        c.kernel = constant_initializer();
        c.kernel.initializer().kind = "gaussian";
        REQUIRE_THROWS_AS(validate(c, kWhere), ConfigError);
        REQUIRE_THROWS_WITH(validate(c, kWhere), Contains("kernel.initializer = \"gaussian\" is not a registered"));
        c.kernel = sparse_uniform_initializer(1.0, -0.5);
        REQUIRE_THROWS_WITH(validate(c, kWhere), Contains("kernel.density = -0.5 must be in [0, 1]"));
    }
}

TEST_CASE("shared overrides apply only where the field exists", "[core][config]") {
    SomaLikeConfig soma{};
    GroupConfig group{};
    CHECK(apply_shared_override(soma, "units", Value::List{2, 3}, kWhere));
    CHECK(soma.units == Shape{2, 3});
    CHECK(apply_shared_override(group, "units", Value::List{2, 3}, kWhere));
    CHECK(group.units == Shape{2, 3});
    CHECK_FALSE(apply_shared_override(group, "cooldown", 3, kWhere));
    CHECK(apply_shared_override(soma, "kernel__scale", 4.0, kWhere));
    CHECK(soma.kernel.initializer().scale == 4.0);
    // A field that exists but gets a bad value is still an error.
    REQUIRE_THROWS_AS(apply_shared_override(soma, "cooldown", -3, kWhere), ConfigError);
}

TEST_CASE("to_value writes every field and reads back to the same config", "[core][config]") {
    const SomaLikeConfig c = make({{"units", Value::List{3}},
                                   {"potential_rest", Value::List{-70.0, -65.5, -60.1}},
                                   {"kernel.scale", 2.0},
                                   {"kernel.min_value", 0.5},
                                   {"cooldown", 4}});
    const Value v = to_value(c);
    REQUIRE(v.is_map());
    REQUIRE(v.as_map().size() == field_names<SomaLikeConfig>().size());
    CHECK(v.find("potential_tau")->as_number() == 20.0);
    // Float arrays come back as they were written, not as widened floats.
    CHECK(v.find("potential_rest")->to_string() == "[-70, -65.5, -60.1]");
    CHECK(v.find("kernel")->to_string() ==
          "{initializer: \"sparse_uniform_initializer\", scale: 2, min_value: 0.5, density: 0.2}");
    CHECK(v.find("maybe_axes")->is_null());

    Overrides again;
    for (const auto& [name, value] : v.as_map()) again.push_back({name, value});
    const SomaLikeConfig back = make(again);
    CHECK(to_value(back) == v);
    CHECK(back.potential_rest == c.potential_rest);
    CHECK(back.kernel == c.kernel);
}

TEST_CASE("describe_fields lists type, default, units, bound and description", "[core][config]") {
    const auto rows = describe_fields<SomaLikeConfig>();
    REQUIRE(rows.size() == 11);
    CHECK(rows[1].name == "potential_tau");
    CHECK(rows[1].type == "param");
    CHECK(rows[1].default_value == Value(20.0));
    CHECK(rows[1].units == "ms");
    CHECK(rows[1].bound == Bound::positive);
    CHECK(rows[1].description == "Membrane time constant.");
    CHECK(rows[5].type == "bool");
    CHECK(rows[6].type == "integer");
    CHECK(rows[0].type == "shape?");
    const auto group = describe_fields<GroupConfig>();
    CHECK(group[0].required);
    CHECK_FALSE(group[1].required);
}

TEST_CASE("normal and block initializers are read from maps and written back (issue 9)", "[core][config]") {
    const Value block_map = Value::Map{
        {"initializer", "block_initializer"},
        {"blocks", Value::List{Value::Map{{"size", 3}, {"initializer", "sparse_normal"}, {"mean", 87.8},
                                          {"stddev", 8.78}, {"density", 0.1}, {"min_value", 0.0}, {"redraw", true}},
                               Value::Map{{"size", 2}, {"initializer", "sparse_constant"}, {"scale", 2.0}}}}};
    const SomaLikeConfig c = make({{"kernel", block_map}});
    const InitializerSpec& k = c.kernel.initializer();
    REQUIRE(k.kind == "block_initializer");
    REQUIRE(k.blocks.size() == 2);
    CHECK(k.blocks[0].size == 3);
    CHECK(k.blocks[0].spec.kind == "sparse_normal_initializer");
    CHECK(k.blocks[0].spec.mean == 87.8);
    CHECK(k.blocks[0].spec.stddev == 8.78);
    CHECK(k.blocks[0].spec.redraw);
    CHECK(k.blocks[1].spec.kind == "sparse_constant_initializer");
    CHECK(k.blocks[1].spec.scale == 2.0);

    const Value v = to_value(c);
    CHECK(v.find("kernel")->to_string() ==
          "{initializer: \"block_initializer\", scale: 1, blocks: [{size: 3, initializer: "
          "\"sparse_normal_initializer\", scale: 1, min_value: 0, density: 0.1, mean: 87.8, stddev: 8.78, redraw: "
          "true}, {size: 2, initializer: \"sparse_constant_initializer\", scale: 2, density: 0.2}]}");
    Overrides again;
    for (const auto& [name, value] : v.as_map()) again.push_back({name, value});
    CHECK(make(again).kernel == c.kernel);
}

TEST_CASE("a malformed block is refused naming the block and the setting", "[core][config]") {
    const auto with_blocks = [](Value::List blocks) {
        return Value::Map{{"initializer", "block_initializer"}, {"blocks", std::move(blocks)}};
    };
    REQUIRE_THROWS_AS(make({{"kernel", with_blocks({Value::Map{{"initializer", "uniform"}}})}}), ConfigError);
    REQUIRE_THROWS_WITH(make({{"kernel", with_blocks({Value::Map{{"initializer", "uniform"}}})}}),
                        Catch::Contains("kernel.blocks[0]") && Catch::Contains("must be a map with a size"));
    REQUIRE_THROWS_WITH(
        make({{"kernel", with_blocks({Value::Map{{"size", 2}, {"initializer", "uniform"}},
                                      Value::Map{{"size", 2}, {"initializer", "uniform"}, {"scael", 1.0}}})}}),
        Catch::Contains("kernel.blocks[1].scael = 1 is not an initializer setting (did you mean scale"));
    REQUIRE_THROWS_WITH(make({{"kernel", with_blocks({Value::Map{{"size", 0}, {"initializer", "uniform"}}})}}),
                        Catch::Contains("kernel.blocks[0].size = 0 must be a whole number > 0"));
    REQUIRE_THROWS_WITH(make({{"kernel.redraw", 1.0}}), Catch::Contains("kernel.redraw = 1 must be true or false"));
}

TEST_CASE("a composed config lists its groups' parameters in order, then its own", "[core][config]") {
    CHECK(field_names<ComposedConfig>() == std::vector<std::string>{"rest", "tau", "fixed", "gain"});
    CHECK(field_names<GroupsOnlyConfig>() == std::vector<std::string>{"tau", "fixed", "rest"});
    const ComposedConfig c = make_config<ComposedConfig>({{"tau", 9.0}, {"rest", -70.0}, {"gain", 3.0}}, kWhere);
    CHECK(c.tau.scalar() == 9.0);
    CHECK(c.rest.scalar() == -70.0);
    CHECK(c.gain == 3.0);
    CHECK(to_value(c).to_string() == "{rest: -70, tau: 9, fixed: false, gain: 3}");
    // The group's default comes from its template argument.
    CHECK(make_config<GroupsOnlyConfig>({}, kWhere).tau.scalar() == 7.0);
    const auto rows = describe_fields<ComposedConfig>();
    REQUIRE(rows.size() == 4);
    CHECK(rows[1].units == "ms");
    CHECK(rows[1].bound == Bound::positive);
    CHECK(rows[1].description == "Time constant.");
    // A group's bound is checked in the composed config.
    REQUIRE_THROWS_WITH(make_config<ComposedConfig>({{"tau", -1.0}}, kWhere),
                        Catch::Contains("tau = -1 ms must be > 0"));
}

TEST_CASE("declares_every_member finds members that are not declared parameters", "[core][config]") {
    CHECK(declares_every_member<SomaLikeConfig>());
    CHECK(declares_every_member<GroupConfig>());
    CHECK(declares_every_member<ComposedConfig>());
    CHECK(declares_every_member<GroupsOnlyConfig>());
    CHECK_FALSE(declares_every_member<cfgtest::UndeclaredMemberConfig>());
    CHECK_FALSE(declares_every_member<cfgtest::ForgottenGroupConfig>());
    CHECK(field_names<cfgtest::ForgottenGroupConfig>() == std::vector<std::string>{"own"});
}

TEST_CASE("meta_of finds a parameter's metadata from the member itself", "[core][config]") {
    const ComposedConfig c{};
    CHECK(meta_of(c, c.tau).name == "tau");
    CHECK(meta_of(c, c.rest).units == "mV");
    CHECK(meta_of(c, c.gain).bound == Bound::positive);
    const Param outside = 1.0;
    REQUIRE_THROWS_AS(meta_of(c, outside), InternalError);
}

TEST_CASE("a required parameter is listed as required", "[core][config]") {
    const auto rows = describe_fields<GroupConfig>();
    CHECK(rows[0].name == "units");
    CHECK(rows[0].required);
    CHECK_FALSE(rows[1].required);
}

// The compile-time checks of a declaration (a failing one stops the build; see
// tests/unit/core/compile_errors for the messages).
static_assert(params_detail::default_within(Bound::positive, [] { return 20.0; }));
static_assert(!params_detail::default_within(Bound::positive, [] { return -20.0; }));
static_assert(!params_detail::default_within(Bound::zero_one, [] { return 1.5; }));
static_assert(!params_detail::default_within(Bound::none, [] { return std::numeric_limits<double>::infinity(); }));
static_assert(params_detail::default_within(Bound::non_negative, [] { return std::vector<double>{0.0, 2.0}; }));
static_assert(!params_detail::default_within(Bound::non_negative, [] { return std::vector<double>{0.0, -2.0}; }));
static_assert(params_detail::default_within(Bound::positive, [] { return std::string("text"); }));
static_assert(config_detail::unique_names(param_table<ComposedConfig>));
static_assert(!config_detail::unique_names(std::array<FieldMeta, 2>{FieldMeta{"tau"}, FieldMeta{"tau"}}));
static_assert(param_table<ComposedConfig>.size() == 4 && param_table<ComposedConfig>[2].name == "fixed");
