// Tracers (tracer.hpp) against the closed forms of spec section 1.8 and the worked values of section 14.
// The traces run in float32; the closed forms are evaluated in double. After n steps the float32
// recurrence is off by at most about n * 2^-24 relative (the rounded decay factor raised to the n-th
// power) plus a random walk of per-step roundings, so for n <= 300 a relative tolerance of 3e-5
// holds, while any error in the equations (a dt factor, an off-by-one step, a wrong coupled tau)
// is off by percents.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include <spark/core/error.hpp>
#include <spark/core/tracer.hpp>

using namespace spark;

namespace {
std::vector<float> one(float v) { return {v}; }

// Records the names a state walk visits.
class Names final : public StateVisitor {
public:
    std::vector<std::string> names;
    void visit(std::string_view name, DType, void*, std::size_t) override { names.emplace_back(name); }
};

constexpr double kRel = 3e-5;
}  // namespace

TEST_CASE("Tracer: one event decays as scale e^{-n dt/tau} (spec 14: tau 20, scale 1/20)", "[core][tracer]") {
    Tracer t(1, one(20.0f), one(1.0f / 20.0f), one(0.0f), 1.0);
    CHECK(t.trace()[0] == 0.0f);  // starts at base
    const std::vector<float> spike{1.0f}, none{0.0f};
    t.step(spike);
    CHECK(t.trace()[0] == 0.05f);  // the input enters after the decay, without a dt factor
    for (int n = 1; n <= 200; ++n) {
        t.step(none);
        CHECK(t.trace()[0] == Approx(0.05 * std::exp(-n / 20.0)).epsilon(kRel));
    }
    // The worked values of spec section 14: 0.05, 0.047561, 0.045242.
    Tracer w(1, one(20.0f), one(1.0f / 20.0f), one(0.0f), 1.0);
    w.step(spike);
    w.step(none);
    CHECK(w.trace()[0] == Approx(0.047561).margin(5e-7));
    w.step(none);
    CHECK(w.trace()[0] == Approx(0.045242).margin(5e-7));
}

TEST_CASE("Tracer: constant input converges to base + scale x / (1 - e^{-dt/tau})", "[core][tracer]") {
    const double dt = 0.1, tau = 5.0, scale = 2.0, base = 1.0, x = 0.5;
    Tracer t(1, one(static_cast<float>(tau)), one(static_cast<float>(scale)), one(static_cast<float>(base)), dt);
    const std::vector<float> in{static_cast<float>(x)};
    const double d = std::exp(-dt / tau);
    for (int n = 1; n <= 300; ++n) {
        t.step(in);
        // trace_n - base = scale x (1 - d^n) / (1 - d)
        CHECK(t.trace()[0] == Approx(base + scale * x * (1.0 - std::pow(d, n)) / (1.0 - d)).epsilon(kRel));
    }
}

TEST_CASE("Tracer: per-element parameters, decay toward base, reset and masked reset", "[core][tracer]") {
    const std::vector<float> tau{10.0f, 20.0f, 40.0f}, scale{1.0f, 2.0f, 3.0f}, base{0.0f, -1.0f, 2.0f};
    Tracer t(3, tau, scale, base, 1.0);
    CHECK(t.trace()[1] == -1.0f);
    const std::vector<float> spike(3, 1.0f);
    t.step(spike);
    CHECK(t.trace()[0] == 1.0f);
    CHECK(t.trace()[1] == 1.0f);  // -1 + 2
    CHECK(t.trace()[2] == 5.0f);  // 2 + 3
    for (int n = 1; n <= 50; ++n) {
        t.decay();
        for (std::size_t i = 0; i < 3; ++i)
            // The absolute margin covers element 1, whose trace crosses 0 on its way from 1 to -1.
            CHECK(t.trace()[i] ==
                  Approx(base[i] + scale[i] * std::exp(-n / static_cast<double>(tau[i]))).epsilon(kRel).margin(1e-6));
    }
    CHECK(t.decay_factor(1) == static_cast<float>(std::exp(-1.0 / 20.0)));
    const std::vector<std::uint8_t> mask{0, 1, 0};
    const float kept0 = t.trace()[0], kept2 = t.trace()[2];
    t.masked_reset(mask);
    CHECK(t.trace()[0] == kept0);
    CHECK(t.trace()[1] == -1.0f);
    CHECK(t.trace()[2] == kept2);
    t.reset();
    CHECK(t.trace()[0] == 0.0f);
    CHECK(t.trace()[2] == 2.0f);
}

