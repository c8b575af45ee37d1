// The component registry (registry.hpp) and the ComponentBase plumbing it relies on, with two
// test-only components so that core is tested without the component library.
#include <catch2/catch.hpp>

#include <array>

#include <spark/core/registry.hpp>

#include "matchers.hpp"
#include "test_component_base.hpp"

using namespace spark;
using namespace spark::testing;

namespace regtest {


struct GainStageConfig {
    SPARK_PARAMS(GainStageConfig);
    SPARK_PARAM(Param, gain, 2.0, "", positive, "Multiplies the input.");
};

// out = gain * in, element-wise.
class GainStage : public TestComponent<GainStage, GainStageConfig, "gain_stage", "GainStage", "Scales a FloatArray.",
                                       "interface"> {
public:
    static constexpr std::array input_ports{PortDecl{"in", PayloadKind::floating, "Signal."}};
    static constexpr std::array output_ports{PortDecl{"out", PayloadKind::floating, "Scaled signal."}};
    using TestComponent::TestComponent;

    BuildResult build(const BuildContext& ctx) override {
        const PortSpec& in = ctx.input(0);
        if (in.kind != PayloadKind::floating) throw_input_mismatch(*this, ctx, 0, "FloatArray[n]:f32");
        gain_ = materialize(config_.gain, in.shape, ctx);
        return BuildResult{{PortSpec(PayloadKind::floating, in.shape)}, {}};
    }
    void step(const StepContext& ctx) override {
        const auto in = ctx.inputs[0].f32();
        const auto out = ctx.outputs[0].f32();
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = gain_[i] * in[i];
    }

    std::vector<float> gain_;
};

struct N2NProbeConfig {
    SPARK_PARAMS(N2NProbeConfig);
    SPARK_PARAM(double, level, 0.0, "mV", none, "A level.");
};

class N2NProbe : public TestComponent<N2NProbe, N2NProbeConfig, "n2n_probe", "N2NProbe", "Does nothing.", "delays"> {
public:
    using TestComponent::TestComponent;
    BuildResult build(const BuildContext&) override { return {}; }
    void step(const StepContext&) override {}
};

}  // namespace regtest


using regtest::GainStage;
using regtest::N2NProbe;

static_assert(ComponentType<GainStage>);
static_assert(!ComponentType<int>);

namespace {
Registry make_registry() {
    Registry r;
    r.add<GainStage>();
    r.add<N2NProbe>();
    return r;
}

BuildResult build(Component& c, std::vector<std::optional<PortSpec>> inputs, Rng& rng) {
    BuildContext ctx;
    ctx.inputs = inputs;
    ctx.rng = &rng;
    ctx.node = c.instance();
    return c.build(ctx);
}
}  // namespace

TEST_CASE("Registry::add<C> records the ports, category and parameter table", "[core][registry]") {
    const Registry r = make_registry();
    REQUIRE(r.entries().size() == 2);
    CHECK(r.names() == std::vector<std::string>{"gain_stage", "n2n_probe"});
    const ComponentInfo& info = r.at("gain_stage");
    CHECK(info.class_name == "GainStage");
    CHECK(info.category == "interface");
    CHECK(info.description == "Scales a FloatArray.");
    REQUIRE(info.inputs.size() == 1);
    CHECK(info.inputs[0].name == "in");
    CHECK(info.outputs[0].name == "out");
    CHECK(info.properties.empty());
    REQUIRE(info.fields.size() == 1);
    CHECK(info.fields[0].name == "gain");
    CHECK(info.fields[0].default_value == Value(2.0));
    CHECK(info.fields[0].bound == Bound::positive);
}

TEST_CASE("Registry finds a component by registry name or class name", "[core][registry]") {
    const Registry r = make_registry();
    CHECK(r.find("gain_stage") == &r.entries()[0]);
    CHECK(r.find("GainStage") == &r.entries()[0]);
    CHECK(r.find("Gain Stage") == &r.entries()[0]);  // normalised like Spark's lookups
    CHECK(r.find("N2NProbe") == &r.entries()[1]);
    CHECK(r.find("n2n_probe") == &r.entries()[1]);
    CHECK(r.find("gain") == nullptr);
    CHECK(r.find("") == nullptr);
}

TEST_CASE("an unknown component is a GraphError listing the closest names", "[core][registry]") {
    const Registry r = make_registry();
    REQUIRE_THROWS_AS(r.at("gain_stag"), GraphError);
    REQUIRE_THROWS_WITH(r.at("gain_stag"), "unknown component 'gain_stag' (did you mean gain_stage, n2n_probe?)");
    REQUIRE_THROWS_WITH(r.at("N2NProb"), Catch::StartsWith("unknown component 'N2NProb' (did you mean n2n_probe"));
    REQUIRE_THROWS_AS(r.create("leaky_soma", {}, "soma"), GraphError);
    REQUIRE_THROWS_WITH(Registry().at("leaky_soma"), "unknown component 'leaky_soma' (the registry is empty)");
}

