// The common plasticity contract (spec section 5.0), checked on all six rules: input shapes, the
// output kernel fully written, unsigned spike bits, thread-count independence, state names.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>

#include <spark/components/plasticity/plasticity_rule.hpp>

#include "rule_support.hpp"
#include "test_parallels.hpp"

using namespace spark;
using namespace spark::testing::plasticity;
using spark::testing::Harness;

namespace {

struct RuleCase {
    std::string_view type;
    bool modulated;
    std::vector<std::string> state;  // the trace names visit_state reports, in order
};

const std::vector<RuleCase>& all_rules() {
    static const std::vector<RuleCase> rules{
        {"hebbian_rule", false, {"pre_trace", "post_trace"}},
        {"oja_rule", false, {"post_trace"}},
        {"zenke_rule", false, {"pre_trace", "post_trace", "post_slow_trace", "target_trace"}},
        {"three_factor_hebbian_rule", true, {"pre_trace", "post_trace"}},
        {"quadruplet_rule", true, {"pre_trace", "post_trace"}},
        {"quadruplet_rule_tensor", true, {"pre_trace", "post_trace"}},
    };
    return rules;
}

Harness build(const RuleCase& r, PortSpec pre_spec, PortSpec post_spec, std::optional<PortSpec> kernel_spec = {},
              std::optional<PortSpec> factor_spec = {}) {
    std::vector<std::optional<PortSpec>> inputs{pre_spec, post_spec};
    if (kernel_spec) {
        inputs.push_back(*kernel_spec);
    } else {
        Shape k = pre_spec.per_synapse ? pre_spec.shape : post_spec.shape.concat(pre_spec.shape);
        inputs.push_back(float_spec(k));
    }
    if (r.modulated) inputs.push_back(factor_spec.value_or(float_spec({1})));
    return Harness(components::builtin_registry(), r.type, {}, std::move(inputs));
}

}  // namespace

TEST_CASE("Plasticity rules refuse inputs that do not fit, naming the port", "[plasticity][shapes]") {
    for (const auto& r : all_rules()) {
        INFO(r.type);
        // kernel must be post + pre.
        REQUIRE_THROWS_AS(build(r, spike_spec({4}), spike_spec({3}), float_spec({4, 3})), ShapeError);
        REQUIRE_THROWS_WITH(build(r, spike_spec({4}), spike_spec({3}), float_spec({4, 3})),
                            Catch::Contains("port 'kernel': expected FloatArray[3,4]:f32") &&
                                Catch::Contains("got FloatArray[4,3]:f32"));
        // A per-synapse pre input must start with the post dims.
        REQUIRE_THROWS_WITH(build(r, spike_spec({2, 4}, true), spike_spec({3}), float_spec({3, 4})),
                            Catch::Contains("port 'pre_spikes': expected SpikeArray[3,pre...]/post*pre"));
        // Post spikes are one per unit, never per synapse.
        REQUIRE_THROWS_WITH(build(r, spike_spec({4}), spike_spec({3}, true)), Catch::Contains("port 'post_spikes'"));
        // Kinds are checked too.
        REQUIRE_THROWS_WITH(build(r, spike_spec({4}), spike_spec({3}), PortSpec(PayloadKind::current, {3, 4})),
                            Catch::Contains("got CurrentArray[3,4]:f32"));
        // An inhibition mask must have one entry per element.
        REQUIRE_THROWS_AS(build(r, spike_spec({4}, false, {0, 1}), spike_spec({3})), ShapeError);
        REQUIRE_THROWS_WITH(build(r, spike_spec({4}, false, {0, 1}), spike_spec({3})),
                            Catch::Contains("port 'pre_spikes': expected an inhibition mask of 4 entries, got 2"));
        if (r.modulated) {
            const std::string port(all_rules()[3].type == r.type ? "reward" : "modulation");
            REQUIRE_THROWS_WITH(build(r, spike_spec({4}), spike_spec({3}), {}, float_spec({2})),
                                Catch::Contains("port '" + port + "': expected FloatArray[1] or one value per post "
                                                                  "unit (3)"));
        }
    }
}

TEST_CASE("Plasticity rules accept multi-dimensional post and pre shapes", "[plasticity][shapes]") {
    for (const auto& r : all_rules()) {
        INFO(r.type);
        auto h = build(r, spike_spec({2, 3}), spike_spec({2, 2}));
        CHECK(h.result().outputs[0] == float_spec({2, 2, 2, 3}));
        auto a = build(r, spike_spec({2, 2, 5}, true), spike_spec({2, 2}));
        CHECK(a.result().outputs[0] == float_spec({2, 2, 5}));
    }
}

TEST_CASE("Plasticity rules write every element of the new kernel, and silence leaves the kernel as it is",
          "[plasticity][output]") {
    // With no spikes every term of every rule vanishes (each carries a spike or a trace fed only by spikes,
    // Oja's decay y^2 K and Zenke's heterosynaptic term included), so K' = K.
    for (const auto& r : all_rules()) {
        INFO(r.type);
        auto h = build(r, spike_spec({5}), spike_spec({3}));
        auto k = h.input_f32(kernel);
        for (std::size_t i = 0; i < k.size(); ++i) k[i] = 0.25f * static_cast<float>(i);
        if (r.modulated) h.input_f32(factor)[0] = 1.0f;
        for (int t = 0; t < 3; ++t) {
            auto out = h.output_f32(0);
            std::fill(out.begin(), out.end(), std::numeric_limits<float>::quiet_NaN());
            h.step();
            for (std::size_t i = 0; i < out.size(); ++i) REQUIRE(out[i] == k[i]);
        }
    }
}

