#include <spark/tools/plot.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <spark/core/error.hpp>
#include <spark/core/file_io.hpp>

extern char** environ;

namespace spark::tools {

namespace {

// Colour-blind-safe qualitative palette (Okabe & Ito), cycled.
constexpr const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
                                    "#000000"};
constexpr std::size_t kNumColours = sizeof kColours / sizeof kColours[0];

struct Point {
    double t;
    std::size_t y;
};

// Reads spikes.csv into one point list per population (y = offset of the population + unit).
std::vector<std::vector<Point>> read_points(const std::filesystem::path& csv, const std::vector<Population>& pops) {
    std::ifstream in(csv);
    if (!in) throw Error("cannot read '" + csv.string() + "': " + std::strerror(errno));
    std::map<std::string, std::size_t> index;
    std::vector<std::size_t> offset(pops.size(), 0);
    for (std::size_t p = 0; p < pops.size(); ++p) {
        index[pops[p].name] = p;
        if (p + 1 < pops.size()) offset[p + 1] = offset[p] + pops[p].units;
    }
    std::vector<std::vector<Point>> points(pops.size());
    std::string line;
    std::size_t line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (line.empty() || line.rfind("step,", 0) == 0) continue;
        // step,time_ms,node,unit
        const auto c1 = line.find(',');
        const auto c2 = line.find(',', c1 + 1);
        const auto c3 = line.find(',', c2 + 1);
        if (c1 == std::string::npos || c2 == std::string::npos || c3 == std::string::npos)
            throw Error(csv.string() + ":" + std::to_string(line_no) + ": expected step,time_ms,node,unit");
        double t = 0;
        std::size_t unit = 0;
        std::from_chars(line.data() + c1 + 1, line.data() + c2, t);
        std::from_chars(line.data() + c3 + 1, line.data() + line.size(), unit);
        auto it = index.find(line.substr(c2 + 1, c3 - c2 - 1));
        if (it == index.end()) continue;
        points[it->second].push_back({t, offset[it->second] + unit});
    }
    return points;
}

std::string quote(const std::string& s) {  // a gnuplot single-quoted string
    std::string q = "'";
    for (char c : s) {
        if (c == '\'') q += "''";
        else q += c;
    }
    return q + "'";
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
               const std::vector<std::vector<Point>>& points, double t0, double t1) {
    const double W = 1200, H = 700, left = 70, right = 170, top = 40, bottom = 60;
    const double pw = W - left - right, ph = H - top - bottom;
    std::size_t total = 0;
    for (const auto& p : pops) total += p.units;
    const double span = t1 > t0 ? t1 - t0 : 1.0;
    const double ny = total > 0 ? static_cast<double>(total) : 1.0;
    auto X = [&](double t) { return left + (t - t0) / span * pw; };
    auto Y = [&](double y) { return top + ph - (y + 0.5) / ny * ph; };

    std::ostringstream out;
    out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\" viewBox=\"0 0 " << W
        << ' ' << H << "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        << "<text x=\"" << left + pw / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">spike raster</text>\n";
    // Axes, ticks and labels.
    out << "<g stroke=\"black\" fill=\"none\"><rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw
        << "\" height=\"" << ph << "\"/></g>\n<g>\n";
    const double xs = tick_step(span, 10);
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
        for (const auto& pt : points[p]) out << 'M' << num(X(pt.t)) << ' ' << num(Y(static_cast<double>(pt.y))) << "h" << num(dot);
        out << "\"/>\n";
        const double ly = top + 10 + 20 * static_cast<double>(p);
        out << "<rect x=\"" << left + pw + 15 << "\" y=\"" << ly << "\" width=\"10\" height=\"10\" fill=\"" << colour
            << "\"/><text x=\"" << left + pw + 32 << "\" y=\"" << ly + 9 << "\">" << xml_escape(pops[p].name)
            << "</text>\n";
    }
    out << "</svg>\n";
    write_file(path, out.str());
}

bool executable(const std::string& path) { return !path.empty() && ::access(path.c_str(), X_OK) == 0; }

