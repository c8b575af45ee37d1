#pragma once
// The inverse of unroll() (nir_unroll.hpp): recognises the sparse affine map that a NIR convolution or
// pooling was unrolled into, so that export writes the Conv1d / Conv2d / SumPool2d / AvgPool2d again.
// A candidate window is accepted only when unrolling it gives back exactly the same nonzeros, weights
// and biases, so a recognised window always imports as the same affine map.
#include <algorithm>
#include <cstddef>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "nir_unroll.hpp"

namespace spark::serialization::nir_detail {

// An affine map from input [C, spatial...] to output [C_out, spatial...], in sparse form.
struct SparseAffine {
    Dims input, output;
    std::vector<std::size_t> nonzeros;  // row * inputs + column, increasing
    std::vector<double> weights;        // one per nonzero
    std::vector<double> bias;           // one per output element
};

struct Recognized {
    std::string type;            // "Conv1d", "Conv2d", "SumPool2d" or "AvgPool2d"
    Window window;               // weights: null; a convolution's are in `kernel`
    std::vector<double> kernel;  // [out_channels, in_channels / groups, kernel...]
};

namespace window_detail {

struct Axis {
    std::size_t kernel, stride, padding, dilation;
};

// The input positions each output position reads along one axis: used[o] for o < out.
using Used = std::vector<std::set<std::size_t>>;

// Every (kernel, stride, padding, dilation) whose windows map `in` positions onto `out` and hold every
// position each output reads, the smallest kernel for each stride and padding.
inline std::vector<Axis> axis_candidates(std::size_t in, std::size_t out, const Used& used) {
    std::vector<Axis> found;
    for (std::size_t s = 1; s <= in + 1; ++s)
        for (std::size_t p = 0; p < in + 1; ++p) {
            // Offsets into the window of every position read; all must be >= 0.
            std::size_t g = 0, top = 0;
            bool fits = true;
            for (std::size_t o = 0; o < out && fits; ++o)
                for (std::size_t i : used[o]) {
                    if (i + p < o * s) { fits = false; break; }
                    const std::size_t t = i + p - o * s;
                    g = std::gcd(g, t);
                    top = std::max(top, t);
                }
            if (!fits) continue;
            for (std::size_t d = std::max<std::size_t>(g, 1); d >= 1; --d) {
                if (g % d != 0) continue;
                // Output length formula of PyTorch: out = (in + 2p - d (k - 1) - 1) / s + 1.
                for (std::size_t k = top / d + 1; d * (k - 1) + 1 <= in + 2 * p; ++k) {
                    const std::size_t n = (in + 2 * p - d * (k - 1) - 1) / s + 1;
                    if (n < out) break;
                    if (n == out) {
                        found.push_back({k, s, p, d});
                        break;
                    }
                }
                if (!found.empty() && found.back().stride == s && found.back().padding == p) break;
            }
        }
    std::stable_sort(found.begin(), found.end(), [](const Axis& a, const Axis& b) {
        return a.kernel * a.dilation + a.padding < b.kernel * b.dilation + b.padding;
    });
    if (found.size() > 8) found.resize(8);
    return found;
}

inline bool same_map(const Unrolled& u, const SparseAffine& a) {
    return u.nonzeros == a.nonzeros && u.weights == a.weights && u.bias == a.bias;
}

}  // namespace window_detail

// The convolution or pooling that unrolls into `a`, if any (`a` must have 1 or 2 spatial dimensions).
inline std::optional<Recognized> recognize(const SparseAffine& a) {
    using namespace window_detail;
    const std::size_t spatial = a.input.size() - 1;
    if ((spatial != 1 && spatial != 2) || a.output.size() != a.input.size() || a.nonzeros.empty()) return std::nullopt;
    const std::size_t C = a.input[0], H = spatial == 1 ? 1 : a.input[1], W = a.input.back();
    const std::size_t Co = a.output[0], Ho = spatial == 1 ? 1 : a.output[1], Wo = a.output.back();
    const std::size_t n_in = C * H * W;
    if (a.bias.size() != Co * Ho * Wo) return std::nullopt;

    Used used_y(Ho), used_x(Wo);
    std::vector<std::set<std::size_t>> channels(Co);
    for (std::size_t nz : a.nonzeros) {
        const std::size_t row = nz / n_in, col = nz % n_in;
        const std::size_t co = row / (Ho * Wo), y = row / Wo % Ho, x = row % Wo;
        const std::size_t ci = col / (H * W), iy = col / W % H, ix = col % W;
        used_y[y].insert(iy);
        used_x[x].insert(ix);
        channels[co].insert(ci);
    }
    const auto ys = axis_candidates(H, Ho, used_y), xs = axis_candidates(W, Wo, used_x);

    std::map<std::size_t, double> weight_at;
    for (std::size_t k = 0; k < a.nonzeros.size(); ++k) weight_at[a.nonzeros[k]] = a.weights[k];
    auto window = [&](const Axis& y, const Axis& x) {
        Window w;
        w.input = a.input;
        w.out_channels = Co;
        if (spatial == 1) {
            w.kernel = {x.kernel}, w.stride = {x.stride}, w.padding = {x.padding}, w.dilation = {x.dilation};
        } else {
            w.kernel = {y.kernel, x.kernel}, w.stride = {y.stride, x.stride};
            w.padding = {y.padding, x.padding}, w.dilation = {y.dilation, x.dilation};
        }
        return w;
    };
    // A pooling: one weight everywhere (1, or 1 / window size), every channel on its own, no bias.
    auto pooling = [&](const Axis& y, const Axis& x) -> std::optional<Recognized> {
        if (spatial != 2 || Co != C || y.dilation != 1 || x.dilation != 1) return std::nullopt;
        if (std::any_of(a.bias.begin(), a.bias.end(), [](double b) { return b != 0.0; })) return std::nullopt;
        for (const bool average : {false, true}) {
            Recognized r{average ? "AvgPool2d" : "SumPool2d", window(y, x), {}};
            r.window.pool_scale = average ? 1.0 / static_cast<double>(y.kernel * x.kernel) : 1.0;
            try {
                if (same_map(unroll(r.window), a)) return r;
            } catch (const std::invalid_argument&) {
            }
        }
        return std::nullopt;
    };
    // A convolution with `groups` groups: its weights read off the map, one bias per output channel.
    auto convolution = [&](const Axis& y, const Axis& x, std::size_t groups) -> std::optional<Recognized> {
        const std::size_t in_per_group = C / groups, out_per_group = Co / groups;
        for (std::size_t co = 0; co < Co; ++co)
            for (std::size_t ci : channels[co])
                if (ci / in_per_group != co / out_per_group) return std::nullopt;
        Recognized r{spatial == 1 ? "Conv1d" : "Conv2d", window(y, x), {}};
        r.window.groups = groups;
        r.window.bias.assign(Co, 0.0);
        for (std::size_t co = 0; co < Co; ++co) r.window.bias[co] = a.bias[co * Ho * Wo];
        r.kernel.assign(Co * in_per_group * y.kernel * x.kernel, 0.0);
        for (std::size_t co = 0; co < Co; ++co)
            for (std::size_t cl = 0; cl < in_per_group; ++cl)
                for (std::size_t ky = 0; ky < y.kernel; ++ky)
                    for (std::size_t kx = 0; kx < x.kernel; ++kx) {
                        // Any output position whose window holds this kernel element inside the input.
                        for (std::size_t oy = 0; oy < Ho; ++oy)
                            for (std::size_t ox = 0; ox < Wo; ++ox) {
                                const long iy = static_cast<long>(oy * y.stride + ky * y.dilation) - static_cast<long>(y.padding);
                                const long ix = static_cast<long>(ox * x.stride + kx * x.dilation) - static_cast<long>(x.padding);
                                if (iy < 0 || ix < 0 || iy >= static_cast<long>(H) || ix >= static_cast<long>(W)) continue;
                                const std::size_t row = (co * Ho + oy) * Wo + ox;
                                const std::size_t ci = co / out_per_group * in_per_group + cl;
                                const std::size_t col = (ci * H + static_cast<std::size_t>(iy)) * W + static_cast<std::size_t>(ix);
                                auto it = weight_at.find(row * n_in + col);
                                r.kernel[((co * in_per_group + cl) * y.kernel + ky) * x.kernel + kx] =
                                    it == weight_at.end() ? 0.0 : it->second;
                                oy = Ho;  // found: the same weight serves every position
                                break;
                            }
                    }
        r.window.weights = &r.kernel;
        try {
            const bool same = same_map(unroll(r.window), a);
            r.window.weights = nullptr;
            if (same) return r;
        } catch (const std::invalid_argument&) {
        }
        return std::nullopt;
    };
    const std::vector<Axis> one{{1, 1, 0, 1}};
    for (const Axis& y : spatial == 1 ? one : ys)
        for (const Axis& x : xs) {
            if (auto r = pooling(y, x)) return r;
            for (std::size_t groups = std::gcd(C, Co); groups >= 1; --groups)
                if (C % groups == 0 && Co % groups == 0)
                    if (auto r = convolution(y, x, groups)) return r;
        }
    return std::nullopt;
}

}  // namespace spark::serialization::nir_detail
