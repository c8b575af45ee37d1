#include "xz.hpp"

#include <memory>

#include <lzma.h>

#include <spark/serialization/scfg.hpp>

namespace spark::serialization::detail {

namespace {

std::string lzma_code_name(lzma_ret code) {
    switch (code) {
        case LZMA_MEM_ERROR: return "LZMA_MEM_ERROR";
        case LZMA_MEMLIMIT_ERROR: return "LZMA_MEMLIMIT_ERROR";
        case LZMA_FORMAT_ERROR: return "LZMA_FORMAT_ERROR";
        case LZMA_OPTIONS_ERROR: return "LZMA_OPTIONS_ERROR";
        case LZMA_DATA_ERROR: return "LZMA_DATA_ERROR";
        case LZMA_BUF_ERROR: return "LZMA_BUF_ERROR";
        case LZMA_PROG_ERROR: return "LZMA_PROG_ERROR";
        default: return "code " + std::to_string(static_cast<int>(code));
    }
}

// Decoder memory: the tutorial files need 9 MiB (an 8 MiB dictionary); anything above 256 MiB is refused.
constexpr std::uint64_t kMemoryLimit = std::uint64_t{256} << 20;

}  // namespace

std::string xz_decompress(std::string_view data, std::size_t max_bytes, const std::string& source) {
    lzma_stream stream = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&stream, kMemoryLimit, LZMA_CONCATENATED) != LZMA_OK)
        throw ScfgError(source, "cannot start the XZ decoder (out of memory)");
    const std::unique_ptr<lzma_stream, void (*)(lzma_stream*)> guard(&stream, lzma_end);
    stream.next_in = reinterpret_cast<const std::uint8_t*>(data.data());
    stream.avail_in = data.size();

    std::string out;
    char buffer[1 << 16];
    for (;;) {
        stream.next_out = reinterpret_cast<std::uint8_t*>(buffer);
        stream.avail_out = sizeof buffer;
        const lzma_ret code = lzma_code(&stream, LZMA_FINISH);
        const std::size_t produced = sizeof buffer - stream.avail_out;
        if (out.size() + produced > max_bytes)
            throw ScfgError(source, "more than " + std::to_string(max_bytes >> 20) + " MiB of JSON; refusing");
        out.append(buffer, produced);
        if (code == LZMA_STREAM_END) return out;
        if (code != LZMA_OK)
            throw ScfgError(source, "the XZ data is corrupt or truncated (liblzma: " + lzma_code_name(code) + ")");
    }
}

}  // namespace spark::serialization::detail
