#pragma once
// The common synapse contract (spec section 3.0), shared by every synapse model, with the event-driven
// fast paths of issue 5.
//
// Ports: input `spikes` (SpikeArray: synchronous, shape = pre_shape; or per-synapse, shape =
// units + pre_shape, e.g. from N2NDelays), output `currents` (CurrentArray [pA], shape = units),
// settable property `kernel` (FloatArray, shape = units + pre_shape, post dims first).
// Inhibition is carried by the presynaptic spike sign (spike::signed_value = -1/0/+1), not the kernel.
// `contract()` reports the output only (currents[units]); the kernel shape depends on the input and is
// known after build, so the contract's property list is empty.
//
// Config fields every synapse group has:
//   units      postsynaptic shape (required; a neuron propagates it);
//   kernel     the weights [pA], drawn with the hint norm_axes = post axes (spec 3.1);
//   layout     "auto" | "dense" | "sparse". auto = sparse when at most half the drawn weights are nonzero,
//              the kernel property is not read by any wire (BuildContext::properties_read) and the model
//              keeps one trace per target; otherwise dense. The dense kernel is the live property (what a
//              plasticity rule reads); in the sparse layout property() returns a dense copy made on
//              request, and set_property() may only change weights inside the nonzero pattern fixed at
//              build (SynapseMatrix::set_kernel). When the kernel is a sparse initializer (sparse_uniform,
//              sparse_constant, normalized_sparse_uniform, sparse_normal, or a block_initializer of them)
//              and the layout may be sparse (sparse, or auto with an unread kernel and trace_mode not
//              per_synapse), it is drawn straight into compressed form (initialize_sparse: cost ~ nonzeros,
//              never n_post x n_pre): same distribution as the dense initializer, other draws. Under auto a
//              model that turns out to need a dense kernel (per-synapse traces, more than half nonzero)
//              gets the compressed draw expanded;
//   max_delay  [ms], 0 = no delays. Otherwise one delay per synapse (`delays`, N2NDelays semantics,
//              steps 1..B, B = ceil(max_delay / dt)) delivered through a ring of per-target input:
//              a spike arriving at step t adds K * s to the target's input of step t + d. Equal to
//              n2n_delays -> synapses with the same delays (up to the order of the float additions).
//              The weight is applied when the spike arrives (NEST's convention): after a kernel change,
//              spikes already in flight keep their old weight, while the chain applies the weight at
//              delivery. Identical for fixed weights. With per-synapse traces the literal spike delay
//              line is used instead (weights at delivery, like the chain).
//              With a compressed kernel the delays are drawn per nonzero (initialize_on_pattern: an
//              element-wise initializer such as uniform or normal, in storage order), so they cost ~
//              nonzeros too; a per-synapse array or a sparse initializer is materialised densely and read
//              at the nonzeros.
//              Needs synchronous input. Draw order: kernel, the model's parameters, then delays.
// Traced models add `trace_mode` = "auto" | "per_target" | "per_synapse": per_target keeps one trace per
// target (exact because the traces are linear: the sum over pre of per-synapse traces with a common time
// constant is one trace of the summed input, with base n_pre * base); per_synapse is the literal
// reference (kernel-sized traces, dense layout). auto = per_target unless a time constant varies along
// the presynaptic axes.
// reset() clears the traces and delay buffers; the kernel (learned weights) is kept, as in the original.
//
// A model derives from Synapses<Model, Config> and provides
//     static constexpr bool has_traces;
//     bool build_model(const BuildContext&);        // draw parameters; returns true for per-synapse traces
//     void update_targets(std::size_t begin, std::size_t end, float* current) noexcept;
//         // per-target path: current[p] holds sum_j K s for p in [begin, end); replace it by the output
// or, for a model whose per-target output is one of its own state arrays (TracedSynapses: the trace),
//     std::span<float> served_current() noexcept;  // that array (n_post), or empty (per-synapse path)
//     void update_served(std::size_t begin, std::size_t end, const float* input) noexcept;
//         // advance it for the targets [begin, end), whose input sum_j K s is at input[p - begin]
// The group then serves its output from that array (Component::output_storage), and the input is
// delivered into a per-thread scratch (thread_scratch) instead of the output: per target and step,
// one array of 4 bytes is read and written instead of two, and no memset of the output.
//     float update_row(std::size_t post, const float* kernel_row, const float* sign_row) noexcept;
//         // per-synapse path: advance the traces of row `post` with K s, return the row's current
//     void reset_model() noexcept;  void visit_model(StateVisitor&);  std::size_t model_state_bytes() const;
#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <spark/components/delays/delay_line.hpp>
#include <spark/components/reference_mode.hpp>
#include <spark/components/synapses/kept_rows.hpp>
#include <spark/components/synapses/synapse_matrix.hpp>
#include <spark/core/component_base.hpp>
#include <spark/core/huge_pages.hpp>

