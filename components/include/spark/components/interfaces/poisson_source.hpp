#pragma once
// PoissonSource: background input from independent Poisson spike trains, delivered through exponential
// current synapses (spark's addition, not in the original; the cortico-cortical input of the
// Potjans & Diesmann 2014 microcircuit, NEST's poisson_generator -> static_synapse -> iaf_psc_exp).
//
// Each unit i receives `trains_i` independent trains of rate `rate_i` [Hz], each spike adding
// `weight_i` [pA]; the superposition is one Poisson process, so per step
//     lambda_i = trains_i rate_i dt / 1000            (expected input spikes per step)
//     n_i(t) ~ Poisson(lambda_i)                      (independent across units and steps)
//     tau > 0:  I_i(t) = e^{-dt/tau} I_i(t-1) + weight_i n_i(t)     (the TracedSynapses trace: the
//               jump lands in the step the spikes arrive, and the soma sees it in that step)
//     tau = 0:  I_i(t) = weight_i n_i(t)
// No inputs; output `output` (CurrentArray [pA], shape `units`), known from the config (a contract).
// Draw order: rate, trains, weight, then one random stream per block of 4096 units (so that the
// draws, and the results, do not depend on the thread count). n is drawn by inversion of the Poisson
// CDF with a 32-bit uniform (a guide table of 2048 entries per distinct lambda; probabilities exact to 2^-32), two units
// per 64-bit draw, in unit order within each block. The streams are state (saved in snapshots) and are
// not rewound by reset(), which clears the currents.
// lambda must be <= 10000 per step (use a current source for larger drives).
#include <array>
#include <cstdint>
#include <vector>

#include <spark/components/output_units.hpp>
#include <spark/core/component_base.hpp>

namespace spark::components::interfaces {

struct PoissonSourceConfig : Params<OutputUnitsParams> {
    SPARK_PARAMS(PoissonSourceConfig);
    SPARK_PARAM(Param, rate, 8.0, "Hz", non_negative, "Rate of each input train.");
    SPARK_PARAM(Param, trains, 1.0, "", non_negative, "Number of independent input trains per unit.");
    SPARK_PARAM(Param, weight, 1.0, "pA", none, "Current added per input spike.");
    SPARK_PARAM(double, tau, 0.0, "ms", non_negative,
                "Time constant of the exponential synaptic current; 0 = unfiltered.");
};

class PoissonSource : public ComponentBase<PoissonSource, PoissonSourceConfig> {
public:
    static constexpr ComponentIdentity identity{"poisson_source", "PoissonSource", "interface",
        "Independent Poisson input trains through exponential current synapses (background input)."};
    enum Output : std::size_t { output_index };
    static constexpr std::array<PortDecl, 0> input_ports{};
    static constexpr std::array output_ports{
        PortDecl{"output", PayloadKind::current, "Synaptic current of the Poisson input [pA]."}};
    static constexpr std::array<PortDecl, 0> property_ports{};
    // Units per random stream (a fixed block length: results never depend on the thread count).
    static constexpr std::size_t stream_block = 4096;

    // Throws ConfigError for a missing units.
    PoissonSource(Config config, std::string instance);

    std::optional<BuildResult> contract() const override;
    BuildResult build(const BuildContext& ctx) override;  // throws ConfigError when lambda > 10000
    void step(const StepContext& ctx) override;
    void reset() override;
    void visit_state(StateVisitor& v) override;
    // The output is the currents themselves (no copy per step).
    ArrayRef output_storage(std::size_t index) override;
    // A share steps the stream blocks it overlaps ("current": one value per unit; "rng": one stream per
    // block), but draws the counts of (and filters) only the units of its process's block
    // (BuildContext): the other units' draws are skipped over, and their currents and outputs left alone.
    std::size_t share_units() const override { return current_.size(); }
    std::size_t share_grain() const override { return stream_block; }

    // Expected input spikes per unit and step.
    std::span<const float> lambda() const noexcept { return lambda_; }
    std::span<const float> currents() const noexcept { return current_; }

private:
    // Inversion table of one lambda: threshold[k] = floor(2^32 F(k)) (the last is 2^32, a sentinel),
    // guide[g] = the smallest k with threshold[k] > g 2^(32 - guide_bits): a uniform u starts its
    // search there. count[g] = that k as a float when every u of cell g has the same count (no
    // threshold inside the cell: all but a few cells), else -1 (search the thresholds from guide[g]).
    static constexpr unsigned guide_bits = 11;
    struct Table {
        std::vector<std::uint64_t> threshold;
        std::array<std::uint16_t, std::size_t{1} << guide_bits> guide{};
        std::array<float, std::size_t{1} << guide_bits> count{};
    };
    static Table make_table(double lambda);
    // A block's stream advanced by `draws` 64-bit draws at once (PoissonSource::skip): the linear map of
    // the state as XORs of its columns four at a time, nibbles[n][v] the image of the state's nibble n
    // (bits 4n .. 4n + 3) having the value v.
    struct Jump {
        std::size_t draws = 0;
        std::array<std::array<std::array<std::uint64_t, 4>, 16>, 64> nibbles{};
    };
    static Jump make_jump(std::size_t draws);
    // Advances a block's stream over `units` units it does not draw: step by step for a few, else by
    // the jump made for that distance (step() makes it first).
    void skip(std::uint64_t* state, std::size_t units) const noexcept;
    // The units of stream block `block` a step draws when it draws `drawn` (whole pairs), and the
    // units it skips before and after them.
    UnitShare drawn_in_block(std::size_t block, UnitShare drawn) const noexcept;
    std::array<std::size_t, 2> skipped_units(std::size_t block, UnitShare drawn) const noexcept;
    // Steps stream block `block`: the counts and currents of its units in `drawn`, the stream advanced
    // over the others.
    void draw_block(std::size_t block, float* out, UnitShare drawn) noexcept;
    // The currents of units [lo, hi) of one block (from an even offset) from its stream `state`,
    // advanced past their draws.
    void draw_units(std::size_t lo, std::size_t hi, std::uint64_t* state, float* out) noexcept;
    template <bool OneTable>
    void draw_counts(std::size_t begin, std::size_t end, const std::uint64_t* words, const std::uint64_t* cells,
                     float* counts) const noexcept;
    // current = decay current + weight count (or weight count unfiltered) for units [first, last), copied
    // to out unless out is the currents (output_storage()).
    void filter(std::size_t first, std::size_t last, const float* counts, float* out) noexcept;

    std::vector<float> lambda_, current_;
    std::vector<float> weight_;               // per unit, or one value when all units have the same
    float decay_ = 0.0f;                      // e^{-dt/tau}
    bool filtered_ = false;                   // tau > 0
    std::vector<Table> tables_;               // one per distinct lambda
    std::vector<std::uint32_t> table_of_;     // per unit (empty when there is one table)
    std::vector<std::uint64_t> streams_;      // 4 words of xoshiro state per block of units
    UnitShare own_;                           // this process's units in a split run (all of them otherwise)
    std::vector<Jump> jumps_;                 // per distance a share skips (a few, the same every step)
    UnitShare jumps_drawn_;                   // the drawn units jumps_ was last completed for (none yet:
                                              // the default, whole, which no split run's drawn units are)
};

}  // namespace spark::components::interfaces
