#include <spark/graph/diagnostic.hpp>

namespace spark::graph {

std::string_view to_string(DiagnosticCode code) noexcept {
    switch (code) {
        case DiagnosticCode::invalid_name: return "invalid_name";
        case DiagnosticCode::duplicate_name: return "duplicate_name";
        case DiagnosticCode::unknown_type: return "unknown_type";
        case DiagnosticCode::template_too_deep: return "template_too_deep";
        case DiagnosticCode::unknown_override: return "unknown_override";
        case DiagnosticCode::missing_parameter: return "missing_parameter";
        case DiagnosticCode::unmatched_override: return "unmatched_override";
        case DiagnosticCode::invalid_config: return "invalid_config";
        case DiagnosticCode::invalid_initial_state: return "invalid_initial_state";
        case DiagnosticCode::invalid_dt: return "invalid_dt";
        case DiagnosticCode::unknown_node: return "unknown_node";
        case DiagnosticCode::unknown_port: return "unknown_port";
        case DiagnosticCode::kind_mismatch: return "kind_mismatch";
        case DiagnosticCode::not_settable: return "not_settable";
        case DiagnosticCode::unwired_input: return "unwired_input";
        case DiagnosticCode::same_step_cycle: return "same_step_cycle";
        case DiagnosticCode::missing_input_spec: return "missing_input_spec";
        case DiagnosticCode::unknown_input_spec: return "unknown_input_spec";
        case DiagnosticCode::incompatible_sources: return "incompatible_sources";
        case DiagnosticCode::shape_mismatch: return "shape_mismatch";
        case DiagnosticCode::unresolved_shape: return "unresolved_shape";
        case DiagnosticCode::broken_contract: return "broken_contract";
        case DiagnosticCode::effect_mismatch: return "effect_mismatch";
        case DiagnosticCode::too_large: return "too_large";
    }
    return "unknown";
}

namespace {
std::string message_lines(const std::vector<Diagnostic>& diagnostics) {
    std::string text = std::to_string(diagnostics.size()) + (diagnostics.size() == 1 ? " problem" : " problems") +
                       " in the network:";
    for (const auto& d : diagnostics) text += "\n  - " + d.message;
    return text;
}
}  // namespace

GraphBuildError::GraphBuildError(std::vector<Diagnostic> diagnostics)
    : GraphError(message_lines(diagnostics)), diagnostics_(std::move(diagnostics)) {}

}  // namespace spark::graph
