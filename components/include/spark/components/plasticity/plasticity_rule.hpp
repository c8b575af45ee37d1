#pragma once
// The common plasticity-rule contract (spec section 5.0), shared by every rule.
//
// Ports (in this order):
//   pre_spikes   SpikeArray  the presynaptic spikes: the pre shape (synchronous), or per synapse
//                            `units + pre` (PortSpec::per_synapse, post dims first) as N2N delays emit it
//   post_spikes  SpikeArray  the postsynaptic spikes of this step, shape `units`
//   kernel       FloatArray  the synapses' current kernel, shape `units + pre`
//   reward / modulation (modulated rules only)
//                FloatArray  shape [1] (broadcast to every synapse) or one value per post unit
//   -> kernel    FloatArray  the NEW kernel, shape `units + pre`; every element is written each step
//                            (possibly over the kernel input itself: K[i] is read only before out[i] is written)
// Rules read the unsigned spike bit (bit 0): plasticity ignores the inhibitory sign. The kernel is
// post-major: synapse (p, q) is element p * n_pre + q. Every trace is a spark::Tracer with scale 1/tau
// (it jumps by 1/tau per spike), advanced with this step's spikes before it is used, and the kernel
// update is K <- max(0, K + dt dK) (QuadrupletRuleTensor also clips at max_clip).
// A trace of "pre shape" follows the pre_spikes input: for per-synapse input it is kernel-shaped.
//
// Event form (issue 21). The rules are dense in their definition, not in their work: where neither the
// pre element nor the post unit spiked, every term of dK of Hebbian, ThreeFactorHebbian, Quadruplet and
// QuadrupletRuleTensor is a product with a 0 spike, so dt dK is +-0 and K + dt dK = K exactly, which the
// clip leaves unchanged when K is in [+0, upper] (checked on the bits: bits(K) <= bits(upper) as
// unsigned, which excludes -0, negatives and NaN). Those rules compute only the rows whose post unit
// fired and the synapses where a spike arrived, with the reference's own formula, and none when the
// rate (eta m) is 0; a row holding another value (a kernel set from outside, non-finite traces or rate)
// is computed in full. Results are bit-identical to the dense form, which is kept as the reference
// (components::dense_reference() at build) for the tests. OjaRule (K y^2 decays every weight) and
// ZenkeRule (the target trace z follows K everywhere, and C acts on whole fired rows) change every
// synapse every step by definition and stay dense.
//
// A model derives from PlasticityRule<Model, Config> (or from TracePairRule below, which adds the usual
// pre/post trace pair), declares
//     static constexpr auto input_ports = plain_inputs;   (or modulated_inputs("reward", ...))
// and provides
//     void build_rule(const BuildContext&, const RuleLayout&);   materialise parameters and traces
//     void update(const RuleStep&);                              advance the traces, write the kernel
//     void reset_rule();  void visit_rule(StateVisitor&);
// Element-wise work runs over rows of the kernel (post units) with parallel_for; the chunks depend
// on the sizes only, so results do not depend on the thread count. Traces advance through
// Tracer::step, one pass on the calling thread (the core Tracer has no ranged step), from 0/1 input
// arrays allocated at build.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>
#if defined(__SSE__) || defined(__x86_64__)
#include <immintrin.h>
#endif

#include <spark/components/plasticity/synapse_pre_trace.hpp>
#include <spark/components/reference_mode.hpp>
#include <spark/core/component_base.hpp>
#include <spark/core/spike_index.hpp>
#include <spark/core/tracer.hpp>

