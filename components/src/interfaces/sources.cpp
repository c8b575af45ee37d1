#include <spark/components/interfaces/sources.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>

#include <spark/core/file_io.hpp>

namespace spark::components::interfaces {

namespace detail {

PayloadKind source_kind(const std::string& kind, const ConfigWhere& where) {
    if (kind == "float") return PayloadKind::floating;
    if (kind == "current") return PayloadKind::current;
    config_detail::throw_error(where, "kind", Value(kind), "", "must be \"float\" or \"current\"");
}

std::int64_t time_to_step(double t, double dt) noexcept {
    const double n = std::ceil(t / dt - 1e-9);
    constexpr double limit = 9.0e18;  // well inside int64
    if (!(n < limit)) return std::numeric_limits<std::int64_t>::max();
    if (!(n > -limit)) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(n);
}

}  // namespace detail

namespace {

void check_units(const Shape& units, const ConfigWhere& where) {
    if (units.empty() || units.size() == 0)
        config_detail::throw_error(where, "units", config_detail::to_value(units), "",
                                   "must be given, with every dimension > 0 (a shape such as [100])");
}

BuildResult source_result(PayloadKind kind, const Shape& shape) { return BuildResult{{PortSpec(kind, shape)}, {}}; }

}  // namespace

// ---- ConstantSource ----

ConstantSource::ConstantSource(Config config, std::string instance)
    : Source(std::move(config), std::move(instance)) {
    check_units(config_.units, where());
    kind_ = detail::source_kind(config_.kind, where());
    if (config_.value.is_array() && config_.value.array().size() != 1 &&
        config_.value.array().size() != config_.units.size())
        config_detail::throw_error(where(), "value", config_.value.to_value(), "",
                                   "has " + std::to_string(config_.value.array().size()) + " values; expected 1 or " +
                                       std::to_string(config_.units.size()) + " (one per unit of " +
                                       config_.units.to_string() + ")");
}

std::optional<BuildResult> ConstantSource::contract() const { return source_result(kind_, config_.units); }

BuildResult ConstantSource::build(const BuildContext& ctx) {
    values_ = materialize(config_.value, config_.units, ctx);
    return source_result(kind_, config_.units);
}

void ConstantSource::step(const StepContext& ctx) {
    std::copy(values_.begin(), values_.end(), ctx.outputs[output_index].f32().begin());
}

// ---- PulseSource ----

PulseSource::PulseSource(Config config, std::string instance)
    : ScheduledSource(std::move(config), std::move(instance)) {
    check_units(config_.units, where());
    kind_ = detail::source_kind(config_.kind, where());
    units_ = config_.units.size();
    const std::size_t segments = config_.starts.size();
    if (config_.stops.size() != segments)
        config_detail::throw_error(where(), "stops", config_detail::to_value(config_.stops), "ms",
                                   "has " + std::to_string(config_.stops.size()) + " values; expected " +
                                       std::to_string(segments) + " (one per start)");
    const std::size_t n_amp = config_.amplitudes.size();
    if (n_amp != segments && n_amp != segments * units_)
        config_detail::throw_error(where(), "amplitudes", config_detail::to_value(config_.amplitudes), "",
                                   "has " + std::to_string(n_amp) + " values; expected " + std::to_string(segments) +
                                       " (one per segment) or " + std::to_string(segments * units_) +
                                       " (one per segment and unit of " + config_.units.to_string() + ")");
    for (std::size_t s = 0; s < segments; ++s)
        if (!(config_.stops[s] > config_.starts[s]))
            config_detail::throw_error(where(), "stops[" + std::to_string(s) + "]", Value(config_.stops[s]), "ms",
                                       "must be > starts[" + std::to_string(s) + "] = " +
                                           format_number(config_.starts[s]) + " ms");
    broadcast_ = n_amp == segments;
    amplitudes_.assign(config_.amplitudes.begin(), config_.amplitudes.end());
    for (std::size_t i = 0; i < amplitudes_.size(); ++i) amplitudes_[i] = static_cast<float>(config_.amplitudes[i]);
}

std::optional<BuildResult> PulseSource::contract() const { return source_result(kind_, config_.units); }

BuildResult PulseSource::build(const BuildContext& ctx) {
    const std::size_t segments = config_.starts.size();
    start_step_.resize(segments);
    stop_step_.resize(segments);
    for (std::size_t s = 0; s < segments; ++s) {
        start_step_[s] = detail::time_to_step(config_.starts[s], ctx.dt);
        stop_step_[s] = detail::time_to_step(config_.stops[s], ctx.dt);
    }
    step_ = 0;
    return source_result(kind_, config_.units);
}

void PulseSource::step(const StepContext& ctx) {
    const std::int64_t n = step_++;
    float* out = ctx.outputs[output_index].f32().data();
    std::fill(out, out + units_, 0.0f);
    for (std::size_t s = 0; s < start_step_.size(); ++s) {
        if (n < start_step_[s] || n >= stop_step_[s]) continue;
        if (broadcast_) {
            const float a = amplitudes_[s];
            for (std::size_t i = 0; i < units_; ++i) out[i] += a;
        } else {
            const float* a = amplitudes_.data() + s * units_;
            for (std::size_t i = 0; i < units_; ++i) out[i] += a[i];
        }
    }
}

// ---- ReplaySource ----

namespace {

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

// A whole field as a number (a leading '+' is allowed), or nullopt.
std::optional<double> parse_number(std::string_view field) {
    if (!field.empty() && field.front() == '+') field.remove_prefix(1);
    if (field.empty()) return std::nullopt;
    double value = 0.0;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (ec != std::errc() || end != field.data() + field.size()) return std::nullopt;
    return value;
}

// 'text' (built by appending: GCC 12 reports a false -Wrestrict on "'" + std::string(...)).
std::string quoted(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out.push_back('\'');
    out.append(text);
    out.push_back('\'');
    return out;
}

std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t begin = 0;
    while (true) {
        const auto comma = line.find(',', begin);
        fields.push_back(trim(line.substr(begin, comma == std::string_view::npos ? std::string_view::npos : comma - begin)));
        if (comma == std::string_view::npos) break;
        begin = comma + 1;
    }
    return fields;
}

}  // namespace

