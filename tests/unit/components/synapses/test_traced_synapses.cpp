#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

#include <spark/components/synapses/rd_traced_synapses.hpp>
#include <spark/components/synapses/rfs_traced_synapses.hpp>
#include <spark/components/synapses/traced_synapses.hpp>
#include <spark/core/tracer.hpp>

#include "synapse_test_util.hpp"

using namespace spark;
using namespace spark::components::synapses;
using namespace spark::testing;

namespace {
const std::vector<float> kOne{1.0f}, kZero{0.0f};

// One synapse of weight `weight`, one spike (signed by `code`) at step 0, then silence.
std::vector<float> impulse_response(std::string_view type, Overrides extra, double weight, std::uint8_t code,
                                    int steps, double dt = 1.0) {
    Overrides o{{"units", ints({1})}, {"kernel", weight}};
    o.insert(o.end(), extra.begin(), extra.end());
    auto h = synapses(type, o, sync_spikes(1), dt);
    std::vector<float> out;
    for (int t = 0; t < steps; ++t) {
        h.input_u8(0)[0] = t == 0 ? code : 0;
        h.step();
        out.push_back(h.output_f32(0)[0]);
    }
    return out;
}
std::vector<float> inputs_of(float weight, int steps) {
    std::vector<float> x(static_cast<std::size_t>(steps), 0.0f);
    x[0] = weight;
    return x;
}
}  // namespace

TEST_CASE("TracedSynapses: one spike gives K e^{-n dt/tau}, exactly spark::Tracer on K s", "[synapses][validation]") {
    const auto mode = GENERATE(as<std::string>{}, "per_target", "per_synapse");
    const double dt = GENERATE(1.0, 0.5);
    INFO(mode << ", dt = " << dt);
    const auto excitatory = impulse_response("traced_synapses", {{"trace_mode", mode}}, 2.0, spike::bit, 30, dt);
    const auto inhibitory =
        impulse_response("traced_synapses", {{"trace_mode", mode}}, 2.0, spike::bit | spike::inhibitory, 30, dt);
    const std::vector<float> tau{5.0f};
    Tracer reference(1, tau, kOne, kZero, dt);
    const auto x = inputs_of(2.0f, 30);
    for (std::size_t n = 0; n < 30; ++n) {
        reference.step(std::span<const float>(&x[n], 1));
        REQUIRE(excitatory[n] == reference.trace()[0]);
        REQUIRE(inhibitory[n] == -reference.trace()[0]);
        REQUIRE(excitatory[n] == Approx(2.0 * std::exp(-double(n) * dt / 5.0)).epsilon(1e-5));
    }
}

TEST_CASE("TracedSynapses serve their per-target traces as their currents, per-synapse traces are summed into a buffer",
          "[synapses]") {
    auto per_target = synapses("traced_synapses", {{"units", ints({3})}, {"trace_mode", "per_target"}}, sync_spikes(4));
    const ArrayRef served = per_target.component().output_storage(0);
    CHECK(served.data == per_target.as<TracedSynapses>().traces().data());
    CHECK(served.size == 3);
    auto per_synapse =
        synapses("traced_synapses", {{"units", ints({3})}, {"trace_mode", "per_synapse"}}, sync_spikes(4));
    CHECK(per_synapse.component().output_storage(0).empty());
}

TEST_CASE("TracedSynapses per-target trace of several synapses: n_pre base + scale K s", "[synapses]") {
    // units [1], three synapses K = (1, 2, 4), base 0.25, scale 2: at rest the current is 3 x 0.25;
    // spikes of pre 0 and pre 2 at step 1 add 2 (1 + 4) = 10, which decays with tau = 5 ms.
    const auto mode = GENERATE(as<std::string>{}, "per_target", "per_synapse");
    INFO(mode);
    auto h = synapses("traced_synapses",
                      {{"units", ints({1})}, {"kernel", list({1.0, 2.0, 4.0})}, {"base", 0.25},
                       {"scale", 2.0}, {"trace_mode", mode}},
                      sync_spikes(3));
    h.step();
    CHECK(h.output_f32(0)[0] == Approx(0.75).epsilon(1e-6));
    h.input_u8(0)[0] = h.input_u8(0)[2] = spike::bit;
    h.step();
    h.input_u8(0)[0] = h.input_u8(0)[2] = 0;
    CHECK(h.output_f32(0)[0] == Approx(10.75).epsilon(1e-6));
    for (int n = 1; n <= 20; ++n) {
        h.step();
        REQUIRE(h.output_f32(0)[0] == Approx(0.75 + 10.0 * std::exp(-n / 5.0)).epsilon(1e-5));
    }
    h.component().reset();
    h.step();
    CHECK(h.output_f32(0)[0] == Approx(0.75).epsilon(1e-6));
}