namespace spark::components::plasticity {

// The shapes a rule was built for, from its input specs.
struct RuleLayout {
    Shape post;                   // units
    Shape pre;                    // the pre dims (without the post dims of a per-synapse input)
    Shape kernel;                 // post + pre
    Shape pre_input;              // the shape of pre_spikes: pre, or kernel when per synapse
    std::size_t n_post = 0;       // elements of post
    std::size_t n_pre = 0;        // elements of pre
    bool per_synapse = false;     // pre spikes arrive per synapse
    std::size_t pre_stride = 0;   // offset between post rows in pre_spikes: 0 (broadcast) or n_pre
    std::size_t factor_stride = 0;          // reward/modulation: 0 = one value, 1 = one per post unit
    std::vector<std::uint8_t> post_mask;    // inhibition mask of post_spikes (empty: all excitatory)
    std::vector<std::uint8_t> pre_mask;     // inhibition mask of pre_spikes, pre_input elements (or empty)

    std::size_t kernel_size() const noexcept { return n_post * n_pre; }
};

// Checks the input specs of a rule (`modulated`: it has a 4th FloatArray input) and returns the
// layout. Throws ShapeError naming the offending port.
RuleLayout check_rule_inputs(const Component& rule, const BuildContext& ctx, bool modulated);

// Copies the kernel row k[0, n) to out and returns whether K + (+-0) and the clip to [0, upper] leave
// every weight unchanged: bits(K) <= upper_bits (the bits of upper >= 0) as unsigned integers.
bool copy_unchanged_row(const float* k, float* out, std::size_t n, std::uint32_t upper_bits) noexcept;
// f(q) for every q in [0, n) whose code has the spike bit, each once (increasing q on little-endian
// machines; callers write element q only, so the order does not matter). Eight codes at a time, one
// call per set bit: arrivals are a few percent of the codes.
template <class F>
void for_each_arrival(const std::uint8_t* codes, std::size_t n, F&& f) {
    std::size_t q = 0;
    for (; q + 8 <= n; q += 8) {
        std::uint64_t word;
        std::memcpy(&word, codes + q, 8);
        // The spike bits of the eight codes: bit 8 b of the word is code b on a little-endian machine.
        for (std::uint64_t bits = word & 0x0101010101010101ull; bits != 0; bits &= bits - 1) {
            const unsigned byte = static_cast<unsigned>(std::countr_zero(bits)) / 8;
            f(q + (std::endian::native == std::endian::little ? byte : 7 - byte));
        }
    }
    for (; q < n; ++q)
        if (codes[q] & spike::bit) f(q);
}
// Whether every value of v[0, n) is finite.
bool all_finite(const float* v, std::size_t n) noexcept;

// A Tracer of `size` elements with time constants `tau` [ms] and scale 1/tau, base 0 (spec 5.0).
// `tau` holds one value per element; equal values are stored once (the Tracer's fast path).
Tracer inverse_tau_tracer(std::size_t size, std::span<const float> tau, double dt);

// One step's payload views.
struct RuleStep {
    const std::uint8_t* pre = nullptr;   // pre spikes (layout.pre_input elements)
    const std::uint8_t* post = nullptr;  // post spikes (n_post)
    const float* kernel = nullptr;       // current kernel (n_post * n_pre)
    const float* factor = nullptr;       // reward / modulation, or nullptr
    float* out = nullptr;                // the new kernel (n_post * n_pre)
    // Per-synapse pre spikes as their producer gave them (spike_index.hpp, this step), or null: grouped
    // by sender (N2N delays), or listed.
    const SynapseArrivals* pre_arrivals = nullptr;
    const SpikeIndex* pre_index = nullptr;
    Parallel* parallel = nullptr;
    // The post rows to update: all of them, or a process's share (PlasticityRule::share_units). The
    // rule's per-row state (post traces, kernel-shaped traces) is then valid on these rows only.
    std::size_t row_begin = 0, row_end = 0;

