#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include <spark/components/synapses/traced_synapses.hpp>
#include <spark/graph/simulation.hpp>

#include "collect_state.hpp"

#include "runtime.hpp"
#include "test_components.hpp"

using namespace spark;
using namespace spark::graph;
using spark::testing::test_registry;

namespace {
BuildOptions opts(ExecutorKind kind = ExecutorKind::sequential, unsigned threads = 1) {
    BuildOptions o;
    o.registry = &test_registry();
    o.executor = kind;
    o.threads = threads;
    return o;
}
PortSpec spikes(std::size_t n) { return PortSpec(PayloadKind::spikes, {n}); }

using spark::testing::Collect;
// Writes arrays collected by Collect back (by name; sizes must match).
class Restore final : public StateVisitor {
public:
    explicit Restore(const std::map<std::string, std::vector<std::byte>>& arrays) : arrays_(arrays) {}
    void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
        const auto& saved = arrays_.at(std::string(name));
        REQUIRE(saved.size() == count * size_of(dtype));
        std::memcpy(data, saved.data(), saved.size());
    }

private:
    const std::map<std::string, std::vector<std::byte>>& arrays_;
};
}  // namespace

TEST_CASE("a chain of k modules answers k-1 steps later", "[graph][latency]") {
    const int k = GENERATE(1, 2, 5);
    Network net;  // Brain semantics: previous-step wires between modules
    for (int i = 0; i < k; ++i) net.add("r" + std::to_string(i), "test_relay");
    net.input("x", "r0.in");
    for (int i = 1; i < k; ++i) net.connect("r" + std::to_string(i - 1) + ".out", "r" + std::to_string(i) + ".in");
    net.output("y", "r" + std::to_string(k - 1) + ".out");
    auto sim = Simulation::build(net, {{"x", spikes(1)}}, opts());
    std::vector<int> answered;
    for (int t = 0; t < 10; ++t) {
        sim.input("x").u8()[0] = t == 0 ? spike::bit : 0;  // one external spike at step 0, same step
        sim.step();
        if (sim.output("y").u8()[0] & spike::bit) answered.push_back(t);
    }
    CHECK(answered == std::vector<int>{k - 1});
}

TEST_CASE("a self-loop sees its own previous output", "[graph][latency]") {
    Network net;
    net.add("counter", "test_adder").connect("counter.out", "counter.in").output("count", "counter.out");
    auto sim = Simulation::build(net, {}, opts());
    for (int t = 0; t < 5; ++t) {
        sim.step();
        CHECK(sim.output("count").f32()[0] == static_cast<float>(t + 1));
    }
    CHECK(sim.step_count() == 5);
}

TEST_CASE("same-step wires inside a circuit have no latency", "[graph][latency]") {
    Network net(Latency::same_step);
    net.add("a", "test_adder").add("b", "test_adder", {{"increment", 10.0}}).connect("a.out", "b.in").output("y", "b.out");
    auto sim = Simulation::build(net, {}, opts());
    sim.step();
    CHECK(sim.output("y").f32()[0] == 11.0f);
}

TEST_CASE("several spike sources are concatenated in wire order with their inhibition bits", "[graph][concat]") {
    Network net;
    net.add("r", "test_relay").input("x1", "r.in").input("x2", "r.in").output("y", "r.out");
    auto sim = Simulation::build(net, {{"x1", spikes(2)}, {"x2", spikes(3)}}, opts());
    CHECK(sim.spec("r", "out").to_string() == "SpikeArray[5]:u8");
    const std::uint8_t a[] = {spike::bit, spike::inhibitory};
    const std::uint8_t b[] = {0, spike::bit | spike::inhibitory, spike::bit};
    std::memcpy(sim.input("x1").data, a, 2);
    std::memcpy(sim.input("x2").data, b, 3);
    sim.step();
    const auto y = sim.output("y").u8();
    CHECK(std::vector<std::uint8_t>(y.begin(), y.end()) ==
          std::vector<std::uint8_t>{spike::bit, spike::inhibitory, 0, spike::bit | spike::inhibitory, spike::bit});
    CHECK(spike::signed_value(y[3]) == -1.0f);
}

TEST_CASE("several current sources of equal shape are summed", "[graph][sum]") {
    Network net(Latency::same_step);
    net.add("i1", "test_current", {{"value", 1.5}})
        .add("i2", "test_current", {{"value", 2.0}})
        .add("soma", "leaky_soma")
        .connect("i1.out", "soma.current")
        .connect("i2.out", "soma.current");
    auto sim = Simulation::build(net, {}, opts());
    sim.step();
    const float decay = static_cast<float>(std::exp(-1.0 / 20.0));
    CHECK(sim.read("soma", "potential").f32()[0] == (1.0f - decay) * 0.1f * 3.5f);
}

