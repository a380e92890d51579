// shadowctl report's output: report.md, report.json and the terminal
// summary, all from the sub-documents (see report.hpp).

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "compare/compare_output.hpp"
#include "report/report.hpp"
#include "report/report_json.hpp"

namespace shadowctl {

namespace {

// compare's "+-" is plain text for the terminal; Markdown can say ±.
std::string plus_minus(std::string value)
{
    if (const auto at = value.find("+-"); at != std::string::npos)
        value.replace(at, 2, "±");
    return value;
}

// One compare row's cell for `column`, from the row's JSON keys as
// compare_output.cpp expands them: KEY with KEY_stddev/_min/_max is a Spread
// over "runs" rounds; KEY with KEY_ci95_low a ratio.
std::string compare_cell(const Json& row, const CompareColumn& column)
{
    const Json& value = json_member(row, column.key);
    if (value.is_string())
        return value.get<std::string>();
    if (!value.is_number())
        return "-";
    if (row.contains(column.key + "_stddev")) {
        shadowslab::Spread spread;
        spread.n = static_cast<std::size_t>(json_number(row, "runs").value_or(1));
        spread.mean = value.get<double>();
        spread.stddev = json_number(row, column.key + "_stddev").value_or(0);
        spread.min = json_number(row, column.key + "_min").value_or(spread.mean);
        spread.max = json_number(row, column.key + "_max").value_or(spread.mean);
        return plus_minus(format_spread(spread, column.decimals));
    }
    if (row.contains(column.key + "_ci95_low"))
        return fixed(value.get<double>(), column.decimals) + "x";
    if (value.is_number_integer())
        return fmt::format("{}", value.get<std::int64_t>());
    return fixed(value.get<double>(), column.decimals);
}

std::string environment_section(const ReportInput& input)
{
    std::string out = "## Environment\n\n";
    const Json& info = input.info;
    if (info.is_object()) {
        out += fmt::format("- kernel {}, shadowslab module {} (ABI {}), shadowctl {}\n", json_text(info, "kernel_release"),
                           json_text(info, "module_version"), json_number(info, "abi_version").value_or(0), SHADOWCTL_VERSION);
        out += fmt::format("- CPUs: online {}, possible {}; sizeof(struct mm_struct) {}\n", json_text(info, "online_cpus"),
                           json_text(info, "possible_cpus"), json_number(info, "mm_struct_size").value_or(0));
        if (const std::string basis = json_text(json_member(info, "kernel_profile"), "basis"); !basis.empty())
            out += fmt::format("- the kernel profile (what this kernel's mm_init() allocates): {}\n", basis);
    }
    out += "\n```\n" + format_environment(input.environment) + format_warnings(input.environment.warnings) + "```\n";
    return out;
}

std::string compare_section(const ReportInput& input)
{
    std::string out = "## compare: every strategy at 1 and 2 threads\n\n";
    const Json& compare = input.compare;
    if (!compare.is_object())
        return out + "Not run.\n";
    const Json& meta = json_member(compare, "meta");
    out += fmt::format("Profile {}, {} round(s) of {} per run on CPUs {}{}.  Each figure is the mean over the "
                       "rounds; ± is the standard error of that mean in % of it (as perf stat -r prints it).\n\n",
                       json_text(json_member(meta, "profile"), "name"), json_number(meta, "rounds").value_or(0),
                       json_number(meta, "cycles").value_or(0) > 0
                           ? fmt::format("{:.0f} cycles", *json_number(meta, "cycles"))
                           : duration(json_number(meta, "duration_ns")),
                       json_text(meta, "cpus"),
                       json_member(meta, "cancelled").is_boolean() && json_member(meta, "cancelled").get<bool>()
                           ? " (cancelled: partial results)"
                           : "");
    std::vector<std::string> headers;
    for (const CompareColumn& column : compare_columns())
        if (!column.header.empty())
            headers.push_back(column.header);
    std::vector<std::vector<std::string>> rows;
    for (const Json& row : json_member(compare, "rows")) {
        std::vector<std::string> cells;
        for (const CompareColumn& column : compare_columns())
            if (!column.header.empty())
                cells.push_back(compare_cell(row, column));
        rows.push_back(std::move(cells));
    }
    out += markdown_table(headers, rows);
    out += "\ncycles/s: all threads together.  p50/p99 ns: one cycle's cost.  vs percpu: speedup over percpu at "
           "the same threads.  vs slab: cost per cycle in multiples of the slab floor's.  allocs/cycle, dtor/cycle: "
           "percpu allocations and destructor calls per timed cycle.  kept KiB: percpu memory held when idle.\n\n";

    const Json& ratios = json_member(compare, "ratios");
    std::vector<std::vector<std::string>> ratio_rows;
    for (const RatioMeaning& ratio : kReportRatios)
        ratio_rows.push_back({ratio.key, ratio_text(json_member(ratios, ratio.key)), ratio.meaning});
    ratio_rows.push_back({"ctor_percpu_allocs_per_cycle", fixed(json_number(ratios, "ctor_percpu_allocs_per_cycle"), 3),
                          "percpu allocations per timed ctor cycle"});
    out += markdown_table({"ratio", "value", "meaning"}, ratio_rows);
    out += "\nThe intervals come from the rounds: each round measures both sides, so drift they share cancels.\n";
    for (const ReportPlot& plot : input.plots)
        if (plot.name == "compare")
            out += fmt::format("\n![{}]({})\n", plot.caption, plot.file);
    return out;
}

// The top contended stacks of each lock in a shadowslab-trace/1 document.
std::string stacks_text(const Json& trace, std::size_t top)
{
    std::string out;
    const Json& sampling = json_member(trace, "wait_stacks");
    const double period = json_number(sampling, "period").value_or(1);
    const std::string stacks_are =
        period > 1 ? fmt::format("top stacks (1 wait in {:.0f} sampled past each CPU's first {:.0f}, so their waits and "
                                 "times are estimates)",
                                 period, json_number(sampling, "always_first").value_or(0))
                   : "top stacks";
    for (const Json& lock : json_member(trace, "locks")) {
        const double contentions = json_number(lock, "contentions").value_or(0);
        if (contentions == 0)
            continue;
        out += fmt::format("\n{}: {:.0f} contentions, {} total wait, {} longest; {}:\n\n", json_text(lock, "name"),
                           contentions, duration(json_number(lock, "wait_ns_total").value_or(0)),
                           duration(json_number(lock, "wait_ns_max").value_or(0)), stacks_are);
        std::size_t shown = 0;
        for (const Json& stack : json_member(lock, "stacks")) {
            if (shown++ == top)
                break;
            out += fmt::format("- {:.0f} waits, {} in all, from `{}`\n", json_number(stack, "count").value_or(0),
                               duration(json_number(stack, "wait_ns").value_or(0)), json_text(stack, "caller"));
            std::string frames;
            for (const Json& frame : json_member(stack, "frames"))
                if (frame.is_string())
                    frames += "      " + frame.get<std::string>() + "\n";
            if (!frames.empty())
                out += "\n  ```\n" + frames + "  ```\n";
        }
    }
    return out.empty() ? "\nNo lock was contended.\n" : out;
}

std::string locks_table(const Json& trace)
{
    std::vector<std::vector<std::string>> rows;
    for (const Json& lock : json_member(trace, "locks"))
        rows.push_back({json_text(lock, "name"), fmt::format("{:.0f}", json_number(lock, "contentions").value_or(0)),
                        duration(json_number(lock, "wait_ns_total").value_or(0)), duration(json_number(lock, "wait_ns_mean")),
                        duration(json_number(lock, "wait_ns_max").value_or(0))});
    const Json& percpu = json_member(trace, "percpu");
    return markdown_table({"lock", "contentions", "total wait", "mean wait", "longest"}, rows) +
           fmt::format("\npercpu allocator: {:.0f} allocations, {:.0f} frees.\n", json_number(percpu, "allocs").value_or(0),
                       json_number(percpu, "frees").value_or(0));
}

const ReportPart* find_part(const ReportInput& input, const std::string& name)
{
    for (const ReportPart& part : input.parts)
        if (part.name == name)
            return &part;
    return nullptr;
}

// "Skipped: REASON" for a part that did not run ("" if it ran).
std::string not_run(const ReportInput& input, const std::string& name)
{
    const ReportPart* part = find_part(input, name);
    if (!part)
        return "Not run.\n";
    if (part->status == "ran")
        return {};
    return fmt::format("{}: {}\n", part->status == "skipped" ? "Skipped" : "Failed", part->reason);
}

std::string execbench_section(const ReportInput& input)
{
    std::string out = "## exec: execbench --trace\n\n";
    const Json& bench = input.execbench;
    if (!bench.is_object())
        return out + not_run(input, "execbench");
    out += fmt::format("{:.0f} execs on {} CPU(s) in {}: {:.1f} execs/s, {:.1f} per CPU.\n\n",
                       json_number(bench, "total_ops").value_or(0), json_member(bench, "cpus").size(),
                       duration(json_number(bench, "elapsed_ns")), json_number(bench, "ops_per_sec").value_or(0),
                       json_number(bench, "ops_per_sec_per_cpu").value_or(0));
    const Json& per_exec = json_member(bench, "trace_per_exec");
    if (!per_exec.is_object()) {
        const ReportPart* part = find_part(input, "execbench");
        const std::string why = part && !part->reason.empty() ? ": " + part->reason : ".";
        return out + "The exec loop ran without the tracer" + why + "\n";
    }
    out += "The percpu allocator while the exec loop ran (system-wide), per exec:\n\n";
    out += markdown_table({"execs", "percpu allocations", "percpu frees", "pcpu_alloc_mutex waits"},
                          {{fmt::format("{:.0f}", json_number(per_exec, "execs").value_or(0)),
                            fixed(json_number(per_exec, "percpu_allocs"), 3), fixed(json_number(per_exec, "percpu_frees"), 3),
                            fixed(json_number(per_exec, "pcpu_alloc_mutex_contentions"), 3)}});
    out += stacks_text(json_member(bench, "trace"), 3);
    return out;
}

std::string percpu_run_section(const ReportInput& input)
{
    std::string out = "## The percpu strategy under the tracer\n\n";
    const Json& run = input.percpu_run;
    if (!run.is_object())
        return out + not_run(input, "percpu_trace");
    const Json& request = json_member(run, "request");
    out += fmt::format("percpu at {} thread(s), {:.0f} cycles, {:.0f} cycles/s; the tracer's view of the timed "
                       "phase ({}):\n\n",
                       json_member(request, "cpus").size(), json_number(run, "total_cycles").value_or(0),
                       json_number(run, "cycles_per_sec").value_or(0),
                       duration(json_number(json_member(json_member(run, "trace"), "window"), "traced_ns")));
    out += locks_table(json_member(run, "trace"));
    out += stacks_text(json_member(run, "trace"), 5);
    return out;
}

std::string sweep_section(const ReportInput& input)
{
    std::string out = "## Possible-CPU sweep\n\n";
    out += not_run(input, "possible_cpu_sweep");
    for (const ReportPlot& plot : input.plots)
        if (plot.name == "sweep")
            out += fmt::format("\n![{}]({})\n", plot.caption, plot.file);
    return out;
}

// The percpu run's pcpu_alloc_mutex contentions, per timed cycle.
std::optional<std::string> mutex_conclusion(const Json& run)
{
    if (!run.is_object())
        return std::nullopt;
    for (const Json& lock : json_member(json_member(run, "trace"), "locks")) {
        if (json_text(lock, "name") != "pcpu_alloc_mutex")
            continue;
        const double contentions = json_number(lock, "contentions").value_or(0);
        const double cycles = json_number(run, "total_cycles").value_or(0);
        return fmt::format("In the percpu run at {} thread(s), pcpu_alloc_mutex was contended {:.0f} times in the "
                           "timed phase ({} per cycle), waiting {} in all.",
                           json_member(json_member(run, "request"), "cpus").size(), contentions,
                           cycles > 0 ? fmt::format("{:.3f}", contentions / cycles) : std::string("-"),
                           duration(json_number(lock, "wait_ns_total").value_or(0)));
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string> report_conclusions(const ReportInput& input)
{
    std::vector<std::string> conclusions;
    const Json& per_exec = json_member(input.execbench, "trace_per_exec");
    if (const auto allocs = json_number(per_exec, "percpu_allocs"))
        conclusions.push_back(fmt::format(
            "exec makes {:.2f} percpu allocations per exec on this kernel ({}), counted system-wide over {:.0f} "
            "execs{}.",
            *allocs, json_text(input.execbench, "kernel_release"), json_number(per_exec, "execs").value_or(0),
            json_number(per_exec, "pcpu_alloc_mutex_contentions")
                ? fmt::format(", with {:.3f} waits for pcpu_alloc_mutex per exec",
                              *json_number(per_exec, "pcpu_alloc_mutex_contentions"))
                : std::string()));

    const Json& ratios = json_member(input.compare, "ratios");
    for (const RatioMeaning& ratio : kReportRatios)
        if (json_number(json_member(ratios, ratio.key), "value"))
            conclusions.push_back(
                fmt::format("{}: {}.", ratio.meaning, ratio_text(json_member(ratios, ratio.key))));
    const Json& ctor = json_member(ratios, "ctor_scaling_2t");
    const Json& percpu = json_member(ratios, "percpu_scaling_2t");
    if (json_number(ctor, "ci95_low") && json_number(percpu, "ci95_high") && json_number(ctor, "ci95_high") &&
        json_number(percpu, "ci95_low")) {
        if (*json_number(ctor, "ci95_low") > *json_number(percpu, "ci95_high"))
            conclusions.push_back("At 2 threads ctor scales better than percpu: their 95% intervals do not overlap.");
        else if (*json_number(percpu, "ci95_low") > *json_number(ctor, "ci95_high"))
            conclusions.push_back("At 2 threads percpu scales better than ctor: their 95% intervals do not overlap.");
        else
            conclusions.push_back("The 95% intervals of ctor's and percpu's scaling overlap: these rounds do not "
                                  "tell their scaling apart; more rounds (or a quieter machine) might.");
    }
    if (const auto allocs = json_number(ratios, "ctor_percpu_allocs_per_cycle"))
        conclusions.push_back(fmt::format("ctor makes {:.3f} percpu allocations per timed cycle.", *allocs));
    if (const auto mutex = mutex_conclusion(input.percpu_run))
        conclusions.push_back(*mutex);
    if (input.environment.virtualization == "tcg")
        conclusions.push_back("The timings come from an emulated CPU (TCG): read them as ratios within this report, "
                              "never across machines.");
    if (!input.environment.warnings.empty())
        conclusions.push_back(fmt::format("The environment drew {} warning(s) (see Environment): they may skew the "
                                          "timings.",
                                          input.environment.warnings.size()));
    return conclusions;
}

std::string format_report_markdown(const ReportInput& input)
{
    std::string out = "# shadowslab report\n\n";
    out += fmt::format("{}, kernel {}, shadowctl {}.  Written by `shadowctl report{}`{}; report.json beside this "
                       "file holds every figure.\n\n",
                       input.date, input.kernel_release, SHADOWCTL_VERSION, input.quick ? " --quick" : "",
                       input.quick ? " (few, short rounds: coarse figures)" : "");

    out += "## Conclusions\n\n";
    const std::vector<std::string> conclusions = report_conclusions(input);
    if (conclusions.empty())
        out += "None: no part measured enough to support one.\n";
    for (const std::string& conclusion : conclusions)
        out += "- " + conclusion + "\n";

    out += "\n## Parts\n\n";
    std::vector<std::vector<std::string>> parts;
    for (const ReportPart& part : input.parts)
        parts.push_back({part.name, part.status, part.reason.empty() ? "" : part.reason});
    out += markdown_table({"part", "status", "why not"}, parts);
    if (!input.plots_note.empty())
        out += "\nPlots: " + input.plots_note + "\n";

    out += "\n" + environment_section(input);
    out += "\n" + compare_section(input);
    out += "\n" + sweep_section(input);
    out += "\n" + execbench_section(input);
    out += "\n" + percpu_run_section(input);
    return out;
}

Json report_to_json(const ReportInput& input)
{
    Json parts = Json::array();
    for (const ReportPart& part : input.parts)
        parts.push_back({{"name", part.name},
                         {"status", part.status},
                         {"reason", part.reason.empty() ? Json(nullptr) : Json(part.reason)}});
    Json plots = Json::array();
    for (const ReportPlot& plot : input.plots)
        plots.push_back({{"name", plot.name}, {"file", plot.file}});
    return {
        {"schema", schema_name("report", 1)},
        {"date", input.date},
        {"tool_version", SHADOWCTL_VERSION},
        {"kernel_release", input.kernel_release},
        {"quick", input.quick},
        {"parts", parts},
        {"plots", plots},
        {"plots_note", input.plots_note.empty() ? Json(nullptr) : Json(input.plots_note)},
        {"conclusions", report_conclusions(input)},
        {"info", input.info},
        {"compare", input.compare},
        {"execbench", input.execbench},
        {"percpu_run", input.percpu_run},
    };
}

std::string format_report_summary(const ReportInput& input, const std::string& directory)
{
    std::string out;
    for (const ReportPart& part : input.parts)
        out += fmt::format("  {:<20} {}{}\n", part.name, part.status, part.reason.empty() ? "" : ": " + part.reason);
    std::string files = "report.md, report.json";
    for (const ReportPlot& plot : input.plots)
        files += ", " + plot.file;
    out += fmt::format("report written to {}: {}\n", directory, files);
    if (!input.plots_note.empty())
        out += "plots: " + input.plots_note + "\n";
    return out;
}

}  // namespace shadowctl
