#include "common/plot.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

#include "common/output.hpp"
#include "shadowslab/error.hpp"
#include "shadowslab/number_parse.hpp"
#include "shadowslab/unique_fd.hpp"

extern char** environ;

namespace shadowctl {

namespace {

constexpr std::string_view kInstallHint = "install it (apt-get install gnuplot-nox) or drop --plot";

// A gnuplot single-quoted string: only ' needs escaping, by doubling it.
std::string gnuplot_string(std::string_view text)
{
    std::string out = "'";
    for (const char c : text) {
        out += c;
        if (c == '\'')
            out += '\'';
    }
    return out + "'";
}

// A script in a private temporary file, removed when done.
class TempScript {
public:
    explicit TempScript(const std::string& content)
    {
        const char* tmpdir = std::getenv("TMPDIR");
        path_ = fmt::format("{}/shadowctl-plot-XXXXXX.gp", tmpdir && *tmpdir ? tmpdir : "/tmp");
        const shadowslab::UniqueFd fd(::mkstemps(path_.data(), 3));
        if (fd.get() < 0)
            throw shadowslab::OperationError(errno, "create " + path_);
        try {
            write_all(fd.get(), content, path_);
        } catch (...) {
            ::unlink(path_.c_str());
            throw;
        }
    }
    TempScript(const TempScript&) = delete;
    TempScript& operator=(const TempScript&) = delete;
    ~TempScript() { ::unlink(path_.c_str()); }

    const std::string& path() const { return path_; }

private:
    std::string path_;
};

bool has_error_bars(const PlotSeries& series)
{
    return std::any_of(series.points.begin(), series.points.end(),
                       [](const PlotPoint& point) { return point.low && point.high; });
}

}  // namespace

PlotFormat plot_format_for(const std::string& path)
{
    if (path.ends_with(".svg"))
        return PlotFormat::svg;
    if (path.ends_with(".png"))
        return PlotFormat::png;
    throw std::invalid_argument(fmt::format("'{}': the plot file must end in .svg or .png", path));
}

std::string gnuplot_script(const Plot& plot, const std::string& path)
{
    std::string script = "# Written by shadowctl.\n";
    if (plot_format_for(path) == PlotFormat::svg)
        script += "set terminal svg size 900,560 dynamic noenhanced font 'sans,11' background rgb 'white'\n";
    else
        script += "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) "
                  "set terminal pngcairo size 900,560 noenhanced font 'sans,11'; "
                  "else set terminal png size 900,560 noenhanced\n";
    script += fmt::format("set output {}\n", gnuplot_string(path));
    script += fmt::format("set title {}\n", gnuplot_string(plot.title));
    script += fmt::format("set xlabel {}\n", gnuplot_string(plot.x_label));
    script += fmt::format("set ylabel {}\n", gnuplot_string(plot.y_label));
    script += "set key top left\n";
    script += "set grid\n";
    script += "set yrange [0:*]\n";

    // The x axis: the measured values and nothing around them but a margin
    // that keeps the end points off the frame.
    std::set<double> xs;
    for (const PlotSeries& series : plot.series)
        for (const PlotPoint& point : series.points)
            xs.insert(point.x);
    if (plot.log_x)
        script += "set logscale x 2\n";
    script += "set autoscale xfix\n";
    script += "set offsets graph 0.05, graph 0.05, graph 0.05, 0\n";
    if (!xs.empty()) {
        std::string tics;
        for (const double x : xs)
            tics += fmt::format("{}{}", tics.empty() ? "" : ", ", x);
        script += fmt::format("set xtics ({})\n", tics);
    }

    std::vector<std::string> plots;
    for (std::size_t i = 0; i < plot.series.size(); ++i) {
        const PlotSeries& series = plot.series[i];
        const bool bars = has_error_bars(series);
        script += fmt::format("$series{} << EOD\n", i);
        for (const PlotPoint& point : series.points) {
            if (bars)
                script += fmt::format("{} {} {} {}\n", point.x, point.y, point.low.value_or(point.y),
                                      point.high.value_or(point.y));
            else
                script += fmt::format("{} {}\n", point.x, point.y);
        }
        script += "EOD\n";
        plots.push_back(fmt::format("$series{} using {} with {} lw 2 pt 7 title {}", i, bars ? "1:2:3:4" : "1:2",
                                    bars ? "yerrorlines" : "linespoints", gnuplot_string(series.title)));
    }
    script += "plot ";
    for (std::size_t i = 0; i < plots.size(); ++i)
        script += (i ? ", \\\n     " : "") + plots[i];
    script += "\n";
    return script;
}

void check_gnuplot()
{
    const char* path = std::getenv("PATH");
    for (const std::string_view dir : shadowslab::split(path && *path ? path : "/usr/bin:/bin", ':')) {
        const std::string candidate = fmt::format("{}/gnuplot", dir.empty() ? "." : dir);
        if (::access(candidate.c_str(), X_OK) == 0)
            return;
    }
    throw shadowslab::OperationError(ENOENT, "find gnuplot on PATH", std::string(kInstallHint));
}

void draw_plot(const Plot& plot, const std::string& path)
{
    const TempScript script(gnuplot_script(plot, path));
    char gnuplot[] = "gnuplot";
    std::string script_path = script.path();
    char* const argv[] = {gnuplot, script_path.data(), nullptr};
    pid_t pid = 0;
    const int err = ::posix_spawnp(&pid, gnuplot, nullptr, nullptr, argv, environ);
    if (err == ENOENT)
        throw shadowslab::OperationError(err, "run gnuplot", std::string(kInstallHint));
    if (err != 0)
        throw shadowslab::OperationError(err, "run gnuplot");
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            throw shadowslab::OperationError(errno, "wait for gnuplot");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error(fmt::format("gnuplot failed to draw {} (see its messages above)", path));
}

}  // namespace shadowctl