TEST_CASE("summed currents add in wire order, whether the runtime or the soma adds them", "[graph][sum]") {
    // 1e8 + -1e8 + 1 is 1 added left to right, and 0 otherwise (1 is below half an ulp of 1e8).
    Network net(Latency::same_step);
    net.add("i1", "test_current", {{"value", 1e8}})
        .add("i2", "test_current", {{"value", -1e8}})
        .add("i3", "test_current", {{"value", 1.0}})
        .add("copy", "test_current_copy")  // summed by the runtime into a gathered input
        .add("soma", "leaky_soma");        // summed by the soma, block by block (summed_by_component)
    for (const char* from : {"i1.out", "i2.out", "i3.out"}) net.connect(from, "copy.in").connect(from, "soma.current");
    auto sim = Simulation::build(net, {}, opts());
    sim.step();
    CHECK(sim.read("copy", "out").f32()[0] == 1.0f);
    const float decay = static_cast<float>(std::exp(-1.0 / 20.0));
    CHECK(sim.read("soma", "potential").f32()[0] == (1.0f - decay) * 0.1f * 1.0f);
}

TEST_CASE("a soma summing its currents block by block matches one source of the sum on every executor",
          "[graph][sum]") {
    // 5000 units: several tasks of several sum blocks each; every unit has its own current (exact sums).
    auto network = [](bool split) {
        Network net(Latency::same_step);
        const Overrides soma{{"units", Value::List{5000}},
                             {"initial.potential", Value::Map{{"initializer", "uniform_initializer"}, {"scale", 10.0}}}};
        net.add("soma", "leaky_soma", soma);
        if (split) {
            net.add("a", "test_current", {{"units", Value::List{5000}}, {"value", 250.0}, {"ramp", 0.5}})
                .add("b", "test_current", {{"units", Value::List{5000}}, {"value", 0.375}, {"ramp", 0.25}})
                .connect("a.out", "soma.current")
                .connect("b.out", "soma.current");
        } else {
            net.add("ab", "test_current", {{"units", Value::List{5000}}, {"value", 250.375}, {"ramp", 0.75}})
                .connect("ab.out", "soma.current");
        }
        return net;
    };
    auto reference = Simulation::build(network(false), {}, opts());
    reference.run(100);
    const auto expected = reference.read("soma", "potential").f32();
    for (const auto& [kind, threads] : {std::pair{ExecutorKind::sequential, 1u}, std::pair{ExecutorKind::pool, 2u},
                                        std::pair{ExecutorKind::pool, 4u}, std::pair{ExecutorKind::tbb, 2u}}) {
        auto sim = Simulation::build(network(true), {}, opts(kind, threads));
        sim.run(100);
        const auto got = sim.read("soma", "potential").f32();
        CHECK(std::equal(got.begin(), got.end(), expected.begin(), expected.end()));
    }
}

TEST_CASE("reading an unknown node or port names the closest ones", "[graph][errors]") {
    Network net;
    net.add("counter", "test_adder");
    auto sim = Simulation::build(net, {}, opts());
    REQUIRE_THROWS_WITH(sim.read("countr", "out"), Catch::Contains("did you mean counter"));
    REQUIRE_THROWS_WITH(sim.read("counter", "ot"), Catch::Contains("did you mean out"));
    REQUIRE_THROWS_WITH(sim.input("nope"), Catch::Contains("no input 'nope'"));
}

TEST_CASE("the tbb and pool executors match the sequential one for 1, 2 and 4 threads", "[graph][executor]") {
    Network net;
    net.add("c1", "test_adder", {{"units", Value::List{3}}, {"increment", 0.5}})
        .add("c2", "test_adder", {{"units", Value::List{3}}, {"increment", 0.25}})
        .add("i", "test_current", {{"units", Value::List{3}}, {"value", 300.0}})
        .add("soma", "leaky_soma")
        .connect("c1.out", "c2.in")
        .connect("c2.out", "c1.in")
        .connect("i.out", "soma.current", Latency::same_step)
        .output("y", "c1.out");
    auto reference = Simulation::build(net, {}, opts());
    reference.run(200);
    Collect expected;
    reference.visit_state(expected);
    for (const ExecutorKind kind : {ExecutorKind::tbb, ExecutorKind::pool})
        for (unsigned threads : {1u, 2u, 4u}) {
            auto sim = Simulation::build(net, {}, opts(kind, threads));
            sim.run(200);
            Collect got;
            sim.visit_state(got);
            CHECK(got.arrays == expected.arrays);
            CHECK(std::memcmp(sim.output("y").data, reference.output("y").data, 12) == 0);
        }
}

