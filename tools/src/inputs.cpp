#include <spark/tools/inputs.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include <spark/core/error.hpp>

namespace spark::tools {

namespace {

constexpr std::string_view forms = "NAME=KIND:SHAPE (e.g. signal=float:4), NAME=const:V or NAME=FILE (.npy or .csv)";

std::optional<PayloadKind> kind_named(std::string_view name) {
    if (name == "float") return PayloadKind::floating;
    if (name == "current") return PayloadKind::current;
    if (name == "potential") return PayloadKind::potential;
    if (name == "spikes") return PayloadKind::spikes;
    if (name == "integer") return PayloadKind::integer;
    return std::nullopt;
}

// "4" or "2x3"
Shape parse_shape(std::string_view text, std::string_view flag) {
    std::vector<std::size_t> dims;
    while (true) {
        const auto x = text.find('x');
        const std::string_view part = text.substr(0, x);
        std::size_t d = 0;
        auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), d);
        if (part.empty() || ec != std::errc() || end != part.data() + part.size() || d == 0)
            throw Error("--input " + std::string(flag) + ": the shape must be positive counts separated by 'x' (4 or "
                                                         "2x3), not '" + std::string(part) + "'");
        dims.push_back(d);
        if (x == std::string_view::npos) break;
        text.remove_prefix(x + 1);
    }
    return Shape(dims);
}

}  // namespace

InputFlag parse_input_flag(std::string_view text) {
    const auto eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size())
        throw Error("--input " + std::string(text) + ": expected " + std::string(forms));
    InputFlag flag;
    flag.name = std::string(text.substr(0, eq));
    const std::string_view value = text.substr(eq + 1);
    const auto colon = value.find(':');
    const std::string_view head = value.substr(0, colon);
    if (colon != std::string_view::npos && head == "const") {
        const std::string number(value.substr(colon + 1));
        double v = 0;
        auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
        if (number.empty() || ec != std::errc() || end != number.data() + number.size() || !std::isfinite(v))
            throw Error("--input " + std::string(text) + ": const needs a finite number, not '" + number + "'");
        flag.constant = v;
    } else if (colon != std::string_view::npos && kind_named(head)) {
        flag.spec = PortSpec(*kind_named(head), parse_shape(value.substr(colon + 1), text));
    } else if (colon != std::string_view::npos && !value.ends_with(".npy") && !value.ends_with(".csv")) {
        throw Error("--input " + std::string(text) + ": unknown kind '" + std::string(head) +
                    "' (float, current, potential, spikes, integer or const)");
    } else {
        flag.file = std::filesystem::path(value);
    }
    return flag;
}

}  // namespace spark::tools

