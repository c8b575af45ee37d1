#pragma once
// RDTracedSynapses (spec section 3.3): a rise-decay (difference of exponentials) trace of the weighted
// input per synapse (spark::RDTracer, section 1.8), x = K[post, pre] s[(post,) pre]:
//     r <- base_rise + e^{-dt/tau_r'} (r - base_rise) + scale_rise x,   tau_r' = tau_rise tau_decay / (tau_rise + tau_decay)
//     d <- base_decay + e^{-dt/tau_decay} (d - base_decay) + scale_decay x
//     I[post] = sum_pre (d - r)
// An impulse of weight K gives K e^{-n/tau_decay} (1 - e^{-n/tau_rise}) n steps later (0 on its step).
// Per-target traces (bases n_pre base_*) when both time constants are constant along the presynaptic
// axes; see synapses.hpp for trace_mode. Defaults: tau_rise = 1 ms, tau_decay = 5 ms, scales 1, bases 0.
// Draw order: kernel, tau_rise, tau_decay (then delays).
#include <boost/hana/adapt_struct.hpp>

#include <spark/components/synapses/synapses.hpp>
#include <spark/components/synapses/trace_bank.hpp>

namespace spark::components::synapses {

struct RDTracedSynapsesConfig {
    Shape units;                      // postsynaptic shape (required)
    Param kernel = default_kernel();  // [pA]
    Param tau_rise = 1.0;             // [ms]
    double scale_rise = 1.0;
    double base_rise = 0.0;           // [pA]
    Param tau_decay = 5.0;            // [ms]
    double scale_decay = 1.0;
    double base_decay = 0.0;          // [pA]
    std::string trace_mode = "auto";
    std::string layout = "auto";
    double max_delay = 0.0;           // [ms]; 0 = no delays
    Param delays = default_delays();  // [steps]

    static constexpr FieldMeta meta[] = {
        units_meta,
        kernel_meta,
        {"tau_rise", "ms", Bound::positive, "Rise time constant (one value or one per synapse)."},
        {"scale_rise", "", Bound::none, "Rise trace increment per unit of weighted input."},
        {"base_rise", "pA", Bound::none, "Rest value of each synapse's rise trace."},
        {"tau_decay", "ms", Bound::positive, "Decay time constant (one value or one per synapse)."},
        {"scale_decay", "", Bound::none, "Decay trace increment per unit of weighted input."},
        {"base_decay", "pA", Bound::none, "Rest value of each synapse's decay trace."},
        trace_mode_meta,
        layout_meta,
        max_delay_meta,
        delays_meta};
};

class RDTracedSynapses : public Synapses<RDTracedSynapses, RDTracedSynapsesConfig> {
public:
    static constexpr std::string_view type_name = "rd_traced_synapses";
    static constexpr std::string_view class_name_v = "RDTracedSynapses";
    static constexpr std::string_view description = "Synapses with a rise-decay trace of the weighted input.";
    static constexpr bool has_traces = true;

    using Synapses::Synapses;

    bool build_model(const BuildContext& ctx);
    void update_targets(std::size_t begin, std::size_t end, float* current) noexcept {
        for (std::size_t p = begin; p < end; ++p) {
            const float x = current[p];
            const float r = rise_.step(p, x);
            current[p] = decay_.step(p, x) - r;
        }
    }
    float update_row(std::size_t post, const float* kernel_row, const float* sign_row) noexcept {
        const std::size_t first = post * n_pre_;
        float acc = 0.0f;
        for (std::size_t j = 0; j < n_pre_; ++j) {
            const float x = kernel_row[j] * sign_row[j];
            const float r = rise_.step(first + j, x);
            acc += decay_.step(first + j, x) - r;
        }
        return acc;
    }
    void reset_model() noexcept {
        rise_.reset();
        decay_.reset();
    }
    void visit_model(StateVisitor& v) {
        const bool s = per_synapse_traces();
        rise_.visit_state(v, s ? "synapse_rise" : "rise");
        decay_.visit_state(v, s ? "synapse_decay" : "decay");
    }
    std::size_t model_state_bytes() const noexcept { return rise_.bytes() + decay_.bytes(); }

private:
    TraceBank rise_, decay_;
};

}  // namespace spark::components::synapses

BOOST_HANA_ADAPT_STRUCT(spark::components::synapses::RDTracedSynapsesConfig, units, kernel, tau_rise, scale_rise,
                        base_rise, tau_decay, scale_decay, base_decay, trace_mode, layout, max_delay, delays);
