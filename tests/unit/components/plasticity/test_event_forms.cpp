// The event forms of the plasticity rules (issue 21) against their dense reference forms
// (components::dense_reference()), bit for bit over long random runs: every rule, per-synapse (N2N
// delayed, with the delays on the spec or not) and synchronous pre spikes, modulation zero and non-zero,
// kernels set from outside to values the reference clips, and state written from outside (a snapshot
// load) in the middle of a run.
#include <catch2/catch.hpp>

#include <bit>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <string>

#include <spark/components/plasticity/hebbian_rule.hpp>
#include <spark/components/plasticity/quadruplet_rule.hpp>
#include <spark/components/plasticity/quadruplet_rule_tensor.hpp>
#include <spark/components/plasticity/three_factor_hebbian_rule.hpp>
#include <spark/components/reference_mode.hpp>

#include "rule_support.hpp"

using namespace spark;
using namespace spark::testing::plasticity;
using spark::testing::Harness;

namespace {
// Every state array of a component, by name, as raw bytes (a reading visit: the component may keep
// its per-unit traces).
struct StateBytes final : StateVisitor {
    StateBytes() : StateVisitor(StateAccess::read) {}
    std::map<std::string, std::vector<std::byte>> arrays;
    void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
        const auto* b = static_cast<const std::byte*>(data);
        arrays[std::string(name)] = std::vector<std::byte>(b, b + count * size_of(dtype));
    }
};

std::vector<std::uint32_t> bits_of(std::span<const float> v) {
    std::vector<std::uint32_t> b(v.size());
    std::memcpy(b.data(), v.data(), v.size() * 4);
    return b;
}

// Runs by a scripted input, in both forms.
struct Case {
    std::string rule;
    Overrides overrides;
    PortSpec pre, post;
    std::optional<PortSpec> factor;
    double pre_rate = 0.05, post_rate = 0.05;
    int steps = 1500;
    // > 0: per-synapse pre spikes are those of pre units delayed by 1..max_delay steps, and the pre spec
    // carries the delays (as N2N delays emit them): the rules keep x per pre unit.
    int max_delay = 0;
    int load_at = -1;  // >= 0: a writing visit at that step changes the pre trace in both forms
    bool per_unit = false;  // the event form is expected to keep x per pre unit (until a load)
};

// Whether a rule keeps its pre trace per presynaptic unit (false for the rules without that form).
bool per_unit_x(Harness& h) {
    using namespace components::plasticity;
    Component& c = h.component();
    if (auto* r = dynamic_cast<QuadrupletRuleTensor*>(&c)) return r->pre_trace_per_unit();
    if (auto* r = dynamic_cast<HebbianRule*>(&c)) return r->pre_trace_per_unit();
    if (auto* r = dynamic_cast<ThreeFactorHebbianRule*>(&c)) return r->pre_trace_per_unit();
    if (auto* r = dynamic_cast<QuadrupletRule*>(&c)) return r->pre_trace_per_unit();
    return false;
}

// Random delays in 1..B for a per-synapse pre spec, carried by the spec.
void add_delays(PortSpec& pre, int max_delay, std::uint32_t seed) {
    std::mt19937 gen(seed);
    std::uniform_int_distribution<std::int32_t> d(1, max_delay);
    auto delays = std::make_shared<std::vector<std::int32_t>>(pre.size());
    for (auto& v : *delays) v = d(gen);
    pre.delays = std::move(delays);
}

// A writing visitor that changes one element of every array named `name`.
struct Overwrite final : StateVisitor {
    std::string name;
    std::size_t index = 0;
    float value = 0.0f;
    void visit(std::string_view n, DType dtype, void* data, std::size_t count) override {
        if (n == name && dtype == DType::f32 && count > 0) static_cast<float*>(data)[index % count] = value;
    }
};

// State that may differ in layout between the forms: name -> a comparison of the two components.
using LayoutCheck = std::function<void(Harness& event, Harness& reference)>;

