#pragma once
// Reads the 8-bit RGB PNG files that spark writes (one IDAT stream, filter type 0 on every row), so
// that tests can look at the pixels of a raster plot.
#include <zlib.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace spark::testing {

struct Png {
    int width = 0, height = 0;
    std::vector<std::uint8_t> rgb;  // row-major, 3 bytes per pixel
    std::size_t count(std::uint8_t r, std::uint8_t g, std::uint8_t b) const {
        std::size_t n = 0;
        for (std::size_t i = 0; i + 2 < rgb.size(); i += 3) n += rgb[i] == r && rgb[i + 1] == g && rgb[i + 2] == b;
        return n;
    }
};

inline Png decode_png(const std::string& file) {
    auto u32 = [&](std::size_t at) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(file.at(at))) << 24 |
               static_cast<std::uint32_t>(static_cast<unsigned char>(file.at(at + 1))) << 16 |
               static_cast<std::uint32_t>(static_cast<unsigned char>(file.at(at + 2))) << 8 |
               static_cast<std::uint32_t>(static_cast<unsigned char>(file.at(at + 3)));
    };
    if (file.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) throw std::runtime_error("not a PNG file");
    Png png;
    std::string packed;
    for (std::size_t at = 8; at + 8 <= file.size();) {
        const std::uint32_t length = u32(at);
        const std::string type = file.substr(at + 4, 4);
        const std::string data = file.substr(at + 8, length);
        const std::uint32_t crc = u32(at + 8 + length);
        const auto expected = ::crc32(0, reinterpret_cast<const Bytef*>(file.data() + at + 4), length + 4);
        if (crc != expected) throw std::runtime_error("bad CRC in chunk " + type);
        if (type == "IHDR") {
            png.width = static_cast<int>(u32(at + 8));
            png.height = static_cast<int>(u32(at + 12));
            if (data.substr(8, 5) != std::string("\x08\x02\x00\x00\x00", 5)) throw std::runtime_error("not 8-bit RGB");
        } else if (type == "IDAT") {
            packed += data;
        }
        at += 12 + length;
    }
    const std::size_t row = static_cast<std::size_t>(png.width) * 3 + 1;
    std::vector<std::uint8_t> raw(row * static_cast<std::size_t>(png.height));
    uLongf raw_size = raw.size();
    if (::uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(packed.data()), packed.size()) != Z_OK ||
        raw_size != raw.size())
        throw std::runtime_error("bad image data");
    for (int y = 0; y < png.height; ++y) {
        if (raw[static_cast<std::size_t>(y) * row] != 0) throw std::runtime_error("unexpected PNG filter");
        png.rgb.insert(png.rgb.end(), raw.begin() + static_cast<std::ptrdiff_t>(y * row + 1),
                       raw.begin() + static_cast<std::ptrdiff_t>((y + 1) * row));
    }
    return png;
}

}  // namespace spark::testing