TEST_CASE("RDTracedSynapses: one spike gives K (e^{-n/5} - e^{-6n/5}) (spec section 14)", "[synapses][validation]") {
    const auto mode = GENERATE(as<std::string>{}, "per_target", "per_synapse");
    INFO(mode);
    const auto response = impulse_response("rd_traced_synapses", {{"trace_mode", mode}}, 1.5, spike::bit, 40);
    const std::vector<float> rise{1.0f}, decay{5.0f};
    RDTracer reference(1, rise, decay, kOne, kOne, kZero, kZero, 1.0);
    const auto x = inputs_of(1.5f, 40);
    for (std::size_t n = 0; n < 40; ++n) {
        reference.step(std::span<const float>(&x[n], 1));
        REQUIRE(response[n] == reference.output()[0]);
        const double closed = 1.5 * (std::exp(-double(n) / 5.0) - std::exp(-6.0 * double(n) / 5.0));
        REQUIRE(response[n] == Approx(closed).margin(1e-6));
    }
    CHECK(response[0] == 0.0f);
}

TEST_CASE("RDTracedSynapses rests at n_pre (base_decay - base_rise)", "[synapses]") {
    const auto mode = GENERATE(as<std::string>{}, "per_target", "per_synapse");
    auto h = synapses("rd_traced_synapses",
                      {{"units", ints({2})}, {"kernel", 1.0}, {"base_rise", 0.5},
                       {"base_decay", 2.0}, {"trace_mode", mode}},
                      sync_spikes(4));
    for (int t = 0; t < 3; ++t) h.step();
    CHECK(h.output_f32(0)[0] == Approx(6.0).epsilon(1e-6));
    CHECK(h.output_f32(0)[1] == Approx(6.0).epsilon(1e-6));
}

TEST_CASE("RFSTracedSynapses: one spike gives K (alpha fast + (1 - alpha) slow)", "[synapses][validation]") {
    const auto mode = GENERATE(as<std::string>{}, "per_target", "per_synapse");
    INFO(mode);
    const auto response = impulse_response("rfs_traced_synapses", {{"trace_mode", mode}}, 2.0,
                                           spike::bit | spike::inhibitory, 60);
    const std::vector<float> alpha{0.8f}, rise{1.0f}, fast{5.0f}, slow{50.0f};
    RFSTracer reference(1, alpha, rise, fast, slow, 1.0);
    const auto x = inputs_of(-2.0f, 60);
    for (std::size_t n = 0; n < 60; ++n) {
        reference.step(std::span<const float>(&x[n], 1));
        REQUIRE(response[n] == reference.output()[0]);
        const double t = double(n);
        const double closed = -2.0 * (0.8 * (std::exp(-t / 5.0) - std::exp(-t * 6.0 / 5.0)) +
                                      0.2 * (std::exp(-t / 50.0) - std::exp(-t * 51.0 / 50.0)));
        REQUIRE(response[n] == Approx(closed).margin(1e-6));
    }
}

TEST_CASE("TracedSynapses keeps the charge in its traces when the kernel changes", "[synapses]") {
    auto h = synapses("traced_synapses", {{"units", ints({1})}, {"kernel", 1.0}}, sync_spikes(1), 1.0,
                      0, {true});
    h.input_u8(0)[0] = spike::bit;
    h.step();
    h.input_u8(0)[0] = 0;
    const std::vector<float> bigger{10.0f};
    h.component().set_property(0, ConstArrayRef(bigger.data(), 1));
    h.step();
    CHECK(h.output_f32(0)[0] == Approx(std::exp(-1.0 / 5.0)).epsilon(1e-6));
    h.input_u8(0)[0] = spike::bit;
    h.step();
    CHECK(h.output_f32(0)[0] == Approx(std::exp(-2.0 / 5.0) + 10.0).epsilon(1e-6));
}

namespace {
// Runs the per-target fast path and the per-synapse reference of one model side by side on a random
// network for `steps` steps and returns the largest |difference| relative to 1 + max |current|.
double per_target_vs_per_synapse(std::string_view type, Overrides extra, int steps) {
    constexpr std::size_t P = 60, N = 120;
    Overrides o{{"units", ints({int(P)})}, {"kernel.scale", 2.0}};
    o.insert(o.end(), extra.begin(), extra.end());
    Overrides fast = o, reference = o;
    fast.push_back({"trace_mode", "per_target"});
    reference.push_back({"trace_mode", "per_synapse"});
    auto a = synapses(type, fast, sync_spikes(N), 1.0, 11);
    // The reference gets the fast path's kernel as a value (the fast path may have drawn it straight
    // into the sparse layout, which draws differently from the dense initializer).
    const auto kernel = a.component().property(0).f32();
    reference.push_back({"kernel", list(std::vector<double>(kernel.begin(), kernel.end()))});
    auto b = synapses(type, reference, sync_spikes(N), 1.0, 11);
    SpikeSource source(N, 0.1, 17);
    RelativeDifference difference;
    for (int t = 0; t < steps; ++t) {
        source.fill(a.input_u8(0));
        std::copy(a.input_u8(0).begin(), a.input_u8(0).end(), b.input_u8(0).begin());
        a.step();
        b.step();
        difference.add(a.output_f32(0), b.output_f32(0));
    }
    REQUIRE(difference.largest() > 1.0);  // the network is not silent
    return difference.relative();
}
}  // namespace