TEST_CASE("the pool runs independent one-task nodes side by side when it pays, with the same results",
          "[graph][executor]") {
    // Three independent nodes of 100 us per step that do not split their work: after its observed steps
    // the pool spreads them over its threads; cheap ones stay on the calling thread.
    for (const double busy : {100.0, 0.0}) {
        INFO("busy_us " << busy);
        Network net;
        for (const char* name : {"a", "b", "c"})
            net.add(name, "test_adder", {{"increment", 0.5}, {"busy_us", busy}})
                .connect(std::string(name) + ".out", std::string(name) + ".in");
        net.output("b", "b.out");
        auto reference = Simulation::build(net, {}, opts());
        reference.run(60);
        {
            const std::lock_guard lock(spark::testing::busy_threads_mutex);
            spark::testing::busy_threads.clear();
        }
        auto sim = Simulation::build(net, {}, opts(ExecutorKind::pool, 2));
        sim.run(60);
        CHECK(std::memcmp(sim.output("b").data, reference.output("b").data, sizeof(float)) == 0);
        // Cheap nodes never leave the calling thread. (Busy ones may run on either thread: which one
        // takes a node depends on the scheduler, so it is not checked here; the plan is, below.)
        const std::lock_guard lock(spark::testing::busy_threads_mutex);
        if (busy == 0.0) CHECK(spark::testing::busy_threads.size() == 1);
    }
}

TEST_CASE("the pool's plan: one-task nodes of a level side by side, longest first, when it saves enough",
          "[graph][executor]") {
    using detail::plan_pool_levels;
    // Level 0: nodes 0, 1 (one task each), 2 (four tasks: split over the threads); level 1: node 3 alone.
    const std::vector<std::vector<std::size_t>> levels{{0, 1, 2}, {3}};
    const std::vector<std::size_t> most_tasks{1, 1, 4, 0};
    auto plan = plan_pool_levels(levels, most_tasks, {50e-6, 100e-6, 300e-6, 1e-6}, 2, 20e-6);
    REQUIRE(plan.size() == 2);
    CHECK(plan[0].alone == std::vector<std::size_t>{2});
    CHECK(plan[0].side == std::vector<std::size_t>{1, 0});  // longest first
    CHECK(plan[1].alone == std::vector<std::size_t>{3});  // a single node gains nothing
    CHECK(plan[1].side.empty());
    // Too little to gain (all but the longest: 10 us): the level keeps its build order, every node alone.
    plan = plan_pool_levels(levels, most_tasks, {10e-6, 100e-6, 300e-6, 1e-6}, 2, 20e-6);
    CHECK(plan[0].alone == std::vector<std::size_t>{0, 1, 2});
    CHECK(plan[0].side.empty());
    // With four threads, a node of four tasks splits; one of two tasks does not.
    plan = plan_pool_levels({{0, 1, 2}}, {2, 1, 4}, {50e-6, 100e-6, 300e-6}, 4, 20e-6);
    CHECK(plan[0].side == std::vector<std::size_t>{1, 0});
    CHECK(plan[0].alone == std::vector<std::size_t>{2});
}

TEST_CASE("the parts of a step: the connected components of its same-step dependencies, in the reference order",
          "[graph][executor]") {
    // Nodes 0..6 in the reference order 4, 0, 5, 1, 2, 6, 3; same-step reads: 1 <- 0, 2 <- 1 (a chain),
    // 3 <- 5 and 3 <- 6 (5 and 6 join through 3), 4 alone.
    detail::StepPlan plan;
    plan.tasks.resize(7);
    for (std::size_t v = 0; v < 7; ++v) plan.tasks[v].node = v;
    plan.tasks[1].after = {0};
    plan.tasks[2].after = {1};
    plan.tasks[3].after = {5, 6};
    plan.sequence = {4, 0, 5, 1, 2, 6, 3};
    const auto parts = detail::step_parts(plan);
    REQUIRE(parts.size() == 3);
    CHECK(parts[0] == std::vector<std::size_t>{4});
    CHECK(parts[1] == std::vector<std::size_t>{0, 1, 2});
    CHECK(parts[2] == std::vector<std::size_t>{5, 6, 3});
    // A read from 2 of 6 joins everything but 4.
    plan.tasks[2].after = {1, 6};
    CHECK(detail::step_parts(plan) ==
          std::vector<std::vector<std::size_t>>{{4}, {0, 5, 1, 2, 6, 3}});
}

