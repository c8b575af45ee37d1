#include <spark/components/synapses/synapses.hpp>
#include <spark/components/synapses/trace_bank.hpp>

#include <spark/core/hot_loop.hpp>
#include <spark/core/spike_index.hpp>

#include <cmath>
#include <cstring>


namespace spark::components::synapses {

std::vector<float> SynapseParam::per_target(std::size_t n_pre) const {
    if (extent == Extent::single) return values;
    const std::size_t n_post = values.size() / n_pre;
    std::vector<float> out(n_post);
    for (std::size_t p = 0; p < n_post; ++p) out[p] = values[p * n_pre];
    return out;
}

SynapseParam classify(std::vector<float> values, std::size_t n_post, std::size_t n_pre) {
    SynapseParam param;
    if (values.size() == 1) {
        param.values = std::move(values);
        return param;
    }
    param.extent = Extent::per_target;
    for (std::size_t p = 0; p < n_post && param.extent == Extent::per_target; ++p) {
        const float* row = values.data() + p * n_pre;
        for (std::size_t j = 1; j < n_pre; ++j)
            if (row[j] != row[0]) {
                param.extent = Extent::per_synapse;
                break;
            }
    }
    param.values = std::move(values);
    return param;
}

void check_choice(const ConfigWhere& where, std::string_view field, const std::string& value,
                  std::initializer_list<std::string_view> choices) {
    std::string list;
    for (auto c : choices) {
        if (value == c) return;
        list += (list.empty() ? "\"" : ", \"") + std::string(c) + "\"";
    }
    config_detail::throw_error(where, field, Value(value), "", "must be one of " + list);
}

std::size_t collect_spikes(ConstArrayRef spikes, std::uint32_t* index, float* sign) noexcept {
    std::size_t count = 0;
    for_each_signed_spike(spikes, [&](std::size_t k, float value) noexcept {
        index[count] = static_cast<std::uint32_t>(k);
        sign[count++] = value;
    });
    return count;
}

TraceBank::TraceBank(std::size_t size, std::span<const float> tau, float scale, float base, double dt)
    : trace_(size, base), decay_(tau.size()), stride_(tau.size() == 1 ? 0 : 1), scale_(scale), base_(base) {
    for (std::size_t i = 0; i < tau.size(); ++i)
        decay_[i] = static_cast<float>(std::exp(-dt / static_cast<double>(tau[i])));
}

SPARK_HOT_LOOP
void TraceBank::step_range(std::size_t begin, std::size_t end, const float* u) noexcept {
    float* x = trace_.data() + begin;
    const std::size_t n = end - begin;
    const float base = base_, scale = scale_;
    if (stride_ == 0) {
        const float decay = decay_[0];
        for (std::size_t i = 0; i < n; ++i) x[i] = base + decay * (x[i] - base) + scale * u[i];
    } else {
        const float* decay = decay_.data() + begin;
        for (std::size_t i = 0; i < n; ++i) x[i] = base + decay[i] * (x[i] - base) + scale * u[i];
    }
}

void TraceBank::reset() noexcept {
    for (auto& x : trace_) x = base_;
}

}  // namespace spark::components::synapses
