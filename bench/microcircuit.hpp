#pragma once
// The cortical microcircuit of Potjans & Diesmann (2014, Cerebral Cortex 24:785) as a spark Network,
// with the parameters of NEST's example (pynest/examples/Potjans_2014/network_params.py) and the INM-6
// microcircuit-PD14-model: 8 populations (L2/3, L4, L5, L6; E and I), 77 169 neurons, ~3e8 synapses,
// Poisson background, dt = 0.1 ms.
//
//   per population a:  bg_a (poisson_source) --+--> a (strict_refractory_leaky_soma) --spikes--+
//                      syn_a (traced_synapses) -+                                              |
//                        ^  spikes of all 8 populations, concatenated in population order <---+
//                           (previous-step wires), one block of kernel columns per source population
//                      [a_sign (inhibition_mask, all inhibitory) --> a.inhibition_mask for I populations]
//
// What is the published model, exactly:
//   population sizes N, connection probabilities C_ab, in-degrees K_ext of the background, rates
//   (8 Hz per background train), neuron constants (tau_m 10 ms, C_m 250 pF, E_L = V_reset = -65 mV,
//   V_th = -50 mV, t_ref 2 ms with the potential clamped), tau_syn 0.5 ms, weights from the PSP of
//   0.15 mV (87.8 pA, x2 for L4E -> L2/3E, x(-4) from inhibitory populations, sd 10 %, redrawn at the
//   sign change: NEST's normal_clipped), delays 1.5 ms (E) and 0.75 ms (I) with sd 50 %, redrawn below
//   dt and rounded to the grid, initial potentials N(-58, 10) mV ("original") or the population-
//   specific "optimized" ones.
// What differs (spark's discretisation and connectivity draw):
//   - connectivity: NEST draws K_ab = ln(1 - C_ab) / ln(1 - 1/(N_a N_b)) synapses with multapses
//     (fixed_total_number); here each pair is connected with probability K_ab / (N_a N_b) (the same
//     expected number of synapses, no multapses);
//   - the soma integrates v <- e^{-dt/tau_m} v + (1 - e^{-dt/tau_m}) R I with the current of the step
//     held constant (R = tau_m / C_m = 0.04 GOhm), where NEST's iaf_psc_exp integrates the exponential
//     current exactly within the step; the current jump lands in the arrival step (spark's traced
//     synapse), one step earlier in v than NEST's ring buffer (same total latency for delay d steps:
//     d + 1 steps from the spike to v, counting the previous-step wire);
//   - delays longer than max_delay = 6 ms are clamped to 6 ms (6 sd above the excitatory mean;
//     expected count < 1 synapse);
//   - the background is PoissonSource: per-neuron Poisson counts through the 0.5 ms synaptic current
//     (NEST's poisson_generator -> static_synapse; its 1.5 ms delay does not matter for a stationary
//     process).
// Down-scaled versions (N_scaling, K_scaling < 1, for tests) follow NEST's example: in-degrees scale by
// K_scaling, weights by 1/sqrt(K_scaling), and a DC current (constant_source) makes up the lost mean
// input using the published full-scale rates.
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <spark/graph/network.hpp>

