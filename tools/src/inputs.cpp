#include <spark/tools/inputs.hpp>

#include <charconv>
#include <cmath>

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
