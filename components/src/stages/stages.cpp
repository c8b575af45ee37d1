#include <spark/components/stages/stages.hpp>

#include <algorithm>

namespace spark::components::stages {

bool is_real_valued_input(const PortSpec& spec) noexcept {
    if (spec.per_synapse || spec.shape.empty() || spec.size() == 0) return false;
    return spec.kind == PayloadKind::spikes || spec.kind == PayloadKind::current ||
           spec.kind == PayloadKind::potential || spec.kind == PayloadKind::floating;
}

const PortSpec& real_valued_input(const Component& c, const BuildContext& ctx, std::size_t port) {
    const PortSpec& spec = ctx.input(port);
    if (!is_real_valued_input(spec)) throw_input_mismatch(c, ctx, port, "spikes, current, potential or float values");
    return spec;
}

void read_values(const ConstArrayRef& in, PayloadKind kind, std::span<float> out) noexcept {
    if (kind == PayloadKind::spikes) {
        const auto codes = in.u8();
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = spike::signed_value(codes[i]);
    } else {
        const auto values = in.f32();
        std::copy(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(out.size()), out.begin());
    }
}

}  // namespace spark::components::stages
