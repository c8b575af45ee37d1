#pragma once
// Small text helpers shared by messages and registries.
#include <string>
#include <string_view>
#include <vector>

namespace spark {

// Spark's registry-name normalisation: "LIFNeuron" -> "lif_neuron", "N2NDelays" -> "n2n_delays",
// "RDTracedSynapses" -> "rd_traced_synapses"; spaces and hyphens become '_'.
std::string normalize_name(std::string_view name);

// Up to `max` candidates closest to `query` by edit distance (the "did you mean" list).
std::vector<std::string> closest_names(std::string_view query, const std::vector<std::string>& candidates,
                                       std::size_t max = 3);

// "a, b, c"
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

// Shortest round-trip decimal form of a number ("20", "0.1", "-5").
std::string format_number(double value);

// The double that has the same shortest decimal form as a float (0.1f -> 0.1, not 0.10000000149011612),
// so that float parameters print and serialise as they were written; converting it back to float
// gives `value` again.
double decimal_double(float value);

}  // namespace spark