TEST_CASE("a duplicate registration is an InternalError", "[core][registry]") {
    Registry r = make_registry();
    REQUIRE_THROWS_AS(r.add<GainStage>(), InternalError);
    REQUIRE_THROWS_WITH(r.add<GainStage>(), Catch::Contains("'gain_stage' (GainStage) is registered twice"));
    ComponentInfo same_class = r.entries()[0];
    same_class.name = "another_name";
    REQUIRE_THROWS_AS(r.add(same_class), InternalError);
    ComponentInfo same_normalised = r.entries()[0];
    same_normalised.name = "gain_stage_2";
    same_normalised.class_name = "gain_stage";  // normalises onto an existing name
    REQUIRE_THROWS_AS(r.add(same_normalised), InternalError);
    CHECK(r.entries().size() == 2);
}

TEST_CASE("Registry::create builds a validated component from overrides", "[core][registry]") {
    const Registry r = make_registry();
    auto c = r.create("GainStage", {{"gain", 3.0}}, "amp");
    CHECK(c->instance() == "amp");
    CHECK(c->type_name() == "gain_stage");
    CHECK(c->class_name() == "GainStage");
    CHECK(c->config_value() == Value(Value::Map{{"gain", 3.0}}));
    REQUIRE_THROWS_AS(r.create("gain_stage", {{"gain", -1.0}}, "amp"), ConfigError);
    REQUIRE_THROWS_WITH(r.create("gain_stage", {{"gain", -1.0}}, "amp"), "GainStage 'amp': gain = -1 must be > 0");
    REQUIRE_THROWS_WITH(r.create("gain_stage", {{"gane", 1.0}}, "amp"),
                        Catch::Contains("gane = 1 is not a parameter of GainStage (did you mean gain?)"));
    // The constructor validates a config built in C++ too.
    REQUIRE_THROWS_AS(GainStage(regtest::GainStageConfig{.gain = 0.0}, "direct"), ConfigError);
}

TEST_CASE("ComponentBase::materialize names the component, instance and element in errors", "[core][registry]") {
    const Registry r = make_registry();
    Rng rng(1);
    auto ok = r.create("gain_stage", {{"gain", Value::List{1.0, 2.0, 3.0}}}, "amp");
    const BuildResult result = build(*ok, {PortSpec(PayloadKind::floating, {3})}, rng);
    REQUIRE(result.outputs.size() == 1);
    CHECK(result.outputs[0] == PortSpec(PayloadKind::floating, {3}));

    auto drawn = r.create("gain_stage", {{"gain", Value::Map{{"initializer", "uniform"}, {"scale", -2.0}}}}, "amp");
    REQUIRE_THROWS_MATCHES(build(*drawn, {PortSpec(PayloadKind::floating, {4})}, rng), ConfigError,
                           ConfigErrorFields("GainStage", "amp", "gain[0]", std::nullopt));
    REQUIRE_THROWS_WITH(build(*drawn, {PortSpec(PayloadKind::floating, {4})}, rng),
                        Catch::StartsWith("GainStage 'amp': gain[0] = -") &&
                            Catch::EndsWith("must be > 0 (drawn by uniform_initializer)"));

    auto wrong_length = r.create("gain_stage", {{"gain", Value::List{1.0, 2.0}}}, "amp");
    REQUIRE_THROWS_WITH(build(*wrong_length, {PortSpec(PayloadKind::floating, {3})}, rng),
                        "GainStage 'amp': gain = [1, 2] has 2 values; expected 1 or 3 (one per element of shape [3])");
}

TEST_CASE("throw_input_mismatch names the node, the port, the expected and the actual spec", "[core][registry]") {
    const Registry r = make_registry();
    Rng rng(1);
    auto c = r.create("gain_stage", {}, "pool.amp");
    const std::vector<std::optional<PortSpec>> inputs{PortSpec(PayloadKind::current, {5})};
    REQUIRE_THROWS_AS(build(*c, inputs, rng), ShapeError);
    REQUIRE_THROWS_WITH(build(*c, inputs, rng),
                        "node 'pool.amp' port 'in': expected FloatArray[n]:f32, got CurrentArray[5]:f32 (GainStage)");
    CHECK_THROWS_MATCHES(build(*c, inputs, rng), ShapeError,
                         Catch::Predicate<ShapeError>([](const ShapeError& e) {
                             return e.node() == "pool.amp" && e.port() == "in" && e.expected() == "FloatArray[n]:f32" &&
                                    e.actual() == "CurrentArray[5]:f32" && e.detail() == "GainStage";
                         }, "carries node, port, expected, actual and class"));
}

TEST_CASE("Component helpers: find_port and the default property access", "[core][registry]") {
    CHECK(Component::find_port(GainStage::output_ports, "out") == std::optional<std::size_t>(0));
    CHECK_FALSE(Component::find_port(GainStage::output_ports, "in").has_value());
    GainStage c(regtest::GainStageConfig{}, "amp");
    CHECK_FALSE(c.built());
    c.mark_built();
    CHECK(c.built());
    REQUIRE_THROWS_AS(c.property(0), InternalError);
    REQUIRE_THROWS_WITH(c.property(0), "GainStage 'amp' does not expose property #0");
}
