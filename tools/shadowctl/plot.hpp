#pragma once

// `compare --plot`: throughput against threads, one line per strategy,
// drawn by gnuplot.

#include <string>

#include "shadowslab/compare.hpp"

namespace shadowctl {

enum class PlotFormat { svg, png };

// By the file's extension; std::invalid_argument unless .svg or .png.
PlotFormat plot_format_for(const std::string& path);

// A self-contained gnuplot script (data inline) that writes `path` with the
// svg terminal, or pngcairo for .png (plain png where gnuplot lacks cairo).
std::string gnuplot_script(const shadowslab::CompareReport& report, const std::string& path);

// Runs gnuplot on the script; throws if gnuplot is missing or fails.
void draw_plot(const shadowslab::CompareReport& report, const std::string& path);

}  // namespace shadowctl