    bool listed() const noexcept { return pre_arrivals != nullptr || pre_index != nullptr; }
};

// f(p, q) once for every synapse (p, q) of the rows [p0, p1) where a pre spike arrives this step, from
// s.pre_arrivals or s.pre_index (s.listed()); callers write element (p, q) only, so the order (by
// sender, or by synapse) does not matter.
template <class F>
void for_each_listed(const RuleStep& s, std::size_t n_pre, std::size_t p0, std::size_t p1, F&& f) {
    if (s.pre_arrivals != nullptr) {
        for_each_arrival_in_rows(*s.pre_arrivals, p0, p1, [&](std::size_t p, std::size_t q, std::uint8_t) { f(p, q); });
        return;
    }
    std::size_t p = p0, row_begin = p0 * n_pre;
    s.pre_index->for_each_in(p0 * n_pre, p1 * n_pre, [&](std::size_t i, bool) {
        while (i >= row_begin + n_pre) {
            ++p;
            row_begin += n_pre;
        }
        f(p, i - row_begin);
    });
}

// 1.0f when the unit spiked (bit 0), whatever its inhibition bit; else 0.0f.
inline float spiked(std::uint8_t code) noexcept { return static_cast<float>(code & spike::bit); }

// Which rows of the kernel hold only weights the rule's clip leaves unchanged (bits(K) <= the row's
// upper bits, as copy_unchanged_row checks), remembered from one step to the next so that the silent
// rows need not be read again. The memory holds while the rule updates the kernel in place (out ==
// kernel: within steps it is the kernel's only writer, graph/src/allocate.cpp) and the synapses' write
// count (PortSpec::write_count, bumped by every write from outside a step) has not moved since the
// rule's last step. Otherwise (no count, a copy, a write from outside, the first step) every row is
// read and checked, as the rule does without it. Rows are set by the parallel row chunks (one byte each).
class CleanRows {
public:
    void build(const PortSpec& kernel, std::size_t n_post) {
        count_ = kernel.write_count;
        clean_.assign(n_post, 0);
        known_ = false;
    }
    // At the start of a step: whether the rows' flags of the last step hold. The rule must then set the
    // flag of every row it writes (or of every row, when this returns false and it calls end_step(true)).
    bool begin_step(const RuleStep& s) const noexcept {
        return known_ && s.out == s.kernel && count_ && *count_ == seen_;
    }
    // After the step: `tracked`: every row's flag was set this step (in place, with a count).
    void end_step(const RuleStep& s, bool tracked) noexcept {
        known_ = tracked && s.out == s.kernel && count_ != nullptr;
        if (known_) seen_ = *count_;
    }
    void forget() noexcept { known_ = false; }
    bool clean(std::size_t p) const noexcept { return clean_[p] != 0; }
    void set(std::size_t p, bool clean) noexcept { clean_[p] = clean ? 1 : 0; }
    std::uint8_t* flags() noexcept { return clean_.data(); }  // one byte per row, 1 = clean (hot loops)

private:
    std::shared_ptr<const std::uint64_t> count_;
    std::uint64_t seen_ = 0;
    bool known_ = false;
    std::vector<std::uint8_t> clean_;
};

// std::min(std::max(k, 0.0f), upper), the same value for every input (NaN, -0), without branches: the
// compiler branches on the scalar compares, and the branch mispredicts where zero weights (clipped
// back to 0) and positive ones mix. SSE's maxss/minss return their second operand unless the first
// is greater (smaller), which is std::max's (std::min's) choice with the operands in this order.
inline float clip_weight(float k, float upper) noexcept {
#if defined(__SSE__) || defined(__x86_64__)
    const __m128 kept = _mm_max_ss(_mm_setzero_ps(), _mm_set_ss(k));  // 0 > k ? 0 : k
    return _mm_cvtss_f32(_mm_min_ss(_mm_set_ss(upper), kept));        // upper < kept ? upper : kept
#else
    return std::min(std::max(k, 0.0f), upper);
#endif
}

// Whether bits(v) <= upper_bits as unsigned (v in [+0, upper] for upper >= +0): the weights the clip keeps.
inline bool keeps(float v, std::uint32_t upper_bits) noexcept { return std::bit_cast<std::uint32_t>(v) <= upper_bits; }

template <class Derived, class ConfigT>
class PlasticityRule : public ComponentBase<Derived, ConfigT> {
    using Base = ComponentBase<Derived, ConfigT>;

public:
    enum Input : std::size_t { pre_spikes, post_spikes, kernel, factor };
    enum Output : std::size_t { new_kernel };