namespace spark::components::synapses {

// The extent of a per-synapse parameter after materialisation.
enum class Extent : std::uint8_t { single, per_target, per_synapse };

struct SynapseParam {
    std::vector<float> values;  // one value, or one per synapse (n_post x n_pre)
    Extent extent = Extent::single;
    std::string_view field;     // the config field it was drawn from, for messages
    // One value, or one per target (for the per-target path; extent must not be per_synapse).
    std::vector<float> per_target(std::size_t n_pre) const;
};

// Classifies materialised values (1 or n_post x n_pre): per_target when constant along the pre axes.
SynapseParam classify(std::vector<float> values, std::size_t n_post, std::size_t n_pre);

// Throws ConfigError unless `value` is one of `choices`.
void check_choice(const ConfigWhere& where, std::string_view field, const std::string& value,
                  std::initializer_list<std::string_view> choices);

// Lists the spiking units of a SpikeArray (increasing; from its spike index when fresh) and their signed
// values; returns the count.
std::size_t collect_spikes(ConstArrayRef spikes, std::uint32_t* index, float* sign) noexcept;

// The default kernel (spec 3.1) and delays initializers.
inline InitializerSpec default_kernel() {
    InitializerSpec spec;
    spec.kind = "sparse_uniform_initializer";
    return spec;
}
using delays::default_delays;

// The parameter groups of the synapse configs, each declared once and composed with Params<...>.

// Every synapse group: its targets and its weights.
struct SynapseKernelParams {
    SPARK_PARAMS(SynapseKernelParams);
    SPARK_REQUIRED_PARAM(Shape, units, "", none, "Postsynaptic population shape (post dims of the kernel).");
    SPARK_PARAM(Param, kernel, default_kernel(), "pA", none,
                "Synaptic weights, shape units + pre (post dims first); an initializer gets norm_axes = post axes.");
};

// Every synapse group: how the kernel is stored and the optional per-synapse delays.
struct SynapseDeliveryParams {
    SPARK_PARAMS(SynapseDeliveryParams);
    SPARK_PARAM(std::string, layout, "auto", "", none,
                "Kernel storage: \"auto\" (sparse when at most half nonzero and the kernel property is unread), "
                "\"dense\" or \"sparse\".");
    SPARK_PARAM(double, max_delay, 0.0, "ms", non_negative,
                "Longest synaptic delay (B = ceil(max_delay / dt) steps); 0 = none.");
    SPARK_PARAM(Param, delays, default_delays(), "steps", positive,
                "Per-synapse delays (with max_delay > 0): whole numbers of steps in 1..B, or an initializer drawn "
                "with scale B+1 and min_value 1 and truncated into 1..B.");
};

// Every traced synapse group: one trace per target or per synapse.
struct TraceModeParams {
    SPARK_PARAMS(TraceModeParams);
    SPARK_PARAM(std::string, trace_mode, "auto", "", none,
                "\"auto\", \"per_target\" (one trace per target; needs time constants constant along pre) or "
                "\"per_synapse\" (the literal reference, dense).");
};

template <class Derived, class ConfigT>
class Synapses : public ComponentBase<Derived, ConfigT> {
    using Base = ComponentBase<Derived, ConfigT>;

public:
    enum Input : std::size_t { spikes };
    enum Output : std::size_t { currents };
    enum Property : std::size_t { kernel };
    static constexpr std::array input_ports{PortDecl{
        "spikes", PayloadKind::spikes,
        "Presynaptic spikes: synchronous [pre], or per-synapse [units + pre] (e.g. from n2n_delays)."}};
    static constexpr std::array output_ports{
        PortDecl{"currents", PayloadKind::current, "Synaptic current of each target [pA]."}};
    static constexpr std::array property_ports{
        PortDecl{"kernel", PayloadKind::floating, "Weights [pA], shape units + pre (post dims first).", false, true}};

    Synapses(ConfigT config, std::string instance) : Base(std::move(config), std::move(instance)) {
        const auto w = this->where();
        check_choice(w, "layout", this->config_.layout, {"auto", "dense", "sparse"});
        if constexpr (requires(const ConfigT& c) { c.trace_mode; }) {
            check_choice(w, "trace_mode", this->config_.trace_mode, {"auto", "per_target", "per_synapse"});
            if (this->config_.trace_mode == "per_synapse" && this->config_.layout == "sparse")
                config_detail::throw_error(w, "layout", Value(this->config_.layout), "",
                                           "cannot hold per-synapse traces (trace_mode = \"per_synapse\"); "
                                           "use \"dense\" or \"auto\"");
        }
        if (this->config_.max_delay == 0.0 && !(this->config_.delays == Param(default_delays())))
            config_detail::throw_error(w, "delays", this->config_.delays.to_value(), "",
                                       "is set but max_delay = 0 ms (no delays); set max_delay > 0");
    }

    std::optional<BuildResult> contract() const override {
        return BuildResult{{PortSpec(PayloadKind::current, this->config_.units)}, {}};
    }

    BuildResult build(const BuildContext& ctx) override {
        const Shape& units = this->config_.units;
        const Shape pre = check_spikes_input(ctx);
        kernel_shape_ = units.concat(pre);
        n_post_ = units.size();
        n_pre_ = pre.size();
        stepped_ = {0, n_post_};
        // A kernel and its delays, or the nonzeros of a compressed one (column index and value).
        const bool read = !ctx.properties_read.empty() && ctx.properties_read[kernel];
        this->require_memory_for("kernel", kernel_shape_,
                                 draws_compressed(read) ? 8.0 * this->config_.kernel.initializer().density
                                                        : 2.0 * sizeof(float));

        // 1. the kernel (each target's afferent weights are normalised by the normalised initializer)
        InitOverrides kernel_hint;
        kernel_hint.norm_axes = std::vector<std::size_t>(units.rank());
        for (std::size_t a = 0; a < units.rank(); ++a) (*kernel_hint.norm_axes)[a] = a;
        std::vector<float> weights;
        std::optional<SparseRows> compressed;
        std::optional<Rng> kernel_key;  // drawn after the model's parameters (its own stream: the same draws)
        drawn_rows_ = {0, n_post_};
        block_draw_.reset();
        if (draws_compressed(read)) {
            kernel_key = ctx.rng->split();  // the kernel's turn, as materialize() takes it
        } else if (may_draw_block_rows(ctx)) {
            block_draw_ = BlockDraw{*ctx.rng, kernel_hint};
            (void)ctx.rng->split();  // the kernel's turn, taken as materialize() takes it
        } else {
            weights = this->materialize(this->config_.kernel, kernel_shape_, ctx, kernel_hint);
        }
        // 2. the model's parameters
        per_synapse_traces_ = static_cast<Derived*>(this)->build_model(ctx);
        if (block_draw_) {  // (a group with per-synapse traces runs whole: every row)
            if (!per_synapse_traces_) drawn_rows_ = unit_block_share(n_post_, ctx.process_rank, ctx.processes);
            weights = draw_dense_rows(drawn_rows_);
        }
        // 3. delays (one per synapse; with a compressed kernel, one per nonzero)
        std::vector<std::int32_t> delay_values;
        std::size_t steps = 0;
        if (this->config_.max_delay > 0.0)
            steps = delays::delay_steps(this->config_.max_delay, ctx.dt, this->where(), "max_delay");
        max_delay_steps_ = steps;
        UnitShare rows{0, n_post_};  // the targets whose synapses are kept
        kept_ = {};
        if (kernel_key && may_keep_rows(ctx)) {
            std::optional<Rng> delay_key;
            if (steps != 0) delay_key = ctx.rng->split();  // the delays' turn, as delays_on_pattern() takes it
            rows = unit_block_share(n_post_, ctx.process_rank, ctx.processes);
            std::size_t whole_nonzeros = 0;
            compressed = draw_rows(*kernel_key, delay_key, kernel_hint, steps, rows, delay_values, whole_nonzeros);
            if (this->config_.layout == "auto" && 2 * whole_nonzeros > n_post_ * n_pre_) {
                rows = {0, n_post_};  // dense after all (mostly nonzero): every row, drawn again
                compressed = draw_rows(*kernel_key, delay_key, kernel_hint, steps, rows, delay_values, whole_nonzeros);
            } else {
                kept_ = KeptRows(rows, n_post_, whole_nonzeros, steps);
            }
        } else if (kernel_key) {
            // The columns first (each block of a block initializer from its own streams: concurrently),
            // then the layout: a kernel that stays sparse has its values drawn into its records.
            SparseRowDraw draw(this->config_.kernel.initializer(), n_pre_, *kernel_key, kernel_hint,
                               this->param_where(meta_of(this->config_, this->config_.kernel)));
            Parallel& parallel = ctx.parallel ? *ctx.parallel : serial_parallel();
            auto columns = draw.draw_columns(n_post_, parallel);
            std::size_t nonzeros = 0;
            for (const auto& part : columns) nonzeros += part.col.size();
            const bool delays_per_nonzero = steps == 0 || (this->config_.delays.is_initializer() &&
                                                           is_elementwise_initializer(this->config_.delays.initializer()));
            if (!per_synapse_traces_ && delays_per_nonzero &&
                (this->config_.layout == "sparse" || 2 * nonzeros <= n_post_ * n_pre_)) {
                build_drawn_blocks(draw, std::move(columns), steps, ctx, parallel);
                return finish_build(steps);
            }
            compressed = merge_rows(draw, columns);
            check_drawn(compressed->value, this->config_.kernel);
        }
        if (steps != 0 && !(kernel_key && may_keep_rows(ctx))) {
            const auto drawn = compressed ? delays_on_pattern(*compressed, steps, ctx)
                                          : this->materialize(this->config_.delays, kernel_shape_, ctx,
                                                              delays::delay_init_overrides(steps));
            delay_values = delays::to_delay_steps(drawn, this->config_.delays.is_initializer(), steps, this->where(),
                                                  "delays");
        }
        // 4. the layout
        build_layout(std::move(compressed), std::move(weights), delay_values, steps, rows, read);
        return finish_build(steps);
    }

