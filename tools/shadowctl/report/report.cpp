// shadowctl report: see the subcommand's --help below.

#include "report/report.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "common/exit_status.hpp"
#include "common/plot.hpp"
#include "common/signals.hpp"
#include "compare/compare.hpp"
#include "execbench/execbench.hpp"
#include "info.hpp"
#include "run.hpp"
#include "shadowslab/error.hpp"
#include "shadowslab/tracer/trace_error.hpp"
#include "trace/trace.hpp"
#include "trace/traced_run.hpp"

namespace shadowctl {

namespace {

constexpr SubcommandHelp kHelp{
    "report",
    "Measure everything a mailing-list reply needs, and write it to a directory.\n\n"
    "Runs, in order: info; compare (every strategy at 1 and 2 threads, in rounds, with their spread); the "
    "possible-CPU sweep where it can (the possible CPUs are fixed at boot, so within one machine it is recorded "
    "as skipped: make bench boots one VM per count); execbench --trace (this kernel's own exec path under the "
    "percpu lock tracer: percpu allocations per exec); and the percpu strategy at 2 threads under the tracer "
    "(contentions and the top contended stacks of pcpu_alloc_mutex).  A part that cannot run here (no "
    "tracer without BTF or privileges, no percpu allocations per exec before 6.2, no gnuplot for plots) is "
    "recorded as skipped with its reason; the rest still runs.\n\n"
    "The global -o/--output DIR names the directory (default: shadowslab-report; made if missing): it gets "
    "report.md (the environment, the compare table with its spread, the ratios with their 95% intervals, "
    "exec's percpu allocations, the top contended stacks, and the conclusions the numbers support), "
    "report.json (every sub-document, each with its own schema) and compare.svg.  --json also prints "
    "report.json on stdout instead of the summary.  Ctrl-C stops, writes what was measured so far and exits "
    "with status 130.",
    "Examples:\n"
    "  shadowctl report -o report/\n"
    "  shadowctl report --quick -o /tmp/report\n"
    "  shadowctl report --profile mm-6.6 --rounds 5 --duration 1s -o report-6.6/",
    "report", 1, "-o DIR/report.json"};

constexpr const char* kDefaultDirectory = "shadowslab-report";

// How long each part runs: by default, compare's defaults and execbench's;
// --quick, about ten seconds in all under TCG, for tests.
struct Lengths {
    std::uint64_t compare_ns;
    unsigned rounds;
    std::uint64_t exec_ns;
    std::uint64_t traced_run_ns;
};
constexpr Lengths kFull{kDefaultCompareDurationNs, kDefaultCompareRounds, execbench::kDefaultDurationNs,
                        1'000'000'000};
constexpr Lengths kQuick{100'000'000, 2, 1'000'000'000, 200'000'000};

void make_directory(const std::string& path)
{
    std::error_code error;
    std::filesystem::create_directories(path, error);
    if (error)
        throw shadowslab::OperationError(error.value(), "create directory " + path);
}

// The first `count` online CPUs, or all of them if fewer.
shadowslab::CpuList first_online(unsigned count)
{
    const shadowslab::CpuList online = CpuChoice{}.resolve();
    return shadowslab::CpuList(online.begin(), online.begin() + std::min<std::size_t>(count, online.size()));
}

class ReportRun {
public:
    ReportRun(const Invocation& invocation, const ReportOptions& options, std::string directory)
        : options_(options),
          directory_(std::move(directory)),
          lengths_(options.quick ? kQuick : kFull),
          device_(invocation.device_path)
    {
        input_.date = utc_now();
        input_.kernel_release = kernel_release();
        input_.quick = options.quick;
        workload_ = options.workload;
        if (workload_.cycles == 0 && workload_.duration_ns == 0)
            workload_.duration_ns = lengths_.compare_ns;
    }

    // Every part, in order, until Ctrl-C.
    void measure()
    {
        info();
        const std::optional<CompareOutcome> outcome = compare();
        if (!interrupt_.triggered() && outcome)
            plot(*outcome);
        sweep();
        if (interrupt_.triggered())
            part("execbench", "skipped", "interrupted");
        else
            exec();
        if (interrupt_.triggered())
            part("percpu_trace", "skipped", "interrupted");
        else
            percpu_trace();
    }

    const ReportInput& input() const { return input_; }
    bool failed() const
    {
        return std::any_of(input_.parts.begin(), input_.parts.end(),
                           [](const ReportPart& part) { return part.status == "failed"; });
    }
    int interrupted_status() const { return interrupt_.triggered() ? interrupt_.exit_status() : 0; }

private:
    void part(const std::string& name, const std::string& status, const std::string& reason = {})
    {
        input_.parts.push_back({name, status, reason});
        fmt::print(stderr, "report: {} {}{}\n", name, status, reason.empty() ? "" : ": " + reason);
    }

    void info()
    {
        const InfoReport report = collect_info(device_);
        warn_on_abi_mismatch(report.info);
        input_.info = info_to_json(report);
        input_.environment = report.environment;
        possible_cpus_ = report.possible_cpus;
        module_kernel_ = shadowslab::fixed_string(report.info.kernel_release);
        part("info", "ran");
    }

    std::optional<CompareOutcome> compare()
    {
        CompareOptions compare;
        compare.workload = workload_;
        compare.rounds = options_.rounds ? options_.rounds : lengths_.rounds;
        std::string note;
        if (first_online(2).size() < 2) {
            compare.thread_counts = {1};
            note = "one online CPU: 1 thread only";
        }
        try {
            CompareOutcome outcome = run_compare(device_, compare, interrupt_);
            input_.compare = compare_to_json(outcome);
            input_.environment = outcome.environment;
            if (outcome.report.meta.cancelled)
                part("compare", "failed", "interrupted: partial results");
            else
                part("compare", "ran", note);
            return outcome;
        } catch (const std::exception& error) {
            part("compare", "failed", error.what());
            return std::nullopt;
        }
    }

    void plot(const CompareOutcome& outcome)
    {
        try {
            check_gnuplot();
            draw_plot(compare_plot(outcome.report), directory_ + "/compare.svg");
            input_.plots.push_back({"compare", "compare.svg", "throughput against threads, per strategy"});
        } catch (const std::exception& error) {
            input_.plots_note = fmt::format("none drawn: {}", error.what());
        }
    }

    void sweep()
    {
        part("possible_cpu_sweep", "skipped",
             fmt::format("the possible CPUs ({}) are fixed at boot; a sweep boots one machine per count "
                         "(make bench: QEMU maxcpus 2, 8, 32 and 128)",
                         possible_cpus_.empty() ? "unknown" : possible_cpus_));
    }

    // The tracer, or nullptr and why not: what a box without BTF, bpf()
    // or privileges lacks is a skipped part, not a failed report.
    std::unique_ptr<shadowslab::tracer::Tracer> tracer(std::string& why_not)
    {
        try {
            return start_tracer();
        } catch (const shadowslab::tracer::TraceError& error) {
            why_not = fmt::format("the tracer cannot start: {}", error.what());
            return nullptr;
        }
    }

    void exec()
    {
        const execbench::KernelMatch match = execbench::match_kernel(module_kernel_);
        if (!match.mm_has_percpu) {
            part("execbench", "skipped",
                 fmt::format("kernel {}: before 6.2 the mm_struct owns no percpu memory, so an exec makes no "
                             "percpu allocation for execbench --trace to count",
                             module_kernel_));
            return;
        }
        execbench::Report report;
        report.kernel_release = kernel_release();
        try {
            report.config.target = execbench::resolve_target("");
        } catch (const std::exception& error) {
            part("execbench", "skipped", error.what());
            return;
        }
        try {
            report.config.cpus = CpuChoice{}.resolve();
            report.config.duration_ns = lengths_.exec_ns;
            report.config.interval_ns = lengths_.exec_ns;
            std::string why_not;
            std::unique_ptr<shadowslab::tracer::Tracer> traced = tracer(why_not);
            EnvironmentRecorder environment;
            std::optional<TraceDocument> trace;
            if (traced)
                trace = execbench::trace_exec_loop(*traced, report, interrupt_);
            else
                report.loop = execbench::run_exec_loop(report.config, interrupt_);
            traced.reset();
            report.environment = environment.finish(report.config.cpus);
            input_.execbench = execbench_to_json(report);
            if (trace)
                add_exec_trace_json(input_.execbench, *trace, report.loop.total_ops());
            part("execbench", report.loop.cancelled ? "failed" : "ran",
                 report.loop.cancelled ? "interrupted" : why_not);
        } catch (const std::exception& error) {
            part("execbench", "failed", error.what());
        }
    }

    void percpu_trace()
    {
        std::string why_not;
        const std::unique_ptr<shadowslab::tracer::Tracer> traced = tracer(why_not);
        if (!traced) {
            part("percpu_trace", "skipped", why_not);
            return;
        }
        try {
            WorkloadOptions workload = workload_;
            if (workload.cycles == 0 && options_.workload.duration_ns == 0)
                workload.duration_ns = lengths_.traced_run_ns;
            const shadowslab::RunRequest request = workload.request(shadowslab::Strategy::percpu, first_online(2));
            EnvironmentRecorder environment;
            const TracedRun run = run_traced(device_, request, fmt::format("percpu x{} traced", request.cpus.size()),
                                             interrupt_, *traced);
            const RunTraceDocuments documents = run_trace_documents(run, *traced, kDefaultTraceTop);
            input_.percpu_run = run_document(request, run.result, environment.finish(request.cpus), &documents);
            part("percpu_trace", run.result.cancelled ? "failed" : "ran", run.result.cancelled ? "interrupted" : "");
        } catch (const std::exception& error) {
            part("percpu_trace", "failed", error.what());
        }
    }

    const ReportOptions& options_;
    std::string directory_;
    Lengths lengths_;
    WorkloadOptions workload_;
    const shadowslab::Device device_;
    const InterruptGuard interrupt_;
    ReportInput input_;
    std::string possible_cpus_;
    std::string module_kernel_;
};

int report_command(const Invocation& invocation, const ReportOptions& options)
{
    if (invocation.output.path == "-")
        throw UsageError("report: -o names the output directory; --json prints report.json on stdout");
    const std::string directory = invocation.output.path.empty() ? kDefaultDirectory : invocation.output.path;
    ReportRun run(invocation, options, directory);  // opens the device: no directory without the module
    make_directory(directory);
    run.measure();

    const ReportInput& input = run.input();
    const std::string json = report_to_json(input).dump(2) + "\n";
    write_output(directory + "/report.md", format_report_markdown(input));
    write_output(directory + "/report.json", json);
    write_output("-", invocation.output.json ? json : format_report_summary(input, directory));
    if (const int status = run.interrupted_status())
        return status;
    return run.failed() ? kExitFailure : kExitOk;
}

}  // namespace

void add_report_command(CLI::App& parent, Invocation& invocation, std::shared_ptr<ReportOptions> options)
{
    ReportOptions& report = *options;
    CLI::App* command = add_subcommand(parent, kHelp);
    command->add_flag("--quick", report.quick,
                      "Few, short runs (compare: 2 rounds of 100ms; execbench 1s; the traced run 200ms), "
                      "about ten seconds under TCG: coarse figures, for tests");
    add_workload_options(*command, report.workload,
                         "; for compare's runs and the traced percpu run (default 500ms and 1s; --quick "
                         "100ms and 200ms)");
    add_model_options(*command, report.workload.model);
    add_unsigned(*command, "--rounds", report.rounds, 1, 1000, "compare's rounds (default 3, --quick 2)");

    on_parse<ReportOptions>(*command, invocation, options, report_command,
                            [command](ReportOptions& report) { check_workload(*command, report.workload, false); });
}

namespace {

const SubcommandRegistration registration{"report", add_report_command};

}  // namespace

}  // namespace shadowctl
