// Networks with N2N delays, per-synapse spikes and plasticity (issue 21): the event forms of the delays,
// the synapses' per-synapse input and the rules give the spikes and state of the dense reference forms
// (components::dense_reference()) bit for bit, on every executor and for 1 and 2 threads, with
// Hebbian rules (the default network of `spark run`) and with the modulated tensor rule (the CartPole
// brain's structure, modulation zero and non-zero), also with the kernel written from outside between
// steps (a snapshot load, an effect's set_property, a write through the live property) to values the
// rules clip or keep. Where every reader of the delays' output takes the arrivals alone (the dense
// synapses and the tensor rule), the delays write its codes only for a read from outside the step
// (Component::defer_codes): the tests read them in some steps and not in others.
#include <catch2/catch.hpp>

#include <bit>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <sstream>
#include <string>

#include <spark/components/plasticity/hebbian_rule.hpp>
#include <spark/components/plasticity/quadruplet_rule_tensor.hpp>
#include <spark/components/plasticity/three_factor_hebbian_rule.hpp>
#include <spark/components/reference_mode.hpp>
#include <spark/components/synapses/linear_synapses.hpp>
#include <spark/graph/simulation.hpp>
#include <spark/tools/default_network.hpp>

#include "collect_state.hpp"

using namespace spark;
using namespace spark::graph;

namespace {

using spark::testing::Collect;

Value units(double n) { return Value::List{n}; }

// The default network (tools/src/default_network.cpp), smaller, with a faster-learning exc.
Network hebbian_network() {
    spark::tools::DefaultNetworkParams p;
    p.inputs = 60;
    p.input_rate = 0.5;
    p.input_max_freq = 100.0;
    p.excitatory = 50;
    p.inhibitory = 20;
    p.exc_kernel_scale = 150.0;
    p.inh_kernel_scale = 150.0;
    Network net = spark::tools::default_network(p);
    net.seed = 3;
    net.find("exc")->config.push_back({"plasticity.eta", 0.5});
    return net;
}

// The built-in alif_neuron (N2N delays, traced synapses, adaptive soma) with delays of up to 4 ms and
// the modulated plasticity `rule` (with `config`), whose factor input `factor_port` is the neuron's
// input `modulation`.
NeuronTemplate modulated_alif(std::string name, std::string description, std::string rule, Overrides config,
                              const std::string& factor_port) {
    NeuronTemplate t = *builtin_templates().find("alif_neuron");
    t.name = std::move(name);
    t.description = std::move(description);
    for (NodeSpec& node : t.body.nodes) {
        if (node.name == "delays") node.config = {{"max_delay", 4.0}};
        if (node.name != "plasticity") continue;
        node.type = std::move(rule);
        node.config = std::move(config);
    }
    t.body.input("modulation", "plasticity." + factor_port);
    return t;
}

// alif_mod_neuron of the CartPole tutorial (the quadruplet tensor rule, scfg.md 2.4) and the same
// neuron with the reward-modulated Hebbian rule (a trace-pair rule with a factor per step).
TemplateRegistry mod_templates() {
    TemplateRegistry r;
    register_builtin_templates(r);
    r.add(modulated_alif("alif_mod_neuron", "alif_neuron with the modulated quadruplet tensor rule.",
                         "quadruplet_rule_tensor",
                         {{"pre_tau", Value::List{10.753, 15.152, 10.417, 76.923}},
                          {"post_tau", Value::List{14.085, 27.027, 16.129, 12.821}},
                          {"q_alpha", Value::List{1.207, 1.037, -1.152, -1.336}},
                          {"q_beta", Value::List{-1.298, -1.205, 1.639, 1.057}},
                          {"q_gamma", Value::List{0.398, 1.589, 1.79, -1.173}},
                          {"q_delta", Value::List{-0.75, 0.408, -1.666, 1.557}},
                          {"max_clip", Value::List{50.0, 50.0, 100.0, 100.0}}},
                         "modulation"));
    r.add(modulated_alif("alif_reward_neuron", "alif_neuron with the reward-modulated Hebbian rule.",
                         "three_factor_hebbian_rule", {{"gamma", 0.2}}, "reward"));
    return r;
}

// Whether a rule keeps its pre trace per presynaptic unit.
bool pre_trace_per_unit(const Component& rule) {
    using namespace components::plasticity;
    if (const auto* r = dynamic_cast<const QuadrupletRuleTensor*>(&rule)) return r->pre_trace_per_unit();
    if (const auto* r = dynamic_cast<const HebbianRule*>(&rule)) return r->pre_trace_per_unit();
    if (const auto* r = dynamic_cast<const ThreeFactorHebbianRule*>(&rule)) return r->pre_trace_per_unit();
    FAIL("unexpected rule " << rule.class_name());
    return false;
}

// The CartPole brain's structure (A/B excitatory and inhibitory populations), smaller; `neuron`: a
// template of mod_templates() (a modulated rule's factor is its `modulation` input).
Network tensor_network(const std::string& neuron = "alif_mod_neuron") {
    Network net;
    net.seed = 5;
    auto pop = [](double n, double inhibitory) -> Overrides {
        return {{"units", units(n)}, {"inhibitory_rate", inhibitory}, {"synapses.kernel.scale", 250.0},
                {"synapses.kernel.density", 0.15}, {"soma.threshold_delta", 20.0}};
    };
    net.add("drive", "constant_source", {{"units", units(64)}, {"kind", "float"}, {"value", 0.6}})
        .add("spiker", "poisson_spiker", {{"max_freq", 128.0}})
        .add("A_exc", neuron, pop(40, 0.0))
        .add("B_exc", neuron, pop(40, 0.0))
        .add("A_inh", neuron, pop(12, 1.0))
        .add("B_inh", neuron, pop(12, 1.0))
        .connect("drive.output", "spiker.signal");
    for (const auto& [e, i, other_i] : {std::tuple{"A_exc", "A_inh", "B_inh"}, std::tuple{"B_exc", "B_inh", "A_inh"}}) {
        net.connect("spiker.spikes", std::string(e) + ".in_spikes")
            .connect(std::string(e) + ".out_spikes", std::string(e) + ".in_spikes")
            .connect(std::string(other_i) + ".out_spikes", std::string(e) + ".in_spikes")
            .connect(std::string(e) + ".out_spikes", std::string(i) + ".in_spikes")
            .connect("spiker.spikes", std::string(i) + ".in_spikes");
    }
    for (const char* n : {"A_exc", "B_exc", "A_inh", "B_inh"}) {
        const std::string input = std::string("mod_") + n;
        net.input(input, std::string(n) + ".modulation");
    }
    return net;
}

// A writing visit that sets element `index` of the state array `name` to `value`.
class Overwrite final : public StateVisitor {
public:
    Overwrite(std::string name, std::size_t index, float value) : name_(std::move(name)), index_(index), value_(value) {}
    void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
        if (name == name_ && dtype == DType::f32 && index_ < count) static_cast<float*>(data)[index_] = value_;
    }

private:
    std::string name_;
    std::size_t index_;
    float value_;
};

