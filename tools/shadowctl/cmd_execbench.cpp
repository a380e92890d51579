#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "commands.hpp"
#include "execbench.hpp"
#include "exit_status.hpp"
#include "format_execbench.hpp"
#include "format_execbench_trace.hpp"
#include "output.hpp"
#include "run_driver.hpp"
#include "shadowslab/error.hpp"
#include "traced_run.hpp"

namespace shadowctl {

namespace {

constexpr std::size_t kBarWidth = 20;
// Stacks and call sites shown per kind by --trace, as `shadowctl trace`.
constexpr std::size_t kTraceTop = 5;

shadowslab::CpuList choose_cpus(const ExecbenchOptions& bench)
{
    if (bench.cpus) {
        check_cpus_online(*bench.cpus);
        return *bench.cpus;
    }
    const shadowslab::CpuList online = read_online_cpus();
    if (bench.threads)
        return cpus_for_threads(online, *bench.threads);
    return online;
}

std::size_t terminal_width()
{
    winsize size{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return size.ws_col;
    return 80;
}

// The exec loop's progress line on stderr, drawn only on a terminal and
// only when no interval lines are being printed.
class LoopProgress {
public:
    LoopProgress(bool wanted, std::string label, std::uint64_t duration_ns)
        : active_(wanted && ::isatty(STDERR_FILENO)), label_(std::move(label)), duration_ns_(duration_ns)
    {
    }
    LoopProgress(const LoopProgress&) = delete;
    LoopProgress& operator=(const LoopProgress&) = delete;
    ~LoopProgress()
    {
        if (drawn_)
            std::fputs("\r\033[K", stderr);
    }

    void draw(std::uint64_t elapsed_ns, std::uint64_t ops)
    {
        if (!active_)
            return;
        const double fraction =
            std::clamp(static_cast<double>(elapsed_ns) / static_cast<double>(duration_ns_), 0.0, 1.0);
        const auto filled = static_cast<std::size_t>(fraction * kBarWidth);
        std::string line = fmt::format("{}  [{}{}] {:3.0f}%  {} execs  {:.1f}/{:.1f} s", label_,
                                       std::string(filled, '#'), std::string(kBarWidth - filled, '.'),
                                       fraction * 100, ops, static_cast<double>(elapsed_ns) / 1e9,
                                       static_cast<double>(duration_ns_) / 1e9);
        line.resize(std::min(line.size(), terminal_width() - 1));
        fmt::print(stderr, "\r{}\033[K", line);
        std::fflush(stderr);
        drawn_ = true;
    }

private:
    bool active_;
    std::string label_;
    std::uint64_t duration_ns_;
    bool drawn_ = false;
};

// Why --compare cannot run, before the exec loop starts; empty if it can.
std::string comparison_unavailable(const std::string& device_path)
{
    struct stat status {};
    if (::stat(device_path.c_str(), &status) == 0)
        return {};
    if (errno == ENOENT)
        return fmt::format("{} does not exist: load the module (insmod kmod/shadowslab.ko) to compare "
                           "exec() with its workload",
                           device_path);
    return fmt::format("{}: {}", device_path, std::strerror(errno));
}

shadowslab::RunRequest comparison_request(const execbench::Comparison& comparison, shadowslab::Strategy strategy)
{
    shadowslab::RunRequest request;
    request.strategy = strategy;
    request.profile.profile = comparison.match.profile;
    request.cpus = comparison.cpus;
    request.duration_ns = comparison.duration_ns;
    request.warmup_cycles = kDefaultWarmupCycles;
    return request;
}

// Runs the module's percpu and slab strategies like the exec loop (same
// CPUs, same duration).  A device error becomes the comparison note and
// makes the command fail, after the exec figures are printed.
bool run_comparison(const Options& options, execbench::Report& report, const SigintGuard& sigint)
{
    try {
        const shadowslab::Device device(options.device_path);
        const shadowslab_info info = device.info();
        warn_on_abi_mismatch(info);
        execbench::Comparison comparison;
        comparison.kernel_release = shadowslab::fixed_string(info.kernel_release);
        comparison.match = execbench::match_kernel(comparison.kernel_release);
        comparison.cpus = report.config.cpus;
        comparison.duration_ns = report.config.duration_ns;
        for (const shadowslab::Strategy strategy : {shadowslab::Strategy::percpu, shadowslab::Strategy::slab}) {
            const shadowslab::RunRequest request = comparison_request(comparison, strategy);
            const std::string label = fmt::format("{} x{}", shadowslab::to_string(strategy), request.cpus.size());
            shadowslab::RunResult result = run_with_progress(device, request, label, sigint);
            const bool cancelled = result.cancelled;
            (strategy == shadowslab::Strategy::percpu ? comparison.percpu : comparison.slab) = std::move(result);
            if (cancelled)
                break;
        }
        report.comparison = std::move(comparison);
        return true;
    } catch (const std::exception& error) {
        report.comparison_note = error.what();
        return false;
    }
}

}  // namespace

int command_execbench(const Options& options)
{
    const ExecbenchOptions& bench = options.execbench;
    execbench::Report report;
    report.kernel_release = kernel_release();
    report.compare_requested = bench.compare;
    report.config.target = execbench::resolve_target(bench.target);
    report.config.cpus = choose_cpus(bench);
    report.config.duration_ns = bench.duration_ns;
    report.config.interval_ns = bench.interval_ns;

    if (const auto note = execbench::remote_filesystem_note(report.config.target))
        fmt::print(stderr, "shadowctl: note: {}\n", *note);

    // Before anything runs: a tracer that cannot start fails the command.
    std::unique_ptr<shadowslab::tracer::Tracer> tracer;
    if (bench.trace)
        tracer = start_tracer();

    const bool json_on_stdout = bench.json_path == "-";
    const bool text = !json_on_stdout;
    const bool interval_lines = text && !bench.quiet;

    bool can_compare = false;
    if (bench.compare) {
        report.comparison_note = comparison_unavailable(options.device_path);
        can_compare = report.comparison_note.empty();
        if (!can_compare)
            fmt::print(stderr, "shadowctl: note: --compare: {}\n", report.comparison_note);
    }

    if (text) {
        fmt::print("{}", format_execbench_heading(report));
        std::fflush(stdout);
    }

    const SigintGuard sigint;
    std::optional<TraceDocument> trace;
    execbench::LoopCallbacks callbacks;
    if (interval_lines)
        callbacks.on_interval = [&report, first = true](const execbench::Interval& interval) mutable {
            if (first)
                fmt::print("{}", format_interval_heading());
            first = false;
            fmt::print("{}", format_interval(interval, report.config.cpus.size()));
            std::fflush(stdout);
        };
    {
        LoopProgress progress(!interval_lines, fmt::format("execbench x{}", report.config.cpus.size()),
                              report.config.duration_ns);
        callbacks.on_tick = [&progress](std::uint64_t elapsed_ns, std::uint64_t ops) { progress.draw(elapsed_ns, ops); };
        // The seam for observers of the loop: the tracer counts from here
        // (the workers' start included) to after this call.  Cleared first,
        // so its own attachment's percpu allocations do not count.
        if (tracer)
            tracer->clear();
        const auto traced_from = std::chrono::steady_clock::now();
        report.loop = execbench::run_exec_loop(report.config, sigint, callbacks);
        if (tracer) {
            TraceDocument document;
            document.kernel_release = report.kernel_release;
            document.window.kind = "exec_loop";
            document.window.traced_ns = static_cast<std::uint64_t>(
                std::chrono::nanoseconds(std::chrono::steady_clock::now() - traced_from).count());
            document.warnings = tracer->warnings();
            document.report = shadowslab::tracer::build_report(
                tracer->snapshot(), shadowslab::tracer::kAllSegments, tracer->symbols(), kTraceTop);
            tracer.reset();  // detached: the comparison below is not traced
            trace = std::move(document);
        }
    }
    if (text) {
        fmt::print("{}", format_execbench_summary(report));
        if (trace)
            fmt::print("{}", format_exec_trace(*trace, report.loop.total_ops()));
        std::fflush(stdout);
    }

    bool comparison_ok = true;
    if (can_compare) {
        if (report.loop.cancelled)
            report.comparison_note = "the exec loop was cancelled";
        else
            comparison_ok = run_comparison(options, report, sigint);
        if (!comparison_ok)
            fmt::print(stderr, "shadowctl: --compare: {}\n", report.comparison_note);
    }
    if (text)
        fmt::print("{}", format_execbench_comparison(report));

    if (!bench.json_path.empty()) {
        Json document = execbench_to_json(report);
        if (trace)
            add_exec_trace_json(document, *trace, report.loop.total_ops());
        write_output(bench.json_path, document.dump(2) + "\n");
    }
    if (report.cancelled())
        return kExitCancelled;
    return comparison_ok ? kExitOk : kExitFailure;
}

}  // namespace shadowctl
