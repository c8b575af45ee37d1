// A network file's build diagnostics carry the file and line of the statement each comes from: one test
// per diagnostic code. The line a diagnostic must name is marked "#@" in each file.
#include <catch2/catch.hpp>

#include <spark/serialization/network_file.hpp>

#include "test_components.hpp"

using namespace spark;
using namespace spark::graph;
using namespace spark::serialization;
using Catch::Contains;

namespace {

int marked_line(const std::string& text) {
    int line = 1;
    for (std::size_t i = 0; i < text.find("#@"); ++i) line += text[i] == '\n';
    return line;
}

// Builds the file; requires exactly one diagnostic of `code` and returns its message.
std::string message_of(DiagnosticCode code, const std::string& text) {
    const NetworkFile file = parse_network_text(text, "net.txtpb");
    BuildOptions options;
    options.registry = &spark::testing::test_registry();
    try {
        (void)build_simulation(file, options);
    } catch (const GraphBuildError& e) {
        std::vector<std::string> found;
        for (const auto& d : e.diagnostics())
            if (d.code == code) found.push_back(d.message);
        INFO(e.what());
        REQUIRE(found.size() == 1);
        return found.front();
    }
    FAIL("the network built");
    return {};
}

void check_line(DiagnosticCode code, const std::string& text) {
    INFO(to_string(code) << " in\n" << text);
    CHECK_THAT(message_of(code, text), Contains("(at net.txtpb:" + std::to_string(marked_line(text)) + ")"));
}

const std::string relay_in = "node { name: \"src\" type: \"test_relay\" }\ninput { name: \"x\" to: \"src.in\" spec { kind: SPIKE_ARRAY shape: [3] } }\n";

}  // namespace

TEST_CASE("network file diagnostics name the line of their node", "[serialization][diagnostics]") {
    check_line(DiagnosticCode::invalid_name, "node { name: \"a\" type: \"test_adder\" }\n"
                                             "node { name: \"bad-name\" type: \"test_adder\" } #@\n");
    check_line(DiagnosticCode::duplicate_name, "node { name: \"a\" type: \"test_adder\" }\n"
                                               "node { name: \"a\" type: \"test_adder\" } #@\n");
    check_line(DiagnosticCode::unknown_type, "node { name: \"a\" type: \"test_adder\" }\n"
                                             "node { name: \"soma\" type: \"leaky_somma\" } #@\n");
    check_line(DiagnosticCode::template_too_deep,
               "template { name: \"loop_neuron\" body { node { name: \"inner\" type: \"loop_neuron\" } } }\n"
               "node { name: \"outer\" type: \"loop_neuron\" } #@\n");
    check_line(DiagnosticCode::unknown_override,
               relay_in + "node { name: \"pool\" type: \"lif_neuron\" param { path: \"units\" shape: [3] } "
                          "param { path: \"unitz\" number: 3 } } #@\nwire { from: \"src.out\" to: \"pool.in_spikes\" }\n");
    check_line(DiagnosticCode::missing_parameter,
               "template { name: \"needy\" parameter { name: \"units\" } body { node { name: \"a\" type: \"test_adder\" } } }\n"
               "node { name: \"n\" type: \"needy\" } #@\n");
    check_line(DiagnosticCode::invalid_config,
               "node { name: \"drive\" type: \"test_current\" param { path: \"units\" shape: [3] } }\n"
               "node { name: \"soma\" type: \"leaky_soma\" param { path: \"potential_tau\" number: -5 } } #@\n"
               "wire { from: \"drive.out\" to: \"soma.current\" }\n");
    check_line(DiagnosticCode::invalid_initial_state,
               "node { name: \"drive\" type: \"test_current\" param { path: \"units\" shape: [3] } }\n"
               "node { name: \"soma\" type: \"leaky_soma\" param { path: \"initial.potentiall\" number: 1 } } #@\n"
               "wire { from: \"drive.out\" to: \"soma.current\" }\n");
    check_line(DiagnosticCode::unwired_input, "node { name: \"a\" type: \"test_adder\" }\n"
                                              "node { name: \"r\" type: \"test_relay\" } #@\n");
    check_line(DiagnosticCode::same_step_cycle,
               "node { name: \"a\" type: \"test_adder\" } #@\nnode { name: \"b\" type: \"test_adder\" }\n"
               "wire { from: \"a.out\" to: \"b.in\" latency: SAME_STEP }\n"
               "wire { from: \"b.out\" to: \"a.in\" latency: SAME_STEP }\n");
    check_line(DiagnosticCode::incompatible_sources,
               "node { name: \"i3\" type: \"test_current\" param { path: \"units\" shape: [3] } }\n"
               "node { name: \"i4\" type: \"test_current\" param { path: \"units\" shape: [4] } }\n"
               "node { name: \"c\" type: \"test_current_copy\" } #@\n"
               "wire { from: \"i3.out\" to: \"c.in\" }\nwire { from: \"i4.out\" to: \"c.in\" }\n");
    check_line(DiagnosticCode::shape_mismatch,
               "node { name: \"r\" type: \"test_relay\" param { path: \"units\" shape: [2] } } #@\n"
               "input { name: \"x\" to: \"r.in\" spec { kind: SPIKE_ARRAY shape: [3] } }\n");
    check_line(DiagnosticCode::broken_contract,
               "node { name: \"reader\" type: \"test_adder\" param { path: \"units\" shape: [3] } }\n"
               "node { name: \"liar\" type: \"test_faulty\" param { path: \"promise\" shape: [3] } } #@\n"
               "wire { from: \"liar.out\" to: \"reader.in\" }\n"
               "input { name: \"x\" to: \"liar.in\" spec { kind: FLOAT_ARRAY shape: [4] } }\n");
    check_line(DiagnosticCode::too_large,
               "node { name: \"big\" type: \"test_faulty\" param { path: \"refuse_memory\" flag: true } } #@\n");
    // unresolved_shape: both nodes of the waiting pair are reported, each at its own line.
    const std::string waiting = "node { name: \"a\" type: \"test_relay\" } #@\nnode { name: \"b\" type: \"test_relay\" }\n"
                                "wire { from: \"a.out\" to: \"b.in\" }\nwire { from: \"b.out\" to: \"a.in\" }\n";
    const NetworkFile file = parse_network_text(waiting, "net.txtpb");
    REQUIRE_THROWS_WITH(build_simulation(file, BuildOptions{.registry = &spark::testing::test_registry()}),
                        Contains("node 'a' cannot be built") && Contains("(at net.txtpb:1)") &&
                            Contains("node 'b' cannot be built") && Contains("(at net.txtpb:2)"));
}

