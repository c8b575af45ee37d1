#pragma once
// Raster plots of spikes.csv: time on x, the units of every population stacked on y (the first
// population at the bottom), one colour per population.
//
// With PlotFormat::automatic the plot is rendered by gnuplot (PNG through the pngcairo terminal) into
// raster.png, leaving its inputs raster.gp (the script) and raster.dat (one data block per population)
// beside it so it can be re-rendered or restyled. When gnuplot cannot be found (the environment
// variable SPARK_GNUPLOT names the executable, "none" disables it; otherwise `gnuplot` is searched on
// PATH) or fails, the plot is written as raster.svg by spark itself and the result says so.
#include <filesystem>
#include <string>
#include <vector>

#include <spark/tools/recording.hpp>

namespace spark::tools {

enum class PlotFormat { automatic, svg, none };

struct PlotResult {
    std::filesystem::path file;  // the image written (empty for PlotFormat::none)
    std::string note;            // why the SVG fallback was used, if it was
};

// Plots the spikes of `spikes_csv` (the format of SpikeRecorder) into `out_dir`, for the time range
// [t0_ms, t1_ms). Throws spark::Error when the CSV cannot be read or the image cannot be written.
PlotResult plot_raster(const std::filesystem::path& spikes_csv, const std::vector<Population>& populations,
                       double t0_ms, double t1_ms, const std::filesystem::path& out_dir, PlotFormat format);

// The gnuplot executable to use, or empty when there is none.
std::string find_gnuplot();

}  // namespace spark::tools