TEST_CASE("Plasticity rules read the unsigned spike bit: inhibitory spikes learn like excitatory ones",
          "[plasticity][spikes]") {
    for (const auto& r : all_rules()) {
        INFO(r.type);
        auto plain = build(r, spike_spec({3}), spike_spec({2}));
        auto signed_spikes = build(r, spike_spec({3}), spike_spec({2}));
        for (auto* h : {&plain, &signed_spikes}) {
            set_floats(*h, kernel, {1, 2, 3, 4, 5, 6});
            if (r.modulated) h->input_f32(factor)[0] = 0.7f;
        }
        for (int t = 0; t < 6; ++t) {
            const std::size_t a = static_cast<std::size_t>(t) % 3, b = static_cast<std::size_t>(t) % 2;
            set_spikes(plain, pre, {a});
            set_spikes(plain, post, {b});
            set_spikes(signed_spikes, pre, {a}, spike::bit | spike::inhibitory);
            set_spikes(signed_spikes, post, {b}, spike::bit | spike::inhibitory);
            // Silent inhibitory units carry the inhibitory bit without the spike bit.
            for (auto& s : signed_spikes.input_u8(pre))
                if (s == 0) s = spike::inhibitory;
            step_and_feed_back(plain);
            step_and_feed_back(signed_spikes);
            REQUIRE(kernel_out(plain) == kernel_out(signed_spikes));
        }
        CHECK(kernel_out(plain) != std::vector<float>{1, 2, 3, 4, 5, 6});  // the rule did learn
    }
}

TEST_CASE("Plasticity rules give bit-identical kernels on 1 and 4 threads", "[plasticity][parallel]") {
    // 20 post x 2000 pre: rows are split into chunks of 8 (16384 / 2000), so 3 chunks run concurrently.
    spark::testing::ThreadParallel threads(4, /*reversed=*/true);
    for (const auto& r : all_rules()) {
        for (bool per_synapse : {false, true}) {
            INFO(r.type << (per_synapse ? " per-synapse pre" : " synchronous pre"));
            std::vector<std::uint8_t> pre_mask(per_synapse ? 20 * 2000 : 2000), post_mask(20);
            for (std::size_t i = 0; i < pre_mask.size(); ++i) pre_mask[i] = i % 5 == 0;
            for (std::size_t i = 0; i < post_mask.size(); ++i) post_mask[i] = i % 3 == 0;
            const PortSpec pre_spec = per_synapse ? spike_spec({20, 2000}, true, pre_mask) : spike_spec({2000}, false, pre_mask);
            const PortSpec post_spec = spike_spec({20}, false, post_mask);
            auto serial = build(r, pre_spec, post_spec, std::nullopt, float_spec({20}));
            auto parallel = build(r, pre_spec, post_spec, std::nullopt, float_spec({20}));
            Rng rng(7);
            for (auto* h : {&serial, &parallel}) {
                auto k = h->input_f32(kernel);
                Rng init(3);
                for (auto& v : k) v = init.uniform();
                if (r.modulated)
                    for (std::size_t p = 0; p < 20; ++p) h->input_f32(factor)[p] = 0.05f * static_cast<float>(p) - 0.3f;
            }
            for (int t = 0; t < 8; ++t) {
                for (auto port : {pre, post}) {
                    auto a = serial.input_u8(port);
                    for (auto& s : a) s = rng.uniform() < 0.3f ? spike::bit : 0;
                    std::copy(a.begin(), a.end(), parallel.input_u8(port).begin());
                }
                serial.step();
                parallel.step(threads);
                REQUIRE(std::memcmp(serial.output_f32(0).data(), parallel.output_f32(0).data(),
                                    serial.output_f32(0).size_bytes()) == 0);
                for (auto* h : {&serial, &parallel}) {
                    const auto out = h->output_f32(0);
                    std::copy(out.begin(), out.end(), h->input_f32(kernel).begin());
                }
            }
        }
    }
}

TEST_CASE("Plasticity rules name their traces in the state and reset them to zero", "[plasticity][state]") {
    struct Collect : StateVisitor {
        std::vector<std::string> names;
        bool all_zero = true;
        void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
            names.emplace_back(name);
            REQUIRE(dtype == DType::f32);
            const auto* f = static_cast<const float*>(data);
            for (std::size_t i = 0; i < count; ++i) all_zero = all_zero && f[i] == 0.0f;
        }
    };
    for (const auto& r : all_rules()) {
        INFO(r.type);
        auto h = build(r, spike_spec({3}), spike_spec({2}));
        set_spikes(h, pre, {0, 1, 2});
        set_spikes(h, post, {0, 1});
        h.step();
        Collect after_step;
        h.component().visit_state(after_step);
        CHECK(after_step.names == r.state);
        CHECK_FALSE(after_step.all_zero);
        h.component().reset();
        Collect after_reset;
        h.component().visit_state(after_reset);
        CHECK(after_reset.all_zero);
    }
}
