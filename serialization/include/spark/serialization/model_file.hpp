#pragma once
// Model files of any format spark reads: its own network files (protobuf text, network_file.hpp) and
// imported formats (Spark's .scfg brain and neuron configurations, scfg.hpp; NIR graphs, nir.hpp). The
// format is detected from the content, never from the file name; every reader returns a NetworkFile,
// with `warnings` listing what an import could not reproduce exactly.
//
// @code
//   spark::serialization::ImportOptions options;
//   options.input_specs["signal"] = spark::PortSpec(spark::PayloadKind::floating, {4});
//   auto file = spark::serialization::load_model_file("ab_brain.scfg", options);
//   for (const auto& w : file.warnings) std::cerr << "warning: " << w << "\n";
//   auto sim = spark::serialization::build_simulation(file);
// @endcode
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spark/core/payload.hpp>
#include <spark/graph/network.hpp>
#include <spark/serialization/network_file.hpp>

namespace spark::serialization {

struct ImportOptions {
    // Specs of network inputs whose shape the file lacks (--input NAME=KIND:SHAPE). The name "*" gives
    // the spec of every input not named otherwise. For a .scfg file a spec given by name also replaces
    // the one the file's metadata carries (a network file's own specs stay).
    std::map<std::string, PortSpec> input_specs;
    std::optional<double> dt;                      // --dt override [ms] (NIR)
    double nir_time_unit_ms = 1000.0;              // --nir-time-unit s|ms (NIR: 1 s = 1000 ms by default)
    std::vector<graph::NeuronTemplate> templates;  // --templates FILE (e.g. a Spark neuron .scfg)
};

enum class ModelFormat { network_text, spark_scfg, nir };

// XZ magic (FD 37 7A 58 5A 00) or JSON with a "__type__" key -> spark_scfg; the HDF5 signature
// (89 48 44 46 0D 0A 1A 0A) -> nir;
// anything else -> network_text. `first_bytes` is the start of the file (a few hundred bytes suffice).
ModelFormat detect_model_format(std::string_view first_bytes);

// Reads a model file of any format. Throws NetworkFileError (ScfgError for .scfg files) naming the file.
NetworkFile load_model_file(const std::filesystem::path& path, const ImportOptions& options = {});

}  // namespace spark::serialization
