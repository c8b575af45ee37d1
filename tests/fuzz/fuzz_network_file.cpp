// libFuzzer target of the network-file reader. Every input must either parse or be refused with a
// NetworkFileError; what parses must write back to text that parses again to the same text (the
// writer's output is a fixed point). Building is not fuzzed: a file may legitimately ask for huge
// populations.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <spark/serialization/network_file.hpp>

#include "text_fixed_point.hpp"

using namespace spark::serialization;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    NetworkFile file;
    try {
        file = parse_network_text(text, "fuzz.txtpb");
    } catch (const NetworkFileError&) {
        return 0;
    }
    spark::fuzz::require_text_fixed_point(file);
    return 0;
}