TEST_CASE("the pool's other plan: the independent parts side by side, longest first, when that is clearly shorter",
          "[graph][executor]") {
    using detail::plan_pool_parts;
    // Parts of 100, 30, 60 and 10 us on two threads: longest first, each to the least loaded thread
    // (100 | 60 + 30 + 10): 100 us against a split step of 400 us.
    CHECK(plan_pool_parts({100e-6, 30e-6, 60e-6, 10e-6}, 400e-6, 2, 0.85, 20e-6) ==
          std::vector<std::size_t>{0, 2, 1, 3});
    // Not clearly shorter than the split step (100 us > 0.85 x 110 us): keep the split step.
    CHECK(plan_pool_parts({100e-6, 30e-6, 60e-6, 10e-6}, 110e-6, 2, 0.85, 20e-6).empty());
    // One part takes nearly all the work: its thread alone takes longer than the split step.
    CHECK(plan_pool_parts({300e-6, 10e-6}, 320e-6, 2, 0.85, 20e-6).empty());
    // Too little to gain (15 us), one thread, a single part: nothing to choose.
    CHECK(plan_pool_parts({10e-6, 10e-6}, 25e-6, 2, 0.85, 20e-6).empty());
    CHECK(plan_pool_parts({100e-6, 100e-6}, 400e-6, 1, 0.85, 20e-6).empty());
    CHECK(plan_pool_parts({400e-6}, 400e-6, 2, 0.85, 20e-6).empty());
    // Four threads: 100 | 60 | 30 | 10.
    CHECK(plan_pool_parts({100e-6, 30e-6, 60e-6, 10e-6}, 400e-6, 4, 0.85, 20e-6) ==
          std::vector<std::size_t>{0, 2, 1, 3});
}

TEST_CASE("the independent parts side by side (pool) give the sequential results, as every executor does, "
          "also after a new plan",
          "[graph][executor]") {
    // Three parts, each a chain x1 -> x2 -> x3 of same-step wires (x1 counts by a self-loop), every node
    // busy 20 us: a part's nodes must run in order on its thread. 1100 steps: the pool observes, runs
    // the parts side by side (their schedule, 60 us, against 180 us split), and observes and plans
    // again after 1000 of them. (Which thread takes a part depends on the scheduler: not checked.)
    Network net(Latency::same_step);
    for (const char* part : {"a", "b", "c"}) {
        const std::string x = part;
        for (int k = 1; k <= 3; ++k)
            net.add(x + std::to_string(k), "test_adder", {{"increment", 0.25 * k}, {"busy_us", 20.0}});
        net.connect(x + "1.out", x + "1.in", Latency::previous_step)
            .connect(x + "1.out", x + "2.in")
            .connect(x + "2.out", x + "3.in");
        net.output(x, x + "3.out");
    }
    auto reference = Simulation::build(net, {}, opts());
    reference.run(1100);
    for (const auto& [kind, threads] : {std::pair{ExecutorKind::pool, 2u}, std::pair{ExecutorKind::pool, 1u},
                                        std::pair{ExecutorKind::tbb, 2u}}) {
        auto sim = Simulation::build(net, {}, opts(kind, threads));
        sim.run(1100);
        for (const char* part : {"a", "b", "c"}) {
            INFO(part << " on " << threads << " threads, executor " << static_cast<int>(kind));
            CHECK(std::memcmp(sim.output(part).data, reference.output(part).data, sizeof(float)) == 0);
        }
    }
    CHECK(reference.output("a").f32()[0] == 1100 * 0.25f + 0.5f + 0.75f);  // x1 counts, x2 and x3 add
}

TEST_CASE("a node that throws is named on every executor, also when the pool runs it beside others",
          "[graph][executor][errors]") {
    // Three independent one-task nodes of 50 us each: after its observed steps the pool runs them side
    // by side.
    Network net;
    net.add("a", "test_adder", {{"increment", 1.0}, {"busy_us", 50.0}})
        .add("b", "test_adder", {{"increment", 2.0}, {"fail_at", 12.0}, {"busy_us", 50.0}})
        .add("c", "test_adder", {{"increment", 3.0}, {"busy_us", 50.0}})
        .connect("a.out", "a.in")
        .connect("b.out", "b.in")
        .connect("c.out", "c.in")
        .output("b", "b.out");
    for (const ExecutorKind kind : {ExecutorKind::sequential, ExecutorKind::tbb, ExecutorKind::pool}) {
        INFO(static_cast<int>(kind));
        auto sim = Simulation::build(net, {}, opts(kind, kind == ExecutorKind::sequential ? 1 : 2));
        sim.run(12);  // steps 0..11
        CHECK(sim.output("b").f32()[0] == 24.0f);
        REQUIRE_THROWS_WITH(sim.run(5), Catch::Contains("node 'b'") && Catch::Contains("failed at step 12"));
    }
}

TEST_CASE("the state lists every node's arrays, the wire cache and the step counter", "[graph][state]") {
    Network net;
    net.add("counter", "test_adder").add("soma", "leaky_soma", {{"units", Value::List{1}}});
    net.connect("counter.out", "counter.in").add("i", "test_current").connect("i.out", "soma.current");
    auto sim = Simulation::build(net, {}, opts());
    sim.run(3);
    Collect state;
    sim.visit_state(state);
    CHECK(state.arrays.count("@step") == 1);
    CHECK(state.arrays.count("soma/potential") == 1);
    CHECK(state.arrays.count("counter.out@previous") == 1);
    float cached = 0;
    std::memcpy(&cached, state.arrays["counter.out@previous"].data(), 4);
    CHECK(cached == 3.0f);
    sim.reset();
    CHECK(sim.step_count() == 0);
    sim.step();
    CHECK(sim.read("counter", "out").f32()[0] == 1.0f);
}

