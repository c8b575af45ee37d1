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
#include <stdexcept>
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

// Whether `w` unrolls into exactly `a` (a window that does not fit its input does not).
inline bool unrolls_to(const Window& w, const SparseAffine& a) {
    try {
        return same_map(unroll(w), a);
    } catch (const std::invalid_argument&) {
        return false;
    }
}

// The questions recognize() asks of one affine map, read off its shapes and nonzeros once.
class Recognizer {
public:
    explicit Recognizer(const SparseAffine& a)
        : a_(a), spatial_(a.input.size() - 1), C_(a.input[0]), H_(spatial_ == 1 ? 1 : a.input[1]),
          W_(a.input.back()), Co_(a.output[0]), Ho_(spatial_ == 1 ? 1 : a.output[1]), Wo_(a.output.back()),
          n_in_(C_ * H_ * W_), channels_(Co_) {
        for (std::size_t k = 0; k < a.nonzeros.size(); ++k) weight_at_[a.nonzeros[k]] = a.weights[k];
        find_candidate_axes();
    }

    // The candidate windows' axes (y: one trivial axis for 1-d maps).
    const std::vector<Axis>& y_axes() const { return ys_; }
    const std::vector<Axis>& x_axes() const { return xs_; }

    // A pooling: one weight everywhere (1, or 1 / window size), every channel on its own, no bias.
    std::optional<Recognized> pooling(const Axis& y, const Axis& x) const {
        if (spatial_ != 2 || Co_ != C_ || y.dilation != 1 || x.dilation != 1) return std::nullopt;
        if (std::any_of(a_.bias.begin(), a_.bias.end(), [](double b) { return b != 0.0; })) return std::nullopt;
        for (const bool average : {false, true}) {
            Recognized r{average ? "AvgPool2d" : "SumPool2d", window(y, x), {}};
            r.window.pool_scale = average ? 1.0 / static_cast<double>(y.kernel * x.kernel) : 1.0;
            if (unrolls_to(r.window, a_)) return r;
        }
        return std::nullopt;
    }

    // A convolution with `groups` groups: its weights read off the map, one bias per output channel.
    std::optional<Recognized> convolution(const Axis& y, const Axis& x, std::size_t groups) const {
        const std::size_t in_per_group = C_ / groups, out_per_group = Co_ / groups;
        for (std::size_t co = 0; co < Co_; ++co)
            for (std::size_t ci : channels_[co])
                if (ci / in_per_group != co / out_per_group) return std::nullopt;
        Recognized r{spatial_ == 1 ? "Conv1d" : "Conv2d", window(y, x), {}};
        r.window.groups = groups;
        r.window.bias.assign(Co_, 0.0);
        for (std::size_t co = 0; co < Co_; ++co) r.window.bias[co] = a_.bias[co * Ho_ * Wo_];
        r.kernel.assign(Co_ * in_per_group * y.kernel * x.kernel, 0.0);
        for (std::size_t co = 0; co < Co_; ++co)
            for (std::size_t cl = 0; cl < in_per_group; ++cl)
                for (std::size_t ky = 0; ky < y.kernel; ++ky)
                    for (std::size_t kx = 0; kx < x.kernel; ++kx)
                        r.kernel[((co * in_per_group + cl) * y.kernel + ky) * x.kernel + kx] =
                            kernel_weight(y, x, co, co / out_per_group * in_per_group + cl, ky, kx);
        r.window.weights = &r.kernel;
        const bool same = unrolls_to(r.window, a_);
        r.window.weights = nullptr;
        if (same) return r;
        return std::nullopt;
    }

