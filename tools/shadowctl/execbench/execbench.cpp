// shadowctl execbench: see the subcommand's --help below.

#include "execbench/execbench.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "common/exit_status.hpp"
#include "common/progress.hpp"
#include "common/run_driver.hpp"
#include "info.hpp"
#include "trace/trace.hpp"
#include "trace/traced_run.hpp"

namespace shadowctl {

namespace {

constexpr SubcommandHelp kHelp{
    "execbench",
    "Measure exec() throughput on this kernel, as the RFC did with doexec.c.\n\n"
    "One worker process per chosen CPU, pinned to it, exec()s a small static program "
    "(execbench-loop, built next to shadowctl) that counts itself in shared memory and execs "
    "itself again: exec -> exec -> exec.  Prints ops/s (execs per second) every interval, then the "
    "total: execs, ops/s overall and per CPU.  Every exec builds a new mm_struct, whose percpu "
    "memory (6.2+) is what the module's strategies model.\n\n"
    "With --compare (needs the module: /dev/shadowslab) it then runs the module's percpu and slab "
    "strategies on the same CPUs for the same time, with the profile that matches the running "
    "kernel (6.6+: mm-6.6, 6.4-6.5: mm-6.4, 6.2-6.3: mm-6.2; before 6.2 the mm_struct owns no "
    "percpu memory and the slab strategy is the match), and estimates what share of one exec's "
    "cost the percpu allocations are: (percpu ns/cycle - slab ns/cycle) / (ns per exec per CPU).\n\n"
    "Ctrl-C stops the workers and prints what was measured so far (exit status 130).  No worker, "
    "zombie or shared-memory file outlives the command.",
    "Examples:\n"
    "  shadowctl execbench\n"
    "  shadowctl execbench --threads 1 --duration 10s --quiet\n"
    "  shadowctl execbench --cpus 0-3 --compare -o result.json\n"
    "  shadowctl execbench --duration 10s --trace\n\n"
    "With --trace the document gains trace (a shadowslab-trace/1 document) and trace_per_exec.",
    "execbench", 1};

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

// Runs the module's percpu and slab strategies like the exec loop (same
// CPUs, same duration).  A device error becomes the comparison note and
// makes the command fail, after the exec figures are printed.
bool run_comparison(const std::string& device_path, execbench::Report& report, const InterruptGuard& interrupt)
{
    try {
        const shadowslab::Device device(device_path);
        const shadowslab_info info = device.info();
        warn_on_abi_mismatch(info);
        execbench::Comparison comparison;
        comparison.kernel_release = shadowslab::fixed_string(info.kernel_release);
        comparison.match = execbench::match_kernel(comparison.kernel_release);
        comparison.cpus = report.config.cpus;
        comparison.duration_ns = report.config.duration_ns;
        WorkloadOptions workload;
        workload.profile.profile = comparison.match.profile;
        workload.duration_ns = comparison.duration_ns;
        for (const shadowslab::Strategy strategy : {shadowslab::Strategy::percpu, shadowslab::Strategy::slab}) {
            const std::string label = fmt::format("{} x{}", shadowslab::to_string(strategy), comparison.cpus.size());
            shadowslab::RunResult result =
                run_with_progress(device, workload.request(strategy, comparison.cpus), label, interrupt);
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

int execbench_command(const Invocation& invocation, const ExecbenchOptions& options)
{
    execbench::Report report;
    report.kernel_release = kernel_release();
    report.compare_requested = options.compare;
    report.config.target = execbench::resolve_target(options.target);
    report.config.cpus = options.cpus.resolve();
    report.config.duration_ns = options.duration_ns;
    report.config.interval_ns = options.interval_ns;

    if (const auto note = execbench::remote_filesystem_note(report.config.target))
        fmt::print(stderr, "shadowctl: note: {}\n", *note);

    // Before anything runs: a tracer that cannot start fails the command.
    std::unique_ptr<shadowslab::tracer::Tracer> tracer = options.trace ? start_tracer() : nullptr;

    const bool text = invocation.output.text_wanted();
    const bool interval_lines = text && !options.quiet;

    bool can_compare = false;
    if (options.compare) {
        report.comparison_note = comparison_unavailable(invocation.device_path);
        can_compare = report.comparison_note.empty();
        if (!can_compare)
            fmt::print(stderr, "shadowctl: note: --compare: {}\n", report.comparison_note);
    }

    if (text) {
        fmt::print("{}", format_execbench_heading(report));
        std::fflush(stdout);
    }

    const InterruptGuard interrupt;
    EnvironmentRecorder environment;
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
        // The bar only when no interval lines are printed.
        std::optional<ProgressBar> bar;
        if (!interval_lines)
            bar.emplace(fmt::format("execbench x{}", report.config.cpus.size()));
        callbacks.on_tick = [&bar, &report](std::uint64_t elapsed_ns, std::uint64_t ops) {
            if (bar)
                bar->draw("exec", static_cast<double>(elapsed_ns) / static_cast<double>(report.config.duration_ns),
                          fmt::format("{} execs  {:.1f}/{:.1f} s", ops, static_cast<double>(elapsed_ns) / 1e9,
                                      static_cast<double>(report.config.duration_ns) / 1e9));
        };
        if (tracer) {
            trace = execbench::trace_exec_loop(*tracer, report, interrupt, callbacks);
            tracer.reset();  // detached: the comparison below is not traced
        } else {
            report.loop = execbench::run_exec_loop(report.config, interrupt, callbacks);
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
            comparison_ok = run_comparison(invocation.device_path, report, interrupt);
        if (!comparison_ok)
            fmt::print(stderr, "shadowctl: --compare: {}\n", report.comparison_note);
    }

    report.environment = environment.finish(report.config.cpus);
    Json document = execbench_to_json(report);
    if (trace)
        add_exec_trace_json(document, *trace, report.loop.total_ops());
    emit(invocation.output, format_execbench_comparison(report) + format_execbench_environment(report), document,
         report.environment.warnings);
    if (report.cancelled())
        return interrupt.exit_status();
    return comparison_ok ? kExitOk : kExitFailure;
}

}  // namespace

TraceDocument execbench::trace_exec_loop(shadowslab::tracer::Tracer& tracer, execbench::Report& report,
                                         const InterruptGuard& interrupt, const execbench::LoopCallbacks& callbacks)
{
    tracer.clear();
    const auto traced_from = std::chrono::steady_clock::now();
    report.loop = execbench::run_exec_loop(report.config, interrupt, callbacks);
    TraceDocument document;
    document.kernel_release = report.kernel_release;
    document.window.kind = "exec_loop";
    document.window.traced_ns = static_cast<std::uint64_t>(
        std::chrono::nanoseconds(std::chrono::steady_clock::now() - traced_from).count());
    document.warnings = tracer.warnings();
    document.report = shadowslab::tracer::build_report(tracer.snapshot(), shadowslab::tracer::kAllSegments,
                                                       tracer.symbols(), kDefaultTraceTop);
    return document;
}

void add_execbench_command(CLI::App& parent, Invocation& invocation, std::shared_ptr<ExecbenchOptions> options)
{
    ExecbenchOptions& bench = *options;
    CLI::App* command = add_subcommand(parent, kHelp);

    add_cpu_options(*command, bench.cpus, "worker", " (default: one per online CPU)");
    add_duration(*command, "--duration", bench.duration_ns,
                 "How long to exec for, e.g. 2.5s; with --compare also each strategy's run")
        ->default_str("5s");
    add_duration(*command, "--interval", bench.interval_ns,
                 "Time between the ops/s lines (at most --duration; the default shrinks to it)")
        ->default_str("1s");
    command->add_option("--target", bench.target,
                        "The exec loop program (default: execbench-loop next to shadowctl, or in "
                        "../libexec/shadowslab)")
        ->type_name("PATH");
    command->add_flag("--quiet,-q", bench.quiet, "No ops/s line per interval, only the total");
    command->add_flag("--compare", bench.compare,
                      "Then run the module's percpu and slab strategies and compare (needs /dev/shadowslab)");
    command->add_flag("--trace", bench.trace,
                      "Run the exec loop under the percpu lock tracer (as `shadowctl trace`; root): what this "
                      "kernel's own exec path does to pcpu_alloc_mutex, pcpu_lock, percpu_counters_lock and the "
                      "percpu allocator, per exec and in full.  The trace is system-wide; --compare's runs are "
                      "not traced");

    on_parse<ExecbenchOptions>(*command, invocation, options, execbench_command, [command](ExecbenchOptions& bench) {
        if (bench.interval_ns < execbench::kMinIntervalNs)
            throw CLI::ValidationError("--interval", "at least 10ms");
        // The default interval shrinks to a shorter run; one asked for must fit.
        if (command->count("--interval") == 0)
            bench.interval_ns = std::min(bench.interval_ns, bench.duration_ns);
        if (bench.interval_ns > bench.duration_ns)
            throw CLI::ValidationError("--interval",
                                       fmt::format("{} is longer than --duration {}", duration(bench.interval_ns),
                                                   duration(bench.duration_ns)));
    });
}

namespace {

const SubcommandRegistration registration{"execbench", add_execbench_command};

}  // namespace

}  // namespace shadowctl