namespace spark::bench {

struct MicrocircuitParams {
    double n_scaling = 1.0;  // neurons
    double k_scaling = 1.0;  // in-degrees
    bool optimized_v0 = true;  // population-specific initial potentials (INM-6 default) or N(-58, 10)
    std::uint64_t seed = 55;
};

struct Microcircuit {
    static constexpr std::size_t populations = 8;
    static constexpr std::array<const char*, populations> names{"L23E", "L23I", "L4E", "L4I",
                                                                "L5E",  "L5I",  "L6E", "L6I"};
    static constexpr std::array<double, populations> full_n{20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948};
    // Connection probabilities C[target][source].
    static constexpr double conn_probs[populations][populations] = {
        {0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0., 0.0076, 0.},
        {0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0., 0.0042, 0.},
        {0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.},
        {0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0., 0.1057, 0.},
        {0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.},
        {0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.},
        {0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252},
        {0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443}};
    static constexpr std::array<double, populations> k_ext{1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100};
    // Published full-scale rates [Hz]: NEST's example (network_params.py, full_mean_rates) and the
    // INM-6 microcircuit-PD14-model (parameter_definitions.py, full_mean_rates).
    static constexpr std::array<double, populations> nest_rates{0.971, 2.868, 4.746, 5.396,
                                                                8.142, 9.078, 0.991, 7.523};
    static constexpr std::array<double, populations> pd14_rates{0.903, 2.965, 4.414, 5.876,
                                                                7.569, 8.633, 1.105, 7.829};
    static constexpr std::array<double, populations> v0_mean{-68.28, -63.16, -63.33, -63.45,
                                                             -63.11, -61.66, -66.72, -61.43};
    static constexpr std::array<double, populations> v0_sd{5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48};
    static constexpr double e_l = -65.0, v_th = -50.0, v_reset = -65.0;  // [mV]
    static constexpr double c_m = 250.0, tau_m = 10.0, t_ref = 2.0;      // [pF], [ms], [ms]
    static constexpr double tau_syn = 0.5;                               // [ms]
    static constexpr double psp_e = 0.15, weight_rel_sd = 0.1, g = -4.0; // [mV]
    static constexpr double delay_e = 1.5, delay_i = 0.75, delay_rel_sd = 0.5;  // [ms]
    static constexpr double bg_rate = 8.0;                               // [Hz]
    static constexpr double dt = 0.1, max_delay = 6.0;                   // [ms]

    static bool inhibitory(std::size_t b) { return b % 2 == 1; }

