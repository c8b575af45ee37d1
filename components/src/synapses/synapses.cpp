#include <spark/components/synapses/synapses.hpp>
#include <spark/components/synapses/trace_bank.hpp>

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

std::size_t collect_spikes(const std::uint8_t* codes, std::size_t n, std::uint32_t* index, float* sign) noexcept {
    constexpr std::uint64_t spike_bits = 0x0101010101010101ull;
    std::size_t count = 0, j = 0;
    for (; j + 32 <= n; j += 32) {  // skip silent groups of 32 units with one test
        std::uint64_t w[4];
        std::memcpy(w, codes + j, sizeof(w));
        if (((w[0] | w[1] | w[2] | w[3]) & spike_bits) == 0) continue;
        for (std::size_t k = j; k < j + 32; ++k)
            if (codes[k] & spike::bit) {
                index[count] = static_cast<std::uint32_t>(k);
                sign[count++] = spike::signed_value(codes[k]);
            }
    }
    for (; j + 8 <= n; j += 8) {  // skip silent groups of 8 units with one test
        std::uint64_t word;
        std::memcpy(&word, codes + j, sizeof(word));
        if ((word & spike_bits) == 0) continue;
        for (std::size_t k = j; k < j + 8; ++k)
            if (codes[k] & spike::bit) {
                index[count] = static_cast<std::uint32_t>(k);
                sign[count++] = spike::signed_value(codes[k]);
            }
    }
    for (; j < n; ++j)
        if (codes[j] & spike::bit) {
            index[count] = static_cast<std::uint32_t>(j);
            sign[count++] = spike::signed_value(codes[j]);
        }
    return count;
}

TraceBank::TraceBank(std::size_t size, std::span<const float> tau, float scale, float base, double dt)
    : trace_(size, base), decay_(tau.size()), stride_(tau.size() == 1 ? 0 : 1), scale_(scale), base_(base) {
    for (std::size_t i = 0; i < tau.size(); ++i)
        decay_[i] = static_cast<float>(std::exp(-dt / static_cast<double>(tau[i])));
}

void TraceBank::reset() noexcept {
    for (auto& x : trace_) x = base_;
}

std::vector<float> coupled_rise(std::span<const float> tau_rise, std::span<const float> tau_decay) {
    const std::size_t n = std::max(tau_rise.size(), tau_decay.size());
    std::vector<float> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        const float r = tau_rise[tau_rise.size() == 1 ? 0 : i];
        const float d = tau_decay[tau_decay.size() == 1 ? 0 : i];
        out[i] = r * d / (r + d);
    }
    return out;
}

}  // namespace spark::components::synapses