// The kernel of `synapses`, by a reading visit (which, unlike a property read, is no write).
std::vector<float> kernel_of(Simulation& sim, const std::string& synapses) {
    struct Read final : StateVisitor {
        Read() : StateVisitor(StateAccess::read) {}
        std::vector<float> kernel;
        void visit(std::string_view name, DType, void* data, std::size_t count) override {
            if (name == "kernel") kernel.assign(static_cast<const float*>(data), static_cast<const float*>(data) + count);
        }
    } read;
    sim.component(synapses).visit_state(read);
    return read.kernel;
}

// Between steps, the kernel of `synapses` written in each of the ways a run allows, to values the
// rules clip (negative, -0, above the tensor rule's max_clip, NaN) or keep.
void write_kernel_from_outside(Simulation& sim, const std::string& synapses, int t) {
    if (t == 150) {  // a writing state visit of the synapses (as a snapshot load makes; the rules keep x per unit)
        for (const auto& [index, value] : {std::pair{3, -1.5f}, std::pair{40, -0.0f}, std::pair{77, 1e9f}}) {
            Overwrite w("kernel", index, value);
            sim.component(synapses).visit_state(w);
        }
    } else if (t == 300) {  // an effect: set_property with a changed copy
        std::vector<float> k = kernel_of(sim, synapses);
        k[5] = -2.0f;
        k[k.size() / 2] = std::numeric_limits<float>::quiet_NaN();
        k[k.size() - 1] = 300.0f;
        sim.component(synapses).set_property(0, ConstArrayRef(k.data(), k.size()));
    } else if (t == 450) {  // a write through the live property
        auto k = sim.component(synapses).property(0).f32();
        k[11] = -0.0f;
        k[k.size() / 3] = 1e6f;
    }
}

