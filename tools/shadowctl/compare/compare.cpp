// shadowctl compare: see the subcommand's --help below.

#include "compare/compare.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/exit_status.hpp"
#include "common/output.hpp"
#include "common/plot.hpp"
#include "common/run_driver.hpp"
#include "compare/compare_output.hpp"
#include "info.hpp"
#include "trace/traced_run.hpp"

namespace shadowctl {

namespace {

constexpr SubcommandHelp kHelp{
    "compare",
    "Run every strategy at every thread count and compare them.\n\n"
    "Each round runs all strategies at each thread count, alternating them and rotating which goes first, "
    "so drift of the machine falls on all alike.  Every timed figure is the mean over the rounds, with its "
    "spread: the text shows +-, the standard error of the mean in % of it, as perf stat -r does; JSON and "
    "CSV give the standard deviation, minimum, maximum and coefficient of variation too.  The table gives, "
    "per strategy and thread count: cycles/s over all threads, ns/cycle p50 and p99, speedup over percpu at "
    "the same thread count, cost relative to the slab floor (x times the floor's cost per cycle), percpu "
    "allocations and destructor calls per timed cycle, ctor and dtor time per cycle, and the percpu memory "
    "the strategy keeps when idle; then what each strategy charges your memory cgroup.  Under it the ratios "
    "ctor_over_slab_1t, ctor_scaling_2t and percpu_scaling_2t, each with its 95% confidence interval from the "
    "rounds, and ctor_percpu_allocs_per_cycle.  Above it, where the measurement ran (clocksource, governor, SMT, "
    "preemption, CPUs, virtualisation, memcg) and warnings about what may skew it.  Ctrl-C stops after "
    "printing what was measured so far (exit status 130).",
    "Examples:\n"
    "  shadowctl compare --plot scaling.svg\n"
    "  shadowctl compare --threads-list 1,2,4 --rounds 5 --csv - > result.csv\n\n"
    "The rows of the document and the CSV lines carry the same keys.",
    "compare", 2};

// Possible CPUs only feed the report, so an unreadable sysfs file is not fatal.
std::string possible_cpus_or_empty()
{
    try {
        return shadowslab::format_cpu_list(shadowslab::read_cpu_list_file(shadowslab::kPossibleCpusPath));
    } catch (const std::exception&) {
        return {};
    }
}

shadowslab::CompareMeta make_meta(const CompareOptions& compare, const shadowslab_info& info,
                                  const shadowslab::CpuList& cpus)
{
    shadowslab::CompareMeta meta;
    meta.date = utc_now();
    meta.kernel_release = shadowslab::fixed_string(info.kernel_release);
    meta.module_version = shadowslab::fixed_string(info.module_version);
    meta.abi_version = info.abi_version;
    meta.cpus = shadowslab::format_cpu_list(cpus);
    meta.online_cpus = shadowslab::format_cpu_list(CpuChoice{}.resolve());
    meta.possible_cpus = possible_cpus_or_empty();
    meta.profile = compare.workload.profile;
    meta.strategies = compare.strategies;
    meta.thread_counts = compare.thread_counts;
    meta.rounds = compare.rounds;
    meta.cycles = compare.workload.cycles;
    meta.duration_ns = compare.workload.duration_ns;
    meta.warmup_cycles = compare.workload.warmup_cycles;
    meta.magazine_size = compare.workload.magazine_size;
    meta.sample_shift = compare.workload.sample_shift;
    compare.workload.model.apply(meta);
    meta.features = info.features;
    return meta;
}

int compare_command(const Invocation& invocation, const CompareOptions& options)
{
    const bool csv_on_stdout = options.csv_path == "-";
    if (csv_on_stdout && invocation.output.document_wanted() && invocation.output.document_path() == "-")
        throw UsageError("--json and --csv - cannot both write to stdout");
    // Before the work, not after it: a plot that cannot be drawn.
    if (!options.plot_path.empty())
        check_gnuplot();
    const shadowslab::Device device(invocation.device_path);
    const InterruptGuard interrupt;
    const CompareOutcome outcome = run_compare(device, options, interrupt);

    OutputOptions output = invocation.output;
    output.json = output.json || csv_on_stdout;  // --csv - replaces the text
    emit(output, format_compare_table(outcome), compare_to_json(outcome), outcome.environment.warnings);
    if (!options.csv_path.empty())
        write_output(options.csv_path, format_compare_csv(outcome));
    if (!options.plot_path.empty())
        draw_plot(compare_plot(outcome.report), options.plot_path);
    return outcome.report.meta.cancelled ? interrupt.exit_status() : kExitOk;
}

}  // namespace

CompareOutcome run_compare(const shadowslab::Device& device, const CompareOptions& options,
                           const InterruptGuard& interrupt)
{
    const shadowslab_info info = device.info();
    warn_on_abi_mismatch(info);
    // The first N online CPUs for each thread count (UsageError if fewer).
    const unsigned most_threads = *std::max_element(options.thread_counts.begin(), options.thread_counts.end());
    CpuChoice choice;
    choice.threads = most_threads;
    const shadowslab::CpuList cpus = choice.resolve();
    EnvironmentRecorder environment;
    CompareOutcome outcome{{make_meta(options, info, cpus),
                            shadowslab::CompareResult(options.strategies, options.thread_counts)},
                           {},
                           std::nullopt};
    shadowslab::CompareReport& report = outcome.report;

    // --trace: the tracer's errors (privileges, BTF, symbols) come before any run.
    const std::unique_ptr<shadowslab::tracer::Tracer> tracer = options.trace ? start_tracer() : nullptr;
    if (tracer)
        outcome.trace.emplace(tracer->locks());

    const auto schedule = shadowslab::compare_schedule(options.strategies, options.thread_counts, options.rounds);
    for (std::size_t i = 0; i < schedule.size(); ++i) {
        const shadowslab::CompareTrial& trial = schedule[i];
        const std::string label = fmt::format("[{}/{}] {} x{}", i + 1, schedule.size(),
                                              shadowslab::to_string(trial.strategy), trial.threads);
        const shadowslab::RunRequest request = options.workload.request(
            trial.strategy, shadowslab::CpuList(cpus.begin(), cpus.begin() + trial.threads));
        shadowslab::RunResult run;
        if (tracer) {
            const TracedRun traced = run_traced(device, request, label, interrupt, *tracer);
            run = traced.result;
            if (!run.cancelled)
                outcome.trace->add(trial.strategy, trial.threads, traced.snapshot, traced.timed_traced_ns,
                                   tracer->symbols());
        } else {
            run = run_with_progress(device, request, label, interrupt);
        }
        if (run.cancelled) {
            report.meta.cancelled = true;
            break;
        }
        report.result.add(trial.strategy, trial.threads, run, options.workload.warmup_cycles, trial.round);
    }
    outcome.environment = environment.finish(cpus);
    return outcome;
}

void add_compare_command(CLI::App& parent, Invocation& invocation, std::shared_ptr<CompareOptions> options)
{
    CompareOptions& compare = *options;
    CLI::App* command = add_subcommand(parent, kHelp);

    add_parsed(
        *command, "--strategies",
        [&compare](const std::string& text) { compare.strategies = shadowslab::parse_strategy_list(text); },
        "Comma-separated strategies to compare")
        ->type_name("LIST")
        ->default_str("percpu,ctor,slab,cache,stash,merged,lazy");
    add_parsed(
        *command, "--threads-list",
        [&compare](const std::string& text) {
            compare.thread_counts = shadowslab::parse_count_list(text, "thread count", shadowslab::kMaxCpuId + 1);
            std::sort(compare.thread_counts.begin(), compare.thread_counts.end());
        },
        "Comma-separated thread counts; each runs on the first N online CPUs")
        ->type_name("LIST")
        ->default_str("1,2");
    add_workload_options(*command, compare.workload, " (default: 500ms per run)");
    add_model_options(*command, compare.workload.model);
    add_unsigned(*command, "--rounds", compare.rounds, 1, 1000, "How many times to run every combination")
        ->default_str(std::to_string(compare.rounds));
    command->add_option("--csv", compare.csv_path, "Also write the rows as CSV to FILE (-: on stdout, instead of the text)")
        ->type_name("FILE");
    add_parsed(
        *command, "--plot",
        [&compare](const std::string& path) {
            plot_format_for(path);
            compare.plot_path = path;
        },
        "Draw throughput against threads, one line per strategy, with gnuplot into FILE.svg or FILE.png")
        ->type_name("FILE");
    command->add_flag("--trace", compare.trace,
                      "Trace the percpu allocator's locks and allocations with BPF (as `shadowctl trace`; "
                      "root): each row gains, for its timed phases, contentions and wait per lock and the "
                      "percpu allocs/frees the tracer saw (JSON/CSV keys trace_*)");

    on_parse<CompareOptions>(*command, invocation, options, compare_command,
                             [command](CompareOptions& compare) { check_workload(*command, compare.workload, false); });
}

namespace {

const SubcommandRegistration registration{"compare", add_compare_command};

}  // namespace

}  // namespace shadowctl
