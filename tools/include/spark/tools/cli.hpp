#pragma once
// The `spark` command line: subcommands run, check, list and dot (CLI11). main() is a thin wrapper
// around run_cli so the tests can drive the same code.
//
//   spark run [NETWORK_FILE] [--duration MS | --steps N] [--seed S] [--threads T]
//             [--executor sequential|tbb] [--record NODE.PORT ...] [--out DIR] [--snapshot-in FILE]
//             [--snapshot-out FILE] [--plot auto|svg|none] [--quiet]
//   spark check NETWORK_FILE      the build pass only: every node with its specs, or every error
//   spark list [TYPE]             registered components and neuron templates, ports and parameters
//   spark dot NETWORK_FILE        Graphviz description of the built network
//   spark import MODEL_FILE [-o OUT]   a Spark .scfg brain or neuron written as a network file
//
// NETWORK_FILE may be a network file or a Spark .scfg brain (detected by content). run, check, dot and
// import take --templates FILE (neuron templates of another file) and --input (inputs.hpp): the spec of an
// input the file lacks, NAME=KIND:SHAPE, and for run also what drives it, NAME=const:V or NAME=FILE.
//
// Exit codes: 0 success, 1 error in the network, a file or at run time, 2 bad command line,
// 130 interrupted by SIGINT (what was recorded is written).
#include <csignal>
#include <iosfwd>
#include <string>

#include <spark/core/registry.hpp>
#include <spark/graph/network.hpp>
#include <spark/graph/simulation.hpp>

namespace spark::tools {

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
            const volatile std::sig_atomic_t* stop = nullptr);

// `spark list [TYPE]` output: every component and template, or only those named `type` (empty: all).
// Throws GraphError naming the closest names when `type` matches nothing.
std::string list_text(const Registry& registry, const graph::TemplateRegistry& templates, const std::string& type);

// `spark check` output for a built simulation: every node with its input, output and property specs.
std::string check_text(const graph::Simulation& simulation);

}  // namespace spark::tools