    std::size_t in_channels() const { return C_; }
    std::size_t out_channels() const { return Co_; }

private:
    // From the input positions each output position reads: the candidate axes, and the input channels
    // each output channel reads.
    void find_candidate_axes() {
        Used used_y(Ho_), used_x(Wo_);
        for (std::size_t nz : a_.nonzeros) {
            const std::size_t row = nz / n_in_, col = nz % n_in_;
            const std::size_t co = row / (Ho_ * Wo_), y = row / Wo_ % Ho_, x = row % Wo_;
            const std::size_t ci = col / (H_ * W_), iy = col / W_ % H_, ix = col % W_;
            used_y[y].insert(iy);
            used_x[x].insert(ix);
            channels_[co].insert(ci);
        }
        ys_ = spatial_ == 1 ? std::vector<Axis>{{1, 1, 0, 1}} : axis_candidates(H_, Ho_, used_y);
        xs_ = axis_candidates(W_, Wo_, used_x);
    }

    Window window(const Axis& y, const Axis& x) const {
        Window w;
        w.input = a_.input;
        w.out_channels = Co_;
        if (spatial_ == 1) {
            w.kernel = {x.kernel}, w.stride = {x.stride}, w.padding = {x.padding}, w.dilation = {x.dilation};
        } else {
            w.kernel = {y.kernel, x.kernel}, w.stride = {y.stride, x.stride};
            w.padding = {y.padding, x.padding}, w.dilation = {y.dilation, x.dilation};
        }
        return w;
    }

    // The map's weight of kernel element (ky, kx) from input channel ci to output channel co, read at the
    // first output position whose window holds that element inside the input (the same weight serves
    // every position; 0 when the map has none there).
    double kernel_weight(const Axis& y, const Axis& x, std::size_t co, std::size_t ci, std::size_t ky,
                         std::size_t kx) const {
        for (std::size_t oy = 0; oy < Ho_; ++oy)
            for (std::size_t ox = 0; ox < Wo_; ++ox) {
                const long iy = static_cast<long>(oy * y.stride + ky * y.dilation) - static_cast<long>(y.padding);
                const long ix = static_cast<long>(ox * x.stride + kx * x.dilation) - static_cast<long>(x.padding);
                if (iy < 0 || ix < 0 || iy >= static_cast<long>(H_) || ix >= static_cast<long>(W_)) continue;
                const std::size_t row = (co * Ho_ + oy) * Wo_ + ox;
                const std::size_t col = (ci * H_ + static_cast<std::size_t>(iy)) * W_ + static_cast<std::size_t>(ix);
                const auto it = weight_at_.find(row * n_in_ + col);
                return it == weight_at_.end() ? 0.0 : it->second;
            }
        return 0.0;
    }

    const SparseAffine& a_;
    std::size_t spatial_, C_, H_, W_, Co_, Ho_, Wo_, n_in_;
    std::vector<std::set<std::size_t>> channels_;  // the input channels each output channel reads
    std::map<std::size_t, double> weight_at_;
    std::vector<Axis> ys_, xs_;
};

}  // namespace window_detail

// The convolution or pooling that unrolls into `a`, if any (`a` must have 1 or 2 spatial dimensions).
inline std::optional<Recognized> recognize(const SparseAffine& a) {
    const std::size_t spatial = a.input.size() - 1;
    if ((spatial != 1 && spatial != 2) || a.output.size() != a.input.size() || a.nonzeros.empty()) return std::nullopt;
    std::size_t outputs = 1;
    for (std::size_t d : a.output) outputs *= d;
    if (a.bias.size() != outputs) return std::nullopt;
    window_detail::Recognizer recognizer(a);
    const std::size_t C = recognizer.in_channels(), Co = recognizer.out_channels();
    for (const auto& y : recognizer.y_axes())
        for (const auto& x : recognizer.x_axes()) {
            if (auto r = recognizer.pooling(y, x)) return r;
            for (std::size_t groups = std::gcd(C, Co); groups >= 1; --groups)
                if (C % groups == 0 && Co % groups == 0)
                    if (auto r = recognizer.convolution(y, x, groups)) return r;
        }
    return std::nullopt;
}

}  // namespace spark::serialization::nir_detail