    void step(const StepContext& ctx) override {
        if (drawn_rows_.begin != 0 || drawn_rows_.end != n_post_) draw_other_rows(ctx.share);
        stepped_ = {std::min(ctx.share.begin, n_post_), std::min(ctx.share.end, n_post_)};
        float* out = ctx.outputs[currents].f32().data();
        if (per_synapse_traces_) step_per_synapse(ctx.inputs[spikes].u8().data(), out, *ctx.parallel);
        else if (kept_.kept()) step_kept_rows(ctx.inputs[spikes], out, *ctx.parallel, ctx.share);
        else if (ctx.share.whole()) step_per_target(ctx.inputs[spikes], out, *ctx.parallel);
        else step_share(ctx.inputs[spikes], out, *ctx.parallel, ctx.share);
    }

    // A share of the targets: one trace per target (the traces are split by target), and synchronous
    // input without delays or with the sparse layout's spikes in flight (every process moves every spike
    // through, SynapseMatrix::accumulate_rows), or per-synapse input into the dense layout (its rows). The sparse layout without delays steps the tasks the share
    // overlaps; the others exactly its targets. The kernel is written on a share only by an effect from
    // a node that reads it per unit (a plasticity rule, split with the group: property_per_unit): the
    // rows of the share's targets.
    std::size_t share_units() const override {
        const bool splits = !per_synapse_traces_ && (per_synapse_input_ ? matrix_.layout() == Layout::dense
                                                                        : matrix_.delay_steps() == 0 || matrix_.splits_rows());
        return splits ? n_post_ : 0;
    }
    std::size_t share_grain() const override {
        return matrix_.splits_rows() || kept_.kept() || per_synapse_input_ ? 1 : matrix_.chunk_length();
    }
    bool property_per_unit(std::size_t) const override { return true; }  // the kernel is post-major
    // Per-synapse input (units + pre, post-major) is read at the share's rows only (step_share).
    bool input_per_unit(std::size_t input) const override { return input == spikes && per_synapse_input_; }
    // The dense kernel is split (a share keeps only its rows: release_rows_outside), the sparse one held
    // whole or kept by its rows (KeptRows); the dense ring (slot-major) is gathered by gather_share.
    bool state_alike(std::string_view state) const override {
        return state == "kernel_values" || state == "delay_spikes" || state == "delay_ring" ||
               state == "delay_ring_index";
    }

    void reset() override {
        ++*kernel_writes_;
        kept_.release();
        matrix_.reset();
        delay_line_.reset();
        static_cast<Derived*>(this)->reset_model();
    }

    void visit_state(StateVisitor& v) override {
        rows_released_ = false;  // a gather before the visit, or a load, may have written every row
        if (v.writes()) {
            ++*kernel_writes_;
            drawn_rows_ = {0, n_post_};  // (a write is the whole state: no row is left to draw)
        }
        if (kept_.kept()) kept_.visit_state(matrix_, v);
        else matrix_.visit_state(v);
        if (delay_line_.steps() != 0) delay_line_.visit_state(v, "delay_line.");
        static_cast<Derived*>(this)->visit_model(v);
    }

    // Synchronous input into per-target traces is read as a spike list only (collect_spikes); per-synapse
    // input and per-synapse traces read the codes.
    bool reads_spike_list_only(std::size_t input) const override {
        return input == spikes && !per_synapse_traces_ && !per_synapse_input_;
    }

    // Per-synapse input into per-target traces and the dense layout is summed from the arrivals its
    // producer publishes (SynapseMatrix::accumulate_per_synapse_rows), unless built as the reference.
    bool reads_arrivals_only(std::size_t input) const override {
        return input == spikes && per_synapse_input_ && !per_synapse_traces_ && !dense_reference_ &&
               matrix_.layout() == Layout::dense;
    }

    // Delayed spikes take a step's spikes late as long as none of their synapses has arrived yet: up to
    // the shortest delay. The sparse layout's spikes in flight are put in flight with the step they were
    // read in; the dense layout's ring gets them added into the slots they arrive in, for the targets
    // this process steps. A process keeping no synapse of a delayed group (none onto its block) has
    // nothing to deliver: it takes them as late as its delays allow.
    std::size_t input_slack(std::size_t input) const override {
        if (input != spikes) return 0;
        if (keeps_no_synapse()) return max_delay_steps_;
        return takes_spikes_late() ? matrix_.shortest_delay() : 0;
    }
    void ingest_late(std::size_t input, std::span<const std::uint32_t> late, std::size_t steps_late) override {
        if (input == spikes && keeps_no_synapse() && steps_late <= max_delay_steps_) return;
        if (input != spikes || !takes_spikes_late() || steps_late > matrix_.delay_steps())
            throw InternalError(this->instance() + ": spikes " + std::to_string(steps_late) +
                                " steps late, but it has no spikes in flight that wait as long");
        for (std::size_t k = 0; k < late.size(); ++k) {
            spiking_[k] = late[k] >> 2;
            spike_sign_[k] = spike::signed_value(static_cast<std::uint8_t>(late[k] & 3u));
        }
        const std::span<const std::uint32_t> spiking(spiking_.data(), late.size());
        const std::span<const float> sign(spike_sign_.data(), late.size());
        if (matrix_.layout() == Layout::dense) matrix_.add_to_ring_late(spiking, sign, steps_late, stepped_.begin, stepped_.end);
        else matrix_.put_in_flight_late(spiking, sign, steps_late);
    }

