#include <spark/components/stages/affine.hpp>

#include <string>

namespace spark::components::stages {

// ---- Affine ----

Affine::Affine(Config config, std::string instance) : RealValuedStage(std::move(config), std::move(instance)) {
    if (config_.units.empty() || config_.units.size() == 0)
        config_detail::throw_error(where(), "units", config_detail::to_value(config_.units), "",
                                   "must be given, with every dimension > 0");
    if (config_.nonzeros) {
        const auto& nz = *config_.nonzeros;
        for (std::size_t k = 1; k < nz.size(); ++k)
            if (nz[k] <= nz[k - 1])
                config_detail::throw_error(where(), "nonzeros[" + std::to_string(k) + "]",
                                           Value(static_cast<double>(nz[k])), "", "must be > the entry before it");
    }
}

std::optional<BuildResult> Affine::contract() const {
    return BuildResult{{PortSpec(PayloadKind::current, config_.units)}, {}};
}

BuildResult Affine::build(const BuildContext& ctx) {
    n_in_ = build_input(ctx).size();
    const std::size_t n_out = config_.units.size();
    const bool sparse = config_.nonzeros.has_value();
    if (sparse && !config_.nonzeros->empty() && config_.nonzeros->back() >= n_out * n_in_)
        throw_input_mismatch(*this, ctx, input,
                             "more than " + std::to_string(config_.nonzeros->back() / n_out) +
                                 " elements (nonzeros index " + std::to_string(config_.nonzeros->back()) + " for " +
                                 std::to_string(n_out) + " outputs)");
    const Shape weight_shape = sparse ? Shape{config_.nonzeros->size()} : Shape{n_out, n_in_};
    const auto weight = materialize(config_.weight, weight_shape, ctx);
    bias_ = materialize(config_.bias, config_.units, ctx);

    row_start_.assign(n_out + 1, 0);
    columns_.clear();
    values_.clear();
    for (std::size_t k = 0; k < weight.size(); ++k) {
        if (weight[k] == 0.0f) continue;
        const std::size_t flat = sparse ? (*config_.nonzeros)[k] : k;
        ++row_start_[flat / n_in_ + 1];
        columns_.push_back(static_cast<std::uint32_t>(flat % n_in_));
        values_.push_back(weight[k]);
    }
    for (std::size_t i = 0; i < n_out; ++i) row_start_[i + 1] += row_start_[i];
    return BuildResult{{PortSpec(PayloadKind::current, config_.units)}, {}};
}

void Affine::step(const StepContext& ctx) {
    const auto x = read_input(ctx);
    const auto y = ctx.outputs[output].f32();
    for (std::size_t i = 0; i + 1 < row_start_.size(); ++i) {
        float acc = 0.0f;
        for (std::uint32_t k = row_start_[i]; k < row_start_[i + 1]; ++k) acc += values_[k] * x[columns_[k]];
        y[i] = acc + bias_[i];
    }
}

// ---- Scale ----

void Scale::apply(std::span<const float> x, std::span<const float> s, const ArrayRef& y) noexcept {
    const auto out = y.f32();
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = x[i] * s[i];
}

// ---- Threshold ----

void Threshold::apply(std::span<const float> x, std::span<const float> theta, const ArrayRef& z) noexcept {
    const auto out = z.u8();
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = spike::encode(x[i] > theta[i], false);
}

}  // namespace spark::components::stages