TEST_CASE("an output served from a component's state: same-step readers see this step, previous-step ones the last",
          "[graph][latency][state]") {
    const auto [kind, threads] = GENERATE(table<ExecutorKind, unsigned>(
        {{ExecutorKind::sequential, 1}, {ExecutorKind::tbb, 2}, {ExecutorKind::pool, 2}}));
    Network net;  // previous-step wires by default
    net.add("counter", "test_served_counter", {{"units", Value::List{3}}})
        .add("now", "test_adder", {{"units", Value::List{3}}, {"increment", 0.0}})
        .add("late", "test_adder", {{"units", Value::List{3}}, {"increment", 0.0}})
        .connect("counter.out", "now.in", Latency::same_step)
        .connect("counter.out", "late.in");
    auto sim = Simulation::build(net, {}, opts(kind, threads));
    auto& counter = sim.component("counter");
    for (int t = 1; t <= 4; ++t) {
        sim.step();
        CHECK(sim.read("now", "out").f32()[2] == static_cast<float>(t));
        CHECK(sim.read("late", "out").f32()[2] == static_cast<float>(t - 1));
    }
    // Readers get the component's own array; the wire cache holds what the next step's late reader sees.
    CHECK(sim.read("counter", "out").data == counter.output_storage(0).data);
    Collect state;
    sim.visit_state(state);
    REQUIRE(state.arrays.count("counter.out@previous") == 1);
    float cached = 0;
    std::memcpy(&cached, state.arrays["counter.out@previous"].data(), 4);
    CHECK(cached == 4.0f);

    // The state (component array and wire cache) restored into a fresh build continues the same way.
    auto copy = Simulation::build(net, {}, opts(kind, threads));
    Restore restore{state.arrays};
    copy.visit_state(restore);
    for (int t = 5; t <= 6; ++t) {
        copy.step();
        CHECK(copy.read("now", "out").f32()[0] == static_cast<float>(t));
        CHECK(copy.read("late", "out").f32()[0] == static_cast<float>(t - 1));
    }
    // After reset the late reader's first value is the reset state again.
    sim.reset();
    sim.step();
    CHECK(sim.read("now", "out").f32()[1] == 1.0f);
    CHECK(sim.read("late", "out").f32()[1] == 0.0f);
}

TEST_CASE("traced synapses serve their traces as currents, and a reader a step later gets the last step's exactly",
          "[graph][latency][synapses]") {
    const auto [kind, threads] = GENERATE(table<ExecutorKind, unsigned>(
        {{ExecutorKind::sequential, 1}, {ExecutorKind::tbb, 2}, {ExecutorKind::pool, 2}}));
    constexpr std::size_t n_pre = 50, n_post = 40000;  // several target tasks, split over the threads
    Network net;
    net.add("syn", "traced_synapses",
            {{"units", Value::List{static_cast<double>(n_post)}},
             {"tau", 5.0},
             {"kernel", Value::Map{{"initializer", "sparse_uniform_initializer"}, {"scale", 3.0}, {"density", 0.2}}}})
        .add("now", "test_current_copy")
        .add("late", "test_current_copy")
        .input("x", "syn.spikes")
        .connect("syn.currents", "now.in", Latency::same_step)
        .connect("syn.currents", "late.in");
    auto sim = Simulation::build(net, {{"x", spikes(n_pre)}}, opts(kind, threads));
    const auto& syn = dynamic_cast<const components::synapses::TracedSynapses&>(sim.component("syn"));
    REQUIRE(syn.layout() == components::synapses::Layout::sparse);
    REQUIRE(syn.matrix().task_count() > 1);
    CHECK(sim.read("syn", "currents").data == syn.traces().data());
    std::vector<float> last(n_post, 0.0f);
    for (std::uint32_t t = 0; t < 30; ++t) {
        auto x = sim.input("x").u8();
        for (std::size_t j = 0; j < n_pre; ++j) x[j] = (j * 7 + t * 3) % 11 == 0 ? spike::bit : 0;
        sim.step();
        const auto now = sim.read("now", "out").f32();
        const auto late = sim.read("late", "out").f32();
        REQUIRE(std::equal(now.begin(), now.end(), syn.traces().begin()));
        REQUIRE(std::equal(late.begin(), late.end(), last.begin()));
        last.assign(now.begin(), now.end());
    }
    CHECK(*std::max_element(last.begin(), last.end()) > 0.0f);
}