    void gather_share(ShareExchange& exchange) override {
        if (kept_.kept()) kept_.gather(matrix_, exchange, this->where());
        else matrix_.gather_ring_columns(exchange);
    }
    void scatter_share(ShareExchange& exchange) override {
        if (kept_.kept()) kept_.scatter(matrix_, exchange, this->where());
    }

    ArrayRef output_storage(std::size_t) override {
        if constexpr (serves_current) {
            const std::span<float> served = static_cast<Derived*>(this)->served_current();
            return {served.data(), served.size()};
        }
        return {};
    }

    ArrayRef property(std::size_t) override {
        if (kept_.kept())
            throw Error(this->instance() + ": the kernel is split over the processes (each keeps the synapses onto "
                        "its own targets only); read it from a snapshot, or from a run on one process");
        ++*kernel_writes_;  // the caller may write through the live array
        if (matrix_.layout() == Layout::dense) {
            const auto k = matrix_.dense_kernel();
            return {k.data(), k.size()};
        }
        kernel_copy_.resize(n_post_ * n_pre_);  // a copy: the sparse layout has no dense kernel
        matrix_.copy_dense(kernel_copy_);
        return {kernel_copy_.data(), kernel_copy_.size()};
    }

    // The dense kernel is the live array set_property() copies into; the sparse layout's is a copy.
    bool property_is_state(std::size_t) const override { return matrix_.layout() == Layout::dense; }

    void set_property(std::size_t, ConstArrayRef value) override {
        if (value.size != n_post_ * n_pre_)
            throw ShapeError(this->instance(), "kernel", std::to_string(n_post_ * n_pre_) + " elements",
                             std::to_string(value.size) + " elements", "effect writes a property");
        ++*kernel_writes_;
        matrix_.set_kernel(value.f32(), this->where());
    }

    // Introspection (benchmarks, tests).
    Layout layout() const noexcept { return matrix_.layout(); }
    bool per_synapse_traces() const noexcept { return per_synapse_traces_; }
    std::size_t delay_steps() const noexcept { return matrix_.delay_steps(); }
    const SynapseMatrix& matrix() const noexcept { return matrix_; }
    MemoryUsage memory() const noexcept {
        return {matrix_.synapse_count(), matrix_.connectivity_bytes(),
                matrix_.state_bytes() + delay_line_.bytes() +
                    (spiking_.size() + spike_sign_.size() + pre_sign_.size() + row_sign_.size() + kernel_copy_.size()) * 4 +
                    static_cast<const Derived*>(this)->model_state_bytes()};
    }
    // Connectivity bytes per stored synapse of the chosen layout (weights, indices, delays, column starts).
    double bytes_per_synapse() const noexcept { return memory().bytes_per_synapse(); }

protected:
    // A per-synapse parameter: one value (scalar or one-element array: nothing is drawn) or one per
    // synapse (kernel shape, drawn in this call's turn of the draw order), classified by extent.
    SynapseParam synapse_param(const Param& p, const BuildContext& ctx) const {
        const bool one = p.is_scalar() || (p.is_array() && p.array().size() == 1);
        SynapseParam values = classify(this->materialize(p, one ? Shape{1} : kernel_shape_, ctx), n_post_, n_pre_);
        values.field = meta_of(this->config_, p).name;
        return values;
    }

    // Resolves trace_mode: true for per-synapse traces. `params` are the model's time constants.
    bool resolve_per_synapse(std::initializer_list<const SynapseParam*> params) const {
        const std::string& mode = this->config_.trace_mode;
        if (mode == "per_synapse") return true;
        for (const SynapseParam* param : params) {
            if (param->extent != Extent::per_synapse) continue;
            if (mode == "auto") return true;
            config_detail::throw_error(this->where(), "trace_mode", Value(mode), "",
                                       "needs '" + std::string(param->field) +
                                           "' constant along the presynaptic axes (one value per target), but it "
                                           "varies; use \"per_synapse\" or \"auto\"");
        }
        return false;
    }

    Shape kernel_shape_;
    std::size_t n_post_ = 0, n_pre_ = 0;

private:
    // Checks the spikes input (synchronous [pre] or per-synapse [units + pre]), notes which of the two it
    // is, and returns pre.
    Shape check_spikes_input(const BuildContext& ctx) {
        const Shape& units = this->config_.units;
        const PortSpec& in = ctx.input(spikes);
        const std::string either = "SpikeArray[pre] or per-synapse SpikeArray[" + units.to_string() + " + pre]";
        if (in.kind != PayloadKind::spikes || in.shape.size() == 0) throw_input_mismatch(*this, ctx, spikes, either);
        Shape pre = in.shape;
        if (in.per_synapse) {
            const auto& dims = in.shape.dims();
            const bool leads = dims.size() > units.rank() &&
                               std::equal(units.dims().begin(), units.dims().end(), dims.begin());
            if (!leads)
                throw_input_mismatch(*this, ctx, spikes,
                                     "a per-synapse SpikeArray whose leading dims are units " + units.to_string());
            pre = Shape(std::vector<std::size_t>(dims.begin() + static_cast<std::ptrdiff_t>(units.rank()), dims.end()));
        }
        per_synapse_input_ = in.per_synapse;
        dense_reference_ = dense_reference();
        if (per_synapse_input_ && this->config_.max_delay > 0.0)
            throw_input_mismatch(*this, ctx, spikes,
                                 "a synchronous SpikeArray[pre] (max_delay > 0 delays the spikes here; "
                                 "per-synapse spikes are already delayed)");
        return pre;
    }

