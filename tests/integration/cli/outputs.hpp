#pragma once
// Parsers for what `spark run` writes: spikes.csv, trace CSVs, .npy files and the summary table.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "process.hpp"

namespace spark::testing {

inline std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(s);
    while (std::getline(in, part, sep)) parts.push_back(part);
    if (!s.empty() && s.back() == sep) parts.emplace_back();
    return parts;
}

inline std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

struct SpikeRow {
    std::int64_t step;
    std::string time;
    std::string node;
    std::size_t unit;
    bool operator==(const SpikeRow&) const = default;
};

// The data rows of a spikes.csv text (its first line must be the header).
inline std::vector<SpikeRow> parse_spikes(const std::string& text) {
    auto ls = lines(text);
    if (ls.empty() || ls[0] != "step,time_ms,node,unit") throw std::runtime_error("spikes.csv: bad header");
    std::vector<SpikeRow> rows;
    for (std::size_t i = 1; i < ls.size(); ++i) {
        auto f = split(ls[i], ',');
        if (f.size() != 4) throw std::runtime_error("spikes.csv: bad row " + ls[i]);
        rows.push_back({std::stoll(f[0]), f[1], f[2], std::stoul(f[3])});
    }
    return rows;
}

struct SummaryRow {
    std::size_t neurons;
    std::int64_t spikes;
    double rate;
};

// The rows of the summary table: population -> (neurons, spikes, mean rate); the total row is "total".
inline std::map<std::string, SummaryRow> parse_summary(const std::string& out) {
    std::map<std::string, SummaryRow> rows;
    bool in_table = false;
    for (const auto& l : lines(out)) {
        if (l.rfind("population", 0) == 0) {
            in_table = true;
            continue;
        }
        if (!in_table) continue;
        std::istringstream in(l);
        std::string name;
        SummaryRow r{};
        if (!(in >> name >> r.neurons >> r.spikes >> r.rate)) break;
        rows[name] = r;
        if (name == "total") break;
    }
    return rows;
}

struct Npy {
    std::string descr;
    std::size_t rows = 0, cols = 0;
    std::vector<float> data;
    std::size_t header_bytes = 0;
};

// Reads a NumPy 1.0 float32 2-D file, checking the parts of the format a reader relies on.
inline Npy read_npy(const std::filesystem::path& path) {
    const std::string bytes = read_file(path);
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw std::runtime_error("npy: bad magic");
    if (bytes[6] != 1 || bytes[7] != 0) throw std::runtime_error("npy: not version 1.0");
    const std::size_t hlen = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    Npy n;
    n.header_bytes = 10 + hlen;
    const std::string dict = bytes.substr(10, hlen);
    if (dict.back() != '\n') throw std::runtime_error("npy: header does not end in a newline");
    auto field = [&](const std::string& key) {
        const auto k = dict.find("'" + key + "': ");
        if (k == std::string::npos) throw std::runtime_error("npy: no " + key);
        return k + key.size() + 4;
    };
    const auto d = field("descr");
    n.descr = dict.substr(d + 1, dict.find('\'', d + 1) - d - 1);
    if (dict.compare(field("fortran_order"), 5, "False") != 0) throw std::runtime_error("npy: fortran order");
    const auto s = field("shape");
    const std::string shape = dict.substr(s, dict.find(')', s) - s + 1);
    if (std::sscanf(shape.c_str(), "(%zu, %zu)", &n.rows, &n.cols) != 2) throw std::runtime_error("npy: shape " + shape);
    const std::size_t count = n.rows * n.cols;
    if (bytes.size() != n.header_bytes + count * 4) throw std::runtime_error("npy: data size does not match the shape");
    n.data.resize(count);
    if (count) std::memcpy(n.data.data(), bytes.data() + n.header_bytes, count * 4);  // (no data pointer when empty)
    return n;
}

}  // namespace spark::testing
