#pragma once
// Private to spark::tools: an RGB image with the few drawing operations of the raster plot (pixels,
// filled rectangles, 5x7 bitmap text, also turned upright for a y-axis label) and its PNG encoding.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spark::tools::detail {

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
};
Rgb rgb_from_hex(std::string_view hex);  // "#0072B2"

class RgbImage {
public:
    RgbImage(int width, int height, Rgb background);
    int width() const noexcept { return width_; }
    int height() const noexcept { return height_; }
    void set(int x, int y, Rgb c) noexcept {
        if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
        std::uint8_t* p = &pixels_[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)) * 3];
        p[0] = c.r;
        p[1] = c.g;
        p[2] = c.b;
    }
    void fill(int x, int y, int w, int h, Rgb c) noexcept;  // clipped to the image
    // Text in the built-in 5x7 font, each font pixel drawn as scale x scale; (x, y) is the top left
    // corner. Characters outside printable ASCII are drawn as '?'.
    void text(int x, int y, std::string_view s, int scale, Rgb c) noexcept;
    // The same text turned 90 degrees anticlockwise (read bottom to top); (x, y) is its bottom left.
    void text_up(int x, int y, std::string_view s, int scale, Rgb c) noexcept;
    static int text_width(std::string_view s, int scale) noexcept;  // [pixels]
    static int text_height(int scale) noexcept;                       // [pixels]

    // The image as a PNG file (8-bit RGB, one zlib stream).
    std::string png() const;

private:
    int width_, height_;
    std::vector<std::uint8_t> pixels_;
};

}  // namespace spark::tools::detail