    // The matrix of a compressed kernel (kept rows, sparse, or dense after all) or of a whole one.
    void build_layout(std::optional<SparseRows> compressed, std::vector<float> weights,
                      const std::vector<std::int32_t>& delay_values, std::size_t steps, UnitShare rows, bool read) {
        if (compressed) {
            // auto keeps the compressed draw unless the model needs a dense kernel after all.
            const bool mostly_nonzero = 2 * compressed->nonzeros() > n_post_ * n_pre_;
            if (kept_.kept()) {
                matrix_.build_sparse(rows.end - rows.begin, n_pre_, std::move(*compressed), delay_values, steps,
                                     this->where());
            } else if (this->config_.layout == "sparse" || !(per_synapse_traces_ || mostly_nonzero)) {
                if (per_synapse_traces_) (void)choose_layout(weights, read);  // throws: sparse cannot hold them
                matrix_.build_sparse(n_post_, n_pre_, std::move(*compressed), delay_values, steps, this->where(),
                                     /*ring=*/!per_synapse_traces_);
            } else {
                auto [dense, dense_delays] = densify(*compressed, delay_values);
                matrix_.build(Layout::dense, n_post_, n_pre_, std::move(dense), dense_delays, steps, this->where(),
                              /*ring=*/!per_synapse_traces_);
            }
        } else {
            const Layout layout = choose_layout(weights, read);
            matrix_.build(layout, n_post_, n_pre_, std::move(weights), delay_values, steps, this->where(),
                          /*ring=*/!per_synapse_traces_);
        }
    }

    // The rest of build() once the matrix is built: the delivery's scratch and the specs.
    BuildResult finish_build(std::size_t steps) {
        spiking_.assign(per_synapse_traces_ || per_synapse_input_ ? 0 : n_pre_, 0);
        spike_sign_.assign(spiking_.size(), 0.0f);
        pre_sign_.assign(per_synapse_traces_ && !per_synapse_input_ && steps == 0 ? n_pre_ : 0, 0.0f);
        const bool row_scratch = per_synapse_traces_ && (per_synapse_input_ || steps != 0);
        row_sign_.assign(row_scratch ? matrix_.task_count() * n_pre_ : 0, 0.0f);
        delay_line_ = per_synapse_traces_ && steps != 0 ? delays::SpikeDelayLine(n_pre_, steps) : delays::SpikeDelayLine();
        kernel_copy_.clear();
        ++*kernel_writes_;
        PortSpec kernel_spec(PayloadKind::floating, kernel_shape_);
        kernel_spec.write_count = kernel_writes_;
        return BuildResult{{PortSpec(PayloadKind::current, this->config_.units)}, {std::move(kernel_spec)}};
    }

    // Whether the kernel is drawn straight into compressed form: a sparse initializer (or blocks of
    // them), and a layout that may be sparse (sparse, or auto with an unread kernel and no literal
    // per-synapse traces asked for).
    bool draws_compressed(bool read) const {
        const Param& k = this->config_.kernel;
        if (!k.is_initializer() || !is_sparse_initializer(k.initializer()) || read) return false;
        if constexpr (requires(const ConfigT& c) { c.trace_mode; })
            if (this->config_.trace_mode == "per_synapse") return false;
        return this->config_.layout == "sparse" || this->config_.layout == "auto";
    }

    // A dense kernel drawn without delays by a group that may split by target rows (BuildContext::
    // processes) is drawn after the model's parameters, when the group knows it splits: only its
    // block's rows are drawn (the same values as the whole draw's rows) into a kernel whose other rows
    // are zeros not held in memory (zeros_resident_in), so no process holds a whole kernel at build.
    struct BlockDraw {
        Rng rng;  // the node's stream at the kernel's turn
        InitOverrides hint;
    };
    bool may_draw_block_rows(const BuildContext& ctx) const {
        return ctx.processes > 1 && this->config_.layout == "dense" && !(this->config_.max_delay > 0.0);
    }
    // The kernel's elements `range` as the whole draw gives them, into `out` (the range's size).
    void draw_kernel_into(ElementRange range, std::span<float> out) const {
        Rng rng = block_draw_->rng;
        BuildContext at_kernel;
        at_kernel.rng = &rng;
        this->materialize_into(this->config_.kernel, kernel_shape_, at_kernel, block_draw_->hint, range, out);
    }
    // The whole-sized kernel, drawn at `rows` only.
    std::vector<float> draw_dense_rows(UnitShare rows) const {
        const ElementRange range{rows.begin * n_pre_, rows.end * n_pre_};
        std::vector<float> whole = zeros_resident_in(n_post_ * n_pre_, range.first, range.last);
        draw_kernel_into(range, std::span<float>(whole).subspan(range.first, range.last - range.first));
        return whole;
    }
    // Stepped on other rows than those drawn (the run keeps the group whole after all): the whole kernel.
    void draw_other_rows(UnitShare share) {
        if (share.begin == drawn_rows_.begin && std::min(share.end, n_post_) == drawn_rows_.end) return;
        draw_kernel_into(ElementRange{}, matrix_.dense_kernel());
        drawn_rows_ = {0, n_post_};
    }

    // Whether this process may keep the synapses onto its block of targets only (a run over several
    // processes: the group will split by target): a compressed kernel whose delays, if any, are drawn
    // per nonzero, one trace per target, synchronous input, and a layout that may be sparse.
    bool may_keep_rows(const BuildContext& ctx) const {
        const Param& d = this->config_.delays;
        const bool per_nonzero = this->config_.max_delay == 0.0 || (d.is_initializer() && is_elementwise_initializer(d.initializer()));
        return ctx.processes > 1 && per_nonzero && !per_synapse_traces_ && !per_synapse_input_;
    }

    // The kernel (and its delays) drawn row by row as initialize_sparse() and delays_on_pattern() draw
    // them, keeping the rows of `rows` only (row p - rows.begin); `nonzeros` counts every row's.
    SparseRows draw_rows(Rng kernel_key, std::optional<Rng> delay_key, const InitOverrides& kernel_hint,
                         std::size_t steps, UnitShare rows, std::vector<std::int32_t>& delay_values,
                         std::size_t& nonzeros) const {
        const Param& k = this->config_.kernel;
        SparseRowDraw weights(k.initializer(), n_pre_, kernel_key, kernel_hint, this->param_where(meta_of(this->config_, k)));
        std::optional<PatternValueDraw> delay;
        if (delay_key)
            delay.emplace(this->config_.delays.initializer(), n_pre_, *delay_key, delays::delay_init_overrides(steps),
                          this->param_where(meta_of(this->config_, this->config_.delays)));
        SparseRows kept;
        kept.rows = rows.end - rows.begin;
        kept.cols = n_pre_;
        kept.row_start.push_back(0);
        std::vector<std::uint32_t> col;
        std::vector<float> value, delays;
        nonzeros = 0;
        for (std::size_t p = 0; p < n_post_; ++p) {
            const bool keep = p >= rows.begin && p < rows.end;
            col.clear();
            value.clear();
            weights.next_row(keep ? kept.col : col, keep ? kept.value : value);
            const std::size_t first = keep ? kept.row_start.back() : 0, last = keep ? kept.col.size() : col.size();
            nonzeros += last - first;
            if (delay)
                for (std::size_t e = first; e < last; ++e) {
                    const float d = delay->next(keep ? kept.col[e] : col[e]);
                    if (keep) delays.push_back(d);
                }
            if (keep) kept.row_start.push_back(kept.col.size());
        }
        check_drawn(kept.value, k);
        if (delay) {
            check_drawn(delays, this->config_.delays);
            delay_values = delays::to_delay_steps(delays, true, steps, this->where(), "delays");
        }
        return kept;
    }

