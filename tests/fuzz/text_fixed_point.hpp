#pragma once
// The property the loader fuzzers share: a network that loaded writes to network text which the
// network-file reader takes back to the same text. Aborts (a libFuzzer finding) when it does not.
#include <cstdlib>
#include <string>

#include <spark/serialization/network_file.hpp>

namespace spark::fuzz {

inline void require_text_fixed_point(const serialization::NetworkFile& file) {
    const std::string written = serialization::to_network_text(file);
    try {
        if (serialization::to_network_text(serialization::parse_network_text(written, "written.txtpb")) != written)
            std::abort();
    } catch (const serialization::NetworkFileError&) {
        std::abort();  // the writer wrote text its own reader refuses
    }
}

}  // namespace spark::fuzz
