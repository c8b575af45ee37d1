#include <catch2/catch.hpp>

#include <spark/components/synapses/linear_synapses.hpp>

#include "synapse_test_util.hpp"

using namespace spark;
using namespace spark::components::synapses;
using namespace spark::testing;

namespace {
// kernel [2 x 3], post dims first
const std::vector<double> kKernel{1.0, 2.0, 4.0, 0.5, 0.25, 8.0};
Harness linear(Overrides extra, PortSpec input, std::vector<bool> read = {}) {
    Overrides o{{"units", ints({2})}, {"kernel", list(kKernel)}};
    o.insert(o.end(), extra.begin(), extra.end());
    return synapses("linear_synapses", o, std::move(input), 1.0, 0, std::move(read));
}
}  // namespace

TEST_CASE("LinearSynapses sums the signed presynaptic spikes: I = K s", "[synapses]") {
    const auto layout = GENERATE(as<std::string>{}, "dense", "sparse");
    auto h = linear({{"layout", layout}}, sync_spikes(3));
    // pre 0 excitatory spike, pre 1 silent inhibitory (code 2: contributes nothing), pre 2 inhibitory spike
    h.input_u8(0)[0] = spike::bit;
    h.input_u8(0)[1] = spike::inhibitory;
    h.input_u8(0)[2] = spike::bit | spike::inhibitory;
    h.step();
    CHECK(h.output_f32(0)[0] == 1.0f - 4.0f);
    CHECK(h.output_f32(0)[1] == 0.5f - 8.0f);
    // no memory: silence gives zero current
    std::fill(h.input_u8(0).begin(), h.input_u8(0).end(), 0);
    h.step();
    CHECK(h.output_f32(0)[0] == 0.0f);
    CHECK(h.output_f32(0)[1] == 0.0f);
}

TEST_CASE("LinearSynapses with per-synapse input uses s(post, pre)", "[synapses]") {
    const auto layout = GENERATE(as<std::string>{}, "dense", "sparse");
    auto h = linear({{"layout", layout}}, per_synapse_spikes({2, 3}));
    CHECK(h.result().properties[0] == PortSpec(PayloadKind::floating, {2, 3}));
    const std::uint8_t codes[6] = {spike::bit, 0, spike::bit | spike::inhibitory, 0, spike::bit, 0};
    std::copy(codes, codes + 6, h.input_u8(0).begin());
    h.step();
    CHECK(h.output_f32(0)[0] == 1.0f - 4.0f);
    CHECK(h.output_f32(0)[1] == 0.25f);
}

TEST_CASE("LinearSynapses with multi-dimensional units and inputs keeps post dims first", "[synapses]") {
    // units [2, 2], input [1, 3]: kernel [2, 2, 1, 3]; target (a, b) gets (a * 2 + b + 1) * (j + 1)
    std::vector<double> kernel;
    for (int p = 0; p < 4; ++p)
        for (int j = 0; j < 3; ++j) kernel.push_back((p + 1) * (j + 1));
    auto h = synapses("linear_synapses", {{"units", ints({2, 2})}, {"kernel", list(kernel)}},
                      PortSpec(PayloadKind::spikes, {1, 3}));
    CHECK(h.result().outputs[0] == PortSpec(PayloadKind::current, {2, 2}));
    CHECK(h.result().properties[0] == PortSpec(PayloadKind::floating, {2, 2, 1, 3}));
    h.input_u8(0)[1] = spike::bit;  // j = 1
    h.input_u8(0)[2] = spike::bit;  // j = 2
    h.step();
    for (int p = 0; p < 4; ++p) CHECK(h.output_f32(0)[static_cast<std::size_t>(p)] == float((p + 1) * (2 + 3)));
}

