#include <spark/components/stages/affine.hpp>

#include <string>

namespace spark::components::stages {

namespace {

const std::string real_values = "spikes, current, potential or float values";

PayloadKind checked_input(const Component& c, const BuildContext& ctx, std::size_t port) {
    if (!is_real_valued_input(ctx.input(port))) throw_input_mismatch(c, ctx, port, real_values);
    return ctx.input(port).kind;
}

}  // namespace

// ---- Affine ----

Affine::Affine(Config config, std::string instance) : ComponentBase(std::move(config), std::move(instance)) {
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
    input_kind_ = checked_input(*this, ctx, input);
    n_in_ = ctx.input(input).size();
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
    x_.assign(n_in_, 0.0f);
    return BuildResult{{PortSpec(PayloadKind::current, config_.units)}, {}};
}

void Affine::step(const StepContext& ctx) {
    read_values(ctx.inputs[input], input_kind_, x_);
    const auto y = ctx.outputs[output].f32();
    for (std::size_t i = 0; i + 1 < row_start_.size(); ++i) {
        float acc = 0.0f;
        for (std::uint32_t k = row_start_[i]; k < row_start_[i + 1]; ++k) acc += values_[k] * x_[columns_[k]];
        y[i] = acc + bias_[i];
    }
}

// ---- Scale ----

BuildResult Scale::build(const BuildContext& ctx) {
    input_kind_ = checked_input(*this, ctx, input);
    scale_ = materialize(config_.scale, ctx.input(input).shape, ctx);
    return BuildResult{{PortSpec(PayloadKind::current, ctx.input(input).shape)}, {}};
}

void Scale::step(const StepContext& ctx) {
    const auto y = ctx.outputs[output].f32();
    read_values(ctx.inputs[input], input_kind_, y);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] *= scale_[i];
}

// ---- Threshold ----

BuildResult Threshold::build(const BuildContext& ctx) {
    input_kind_ = checked_input(*this, ctx, input);
    threshold_ = materialize(config_.threshold, ctx.input(input).shape, ctx);
    x_.assign(threshold_.size(), 0.0f);
    return BuildResult{{PortSpec(PayloadKind::spikes, ctx.input(input).shape)}, {}};
}

void Threshold::step(const StepContext& ctx) {
    read_values(ctx.inputs[input], input_kind_, x_);
    const auto z = ctx.outputs[spikes].u8();
    for (std::size_t i = 0; i < z.size(); ++i) z[i] = spike::encode(x_[i] > threshold_[i], false);
}

}  // namespace spark::components::stages