void compare_forms(const Case& c, std::uint32_t seed, const std::map<std::string, LayoutCheck>& layout_checks = {}) {
    Harness event = make_rule(c.rule, c.overrides, c.pre, c.post, c.factor);
    Harness reference = [&] {
        components::ScopedDenseReference mode(true);
        return make_rule(c.rule, c.overrides, c.pre, c.post, c.factor);
    }();
    std::mt19937 gen(seed);
    std::bernoulli_distribution pre_fires(c.pre_rate), post_fires(c.post_rate), nonzero(0.15);
    std::uniform_real_distribution<float> weight(0.0f, 30.0f), mod(-1.0f, 2.0f);
    std::uniform_int_distribution<int> pick(0, 1 << 30);
    // The kernel: 15 % nonzero, fed back from the rule's output after each step.
    auto k0 = event.input_f32(kernel);
    for (auto& k : k0) k = nonzero(gen) ? weight(gen) : 0.0f;
    std::copy(k0.begin(), k0.end(), reference.input_f32(kernel).begin());
    const std::vector<float> outside{-0.0f, -1.5f, 1e9f, std::numeric_limits<float>::quiet_NaN(),
                                     std::numeric_limits<float>::infinity(), 0.0f, 7.0f};
    const std::size_t n_pre_units = c.pre.size() / c.post.size();
    std::vector<std::vector<bool>> unit_spikes;  // delayed input: the pre units' spikes of every step
    for (int t = 0; t < c.steps; ++t) {
        auto pre_e = event.input_u8(pre), pre_r = reference.input_u8(pre);
        const std::vector<std::uint8_t>& mask = c.pre.mask;
        if (c.pre.delays) {
            unit_spikes.emplace_back(n_pre_units);
            for (std::size_t q = 0; q < n_pre_units; ++q) unit_spikes.back()[q] = pre_fires(gen);
            for (std::size_t i = 0; i < pre_e.size(); ++i) {
                const int from = t - (*c.pre.delays)[i];
                const bool fired = from >= 0 && unit_spikes[static_cast<std::size_t>(from)][i % n_pre_units];
                pre_e[i] = pre_r[i] = spike::encode(fired, !mask.empty() && mask[i] != 0);
            }
        } else {
            for (std::size_t i = 0; i < pre_e.size(); ++i)
                pre_e[i] = pre_r[i] = spike::encode(pre_fires(gen), !mask.empty() && mask[i] != 0);
        }
        auto post_e = event.input_u8(post), post_r = reference.input_u8(post);
        for (std::size_t i = 0; i < post_e.size(); ++i) post_e[i] = post_r[i] = spike::encode(post_fires(gen), false);
        if (c.factor) {
            // phases of zero modulation, of one value, and of random values
            const int phase = (t / 100) % 3;
            auto f_e = event.input_f32(factor), f_r = reference.input_f32(factor);
            for (std::size_t i = 0; i < f_e.size(); ++i) f_e[i] = f_r[i] = phase == 0 ? 0.0f : phase == 1 ? 0.5f : mod(gen);
        }
        if (t % 97 == 50) {  // a kernel set from outside, to values the reference would clip or keep
            auto k_e = event.input_f32(kernel), k_r = reference.input_f32(kernel);
            for (int n = 0; n < 3; ++n) {
                const std::size_t i = static_cast<std::size_t>(pick(gen)) % k_e.size();
                k_e[i] = k_r[i] = outside[static_cast<std::size_t>(pick(gen)) % outside.size()];
            }
        }
        if (t == c.load_at) {  // a snapshot load that changes x: the event form continues per synapse
            Overwrite w;
            w.name = "pre_trace";
            w.index = static_cast<std::size_t>(pick(gen));
            w.value = 0.375f;
            event.component().visit_state(w);
            reference.component().visit_state(w);
        }
        step_and_feed_back(event);
        step_and_feed_back(reference);
        INFO(c.rule << ", step " << t);
        REQUIRE(per_unit_x(event) == (c.per_unit && (c.load_at < 0 || t < c.load_at)));
        REQUIRE_FALSE(per_unit_x(reference));
        REQUIRE(bits_of(event.output_f32(0)) == bits_of(reference.output_f32(0)));
        if (t % 50 == 0 || t == c.steps - 1) {
            StateBytes se, sr;
            event.component().visit_state(se);
            reference.component().visit_state(sr);
            for (const auto& [name, bytes] : sr.arrays) {
                INFO("state " << name);
                if (layout_checks.count(name)) layout_checks.at(name)(event, reference);
                else REQUIRE(se.arrays.at(name) == bytes);
            }
        }
    }
}

