// Composite neurons (spec section 8): templates, their wiring, effects, overrides and swaps.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include <spark/graph/simulation.hpp>

using namespace spark;
using namespace spark::graph;

namespace {
PortSpec spikes(std::size_t n) { return PortSpec(PayloadKind::spikes, {n}); }
std::size_t count(ConstArrayRef codes, std::uint8_t bit) {
    std::size_t n = 0;
    for (auto c : codes.u8()) n += (c & bit) != 0;
    return n;
}
}  // namespace

TEST_CASE("an ALIF neuron of 8 units at inhibitory_rate 0.2 has exactly one inhibitory unit", "[neurons]") {
    for (std::uint64_t seed : {0u, 1u, 2u, 3u}) {
        Network net;
        net.seed = seed;
        net.add("pool", "alif_neuron", {{"units", Value::List{8}}}).input("in", "pool.in_spikes");
        auto sim = Simulation::build(net, {{"in", spikes(4)}});
        const auto mask = sim.read("pool.inhibition", "mask").u8();
        CHECK(std::accumulate(mask.begin(), mask.end(), 0) == 1);  // floor(8 * 0.2)
        sim.step();
        CHECK(count(sim.read("pool.soma", "spikes"), spike::inhibitory) == 1);
    }
    Network net;
    net.add("pool", "alif_neuron", {{"units", Value::List{100}}, {"inhibitory_rate", 0.37}}).input("in", "pool.in_spikes");
    auto sim = Simulation::build(net, {{"in", spikes(4)}});
    const auto mask = sim.read("pool.inhibition", "mask").u8();
    CHECK(std::accumulate(mask.begin(), mask.end(), 0) == 37);
}

TEST_CASE("a spike into a LIF neuron gives the hand-computed current and potential sequence", "[neurons]") {
    // One input unit, one neuron; delay 3 steps; weight 100 pA; R = 0.1 GOhm; tau = 20 ms; dt = 1 ms.
    Network net;
    net.add("lif", "lif_neuron",
            {{"units", Value::List{1}}, {"inhibitory_rate", 0.0}, {"delays.delays", 3.0},
             {"synapses.kernel", Value::List{100.0}}})
        .input("in", "lif.in_spikes");
    auto sim = Simulation::build(net, {{"in", spikes(1)}});
    const float alpha = static_cast<float>(std::exp(-1.0 / 20.0));
    const float gamma_r = (1.0f - alpha) * 0.1f;
    float v = 0.0f;
    for (int t = 0; t < 8; ++t) {
        sim.input("in").u8()[0] = t == 0 ? spike::bit : 0;  // the spike enters the delay line at step 0
        sim.step();
        const float current = t == 3 ? 100.0f : 0.0f;       // ... and reaches the synapse d = 3 steps later
        v = alpha * v + gamma_r * current;
        INFO("step " << t);
        CHECK(sim.read("lif.synapses", "currents").f32()[0] == current);
        CHECK(sim.read("lif.soma", "potential").f32()[0] == Approx(v).epsilon(1e-6));
        CHECK(count(sim.read("lif.soma", "spikes"), spike::bit) == 0);
    }
}

TEST_CASE("the Hebbian effect changes the kernel only after the step", "[neurons][plasticity]") {
    // A weight of 500 pA with R = 1 GOhm makes the neuron spike in the step the delayed spike arrives.
    Network net;
    net.add("lif", "lif_neuron",
            {{"units", Value::List{1}}, {"inhibitory_rate", 0.0}, {"delays.delays", 3.0},
             {"synapses.kernel", Value::List{500.0}}, {"soma.resistance", 1.0}})
        .input("in", "lif.in_spikes");
    auto sim = Simulation::build(net, {{"in", spikes(1)}});
    for (int t = 0; t < 4; ++t) {
        sim.input("in").u8()[0] = t == 0 ? spike::bit : 0;
        sim.step();
        if (t < 3) CHECK(sim.read("lif.synapses", "kernel").f32()[0] == 500.0f);
    }
    // Step 3: the current used the old kernel; pre and post spiked together, so both traces are 1/20
    // and dK = eta (y s_pre + s_post x) = 0.01 (0.05 + 0.05), applied after the step.
    CHECK(sim.read("lif.synapses", "currents").f32()[0] == 500.0f);
    CHECK(count(sim.read("lif.soma", "spikes"), spike::bit) == 1);
    const float x = 1.0f / 20.0f;
    const float expected = 500.0f + 1.0f * (0.01f * (x * 1.0f + 1.0f * x));
    CHECK(sim.read("lif.synapses", "kernel").f32()[0] == Approx(expected).epsilon(1e-7));
    CHECK(sim.read("lif.synapses", "kernel").f32()[0] > 500.0f);
}

