#pragma once
// XZ decompression (liblzma) for imported model files; kept out of the public headers.
#include <cstddef>
#include <string>
#include <string_view>

namespace spark::serialization::detail {

inline constexpr std::string_view xz_magic{"\xFD" "7zXZ\0", 6};

// Decompresses every XZ stream in `data`. Throws ScfgError naming `source` when the data is corrupt or
// truncated (with liblzma's code name) or when more than `max_bytes` would come out.
std::string xz_decompress(std::string_view data, std::size_t max_bytes, const std::string& source);

}  // namespace spark::serialization::detail
