#pragma once
// Spark's .scfg model files: the brain and neuron configurations the original Spark (spark_snn 1.0)
// writes from its graph editor, XZ-compressed JSON (or plain JSON). The mapping of every class and field
// is the one of shared/spec/scfg.md:
//   * a brain_config becomes a network (previous-step wires, Spark's Brain cache) with its modules in list
//     order, one wire per port map in list order (spike sources concatenate in that order), its seed and dt;
//   * a neuron (a neuron_config file, or a NEURONS module with its embedded body) becomes a neuron template
//     (same-step wires); instances set units, inhibitory_rate and every inner field by path;
//   * brain inputs become network inputs; their specs come from ImportOptions::input_specs by name, else
//     from the file's __metadata__.input_specs where it carries them (Spark's checkpoints write them; the
//     graph editor's exports do not), else from ImportOptions::input_specs["*"];
//   * what spark does differently is listed in NetworkFile::warnings, one line naming the module.
// A neuron file alone yields no network, only its template (NetworkFile::own_templates).
// Everything the importer cannot map is refused with an ScfgError naming the file, the module path
// ("brain/A_excitatory/synapses") and the field; nothing is half-built.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <spark/serialization/model_file.hpp>
#include <spark/serialization/network_file.hpp>

namespace spark::serialization {

// A .scfg file spark cannot read; what() is "file: message".
class ScfgError : public NetworkFileError {
public:
    ScfgError(std::string file, std::string message) : NetworkFileError(std::move(file), 0, 0, std::move(message)) {}
};

// Larger decompressed (or plain) JSON is refused: the tutorial's brain is 218 kB.
inline constexpr std::size_t scfg_max_json_bytes = std::size_t{256} << 20;
// An input spec carried by the file with more elements is refused (2^32: 16 GiB of floats per step).
inline constexpr std::uint64_t scfg_max_input_elements = std::uint64_t{1} << 32;

// Imports the bytes of a .scfg file; `source_name` names it in messages and warnings.
NetworkFile import_scfg(std::string_view bytes, std::string_view source_name, const ImportOptions& options = {});

}  // namespace spark::serialization