    static constexpr PortDecl pre_port{
        "pre_spikes", PayloadKind::spikes,
        "Presynaptic spikes: the pre shape, or per synapse (units + pre, post dims first)."};
    static constexpr PortDecl post_port{"post_spikes", PayloadKind::spikes, "Postsynaptic spikes (units)."};
    static constexpr PortDecl kernel_port{"kernel", PayloadKind::floating,
                                          "The synapses' current kernel (units + pre)."};
    static constexpr std::array plain_inputs{pre_port, post_port, kernel_port};
    static constexpr std::array<PortDecl, 4> modulated_inputs(std::string_view name, std::string_view description) {
        return {pre_port, post_port, kernel_port, PortDecl{name, PayloadKind::floating, description}};
    }
    static constexpr std::array output_ports{
        PortDecl{"kernel", PayloadKind::floating, "The new kernel (units + pre), to write back into the synapses."}};
    // No properties (an empty span rather than a zero-length array, which trips -Warray-bounds in
    // generic loops over the table).
    static constexpr std::span<const PortDecl> property_ports{};

    using Base::Base;

    BuildResult build(const BuildContext& ctx) override {
        layout_ = check_rule_inputs(*this, ctx, Derived::input_ports.size() > 3);
        dt_ = static_cast<float>(ctx.dt);
        rows_per_chunk_ = std::max<std::size_t>(1, default_chunk / std::max<std::size_t>(1, layout_.n_pre));
        static_cast<Derived*>(this)->build_rule(ctx, layout_);
        return BuildResult{{PortSpec(PayloadKind::floating, layout_.kernel)}, {}};
    }

    void step(const StepContext& ctx) override {
        RuleStep s;
        s.pre = ctx.inputs[pre_spikes].u8().data();
        s.post = ctx.inputs[post_spikes].u8().data();
        s.kernel = ctx.inputs[kernel].f32().data();
        if constexpr (Derived::input_ports.size() > 3) s.factor = ctx.inputs[factor].f32().data();
        s.out = ctx.outputs[new_kernel].f32().data();
        s.parallel = ctx.parallel;
        s.row_begin = std::min(ctx.share.begin, layout_.n_post);
        s.row_end = std::min(ctx.share.end, layout_.n_post);
        const SpikeIndex* listed = ctx.inputs[pre_spikes].spike_index;
        if (layout_.per_synapse && listed && listed->units() == layout_.kernel_size()) {
            if (listed->arrivals() && listed->arrivals()->n_pre == layout_.n_pre) s.pre_arrivals = listed->arrivals();
            else if (listed->fresh()) s.pre_index = listed;
        }
        static_cast<Derived*>(this)->update(s);
    }

    // Every rule reads K[i] only before writing out[i] (the row loops, element by element), so the new
    // kernel may be written over the synapses' kernel when an effect writes it back (graph/src/allocate.cpp).
    std::ptrdiff_t output_may_share_input(std::size_t) const override { return kernel; }

    void reset() override { static_cast<Derived*>(this)->reset_rule(); }
    void visit_state(StateVisitor& v) override { static_cast<Derived*>(this)->visit_rule(v); }

    // Over several processes a rule splits with its synapses (Component::property_per_unit): each
    // process updates the kernel rows of its own post units, from its post units' spikes and the whole
    // presynaptic spikes. Its state is split by post unit (post traces, kernel-shaped traces) or the
    // same on every process (traces of presynaptic units, advanced from the whole spike array).
    std::size_t share_units() const override { return layout_.n_post; }
    bool input_per_unit(std::size_t input) const override { return input == post_spikes || input == kernel; }

