#include <spark/components/synapses/synapses.hpp>
#include <spark/components/synapses/trace_bank.hpp>

#include <bit>
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
    // Spikes are rare: test 64 units at a time (eight words, one vector on AVX-512) and, in a word that
    // has spikes, visit only its spike bits (bit 0 of each byte) in increasing order.
    constexpr std::uint64_t spike_bits = 0x0101010101010101ull;
    std::size_t count = 0, j = 0;
    if constexpr (std::endian::native != std::endian::little) j = n;  // byte k of a word is bit 8k below
    auto visit_word = [&](std::size_t first, std::uint64_t word) noexcept {
        for (std::uint64_t bits = word & spike_bits; bits != 0; bits &= bits - 1) {
            const std::size_t k = first + static_cast<std::size_t>(__builtin_ctzll(bits)) / 8;
            index[count] = static_cast<std::uint32_t>(k);
            sign[count++] = spike::signed_value(codes[k]);
        }
    };
    for (; j + 64 <= n; j += 64) {
        std::uint64_t w[8];
        std::memcpy(w, codes + j, sizeof(w));
        if (((w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7]) & spike_bits) == 0) continue;
        for (std::size_t i = 0; i < 8; ++i) visit_word(j + 8 * i, w[i]);
    }
    for (; j + 8 <= n; j += 8) {
        std::uint64_t word;
        std::memcpy(&word, codes + j, sizeof(word));
        visit_word(j, word);
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
