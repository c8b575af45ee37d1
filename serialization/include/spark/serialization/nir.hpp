#pragma once
// NIR, the Neuromorphic Intermediate Representation (neuroir.org; Pedersen et al., Nat. Commun. 15,
// 8122, 2024): import of a NIR graph as a spark network, and export of a spark network as one.
//
// Import maps each NIR primitive onto spark components (nested graphs are flattened, their nodes named
// "outer_inner"; names are made valid by replacing other characters with '_'):
//   Input / Output     network input (a SpikeArray unless ImportOptions::input_specs says otherwise) / output
//   Affine, Linear     affine;  Conv1d, Conv2d, SumPool2d, AvgPool2d: affine with a sparse unrolled kernel
//   Scale, Threshold   scale, threshold;   Delay: n_delays (whole steps only);   Flatten: a reshape (no node)
//   I, IF              integrator, integrate_fire_soma;   LI, LIF: leaky_integrator, leaky_soma
//   CubaLI, CubaLIF    synaptic_current "<name>_syn" feeding a leaky_integrator / leaky_soma "<name>"
// Units: time constants and delays are in `nir_time_unit_ms` (seconds by default); NIR's dimensionless
// voltages are mV and its currents pA, so R is in GOhm (R I in mV), and `r` of I and IF, a rate,
// becomes mV/(pA ms) by dividing by the time unit. Every neuron state starts at 0 (v = 0 mV absolute;
// metadata `v_initial` sets another value). Edges carry the value of the same step (a cycle closes
// with one step of latency); a spike is a value 1 held for one step (see stages/stages.hpp).
// What cannot be reproduced exactly is refused (NetworkFileError naming the node and field) or, where
// an equivalent exists, reported in NetworkFile::warnings.
//
// Export writes the network's nodes (components with a NIR counterpart: the list above, plus
// linear_synapses as Linear) as a NIR 0.2 graph that NIR's own reader accepts; any other component is
// refused (NirExportError naming every such node). A sparse affine map that a convolution or pooling
// unrolls into exactly is written as that Conv1d, Conv2d, SumPool2d or AvgPool2d; parameters are
// written as the nodes set them.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <spark/core/error.hpp>
#include <spark/serialization/model_file.hpp>

namespace spark::serialization {

// Reads a NIR file (HDF5). Throws NetworkFileError naming the file, node and field.
NetworkFile load_nir_file(const std::filesystem::path& path, const ImportOptions& options = {});

// A network that cannot be written as NIR: nodes() lists every node without a NIR counterpart.
class NirExportError : public Error {
public:
    NirExportError(std::string message, std::vector<std::string> nodes);
    const std::vector<std::string>& nodes() const noexcept { return nodes_; }

private:
    std::vector<std::string> nodes_;
};

// Writes `network` (with the specs of its inputs) as a NIR file; time constants in `time_unit_ms`
// (seconds by default). Throws NirExportError, or Error when the file cannot be written.
void save_nir_file(const graph::Network& network, const std::map<std::string, PortSpec>& input_specs,
                   const std::filesystem::path& path, double time_unit_ms = 1000.0);
void save_nir_file(const NetworkFile& file, const std::filesystem::path& path, double time_unit_ms = 1000.0);

}  // namespace spark::serialization