    // The compressed kernel of `draw` (its columns drawn: `columns`) as its rows, values drawn row by row
    // (initialize_sparse()'s draws).
    SparseRows merge_rows(SparseRowDraw& draw, const std::vector<SparseRowDraw::PartColumns>& columns) const {
        SparseRows rows;
        rows.rows = n_post_;
        rows.cols = n_pre_;
        std::size_t nonzeros = 0;
        for (const auto& part : columns) nonzeros += part.col.size();
        rows.col.reserve(nonzeros);
        rows.value.reserve(nonzeros);
        rows.row_start.reserve(n_post_ + 1);
        rows.row_start.push_back(0);
        for (std::size_t p = 0; p < n_post_; ++p) {
            for (std::size_t b = 0; b < columns.size(); ++b) {
                const auto& part = columns[b];
                const std::size_t first = rows.col.size();
                rows.col.insert(rows.col.end(), part.col.begin() + static_cast<std::ptrdiff_t>(part.row_start[p]),
                                part.col.begin() + static_cast<std::ptrdiff_t>(part.row_start[p + 1]));
                rows.value.resize(rows.col.size());
                draw.next_values(b, std::span<float>(rows.value).subspan(first));
            }
            rows.row_start.push_back(rows.col.size());
        }
        return rows;
    }

    // The sparse layout of a compressed kernel whose delays, if any, are drawn per nonzero: the weights
    // and the delays drawn while the records are written, the blocks of a block initializer whose
    // delays' blocks do not straddle theirs concurrently (each from its own streams: the same draws).
    void build_drawn_blocks(SparseRowDraw& draw, std::vector<SparseRowDraw::PartColumns> columns, std::size_t steps,
                            const BuildContext& ctx, Parallel& parallel) {
        SynapseMatrix::DrawnBlocks blocks;
        for (std::size_t b = 0; b < draw.parts(); ++b) blocks.firsts.push_back(draw.part_first(b));
        blocks.columns = std::move(columns);
        blocks.uniform_weight = draw.constant_value();
        std::optional<Rng> delay_key;  // the delay draw reads from it
        std::optional<PatternValueDraw> delay_draw;
        if (steps != 0) {
            delay_key = ctx.rng->split();  // the delays' turn, as delays_on_pattern() takes it
            delay_draw.emplace(this->config_.delays.initializer(), n_pre_, *delay_key, delays::delay_init_overrides(steps),
                               this->param_where(meta_of(this->config_, this->config_.delays)));
            const auto delay_firsts = delay_draw->part_firsts();
            for (std::size_t first : blocks.firsts)
                blocks.independent = blocks.independent &&
                                     std::find(delay_firsts.begin(), delay_firsts.end(), first) != delay_firsts.end();
        }
        std::vector<std::vector<float>> drawn(blocks.firsts.size());  // per block: its row's delays
        const FieldMeta& kernel_meta = meta_of(this->config_, this->config_.kernel);
        const FieldMeta& delay_meta = meta_of(this->config_, this->config_.delays);
        blocks.values = [&](std::size_t b, std::span<const std::uint32_t> cols, std::span<float> weights,
                            std::span<std::uint16_t> out) {
            draw.next_values(b, weights);
            check_drawn(weights, this->config_.kernel, kernel_meta);
            if (!delay_draw) return;
            drawn[b].resize(cols.size());
            delay_draw->next_row(cols, drawn[b]);
            check_drawn(drawn[b], this->config_.delays, delay_meta);
            for (std::size_t k = 0; k < cols.size(); ++k)
                out[k] = static_cast<std::uint16_t>(delays::drawn_delay_steps(drawn[b][k], steps));
        };
        matrix_.build_sparse_blocks(n_post_, n_pre_, std::move(blocks), steps, this->where(), parallel);
    }

    // Whether every value satisfies `bound`: one pass without a branch per value, the bound's test
    // chosen once, failures or-ed into an integer (a loop the compiler vectorises; a group's build
    // checks every synapse).
    template <Bound B>
    static bool all_satisfy(std::span<const float> values) noexcept {
        unsigned failed = 0;
        for (float v : values) failed |= static_cast<unsigned>(!satisfies(B, v));
        return failed == 0;
    }
    static bool all_satisfy(std::span<const float> values, Bound bound) noexcept {
        switch (bound) {
            case Bound::none: return all_satisfy<Bound::none>(values);
            case Bound::positive: return all_satisfy<Bound::positive>(values);
            case Bound::non_negative: return all_satisfy<Bound::non_negative>(values);
            case Bound::zero_one: return all_satisfy<Bound::zero_one>(values);
            case Bound::binary: return all_satisfy<Bound::binary>(values);
        }
        return false;
    }

    // Values drawn by the initializer of `field` against the field's bound (as materialize() checks them).
    void check_drawn(std::span<const float> values, const Param& field) const {
        check_drawn(values, field, meta_of(this->config_, field));
    }
    void check_drawn(std::span<const float> values, const Param& field, const FieldMeta& m) const {
        if (all_satisfy(values, m.bound)) return;
        for (float v : values)
            if (!satisfies(m.bound, v))
                config_detail::throw_error(this->where(), m.name, Value(static_cast<double>(v)), m.units,
                                           std::string(violated_rule(m.bound, v)) + " (drawn by " +
                                               std::string(*find_initializer(field.initializer().kind)) + ")");
    }

    // The delays of a compressed kernel, one per nonzero, in the delays' turn of the draw order: an
    // element-wise initializer (uniform, normal, constant, or blocks of them) is drawn per nonzero
    // (initialize_on_pattern); a value is broadcast; anything else (a per-synapse array, a sparse
    // initializer) is materialised densely and read at the nonzeros.
    std::vector<float> delays_on_pattern(const SparseRows& pattern, std::size_t steps, const BuildContext& ctx) const {
        const Param& d = this->config_.delays;
        const InitOverrides overrides = delays::delay_init_overrides(steps);
        if (d.is_initializer() && is_elementwise_initializer(d.initializer())) {
            Rng key = ctx.rng->split();
            auto values = initialize_on_pattern(d.initializer(), pattern, key, overrides,
                                                this->param_where(meta_of(this->config_, d)));
            check_drawn(values, d);
            return values;
        }
        if (d.is_scalar() || (d.is_array() && d.array().size() == 1)) {
            const auto one = this->materialize(d, Shape{1}, ctx, overrides);
            return std::vector<float>(pattern.nonzeros(), one[0]);
        }
        const auto dense = this->materialize(d, kernel_shape_, ctx, overrides);
        std::vector<float> values(pattern.nonzeros());
        for (std::size_t p = 0; p < pattern.rows; ++p)
            for (auto k = pattern.row_start[p]; k < pattern.row_start[p + 1]; ++k)
                values[k] = dense[p * n_pre_ + pattern.col[k]];
        return values;
    }

