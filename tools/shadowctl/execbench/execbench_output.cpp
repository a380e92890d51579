// execbench's text and JSON.

#include "execbench/execbench.hpp"

#include <fmt/format.h>

#include "common/table.hpp"

namespace shadowctl {

namespace {

using execbench::Comparison;
using execbench::Report;

std::optional<double> ns_per_op(double ops_per_sec)
{
    return ops_per_sec > 0 ? std::optional<double>(1e9 / ops_per_sec) : std::nullopt;
}

double per_cpu_rate(const shadowslab::RunResult& run)
{
    return run.threads.empty() ? 0.0 : run.cycles_per_second() / static_cast<double>(run.threads.size());
}

std::string run_status(const shadowslab::RunResult& run) { return run.cancelled ? "cancelled" : "completed"; }

std::string strategy_label(const Comparison& comparison, shadowslab::Strategy strategy)
{
    std::string label = "module " + shadowslab::to_string(strategy);
    if (strategy == shadowslab::Strategy::percpu)
        label += " (" + shadowslab::to_string(comparison.match.profile) + ")";
    if (strategy == comparison.match.matching_strategy)
        label += " *";
    return label;
}

Json run_summary_json(const Comparison& comparison, const std::optional<shadowslab::RunResult>& run)
{
    if (!run)
        return nullptr;
    return {
        {"status", run_status(*run)},
        {"profile", shadowslab::to_string(comparison.match.profile)},
        {"total_cycles", run->total_cycles},
        {"elapsed_ns", run->elapsed_ns},
        {"cycles_per_sec", run->cycles_per_second()},
        {"cycles_per_sec_per_cpu", per_cpu_rate(*run)},
        {"ns_per_cycle_per_cpu", json_or_null(execbench::ns_per_cycle_per_cpu(*run))},
        {"percpu_allocs_per_cycle", shadowslab::per_cycle(run->percpu_allocs, run->total_cycles)},
    };
}

}  // namespace

std::string format_execbench_heading(const Report& report)
{
    const std::size_t cpus = report.config.cpus.size();
    return fmt::format("execbench: {} worker{} exec()ing {} on CPU{} {} for {}, ops/s every {}\n"
                       "kernel {}\n",
                       cpus, cpus == 1 ? "" : "s", report.config.target, cpus == 1 ? "" : "s",
                       shadowslab::format_cpu_list(report.config.cpus), duration(report.config.duration_ns),
                       duration(report.config.interval_ns), report.kernel_release);
}

std::string format_interval_heading() { return fmt::format("\n{:>9}  {:>12}  {:>13}\n", "time", "ops/s", "ops/s per CPU"); }

std::string format_interval(const execbench::Interval& interval, std::size_t cpus)
{
    const double rate = interval.ops_per_sec();
    return fmt::format("{:>7.2f} s  {:>12.1f}  {:>13.1f}\n", static_cast<double>(interval.end_ns) / 1e9, rate,
                       cpus ? rate / static_cast<double>(cpus) : 0.0);
}

std::string format_execbench_summary(const Report& report)
{
    const execbench::LoopResult& loop = report.loop;
    std::string text = fmt::format("\nstatus: {}\n", loop.cancelled ? "CANCELLED (partial results)" : "completed");
    if (loop.elapsed_ns == 0)
        return text + "no exec was timed\n";
    text += fmt::format("total: {} execs in {}: {:.1f} ops/s, {:.1f} ops/s per CPU ({} per exec per CPU)\n\n",
                        loop.total_ops(), duration(loop.elapsed_ns), loop.ops_per_sec(), loop.ops_per_sec_per_cpu(),
                        duration(ns_per_op(loop.ops_per_sec_per_cpu())));
    using Align = TextTable::Align;
    TextTable table({{"cpu", Align::right}, {"execs", Align::right}, {"ops/s", Align::right}});
    for (std::size_t i = 0; i < loop.cpus.size(); ++i)
        table.add_row({fmt::format("{}", loop.cpus[i]), fmt::format("{}", loop.ops[i]),
                       fmt::format("{:.1f}", loop.cpu_ops_per_sec(i))});
    return text + table.render();
}

std::string format_execbench_comparison(const Report& report)
{
    if (!report.compare_requested)
        return {};
    if (!report.comparison)
        return fmt::format("\ncomparison: not run: {}\n", report.comparison_note);

    const Comparison& comparison = *report.comparison;
    const execbench::LoopResult& loop = report.loop;
    std::string text = fmt::format(
        "\ncomparison with the module's workload (kernel {}; CPU{} {}; {} per strategy):\n{}\n\n",
        comparison.kernel_release, comparison.cpus.size() == 1 ? "" : "s",
        shadowslab::format_cpu_list(comparison.cpus), duration(comparison.duration_ns), comparison.match.note);

    using Align = TextTable::Align;
    TextTable table({{"", Align::left},
                     {"ops/s", Align::right},
                     {"ops/s per CPU", Align::right},
                     {"time each, per CPU", Align::right},
                     {"percpu allocs each", Align::right}});
    table.add_row({"exec()", fmt::format("{:.1f}", loop.ops_per_sec()), fmt::format("{:.1f}", loop.ops_per_sec_per_cpu()),
                   duration(ns_per_op(loop.ops_per_sec_per_cpu())), "-"});
    const auto add_run = [&](const std::optional<shadowslab::RunResult>& run, shadowslab::Strategy strategy) {
        const std::string label = strategy_label(comparison, strategy);
        if (!run) {
            table.add_row({label, "not run"});
            return;
        }
        table.add_row({label + (run->cancelled ? " (cancelled)" : ""), fmt::format("{:.1f}", run->cycles_per_second()),
                       fmt::format("{:.1f}", per_cpu_rate(*run)), duration(execbench::ns_per_cycle_per_cpu(*run)),
                       fmt::format("{:.3f}", shadowslab::per_cycle(run->percpu_allocs, run->total_cycles))});
    };
    add_run(comparison.percpu, shadowslab::Strategy::percpu);
    add_run(comparison.slab, shadowslab::Strategy::slab);
    text += table.render();
    text += "(a module op is an alloc/free cycle of an mm_struct-like object; * = the strategy that "
            "matches this kernel's exec)\n";

    const std::optional<double> estimate = comparison.estimate(loop);
    if (!estimate) {
        text += "percpu share of an exec: unknown (a run is missing or counted nothing)\n";
        return text;
    }
    const double percpu_ns = *execbench::ns_per_cycle_per_cpu(*comparison.percpu);
    const double slab_ns = *execbench::ns_per_cycle_per_cpu(*comparison.slab);
    text += fmt::format("percpu share of an exec (estimate): {:.2f}% = (percpu {} - slab {}) / exec {}\n",
                        *estimate * 100, duration(percpu_ns), duration(slab_ns),
                        duration(ns_per_op(loop.ops_per_sec_per_cpu())));
    if (!comparison.match.mm_has_percpu)
        text += "  this kernel's exec makes no such allocation: the figure is what a 6.6+ mm_struct would add\n";
    return text;
}

std::string format_execbench_environment(const Report& report)
{
    return "\n" + format_environment(report.environment) + format_warnings(report.environment.warnings);
}

Json execbench_to_json(const Report& report)
{
    const execbench::LoopResult& loop = report.loop;
    Json per_cpu = Json::array();
    for (std::size_t i = 0; i < loop.cpus.size(); ++i)
        per_cpu.push_back({{"cpu", loop.cpus[i]}, {"ops", loop.ops[i]}, {"ops_per_sec", loop.cpu_ops_per_sec(i)}});
    Json intervals = Json::array();
    for (const execbench::Interval& interval : loop.intervals)
        intervals.push_back({{"end_ns", interval.end_ns},
                             {"elapsed_ns", interval.elapsed_ns},
                             {"ops", interval.total_ops()},
                             {"ops_per_sec", interval.ops_per_sec()},
                             {"per_cpu_ops", interval.ops}});

    Json comparison = nullptr;
    if (report.comparison) {
        const Comparison& c = *report.comparison;
        comparison = {
            {"status", c.cancelled() ? "cancelled" : "completed"},
            {"kernel_release", c.kernel_release},
            {"mm_has_percpu", c.match.mm_has_percpu},
            {"profile", shadowslab::to_string(c.match.profile)},
            {"matching_strategy", shadowslab::to_string(c.match.matching_strategy)},
            {"note", c.match.note},
            {"cpus", c.cpus},
            {"duration_ns", c.duration_ns},
            {"exec_ops_per_sec", loop.ops_per_sec()},
            {"exec_ops_per_sec_per_cpu", loop.ops_per_sec_per_cpu()},
            {"exec_ns_per_op_per_cpu", json_or_null(ns_per_op(loop.ops_per_sec_per_cpu()))},
            {"percpu", run_summary_json(c, c.percpu)},
            {"slab", run_summary_json(c, c.slab)},
            {"percpu_share_of_exec_estimate", json_or_null(c.estimate(loop))},
        };
    }

    return {
        {"schema", schema_name("execbench", 1)},
        {"status", report.cancelled() ? "cancelled" : "completed"},
        {"kernel_release", report.kernel_release},
        {"target", report.config.target},
        {"cpus", report.config.cpus},
        {"duration_ns", report.config.duration_ns},
        {"interval_ns", report.config.interval_ns},
        {"elapsed_ns", loop.elapsed_ns},
        {"total_ops", loop.total_ops()},
        {"ops_per_sec", loop.ops_per_sec()},
        {"ops_per_sec_per_cpu", loop.ops_per_sec_per_cpu()},
        {"ns_per_op_per_cpu", json_or_null(ns_per_op(loop.ops_per_sec_per_cpu()))},
        {"per_cpu", per_cpu},
        {"intervals", intervals},
        {"comparison", comparison},
        {"comparison_note", report.comparison_note.empty() ? Json(nullptr) : Json(report.comparison_note)},
        {"environment", environment_to_json(report.environment)},
    };
}

}  // namespace shadowctl
