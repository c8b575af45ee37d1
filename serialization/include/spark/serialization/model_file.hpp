#pragma once
// Model files of any supported format, read into the one in-memory result, NetworkFile.
//
// The format is detected from the file's first bytes, never from its name: the HDF5 signature
// (89 48 44 46 0D 0A 1A 0A) is a NIR file (nir.hpp), anything else spark's network text (network_file.hpp).
//
// @code
//   spark::serialization::ImportOptions options;
//   options.dt = 0.1;                     // [ms]
//   auto file = spark::serialization::load_model_file("model.nir", options);
//   for (const auto& w : file.warnings) std::cerr << "warning: " << w << '\n';
//   auto sim = spark::serialization::build_simulation(file);
// @endcode
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spark/serialization/network_file.hpp>

namespace spark::serialization {

struct ImportOptions {
    std::map<std::string, PortSpec> input_specs;   // --input NAME=KIND:SHAPE, for inputs whose shape the file lacks
    std::optional<double> dt;                      // --dt override [ms] (NIR)
    double nir_time_unit_ms = 1000.0;              // --nir-time-unit s|ms (NIR: 1 s = 1000 ms by default)
    std::vector<graph::NeuronTemplate> templates;  // --templates FILE (e.g. a Spark neuron .scfg)
};

enum class ModelFormat { network_text, spark_scfg, nir };

// The format of a file from its first bytes (at least 8 for a reliable answer).
ModelFormat detect_model_format(std::string_view first_bytes);

// Reads a model file of any supported format. Throws NetworkFileError (naming the file) for a file that
// cannot be read or does not describe a network.
NetworkFile load_model_file(const std::filesystem::path& path, const ImportOptions& options = {});

}  // namespace spark::serialization