    const RuleLayout& layout() const noexcept { return layout_; }

protected:
    // body(p_begin, p_end) over the post rows of the kernel, in parallel chunks.
    template <class Body>
    void for_rows(const RuleStep& s, Body&& body) const {
        parallel_for(*s.parallel, s.row_end - s.row_begin, rows_per_chunk_,
                     [&](std::size_t p0, std::size_t p1) { body(s.row_begin + p0, s.row_begin + p1); });
    }
    // body(p_begin, p_end) over the post rows in one range per thread: a walk of the listed arrivals
    // (for_each_listed), whose results do not depend on the split. The ranges share this step's work:
    // a row whose post unit fired is computed in full, one that did not only at its arrivals, so each
    // range gets an equal share of rows + fired_row_weight x fired rows.
    template <class Body>
    void for_listed_rows(const RuleStep& s, Body&& body) const {
        const std::size_t threads = std::min<std::size_t>(max_listed_ranges, s.parallel->concurrency());
        const std::size_t rows = s.row_end - s.row_begin;
        if (threads <= 1 || rows < 2) {
            body(s.row_begin, s.row_end);
            return;
        }
        std::size_t total = 0;
        for (std::size_t p = s.row_begin; p < s.row_end; ++p) total += row_weight(s, p);
        std::array<std::size_t, max_listed_ranges + 1> bound{};
        bound[0] = s.row_begin;
        std::size_t range = 1, seen = 0;
        for (std::size_t p = s.row_begin; p < s.row_end && range < threads; ++p) {
            seen += row_weight(s, p);
            while (range < threads && seen * threads >= total * range) bound[range++] = p + 1;
        }
        while (range <= threads) bound[range++] = s.row_end;
        s.parallel->run(threads, [&](std::size_t k) { body(bound[k], bound[k + 1]); });
    }

    // dst[i] = spike bit of src[i], for the dst.size() elements of a pre- or post-shaped trace input.
    static void spikes_to_float(const RuleStep& s, const std::uint8_t* src, std::span<float> dst) {
        parallel_for(*s.parallel, dst.size(), default_chunk, [&](std::size_t begin, std::size_t end) {
            for (std::size_t i = begin; i < end; ++i) dst[i] = spiked(src[i]);
        });
    }

    // Kernel-shaped dst: row p = the pre spikes of row p (broadcast along post when synchronous).
    void spread_pre(const RuleStep& s, std::span<float> dst) const {
        const std::size_t n_pre = layout_.n_pre, stride = layout_.pre_stride;
        for_rows(s, [&](std::size_t p0, std::size_t p1) {
            for (std::size_t p = p0; p < p1; ++p) {
                const std::uint8_t* src = s.pre + p * stride;
                float* row = dst.data() + p * n_pre;
                for (std::size_t q = 0; q < n_pre; ++q) row[q] = spiked(src[q]);
            }
        });
    }

    // Kernel-shaped dst: row p = the spike of post unit p (broadcast along pre).
    void spread_post(const RuleStep& s, std::span<float> dst) const {
        const std::size_t n_pre = layout_.n_pre;
        for_rows(s, [&](std::size_t p0, std::size_t p1) {
            for (std::size_t p = p0; p < p1; ++p) std::fill_n(dst.data() + p * n_pre, n_pre, spiked(s.post[p]));
        });
    }

    // The reward / modulation seen by post row p.
    float factor_at(const RuleStep& s, std::size_t p) const noexcept { return s.factor[p * layout_.factor_stride]; }

    // The work of a fired post row against a silent one's (for_listed_rows).
    static constexpr std::size_t fired_row_weight = 8;
    static constexpr std::size_t max_listed_ranges = 64;
    static std::size_t row_weight(const RuleStep& s, std::size_t p) noexcept {
        return 1 + ((s.post[p] & spike::bit) != 0 ? fired_row_weight : 0);
    }

