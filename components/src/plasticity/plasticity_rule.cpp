#include <spark/components/plasticity/plasticity_rule.hpp>

#include <algorithm>
#include <cstring>
#include <string>

namespace spark::components::plasticity {

namespace {
enum : std::size_t { pre_index, post_index, kernel_index, factor_index };

// A mask from a spec must have one entry per element (or none).
void check_mask(const Component& rule, const BuildContext& ctx, std::size_t index) {
    const PortSpec& spec = ctx.input(index);
    if (!spec.mask.empty() && spec.mask.size() != spec.size())
        throw ShapeError(std::string(ctx.node.empty() ? std::string_view(rule.instance()) : ctx.node),
                         std::string(rule.inputs()[index].name),
                         "an inhibition mask of " + std::to_string(spec.size()) + " entries",
                         std::to_string(spec.mask.size()) + " entries", std::string(rule.class_name()));
}
}  // namespace

RuleLayout check_rule_inputs(const Component& rule, const BuildContext& ctx, bool modulated) {
    RuleLayout l;
    const PortSpec& post = ctx.input(post_index);
    if (post.kind != PayloadKind::spikes || post.per_synapse || post.shape.empty())
        throw_input_mismatch(rule, ctx, post_index, "SpikeArray[units] (not per synapse)");
    l.post = post.shape;

    const PortSpec& pre = ctx.input(pre_index);
    if (pre.kind != PayloadKind::spikes || pre.shape.empty())
        throw_input_mismatch(rule, ctx, pre_index, "SpikeArray[pre] or SpikeArray[units,pre]/post*pre");
    if (pre.per_synapse) {
        // Per-synapse spikes: the post dims first (those of post_spikes), then the pre dims.
        const auto& d = pre.shape.dims();
        const auto& p = l.post.dims();
        if (d.size() <= p.size() || !std::equal(p.begin(), p.end(), d.begin())) {
            std::string open_dims = l.post.to_string();  // "[3]" -> "[3"
            open_dims.pop_back();
            throw_input_mismatch(rule, ctx, pre_index,
                                 "SpikeArray" + open_dims + ",pre...]/post*pre (post dims first, as post_spikes " +
                                     post.to_string() + ")");
        }
        l.pre = Shape(std::vector<std::size_t>(d.begin() + static_cast<std::ptrdiff_t>(p.size()), d.end()));
    } else {
        l.pre = pre.shape;
    }
    l.per_synapse = pre.per_synapse;
    l.pre_input = pre.shape;
    l.kernel = l.post.concat(l.pre);
    l.n_post = l.post.size();
    l.n_pre = l.pre.size();
    l.pre_stride = l.per_synapse ? l.n_pre : 0;

    const PortSpec& kernel = ctx.input(kernel_index);
    if (kernel.kind != PayloadKind::floating || kernel.per_synapse || kernel.shape != l.kernel)
        throw_input_mismatch(rule, ctx, kernel_index,
                             PortSpec(PayloadKind::floating, l.kernel).to_string() + " (units + pre)");

    if (modulated) {
        const PortSpec& f = ctx.input(factor_index);
        if (f.kind != PayloadKind::floating || (f.size() != 1 && f.size() != l.n_post))
            throw_input_mismatch(rule, ctx, factor_index,
                                 "FloatArray[1] or one value per post unit (" + std::to_string(l.n_post) + ")");
        l.factor_stride = f.size() == 1 ? 0 : 1;
    }

    check_mask(rule, ctx, post_index);
    check_mask(rule, ctx, pre_index);
    l.post_mask = post.mask;
    l.pre_mask = pre.mask;
    return l;
}

bool copy_unchanged_row(const float* k, float* out, std::size_t n, std::uint32_t upper_bits) noexcept {
    if (out != k) std::memcpy(out, k, n * sizeof(float));  // out == k: the kernel updated in place
    std::uint32_t unchanged = 1;
    for (std::size_t q = 0; q < n; ++q) {
        std::uint32_t bits;
        std::memcpy(&bits, k + q, sizeof bits);
        unchanged &= static_cast<std::uint32_t>(bits <= upper_bits);
    }
    return unchanged != 0;
}

bool all_finite(const float* v, std::size_t n) noexcept {
    std::uint32_t finite = 1;
    for (std::size_t i = 0; i < n; ++i) {
        std::uint32_t bits;
        std::memcpy(&bits, v + i, sizeof bits);
        finite &= static_cast<std::uint32_t>((bits & 0x7f800000u) != 0x7f800000u);
    }
    return finite != 0;
}

Tracer inverse_tau_tracer(std::size_t size, std::span<const float> tau, double dt) {
    const bool uniform = !tau.empty() && std::all_of(tau.begin(), tau.end(), [&](float t) { return t == tau[0]; });
    std::vector<float> taus = uniform ? std::vector<float>{tau[0]} : std::vector<float>(tau.begin(), tau.end());
    std::vector<float> scales(taus.size());
    for (std::size_t i = 0; i < taus.size(); ++i) scales[i] = 1.0f / taus[i];
    const std::vector<float> base{0.0f};
    return Tracer(size, taus, scales, base, dt);
}

}  // namespace spark::components::plasticity
