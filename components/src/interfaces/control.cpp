#include <spark/components/interfaces/control.hpp>

#include <cstring>
#include <limits>

namespace spark::components::interfaces {

namespace detail {

const PortSpec& control_input(const Component& c, const BuildContext& ctx) {
    const PortSpec& in = ctx.input(0);
    const bool known_kind = in.kind <= PayloadKind::boolean_mask;
    if (!known_kind || in.dtype != element_type(in.kind) || in.size() == 0)
        throw_input_mismatch(c, ctx, 0, "a non-empty payload of any kind");
    return in;
}

PortSpec same_kind(const PortSpec& in, Shape shape) {
    PortSpec out(in.kind, std::move(shape));
    out.dtype = in.dtype;
    if (in.mask.size() == in.size()) out.mask = in.mask;
    return out;
}

}  // namespace detail

// ---- ConcatReshape ----

ConcatReshape::ConcatReshape(Config config, std::string instance) : Reshape(std::move(config), std::move(instance)) {
    if (config_.reshape.empty() || config_.reshape.size() == 0)
        config_detail::throw_error(where(), "reshape", config_detail::to_value(config_.reshape), "",
                                   "must be given, with every dimension > 0 (a shape such as [10, 10])");
}

Shape ConcatReshape::output_shape(const BuildContext& ctx, const PortSpec& in) const {
    if (in.size() != config_.reshape.size())
        throw_input_mismatch(*this, ctx, input_index,
                             std::to_string(config_.reshape.size()) + " elements (reshape " +
                                 config_.reshape.to_string() + ")");
    return config_.reshape;
}

// ---- Sampler ----

Sampler::Sampler(Config config, std::string instance) : Control(std::move(config), std::move(instance)) {
    if (config_.sample_size == 0)
        config_detail::throw_error(where(), "sample_size", Value(0.0), "", "must be given and > 0");
}

BuildResult Sampler::build(const BuildContext& ctx) {
    const PortSpec& in = detail::control_input(*this, ctx);
    const std::size_t n = in.size();
    if (n > std::numeric_limits<std::uint32_t>::max())
        throw_input_mismatch(*this, ctx, input_index, "at most 2^32 - 1 elements");
    indices_.resize(config_.sample_size);
    for (auto& idx : indices_) idx = static_cast<std::uint32_t>(ctx.rng->below(n));
    element_bytes_ = size_of(in.dtype);
    PortSpec out(in.kind, Shape{config_.sample_size});
    out.dtype = in.dtype;
    if (in.mask.size() == n) {
        out.mask.resize(indices_.size());
        for (std::size_t i = 0; i < indices_.size(); ++i) out.mask[i] = in.mask[indices_[i]];
    }
    return BuildResult{{std::move(out)}, {}};
}

namespace {
template <class T>
void gather(const void* in, void* out, const std::vector<std::uint32_t>& indices) noexcept {
    const T* src = static_cast<const T*>(in);
    T* dst = static_cast<T*>(out);
    for (std::size_t i = 0; i < indices.size(); ++i) dst[i] = src[indices[i]];
}
}  // namespace

void Sampler::step(const StepContext& ctx) {
    const void* in = ctx.inputs[input_index].data;
    void* out = ctx.outputs[output_index].data;
    // Bit-for-bit copies: spikes keep their encoding byte, floats their exact bits.
    switch (element_bytes_) {
        case 1: gather<std::uint8_t>(in, out, indices_); break;
        case 2: gather<std::uint16_t>(in, out, indices_); break;
        case 4: gather<std::uint32_t>(in, out, indices_); break;
        default: gather<std::uint64_t>(in, out, indices_); break;
    }
}

}  // namespace spark::components::interfaces