Value four(double ee, double ei, double ie, double ii) { return Value::List{ee, ei, ie, ii}; }

// The Plasticity-Cards parameters of the CartPole tutorial (spec 5.6).
Overrides cards() {
    return {{"pre_tau", four(10.753, 15.152, 10.417, 76.923)}, {"post_tau", four(14.085, 27.027, 16.129, 12.821)},
            {"q_alpha", four(1.207, 1.037, -1.152, -1.336)},   {"q_beta", four(-1.298, -1.205, 1.639, 1.057)},
            {"q_gamma", four(0.398, 1.589, 1.79, -1.173)},     {"q_delta", four(-0.75, 0.408, -1.666, 1.557)},
            {"max_clip", four(50, 50, 100, 100)},              {"eta", 0.1}};
}

std::vector<std::uint8_t> random_mask(std::size_t n, double rate, std::uint32_t seed) {
    std::mt19937 gen(seed);
    std::bernoulli_distribution inh(rate);
    std::vector<std::uint8_t> m(n);
    for (auto& x : m) x = inh(gen);
    return m;
}

// The case with per-synapse pre spikes from pre units delayed by 1..max_delay steps (delays on the spec).
Case delayed(Case c, int max_delay, std::uint32_t seed, int load_at = -1) {
    c.max_delay = max_delay;
    add_delays(c.pre, max_delay, seed);
    c.per_unit = true;
    c.load_at = load_at;
    return c;
}

// The tensor rule's y: per synapse in the reference, per (post unit, pre type) in the event form.
const LayoutCheck tensor_post_trace = [](Harness& event, Harness& reference) {
    using components::plasticity::QuadrupletRuleTensor;
    const auto& e = event.as<QuadrupletRuleTensor>();
    const auto& r = reference.as<QuadrupletRuleTensor>();
    for (std::size_t i = 0; i < r.synapse_types().size(); ++i)
        REQUIRE(std::bit_cast<std::uint32_t>(e.post_trace_at(i)) == std::bit_cast<std::uint32_t>(r.post_trace_at(i)));
};
}  // namespace

TEST_CASE("QuadrupletRuleTensor event form equals the dense reference bit for bit, per-synapse pre spikes",
          "[plasticity][event_form]") {
    constexpr std::size_t P = 24, N = 40;
    const auto post_mask = random_mask(P, 0.25, 1);
    const auto unit_mask = random_mask(N, 0.3, 2);
    std::vector<std::uint8_t> pre_mask;  // N2N delays broadcast the input mask over the post dims
    for (std::size_t p = 0; p < P; ++p) pre_mask.insert(pre_mask.end(), unit_mask.begin(), unit_mask.end());
    for (const Shape& factor_shape : {Shape{1}, Shape{P}}) {
        Case c{"quadruplet_rule_tensor", cards(), spike_spec({P, N}, true, pre_mask), spike_spec({P}, false, post_mask),
               float_spec(factor_shape)};
        compare_forms(c, 7, {{"post_trace", tensor_post_trace}});
    }
    SECTION("a per-synapse pre mask that differs between rows") {
        Case c{"quadruplet_rule_tensor", cards(), spike_spec({P, N}, true, random_mask(P * N, 0.3, 5)),
               spike_spec({P}, false, post_mask), float_spec({1})};
        compare_forms(c, 10, {{"post_trace", tensor_post_trace}});
    }
}