    RuleLayout layout_;
    float dt_ = 1.0f;  // [ms]
    std::size_t rows_per_chunk_ = 1;
};

// Rules that keep a presynaptic trace x and a postsynaptic trace y (HebbianRule: x of pre shape;
// ThreeFactorHebbianRule and QuadrupletRule: x of kernel shape, fed the pre spikes broadcast along post
// when they are synchronous). The config has TracePairParams; draw order: pre_tau, post_tau.
// State: "pre_trace", "post_trace". x is a SynapsePreTrace: one trace per presynaptic unit where that
// is exact (synapse_pre_trace.hpp), unless the rule declares `static constexpr bool dense_only = true`
// (it reads x as an array). A rule with an event form calls update_rows(); a dense one calls
// advance_traces() first.
enum class PreTrace { pre_shaped, kernel_shaped };

// The time constants of the traces x and y (both `tau` by default).
template <PreTrace x_shape, double tau>
struct TracePairParams {
    SPARK_PARAMS(TracePairParams);
    SPARK_PARAM(Param, pre_tau, tau, "ms", positive,
                x_shape == PreTrace::kernel_shaped
                    ? "Presynaptic (kernel-shaped) trace time constant (one value, or one per synapse)."
                    : "Presynaptic trace time constant (one value, or one per element of the pre trace).");
    SPARK_PARAM(Param, post_tau, tau, "ms", positive,
                "Postsynaptic trace time constant (one value, or one per post unit).");
};

template <class Derived, class ConfigT, PreTrace x_shape>
class TracePairRule : public PlasticityRule<Derived, ConfigT> {
public:
    using PlasticityRule<Derived, ConfigT>::PlasticityRule;

    void build_rule(const BuildContext& ctx, const RuleLayout& layout) {
        reference_ = dense_reference();
        const Shape& pre_shape = x_shape == PreTrace::kernel_shaped ? layout.kernel : layout.pre_input;
        const auto pre_tau = this->materialize(this->config_.pre_tau, pre_shape, ctx);
        const auto post_tau = this->materialize(this->config_.post_tau, layout.post, ctx);
        constexpr bool dense_only = requires { Derived::dense_only; };
        pre_trace_.build(layout, pre_shape.size(), pre_tau, ctx.input(0).delays.get(), ctx.dt, reference_ || dense_only);
        clean_rows_.build(ctx.input(PlasticityRule<Derived, ConfigT>::kernel), layout.n_post);
        listed_rate_.assign(layout.n_post, 0.0f);
        post_trace_ = inverse_tau_tracer(layout.n_post, post_tau, ctx.dt);
        pre_input_.assign(pre_shape.size(), 0.0f);
        post_input_.assign(layout.n_post, 0.0f);
        x_row_stride_ = pre_shape.size() == layout.n_pre ? 0 : layout.n_pre;
    }
    void reset_rule() noexcept {
        clean_rows_.forget();
        pre_trace_.reset();
        post_trace_.reset();
    }
    void visit_rule(StateVisitor& v) {
        pre_trace_.visit_state(v, "pre_trace");
        post_trace_.visit_state(v, "post_trace");
    }