TEST_CASE("LinearSynapses: sparse, dense and the literal sum agree bit for bit on a random network", "[synapses]") {
    // 1000 steps, 20 % inhibitory units, kernel drawn by the default sparse initializer (density 0.2)
    // straight into the sparse layout; the dense layout gets the same kernel as a value.
    constexpr std::size_t P = 70, N = 150;
    auto sparse = synapses("linear_synapses", {{"units", ints({int(P)})}, {"kernel.scale", 3.0}, {"layout", "sparse"}},
                           sync_spikes(N), 1.0, 42);
    const auto copy = sparse.component().property(0).f32();
    const std::vector<float> kernel(copy.begin(), copy.end());
    auto dense = synapses("linear_synapses",
                          {{"units", ints({int(P)})}, {"kernel", list(std::vector<double>(kernel.begin(), kernel.end()))},
                           {"layout", "dense"}},
                          sync_spikes(N), 1.0, 42);
    REQUIRE(dense.as<LinearSynapses>().layout() == Layout::dense);
    REQUIRE(sparse.as<LinearSynapses>().layout() == Layout::sparse);
    REQUIRE(std::count(kernel.begin(), kernel.end(), 0.0f) > static_cast<long>(P * N / 2));  // really sparse
    SpikeSource source(N, 0.1, 5);
    for (int t = 0; t < 1000; ++t) {
        source.fill(dense.input_u8(0));
        std::copy(dense.input_u8(0).begin(), dense.input_u8(0).end(), sparse.input_u8(0).begin());
        dense.step();
        sparse.step();
        for (std::size_t p = 0; p < P; ++p) {
            float literal = 0.0f;
            for (std::size_t j = 0; j < N; ++j) literal += kernel[p * N + j] * spike::signed_value(dense.input_u8(0)[j]);
            REQUIRE(dense.output_f32(0)[p] == literal);
            REQUIRE(sparse.output_f32(0)[p] == literal);
        }
    }
}

TEST_CASE("LinearSynapses layout auto: sparse for few nonzeros and an unread kernel, dense otherwise", "[synapses]") {
    const Overrides units{{"units", ints({40})}};
    auto layout_of = [&](Overrides extra, std::vector<bool> read = {}) {
        Overrides o = units;
        o.insert(o.end(), extra.begin(), extra.end());
        return synapses("linear_synapses", o, sync_spikes(50), 1.0, 0, read).as<LinearSynapses>().layout();
    };
    CHECK(layout_of({}) == Layout::sparse);                           // density 0.2
    CHECK(layout_of({}, {true}) == Layout::dense);                    // a plasticity rule reads the kernel
    CHECK(layout_of({{"kernel.density", 0.9}}) == Layout::dense);     // mostly nonzero
    CHECK(layout_of({{"layout", "dense"}}) == Layout::dense);
    CHECK(layout_of({{"kernel.density", 0.9}, {"layout", "sparse"}}) == Layout::sparse);
    REQUIRE_THROWS_AS(layout_of({{"layout", "sparse"}}, {true}), ConfigError);
    REQUIRE_THROWS_WITH(layout_of({{"layout", "sparse"}}, {true}),
                        Catch::Contains("layout = \"sparse\" cannot serve the kernel property"));
}

TEST_CASE("LinearSynapses kernel property: set_property takes effect on the next step and round-trips", "[synapses]") {
    SECTION("dense: the property is the live kernel") {
        auto h = linear({}, sync_spikes(3), {true});
        const std::vector<float> next{10, 20, 30, 40, 50, 60};
        h.component().set_property(0, ConstArrayRef(next.data(), next.size()));
        const auto live = h.component().property(0).f32();
        CHECK(std::vector<float>(live.begin(), live.end()) == next);
        h.input_u8(0)[1] = spike::bit;
        h.step();
        CHECK(h.output_f32(0)[0] == 20.0f);
        CHECK(h.output_f32(0)[1] == 50.0f);
    }
    SECTION("sparse: a dense copy; weights change inside the nonzero pattern only") {
        auto h = linear({{"layout", "sparse"}, {"kernel", list({1.0, 0.0, 4.0, 0.0, 0.25, 0.0})}}, sync_spikes(3));
        const auto copy = h.component().property(0).f32();
        CHECK(std::vector<float>(copy.begin(), copy.end()) == std::vector<float>{1, 0, 4, 0, 0.25f, 0});
        const std::vector<float> next{3, 0, 0, 0, 7, 0};  // a zero inside the pattern is fine
        h.component().set_property(0, ConstArrayRef(next.data(), next.size()));
        const auto again = h.component().property(0).f32();
        CHECK(std::vector<float>(again.begin(), again.end()) == next);
        h.input_u8(0)[0] = h.input_u8(0)[1] = h.input_u8(0)[2] = spike::bit;
        h.step();
        CHECK(h.output_f32(0)[0] == 3.0f);
        CHECK(h.output_f32(0)[1] == 7.0f);
        const std::vector<float> rewired{3, 1, 0, 0, 7, 0};
        REQUIRE_THROWS_AS(h.component().set_property(0, ConstArrayRef(rewired.data(), rewired.size())), ConfigError);
        REQUIRE_THROWS_WITH(h.component().set_property(0, ConstArrayRef(rewired.data(), rewired.size())),
                            Catch::Contains("kernel[0, 1] = 1 is outside the nonzero pattern of the sparse layout"));
        h.step();  // unchanged by the refused write
        CHECK(h.output_f32(0)[0] == 3.0f);
    }
    SECTION("a kernel of the wrong size is refused") {
        auto h = linear({}, sync_spikes(3));
        const std::vector<float> wrong(5, 1.0f);
        REQUIRE_THROWS_AS(h.component().set_property(0, ConstArrayRef(wrong.data(), wrong.size())), ShapeError);
        REQUIRE_THROWS_WITH(h.component().set_property(0, ConstArrayRef(wrong.data(), wrong.size())),
                            Catch::Contains("kernel") && Catch::Contains("expected 6 elements, got 5 elements"));
    }
}