TEST_CASE("a served output of the wrong size is refused, naming the node and the port", "[graph][errors]") {
    Network net;
    net.add("counter", "test_served_counter", {{"units", Value::List{3}}, {"served_size", 2.0}});
    REQUIRE_THROWS_MATCHES(Simulation::build(net, {}, opts()), InternalError,
                           Catch::Matchers::Predicate<InternalError>([](const InternalError& e) {
                               const std::string m = e.what();
                               return m.find("node 'counter' serves output 'out' from an array of 2 f32 elements") !=
                                          std::string::npos &&
                                      m.find("FloatArray[3]") != std::string::npos;
                           }));
}

TEST_CASE("initial state values are drawn after the build and restored by reset", "[graph][state]") {
    Network net(Latency::same_step);
    net.add("i", "test_current", {{"units", Value::List{100}}, {"value", 0.0}})
        .add("soma", "leaky_soma",
             {{"initial.potential", Value::Map{{"initializer", "uniform_initializer"}, {"scale", 10.0}}}})
        .connect("i.out", "soma.current");
    auto sim = Simulation::build(net, {}, opts());
    auto v = sim.read("soma", "potential").f32();
    const std::vector<float> initial(v.begin(), v.end());
    CHECK(*std::min_element(initial.begin(), initial.end()) >= 0.0f);
    CHECK(*std::max_element(initial.begin(), initial.end()) < 10.0f);
    CHECK(initial[0] != initial[1]);
    sim.run(5);  // the potential decays towards rest
    CHECK(sim.read("soma", "potential").f32()[0] < initial[0]);
    sim.reset();
    auto after = sim.read("soma", "potential").f32();
    CHECK(std::vector<float>(after.begin(), after.end()) == initial);

    net.nodes[1].config = {{"initial.potentail", 1.0}};
    REQUIRE_THROWS_WITH(Simulation::build(net, {}, opts()),
                        Catch::Contains("initial.potentail") && Catch::Contains("did you mean potential"));
}

TEST_CASE("effects work at Brain level: a rule writes a kernel after the step", "[graph][effects]") {
    Network brain;  // previous-step wires between modules
    brain.add("syn", "linear_synapses", {{"units", Value::List{1}}, {"kernel", Value::List{2.0}}})
        .add("rule", "hebbian_rule")
        .input("pre", "syn.spikes")
        .input("pre", "rule.pre_spikes")
        .input("post", "rule.post_spikes")
        .connect("syn.kernel", "rule.kernel")
        .effect("syn.kernel", "rule.kernel");
    auto sim = Simulation::build(brain, {{"pre", spikes(1)}, {"post", spikes(1)}}, opts());
    sim.input("pre").u8()[0] = spike::bit;
    sim.input("post").u8()[0] = spike::bit;
    sim.step();
    // This step's current used the old kernel; the rule's new kernel replaced it after the step:
    // K = 2 + dt eta (y s_pre + s_post x) with x = y = 1/20, eta = 0.01.
    CHECK(sim.read("syn", "currents").f32()[0] == 2.0f);
    const float x = 1.0f / 20.0f;
    CHECK(sim.read("syn", "kernel").f32()[0] == Approx(2.0f + 0.01f * (x + x)).epsilon(1e-7));
    Network bad = brain;
    bad.effects[0].target = {"syn", "currents"};
    REQUIRE_THROWS_WITH(Simulation::build(bad, {{"pre", spikes(1)}, {"post", spikes(1)}}, opts()),
                        Catch::Contains("'currents' is not a property"));
}