    std::vector<float> pre_trace() const { return pre_trace_.values(); }
    std::span<const float> post_trace() const noexcept { return post_trace_.trace(); }
    bool pre_trace_per_unit() const noexcept { return pre_trace_.per_unit(); }

protected:
    // One step of a rule whose dK vanishes where neither spike is involved (see the header):
    //   rate(p)            the factor of the row (eta, gamma (m + 0.1)): dK is rate times a finite sum
    //   element(p, q, r, x) writes s.out[p n_pre + q] by the reference formula, x = x[p, q] (traces
    //                      already advanced)
    // `finite_params`: the rule's constants are finite (otherwise every row is computed in full).
    template <class Rate, class Element>
    void update_rows(const RuleStep& s, bool finite_params, Rate&& rate, Element&& element) {
        const std::size_t n_pre = this->layout_.n_pre;
        if (reference_) {
            advance_traces(s);
            const float* x = pre_trace_.tracer().trace().data();
            this->for_rows(s, [&](std::size_t p0, std::size_t p1) {
                for (std::size_t p = p0; p < p1; ++p)
                    for (std::size_t q = 0; q < n_pre; ++q) element(p, q, rate(p), x[p * x_row_stride_ + q]);
            });
            return;
        }
        const bool unit_x = pre_trace_.per_unit();
        const bool row_traces = !unit_x && x_row_stride_ != 0;
        advance_unit_traces(s, row_traces);
        // The per-unit x is finite by construction (finite decay and scale, from 0).
        const bool x_finite = unit_x || row_traces || all_finite(pre_trace_.tracer().trace().data(), pre_trace_.size());
        const float* y = post_trace_.trace().data();
        // The per-unit x: the rows of K known to be kept by the clip (K in [+0, +inf]) need not be read.
        const bool known = unit_x && clean_rows_.begin_step(s);
        constexpr std::uint32_t upper_bits = 0x7f800000u;
        const auto rows = [&](std::size_t p0, std::size_t p1) {
            for (std::size_t p = p0; p < p1; ++p) {
                const std::uint8_t* s_pre = s.pre + p * this->layout_.pre_stride;
                float* out = s.out + p * n_pre;
                const float r = rate(p);
                // The per-unit x with listed pre spikes: a row's arrivals are walked in the list below.
                const bool listed = unit_x && s.listed();
                listed_rate_[p] = 0.0f;
                bool arrived = listed;
                if (row_traces) arrived = advance_pre_row(s, p);
                else if (!listed) for (std::size_t q = 0; q < n_pre && !arrived; ++q) arrived = (s_pre[q] & spike::bit) != 0;
                const bool kept = known ? clean_rows_.clean(p)
                                        : copy_unchanged_row(s.kernel + p * n_pre, out, n_pre, upper_bits);
                if (unit_x) clean_rows_.set(p, kept);
                const bool unchanged =
                    kept && finite_params && x_finite && std::isfinite(r) && std::isfinite(y[p]) &&
                    (!row_traces || all_finite(pre_trace_.tracer().trace().data() + p * n_pre, n_pre));
                const bool fired = (s.post[p] & spike::bit) != 0;
                const std::size_t x_row = p * x_row_stride_;
                if (!unchanged || (r != 0.0f && fired)) {
                    if (unit_x) {
                        float* x = thread_scratch(n_pre);
                        pre_trace_.copy(x_row, n_pre, x);
                        for (std::size_t q = 0; q < n_pre; ++q) element(p, q, r, x[q]);
                        clean_rows_.set(p, copy_unchanged_row(out, out, n_pre, upper_bits));
                    } else {
                        const float* x = pre_trace_.tracer().trace().data() + x_row;
                        for (std::size_t q = 0; q < n_pre; ++q) element(p, q, r, x[q]);
                    }
                } else if (r != 0.0f && listed) {
                    listed_rate_[p] = r;  // != 0: the row's arrivals are taken from the list
                } else if (r != 0.0f && arrived && unit_x) {
                    // s_post = 0, and x is finite and >= +0 by construction: s_post x = +0 = s_post 0 exactly.
                    bool clean = true;
                    for_each_arrival(s_pre, n_pre, [&](std::size_t q) {
                        element(p, q, r, 0.0f);
                        clean = clean && keeps(out[q], upper_bits);
                    });
                    clean_rows_.set(p, clean);
                } else if (r != 0.0f && arrived) {  // s_post = 0: only where a pre spike arrived
                    const float* x = pre_trace_.tracer().trace().data() + x_row;
                    for_each_arrival(s_pre, n_pre, [&](std::size_t q) { element(p, q, r, x[q]); });
                }
            }
        };
        if (unit_x && s.listed()) {
            // As above (s_post = 0, x finite): the listed arrivals of the rows marked with their rate,
            // after the rows' pass on the same thread (one fork per step).
            this->for_listed_rows(s, [&](std::size_t p0, std::size_t p1) {
                rows(p0, p1);
                for_each_listed(s, n_pre, p0, p1, [&](std::size_t p, std::size_t q) {
                    if (listed_rate_[p] == 0.0f) return;
                    element(p, q, listed_rate_[p], 0.0f);
                    if (!keeps(s.out[p * n_pre + q], upper_bits)) clean_rows_.set(p, false);
                });
            });
        } else {
            this->for_rows(s, rows);
        }
        clean_rows_.end_step(s, unit_x);
    }

