#include <spark/core/text.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace spark {

std::string normalize_name(std::string_view name) {
    // Spark's two passes (spec section 1.6): '_' between an acronym and a following Capitalised word
    // ("ALIFMod" -> "ALIF_Mod"), and '_' at a lower-to-upper transition ("AdEx" -> "Ad_Ex"). Digits
    // and other characters do not split ("N2NDelays" -> "n2n_delays", "Layer2Neuron" -> "layer2neuron").
    auto is_upper = [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; };
    auto is_lower = [](char c) { return std::islower(static_cast<unsigned char>(c)) != 0; };
    std::string out;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        if (c == ' ' || c == '-') {
            out += '_';
            continue;
        }
        if (i > 0 && is_upper(c)) {
            const bool starts_word = i + 1 < name.size() && is_lower(name[i + 1]);
            const bool after_acronym = is_upper(name[i - 1]) && starts_word;
            const bool after_lower = is_lower(name[i - 1]);
            if ((after_acronym || after_lower) && !out.empty() && out.back() != '_') out += '_';
        }
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

namespace {
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}
}  // namespace

std::vector<std::string> closest_names(std::string_view query, const std::vector<std::string>& candidates,
                                       std::size_t max) {
    std::vector<std::pair<std::size_t, std::string>> scored;
    for (const auto& c : candidates) {
        std::size_t d = edit_distance(query, c);
        if (c.find(query) != std::string::npos || query.find(c) != std::string_view::npos) d = d / 2;
        scored.emplace_back(d, c);
    }
    std::stable_sort(scored.begin(), scored.end(), [](auto& x, auto& y) { return x.first < y.first; });
    std::vector<std::string> out;
    for (std::size_t i = 0; i < scored.size() && i < max; ++i) out.push_back(scored[i].second);
    return out;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += separator;
        out += items[i];
    }
    return out;
}

std::string format_number(double value) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, end);
}

double decimal_double(float value) {
    if (!std::isfinite(value)) return static_cast<double>(value);
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    double out = static_cast<double>(value);
    std::from_chars(buffer, end, out);
    return out;
}

}  // namespace spark