TEST_CASE("an effect whose source rewrites the kernel it reads is applied in place, with the results of the copy",
          "[graph][effects]") {
    // rule.kernel <- syn.kernel, syn.kernel <- effect rule.kernel: the rule writes the synapses' dense
    // kernel in its own step (after the synapses stepped) instead of a buffer copied after the step.
    // A network output reading the rule's kernel keeps the copy.
    auto network = [](const char* layout, bool read_output, Latency latency = Latency::same_step) {
        Network net(latency);
        net.add("syn", "linear_synapses",
                {{"units", Value::List{5}},
                 {"layout", layout},
                 {"kernel", Value::Map{{"initializer", "uniform_initializer"}, {"scale", 3.0}}}})
            .add("rule", "hebbian_rule", {{"eta", 0.5}})
            .input("pre", "syn.spikes")
            .input("pre", "rule.pre_spikes")
            .input("post", "rule.post_spikes")
            .connect("syn.kernel", "rule.kernel")
            .effect("syn.kernel", "rule.kernel");
        if (read_output) net.output("k", "rule.kernel");
        return net;
    };
    struct Trace {
        std::vector<float> currents, kernel;
    };
    auto run = [](const Network& net, BuildOptions o) {
        auto sim = Simulation::build(net, {{"pre", spikes(7)}, {"post", spikes(5)}}, o);
        Trace t;
        std::uint32_t r = 12345;
        for (int step = 0; step < 200; ++step) {
            for (auto& c : sim.input("pre").u8()) c = ((r = r * 1664525u + 1013904223u) >> 28) < 3 ? spike::bit : 0;
            for (auto& c : sim.input("post").u8()) c = ((r = r * 1664525u + 1013904223u) >> 28) < 2 ? spike::bit : 0;
            sim.step();
            const auto cur = sim.read("syn", "currents").f32();
            t.currents.insert(t.currents.end(), cur.begin(), cur.end());
        }
        const auto k = sim.read("syn", "kernel").f32();
        t.kernel.assign(k.begin(), k.end());
        return std::pair{t, sim.plan_text()};
    };
    const auto [copied, copied_plan] = run(network("dense", true), opts());
    CHECK_THAT(copied_plan, !Catch::Contains("in place"));
    // Read on a previous-step wire, the kernel does not order the rule after the synapses: copied.
    const auto [later, later_plan] = run(network("dense", false, Latency::previous_step), opts());
    CHECK_THAT(later_plan, !Catch::Contains("in place"));
    REQUIRE(later.kernel == copied.kernel);
    for (const auto& o : {opts(), opts(ExecutorKind::tbb, 2), opts(ExecutorKind::pool, 2)}) {
        const auto [in_place, plan] = run(network("dense", false), o);
        CHECK_THAT(plan, Catch::Contains("effect syn.kernel <- 'rule.kernel' (in place"));
        REQUIRE(in_place.currents == copied.currents);
        REQUIRE(in_place.kernel == copied.kernel);
    }
    REQUIRE(copied.kernel != std::vector<float>(copied.kernel.size(), copied.kernel[0]));  // it learned something
}

TEST_CASE("somas list their spikes in their outputs' spike index, and readers see the same spikes either way",
          "[graph][spike_index]") {
    // Two populations split into several blocks (task_length), b inhibitory, read by probes: directly on
    // a previous-step wire, concatenated on same-step wires, and through a relay that lists nothing.
    auto population = [](double units) {
        return Overrides{{"units", Value::List{units}},
                         {"initial.potential", Value::Map{{"initializer", "uniform_initializer"}, {"scale", 10.0}}}};
    };
    Network net(Latency::same_step);
    net.add("drive_a", "test_current", {{"units", Value::List{10000}}, {"value", 300.0}})
        .add("drive_b", "test_current", {{"units", Value::List{3000}}, {"value", 300.0}})
        .add("a", "leaky_soma", population(10000))
        .add("b", "leaky_soma", population(3000))
        .add("b_sign", "inhibition_mask", {{"units", Value::List{3000}}, {"inhibitory_rate", 1.0}})
        .add("relay", "test_relay")
        .add("direct", "test_spike_probe")
        .add("concat", "test_spike_probe")
        .add("relayed", "test_spike_probe")
        .connect("drive_a.out", "a.current")
        .connect("drive_b.out", "b.current")
        .connect("b_sign.mask", "b.inhibition_mask")
        .connect("a.spikes", "direct.in", Latency::previous_step)
        .connect("a.spikes", "concat.in")
        .connect("b.spikes", "concat.in")
        .connect("b.spikes", "relay.in")
        .connect("relay.out", "relayed.in");
    constexpr int steps = 60;
    auto probe = [](Simulation& sim, const char* name) -> spark::testing::SpikeProbe& {
        return dynamic_cast<spark::testing::SpikeProbe&>(sim.component(name));
    };
    std::size_t reference_spikes = 0;
    for (const auto& [kind, threads] : {std::pair{ExecutorKind::sequential, 1u}, std::pair{ExecutorKind::pool, 2u},
                                        std::pair{ExecutorKind::pool, 4u}, std::pair{ExecutorKind::tbb, 2u}}) {
        INFO("executor " << static_cast<int>(kind) << ", " << threads << " threads");
        auto sim = Simulation::build(net, {}, opts(kind, threads));
        sim.run(steps, [&](const Simulation& s) {
            const ConstArrayRef a = s.read("a", "spikes");
            REQUIRE(a.spike_index != nullptr);
            CHECK(a.spike_index->fresh());
            CHECK(a.spike_index->block_length() == task_length(10000));
            CHECK(count_spikes(a) == static_cast<std::size_t>(std::count_if(
                                         a.u8().begin(), a.u8().end(), [](std::uint8_t c) { return c & spike::bit; })));
            CHECK_FALSE(s.read("relay", "out").spike_index->fresh());  // a relay does not list its spikes
        });
        CHECK(probe(sim, "direct").fresh_steps == steps - 1);  // step 0 reads a buffer nobody wrote yet
        CHECK(probe(sim, "concat").fresh_steps == steps);
        CHECK(probe(sim, "relayed").fresh_steps == 0);
        for (const char* name : {"direct", "concat", "relayed"}) CHECK(probe(sim, name).mismatched_steps == 0);
        CHECK(probe(sim, "concat").spikes > 1000);  // plenty of spikes to compare
        CHECK(probe(sim, "concat").inhibitory > 100);  // b's spikes carry -1 through the lists
        if (reference_spikes == 0) reference_spikes = probe(sim, "concat").spikes;
        CHECK(probe(sim, "concat").spikes == reference_spikes);

        // Codes written by anyone but their producer leave the lists stale until the producer steps again.
        sim.reset();
        CHECK_FALSE(sim.read("a", "spikes").spike_index->fresh());
        sim.step();
        CHECK(sim.read("a", "spikes").spike_index->fresh());
        Collect state;
        sim.visit_state(state);  // a snapshot load writes the previous-step copies through this visit
        CHECK_FALSE(sim.read("a", "spikes").spike_index->fresh());
    }
}