    // The pair-based Hebbian update of HebbianRule and ThreeFactorHebbianRule, with the rate of row p
    // `rate(p)` (update_rows' `rate` and `finite_params`):
    //     K <- max(0, K + dt rate (y (x) s_pre + s_post (x) x))
    template <class Rate>
    void update_hebbian_pairs(const RuleStep& s, bool finite_params, Rate&& rate) {
        const float dt = this->dt_;
        const std::size_t n_pre = this->layout_.n_pre, stride = this->layout_.pre_stride;
        const float* y = post_trace_.trace().data();
        update_rows(s, finite_params, rate, [&](std::size_t p, std::size_t q, float row_rate, float x) {
            const std::size_t i = p * n_pre + q;
            const float dk = row_rate * (y[p] * spiked(s.pre[p * stride + q]) + spiked(s.post[p]) * x);
            s.out[i] = std::max(0.0f, s.kernel[i] + dt * dk);
        });
    }

    // Dense rules: x <- e^{-dt/tau_pre} x + s_pre / tau_pre;  y <- e^{-dt/tau_post} y + s_post / tau_post
    void advance_traces(const RuleStep& s) {
        if constexpr (x_shape == PreTrace::kernel_shaped) this->spread_pre(s, pre_input_);
        else this->spikes_to_float(s, s.pre, pre_input_);
        this->spikes_to_float(s, s.post, post_input_);
        pre_trace_.tracer().step(pre_input_);
        post_trace_.step(post_input_);
    }

    SynapsePreTrace pre_trace_;
    CleanRows clean_rows_;  // the rows of K known to be kept by the clip (per-unit x, in place)
    std::vector<float> listed_rate_;  // per row, this step: its rate when its arrivals are taken from the list, else 0
    Tracer post_trace_;
    std::vector<float> pre_input_, post_input_;  // scratch: this step's spikes as 0/1
    bool reference_ = false;                     // built under dense_reference()
    std::size_t x_row_stride_ = 0;               // between the rows of x: n_pre, or 0 (x of pre shape, synchronous)

private:
    // Event form: y, and x unless its rows are advanced by the row pass (a per-synapse x of kernel shape).
    void advance_unit_traces(const RuleStep& s, bool row_traces) {
        this->spikes_to_float(s, s.post, post_input_);
        post_trace_.step(post_input_);
        if (pre_trace_.per_unit()) {
            pre_trace_.advance_units(s.pre);
        } else if (!row_traces) {
            this->spikes_to_float(s, s.pre, pre_input_);
            pre_trace_.tracer().step(pre_input_);
        }
    }
    // Event form: advances the row p of a per-synapse x of kernel shape (the values Tracer::step gives
    // it); returns whether a pre spike arrived in the row.
    bool advance_pre_row(const RuleStep& s, std::size_t p) {
        const std::size_t n_pre = this->layout_.n_pre;
        const std::uint8_t* s_pre = s.pre + p * this->layout_.pre_stride;
        float* row = thread_scratch(n_pre);
        unsigned arrived = 0;
        for (std::size_t q = 0; q < n_pre; ++q) {
            row[q] = spiked(s_pre[q]);
            arrived |= s_pre[q] & spike::bit;
        }
        pre_trace_.tracer().step_range(p * n_pre, (p + 1) * n_pre, row);
        return arrived != 0;
    }
};

}  // namespace spark::components::plasticity
