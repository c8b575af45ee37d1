#include <spark/core/sparse.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include <spark/core/error.hpp>
#include <spark/core/text.hpp>

namespace spark {

bool is_sparse_initializer(const InitializerSpec& spec) noexcept {
    const std::string kind = normalize_name(spec.kind);
    return kind == "sparse_uniform_initializer" || kind == "sparse_constant_initializer" ||
           kind == "normalized_sparse_uniform_initializer";
}

SparseRows initialize_sparse(const InitializerSpec& spec, std::size_t rows, std::size_t cols, Rng& rng,
                             const InitOverrides& overrides, std::string_view where) {
    const std::string kind = normalize_name(spec.kind);
    if (!is_sparse_initializer(spec))
        throw ConfigError(std::string(where), "", "initializer", "\"" + spec.kind + "\"",
                          "cannot be drawn in compressed form (only sparse initializers can)");
    const double scale = overrides.scale.value_or(spec.scale);
    const std::optional<double> min_value = overrides.min_value ? overrides.min_value : spec.min_value;
    if (min_value && *min_value > 0.0)
        throw ConfigError(std::string(where), "", "min_value", format_number(*min_value),
                          "must be <= 0 for a compressed sparse kernel (a positive minimum fills the zeros)");
    if (spec.density < 0.0 || spec.density > 1.0)
        throw ConfigError(std::string(where), "", "density", format_number(spec.density), "must be in [0, 1]");
    if (cols > std::numeric_limits<std::uint32_t>::max())
        throw ConfigError(std::string(where), "", "shape", std::to_string(cols), "has too many columns");

    SparseRows m;
    m.rows = rows;
    m.cols = cols;
    m.row_start.reserve(rows + 1);
    m.row_start.push_back(0);
    const auto expected = static_cast<std::size_t>(static_cast<double>(rows) * static_cast<double>(cols) * spec.density);
    m.col.reserve(expected + expected / 16 + 16);
    m.value.reserve(expected + expected / 16 + 16);
    Rng position_stream = rng.split();
    Rng value_stream = rng.split();
    const double p = spec.density;
    const double log_q = p < 1.0 ? std::log1p(-p) : 0.0;
    for (std::size_t r = 0; r < rows; ++r) {
        if (p > 0.0) {
            // Column of the next nonzero: skip a Geometric(p) number of zeros.
            double c = -1.0;
            while (true) {
                double gap = 0.0;
                if (p < 1.0) {
                    const double u = 1.0 - position_stream.uniform_double();  // (0, 1]
                    gap = std::floor(std::log(u) / log_q);
                }
                c += gap + 1.0;
                if (c >= static_cast<double>(cols)) break;
                m.col.push_back(static_cast<std::uint32_t>(c));
            }
        }
        const std::size_t begin = m.value.size();
        const std::size_t end = m.col.size();
        if (kind == "sparse_constant_initializer") {
            m.value.resize(end, static_cast<float>(scale));
        } else {
            for (std::size_t k = begin; k < end; ++k) m.value.push_back(value_stream.uniform());
            if (kind == "normalized_sparse_uniform_initializer") {
                double sum = 0.0;
                for (std::size_t k = begin; k < end; ++k) sum += m.value[k];
                for (std::size_t k = begin; k < end; ++k)
                    m.value[k] = static_cast<float>(scale) * static_cast<float>(m.value[k] / sum);
            } else {
                for (std::size_t k = begin; k < end; ++k) m.value[k] *= static_cast<float>(scale);
            }
            const float lo = min_value ? static_cast<float>(*min_value) : -INFINITY;
            const float hi = spec.max_value ? static_cast<float>(*spec.max_value) : INFINITY;
            for (std::size_t k = begin; k < end; ++k) m.value[k] = std::clamp(m.value[k], lo, hi);
        }
        m.row_start.push_back(m.col.size());
    }
    return m;
}

}  // namespace spark
