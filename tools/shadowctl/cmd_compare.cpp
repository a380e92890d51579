#include <ctime>

#include <algorithm>

#include <fmt/format.h>

#include "commands.hpp"
#include "exit_status.hpp"
#include "format_compare.hpp"
#include "output.hpp"
#include "plot.hpp"
#include "run_driver.hpp"
#include "traced_run.hpp"

namespace shadowctl {

namespace {

std::string utc_now()
{
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

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
                                  const shadowslab::CpuList& online)
{
    shadowslab::CompareMeta meta;
    meta.date = utc_now();
    meta.kernel_release = shadowslab::fixed_string(info.kernel_release);
    meta.module_version = shadowslab::fixed_string(info.module_version);
    meta.abi_version = info.abi_version;
    const unsigned most_threads = *std::max_element(compare.thread_counts.begin(), compare.thread_counts.end());
    meta.cpus = shadowslab::format_cpu_list(cpus_for_threads(online, most_threads));
    meta.online_cpus = shadowslab::format_cpu_list(online);
    meta.possible_cpus = possible_cpus_or_empty();
    meta.profile = compare.profile;
    meta.strategies = compare.strategies;
    meta.thread_counts = compare.thread_counts;
    meta.rounds = compare.rounds;
    meta.cycles = compare.cycles;
    meta.duration_ns = compare.duration_ns;
    meta.warmup_cycles = compare.warmup_cycles;
    meta.magazine_size = compare.magazine_size;
    meta.sample_shift = compare.sample_shift;
    return meta;
}

shadowslab::RunRequest make_request(const CompareOptions& compare, const shadowslab::CompareTrial& trial,
                                    const shadowslab::CpuList& online)
{
    shadowslab::RunRequest request;
    request.strategy = trial.strategy;
    request.profile = compare.profile;
    request.cpus = cpus_for_threads(online, trial.threads);
    request.cycles = compare.cycles;
    request.duration_ns = compare.duration_ns;
    request.warmup_cycles = compare.warmup_cycles;
    request.magazine_size = compare.magazine_size;
    request.sample_shift = compare.sample_shift;
    return request;
}

void write_outputs(const CompareOptions& compare, const shadowslab::CompareReport& report,
                   const CompareTrace* trace)
{
    // The table goes to stderr when stdout carries JSON or CSV.
    const bool stdout_taken = compare.json_path == "-" || compare.csv_path == "-";
    fmt::print(stdout_taken ? stderr : stdout, "{}", format_compare_table(report, trace));
    if (!compare.json_path.empty())
        write_output(compare.json_path, compare_to_json(report, trace).dump(2) + "\n");
    if (!compare.csv_path.empty())
        write_output(compare.csv_path, format_compare_csv(report, trace));
    if (!compare.plot_path.empty())
        draw_plot(report, compare.plot_path);
}

}  // namespace

int command_compare(const Options& options)
{
    const CompareOptions& compare = options.compare;
    const shadowslab::Device device(options.device_path);
    const shadowslab_info info = device.info();
    warn_on_abi_mismatch(info);
    const shadowslab::CpuList online = read_online_cpus();
    shadowslab::CompareReport report{make_meta(compare, info, online),
                                     shadowslab::CompareResult(compare.strategies, compare.thread_counts)};

    // --trace: the tracer's errors (privileges, BTF, symbols) come before any run.
    const std::unique_ptr<shadowslab::tracer::Tracer> tracer = compare.trace ? start_tracer() : nullptr;
    std::optional<CompareTrace> trace;
    if (tracer)
        trace.emplace(tracer->locks());

    const SigintGuard sigint;
    const auto schedule = shadowslab::compare_schedule(compare.strategies, compare.thread_counts, compare.rounds);
    for (std::size_t i = 0; i < schedule.size(); ++i) {
        const shadowslab::CompareTrial& trial = schedule[i];
        const std::string label = fmt::format("[{}/{}] {} x{}", i + 1, schedule.size(),
                                              shadowslab::to_string(trial.strategy), trial.threads);
        shadowslab::RunResult run;
        if (tracer) {
            const TracedRun traced = run_traced(device, make_request(compare, trial, online), label, sigint, *tracer);
            run = traced.result;
            if (!run.cancelled)
                trace->add(trial.strategy, trial.threads, traced.snapshot, traced.timed_traced_ns, tracer->symbols());
        } else {
            run = run_with_progress(device, make_request(compare, trial, online), label, sigint);
        }
        if (run.cancelled) {
            report.meta.cancelled = true;
            break;
        }
        report.result.add(trial.strategy, trial.threads, run, compare.warmup_cycles);
    }

    write_outputs(compare, report, trace ? &*trace : nullptr);
    return report.meta.cancelled ? kExitCancelled : kExitOk;
}

}  // namespace shadowctl