namespace spark::tools {

namespace {

struct Table {
    std::size_t rows = 0, width = 0;
    std::vector<double> values;
};

[[noreturn]] void bad_file(const InputFlag& flag, const std::string& what) {
    throw Error("--input " + flag.name + "=" + flag.file->string() + ": " + what);
}

// A NumPy .npy file (format 1.0-3.0) of float32/float64 values, C order, shape (rows,) or (rows, width).
Table read_npy(const InputFlag& flag, const std::string& bytes) {
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) bad_file(flag, "not a NumPy .npy file");
    const int major = static_cast<unsigned char>(bytes[6]);
    std::size_t header_len = 0, offset = 0;
    if (major == 1) {
        header_len = static_cast<unsigned char>(bytes[8]) | (std::size_t{static_cast<unsigned char>(bytes[9])} << 8);
        offset = 10;
    } else if ((major == 2 || major == 3) && bytes.size() >= 12) {
        for (int i = 0; i < 4; ++i) header_len |= std::size_t{static_cast<unsigned char>(bytes[8 + i])} << (8 * i);
        offset = 12;
    } else {
        bad_file(flag, "unsupported .npy version " + std::to_string(major));
    }
    if (offset + header_len > bytes.size()) bad_file(flag, "the .npy header is truncated");
    const std::string header = bytes.substr(offset, header_len);
    const bool f4 = header.find("'descr': '<f4'") != std::string::npos;
    const bool f8 = header.find("'descr': '<f8'") != std::string::npos;
    if (!f4 && !f8) bad_file(flag, "the .npy array must hold little-endian float32 or float64 values");
    if (header.find("'fortran_order': False") == std::string::npos)
        bad_file(flag, "the .npy array must be in C order (fortran_order False)");
    const auto open = header.find("'shape': (");
    if (open == std::string::npos) bad_file(flag, "the .npy header has no shape");
    const auto close = header.find(')', open);
    std::vector<std::size_t> dims;
    std::string shape = header.substr(open + 10, close - open - 10);
    for (std::size_t pos = 0; pos < shape.size();) {
        const auto comma = shape.find(',', pos);
        const std::string part = shape.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (part.find_first_not_of(' ') != std::string::npos) dims.push_back(std::stoull(part));
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    if (dims.empty() || dims.size() > 2) bad_file(flag, "the .npy array must be 1-d or 2-d [steps, width], not " + shape);
    Table t{dims[0], dims.size() == 2 ? dims[1] : 1, {}};
    const std::size_t item = f4 ? 4 : 8, data = offset + header_len;
    if (bytes.size() - data != t.rows * t.width * item)
        bad_file(flag, "the .npy data holds " + std::to_string((bytes.size() - data) / item) + " values, its shape " +
                           std::to_string(t.rows * t.width));
    t.values.resize(t.rows * t.width);
    for (std::size_t i = 0; i < t.values.size(); ++i) {
        if (f4) {
            float v = 0;
            std::memcpy(&v, bytes.data() + data + 4 * i, 4);
            t.values[i] = v;
        } else {
            std::memcpy(&t.values[i], bytes.data() + data + 8 * i, 8);
        }
    }
    return t;
}

// A CSV of numbers, one row per step, comma-separated; a first line that is not numeric is a header.
Table read_csv(const InputFlag& flag, const std::string& text) {
    Table t;
    std::istringstream in(text);
    std::string line;
    for (std::size_t line_no = 1; std::getline(in, line); ++line_no) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        std::vector<double> row;
        bool numeric = true;
        for (std::size_t pos = 0;;) {
            const auto comma = line.find(',', pos);
            std::string field = line.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
            field.erase(0, field.find_first_not_of(" \t"));
            field.erase(field.find_last_not_of(" \t") + 1);
            double v = 0;
            auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
            if (field.empty() || ec != std::errc() || end != field.data() + field.size()) numeric = false;
            row.push_back(v);
            if (comma == std::string::npos) break;
            pos = comma + 1;
        }
        if (!numeric) {
            if (t.rows == 0 && t.values.empty() && line_no == 1) continue;  // a header
            bad_file(flag, "line " + std::to_string(line_no) + " is not a row of numbers: " + line.substr(0, 60));
        }
        if (t.rows == 0) t.width = row.size();
        if (row.size() != t.width)
            bad_file(flag, "line " + std::to_string(line_no) + " has " + std::to_string(row.size()) + " values, the first "
                                                                                                    "row " +
                               std::to_string(t.width));
        t.values.insert(t.values.end(), row.begin(), row.end());
        ++t.rows;
    }
    if (t.rows == 0) bad_file(flag, "the file holds no rows");
    return t;
}

Table read_table(const InputFlag& flag) {
    std::ifstream in(*flag.file, std::ios::binary);
    if (!in) bad_file(flag, std::string("cannot open the file: ") + std::strerror(errno));
    std::ostringstream bytes;
    bytes << in.rdbuf();
    const std::string ext = flag.file->extension().string();
    if (ext == ".npy") return read_npy(flag, bytes.str());
    if (ext == ".csv") return read_csv(flag, bytes.str());
    bad_file(flag, "a drive file must be a .npy or a .csv");
}

}  // namespace

InputDrive::InputDrive(const InputFlag& flag, const PortSpec& spec) : name_(flag.name), width_(spec.size()) {
    spikes_ = spec.dtype == DType::u8 && spec.kind == PayloadKind::spikes;
    if (spec.dtype != DType::f32 && !spikes_)
        throw Error("--input " + flag.name + ": the input is a " + spec.to_string() +
                    "; only float-valued and spike inputs can be driven");
    const auto check = [&](double v, const std::string& where) {
        if (!std::isfinite(v)) throw Error("--input " + flag.name + ": " + where + " is not finite");
        if (spikes_ && v != 0 && v != 1) throw Error("--input " + flag.name + ": " + where + " must be 0 or 1 (spikes)");
        if (!spikes_ && std::abs(v) > 3.4e38) throw Error("--input " + flag.name + ": " + where + " exceeds float32");
    };
    if (flag.constant) {
        check(*flag.constant, "the constant");
        constant_ = static_cast<float>(*flag.constant);
        return;
    }
    const Table t = read_table(flag);
    if (t.width != width_)
        bad_file(flag, "rows of " + std::to_string(t.width) + " values, but the input " + spec.to_string() + " takes " +
                           std::to_string(width_));
    values_.resize(t.values.size());
    for (std::size_t i = 0; i < t.values.size(); ++i) {
        check(t.values[i], flag.file->string() + " row " + std::to_string(i / t.width + 1) + " column " +
                               std::to_string(i % t.width + 1));
        values_[i] = static_cast<float>(t.values[i]);
    }
}

std::optional<std::int64_t> InputDrive::rows() const noexcept {
    if (constant_) return std::nullopt;
    return static_cast<std::int64_t>(values_.size() / std::max<std::size_t>(width_, 1));
}

void InputDrive::apply(ArrayRef buffer, std::int64_t row) const {
    const float* from = constant_ ? nullptr : values_.data() + static_cast<std::size_t>(row) * width_;
    const auto value = [&](std::size_t i) { return constant_ ? *constant_ : from[i]; };
    if (spikes_) {
        const std::span<std::uint8_t> codes = buffer.u8();
        for (std::size_t i = 0; i < width_; ++i) codes[i] = static_cast<std::uint8_t>(value(i));
    } else {
        const std::span<float> values = buffer.f32();
        for (std::size_t i = 0; i < width_; ++i) values[i] = value(i);
    }
}

}  // namespace spark::tools