ReplaySource::ReplaySource(Config config, std::string instance)
    : ScheduledSource(std::move(config), std::move(instance)) {
    kind_ = detail::source_kind(config_.kind, where());
    if (config_.after_end != "hold" && config_.after_end != "zero")
        config_detail::throw_error(where(), "after_end", Value(config_.after_end), "", "must be \"hold\" or \"zero\"");
    hold_ = config_.after_end == "hold";
    if (config_.file.empty())
        config_detail::throw_error(where(), "file", Value(config_.file), "", "must be given (a CSV file path)");
    if (config_.units) check_units(*config_.units, where());

    const std::filesystem::path path(config_.file);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        config_detail::throw_error(where(), "file", Value(config_.file), "", "cannot be read: no such file");
    if (!std::filesystem::is_regular_file(path, ec))
        config_detail::throw_error(where(), "file", Value(config_.file), "", "cannot be read: not a regular file");
    std::string text;
    try {
        text = read_whole_file(path, "replay file");
    } catch (const FileError& e) {
        config_detail::throw_error(where(), "file", Value(config_.file), "", "cannot be read: " + e.reason());
    }
    parse(text);

    if (config_.units && config_.units->size() != columns_)
        config_detail::throw_error(where(), "units", config_detail::to_value(config_.units), "",
                                   "has " + std::to_string(config_.units->size()) + " elements but file \"" +
                                       config_.file + "\" has " + std::to_string(columns_) + " value columns");
    shape_ = config_.units ? *config_.units : Shape{columns_};
}