    // A compressed kernel (and its per-nonzero delays) as dense arrays, for a model that needs them.
    std::pair<std::vector<float>, std::vector<std::int32_t>> densify(const SparseRows& rows,
                                                                     const std::vector<std::int32_t>& delays) const {
        std::vector<float> dense(n_post_ * n_pre_, 0.0f);
        std::vector<std::int32_t> dense_delays(delays.empty() ? 0 : dense.size(), 1);
        for (std::size_t p = 0; p < rows.rows; ++p)
            for (auto k = rows.row_start[p]; k < rows.row_start[p + 1]; ++k) {
                dense[p * n_pre_ + rows.col[k]] = rows.value[k];
                if (!delays.empty()) dense_delays[p * n_pre_ + rows.col[k]] = delays[k];
            }
        return {std::move(dense), std::move(dense_delays)};
    }

    Layout choose_layout(const std::vector<float>& weights, bool read) const {
        const std::string& layout = this->config_.layout;
        if (layout == "dense") return Layout::dense;
        if (layout == "sparse") {
            if (per_synapse_traces_)
                config_detail::throw_error(this->where(), "layout", Value(layout), "",
                                           "cannot hold per-synapse traces (a time constant varies along the "
                                           "presynaptic axes); use \"dense\" or \"auto\"");
            if (read)
                config_detail::throw_error(this->where(), "layout", Value(layout), "",
                                           "cannot serve the kernel property to the wire that reads it (it must be "
                                           "the live dense array); use \"dense\" or \"auto\"");
            return Layout::sparse;
        }
        if (per_synapse_traces_ || read) return Layout::dense;
        std::size_t nonzeros = 0;
        for (float w : weights) nonzeros += w != 0.0f;
        return 2 * nonzeros <= weights.size() ? Layout::sparse : Layout::dense;
    }

    static constexpr bool serves_current = requires(Derived& d, const float* input) {
        d.served_current();
        d.update_served(std::size_t{}, std::size_t{}, input);
    };

    template <class Body>
    void run_tasks(Parallel& parallel, Body&& body) {
        const std::size_t n = matrix_.task_count();
        if (n > 1 && parallel.concurrency() > 1) {
            parallel.run(n, body);
        } else {
            for (std::size_t t = 0; t < n; ++t) body(t);
        }
    }

    // The targets [begin, end) of the per-target path (one task, or all of them on one thread):
    // `deliver(x)` writes their input into x (target p at x[p - begin]); the model turns it into the
    // output. A model that serves its output from its own state gets the input in this thread's scratch;
    // the others get it in the output itself.
    template <class Deliver>
    void update_targets_from(std::size_t begin, std::size_t end, float* out, Deliver&& deliver) {
        auto* self = static_cast<Derived*>(this);
        if constexpr (serves_current) {
            float* input = thread_scratch(end - begin);
            deliver(input);
            self->update_served(begin, end, input);
        } else {
            deliver(out + begin);
            if constexpr (Derived::has_traces) self->update_targets(begin, end, out);
        }
    }

    void step_per_target(ConstArrayRef spikes_in, float* out, Parallel& parallel) {
        if (per_synapse_input_) {
            ConstArrayRef in = spikes_in;
            if (dense_reference_) in.spike_index = nullptr;  // scan every code (the reference)
            const std::size_t tasks = matrix_.task_count();
            const std::size_t threads = std::min<std::size_t>(tasks, parallel.concurrency());
            if (threads > 1) {
                // One call per thread over its block of tasks (one walk of the arrivals each; the same sums).
                parallel.run(threads, [&](std::size_t k) {
                    const std::size_t first = tasks * k / threads, last = tasks * (k + 1) / threads;
                    const std::size_t begin = matrix_.task_range(first).first, end = matrix_.task_range(last - 1).second;
                    update_targets_from(begin, end, out,
                                        [&](float* x) { matrix_.accumulate_per_synapse(first, last, in, x); });
                });
            } else {  // one thread: every task at once (the same sums)
                update_targets_from(0, matrix_.n_post(), out,
                                    [&](float* x) { matrix_.accumulate_per_synapse(0, matrix_.task_count(), in, x); });
            }
            return;
        }
        const std::size_t n = collect_spikes(spikes_in, spiking_.data(), spike_sign_.data());
        const std::span<const std::uint32_t> spiking(spiking_.data(), n);
        const std::span<const float> sign(spike_sign_.data(), n);
        if (matrix_.task_count() <= 1 || parallel.concurrency() <= 1) {
            // One thread: every task at once, spike by spike (the same sums; contiguous columns).
            update_targets_from(0, n_post_, out, [&](float* x) { matrix_.accumulate_all(spiking, sign, x); });
        } else {
            run_tasks(parallel, [&](std::size_t t) {
                const auto [begin, end] = matrix_.task_range(t);
                update_targets_from(begin, end, out, [&](float* x) { matrix_.accumulate(t, spiking, sign, x); });
            });
        }
        matrix_.advance();
    }

    // The tasks overlapping `share`, each as in step_per_target (the same sums); with rows that split
    // (delays, the dense layout, per-synapse input), the share's targets of every task.
    void step_share(ConstArrayRef spikes_in, float* out, Parallel& parallel, UnitShare share) {
        const std::size_t chunk = matrix_.chunk_length();
        const std::size_t lo = std::min(share.begin, n_post_), hi = std::min(share.end, n_post_);
        if (!rows_released_ && matrix_.layout() == Layout::dense) matrix_.release_rows_outside(lo, hi);
        rows_released_ = true;
        if (per_synapse_input_) {  // the dense layout: the share's rows of every task it overlaps
            ConstArrayRef in = spikes_in;
            if (dense_reference_) in.spike_index = nullptr;  // scan every code (the reference)
            return run_tasks(parallel, [&](std::size_t t) {
                const auto [begin, end] = matrix_.task_range(t);
                const std::size_t a = std::clamp(lo, begin, end), b = std::clamp(hi, begin, end);
                if (a < b)
                    update_targets_from(a, b, out, [&](float* x) { matrix_.accumulate_per_synapse_rows(in, x, a, b); });
            });
        }
        const std::size_t first = lo / chunk, last = lo < hi ? (hi + chunk - 1) / chunk : first;
        const std::size_t n = collect_spikes(spikes_in, spiking_.data(), spike_sign_.data());
        const std::span<const std::uint32_t> spiking(spiking_.data(), n);
        const std::span<const float> sign(spike_sign_.data(), n);
        if (matrix_.splits_rows()) return step_share_rows(spiking, sign, out, parallel, lo, hi);
        auto task = [&](std::size_t k) {
            const auto [begin, end] = matrix_.task_range(first + k);
            update_targets_from(begin, end, out, [&](float* x) { matrix_.accumulate(first + k, spiking, sign, x); });
        };
        if (parallel.concurrency() > 1 && last - first > 1) parallel.run(last - first, task);
        else
            for (std::size_t k = 0; k < last - first; ++k) task(k);
        matrix_.advance();
    }