TEST_CASE("a concatenation read as a spike list alone skips its codes while the list is fresh, and copies them when stale",
          "[graph][spike_index]") {
    // a and b list their spikes, the relay does not. The probes read a + b and a + relay(b), each once
    // declaring the list alone enough (list_only) and once reading the codes.
    auto population = [](double units) {
        return Overrides{{"units", Value::List{units}},
                         {"initial.potential", Value::Map{{"initializer", "uniform_initializer"}, {"scale", 10.0}}}};
    };
    Network net(Latency::same_step);
    net.add("drive_a", "test_current", {{"units", Value::List{5000}}, {"value", 300.0}})
        .add("drive_b", "test_current", {{"units", Value::List{3000}}, {"value", 300.0}})
        .add("a", "leaky_soma", population(5000))
        .add("b", "leaky_soma", population(3000))
        .add("b_sign", "inhibition_mask", {{"units", Value::List{3000}}, {"inhibitory_rate", 1.0}})
        .add("relay", "test_relay")
        .add("listed", "test_spike_probe", {{"list_only", true}})
        .add("codes", "test_spike_probe")
        .add("stale_listed", "test_spike_probe", {{"list_only", true}})
        .add("stale_codes", "test_spike_probe")
        .connect("drive_a.out", "a.current")
        .connect("drive_b.out", "b.current")
        .connect("b_sign.mask", "b.inhibition_mask")
        .connect("b.spikes", "relay.in");
    for (const char* probe : {"listed", "codes"}) net.connect("a.spikes", std::string(probe) + ".in").connect("b.spikes", std::string(probe) + ".in");
    for (const char* probe : {"stale_listed", "stale_codes"})
        net.connect("a.spikes", std::string(probe) + ".in").connect("relay.out", std::string(probe) + ".in");
    constexpr int steps = 60;
    auto probe = [](Simulation& sim, const char* name) -> spark::testing::SpikeProbe& {
        return dynamic_cast<spark::testing::SpikeProbe&>(sim.component(name));
    };
    for (const auto& [kind, threads] : {std::pair{ExecutorKind::sequential, 1u}, std::pair{ExecutorKind::pool, 2u},
                                        std::pair{ExecutorKind::tbb, 2u}}) {
        INFO("executor " << static_cast<int>(kind) << ", " << threads << " threads");
        auto sim = Simulation::build(net, {}, opts(kind, threads));
        const std::string plan = sim.plan_text();
        CHECK_THAT(plan, Catch::Contains("in <- concatenation of 'a.spikes', 'b.spikes' into SpikeArray[8000]:u8, spikes "
                                         "listed (codes copied only when the list is stale)"));
        CHECK_THAT(plan, Catch::Contains("in <- concatenation of 'a.spikes', 'b.spikes' into SpikeArray[8000]:u8, spikes "
                                         "listed\n"));
        sim.run(steps);
        // The reader of the codes gets them every step; the list reader never needed them (they stay zero).
        CHECK(probe(sim, "codes").fresh_steps == steps);
        CHECK(probe(sim, "codes").mismatched_steps == 0);
        CHECK(probe(sim, "codes").spikes > 500);
        CHECK(probe(sim, "codes").inhibitory > 100);
        CHECK(probe(sim, "listed").fresh_steps == steps);
        CHECK(probe(sim, "listed").spikes_in_codes == 0);
        CHECK(probe(sim, "listed").history == probe(sim, "codes").history);
        // A stale list (the relay lists nothing): the list reader scans the codes, copied every step.
        CHECK(probe(sim, "stale_listed").fresh_steps == 0);
        CHECK(probe(sim, "stale_listed").mismatched_steps == 0);
        CHECK(probe(sim, "stale_listed").spikes_in_codes == probe(sim, "stale_listed").spikes);
        CHECK(probe(sim, "stale_listed").history == probe(sim, "stale_codes").history);
        CHECK(probe(sim, "stale_codes").history == probe(sim, "codes").history);
    }
}
