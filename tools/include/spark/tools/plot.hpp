#pragma once
// Raster plots of the recorded spikes: time on x, the units of every population stacked on y (the
// first population at the bottom), one colour per population.
//
// spark draws the plot itself, from the spikes kept in memory while recording (SpikeRecorder), as
// raster.png (PlotFormat::automatic: an RGB image, 1200 x 700 pixels) or raster.svg
// (PlotFormat::svg: one stroke per spike). In the PNG a spike is a 2 x 2 pixel dot, or a single
// pixel past 20 000 spikes, where larger dots would merge into areas.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <spark/tools/recording.hpp>

namespace spark::tools {

enum class PlotFormat { automatic, svg, none };

struct PlotResult {
    std::filesystem::path file;  // the image written (empty for PlotFormat::none)
    std::string note;            // anything the user should know about the plot (empty so far)
};

// Plots `spikes` (one list per population, SpikeRecorder::spikes()) into `out_dir`, for the time range
// [t0_ms, t1_ms); a spike's time is its step * dt_ms. Throws FileError when the image cannot be written.
PlotResult plot_raster(const std::vector<std::vector<RecordedSpike>>& spikes, const std::vector<Population>& populations,
                       double dt_ms, double t0_ms, double t1_ms, const std::filesystem::path& out_dir, PlotFormat format);

}  // namespace spark::tools