    // The kept rows (KeptRows): every task of the block's own matrix, as step_per_target does for the whole
    // one (the same sums for these targets). `share` is the block the run steps (the same).
    void step_kept_rows(ConstArrayRef spikes_in, float* out, Parallel& parallel, UnitShare share) {
        const UnitShare rows = kept_.block();
        if (share.begin != rows.begin || std::min(share.end, n_post_) != rows.end)
            throw Error(std::string(this->instance()) + ": stepped for targets " + std::to_string(share.begin) + ".." +
                        std::to_string(share.end) + " but it keeps the synapses onto " + std::to_string(rows.begin) +
                        ".." + std::to_string(rows.end) + " only");
        kept_.release();
        const std::size_t n = collect_spikes(spikes_in, spiking_.data(), spike_sign_.data());
        const std::span<const std::uint32_t> spiking(spiking_.data(), n);
        const std::span<const float> sign(spike_sign_.data(), n);
        if (matrix_.task_count() <= 1 || parallel.concurrency() <= 1) {
            if (rows.begin < rows.end)
                update_targets_from(rows.begin, rows.end, out, [&](float* x) { matrix_.accumulate_all(spiking, sign, x); });
        } else {
            run_tasks(parallel, [&](std::size_t t) {
                const auto [begin, end] = matrix_.task_range(t);
                update_targets_from(rows.begin + begin, rows.begin + end, out,
                                    [&](float* x) { matrix_.accumulate(t, spiking, sign, x); });
            });
        }
        matrix_.advance();
    }

    // Every task (its spikes in flight move on every process), each delivering into the targets of
    // [lo, hi) it holds.
    void step_share_rows(std::span<const std::uint32_t> spiking, std::span<const float> sign, float* out,
                         Parallel& parallel, std::size_t lo, std::size_t hi) {
        run_tasks(parallel, [&](std::size_t t) {
            const auto [begin, end] = matrix_.task_range(t);
            const std::size_t a = std::clamp(lo, begin, end), b = std::clamp(hi, begin, end);
            if (a == b) return matrix_.accumulate_rows(t, spiking, sign, nullptr, a, a);
            update_targets_from(a, b, out, [&](float* x) { matrix_.accumulate_rows(t, spiking, sign, x, a, b); });
        });
        matrix_.advance();
    }

    void step_per_synapse(const std::uint8_t* in, float* out, Parallel& parallel) {
        auto* self = static_cast<Derived*>(this);
        const bool delayed = delay_line_.steps() != 0;
        if (!pre_sign_.empty())
            for (std::size_t j = 0; j < n_pre_; ++j) pre_sign_[j] = spike::signed_value(in[j]);
        run_tasks(parallel, [&](std::size_t t) {
            const auto [begin, end] = matrix_.task_range(t);
            float* row = row_sign_.empty() ? nullptr : row_sign_.data() + t * n_pre_;
            for (std::size_t p = begin; p < end; ++p) {
                const float* sign = pre_sign_.data();
                if (per_synapse_input_) {
                    const std::uint8_t* codes = in + p * n_pre_;
                    for (std::size_t j = 0; j < n_pre_; ++j) row[j] = spike::signed_value(codes[j]);
                    sign = row;
                } else if (delayed) {
                    const std::size_t first = p * n_pre_;
                    for (std::size_t j = 0; j < n_pre_; ++j)
                        row[j] = spike::signed_value(delay_line_.delayed(j, matrix_.delay_of(first + j), in[j]));
                    sign = row;
                }
                out[p] = self->update_row(p, matrix_.kernel_row(p), sign);
            }
        });
        if (delayed) delay_line_.push(in);
    }

    // Spikes held in flight (sparse, splits_rows()) or delayed by a per-target ring (dense), one trace per
    // target, synchronous input: they can be taken late (input_slack). (The ring takes the weights when
    // the spikes are added to it: the runtime takes spikes on time into a group whose kernel an effect
    // writes.)
    bool takes_spikes_late() const noexcept {
        const bool delayed = matrix_.layout() == Layout::dense ? matrix_.has_ring() : matrix_.splits_rows();
        return delayed && !per_synapse_traces_ && !per_synapse_input_;
    }
    bool keeps_no_synapse() const noexcept { return kept_.kept() && matrix_.synapse_count() == 0; }

    SynapseMatrix matrix_;
    KeptRows kept_;  // a process of a split run keeping the synapses onto its own targets only
    bool per_synapse_input_ = false;
    std::size_t max_delay_steps_ = 0;    // B of max_delay (0: no delays)
    bool rows_released_ = false;         // the dense kernel's rows outside the share were released since the last visit
    std::optional<BlockDraw> block_draw_;  // a dense kernel drawn by rows (may_draw_block_rows)
    UnitShare drawn_rows_;               // the rows of the kernel drawn so far (the rest: zeros)
    UnitShare stepped_{0, 0};            // the targets of the last step (all of them until one), clipped
    bool dense_reference_ = false;       // built under dense_reference(): per-synapse input is scanned
    bool per_synapse_traces_ = false;
    std::vector<std::uint32_t> spiking_;  // this step's spiking units (per-target path)
    std::vector<float> spike_sign_;       // their signed values
    std::vector<float> pre_sign_;         // per-synapse path, synchronous input: signed value per pre unit
    std::vector<float> row_sign_;         // per-synapse path, per-synapse or delayed input: one row per task
    delays::SpikeDelayLine delay_line_;   // per-synapse path with delays: the literal spike delay line
    std::vector<float> kernel_copy_;      // sparse layout: the dense copy property() returns
    // Writes of the kernel from outside a step (the kernel spec's write_count): one counter for the
    // component's life, so that a reader built before a rebuild still sees the bumps.
    std::shared_ptr<std::uint64_t> kernel_writes_ = std::make_shared<std::uint64_t>(0);
};

}  // namespace spark::components::synapses
