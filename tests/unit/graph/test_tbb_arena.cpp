// The oneTBB executor runs each simulation in its own task arena and sets no process-wide limit: two
// simulations and a host program's own oneTBB work keep their own parallelism (issue 15).
#include <atomic>

#include <catch2/catch.hpp>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <spark/graph/simulation.hpp>

#include "test_components.hpp"

using namespace spark;
using namespace spark::graph;

namespace {

// Records, at every step, the concurrency of the oneTBB arena it runs in and of its Parallel.
struct ArenaProbeConfig {
    SPARK_PARAMS(ArenaProbeConfig);
    SPARK_PARAM(double, unused, 0.0, "", none, "Not used.");
};
class ArenaProbe : public ComponentBase<ArenaProbe, ArenaProbeConfig> {
public:
    static constexpr ComponentIdentity identity{"test_arena_probe", "TestArenaProbe", "test",
        "Records its arena's concurrency."};
    static constexpr std::array<PortDecl, 0> input_ports{};
    static constexpr std::array output_ports{PortDecl{"out", PayloadKind::floating, "[arena, parallel]"}};
    static constexpr std::array<PortDecl, 0> property_ports{};
    using ComponentBase::ComponentBase;
    BuildResult build(const BuildContext&) override { return {{PortSpec(PayloadKind::floating, Shape{2})}, {}}; }
    void step(const StepContext& ctx) override {
        ctx.outputs[0].f32()[0] = static_cast<float>(oneapi::tbb::this_task_arena::max_concurrency());
        ctx.outputs[0].f32()[1] = static_cast<float>(ctx.parallel->concurrency());
    }
    void reset() override {}
    void visit_state(StateVisitor&) override {}
};

const Registry& probe_registry() {
    static const Registry r = [] {
        Registry reg;
        components::register_builtin_components(reg);
        reg.add<spark::testing::Adder>();
        reg.add<ArenaProbe>();
        return reg;
    }();
    return r;
}

Network probed_counter() {
    Network net;
    net.add("probe", "test_arena_probe").add("count", "test_adder", {{"units", Value::List{4}}});
    net.connect("count.out", "count.in");
    return net;
}

}  // namespace


TEST_CASE("a oneTBB simulation sets no process-wide parallelism limit", "[graph][tbb]") {
    using oneapi::tbb::global_control;
    const auto before = global_control::active_value(global_control::max_allowed_parallelism);
    for (unsigned threads : {1u, 2u, 4u}) {
        auto sim = Simulation::build(probed_counter(), {},
                                     {.executor = ExecutorKind::tbb, .threads = threads, .registry = &probe_registry()});
        sim.run(3);
        CHECK(global_control::active_value(global_control::max_allowed_parallelism) == before);
    }
}

TEST_CASE("two oneTBB simulations inside a host parallel_for keep their own parallelism and results",
          "[graph][tbb]") {
    auto one = Simulation::build(probed_counter(), {},
                                 {.executor = ExecutorKind::tbb, .threads = 1, .registry = &probe_registry()});
    auto two = Simulation::build(probed_counter(), {},
                                 {.executor = ExecutorKind::tbb, .threads = 2, .registry = &probe_registry()});
    Simulation* sims[] = {&one, &two};
    std::atomic<int> host_tasks{0};
    oneapi::tbb::parallel_for(0, 8, [&](int k) {
        ++host_tasks;
        if (k < 2) sims[k]->run(50);
    });
    CHECK(host_tasks == 8);
    CHECK(one.read("probe", "out").f32()[1] == 1.0f);
    CHECK(two.read("probe", "out").f32()[0] == 2.0f);  // its own arena, whatever the host's
    CHECK(two.read("probe", "out").f32()[1] == 2.0f);
    for (auto* sim : sims) {
        CHECK(sim->step_count() == 50);
        for (float v : sim->read("count", "out").f32()) CHECK(v == 50.0f);
    }
}
