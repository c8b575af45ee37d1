// libFuzzer target of the Spark .scfg importer. Every input must either import or be refused with an
// ScfgError naming the file; what imports must write to network text that the network-file reader
// takes back to the same text (an imported model stays readable and editable). Building is not
// fuzzed: a file may legitimately ask for huge populations.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <spark/serialization/model_file.hpp>
#include <spark/serialization/scfg.hpp>

#include "text_fixed_point.hpp"

using namespace spark;
using namespace spark::serialization;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    ImportOptions options;
    options.input_specs["*"] = PortSpec(PayloadKind::floating, {1});  // brains without carried specs import too
    NetworkFile file;
    try {
        file = import_scfg(bytes, "fuzz.scfg", options);
    } catch (const ScfgError&) {
        return 0;
    }
    spark::fuzz::require_text_fixed_point(file);
    return 0;
}