// The text of the plan line that says a node's output codes are written on demand (graph/src/bind.cpp).
constexpr const char* deferred_line = "out_spikes: codes written only for a read from outside the step";
bool codes_deferred(const Simulation& sim, const std::string& node) {
    std::istringstream plan(sim.plan_text());
    bool in_node = false;
    for (std::string line; std::getline(plan, line);) {
        if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0])))  // "k. path (type)...": a task
            in_node = line.find(". " + node + " (") != std::string::npos;
        else if (in_node && line.find(deferred_line) != std::string::npos)
            return true;
    }
    return false;
}

struct Run {
    Collect state;
    std::vector<std::uint8_t> spikes;
    std::vector<std::uint8_t> delayed;  // some delays' output codes, after the run
    std::map<std::string, std::vector<std::uint32_t>> tensor_post_traces;  // expanded per synapse
    std::vector<std::uint32_t> kernels_after_writes;  // the written kernel after each step that followed a write
};

Run run(const Network& net, bool tensor, bool reference, ExecutorKind kind, unsigned threads, bool outside_writes) {
    components::ScopedDenseReference mode(reference);
    BuildOptions o;
    o.executor = kind;
    o.threads = threads;
    static const TemplateRegistry templates = mod_templates();
    o.templates = &templates;
    std::map<std::string, PortSpec> specs;
    const char* pops[] = {"A_exc", "B_exc", "A_inh", "B_inh"};
    if (tensor)
        for (const char* n : pops) specs[std::string("mod_") + n] = PortSpec(PayloadKind::floating, {1});
    auto sim = Simulation::build(net, specs, o);
    Run r;
    for (int t = 0; t < 600; ++t) {
        if (tensor) {
            // phases: zero modulation, a constant passive value, a reward block decaying every step
            const int phase = (t / 100) % 3;
            for (std::size_t k = 0; k < 4; ++k) {
                const float m = phase == 0 ? 0.0f
                                : phase == 1 ? -0.0001f
                                             : (k % 2 ? 2.5f : -25.0f) * std::exp(-float(t % 100) / 0.5f);
                sim.input(std::string("mod_") + pops[k]).f32()[0] = m;
            }
        }
        const std::string written = tensor ? "A_exc.synapses" : "exc.synapses";
        if (outside_writes) write_kernel_from_outside(sim, written, t);
        if (outside_writes && tensor && t == 200) {
            // x written: B_inh's rule keeps it per synapse from here on (the event form reads the codes again,
            // built from the arrivals when its delays defer them)
            Overwrite w("pre_trace", 5, 0.25f);
            sim.component("B_inh.plasticity").visit_state(w);
        }
        sim.step();
        if (outside_writes && t % 150 == 0)
            for (float k : kernel_of(sim, written)) r.kernels_after_writes.push_back(std::bit_cast<std::uint32_t>(k));
        for (const char* node : tensor ? std::vector<const char*>{"A_exc.soma", "B_exc.soma", "A_inh.soma", "B_inh.soma"}
                                       : std::vector<const char*>{"exc.soma", "inh.soma"}) {
            const auto codes = sim.read(node, "spikes").u8();
            r.spikes.insert(r.spikes.end(), codes.begin(), codes.end());
        }
    }
    // The rules keep x per pre unit in the event form (the delays reach them on the spec).
    for (const char* n : tensor ? std::vector<const char*>{"A_exc", "B_exc", "A_inh", "B_inh"}
                                : std::vector<const char*>{"exc", "inh"}) {
        INFO(n);
        const bool x_written = outside_writes && tensor && std::string(n) == "B_inh";
        REQUIRE(pre_trace_per_unit(sim.component(std::string(n) + ".plasticity")) == (!reference && !x_written));
        // The delays' codes are left to a read from outside where only the dense synapses and the tensor
        // rule (x per unit at build) read them.
        const bool tensor_rule = net.find(n)->type == "alif_mod_neuron";
        REQUIRE(codes_deferred(sim, std::string(n) + ".delays") == (!reference && tensor_rule));
    }
    for (const char* n : {"A_exc", "B_inh"})  // read from outside now: the last step's codes
        if (tensor) {
            const auto codes = sim.read(std::string(n) + ".delays", "out_spikes").u8();
            r.delayed.insert(r.delayed.end(), codes.begin(), codes.end());
        }
    sim.visit_state(r.state);
    if (tensor)
        for (const char* n : pops) {
            const auto* rule = dynamic_cast<const components::plasticity::QuadrupletRuleTensor*>(
                &sim.component(std::string(n) + ".plasticity"));
            if (rule == nullptr) continue;  // another rule: the same post trace in both forms
            auto& y = r.tensor_post_traces[n];
            for (std::size_t i = 0; i < rule->synapse_types().size(); ++i)
                y.push_back(std::bit_cast<std::uint32_t>(rule->post_trace_at(i)));
            r.state.arrays.erase(std::string(n) + ".plasticity/post_trace");  // its layout differs by form
        }
    return r;
}

