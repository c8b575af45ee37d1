#pragma once
// SynapsePreTrace: a rule's presynaptic trace x over its pre spikes (spec section 5.0), a Tracer with
// scale 1/tau and base 0, advanced with this step's spikes before it is used:
//     x[i] <- 0 + e^{-dt/tau[i]} (x[i] - 0) + s_pre[i] / tau[i]
// of the shape of the pre spikes, or kernel-shaped over synchronous pre spikes broadcast along post.
//
// Per-unit form (issue 21). When the pre spikes are per synapse from a delay line (the input spec carries
// the delays d[p, q], PortSpec::delays: s_pre[p, q](t) = s_q(t - d[p, q])) or synchronous and broadcast
// (d = 0), and tau takes at most four values, then exactly
//     x[p, q](t) = X[q, c](t - d[p, q])
// where c is the class of tau[p, q] and X[q, c] the same recursion fed s_q: the same float operations on
// the same inputs, from the same initial 0. X is kept for the last B + 1 steps (a ring of per-unit
// traces). It is advanced lagged by the shortest delay of q, d_q = min_p d[p, q], with the spike seen at
// that synapse (s_q(t - d_q)), so x[p, q](t) is X[q, c] at lag d[p, q] - d_q. A step costs n_pre x classes
// operations instead of one per synapse.
// The per-synapse form (a Tracer over every element, what the dense reference steps) is used otherwise:
// under dense_reference(), for pre spikes without delays, more than four time constants or non-finite
// decay or scale, and after a state write (a snapshot load: the ring's history is not in the state, and
// the delay line may have been loaded with other spikes in flight) until reset().
// A row of x (copy) is a gather from the ring, one load per synapse; where every row takes its classes
// from one of two patterns over q and the lags are at most four, it is a select instead: the step
// spreads X at each lag along q for each pattern (lag rows), and a row takes element q from the lag row
// of its synapse's lag (contiguous loads, no gather).
// The state is the trace of the pre input's shape ("pre_trace") in either form, the same bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <spark/core/spike_index.hpp>
#include <spark/core/state.hpp>
#include <spark/core/tracer.hpp>

namespace spark::components::plasticity {

struct RuleLayout;

class SynapsePreTrace {
public:
    // `shape_size`: elements of x (n_pre, or the kernel); `tau`: one value or shape_size values [ms];
    // `delays`: the input spec's delays (or null). `reference`: always the per-synapse form.
    void build(const RuleLayout& layout, std::size_t shape_size, std::span<const float> tau,
               const std::vector<std::int32_t>* delays, double dt, bool reference);

    bool per_unit() const noexcept { return per_unit_; }
    std::size_t size() const noexcept { return size_; }

    // Per-unit form: advances X with this step's pre spikes (one pass on the calling thread), from their
    // codes, or from the arrivals their producer published (per-synapse input, spike_index.hpp).
    void advance_units(const std::uint8_t* pre) noexcept;
    void advance_units(const SynapseArrivals& arrivals) noexcept;
    // Copies x[first, first + n) to out (kernel order, or the elements of a per-synapse x of pre shape):
    // a row of x this step, gathered from the ring in the per-unit form. The per-unit x is finite and
    // >= +0 (never -0): it starts at +0 and adds non-negative finite terms to 0.
    void copy(std::size_t first, std::size_t n, float* out) const noexcept;

    // Per-synapse form: the Tracer (the rule steps it, whole or by ranges).
    Tracer& tracer() noexcept { return tracer_; }
    const Tracer& tracer() const noexcept { return tracer_; }

    void reset() noexcept;
    // A writing visitor that changes a value switches to the per-synapse form with the values it leaves.
    void visit_state(StateVisitor& v, std::string_view name);
    std::vector<float> values() const;  // x in the per-synapse layout

private:
    void make_tracer();                  // the per-synapse Tracer, from the taus kept
    void to_per_synapse(std::span<const float> x);
    void advance_with_spikes() noexcept;  // X's next slot from spikes_
    void build_lag_rows(const std::vector<std::uint8_t>& cls, const std::vector<std::int32_t>& shortest,
                        const std::vector<std::int32_t>* delays);
    void spread_lag_rows(std::size_t lags) noexcept;  // the lag rows of now_ at lags [0, lags)
    float* lag_row(std::size_t pattern, std::size_t lag) noexcept;

    std::size_t size_ = 0, n_pre_ = 0, stride_ = 0;  // stride_: between rows of the pre input (0 = broadcast)
    std::vector<float> tau_;                          // one or size_ values
    double dt_ = 1.0;
    Tracer tracer_;
    bool per_unit_ = false, per_unit_possible_ = false;
    // Per-unit form.
    std::size_t classes_ = 0, lags_ = 0;             // C, R = max lag + 1
    std::vector<float> decay_, scale_;               // per element q C + c of X
    std::vector<std::uint32_t> source_;              // per q: the pre input element giving s_q(t - d_q)
    std::vector<std::uint32_t> source_post_;         // per q: that element's post unit (per-synapse input)
    std::vector<std::int32_t> rel_;                  // per synapse: offset of its X from now_
    std::vector<float> history_;                     // 2R slots of n_pre C values
    std::vector<float> spikes_;                      // scratch of advance_units: one slot's spike inputs
    std::size_t slot_ = 0;
    const float* now_ = nullptr;                     // the current slot
    // Lag rows (empty: copy gathers): per row its pattern, per pattern its classes along q, per synapse
    // its lag, and per pattern X at each lag along q: a ring of R rows, lag l in ring slot
    // (lag_row_head_ + l) mod R (a step spreads lag 0 alone, into the slot of the oldest).
    std::vector<std::uint8_t> row_pattern_, pattern_class_, lag_;
    std::vector<float> lag_rows_;
    std::size_t lag_row_head_ = 0;
};

}  // namespace spark::components::plasticity