TEST_CASE("Tracer refuses parameter arrays that fit neither 1 nor size elements", "[core][tracer]") {
    const std::vector<float> two{1.0f, 2.0f};
    REQUIRE_THROWS_AS(Tracer(3, two, one(1.0f), one(0.0f), 1.0), InternalError);
    REQUIRE_THROWS_WITH(Tracer(3, two, one(1.0f), one(0.0f), 1.0), Catch::Contains("'tau' has 2 values for 3 elements"));
    REQUIRE_THROWS_AS(Tracer(1, one(0.0f), one(1.0f), one(0.0f), 1.0), InternalError);
}

TEST_CASE("RDTracer: 0 on the impulse step, then e^{-n/5} - e^{-6n/5} (spec 14: tau_r 1, tau_d 5)",
          "[core][tracer]") {
    RDTracer t(1, one(1.0f), one(5.0f), one(1.0f), one(1.0f), one(0.0f), one(0.0f), 1.0);
    const std::vector<float> spike{1.0f}, none{0.0f};
    t.step(spike);
    CHECK(t.output()[0] == 0.0f);
    double peak = 0.0;
    for (int n = 1; n <= 100; ++n) {
        t.step(none);
        const double expected = std::exp(-n / 5.0) - std::exp(-6.0 * n / 5.0);
        CHECK(t.output()[0] == Approx(expected).epsilon(kRel).margin(1e-9));
        peak = std::max(peak, static_cast<double>(t.output()[0]));
    }
    // The kernel is e^{-t/tau_d}(1 - e^{-t/tau_r}); on the integer grid its maximum is at n = 2.
    CHECK(peak == Approx(std::exp(-2.0 / 5.0) - std::exp(-12.0 / 5.0)).epsilon(kRel));
    t.reset();
    CHECK(t.output()[0] == 0.0f);
}

TEST_CASE("RDTracer: scales and bases enter each trace, output is decay minus rise", "[core][tracer]") {
    const double dt = 0.5, tr = 2.0, td = 8.0;
    RDTracer t(2, one(static_cast<float>(tr)), one(static_cast<float>(td)), one(0.5f), one(2.0f), one(0.0f), one(0.0f), dt);
    const std::vector<float> in{1.0f, 0.0f};
    const std::vector<float> none{0.0f, 0.0f};
    t.step(in);
    const double coupled = tr * td / (tr + td);
    for (int n = 1; n <= 60; ++n) {
        t.step(none);
        const double expected = 2.0 * std::exp(-n * dt / td) - 0.5 * std::exp(-n * dt / coupled);
        CHECK(t.output()[0] == Approx(expected).epsilon(kRel));
        CHECK(t.output()[1] == 0.0f);
    }
}

TEST_CASE("RFSTracer: alpha fast + (1 - alpha) slow", "[core][tracer]") {
    const double alpha = 0.8, tr = 1.0, tf = 5.0, ts = 50.0;
    RFSTracer t(1, one(static_cast<float>(alpha)), one(static_cast<float>(tr)), one(static_cast<float>(tf)),
                one(static_cast<float>(ts)), 1.0);
    const std::vector<float> spike{1.0f}, none{0.0f};
    t.step(spike);
    CHECK(t.output()[0] == 0.0f);
    auto rd = [&](double n, double td) { return std::exp(-n / td) - std::exp(-n * (1.0 / tr + 1.0 / td)); };
    for (int n = 1; n <= 200; ++n) {
        t.step(none);
        CHECK(t.output()[0] == Approx(alpha * rd(n, tf) + (1.0 - alpha) * rd(n, ts)).epsilon(kRel));
    }
    t.reset();
    CHECK(t.output()[0] == 0.0f);
}

