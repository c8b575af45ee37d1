#pragma once
// Diagnostics: what the build pass found wrong with a network, as data.
//
// Every pass of the build (flatten, resolve, order, infer) reports each problem as a Diagnostic: a
// code a program can switch on, the node path and port (or config field) it concerns, the statement
// of the description it comes from (a top-level node, wire, effect, input or output, by index), the
// expected and actual spec or value where a comparison failed, the sentence shown to a person, and
// the closest known names where a name was not found. The build reports all of them together in one
// GraphBuildError; a network file maps each to its `file:line` through `origin`, never by reading
// the message.
//
// @code
//   try {
//       auto sim = Simulation::build(net, specs);
//   } catch (const GraphBuildError& e) {
//       for (const Diagnostic& d : e.diagnostics())
//           if (d.code == DiagnosticCode::unknown_port && d.origin.kind == Origin::wire)
//               fix_wire(net.wires[d.origin.index], d.suggestions);
//   }
// @endcode
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <spark/core/error.hpp>

namespace spark::graph {

enum class DiagnosticCode : std::uint8_t {
    invalid_name,          // a node name with characters other than letters, digits and '_'
    duplicate_name,        // a node or network output defined twice
    unknown_type,          // no component or neuron template of that name
    template_too_deep,     // neuron templates nested deeper than the limit (a template containing itself)
    unknown_override,      // an override of a neuron names neither its parameter nor an inner node's field
    missing_parameter,     // a required neuron template parameter is not given
    unmatched_override,    // a "*.field" override that no node below has
    invalid_config,        // a component's config was refused (ConfigError: field, value, rule)
    invalid_initial_state, // an "initial.<state>" override names no float state array, or its value is refused
    invalid_dt,            // the network's dt is not a finite positive number of ms
    unknown_node,          // a wire, effect, input or output names no node
    unknown_port,          // ... or a port its node does not have
    kind_mismatch,         // a wire joins an output and an input of different payload kinds
    not_settable,          // an effect's target is not a settable property
    unwired_input,         // a required input has no wire
    same_step_cycle,       // nodes that wait on each other within one step
    missing_input_spec,    // a network input without a spec
    unknown_input_spec,    // a spec for something that is not a network input
    incompatible_sources,  // the sources of one input can be neither summed nor concatenated
    shape_mismatch,        // a component refused the spec of one of its inputs (ShapeError)
    unresolved_shape,      // an input waits on a previous-step wire from a node without a recurrent contract
    broken_contract,       // a node built another spec than its recurrent contract promised
    effect_mismatch,       // an effect's source does not fit its target property
    too_large,             // a node's state does not fit in memory
};

// The name of a code ("unknown_port"), as `spark check` prints it.
std::string_view to_string(DiagnosticCode code) noexcept;

// The statement of the network description a diagnostic comes from. A problem inside a neuron
// template points at the top-level node that uses the template.
struct Origin {
    enum Kind : std::uint8_t { none, node, wire, effect, input, output, everywhere };
    Kind kind = none;
    std::size_t index = 0;  // into Network::nodes, wires, effects, inputs, outputs or everywhere
    bool operator==(const Origin&) const = default;
};

struct Diagnostic {
    DiagnosticCode code{};
    std::string node{};      // the flattened node path ("pool.soma"), or empty
    std::string port{};      // the port, config field or network input/output concerned, or empty
    Origin origin{};
    std::string expected{};  // what fits there (a spec, a kind, a rule), or empty
    std::string actual{};    // what was found, or empty
    std::string message{};   // the whole sentence: where, what, expected and got
    std::vector<std::string> suggestions{};  // the closest known names, when a name was not found
};

// The build found one or more problems; what() lists every diagnostic's message, one per line
// ("2 problems in the network:\n  - ...").
class GraphBuildError : public GraphError {
public:
    explicit GraphBuildError(std::vector<Diagnostic> diagnostics);
    const std::vector<Diagnostic>& diagnostics() const noexcept { return diagnostics_; }

private:
    std::vector<Diagnostic> diagnostics_;
};

}  // namespace spark::graph
