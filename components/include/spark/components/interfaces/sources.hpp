#pragma once
// Sources: drive a network from its config, a schedule or a file. No inputs; one output `output`,
// a FloatArray or a CurrentArray [pA] (config `kind` = "float" | "current") of shape `units`, every
// element written every step. The output spec is known from the config alone (a recurrent contract).
// Time: step n covers [n dt, (n+1) dt); a time t [ms] is snapped to the first step n with n dt >= t
// (n = ceil(t/dt - 1e-9), so 0.3 ms with dt = 0.1 ms is step 3). Each source counts its own steps
// (state `step`, saved in snapshots; reset() restarts the schedule at step 0).
//
// ConstantSource:  output_i = value_i every step (value: scalar, per-unit array or initializer drawn at build).
//
// PulseSource:     a schedule of segments s = 0 .. S-1, each active on the steps n with
//                  start_s <= n dt < stop_s (snapped as above); output_i(n) = sum over the active segments
//                  of amplitude_{s,i}, 0 when none is active (overlapping segments add). `amplitudes`
//                  has S values (one per segment, broadcast to every unit) or S x units values
//                  (segment-major: amplitudes[s * units + i]).
//
// ReplaySource:    replays a recorded time series from a CSV file (format below). Rows are read in
//                  the constructor, so a missing or malformed file is a ConfigError naming the file
//                  and the line.
//   CSV format:
//     - one row per line, values separated by commas (spaces/tabs around values are ignored; CRLF is fine);
//     - empty lines and lines whose first non-blank character is '#' are comments;
//     - the first non-comment line may be a header of column names: it is recognised by a first field
//       that is not a number, and it must have as many columns as the data rows;
//     - no field may be empty; every data row has the same number of columns; every value is a finite
//       number in the float32 range (a leading '+' is allowed);
//     - time_column = false: data row k is the output of step k (one row per step);
//       time_column = true: the first column is a time [ms], strictly increasing; a row is the output
//       from its time's step (snapped as above) until the next row's step (zero-order hold); before
//       the first row's step the output is 0;
//     - the value columns are the output elements in row-major order of `units` (when `units` is not
//       given, the output shape is [number of value columns]).
//   After the last row (row-per-step: step >= rows; time column: after the last row's step):
//   after_end = "hold" keeps the last row, "zero" outputs 0.
//   A relative path is resolved against the working directory.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <spark/components/output_units.hpp>
#include <spark/core/component_base.hpp>

namespace spark::components::interfaces {

// The payload every source emits.
struct SourceKindParams {
    SPARK_PARAMS(SourceKindParams);
    SPARK_PARAM(std::string, kind, "current", "", none,
                "Output payload: \"float\" (FloatArray) or \"current\" (CurrentArray, pA).");
};

struct ConstantSourceConfig : Params<OutputUnitsParams, SourceKindParams> {
    SPARK_PARAMS(ConstantSourceConfig);
    SPARK_PARAM(Param, value, 0.0, "", none,
                "Output value ([pA] for kind = current): scalar, one per unit, or an initializer.");
};

struct PulseSourceConfig : Params<OutputUnitsParams, SourceKindParams> {
    SPARK_PARAMS(PulseSourceConfig);
    SPARK_PARAM(std::vector<double>, starts, std::vector<double>{}, "ms", non_negative,
                "Start time of each segment (inclusive).");
    SPARK_PARAM(std::vector<double>, stops, std::vector<double>{}, "ms", non_negative,
                "Stop time of each segment (exclusive; > its start).");
    SPARK_PARAM(std::vector<double>, amplitudes, std::vector<double>{}, "", none,
                "Amplitude of each segment ([pA] for kind = current): S values, or S x units values (segment-major).");
};

struct ReplaySourceConfig {
    SPARK_PARAMS(ReplaySourceConfig);
    SPARK_REQUIRED_PARAM(std::string, file, "", none, "CSV file to replay (format in sources.hpp).");
    SPARK_PARAM(std::optional<Shape>, units, std::nullopt, "", none,
                "Output shape; its size must equal the number of value columns.");
    SPARK_PARAM(std::string, kind, "current", "", none,
                "Output payload: \"float\" (FloatArray) or \"current\" (CurrentArray, pA).");
    SPARK_PARAM(bool, time_column, false, "", none, "The first column is a time [ms] (else one row per step).");
    SPARK_PARAM(std::string, after_end, "hold", "", none,
                "Output after the last row: \"hold\" (last row) or \"zero\".");
};

namespace detail {
// "float" -> FloatArray, "current" -> CurrentArray; anything else is a ConfigError naming the field.
PayloadKind source_kind(const std::string& kind, const ConfigWhere& where);
// The step of time t [ms]: the first n with n dt >= t (within 1e-9 of a step); saturates.
std::int64_t time_to_step(double t, double dt) noexcept;

}  // namespace detail

// What every source shares: no inputs, one output of the configured kind (kind_, set by the constructor).
template <class Derived, class ConfigT>
class Source : public ComponentBase<Derived, ConfigT> {
public:
    enum Output : std::size_t { output_index };
    static constexpr std::array<PortDecl, 0> input_ports{};
    static constexpr std::array output_ports{
        PortDecl{"output", any_payload, "FloatArray or CurrentArray [pA], by the config field `kind`."}};
    static constexpr std::array<PortDecl, 0> property_ports{};

