#pragma once
// Convolutions and pooling of NIR (PyTorch semantics) unrolled into the sparse weights of an affine map.
#include <cstddef>
#include <stdexcept>
#include <vector>

namespace spark::serialization::nir_detail {

using Dims = std::vector<std::size_t>;

// A sliding window over an input [channels, spatial...] (1 or 2 spatial dimensions).
struct Window {
    Dims input;                               // [C, L] or [C, H, W]
    Dims kernel, stride, padding, dilation;   // one per spatial dimension
    std::size_t out_channels = 0;
    std::size_t groups = 1;                   // convolution only
    const std::vector<double>* weights = nullptr;  // convolution: [out_channels, C / groups, kernel...]; null: pooling
    std::vector<double> bias{0.0};            // one per out channel, or one for all
    double pool_scale = 1.0;                  // pooling: the weight of every window element (1, or 1 / window size)
};

struct Unrolled {
    Dims output_shape;                 // [out_channels, spatial...]
    std::vector<std::size_t> nonzeros; // flat indices row * inputs + column, increasing
    std::vector<double> weights;       // one per nonzero
    std::vector<double> bias;          // one per output element
};

// Throws std::invalid_argument for a window that does not fit its input.
inline Unrolled unroll(const Window& w) {
    const bool one_d = w.input.size() == 2;
    const std::size_t channels = w.input[0];
    const std::size_t height = one_d ? 1 : w.input[1], width = w.input.back();
    auto dim = [&](const Dims& d, std::size_t fallback_1d, bool y) { return one_d ? (y ? fallback_1d : d[0]) : d[y ? 0 : 1]; };
    const std::size_t kh = dim(w.kernel, 1, true), kw = dim(w.kernel, 1, false);
    const std::size_t sh = dim(w.stride, 1, true), sw = dim(w.stride, 1, false);
    const std::size_t ph = dim(w.padding, 0, true), pw = dim(w.padding, 0, false);
    const std::size_t dh = dim(w.dilation, 1, true), dw = dim(w.dilation, 1, false);
    if (sh == 0 || sw == 0 || dh == 0 || dw == 0 || kh == 0 || kw == 0)
        throw std::invalid_argument("kernel_size, stride and dilation must be > 0");
    if (height + 2 * ph < dh * (kh - 1) + 1 || width + 2 * pw < dw * (kw - 1) + 1)
        throw std::invalid_argument("the kernel does not fit the padded input");
    const std::size_t out_h = (height + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
    const std::size_t out_w = (width + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
    const bool pooling = w.weights == nullptr;
    const std::size_t groups = pooling ? channels : w.groups;
    const std::size_t in_per_group = channels / groups, out_per_group = w.out_channels / groups;
    if (!pooling && w.out_channels % groups != 0)
        throw std::invalid_argument("groups must divide the output channels");
    const std::size_t n_in = channels * height * width;

    Unrolled u;
    u.output_shape = one_d ? Dims{w.out_channels, out_w} : Dims{w.out_channels, out_h, out_w};
    for (std::size_t co = 0; co < w.out_channels; ++co) {
        const std::size_t group = co / out_per_group;
        const double bias = w.bias.size() == 1 ? w.bias[0] : w.bias.at(co);
        for (std::size_t y = 0; y < out_h; ++y)
            for (std::size_t x = 0; x < out_w; ++x) {
                const std::size_t row = (co * out_h + y) * out_w + x;
                u.bias.push_back(bias);
                for (std::size_t cl = 0; cl < in_per_group; ++cl)
                    for (std::size_t ky = 0; ky < kh; ++ky)
                        for (std::size_t kx = 0; kx < kw; ++kx) {
                            const long iy = static_cast<long>(y * sh + ky * dh) - static_cast<long>(ph);
                            const long ix = static_cast<long>(x * sw + kx * dw) - static_cast<long>(pw);
                            if (iy < 0 || ix < 0 || iy >= static_cast<long>(height) || ix >= static_cast<long>(width)) continue;
                            const double weight =
                                pooling ? w.pool_scale : (*w.weights)[((co * in_per_group + cl) * kh + ky) * kw + kx];
                            if (weight == 0.0) continue;
                            const std::size_t ci = group * in_per_group + cl;
                            const std::size_t column = (ci * height + static_cast<std::size_t>(iy)) * width + static_cast<std::size_t>(ix);
                            u.nonzeros.push_back(row * n_in + column);
                            u.weights.push_back(weight);
                        }
            }
    }
    return u;
}

}  // namespace spark::serialization::nir_detail
