#include "plot.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "output.hpp"
#include "shadowslab/error.hpp"
#include "shadowslab/unique_fd.hpp"

extern char** environ;

namespace shadowctl {

namespace {

bool ends_with(const std::string& text, std::string_view suffix)
{
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A gnuplot single-quoted string: only ' needs escaping, by doubling it.
std::string quoted(std::string_view text)
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

}  // namespace

PlotFormat plot_format_for(const std::string& path)
{
    if (ends_with(path, ".svg"))
        return PlotFormat::svg;
    if (ends_with(path, ".png"))
        return PlotFormat::png;
    throw std::invalid_argument(fmt::format("'{}': the plot file must end in .svg or .png", path));
}

std::string gnuplot_script(const shadowslab::CompareReport& report, const std::string& path)
{
    const shadowslab::CompareMeta& meta = report.meta;
    std::string script;
    script += "# Written by shadowctl compare --plot.\n";
    if (plot_format_for(path) == PlotFormat::svg)
        script += "set terminal svg size 900,560 dynamic enhanced font 'sans,11' background rgb 'white'\n";
    else
        script += "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) "
                  "set terminal pngcairo size 900,560 enhanced font 'sans,11'; "
                  "else set terminal png size 900,560\n";
    script += fmt::format("set output {}\n", quoted(path));
    script += fmt::format("set title {} noenhanced\n",
                          quoted(fmt::format("shadowslab: throughput by strategy, profile {}, kernel {}",
                                             shadowslab::describe(meta.profile), meta.kernel_release)));
    script += "set xlabel 'threads (one pinned kthread per CPU)'\n";
    script += "set ylabel 'cycles/s, all threads'\n";
    script += "set key top left\n";
    script += "set grid\n";
    script += "set yrange [0:*]\n";
    // Keep the end points off the frame.
    script += "set offsets graph 0.05, graph 0.05, graph 0.05, 0\n";
    script += "set xtics 1\n";

    std::vector<std::string> plots;
    for (const shadowslab::Strategy strategy : meta.strategies) {
        const std::string name = shadowslab::to_string(strategy);
        script += fmt::format("${} << EOD\n", name);
        for (const shadowslab::CompareRow* row : report.result.completed_rows())
            if (row->strategy == strategy)
                script += fmt::format("{} {}\n", row->threads, row->cycles_per_second());
        script += "EOD\n";
        plots.push_back(fmt::format("${} using 1:2 with linespoints lw 2 pt 7 title {}", name, quoted(name)));
    }
    script += "plot ";
    for (std::size_t i = 0; i < plots.size(); ++i)
        script += (i ? ", \\\n     " : "") + plots[i];
    script += "\n";
    return script;
}

void draw_plot(const shadowslab::CompareReport& report, const std::string& path)
{
    const TempScript script(gnuplot_script(report, path));
    char gnuplot[] = "gnuplot";
    std::string script_path = script.path();
    char* const argv[] = {gnuplot, script_path.data(), nullptr};
    pid_t pid = 0;
    const int err = ::posix_spawnp(&pid, gnuplot, nullptr, nullptr, argv, environ);
    if (err == ENOENT)
        throw shadowslab::OperationError(err, "run gnuplot", "install it (apt-get install gnuplot-nox) or drop --plot");
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