TEST_CASE("RUTracer follows its documented recurrence", "[core][tracer]") {
    // u_t = e^{-dt/tau_u} u_{t-1} + u_scale x_t; out_t = u_t r_{t-1};
    // r_t = 1 + e^{-dt/tau_r} (r_{t-1} - 1) - u_t r_{t-1} x_t
    const double tau_r = 100.0, tau_u = 10.0, u_scale = 0.2;
    RUTracer t(1, one(static_cast<float>(tau_r)), one(static_cast<float>(tau_u)), one(static_cast<float>(u_scale)), 1.0);
    CHECK(t.resource()[0] == 1.0f);
    CHECK(t.usage()[0] == 0.0f);
    const std::vector<float> spike{1.0f}, none{0.0f};

    SECTION("the first two spikes, by hand") {
        t.step(spike);  // u = 0.2, out = 0.2 * 1, r = 1 - 0.2
        CHECK(t.usage()[0] == Approx(0.2).epsilon(kRel));
        CHECK(t.output()[0] == Approx(0.2).epsilon(kRel));
        CHECK(t.resource()[0] == Approx(0.8).epsilon(kRel));
        t.step(spike);  // u = 0.2 (1 + e^{-0.1}), out = 0.8 u, r = 1 - 0.2 e^{-0.01} - 0.8 u
        const double u1 = 0.2 * (1.0 + std::exp(-0.1));
        CHECK(t.usage()[0] == Approx(u1).epsilon(kRel));
        CHECK(t.output()[0] == Approx(0.8 * u1).epsilon(kRel));
        CHECK(t.resource()[0] == Approx(1.0 - 0.2 * std::exp(-0.01) - 0.8 * u1).epsilon(kRel));
    }
    SECTION("a spike train depletes the resource, which then recovers with tau_r") {
        float previous = t.resource()[0];
        for (int k = 0; k < 10; ++k) {
            t.step(spike);
            CHECK(t.resource()[0] < previous);  // every spike uses part of what is left
            previous = t.resource()[0];
        }
        CHECK(t.resource()[0] < 0.2f);
        const double r_end = t.resource()[0];
        const double u_end = t.usage()[0];
        for (int n = 1; n <= 300; ++n) {
            t.step(none);
            CHECK(t.resource()[0] == Approx(1.0 - (1.0 - r_end) * std::exp(-n / tau_r)).epsilon(kRel));
            CHECK(t.usage()[0] == Approx(u_end * std::exp(-n / tau_u)).epsilon(kRel));
        }
        t.reset();
        CHECK(t.resource()[0] == 1.0f);
        CHECK(t.usage()[0] == 0.0f);
        CHECK(t.output()[0] == 0.0f);
    }
}

TEST_CASE("tracers name their state arrays under a prefix", "[core][tracer]") {
    Names names;
    RDTracer rd(1, one(1.0f), one(5.0f), one(1.0f), one(1.0f), one(0.0f), one(0.0f), 1.0);
    rd.visit_state(names, "current");
    RFSTracer rfs(1, one(0.5f), one(1.0f), one(5.0f), one(50.0f), 1.0);
    rfs.visit_state(names, "rfs");
    RUTracer ru(1, one(100.0f), one(10.0f), one(0.2f), 1.0);
    ru.visit_state(names, "stp");
    CHECK(names.names == std::vector<std::string>{"current.rise", "current.decay", "current.output", "rfs.fast.rise",
                                                  "rfs.fast.decay", "rfs.fast.output", "rfs.slow.rise",
                                                  "rfs.slow.decay", "rfs.slow.output", "rfs.output", "stp.resource",
                                                  "stp.usage", "stp.output"});
}
