// The event forms of the plasticity rules (issue 21) against their dense reference forms
// (components::dense_reference()), bit for bit over long random runs: every rule, per-synapse (N2N
// delayed) and synchronous pre spikes, modulation zero and non-zero, and kernels set from outside to
// values the reference clips.
#include <catch2/catch.hpp>

#include <bit>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <string>

#include <spark/components/plasticity/quadruplet_rule_tensor.hpp>
#include <spark/components/reference_mode.hpp>

#include "rule_support.hpp"

using namespace spark;
using namespace spark::testing::plasticity;
using spark::testing::Harness;

namespace {
// Every state array of a component, by name, as raw bytes.
struct StateBytes final : StateVisitor {
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
    for (int t = 0; t < c.steps; ++t) {
        auto pre_e = event.input_u8(pre), pre_r = reference.input_u8(pre);
        const std::vector<std::uint8_t>& mask = c.pre.mask;
        for (std::size_t i = 0; i < pre_e.size(); ++i)
            pre_e[i] = pre_r[i] = spike::encode(pre_fires(gen), !mask.empty() && mask[i] != 0);
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
        step_and_feed_back(event);
        step_and_feed_back(reference);
        INFO(c.rule << ", step " << t);
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
    compare_forms(c, 8, {{"post_trace", tensor_post_trace}});
    SECTION("default parameters, no masks") {
        Case d{"quadruplet_rule_tensor", {}, spike_spec({N}), spike_spec({P}), float_spec({P})};
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
        compare_forms(Case{"quadruplet_rule", {}, spike_spec({N}), spike_spec({P}), float_spec(factor_shape)}, 33);
    }
}

TEST_CASE("OjaRule and ZenkeRule stay dense and give the same results under either mode",
          "[plasticity][event_form]") {
    constexpr std::size_t P = 10, N = 25;
    compare_forms(Case{"oja_rule", {}, spike_spec({P, N}, true), spike_spec({P}), std::nullopt, 0.05, 0.05, 300}, 41);
    compare_forms(Case{"zenke_rule", {}, spike_spec({N}), spike_spec({P}), std::nullopt, 0.05, 0.05, 300}, 42);
}