    // The PSC amplitude [pA] whose PSP peaks at `psp` [mV] (tau_m, tau_syn, C_m above): the PSP of an
    // exponential current J e^{-t/tau_s} on the membrane is
    //   v(t) = J tau_m tau_s / (C_m (tau_m - tau_s)) (e^{-t/tau_m} - e^{-t/tau_s}), maximal at
    //   t* = tau_m tau_s ln(tau_m / tau_s) / (tau_m - tau_s).
    static double psc_from_psp(double psp) {
        const double t_peak = tau_m * tau_syn * std::log(tau_m / tau_syn) / (tau_m - tau_syn);
        const double per_pa = tau_m * tau_syn / (c_m * (tau_m - tau_syn)) *
                              (std::exp(-t_peak / tau_m) - std::exp(-t_peak / tau_syn));
        return psp / per_pa;
    }
    // Total synapses of the full-scale projection source b -> target a (NEST: fixed_total_number).
    static double full_synapses(std::size_t a, std::size_t b) {
        const double c = conn_probs[a][b];
        if (c == 0.0) return 0.0;
        const double pairs = full_n[a] * full_n[b];
        return std::log(1.0 - c) / std::log((pairs - 1.0) / pairs);
    }
    // Mean PSC [pA] of source b onto target a (negative from inhibitory sources).
    static double mean_weight(std::size_t a, std::size_t b) {
        const double w = psc_from_psp(psp_e);
        if (inhibitory(b)) return g * w;
        return a == 0 && b == 2 ? 2.0 * w : w;  // L4E -> L2/3E doubled
    }
};

inline std::vector<std::size_t> microcircuit_sizes(const MicrocircuitParams& p) {
    std::vector<std::size_t> n(Microcircuit::populations);
    for (std::size_t a = 0; a < n.size(); ++a)
        n[a] = static_cast<std::size_t>(std::lround(Microcircuit::full_n[a] * p.n_scaling));
    return n;
}

inline graph::Network microcircuit_network(const MicrocircuitParams& p = {}) {
    using graph::Latency;
    using M = Microcircuit;
    const auto n = microcircuit_sizes(p);
    graph::Network net(Latency::same_step);
    net.seed = p.seed;
    net.dt = M::dt;
    const double w_ext = M::psc_from_psp(M::psp_e) / std::sqrt(p.k_scaling);
    const auto steps = [](double ms) { return ms / M::dt; };
    for (std::size_t a = 0; a < M::populations; ++a) {
        const std::string name = M::names[a];
        const auto units = Value::List{static_cast<double>(n[a])};
        // Potentials relative to rest (E_L): reset 0, threshold 15 mV.
        const double v0_mean = p.optimized_v0 ? M::v0_mean[a] : -58.0;
        const double v0_sd = p.optimized_v0 ? M::v0_sd[a] : 10.0;
        net.add(name, "strict_refractory_leaky_soma",
                {{"units", units},
                 {"potential_rest", M::e_l},
                 {"potential_reset", M::v_reset},
                 {"threshold", M::v_th},
                 {"potential_tau", M::tau_m},
                 {"resistance", M::tau_m / M::c_m},  // [GOhm]: 1 pA x 1 GOhm = 1 mV
                 {"cooldown", M::t_ref},
                 {"initial.potential", Value::Map{{"initializer", "normal_initializer"},
                                                  {"mean", v0_mean - M::e_l},
                                                  {"stddev", v0_sd}}}});
        if (M::inhibitory(a)) {
            net.add(name + "_sign", "inhibition_mask", {{"units", units}, {"inhibitory_rate", 1.0}});
            net.connect(name + "_sign.mask", name + ".inhibition_mask");
        }
        // One synapse group per target over the concatenated populations: a block of columns per source.
        Value::List weight_blocks, delay_blocks;
        double dc = 0.0;  // [pA], the mean input lost by down-scaling the in-degrees (NEST's example)
        for (std::size_t b = 0; b < M::populations; ++b) {
            const double indegree = M::full_synapses(a, b) / M::full_n[a] * p.k_scaling;
            const double density = std::min(1.0, indegree / static_cast<double>(n[b]));
            const double w = std::abs(M::mean_weight(a, b)) / std::sqrt(p.k_scaling);
            weight_blocks.push_back(Value::Map{{"size", static_cast<double>(n[b])},
                                               {"initializer", "sparse_normal_initializer"},
                                               {"mean", w},
                                               {"stddev", M::weight_rel_sd * w},
                                               {"density", density},
                                               {"min_value", 0.0},
                                               {"redraw", true}});
            const double d = M::inhibitory(b) ? M::delay_i : M::delay_e;
            // Delays in steps: N(d/dt, sd) redrawn below 1 step and rounded = trunc(N(d/dt + 0.5, sd)) >= 1.5.
            delay_blocks.push_back(Value::Map{{"size", static_cast<double>(n[b])},
                                              {"initializer", "normal_initializer"},
                                              {"mean", steps(d) + 0.5},
                                              {"stddev", steps(d * M::delay_rel_sd)},
                                              {"min_value", 1.5},
                                              {"redraw", true}});
            dc += 0.001 * M::tau_syn * (1.0 - std::sqrt(p.k_scaling)) * M::mean_weight(a, b) *
                  (M::full_synapses(a, b) / M::full_n[a]) * M::nest_rates[b];
        }
        net.add("syn_" + name, "traced_synapses",
                {{"units", units},
                 {"tau", M::tau_syn},
                 {"kernel", Value::Map{{"initializer", "block_initializer"}, {"blocks", weight_blocks}}},
                 {"max_delay", M::max_delay},
                 {"delays", Value::Map{{"initializer", "block_initializer"}, {"blocks", delay_blocks}}}});
        net.add("bg_" + name, "poisson_source",
                {{"units", units},
                 {"rate", M::bg_rate},
                 {"trains", M::k_ext[a] * p.k_scaling},
                 {"weight", w_ext},
                 {"tau", M::tau_syn}});
        net.connect("syn_" + name + ".currents", name + ".current");
        net.connect("bg_" + name + ".output", name + ".current");
        if (p.k_scaling < 1.0) {
            dc += 0.001 * M::tau_syn * (1.0 - std::sqrt(p.k_scaling)) * M::psc_from_psp(M::psp_e) * M::k_ext[a] *
                  M::bg_rate;
            net.add("dc_" + name, "constant_source", {{"units", units}, {"value", dc}});
            net.connect("dc_" + name + ".output", name + ".current");
        }
    }
    for (std::size_t a = 0; a < M::populations; ++a)
        for (std::size_t b = 0; b < M::populations; ++b)
            net.connect(std::string(M::names[b]) + ".spikes", "syn_" + std::string(M::names[a]) + ".spikes",
                        Latency::previous_step);
    return net;
}

}  // namespace spark::bench
