#include <spark/components/delays/delay_line.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <string>

#include <spark/core/text.hpp>

namespace spark::components::delays {

namespace {
constexpr std::size_t kMaxSteps = 65535;
}

std::size_t delay_steps(double max_delay, double dt, const ConfigWhere& where, std::string_view field) {
    const double ratio = max_delay / dt;
    const double steps = std::ceil(ratio * (1.0 - 1e-9));
    if (!(steps <= static_cast<double>(kMaxSteps)))
        config_detail::throw_error(where, field, Value(max_delay), "ms",
                                   "must be at most 65535 steps of dt = " + format_number(dt) + " ms (got " +
                                       format_number(steps) + " steps)");
    return std::max<std::size_t>(1, static_cast<std::size_t>(steps));
}

InitOverrides delay_init_overrides(std::size_t steps) {
    InitOverrides overrides;
    overrides.scale = static_cast<double>(steps + 1);
    overrides.min_value = 1.0;
    return overrides;
}

std::vector<std::int32_t> to_delay_steps(std::span<const float> values, bool drawn, std::size_t steps,
                                         const ConfigWhere& where, std::string_view field) {
    std::vector<std::int32_t> out(values.size());
    const auto top = static_cast<std::int32_t>(steps);
    for (std::size_t i = 0; i < values.size(); ++i) {
        const float v = values[i];
        if (drawn) {
            out[i] = drawn_delay_steps(v, steps);
        } else {
            if (!(v >= 1.0f && v <= static_cast<float>(top) && std::trunc(v) == v))
                config_detail::throw_error(where, std::string(field) + "[" + std::to_string(i) + "]",
                                           Value(static_cast<double>(v)), "steps",
                                           "must be a whole number of steps in 1.." + std::to_string(steps) +
                                               " (B = ceil(max_delay / dt))");
            out[i] = static_cast<std::int32_t>(v);
        }
    }
    return out;
}

SpikeDelayLine::SpikeDelayLine(std::size_t units, std::size_t steps)
    : units_(units), steps_(steps), row_bytes_((units + 7) / 8) {
    spikes_.assign(steps_ * row_bytes_, 0);
    inhibitory_.assign(steps_ * row_bytes_, 0);
}

void SpikeDelayLine::push(const std::uint8_t* codes) noexcept {
    std::uint8_t* spikes = spikes_.data() + static_cast<std::size_t>(index_) * row_bytes_;
    std::uint8_t* inhibitory = inhibitory_.data() + static_cast<std::size_t>(index_) * row_bytes_;
    std::size_t b = 0;
    if constexpr (std::endian::native == std::endian::little) {
        // Eight codes at a time: byte i of the word is code 8 b + i; the multiplication moves bit 8 i of
        // the masked word to bit 56 + 7 - i (MSB first) and nothing else into the top byte.
        constexpr std::uint64_t lows = 0x0101010101010101ull, msb_first = 0x8040201008040201ull;
        for (; (b + 1) * 8 <= units_; ++b) {
            std::uint64_t word;
            std::memcpy(&word, codes + b * 8, 8);
            const std::uint64_t spiked = word & lows;
            spikes[b] = static_cast<std::uint8_t>((spiked * msb_first) >> 56);
            inhibitory[b] = static_cast<std::uint8_t>(((spiked & (word >> 1)) * msb_first) >> 56);
        }
    }
    for (; b < row_bytes_; ++b) {
        const std::size_t first = b * 8;
        const std::size_t last = std::min(first + 8, units_);
        unsigned s = 0, h = 0;
        for (std::size_t j = first; j < last; ++j) {
            const unsigned shift = 7u - static_cast<unsigned>(j - first);
            const unsigned spiked = codes[j] & spike::bit;
            s |= spiked << shift;
            h |= (spiked & (static_cast<unsigned>(codes[j]) >> 1)) << shift;
        }
        spikes[b] = static_cast<std::uint8_t>(s);
        inhibitory[b] = static_cast<std::uint8_t>(h);
    }
    index_ = index_ + 1 == static_cast<std::int32_t>(steps_) ? 0 : index_ + 1;
}

void SpikeDelayLine::reset() noexcept {
    std::fill(spikes_.begin(), spikes_.end(), 0);
    std::fill(inhibitory_.begin(), inhibitory_.end(), 0);
    index_ = 0;
}

void SpikeDelayLine::visit_state(StateVisitor& v, std::string_view prefix) {
    const std::string p(prefix);
    v(p + "buffer", spikes_);
    v(p + "inhibitory_buffer", inhibitory_);
    v(p + "index", index_, ValidRange{0, static_cast<std::int64_t>(std::max<std::size_t>(steps_, 1)) - 1});
}

}  // namespace spark::components::delays