TEST_CASE("QuadrupletRuleTensor event form equals the dense reference bit for bit, synchronous pre spikes",
          "[plasticity][event_form]") {
    constexpr std::size_t P = 16, N = 50;
    Case c{"quadruplet_rule_tensor", cards(), spike_spec({N}, false, random_mask(N, 0.3, 3)),
           spike_spec({P}, false, random_mask(P, 0.5, 4)), float_spec({1})};
    c.post_rate = 0.1;
    c.per_unit = true;  // x of kernel shape over broadcast spikes: one trace per (pre unit, type)
    compare_forms(c, 8, {{"post_trace", tensor_post_trace}});
    SECTION("default parameters, no masks") {
        Case d{"quadruplet_rule_tensor", {}, spike_spec({N}), spike_spec({P}), float_spec({P})};
        d.per_unit = true;
        compare_forms(d, 9, {{"post_trace", tensor_post_trace}});
    }
}

TEST_CASE("HebbianRule event form equals the dense reference bit for bit, per-synapse and synchronous pre spikes",
          "[plasticity][event_form]") {
    constexpr std::size_t P = 20, N = 45;
    compare_forms(Case{"hebbian_rule", {{"eta", 0.05}}, spike_spec({P, N}, true), spike_spec({P}), std::nullopt}, 21);
    compare_forms(Case{"hebbian_rule", {{"eta", 0.05}, {"pre_tau", 7.0}}, spike_spec({N}), spike_spec({P}), std::nullopt},
                  22);
    SECTION("eta = 0 and a negative eta") {
        compare_forms(Case{"hebbian_rule", {{"eta", 0.0}}, spike_spec({P, N}, true), spike_spec({P}), std::nullopt}, 23);
        compare_forms(Case{"hebbian_rule", {{"eta", -0.2}}, spike_spec({N}), spike_spec({P}), std::nullopt}, 24);
    }
}

TEST_CASE("ThreeFactorHebbianRule and QuadrupletRule event forms equal the dense reference bit for bit",
          "[plasticity][event_form]") {
    constexpr std::size_t P = 18, N = 33;
    for (const Shape& factor_shape : {Shape{1}, Shape{P}}) {
        compare_forms(Case{"three_factor_hebbian_rule", {}, spike_spec({P, N}, true), spike_spec({P}),
                           float_spec(factor_shape)},
                      31);
        compare_forms(Case{"quadruplet_rule", {{"q_alpha", -0.5}, {"q_delta", 2.0}}, spike_spec({P, N}, true),
                           spike_spec({P}), float_spec(factor_shape)},
                      32);
        Case sync{"quadruplet_rule", {}, spike_spec({N}), spike_spec({P}), float_spec(factor_shape)};
        sync.per_unit = true;
        compare_forms(sync, 33);
    }
}

TEST_CASE("OjaRule and ZenkeRule stay dense and give the same results under either mode",
          "[plasticity][event_form]") {
    constexpr std::size_t P = 10, N = 25;
    compare_forms(Case{"oja_rule", {}, spike_spec({P, N}, true), spike_spec({P}), std::nullopt, 0.05, 0.05, 300}, 41);
    compare_forms(Case{"zenke_rule", {}, spike_spec({N}), spike_spec({P}), std::nullopt, 0.05, 0.05, 300}, 42);
}