TEST_CASE("LinearSynapses draws its kernel with norm_axes = post axes", "[synapses]") {
    // With the normalised initializer each target's afferent weights sum to `scale`.
    auto h = synapses("linear_synapses",
                      {{"units", ints({3, 2})},
                       {"kernel", Value::Map{{"initializer", "normalized_sparse_uniform_initializer"},
                                             {"scale", 5.0}, {"density", 0.5}}}},
                      sync_spikes(40));
    const auto k = h.component().property(0).f32();
    for (std::size_t p = 0; p < 6; ++p) {
        double sum = 0.0;
        for (std::size_t j = 0; j < 40; ++j) sum += k[p * 40 + j];
        CHECK(sum == Approx(5.0).epsilon(1e-5));
    }
}

TEST_CASE("LinearSynapses contract reports the currents only", "[synapses]") {
    auto c = components::builtin_registry().create("linear_synapses", {{"units", ints({7})}}, "s");
    const auto contract = c->contract();
    REQUIRE(contract);
    REQUIRE(contract->outputs.size() == 1);
    CHECK(contract->outputs[0] == PortSpec(PayloadKind::current, {7}));
    CHECK(contract->properties.empty());
}

TEST_CASE("LinearSynapses refuses bad configs and inputs with clear messages", "[synapses][config]") {
    const auto& registry = components::builtin_registry();
    REQUIRE_THROWS_AS(registry.create("linear_synapses", {}, "s"), ConfigError);
    REQUIRE_THROWS_WITH(registry.create("linear_synapses", {}, "s"),
                        Catch::Contains("LinearSynapses 's': units must be given"));
    REQUIRE_THROWS_WITH(registry.create("linear_synapses", {{"units", 3}, {"layout", "csr"}}, "s"),
                        Catch::Contains("layout = \"csr\" must be one of \"auto\", \"dense\", \"sparse\""));
    REQUIRE_THROWS_WITH(registry.create("linear_synapses", {{"units", 3}, {"delays", 2}}, "s"),
                        Catch::Contains("delays = 2 is set but max_delay = 0 ms"));
    REQUIRE_THROWS_WITH(registry.create("linear_synapses", {{"units", 3}, {"max_delay", -1.0}}, "s"),
                        Catch::Contains("max_delay = -1 ms must be >= 0"));
    REQUIRE_THROWS_WITH(linear({{"kernel", list({1.0, 2.0, 3.0, 4.0, 5.0})}}, sync_spikes(3)),
                        Catch::Contains("kernel") && Catch::Contains("has 5 values; expected 1 or 6"));
    // per-synapse input whose leading dims are not the units
    REQUIRE_THROWS_AS(linear({}, per_synapse_spikes({3, 3})), ShapeError);
    REQUIRE_THROWS_WITH(linear({}, per_synapse_spikes({3, 3})),
                        Catch::Contains("port 'spikes'") && Catch::Contains("leading dims are units [2]"));
    REQUIRE_THROWS_WITH(linear({}, per_synapse_spikes({2})), Catch::Contains("port 'spikes'"));
    REQUIRE_THROWS_WITH(linear({}, PortSpec(PayloadKind::current, {3})),
                        Catch::Contains("port 'spikes'") && Catch::Contains("got CurrentArray[3]:f32"));
    // fused delays need synchronous spikes
    REQUIRE_THROWS_WITH(linear({{"max_delay", 2.0}}, per_synapse_spikes({2, 3})),
                        Catch::Contains("port 'spikes'") && Catch::Contains("already delayed"));
}
