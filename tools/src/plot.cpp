#include <spark/tools/plot.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include <spark/core/error.hpp>
#include <spark/core/file_io.hpp>

#include "raster_image.hpp"

namespace spark::tools {

namespace {

// Colour-blind-safe qualitative palette (Okabe & Ito), cycled.
constexpr const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
                                    "#000000"};
constexpr std::size_t kNumColours = sizeof kColours / sizeof kColours[0];

// Past this many spikes the PNG draws each as one pixel: 2 x 2 dots would merge into areas.
constexpr std::size_t kSmallDotsAbove = 20000;

// The page both formats share [pixels]: the plot area inside the margins, the legend to its right.
struct Layout {
    double width = 1200, height = 700, left = 104, right = 170, top = 40, bottom = 60;
    double t0 = 0, span = 1, units = 1;
    double plot_width() const { return width - left - right; }
    double plot_height() const { return height - top - bottom; }
    double x(double t) const { return left + (t - t0) / span * plot_width(); }
    double y(double unit) const { return top + plot_height() - (unit + 0.5) / units * plot_height(); }
};

Layout layout_for(const std::vector<Population>& pops, double t0, double t1) {
    Layout l;
    std::size_t total = 0;
    for (const auto& p : pops) total += p.units;
    l.t0 = t0;
    l.span = t1 > t0 ? t1 - t0 : 1.0;
    l.units = total > 0 ? static_cast<double>(total) : 1.0;
    return l;
}

// The first row of every population on y: the populations are stacked in order.
std::vector<std::size_t> population_offsets(const std::vector<Population>& pops) {
    std::vector<std::size_t> offset(pops.size(), 0);
    for (std::size_t p = 0; p + 1 < pops.size(); ++p) offset[p + 1] = offset[p] + pops[p].units;
    return offset;
}

std::string xml_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string num(double v) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
    return std::string(buf, r.ptr);
}

// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `target` ticks over `range`.
double tick_step(double range, int target) {
    if (!(range > 0)) return 1;
    const double raw = range / target;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (raw <= m * mag) return m * mag;
    return 10 * mag;
}

std::string tick_label(double v) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, std::round(v * 1e6) / 1e6);
    return std::string(buf, r.ptr);
}

// Writes `text` as the whole of `path`; throws FileError when it cannot.
void write_file(const std::filesystem::path& path, const std::string& text) {
    OutputFile file(path);
    file.write(text);
    file.close();
}

void write_svg(const std::filesystem::path& path, const std::vector<Population>& pops,
               const std::vector<std::vector<RecordedSpike>>& spikes, double dt, double t0, double t1) {
    const Layout l = layout_for(pops, t0, t1);
    const double left = l.left, top = l.top, pw = l.plot_width(), ph = l.plot_height(), W = l.width, H = l.height;
    const double ny = l.units;
    auto X = [&](double t) { return l.x(t); };
    auto Y = [&](double y) { return l.y(y); };
    const auto offset = population_offsets(pops);

    std::ostringstream out;
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\" viewBox=\"0 0 " << W
        << ' ' << H << "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        << "<text x=\"" << left + pw / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">spike raster</text>\n";
    // Axes, ticks and labels.
    out << "<g stroke=\"black\" fill=\"none\"><rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw
        << "\" height=\"" << ph << "\"/></g>\n<g>\n";
    const double xs = tick_step(l.span, 10);
    for (double t = std::ceil(t0 / xs) * xs; t <= t1 + 1e-9; t += xs)
        out << "<line x1=\"" << num(X(t)) << "\" y1=\"" << top + ph << "\" x2=\"" << num(X(t)) << "\" y2=\""
            << top + ph + 5 << "\" stroke=\"black\"/><text x=\"" << num(X(t)) << "\" y=\"" << top + ph + 18
            << "\" text-anchor=\"middle\">" << tick_label(t) << "</text>\n";
    const double ys = tick_step(ny, 8);
    for (double y = 0; y < ny; y += ys)
        out << "<line x1=\"" << left - 5 << "\" y1=\"" << num(Y(y)) << "\" x2=\"" << left << "\" y2=\"" << num(Y(y))
            << "\" stroke=\"black\"/><text x=\"" << left - 8 << "\" y=\"" << num(Y(y) + 4)
            << "\" text-anchor=\"end\">" << tick_label(y) << "</text>\n";
    out << "<text x=\"" << left + pw / 2 << "\" y=\"" << H - 15 << "\" text-anchor=\"middle\">time [ms]</text>\n"
        << "<text transform=\"translate(18," << top + ph / 2 << ") rotate(-90)\" text-anchor=\"middle\">neuron</text>\n"
        << "</g>\n";
    // One path per population: a short horizontal stroke per spike.
    const double dot = std::max(1.0, std::min(3.0, ph / ny));
    for (std::size_t p = 0; p < pops.size(); ++p) {
        const char* colour = kColours[p % kNumColours];
        out << "<path stroke=\"" << colour << "\" stroke-width=\"" << num(dot) << "\" fill=\"none\" d=\"";
        for (const auto& s : spikes[p])
            out << 'M' << num(X(static_cast<double>(s.step) * dt)) << ' '
                << num(Y(static_cast<double>(offset[p] + s.unit))) << "h" << num(dot);
        out << "\"/>\n";
        const double ly = top + 10 + 20 * static_cast<double>(p);
        out << "<rect x=\"" << left + pw + 15 << "\" y=\"" << ly << "\" width=\"10\" height=\"10\" fill=\"" << colour
            << "\"/><text x=\"" << left + pw + 32 << "\" y=\"" << ly + 9 << "\">" << xml_escape(pops[p].name)
            << "</text>\n";
    }
    out << "</svg>\n";
    write_file(path, out.str());
}

