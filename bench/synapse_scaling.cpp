// Synapse delivery cost: event-driven sparse delivery scales with spikes x fan-out, not N_pre x N_post.
//
//   BM_SparseFixedFanOut/N     N_pre = N_post = N, fan-out 80, 20 spikes per step: the cost stays flat
//                              as N (and N_pre x N_post) grows (only the O(N) output write remains).
//   BM_SparseSpikeCount/k      N = 4000, 2 % connectivity (CUBA), k spikes per step: linear in k.
//   BM_DenseSpikeCount/k       the same network in the dense layout: ~ k x N_post (every target row).
//   BM_SparseDelayed/k         as BM_SparseSpikeCount with fused delays (max_delay 5 ms, dt 0.1 ms).
//   BM_TracedPerTarget/k       TracedSynapses, per-target traces (sparse), vs BM_TracedPerSynapse/k,
//                              the literal per-synapse reference (dense, ~ N_pre x N_post per step).
// Counters: synapse events per step, seconds per event, bytes per stored synapse of the chosen layout.
// Run: build with -DSPARK_BUILD_BENCH=ON, then bench/synapse_scaling (not part of ctest).
#include <benchmark/benchmark.h>

#include <memory>
#include <optional>

#include <spark/components/builtin.hpp>
#include <spark/components/synapses/linear_synapses.hpp>
#include <spark/components/synapses/traced_synapses.hpp>

namespace {

using namespace spark;

// One synapse group built and stepped in isolation, with its own payload buffers.
class Driver {
public:
    Driver(std::string_view type, const Overrides& overrides, std::size_t n_pre, double dt)
        : component_(components::builtin_registry().create(type, overrides, "bench")),
          rng_(Rng::for_node(0, "bench")),
          input_(n_pre, 0) {
        std::optional<PortSpec> spec = PortSpec(PayloadKind::spikes, {n_pre});
        bool read = false;
        BuildContext ctx;
        ctx.inputs = {&spec, 1};
        ctx.properties_read = {&read, 1};
        ctx.dt = dt;
        ctx.rng = &rng_;
        ctx.node = "bench";
        const BuildResult result = component_->build(ctx);
        output_.assign(result.outputs[0].size(), 0.0f);
    }

    // k excitatory spikes spread evenly over the inputs.
    void set_spikes(std::size_t k) {
        std::fill(input_.begin(), input_.end(), 0);
        const std::size_t stride = input_.size() / std::max<std::size_t>(k, 1);
        for (std::size_t i = 0; i < k; ++i) input_[i * stride] = spike::bit;
    }

    void step() {
        const ConstArrayRef in(input_.data(), input_.size());
        const ArrayRef served = component_->output_storage(0);  // the trace, for traced synapses
        const ArrayRef out = served.empty() ? ArrayRef{output_.data(), output_.size()} : served;
        StepContext ctx{{&in, 1}, {&out, 1}, &serial_parallel(), step_++};
        component_->step(ctx);
        benchmark::DoNotOptimize(output_.data());
    }

    template <class C>
    const C& as() const { return dynamic_cast<const C&>(*component_); }

private:
    std::unique_ptr<Component> component_;
    Rng rng_;
    std::vector<std::uint8_t> input_;
    std::vector<float> output_;
    std::int64_t step_ = 0;
};

Overrides network(std::size_t n, double density, const char* layout) {
    return {{"units", Value::List{static_cast<double>(n)}}, {"kernel.density", density}, {"layout", layout}};
}

// Steps synapse group `type` (class C) with `spikes` spikes per step and reports `fan_out` events per spike.
template <class C>
void run(benchmark::State& state, std::string_view type, const Overrides& overrides, std::size_t n_pre,
         std::size_t spikes, double fan_out) {
    Driver d(type, overrides, n_pre, 0.1);
    d.set_spikes(spikes);
    for (auto _ : state) d.step();
    const double events = static_cast<double>(spikes) * fan_out;
    state.counters["events/step"] = events;
    state.counters["bytes/synapse"] = d.as<C>().bytes_per_synapse();
    state.counters["s/event"] =  // CPU seconds per delivered synapse event
        benchmark::Counter(events, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

using components::synapses::LinearSynapses;
using components::synapses::TracedSynapses;

std::size_t spikes_arg(const benchmark::State& state) { return static_cast<std::size_t>(state.range(0)); }

void BM_SparseFixedFanOut(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    constexpr double fan_out = 80.0;
    run<LinearSynapses>(state, "linear_synapses", network(n, fan_out / static_cast<double>(n), "sparse"), n, 20, fan_out);
}
BENCHMARK(BM_SparseFixedFanOut)->Arg(500)->Arg(1000)->Arg(2000)->Arg(4000);

void BM_SparseSpikeCount(benchmark::State& state) {
    run<LinearSynapses>(state, "linear_synapses", network(4000, 0.02, "sparse"), 4000, spikes_arg(state), 80.0);
}
BENCHMARK(BM_SparseSpikeCount)->Arg(10)->Arg(40)->Arg(160)->Arg(640);

void BM_DenseSpikeCount(benchmark::State& state) {
    run<LinearSynapses>(state, "linear_synapses", network(4000, 0.02, "dense"), 4000, spikes_arg(state), 80.0);
}
BENCHMARK(BM_DenseSpikeCount)->Arg(10)->Arg(40)->Arg(160);

void BM_SparseDelayed(benchmark::State& state) {
    Overrides o = network(4000, 0.02, "sparse");
    o.push_back({"max_delay", 5.0});
    run<LinearSynapses>(state, "linear_synapses", o, 4000, spikes_arg(state), 80.0);
}
BENCHMARK(BM_SparseDelayed)->Arg(10)->Arg(40)->Arg(160)->Arg(640);

void BM_TracedPerTarget(benchmark::State& state) {
    Overrides o = network(2000, 0.02, "auto");
    o.push_back({"trace_mode", "per_target"});
    run<TracedSynapses>(state, "traced_synapses", o, 2000, spikes_arg(state), 40.0);
}
BENCHMARK(BM_TracedPerTarget)->Arg(10)->Arg(160);

void BM_TracedPerSynapse(benchmark::State& state) {
    Overrides o = network(2000, 0.02, "auto");
    o.push_back({"trace_mode", "per_synapse"});
    run<TracedSynapses>(state, "traced_synapses", o, 2000, spikes_arg(state), 40.0);
}
BENCHMARK(BM_TracedPerSynapse)->Arg(10)->Arg(160);

}  // namespace

BENCHMARK_MAIN();
