// Save at T, keep running to 2T; load into a freshly built network (of the same description) and run
// to 2T: every output of every step and every state array must be bit-identical, on both executors
// and across them (style.md 8.6, Arbor's serdes test).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include <spark/serialization/network_file.hpp>
#include <spark/serialization/snapshot.hpp>

#include "snapshot_testing.hpp"

using namespace spark;
using namespace spark::graph;
using namespace spark::serialization;
using namespace spark::testing;

namespace {

namespace fs = std::filesystem;

struct Executor {
    ExecutorKind kind;
    unsigned threads;
};

// What a run from step `from` to `to` produces: every byte of every output, step by step.
using Trace = std::vector<std::vector<std::byte>>;

void drive(Simulation& sim) {
    for (const auto& [name, spec] : sim.input_specs()) {
        auto in = sim.input(name);
        if (spec.kind == PayloadKind::spikes) {
            for (std::size_t i = 0; i < in.size; ++i)
                in.u8()[i] = static_cast<std::uint8_t>((sim.step_count() + static_cast<std::int64_t>(i)) % 3 == 0);
        } else {
            // Currents up to 49 pA; other float signals in [0, 1) (spiker rates).
            const float scale = spec.kind == PayloadKind::current ? 1.0f : 1.0f / 50.0f;
            for (std::size_t i = 0; i < in.size; ++i)
                in.f32()[i] =
                    scale * static_cast<float>((sim.step_count() * 37 + static_cast<std::int64_t>(i) * 11) % 50);
        }
    }
}

// Outputs by name with their element type.
using Outputs = std::vector<std::pair<std::string, DType>>;

Trace run(Simulation& sim, std::int64_t steps, const Outputs& outputs) {
    Trace trace;
    for (std::int64_t s = 0; s < steps; ++s) {
        drive(sim);
        sim.step();
        for (const auto& [name, dtype] : outputs) {
            const auto view = sim.output(name);
            const auto* p = static_cast<const std::byte*>(view.data);
            trace.emplace_back(p, p + view.size * size_of(dtype));
        }
    }
    return trace;
}

// The Arbor-style check: one uninterrupted run vs save at T + load into a fresh build + run to 2T.
void check_resume(const Network& net, const std::map<std::string, PortSpec>& specs, const Outputs& outputs,
                  BuildOptions options, Executor first, Executor second, std::int64_t T) {
    const fs::path path = fs::temp_directory_path() / ("spark_resume_" + std::to_string(::getpid()) + ".snap");

    options.executor = first.kind;
    options.threads = first.threads;
    auto original = Simulation::build(net, specs, options);
    run(original, T, outputs);
    save_snapshot(original, path);
    const Trace expected = run(original, T, outputs);
    const State expected_state = state_of(original);

    options.executor = second.kind;
    options.threads = second.threads;
    auto resumed = Simulation::build(net, specs, options);
    load_snapshot(resumed, path);
    fs::remove(path);
    REQUIRE(resumed.step_count() == T);
    const Trace got = run(resumed, T, outputs);
    CHECK(got == expected);
    CHECK(state_of(resumed) == expected_state);
    CHECK(resumed.step_count() == 2 * T);

    // The check can fail: the outputs carry spikes, and a run that did not load differs.
    CHECK(std::any_of(expected.begin(), expected.end(), [](const auto& bytes) {
        return std::any_of(bytes.begin(), bytes.end(), [](std::byte b) { return b != std::byte{0}; });
    }));
    auto unloaded = Simulation::build(net, specs, options);
    CHECK(run(unloaded, T, outputs) != expected);
}

}  // namespace

TEST_CASE("save at T, run to 2T equals load into a fresh build and run to 2T", "[integration][snapshot]") {
    const auto [first, second] = GENERATE(std::pair{Executor{ExecutorKind::sequential, 1}, Executor{ExecutorKind::sequential, 1}},
                                          std::pair{Executor{ExecutorKind::tbb, 2}, Executor{ExecutorKind::tbb, 2}},
                                          std::pair{Executor{ExecutorKind::sequential, 1}, Executor{ExecutorKind::tbb, 4}},
                                          std::pair{Executor{ExecutorKind::tbb, 2}, Executor{ExecutorKind::sequential, 1}});
    INFO("executors " << int(first.kind) << "/" << first.threads << " -> " << int(second.kind) << "/" << second.threads);
    SECTION("a Brain with noise, an inhibition mask, a soma and previous-step caches") {
        check_resume(small_network(11, 16), small_specs(16), {{"spikes", DType::u8}}, snapshot_options(), first, second,
                     60);
    }
    SECTION("interfaces: Poisson, linear and topological spikers into an exponential integrator") {
        Network net;
        net.seed = 17;
        net.add("poisson", "poisson_spiker", {{"max_freq", 300.0}})
            .add("linear", "linear_spiker")
            .add("topo", "topological_poisson_spiker", {{"resolution", 4}})
            .add("readout", "exponential_integrator", {{"num_outputs", 2}})
            .input("signal", "poisson.signal")
            .input("signal", "linear.signal")
            .input("signal", "topo.signal")
            .connect("poisson.spikes", "readout.spikes")
            .connect("linear.spikes", "readout.spikes")
            .connect("topo.spikes", "readout.spikes")
            .output("rates", "readout.signal")
            .output("poisson", "poisson.spikes");
        check_resume(net, {{"signal", PortSpec(PayloadKind::floating, {8})}},
                     {{"rates", DType::f32}, {"poisson", DType::u8}}, snapshot_options(), first, second, 50);
    }
    SECTION("a network read from a file, with a template of its own") {
        const NetworkFile file = parse_network_text(R"(
seed: 3
dt: 0.5
template {
  name: "noisy_neuron"
  parameter { name: "units" }
  body {
    node { name: "noise" type: "test_noise" param { path: "amplitude" number: 1500 } }
    node { name: "inhibition" type: "inhibition_mask" }
    node { name: "soma" type: "leaky_soma" }
    wire { from: "noise.current" to: "soma.current" }
    wire { from: "inhibition.mask" to: "soma.inhibition_mask" }
    input { name: "current" to: "soma.current" }
    output { name: "spikes" from: "soma.spikes" }
  }
}
node { name: "bias" type: "test_current" param { path: "units" shape: [8] } param { path: "value" number: 200 } }
node { name: "a" type: "noisy_neuron" param { path: "units" shape: [8] } }
node { name: "b" type: "noisy_neuron" param { path: "units" shape: [8] } param { path: "soma.potential_tau" number: 7 } }
node { name: "relay" type: "test_relay" }
wire { from: "bias.out" to: "a.current" latency: SAME_STEP }
wire { from: "bias.out" to: "b.current" }
wire { from: "a.spikes" to: "relay.in" }
input { name: "extra" to: "b.current" spec { kind: CURRENT_ARRAY shape: [8] } }
output { name: "relayed" from: "relay.out" }
output { name: "b" from: "b.spikes" }
)",
                                                    "resume.txtpb");
        BuildOptions options = snapshot_options();
        options.templates = &file.templates;
        check_resume(file.network, file.input_specs, {{"relayed", DType::u8}, {"b", DType::u8}}, options, first, second,
                     45);
    }
}