void write_png(const std::filesystem::path& path, const std::vector<Population>& pops,
               const std::vector<std::vector<RecordedSpike>>& spikes, double dt, double t0, double t1) {
    using detail::RgbImage;
    const Layout l = layout_for(pops, t0, t1);
    const detail::Rgb black{0, 0, 0}, white{255, 255, 255};
    RgbImage image(static_cast<int>(l.width), static_cast<int>(l.height), white);
    const int left = static_cast<int>(l.left), top = static_cast<int>(l.top);
    const int pw = static_cast<int>(l.plot_width()), ph = static_cast<int>(l.plot_height());
    const int text_h = RgbImage::text_height(2);
    auto centred = [&](int x, int y, const std::string& s) { image.text(x - RgbImage::text_width(s, 2) / 2, y, s, 2, black); };

    // The spikes first, so that the frame stays on top of the dots at its edges.
    std::size_t count = 0;
    for (const auto& list : spikes) count += list.size();
    const int dot = count > kSmallDotsAbove ? 1 : 2;
    const auto offset = population_offsets(pops);
    for (std::size_t p = 0; p < pops.size() && p < spikes.size(); ++p) {
        const detail::Rgb colour = detail::rgb_from_hex(kColours[p % kNumColours]);
        for (const auto& s : spikes[p]) {
            const auto x = static_cast<int>(std::floor(l.x(static_cast<double>(s.step) * dt)));
            const auto y = static_cast<int>(std::floor(l.y(static_cast<double>(offset[p] + s.unit))));
            if (x < left || x >= left + pw || y < top || y >= top + ph) continue;
            if (dot == 1) image.set(x, y, colour);
            else image.fill(x, y - 1, 2, 2, colour);
        }
    }
    // Frame, ticks, labels.
    image.fill(left, top, pw + 1, 1, black);
    image.fill(left, top + ph, pw + 1, 1, black);
    image.fill(left, top, 1, ph + 1, black);
    image.fill(left + pw, top, 1, ph + 1, black);
    const double xs = tick_step(l.span, 10);
    for (double t = std::ceil(t0 / xs) * xs; t <= t1 + 1e-9; t += xs) {
        const auto x = static_cast<int>(std::lround(l.x(t)));
        image.fill(x, top + ph, 1, 6, black);
        centred(x, top + ph + 10, tick_label(t));
    }
    const double ys = tick_step(l.units, 8);
    for (double u = 0; u < l.units; u += ys) {
        const auto y = static_cast<int>(std::lround(l.y(u)));
        image.fill(left - 5, y, 5, 1, black);
        const std::string label = tick_label(u);
        image.text(left - 9 - RgbImage::text_width(label, 2), y - text_h / 2, label, 2, black);
    }
    centred(left + pw / 2, 12, "spike raster");
    centred(left + pw / 2, static_cast<int>(l.height) - 10 - text_h, "time [ms]");
    const std::string ylabel = "neuron";
    image.text_up(6, top + ph / 2 + RgbImage::text_width(ylabel, 2) / 2, ylabel, 2, black);
    // Legend.
    for (std::size_t p = 0; p < pops.size(); ++p) {
        const int ly = top + 10 + 24 * static_cast<int>(p);
        image.fill(left + pw + 15, ly, 12, 12, detail::rgb_from_hex(kColours[p % kNumColours]));
        image.text(left + pw + 34, ly - 1, pops[p].name, 2, black);
    }
    write_file(path, image.png());
}

}  // namespace

PlotResult plot_raster(const std::vector<std::vector<RecordedSpike>>& spikes, const std::vector<Population>& pops,
                       double dt, double t0, double t1, const std::filesystem::path& out_dir, PlotFormat format) {
    PlotResult result;
    if (format == PlotFormat::none) return result;
    if (spikes.size() != pops.size()) throw InternalError("plot_raster: expected one spike list per population");
    if (format == PlotFormat::svg) {
        result.file = out_dir / "raster.svg";
        write_svg(result.file, pops, spikes, dt, t0, t1);
    } else {
        result.file = out_dir / "raster.png";
        write_png(result.file, pops, spikes, dt, t0, t1);
    }
    return result;
}

}  // namespace spark::tools
