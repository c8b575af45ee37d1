#pragma once
// The spike delay line shared by NDelays, N2NDelays and the per-synapse path of the synapse groups
// (spec section 4.0, with design decision 2).
//
// B = ceil(max_delay / dt) rows of bit-packed spikes (unit j -> byte j / 8, bit 7 - j % 8, MSB first) plus a
// write pointer. Each step, first every output gathers the spike of `d` steps ago (d in 1..B), then this
// step's input is pushed into the row that held the spikes of B steps ago:
//     out_j(t) = in_j(t - d_j)        so a spike arriving at step t is emitted at step t + d_j.
// Unlike the original (delays 0..B-1, d = B aliasing to 0), every delay 1..B is representable.
// Inhibition: a spike keeps the inhibition bit it arrived with (a second bit plane, set only for spikes);
// a silent output element carries the inhibition bit of the unit's current input, so the output codes
// are signed exactly like the input.
//
// Delays in steps come from a Param: an initializer is drawn with Spark's init overrides
// scale = B + 1, min_value = 1 (the default uniform initializer gives clip((B+1) U[0,1), 1) in [1, B+1))
// and truncated towards zero into 1..B (P(d = 1) = 2/(B+1), P(d = k) = 1/(B+1) for k = 2..B; values
// outside [1, B+1) that other initializers may produce are clamped into 1..B). A raw value (scalar or
// array) is a number of steps and must be a whole number in 1..B.
// A normal initializer (spark's addition) gives the delays in steps directly: it has no scale to
// override, and the imposed min_value = 1 only raises its own minimum. NEST's normal_clipped delay
// with mean m, sd s and low = dt, rounded to the grid, is normal(mean m/dt + 0.5, stddev s/dt,
// min_value 1.5, redraw) truncated here (trunc(x + 0.5) = round(x)).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <spark/core/config.hpp>
#include <spark/core/param.hpp>
#include <spark/core/payload.hpp>
#include <spark/core/state.hpp>

namespace spark::components::delays {

// B = ceil(max_delay / dt) for max_delay > 0. The quotient is rounded with a relative tolerance of 1e-9
// so that 0.7 ms / 0.1 ms gives 7 steps, not 8 (0.7 / 0.1 = 7.000000000000001 in binary).
// Throws ConfigError (naming `where` and `field`) when B exceeds 65535 steps.
std::size_t delay_steps(double max_delay, double dt, const ConfigWhere& where, std::string_view field);

// The default delays: uniform_initializer (its scale and min_value are overridden, see above).
inline InitializerSpec default_delays() {
    InitializerSpec spec;
    spec.kind = "uniform_initializer";
    return spec;
}

// The init overrides Spark imposes on a delay initializer: scale = B + 1, min_value = 1.
InitOverrides delay_init_overrides(std::size_t steps);

// Materialised delay values -> steps in 1..B (see the header comment). `drawn` is true when the values
// came from an initializer. A raw value that is not a whole number in 1..B throws ConfigError naming
// `where`, `field` and the element index.
std::vector<std::int32_t> to_delay_steps(std::span<const float> values, bool drawn, std::size_t steps,
                                         const ConfigWhere& where, std::string_view field);
// One value drawn by a delay initializer -> its steps in 1..B (what to_delay_steps gives for it):
// trunc(clip((B+1) U, 1)) in 1..B; anything else an initializer may produce is clamped. Inline: a sparse
// group's build converts one value per synapse.
inline std::int32_t drawn_delay_steps(float value, std::size_t steps) noexcept {
    const auto top = static_cast<std::int32_t>(steps);
    const float t = std::trunc(value);
    return !(t >= 1.0f) ? 1 : (t >= static_cast<float>(top) ? top : static_cast<std::int32_t>(t));
}

class SpikeDelayLine {
public:
    SpikeDelayLine() = default;
    // `units` presynaptic units, delays of 1..steps.
    SpikeDelayLine(std::size_t units, std::size_t steps);

    std::size_t units() const noexcept { return units_; }
    std::size_t steps() const noexcept { return steps_; }