TEST_CASE("network file diagnostics name the line of their wire, effect, input or override",
          "[serialization][diagnostics]") {
    const std::string two = "node { name: \"a\" type: \"test_adder\" }\nnode { name: \"b\" type: \"test_adder\" }\n";
    check_line(DiagnosticCode::unknown_node, two + "wire { from: \"a.out\" to: \"b.in\" }\n"
                                                   "wire { from: \"c.out\" to: \"b.in\" } #@\n");
    check_line(DiagnosticCode::unknown_port, two + "wire { from: \"a.outt\" to: \"b.in\" } #@\n");
    check_line(DiagnosticCode::kind_mismatch, "node { name: \"i\" type: \"test_current\" }\n"
                                              "node { name: \"r\" type: \"test_relay\" }\n"
                                              "wire { from: \"i.out\" to: \"r.in\" } #@\n");
    check_line(DiagnosticCode::not_settable, two + "effect { target: \"a.out\" source: \"b.out\" } #@\n");
    check_line(DiagnosticCode::effect_mismatch,
               "node { name: \"target\" type: \"test_faulty\" }\n"
               "node { name: \"source\" type: \"test_adder\" param { path: \"units\" shape: [5] } }\n"
               "input { name: \"x\" to: \"target.in\" spec { kind: FLOAT_ARRAY shape: [4] } }\n"
               "effect { target: \"target.value\" source: \"source.out\" } #@\n");
    check_line(DiagnosticCode::missing_input_spec, "node { name: \"r\" type: \"test_relay\" }\n"
                                                   "input { name: \"x\" to: \"r.in\" } #@\n");
    check_line(DiagnosticCode::unmatched_override,
               "node { name: \"drive\" type: \"test_current\" param { path: \"units\" shape: [3] } }\n"
               "node { name: \"soma\" type: \"leaky_soma\" }\nwire { from: \"drive.out\" to: \"soma.current\" }\n"
               "set_everywhere { path: \"treshold\" number: -45 } #@\n");
    check_line(DiagnosticCode::unmatched_override,
               "node { name: \"drive\" type: \"test_current\" param { path: \"units\" shape: [3] } }\n"
               "node { name: \"soma\" type: \"leaky_soma\" }\nwire { from: \"drive.out\" to: \"soma.current\" }\n"
               "param { path: \"*.treshold\" number: -45 } #@\n");
}

TEST_CASE("network file diagnostics without a statement carry no line", "[serialization][diagnostics]") {
    // dt is a field of the whole file; a spec without `to` is not an input of the network.
    CHECK_THAT(message_of(DiagnosticCode::invalid_dt, "dt: -1\nnode { name: \"a\" type: \"test_adder\" }\n"),
               !Contains("(at net.txtpb"));
    CHECK_THAT(message_of(DiagnosticCode::unknown_input_spec,
                          "node { name: \"a\" type: \"test_adder\" }\n"
                          "input { name: \"y\" spec { kind: FLOAT_ARRAY shape: [1] } }\n"),
               !Contains("(at net.txtpb"));
}