void compare_to_reference(const Network& net, bool tensor, bool outside_writes = false) {
    const Run reference = run(net, tensor, true, ExecutorKind::sequential, 1, outside_writes);
    std::size_t fired = 0;
    for (auto c : reference.spikes) fired += c & spike::bit;
    INFO("fired " << fired << " of " << reference.spikes.size());
    CHECK(fired > reference.spikes.size() / 100);
    REQUIRE(fired > 500);  // active enough for the comparison to mean something
    struct Config {
        ExecutorKind kind;
        unsigned threads;
        const char* name;
    };
    for (const Config c : {Config{ExecutorKind::sequential, 1, "sequential"}, Config{ExecutorKind::tbb, 1, "tbb 1"},
                           Config{ExecutorKind::tbb, 2, "tbb 2"}, Config{ExecutorKind::pool, 1, "pool 1"},
                           Config{ExecutorKind::pool, 2, "pool 2"}}) {
        INFO("event form on " << c.name);
        const Run event = run(net, tensor, false, c.kind, c.threads, outside_writes);
        REQUIRE(event.spikes == reference.spikes);
        REQUIRE(event.delayed == reference.delayed);
        REQUIRE(event.state.arrays.size() == reference.state.arrays.size());
        for (const auto& [name, bytes] : reference.state.arrays) {
            INFO("state " << name);
            REQUIRE(event.state.arrays.count(name) == 1);
            REQUIRE(event.state.arrays.at(name) == bytes);
        }
        REQUIRE(event.tensor_post_traces == reference.tensor_post_traces);
        REQUIRE(event.kernels_after_writes == reference.kernels_after_writes);
    }
}

}  // namespace

TEST_CASE("Hebbian network with N2N delays: the event forms give the reference spikes and state on every executor",
          "[event_form][determinism]") {
    compare_to_reference(hebbian_network(), false);
}

TEST_CASE("Tensor-rule network with modulation: the event forms give the reference spikes and state on every executor",
          "[event_form][determinism]") {
    compare_to_reference(tensor_network(), true);
}

TEST_CASE("Hebbian network, kernel written from outside between steps: event forms give the reference",
          "[event_form][determinism]") {
    compare_to_reference(hebbian_network(), false, true);
}

TEST_CASE("Tensor-rule network, kernel written from outside between steps: event forms give the reference",
          "[event_form][determinism]") {
    compare_to_reference(tensor_network(), true, true);
}

TEST_CASE("Three-factor network, reward phases, kernel written from outside: event forms give the reference",
          "[event_form][determinism]") {
    compare_to_reference(tensor_network("alif_reward_neuron"), true, true);
}