    // The code of unit j delayed by d steps (1 <= d <= steps()); `current` is the unit's code this step
    // (its inhibition bit is used when the delayed element is silent). Call before push() in a step.
    std::uint8_t delayed(std::size_t j, std::size_t d, std::uint8_t current) const noexcept {
        std::size_t row = static_cast<std::size_t>(index_) + steps_ - d;
        if (row >= steps_) row -= steps_;
        const std::size_t byte = row * row_bytes_ + (j >> 3);
        const unsigned shift = 7u - static_cast<unsigned>(j & 7u);
        if ((spikes_[byte] >> shift) & 1u)
            return static_cast<std::uint8_t>(spike::bit | (((inhibitory_[byte] >> shift) & 1u) ? spike::inhibitory : 0));
        return static_cast<std::uint8_t>(current & spike::inhibitory);
    }

    // f(j, code) for every unit j that spiked d steps ago (1 <= d <= steps()), in increasing j, with the
    // code it arrived with (spike bit and its inhibition bit). Call before push() in a step.
    template <class F>
    void for_each_delayed(std::size_t d, F&& f) const {
        std::size_t row = static_cast<std::size_t>(index_) + steps_ - d;
        if (row >= steps_) row -= steps_;
        const std::uint8_t* spikes = spikes_.data() + row * row_bytes_;
        const std::uint8_t* inhibitory = inhibitory_.data() + row * row_bytes_;
        for (std::size_t b = 0; b < row_bytes_; ++b) {
            // MSB first: the highest set bit is the lowest unit of the byte.
            for (unsigned bits = spikes[b]; bits != 0;) {
                const unsigned shift = 31u - static_cast<unsigned>(__builtin_clz(bits));
                bits ^= 1u << shift;
                const std::size_t j = b * 8 + (7u - shift);
                if (j >= units_) break;  // padding bits (only a hand-made snapshot sets them)
                f(j, static_cast<std::uint8_t>(spike::bit | (((inhibitory[b] >> shift) & 1u) ? spike::inhibitory : 0)));
            }
        }
    }

    // f(j, d, code) for every spike in flight: unit j spiked d steps ago (1 <= d <= steps()), with the
    // code it arrived with; in increasing j, and for one j in increasing d. Call before push() in a step.
    template <class F>
    void for_each_in_flight(F&& f) const {
        for (std::size_t b = 0; b < row_bytes_; ++b) {
            unsigned any = 0;
            for (std::size_t row = 0; row < steps_; ++row) any |= spikes_[row * row_bytes_ + b];
            // MSB first: the highest set bit is the lowest unit of the byte.
            for (unsigned bits = any; bits != 0;) {
                const unsigned shift = 31u - static_cast<unsigned>(__builtin_clz(bits));
                bits ^= 1u << shift;
                const std::size_t j = b * 8 + (7u - shift);
                if (j >= units_) break;  // padding bits (only a hand-made snapshot sets them)
                for (std::size_t d = 1; d <= steps_; ++d) {
                    std::size_t row = static_cast<std::size_t>(index_) + steps_ - d;
                    if (row >= steps_) row -= steps_;
                    const std::size_t byte = row * row_bytes_ + b;
                    if ((spikes_[byte] >> shift) & 1u)
                        f(j, d, static_cast<std::uint8_t>(spike::bit | (((inhibitory_[byte] >> shift) & 1u) ? spike::inhibitory : 0)));
                }
            }
        }
    }

    // Stores this step's spikes (units() codes) and advances the write pointer.
    void push(const std::uint8_t* codes) noexcept;
    void reset() noexcept;
    // "<prefix>buffer", "<prefix>inhibitory_buffer" (u8 [B x ceil(N/8)]) and "<prefix>index" (i32).
    void visit_state(StateVisitor& v, std::string_view prefix = {});
    std::size_t bytes() const noexcept { return spikes_.size() + inhibitory_.size() + sizeof(index_); }

private:
    std::size_t units_ = 0, steps_ = 0, row_bytes_ = 0;
    std::vector<std::uint8_t> spikes_, inhibitory_;
    std::int32_t index_ = 0;  // the row written this step (holds the spikes of `steps_` steps ago until then)
};

}  // namespace spark::components::delays