// Runs `program script`, its output into `log`; returns the exit status (or -1).
int run_program(const std::string& program, const std::string& script, const std::filesystem::path& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>(program.c_str()), const_cast<char*>(script.c_str()), nullptr};
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return -1;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::string find_gnuplot() {
    if (const char* env = std::getenv("SPARK_GNUPLOT")) {
        const std::string v = env;
        if (v == "none" || v.empty()) return {};
        return executable(v) ? v : std::string();
    }
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        const auto end = dirs.find(':', start);
        const std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
        const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/gnuplot";
        if (executable(candidate)) return candidate;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return {};
}

PlotResult plot_raster(const std::filesystem::path& spikes_csv, const std::vector<Population>& pops, double t0,
                       double t1, const std::filesystem::path& out_dir, PlotFormat format) {
    PlotResult result;
    if (format == PlotFormat::none) return result;
    const auto points = read_points(spikes_csv, pops);
    std::size_t total = 0;
    for (const auto& p : pops) total += p.units;

    if (format == PlotFormat::automatic) {
        const std::string gnuplot = find_gnuplot();
        if (gnuplot.empty()) {
            result.note = "gnuplot was not found (install gnuplot-nox or set SPARK_GNUPLOT); wrote an SVG instead";
        } else {
            const auto dat = out_dir / "raster.dat", gp = out_dir / "raster.gp", png = out_dir / "raster.png";
            {
                std::ostringstream d;
                bool first = true;
                for (std::size_t p = 0; p < pops.size(); ++p) {
                    if (points[p].empty()) continue;
                    if (!first) d << "\n\n";
                    first = false;
                    d << "# " << pops[p].name << "\n";
                    for (const auto& pt : points[p]) d << pt.t << ' ' << pt.y << '\n';
                }
                std::ostringstream s;
                s << "# Raster plot written by `spark run`; re-render with: gnuplot raster.gp\n"
                  << "set terminal pngcairo size 1200,700 font 'Helvetica,10'\n"
                  << "set output " << quote(png.filename().string()) << "\n"
                  << "set title 'spike raster'\nset xlabel 'time [ms]'\nset ylabel 'neuron'\n"
                  << "set key outside right top\n"
                  << "set xrange [" << t0 << ":" << (t1 > t0 ? t1 : t0 + 1) << "]\n"
                  << "set yrange [-0.5:" << (total > 0 ? static_cast<double>(total) : 1.0) - 0.5 << "]\n"
                  << "plot ";
                std::size_t block = 0;
                bool any = false;
                for (std::size_t p = 0; p < pops.size(); ++p) {
                    if (points[p].empty()) continue;
                    s << (any ? ", \\\n     " : "") << quote(dat.filename().string()) << " index " << block++
                      << " using 1:2 with points pt 7 ps 0.25 lc rgb '" << kColours[p % kNumColours] << "' title "
                      << quote(pops[p].name);
                    any = true;
                }
                if (!any) s << "NaN notitle";
                s << "\n";
                write_file(dat, d.str());
                write_file(gp, s.str());
            }
            // gnuplot resolves the relative file names against its working directory: run it in out_dir
            // through an absolute script path and a `cd`.
            const auto abs_dir = std::filesystem::absolute(out_dir);
            const auto wrapper = abs_dir / "raster.gp.run";
            write_file(wrapper, "cd " + quote(abs_dir.string()) + "\nload " + quote((abs_dir / "raster.gp").string()) + "\n");
            const auto log = abs_dir / "raster.gp.log";
            const int rc = run_program(gnuplot, wrapper.string(), log);
            std::filesystem::remove(wrapper);
            if (rc == 0 && std::filesystem::exists(png)) {
                std::filesystem::remove(log);
                result.file = png;
                return result;
            }
            std::string text = read_whole_file(log, "gnuplot log");
            std::filesystem::remove(log);
            while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
            result.note = "gnuplot failed (exit " + std::to_string(rc) + (text.empty() ? "" : ": " + text) +
                          "); wrote an SVG instead";
        }
    }
    result.file = out_dir / "raster.svg";
    write_svg(result.file, pops, points, t0, t1);
    return result;
}

}  // namespace spark::tools
