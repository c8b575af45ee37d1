#pragma once
// QuadrupletRuleTensor: modulated four-term rule with parameters per synapse type (spec section 5.6).
//
// Each synapse (p, q) has a type from the inhibition masks of the input specs (design decision 5: the
// real masks reach the rule; an empty mask means all excitatory). all_pre_excitatory = true types every
// presynaptic unit excitatory instead, as Spark 1.0 did (spec 5.6 quirk: only EE and IE parameters are
// used); the .scfg importer sets it so imported models learn with the parameters they were tuned with.
// The first letter is the POST type, the second the PRE type:   EE = 0, EI = 1, IE = 2, II = 3,   type = 2 I_post[p] + I_pre[q].
// For per-synapse pre input the pre mask has one entry per (p, q) and that entry is used.
// Every 4-tuple config field is indexed by that type. Traces (Tracers with scale 1/tau, advanced
// before use), both kernel-shaped with per-synapse time constants:
//     x  <- e^{-dt/tau_pre} x + s_pre / tau_pre        (s_pre broadcast along post when synchronous)
//     y  <- e^{-dt/tau_post} y + s_post / tau_post     (s_post broadcast along pre)
//     dK = eta m (alpha s_pre + beta y s_pre + gamma s_post + delta x s_post)
//     K  <- clip(K + dt dK, 0, max_clip)
// m is the `modulation` input (shape [1] broadcast, or one value per post unit), with NO +0.1 baseline
// (unlike QuadrupletRule). No random draws.
//
// Event form (the default; update_reference() is the literal dense form, kept for tests and selected
// by dense_reference() at build), bit-identical to it:
//   - y depends on the synapse only through its type: one trace per (post unit, pre type), state
//     "post_trace" of n_post x 2 values (element 2 p + I_pre); the reference keeps it kernel-shaped.
//   - where neither the pre nor the post unit spiked, every term of dK is a product with a 0 spike, so
//     K + dt dK = K exactly and the clip leaves K unchanged when K is in [+0, max_clip] (tested on the
//     bits). Only the rows whose post unit fired and the synapses where a spike arrived are computed
//     (with the formula of the reference); with m = 0 none. A row holding any other value (a kernel
//     set from outside, or non-finite traces) is computed in full, as by the reference.
//   - x (kernel-shaped by definition, its time constant depends only on the synapse type) is one trace
//     per (pre unit, type) with a ring of depth B for N2N delays (synapse_pre_trace.hpp); where that
//     form does not apply, one fused pass per row advances x and copies the kernel to the output.
// The presynaptic type of a synapse comes from one place, pre_inhibitory().
// Parameters of the CartPole tutorial ("Plasticity Cards"): see spec section 5.6.
#include <array>

#include <spark/components/plasticity/plasticity_rule.hpp>

namespace spark::components::plasticity {

// Synapse types, the index into every 4-tuple of QuadrupletRuleTensorConfig.
enum SynapseType : std::uint8_t { excitatory_excitatory, excitatory_inhibitory, inhibitory_excitatory,
                                  inhibitory_inhibitory };

// One value per synapse type, ordered EE, EI, IE, II (post type, pre type).
constexpr std::vector<double> per_type(double value) { return {value, value, value, value}; }

struct QuadrupletRuleTensorConfig {
    SPARK_PARAMS(QuadrupletRuleTensorConfig);
    SPARK_PARAM(std::vector<double>, pre_tau, per_type(10.0), "ms", positive,
                "Presynaptic trace time constants per type (EE, EI, IE, II).");
    SPARK_PARAM(std::vector<double>, post_tau, per_type(10.0), "ms", positive,
                "Postsynaptic trace time constants per type (EE, EI, IE, II).");
    SPARK_PARAM(std::vector<double>, q_alpha, per_type(1.0), "", none,
                "Weights of the term s_pre per type (EE, EI, IE, II).");
    SPARK_PARAM(std::vector<double>, q_beta, per_type(1.0), "", none,
                "Weights of the term y s_pre per type (EE, EI, IE, II).");
    SPARK_PARAM(std::vector<double>, q_gamma, per_type(1.0), "", none,
                "Weights of the term s_post per type (EE, EI, IE, II).");
    SPARK_PARAM(std::vector<double>, q_delta, per_type(1.0), "", none,
                "Weights of the term x s_post per type (EE, EI, IE, II).");
    SPARK_PARAM(std::vector<double>, max_clip, per_type(20.0), "", non_negative,
                "Upper bound of the kernel per type (EE, EI, IE, II).");
    SPARK_PARAM(double, eta, 0.1, "", none, "Learning rate.");
    SPARK_PARAM(bool, all_pre_excitatory, false, "", none,
                "Type every presynaptic unit excitatory, ignoring the pre mask (Spark 1.0's behaviour).");
};

class QuadrupletRuleTensor : public PlasticityRule<QuadrupletRuleTensor, QuadrupletRuleTensorConfig> {
public:
    static constexpr ComponentIdentity identity{"quadruplet_rule_tensor", "QuadrupletRuleTensor", "plasticity",
        "Modulated four-term plasticity rule with parameters per synapse type (EE, EI, IE, II)."};
    static constexpr auto input_ports =
        modulated_inputs("modulation", "Modulation: FloatArray[1] (broadcast) or one value per post unit.");

    // Checks that every 4-tuple field has exactly 4 values (ConfigError otherwise).
    QuadrupletRuleTensor(Config config, std::string instance);