    using ComponentBase<Derived, ConfigT>::ComponentBase;

protected:
    PayloadKind kind_ = PayloadKind::current;
};

// A source that plays a schedule: it counts its steps (reset() rewinds the count, snapshots save it).
template <class Derived, class ConfigT>
class ScheduledSource : public Source<Derived, ConfigT> {
public:
    using Source<Derived, ConfigT>::Source;

    void reset() override { step_ = 0; }
    void visit_state(StateVisitor& v) override { v("step", step_, valid_step_count); }

protected:
    std::int64_t step_ = 0;
};

class ConstantSource : public Source<ConstantSource, ConstantSourceConfig> {
public:
    static constexpr ComponentIdentity identity{"constant_source", "ConstantSource", "interface",
        "A constant FloatArray or CurrentArray."};

    // Throws ConfigError for a missing units, an unknown kind or a value array of the wrong length.
    ConstantSource(Config config, std::string instance);

    std::optional<BuildResult> contract() const override;
    BuildResult build(const BuildContext& ctx) override;
    void step(const StepContext& ctx) override;
    void reset() override {}
    void visit_state(StateVisitor&) override {}

    std::span<const float> values() const noexcept { return values_; }

private:
    std::vector<float> values_;
};

class PulseSource : public ScheduledSource<PulseSource, PulseSourceConfig> {
public:
    static constexpr ComponentIdentity identity{"pulse_source", "PulseSource", "interface",
        "A step/pulse schedule of (start, stop, amplitude) segments."};

    // Throws ConfigError for a missing units, an unknown kind, mismatched list lengths or a segment
    // whose stop is not after its start.
    PulseSource(Config config, std::string instance);

    std::optional<BuildResult> contract() const override;
    BuildResult build(const BuildContext& ctx) override;
    void step(const StepContext& ctx) override;

private:
    std::size_t units_ = 0;
    bool broadcast_ = true;                 // one amplitude per segment
    std::vector<float> amplitudes_;
    std::vector<std::int64_t> start_step_, stop_step_;
};

class ReplaySource : public ScheduledSource<ReplaySource, ReplaySourceConfig> {
public:
    static constexpr ComponentIdentity identity{"replay_source", "ReplaySource", "interface",
        "Replays a recorded time series from a CSV file."};

    // Reads the file. Throws ConfigError naming the file (and the line) when it cannot be read or is
    // malformed, and for an unknown kind or after_end or a units of the wrong size.
    ReplaySource(Config config, std::string instance);

    std::optional<BuildResult> contract() const override;
    BuildResult build(const BuildContext& ctx) override;
    void step(const StepContext& ctx) override;

    std::size_t rows() const noexcept { return rows_; }
    std::size_t columns() const noexcept { return columns_; }  // value columns (without the time)
    std::span<const double> times() const noexcept { return times_; }  // [ms], time_column only

private:
    void parse(const std::string& text);

    Shape shape_;
    bool hold_ = true;
    std::size_t rows_ = 0, columns_ = 0;
    std::vector<float> data_;            // rows x columns
    std::vector<double> times_;          // [ms] per row (time_column)
    std::vector<std::int64_t> row_step_; // first step of each row (time_column)
};

}  // namespace spark::components::interfaces
