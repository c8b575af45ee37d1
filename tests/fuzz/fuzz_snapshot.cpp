// libFuzzer target of the snapshot loader. Every input must either load, or be refused with a
// SnapshotError that leaves the simulation untouched; anything else (a crash, a sanitizer report,
// another exception, a changed state after a refusal) is a finding.
//
// Each input is tried twice: as given (the framing, magic and checksums), and with the CRC-32 of
// every complete record recomputed, so that mutations reach the record contents behind the checksums
// (the header, the description, the directory, the chunks).
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <zlib.h>

#include "snapshot_testing.hpp"

using namespace spark;
using namespace spark::testing;

namespace {

graph::Simulation* simulation = nullptr;
const State* initial = nullptr;
const std::string* initial_bytes = nullptr;

// Recomputes the CRC of every complete record (snapshot.proto: magic, then varint length | payload | CRC).
std::string reseal(std::string bytes) {
    std::size_t pos = 8;
    while (pos < bytes.size()) {
        std::uint64_t length = 0;
        int shift = 0;
        for (;; shift += 7) {
            if (pos >= bytes.size() || shift > 28) return bytes;
            const auto c = static_cast<unsigned char>(bytes[pos++]);
            length |= static_cast<std::uint64_t>(c & 0x7f) << shift;
            if (!(c & 0x80)) break;
        }
        if (length + 4 > bytes.size() - pos) return bytes;
        const auto crc = static_cast<std::uint32_t>(crc32_z(crc32(0L, Z_NULL, 0),
                                                            reinterpret_cast<const Bytef*>(bytes.data() + pos), length));
        pos += length;
        for (int i = 0; i < 4; ++i) bytes[pos + static_cast<std::size_t>(i)] = static_cast<char>((crc >> (8 * i)) & 0xff);
        pos += 4;
    }
    return bytes;
}

void try_load(const std::string& bytes) {
    try {
        load_bytes(*simulation, bytes, "fuzz");
    } catch (const SnapshotError&) {
        if (state_of(*simulation) != *initial) std::abort();  // a refused snapshot changed the simulation
        return;
    }
    load_bytes(*simulation, *initial_bytes, "initial");  // it loaded: back to the common starting state
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    static auto sim = graph::Simulation::build(small_network(5, 3), small_specs(3), snapshot_options());
    sim.run(7);
    static const State state = state_of(sim);
    static const std::string bytes = snapshot_bytes(sim);
    simulation = &sim;
    initial = &state;
    initial_bytes = &bytes;
    // Seed every corpus directory named on the command line with valid snapshots.
    auto seed = graph::Simulation::build(small_network(5, 3), small_specs(3), snapshot_options());
    for (int i = 1; i < *argc; ++i) {
        const std::string arg = (*argv)[i];
        if (arg.empty() || arg[0] == '-' || !std::filesystem::is_directory(arg)) continue;  // not a corpus
        for (int step : {0, 3, 7}) {
            while (seed.step_count() < step) seed.step();
            std::ofstream out(std::filesystem::path(arg) / ("seed_step" + std::to_string(step) + ".snap"),
                              std::ios::binary | std::ios::trunc);
            out << snapshot_bytes(seed);
        }
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    try_load(bytes);
    try_load(reseal(bytes));
    return 0;
}