    void build_rule(const BuildContext& ctx, const RuleLayout& layout);
    void update(const RuleStep& s);
    void update_reference(const RuleStep& s);  // the literal dense form (spec 5.6)
    void reset_rule() noexcept;
    void visit_rule(StateVisitor& v);
    // The event form with x per unit and the pre types shared by every row takes per-synapse pre spikes
    // from the arrivals grouped by sender alone (its producer may then leave the codes unwritten).
    bool reads_arrivals_only(std::size_t input) const override { return input == pre_spikes && arrivals_only_; }

    // The type (SynapseType) of every synapse, kernel layout.
    std::span<const std::uint8_t> synapse_types() const noexcept { return types_; }
    std::vector<float> pre_trace() const { return pre_trace_.values(); }
    bool pre_trace_per_unit() const noexcept { return pre_trace_.per_unit(); }
    std::span<const float> post_trace() const noexcept { return post_trace_.trace(); }
    // The post trace y of synapse i (kernel order), in either form.
    float post_trace_at(std::size_t i) const noexcept {
        return reference_ ? post_trace_.trace()[i] : post_trace_.trace()[2 * (i / layout_.n_pre) + (types_[i] & 1u)];
    }

private:
    using Table = std::array<float, 4>;
    // Whether the presynaptic element of synapse (p, q) is inhibitory (the pre mask; empty = excitatory).
    bool pre_inhibitory(std::size_t p, std::size_t q) const noexcept;
    // false: compute the row in full. `known`: clean_rows_ holds row p's flag (else K is read and checked).
    bool event_row(const RuleStep& s, std::size_t p, float rate, bool known) noexcept;
    // The pre types (0/1) of the synapses of row p.
    const std::uint8_t* pre_type_row(std::size_t p) const noexcept {
        return pre_types_.data() + (pre_types_shared_ ? 0 : p * layout_.n_pre);
    }
    void reference_row(const RuleStep& s, std::size_t p, float rate, const float* y, std::size_t y_stride) const noexcept;
    // The arrivals of the rows in [p0, p1) that event_row left to the producer's list (listed_row_).
    void listed_arrivals(const RuleStep& s, std::size_t p0, std::size_t p1) noexcept;
    // The same for arrivals grouped by sender (s.pre_arrivals) when every row shares the pre types.
    void grouped_arrivals(const RuleStep& s, std::size_t p0, std::size_t p1) noexcept;
    // A row in full, per-unit x, with the row's pre codes `s_pre`; returns whether every new weight is one
    // the clip keeps (CleanRows).
    bool fired_row(const RuleStep& s, std::size_t p, float rate, const std::uint8_t* s_pre) const noexcept;
    // Every pre code (its spike bit) from the published arrivals, for a step that reads codes although
    // the rule said it reads the arrivals alone (x per synapse after a state write).
    const std::uint8_t* codes_from_arrivals(const SynapseArrivals& arrivals);

    // Per synapse of a row, by its type (event form): x's decay and scale, the bits of max_clip, and
    // the rule's constants, so that a whole row is one loop the compiler vectorises.
    struct RowParams {
        std::vector<float> decay, scale;
        std::vector<std::uint32_t> limit_bits;
        std::vector<std::uint32_t> pre_inhibitory;  // I_pre (0/1)
        std::vector<float> alpha, gamma, delta, clip;
    };
    // The row params of row p: stored for its post type (pre types shared by every row), or made in `own`.
    const RowParams& row_params(std::size_t p, RowParams& own) const;
    RowParams make_row_params(std::size_t post_type, const std::uint8_t* pre_types) const;

    Table alpha_{}, beta_{}, gamma_{}, delta_{}, max_clip_{};
    std::array<RowParams, 2> row_params_;  // for E and I post rows, when the pre types are shared
    Table pre_decay_{}, pre_scale_{};      // of x, per type (as its Tracer has them)
    std::array<std::uint32_t, 4> clip_bits_{};  // the bits of max_clip: K is left unchanged iff bits(K) <= these
    bool reference_ = false;
    bool finite_tables_ = true;
    std::vector<std::uint8_t> types_;
    std::vector<std::uint8_t> pre_types_;  // I_pre per synapse: one row when all rows share it, else all
    bool pre_types_shared_ = true;
    SynapsePreTrace pre_trace_;  // x, one trace per (pre unit, type) where exact
    CleanRows clean_rows_;       // the rows of K known to be kept by the clip (per-unit x, in place)
    // Per row, this step: whether its arrivals are taken from the producer's list (listed), or the row is
    // computed in full after the grouped arrivals gave its codes (full_row), and the arrivals' dt dK by pre type.
    enum : std::uint8_t { unlisted = 0, listed = 1, full_row = 2 };
    std::vector<std::uint8_t> listed_row_;
    std::vector<std::uint8_t> full_codes_;     // the pre spike bits of the full rows (grouped arrivals), kernel order
    std::vector<std::uint8_t> arrival_codes_;  // codes_from_arrivals' scratch
    bool arrivals_only_ = false;               // reads_arrivals_only(pre_spikes), decided at build
    std::vector<float> arrival_step_;
    std::vector<float> row_clip_;  // max_clip of row p's synapses of pre type c, at 2 p + c
    Tracer post_trace_;
    std::vector<float> input_;  // scratch: a trace input (kernel-shaped in the reference, n_post x 2 here)
};

}  // namespace spark::components::plasticity