TEST_CASE("Per-target traces match the per-synapse reference on random networks for 1000 steps", "[synapses]") {
    // Tolerance: float32 sums of ~120 terms, accumulated by traces with gain up to 1/(1 - e^{-1/50}):
    // the difference stays below 2e-5 of the current's scale (observed: ~1e-6).
    constexpr double tolerance = 2e-5;
    CHECK(per_target_vs_per_synapse("traced_synapses", {}, 1000) < tolerance);
    CHECK(per_target_vs_per_synapse("traced_synapses", {{"base", 0.1}, {"scale", 0.5}, {"tau", 20.0}}, 1000) < tolerance);
    CHECK(per_target_vs_per_synapse("rd_traced_synapses", {}, 1000) < tolerance);
    CHECK(per_target_vs_per_synapse("rd_traced_synapses", {{"base_decay", 0.05}, {"scale_rise", 0.5}}, 1000) < tolerance);
    CHECK(per_target_vs_per_synapse("rfs_traced_synapses", {}, 1000) < tolerance);
    CHECK(per_target_vs_per_synapse("rfs_traced_synapses", {{"layout", "dense"}, {"alpha", 0.3}}, 1000) < tolerance);
}

TEST_CASE("trace_mode auto keeps per-target traces unless a time constant varies along pre", "[synapses][config]") {
    // units [2], 3 inputs: tau per synapse, rows constant (per target) or not.
    const Overrides base{{"units", ints({2})}, {"kernel", 1.0}};
    auto with_tau = [&](std::vector<double> tau, std::string mode = "auto") {
        Overrides o = base;
        o.push_back({"tau", list(tau)});
        o.push_back({"trace_mode", mode});
        return synapses("traced_synapses", o, sync_spikes(3));
    };
    auto rows = with_tau({5, 5, 5, 10, 10, 10});
    CHECK_FALSE(rows.as<TracedSynapses>().per_synapse_traces());
    CHECK(rows.as<TracedSynapses>().traces().size() == 2);
    CHECK(rows.as<TracedSynapses>().layout() == Layout::dense);  // the kernel 1.0 is all nonzero
    auto varying = with_tau({5, 6, 5, 10, 10, 10});
    CHECK(varying.as<TracedSynapses>().per_synapse_traces());
    CHECK(varying.as<TracedSynapses>().traces().size() == 6);
    // one spike of pre 0 per target: the target's own time constant
    rows.input_u8(0)[0] = spike::bit;
    rows.step();
    rows.input_u8(0)[0] = 0;
    rows.step();
    CHECK(rows.output_f32(0)[0] == Approx(std::exp(-1.0 / 5.0)).epsilon(1e-6));
    CHECK(rows.output_f32(0)[1] == Approx(std::exp(-1.0 / 10.0)).epsilon(1e-6));
    REQUIRE_THROWS_AS(with_tau({5, 6, 5, 10, 10, 10}, "per_target"), ConfigError);
    REQUIRE_THROWS_WITH(with_tau({5, 6, 5, 10, 10, 10}, "per_target"),
                        Catch::Contains("trace_mode = \"per_target\" needs 'tau' constant along the presynaptic axes"));
    auto rd = [&](std::vector<double> decay) {
        Overrides o = base;
        o.push_back({"tau_decay", list(decay)});
        o.push_back({"trace_mode", "per_target"});
        return synapses("rd_traced_synapses", o, sync_spikes(3));
    };
    REQUIRE_THROWS_WITH(rd({5, 5, 5, 5, 5, 6}), Catch::Contains("needs 'tau_decay' constant"));
}