TEST_CASE("QuadrupletRuleTensor with N2N-delayed pre spikes keeps x per pre unit, bit-identical to the reference",
          "[plasticity][event_form]") {
    constexpr std::size_t P = 24, N = 40;
    const auto post_mask = random_mask(P, 0.25, 11);
    const auto unit_mask = random_mask(N, 0.3, 12);
    std::vector<std::uint8_t> pre_mask;
    for (std::size_t p = 0; p < P; ++p) pre_mask.insert(pre_mask.end(), unit_mask.begin(), unit_mask.end());
    for (const Shape& factor_shape : {Shape{1}, Shape{P}}) {
        Case c{"quadruplet_rule_tensor", cards(), spike_spec({P, N}, true, pre_mask), spike_spec({P}, false, post_mask),
               float_spec(factor_shape)};
        c.post_rate = 0.08;
        compare_forms(delayed(c, 8, 51), 52, {{"post_trace", tensor_post_trace}});
        compare_forms(delayed(c, 1, 53), 54, {{"post_trace", tensor_post_trace}});  // every delay 1: no lag
        // delays 1..4, lags 0..3: the rows of x selected from the lag rows (E and I post rows: two class patterns)
        compare_forms(delayed(c, 4, 57), 58, {{"post_trace", tensor_post_trace}});
    }
    SECTION("all_pre_excitatory, and a state load in the middle of the run") {
        Overrides o = cards();
        o.push_back({"all_pre_excitatory", true});
        Case c{"quadruplet_rule_tensor", o, spike_spec({P, N}, true, pre_mask), spike_spec({P}, false, post_mask),
               float_spec({1})};
        compare_forms(delayed(c, 5, 55, 700), 56, {{"post_trace", tensor_post_trace}});
    }
}

TEST_CASE("Trace-pair rules with N2N-delayed pre spikes keep x per pre unit, bit-identical to the reference",
          "[plasticity][event_form]") {
    constexpr std::size_t P = 20, N = 36;
    compare_forms(delayed(Case{"hebbian_rule", {{"eta", 0.05}}, spike_spec({P, N}, true), spike_spec({P}), std::nullopt},
                          8, 61),
                  62);
    compare_forms(delayed(Case{"hebbian_rule", {{"eta", 0.0}}, spike_spec({P, N}, true), spike_spec({P}), std::nullopt},
                          3, 63, 400),
                  64);
    for (const Shape& factor_shape : {Shape{1}, Shape{P}}) {
        compare_forms(delayed(Case{"three_factor_hebbian_rule", {}, spike_spec({P, N}, true), spike_spec({P}),
                                   float_spec(factor_shape)},
                              6, 65),
                      66);
        compare_forms(delayed(Case{"quadruplet_rule", {{"q_alpha", -0.5}, {"q_delta", 2.0}}, spike_spec({P, N}, true),
                                   spike_spec({P}), float_spec(factor_shape)},
                              8, 67, 900),
                      68);
    }
}

TEST_CASE("Per-synapse pre spikes without delays on the spec keep x per synapse", "[plasticity][event_form]") {
    // Spikes per synapse from another source than a delay line: nothing relates the synapses of a pre
    // unit, so x stays per synapse (and the comparison above runs with per_unit false).
    constexpr std::size_t P = 6, N = 9;
    Harness h = make_rule("hebbian_rule", {}, spike_spec({P, N}, true), spike_spec({P}));
    REQUIRE_FALSE(per_unit_x(h));
    PortSpec pre = spike_spec({P, N}, true);
    add_delays(pre, 4, 70);
    Harness d = make_rule("hebbian_rule", {}, pre, spike_spec({P}));
    REQUIRE(per_unit_x(d));
}

TEST_CASE("clip_weight gives the bits of std::min(std::max(k, 0), upper) for every input, NaN and signed zeros included") {
    using spark::components::plasticity::clip_weight;
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    const float values[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 0.5f, -0.5f, 3.0f, 10.0f, 10.000001f, 1e30f, -1e30f,
                            inf, -inf, nan, -nan, std::numeric_limits<float>::denorm_min()};
    const float uppers[] = {0.0f, -0.0f, 3.0f, 10.0f, inf, nan};
    for (float upper : uppers)
        for (float k : values) {
            CAPTURE(k, upper);
            REQUIRE(std::bit_cast<std::uint32_t>(clip_weight(k, upper)) ==
                    std::bit_cast<std::uint32_t>(std::min(std::max(k, 0.0f), upper)));
        }
}
