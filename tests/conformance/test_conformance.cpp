// Generic checks instantiated for every registered component (style section 8.9).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <map>

#include "cases.hpp"
#include "harness.hpp"

using namespace spark;
using namespace spark::testing;

namespace {

// Copies every state array out of (or back into) a component.
class StateCopy final : public StateVisitor {
public:
    enum class Mode { save, load } mode = Mode::save;
    std::map<std::string, std::vector<std::byte>> arrays;
    std::map<std::string, DType> dtypes;

    void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
        const std::size_t bytes = count * size_of(dtype);
        auto& stored = arrays[std::string(name)];
        if (mode == Mode::save) {
            stored.assign(static_cast<std::byte*>(data), static_cast<std::byte*>(data) + bytes);
            dtypes[std::string(name)] = dtype;
        } else {
            REQUIRE(stored.size() == bytes);
            std::memcpy(data, stored.data(), bytes);
        }
    }
};

StateCopy save_state(Component& c) {
    StateCopy copy;
    c.visit_state(copy);
    return copy;
}

// Fills every input with a deterministic pattern (spikes on about a third of the elements).
void drive(Harness& h, const ConformanceCase& k, int t) {
    for (std::size_t i = 0; i < k.inputs.size(); ++i) {
        if (!k.inputs[i]) continue;
        const auto& spec = *k.inputs[i];
        for (std::size_t e = 0; e < spec.size(); ++e) {
            const bool on = (e * 7 + static_cast<std::size_t>(t) * 3) % 3 == 0;
            switch (spec.dtype) {
                case DType::f32: h.input_f32(i)[e] = on ? 0.5f + 0.1f * static_cast<float>(e % 5) : 0.1f; break;
                case DType::u8:
                    h.input_u8(i)[e] = spec.kind == PayloadKind::boolean_mask ? std::uint8_t(e % 2)
                                                                              : std::uint8_t(on ? spike::bit : 0);
                    break;
                case DType::i32: h.input_i32(i)[e] = on ? 1 : 0; break;
                default: break;
            }
        }
    }
}

bool all_finite(const StateCopy& s) {
    for (const auto& [name, bytes] : s.arrays) {
        if (s.dtypes.at(name) != DType::f32) continue;
        const auto* f = reinterpret_cast<const float*>(bytes.data());
        for (std::size_t i = 0; i < bytes.size() / 4; ++i)
            if (!std::isfinite(f[i])) return false;
    }
    return true;
}

bool same_except_rng(const StateCopy& a, const StateCopy& b) {
    for (const auto& [name, bytes] : a.arrays)
        if (a.dtypes.at(name) != DType::u64 && b.arrays.at(name) != bytes) return false;
    return true;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("component conformance", "[conformance]", components::BuiltinComponents) {
    const ConformanceCase k = spark::testing::conformance_case<TestType>();
    const Registry& registry = components::builtin_registry();
    const std::string name(TestType::identity.name);
    INFO("component " << name);

    SECTION("the registry lists it with a parameter row for every config field") {
        const ComponentInfo& info = registry.at(name);
        CHECK(info.class_name == TestType::identity.class_name);
        CHECK(info.fields.size() == field_names<typename TestType::Config>().size());
        for (const auto& f : info.fields) CHECK_FALSE(f.description.empty());
    }

    SECTION("every member of its config is a declared parameter") {
        CHECK(declares_every_member<typename TestType::Config>());
    }

    SECTION("every default that is a number lies inside its bound") {
        for (const auto& f : registry.at(name).fields) {
            if (f.required) continue;
            INFO("parameter " << f.name << " = " << f.default_value.to_string());
            if (f.default_value.is_number()) CHECK(satisfies(f.bound, f.default_value.as_number()));
            if (f.default_value.is_list())
                for (const auto& v : f.default_value.as_list())
                    if (v.is_number()) CHECK(satisfies(f.bound, v.as_number()));
        }
    }

    SECTION("build with the declared specs returns the declared outputs") {
        Harness h(registry, name, k.overrides, k.inputs);
        const auto& result = h.result();
        REQUIRE(result.outputs.size() == TestType::output_ports.size());
        REQUIRE(result.properties.size() == TestType::property_ports.size());
        const std::span<const PortDecl> outputs = TestType::output_ports;
        const std::span<const PortDecl> properties = TestType::property_ports;
        for (std::size_t i = 0; i < result.outputs.size(); ++i)
            if (outputs[i].kind != any_payload) CHECK(result.outputs[i].kind == outputs[i].kind);
        for (std::size_t i = 0; i < result.properties.size(); ++i) {
            if (properties[i].kind != any_payload) CHECK(result.properties[i].kind == properties[i].kind);
            CHECK(h.component().property(i).size == result.properties[i].size());
        }
        if (auto contract = h.component().contract()) {
            REQUIRE(contract->outputs.size() == result.outputs.size());
            for (std::size_t i = 0; i < result.outputs.size(); ++i) CHECK(contract->outputs[i] == result.outputs[i]);
        }
    }

    SECTION("a wrong shape is refused naming the port") {
        if (TestType::input_ports.empty()) {
            // Nothing to refuse: a component without inputs declares no bad case.
            CHECK(k.bad_port.empty());
            return;
        }
        REQUIRE_THROWS_AS(Harness(registry, name, k.overrides, k.bad_inputs), ShapeError);
        REQUIRE_THROWS_WITH(Harness(registry, name, k.overrides, k.bad_inputs), Catch::Contains(k.bad_port));
    }

    SECTION("zero input keeps the state finite") {
        Harness h(registry, name, k.overrides, k.inputs);
        for (int t = 0; t < 50; ++t) h.step();
        CHECK(all_finite(save_state(h.component())));
    }

    SECTION("reset returns to the initial state") {
        Harness h(registry, name, k.overrides, k.inputs);
        const StateCopy initial = save_state(h.component());
        for (int t = 0; t < 30; ++t) {
            drive(h, k, t);
            h.step();
        }
        h.component().reset();
        CHECK(same_except_rng(initial, save_state(h.component())));
    }

    SECTION("the state visitor round-trips exactly") {
        Harness a(registry, name, k.overrides, k.inputs);
        Harness b(registry, name, k.overrides, k.inputs);
        for (int t = 0; t < 20; ++t) {
            drive(a, k, t);
            a.step();
        }
        StateCopy saved = save_state(a.component());
        saved.mode = StateCopy::Mode::load;
        b.component().visit_state(saved);
        CHECK(save_state(b.component()).arrays == save_state(a.component()).arrays);
        for (int t = 20; t < 40; ++t) {
            drive(a, k, t);
            drive(b, k, t);
            a.step();
            b.step();
            for (std::size_t o = 0; o < a.result().outputs.size(); ++o) {
                const auto bytes = a.output_bytes(o);
                REQUIRE(bytes.size() == a.result().outputs[o].bytes());
                REQUIRE(std::memcmp(bytes.data(), b.output_bytes(o).data(), bytes.size()) == 0);
            }
        }
    }
}
