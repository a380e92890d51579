#pragma once

// Line plots drawn by gnuplot, for compare --plot, report and make bench:
// one line per series, with error bars where a point has them.  Every label
// is printed literally (no gnuplot "enhanced" markup: "ctor-no-mm_cid"
// keeps its underscore), and the x axis spans just the measured values,
// each of which gets a tic.

#include <optional>
#include <string>
#include <vector>

namespace shadowctl {

enum class PlotFormat { svg, png };

// By the file's extension; std::invalid_argument unless .svg or .png.
PlotFormat plot_format_for(const std::string& path);

struct PlotPoint {
    double x = 0;
    double y = 0;
    // An error bar from low to high, e.g. the rounds' minimum and maximum.
    std::optional<double> low;
    std::optional<double> high;
};

struct PlotSeries {
    std::string title;
    std::vector<PlotPoint> points;
};

struct Plot {
    std::string title;
    std::string x_label;
    std::string y_label;
    bool log_x = false;  // base 2
    std::vector<PlotSeries> series;
};

// A self-contained gnuplot script (data inline) that writes `path` with the
// svg terminal, or pngcairo for .png (plain png where gnuplot lacks cairo).
std::string gnuplot_script(const Plot& plot, const std::string& path);

// Throws if gnuplot cannot be found on PATH, with what to do; called before
// a command starts work whose result it is to plot.
void check_gnuplot();

// Runs gnuplot on the script; throws if gnuplot is missing or fails.
void draw_plot(const Plot& plot, const std::string& path);

}  // namespace shadowctl