namespace {
// poisson input -> N2N delays -> linear synapses of `layout`, with the delays' output on a `latency` wire
// (previous step: the runtime keeps two output buffers, one per step parity).
struct DelayChainRun {
    std::vector<std::uint8_t> delayed;  // the delays' output codes, every step
    std::vector<float> currents;        // the synapses' currents, every step
    Collect state;
};

// The chain's sizes: the small one, and one whose dense synapses split into several tasks and whose
// delays split their code writes over two threads (thousands of arrivals per step).
struct ChainSize {
    std::size_t posts, pre;
    int steps;
};

// The delays' codes are read after the steps t with t % read_every == 0 (and right after the reset);
// currents after every step.
DelayChainRun run_delay_chain(const std::string& layout, Latency latency, bool reference, ExecutorKind kind,
                              unsigned threads, ChainSize size, int read_every) {
    components::ScopedDenseReference mode(reference);
    Network net(latency);
    net.seed = 17;
    const double posts = static_cast<double>(size.posts), pre = static_cast<double>(size.pre);
    net.add("drive", "constant_source", {{"units", units(pre)}, {"kind", "float"}, {"value", 0.4}})
        .add("input", "poisson_spiker", {{"max_freq", 120.0}})
        .add("delays", "n2n_delays", {{"units", units(posts)}, {"max_delay", 6.0}})
        .add("synapses", "linear_synapses", {{"units", units(posts)}, {"layout", layout}, {"kernel.density", 0.3}})
        .connect("drive.output", "input.signal")
        .connect("input.spikes", "delays.in_spikes")
        .connect("delays.out_spikes", "synapses.spikes");
    BuildOptions o;
    o.executor = kind;
    o.threads = threads;
    auto sim = Simulation::build(net, {}, o);
    REQUIRE(dynamic_cast<const components::synapses::LinearSynapses&>(sim.component("synapses")).layout() ==
            (layout == "dense" ? components::synapses::Layout::dense : components::synapses::Layout::sparse));
    // Only the dense synapses on a same-step wire leave the delays' codes to a read from outside.
    REQUIRE(codes_deferred(sim, "delays") == (!reference && layout == "dense" && latency == Latency::same_step));
    DelayChainRun r;
    const auto read_codes = [&] {
        const auto codes = sim.read("delays", "out_spikes").u8();
        r.delayed.insert(r.delayed.end(), codes.begin(), codes.end());
    };
    for (int t = 0; t < size.steps; ++t) {
        if (t == size.steps / 2 - 50) {
            sim.reset();  // the runtime zeroes the delays' output buffers
            read_codes();
        }
        sim.step();
        if (t % read_every == 0) read_codes();
        const auto currents = sim.read("synapses", "currents").f32();
        r.currents.insert(r.currents.end(), currents.begin(), currents.end());
    }
    sim.visit_state(r.state);
    return r;
}
}  // namespace

TEST_CASE("N2N delays into dense and sparse synapses: the published arrivals give the reference codes, currents and state",
          "[event_forms]") {
    const auto layout = GENERATE(as<std::string>{}, "dense", "sparse");
    const auto latency = GENERATE(Latency::same_step, Latency::previous_step);
    const auto size = GENERATE(ChainSize{33, 48, 1500}, ChainSize{160, 900, 160});
    const int read_every = GENERATE(1, 7);
    INFO("layout " << layout << ", latency " << to_string(latency) << ", " << size.posts << " x " << size.pre
                   << ", codes read every " << read_every << " steps");
    const std::size_t codes = size.posts * size.pre;
    const DelayChainRun reference = run_delay_chain(layout, latency, true, ExecutorKind::sequential, 1, size, read_every);
    std::size_t arrivals = 0;
    for (auto c : reference.delayed) arrivals += c & spike::bit;
    CHECK(arrivals > reference.delayed.size() / 50);
    if (codes > 100000) CHECK(arrivals > 2048u * std::size_t(size.steps / read_every));  // (the delays' split: >= 4096 writes a step)
    for (auto [kind, threads] : {std::pair{ExecutorKind::sequential, 1u}, std::pair{ExecutorKind::pool, 2u},
                                 std::pair{ExecutorKind::tbb, 2u}}) {
        INFO("threads " << threads);
        const DelayChainRun event = run_delay_chain(layout, latency, false, kind, threads, size, read_every);
        // (element by element: a failure names the first differing element instead of printing the runs)
        REQUIRE(event.delayed.size() == reference.delayed.size());
        for (std::size_t i = 0; i < event.delayed.size(); ++i) {
            if (event.delayed[i] == reference.delayed[i]) continue;
            FAIL("code " << i % codes << " of step " << i / codes << ": " << int(event.delayed[i]) << " instead of "
                         << int(reference.delayed[i]));
        }
        REQUIRE(event.currents.size() == reference.currents.size());
        for (std::size_t i = 0; i < event.currents.size(); ++i) {
            if (std::bit_cast<std::uint32_t>(event.currents[i]) == std::bit_cast<std::uint32_t>(reference.currents[i]))
                continue;
            FAIL("current " << i % size.posts << " of step " << i / size.posts << ": " << event.currents[i] << " instead of "
                            << reference.currents[i]);
        }
        REQUIRE(event.state.arrays.size() == reference.state.arrays.size());
        for (const auto& [name, bytes] : reference.state.arrays) {
            INFO(name);
            REQUIRE(event.state.arrays.count(name) == 1);
            CHECK(event.state.arrays.at(name) == bytes);
        }
    }
}