TEST_CASE("overrides reach inner components by path", "[neurons][overrides]") {
    Network net;
    net.add("pool", "alif_neuron",
            {{"units", Value::List{16}}, {"synapses.kernel.scale", 200.0}, {"soma.threshold_delta", 50.0}})
        .input("in", "pool.in_spikes");
    auto sim = Simulation::build(net, {{"in", spikes(4)}});
    const Value soma = sim.component("pool.soma").config_value();
    CHECK(soma.find("threshold_delta")->as_number() == 50.0);
    CHECK(soma.find("units")->as_list().front().as_number() == 16.0);  // the neuron's units reach the soma
    const Value syn = sim.component("pool.synapses").config_value();
    CHECK(syn.find("kernel")->find("scale")->as_number() == 200.0);
    CHECK(sim.spec("pool.synapses", "kernel").to_string() == "FloatArray[16,4]:f32");

    Network bad;
    bad.add("pool", "alif_neuron", {{"units", Value::List{16}}, {"sooma.threshold_delta", 50.0}, {"inhibitory_rat", 0.1}})
        .input("in", "pool.in_spikes");
    try {
        (void)Simulation::build(bad, {{"in", spikes(4)}});
        FAIL("expected a GraphBuildError");
    } catch (const GraphBuildError& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains("'sooma.threshold_delta' is neither a parameter of alif_neuron"));
        CHECK_THAT(std::string(e.what()), Catch::Contains("did you mean inhibitory_rate"));
    }
    Network missing;
    missing.add("pool", "alif_neuron").input("in", "pool.in_spikes");
    REQUIRE_THROWS_WITH(Simulation::build(missing, {{"in", spikes(4)}}),
                        Catch::Contains("node 'pool' (alif_neuron): parameter 'units' must be given"));
}

TEST_CASE("a swapped soma changes the dynamics and keeps the wiring", "[neurons][swap]") {
    Network net;
    net.seed = 3;
    net.add("drive", "poisson_spiker", {{"max_freq", 50.0}})
        .add("pool", "alif_neuron", {{"units", Value::List{32}}, {"synapses.kernel.scale", 300.0}})
        .input("rate", "drive.signal")
        .connect("drive.spikes", "pool.in_spikes");
    auto run = [](const Network& n) {
        auto sim = Simulation::build(n, {{"rate", PortSpec(PayloadKind::floating, {16})}});
        for (auto& x : sim.input("rate").f32()) x = 1.0f;
        std::size_t spikes_total = 0;
        sim.run(300, [&](const Simulation& s) { spikes_total += count(s.read("pool.soma", "spikes"), spike::bit); });
        std::vector<std::string> paths;
        for (const auto& node : sim.nodes()) paths.push_back(node.path + ":" + node.type);
        return std::pair{spikes_total, paths};
    };
    const auto [alif_spikes, alif_nodes] = run(net);
    net.replace("pool.soma", "izhikevich_soma");
    const auto [izh_spikes, izh_nodes] = run(net);
    CHECK(alif_spikes != izh_spikes);
    REQUIRE(alif_nodes.size() == izh_nodes.size());
    for (std::size_t i = 0; i < alif_nodes.size(); ++i) {
        if (alif_nodes[i].rfind("pool.soma:", 0) == 0) CHECK(izh_nodes[i] == "pool.soma:izhikevich_soma");
        else CHECK(izh_nodes[i] == alif_nodes[i]);
    }
    net.replace("pool.soma", "hebbian_rule");
    REQUIRE_THROWS_WITH(run(net), Catch::Contains("HebbianRule 'pool.soma' has no input 'current'"));
}

TEST_CASE("a user-defined neuron template: the neurons tutorial (spec 12.3) spikes nothing on its first step",
          "[neurons][templates]") {
    NeuronTemplate custom;
    custom.name = "my_lif_neuron";
    custom.description = "LinearSynapses -> LeakySoma, signed by the population's inhibition mask.";
    custom.parameters = {{"units", Value()}, {"inhibitory_rate", Value(0.2)}};
    custom.body.add("inhibition", "inhibition_mask")
        .add("synapses", "linear_synapses")
        .add("soma", "leaky_soma")
        .input("incoming_spikes", "synapses.spikes")
        .connect("synapses.currents", "soma.current")
        .connect("inhibition.mask", "soma.inhibition_mask")
        .output("my_awesome_spikes", "soma.spikes");
    TemplateRegistry templates;
    register_builtin_templates(templates);
    templates.add(custom);
    REQUIRE_THROWS_AS(templates.add(custom), GraphError);

    Network net;
    net.seed = 12;
    net.add("neuron", "my_lif_neuron", {{"units", Value::List{8}}}).input("in", "neuron.incoming_spikes");
    BuildOptions options;
    options.templates = &templates;
    auto sim = Simulation::build(net, {{"in", spikes(16)}}, options);
    Rng rng(99);
    for (auto& code : sim.input("in").u8()) code = rng.uniform() < 0.5f ? spike::bit : 0;
    sim.step();
    const auto out = sim.read("neuron.soma", "spikes").u8();
    CHECK(count(sim.read("neuron.soma", "spikes"), spike::bit) == 0);
    CHECK(std::count(out.begin(), out.end(), spike::inhibitory) == 1);  // encoding 2: floor(8 * 0.2) = 1
}

TEST_CASE("a neuron sits in a recurrent Brain cycle through its contract", "[neurons][recurrent]") {
    Network brain;
    brain.add("spiker", "poisson_spiker")
        .add("pool", "alif_neuron", {{"units", Value::List{12}}})
        .input("signal", "spiker.signal")
        .connect("spiker.spikes", "pool.in_spikes")
        .connect("pool.out_spikes", "pool.in_spikes")
        .output("out", "pool.out_spikes");
    auto sim = Simulation::build(brain, {{"signal", PortSpec(PayloadKind::floating, {5})}});
    const auto& nodes = sim.nodes();
    const auto delays = std::find_if(nodes.begin(), nodes.end(), [](const NodeInfo& n) { return n.path == "pool.delays"; });
    REQUIRE(delays != nodes.end());
    CHECK(delays->inputs[0].spec.to_string() == "SpikeArray[17]:u8");  // 5 external + 12 recurrent
    CHECK(sim.spec("pool.synapses", "kernel").to_string() == "FloatArray[12,17]:f32");
}