TEST_CASE("Traced synapse configs are validated", "[synapses][config]") {
    const auto& registry = components::builtin_registry();
    const Value units = ints({3});
    REQUIRE_THROWS_AS(registry.create("traced_synapses", {{"units", units}, {"tau", 0.0}}, "s"), ConfigError);
    REQUIRE_THROWS_WITH(registry.create("traced_synapses", {{"units", units}, {"tau", 0.0}}, "s"),
                        Catch::Contains("TracedSynapses 's': tau = 0 ms must be > 0"));
    REQUIRE_THROWS_WITH(registry.create("traced_synapses", {{"units", units}, {"trace_mode", "lazy"}}, "s"),
                        Catch::Contains("trace_mode = \"lazy\" must be one of \"auto\", \"per_target\", \"per_synapse\""));
    REQUIRE_THROWS_WITH(registry.create("rfs_traced_synapses", {{"units", units}, {"alpha", 1.5}}, "s"),
                        Catch::Contains("alpha = 1.5 must be in [0, 1]"));
    REQUIRE_THROWS_WITH(
        registry.create("rd_traced_synapses", {{"units", units}, {"trace_mode", "per_synapse"}, {"layout", "sparse"}}, "s"),
        Catch::Contains("layout = \"sparse\" cannot hold per-synapse traces"));
    // a drawn time constant is checked too
    REQUIRE_THROWS_WITH(synapses("traced_synapses",
                                 {{"units", units},
                                  {"tau", Value::Map{{"initializer", "uniform_initializer"}, {"scale", -1.0}}}},
                                 sync_spikes(2)),
                        Catch::Contains("tau") && Catch::Contains("must be > 0"));
}

namespace {
// A dense traced group of `post` targets from `pre` inputs, built as process `rank` of `processes` builds
// it in a split run (BuildContext::processes).
std::unique_ptr<Component> dense_group_on(std::size_t rank, std::size_t processes, std::size_t pre, std::size_t post) {
    auto group = components::builtin_registry().create(
        "traced_synapses",
        {{"units", Value::List{double(post)}}, {"tau", 2.0}, {"layout", "dense"},
         {"kernel", Value::Map{{"initializer", "normal_initializer"}, {"mean", 1.0}, {"stddev", 0.5}}}},
        "syn");
    Rng rng = Rng::for_node(4, "syn");
    std::vector<std::optional<PortSpec>> specs{sync_spikes(pre)};
    BuildContext ctx;
    ctx.inputs = specs;
    ctx.dt = 1.0;
    ctx.rng = &rng;
    ctx.node = "syn";
    ctx.process_rank = rank;
    ctx.processes = processes;
    group->build(ctx);
    group->mark_built();
    return group;
}

std::vector<float> kernel_of(Component& group) {
    const auto k = group.property(0).f32();
    return {k.begin(), k.end()};
}

// One step of `group` on the units `share`, with input spikes from every fifth unit.
void step_on(Component& group, std::size_t pre, std::size_t post, UnitShare share) {
    std::vector<std::uint8_t> codes(pre, 0);
    for (std::size_t j = 0; j < pre; j += 5) codes[j] = spike::bit;
    std::vector<float> currents(post, 0.0f);
    std::vector<ConstArrayRef> inputs{ConstArrayRef(codes.data(), codes.size())};
    std::vector<ArrayRef> outputs{ArrayRef(currents.data(), currents.size())};
    StepContext ctx{inputs, outputs, &serial_parallel(), 0};
    ctx.share = share;
    group.step(ctx);
}
}  // namespace

TEST_CASE("a dense group that may split draws its block's kernel rows only, and every row when it steps whole",
          "[synapses][traced]") {
    const std::size_t pre = 300, post = 1000;
    const std::vector<float> whole = kernel_of(*dense_group_on(0, 1, pre, post));
    const UnitShare block = unit_block_share(post, 1, 3);
    REQUIRE(block.begin > 0);
    REQUIRE(block.end < post);
    auto on_block = dense_group_on(1, 3, pre, post);
    const auto drawn = kernel_of(*on_block);
    auto same_rows = [&](const std::vector<float>& k, std::size_t first, std::size_t last) {
        return std::memcmp(k.data() + first * pre, whole.data() + first * pre, (last - first) * pre * sizeof(float)) == 0;
    };
    REQUIRE(same_rows(drawn, block.begin, block.end));
    REQUIRE(std::all_of(drawn.begin(), drawn.begin() + static_cast<std::ptrdiff_t>(block.begin * pre),
                        [](float w) { return w == 0.0f; }));
    REQUIRE(std::all_of(drawn.begin() + static_cast<std::ptrdiff_t>(block.end * pre), drawn.end(),
                        [](float w) { return w == 0.0f; }));
    step_on(*on_block, pre, post, block);  // its own rows: nothing more is drawn
    REQUIRE(kernel_of(*on_block) == drawn);
    // Stepped whole after all (the run keeps the group whole): every row, as one process draws them.
    auto stepped_whole = dense_group_on(1, 3, pre, post);
    step_on(*stepped_whole, pre, post, UnitShare{});
    REQUIRE(same_rows(kernel_of(*stepped_whole), 0, post));
}