void ReplaySource::parse(const std::string& text) {
    auto malformed = [&](std::size_t line, const std::string& what, std::size_t column = 0) {
        std::string location = "line " + std::to_string(line);
        if (column != 0) location += ", column " + std::to_string(column);
        config_detail::throw_error(where(), "file", Value(config_.file), "", "is malformed at " + location + ": " + what);
    };
    const std::size_t first_value = config_.time_column ? 1 : 0;
    std::size_t line_no = 0, header_line = 0, header_columns = 0, first_row_line = 0, total_columns = 0;
    bool seen_content = false;
    std::vector<double> row;
    std::size_t begin = 0;
    while (begin <= text.size()) {
        const auto newline = text.find('\n', begin);
        const std::string_view line =
            std::string_view(text).substr(begin, newline == std::string::npos ? std::string::npos : newline - begin);
        begin = newline == std::string::npos ? text.size() + 1 : newline + 1;
        ++line_no;
        const std::string_view content = trim(line);
        if (content.empty() || content.front() == '#') continue;

        const auto fields = split_fields(content);
        for (std::size_t c = 0; c < fields.size(); ++c)
            if (fields[c].empty()) malformed(line_no, "empty value", c + 1);
        row.clear();
        std::size_t bad_column = 0;
        for (std::size_t c = 0; c < fields.size() && bad_column == 0; ++c) {
            const auto value = parse_number(fields[c]);
            if (value) row.push_back(*value);
            else bad_column = c + 1;
        }
        if (bad_column != 0) {
            if (!seen_content && bad_column == 1) {  // the header: its first field is not a number
                seen_content = true;
                header_line = line_no;
                header_columns = fields.size();
                continue;
            }
            malformed(line_no, quoted(fields[bad_column - 1]) + " is not a number", bad_column);
        }
        seen_content = true;

        if (total_columns == 0) {
            total_columns = row.size();
            first_row_line = line_no;
            if (header_columns != 0 && header_columns != total_columns)
                malformed(line_no, std::to_string(total_columns) + " values, but the header on line " +
                                       std::to_string(header_line) + " has " + std::to_string(header_columns) +
                                       " columns");
            if (total_columns <= first_value)
                malformed(line_no, "time_column needs a time and at least one value column; found 1 column");
        } else if (row.size() != total_columns) {
            malformed(line_no, std::to_string(row.size()) + " values; expected " + std::to_string(total_columns) +
                                   " (as on line " + std::to_string(first_row_line) + ")");
        }
        for (std::size_t c = 0; c < row.size(); ++c) {
            const bool finite = c < first_value ? std::isfinite(row[c]) : std::isfinite(static_cast<float>(row[c]));
            if (!finite)
                malformed(line_no, quoted(fields[c]) + " is not a finite float32 number", c + 1);
        }
        if (config_.time_column) {
            if (!times_.empty() && !(row[0] > times_.back()))
                malformed(line_no, "time " + format_number(row[0]) + " ms is not after the previous row's time " +
                                       format_number(times_.back()) + " ms");
            times_.push_back(row[0]);
        }
        for (std::size_t c = first_value; c < row.size(); ++c) data_.push_back(static_cast<float>(row[c]));
        ++rows_;
    }
    if (rows_ == 0)
        config_detail::throw_error(where(), "file", Value(config_.file), "", "has no data rows");
    columns_ = total_columns - first_value;
}

std::optional<BuildResult> ReplaySource::contract() const { return source_result(kind_, shape_); }

BuildResult ReplaySource::build(const BuildContext& ctx) {
    row_step_.resize(times_.size());
    for (std::size_t k = 0; k < times_.size(); ++k) row_step_[k] = detail::time_to_step(times_[k], ctx.dt);
    step_ = 0;
    return source_result(kind_, shape_);
}

void ReplaySource::step(const StepContext& ctx) {
    const std::int64_t n = step_++;
    const float* row = nullptr;
    const std::size_t last = rows_ - 1;
    if (!config_.time_column) {
        if (n >= 0 && static_cast<std::size_t>(n) < rows_) row = data_.data() + static_cast<std::size_t>(n) * columns_;
        else if (hold_) row = data_.data() + last * columns_;
    } else {
        // The last row whose step is <= n (a later row on the same step wins).
        const auto it = std::upper_bound(row_step_.begin(), row_step_.end(), n);
        if (it != row_step_.begin()) {
            const auto k = static_cast<std::size_t>(it - row_step_.begin()) - 1;
            if (k < last || hold_ || n == row_step_[last]) row = data_.data() + k * columns_;
        }
    }
    const auto out = ctx.outputs[output_index].f32();
    if (row) std::copy(row, row + columns_, out.begin());
    else std::fill(out.begin(), out.end(), 0.0f);
}

}  // namespace spark::components::interfaces#include <spark/core/file_io.hpp>

