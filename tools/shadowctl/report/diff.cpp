// shadowctl diff: see diff.hpp, and the subcommand's --help below.

#include "report/diff.hpp"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "common/command.hpp"
#include "common/exit_status.hpp"
#include "report/report_json.hpp"

namespace shadowctl {

namespace {

constexpr SubcommandHelp kHelp{
    "diff",
    "Compare two reports (shadowctl report's report.json): one kernel against another, or one machine against "
    "another.\n\n"
    "OLD and NEW are each a report.json or the directory shadowctl report wrote it in.  Prints, as Markdown: "
    "the environment fields that differ; every ratio of the two reports' compare (ctor over slab, the scaling "
    "at 2 threads, each strategy's speedup over percpu) with the 95% interval each report's own rounds gave it, "
    "and whether the intervals are apart; and counts, not timings: percpu allocations per exec and per cycle, "
    "and waits for pcpu_alloc_mutex per exec and per cycle.  Timings are never compared across reports: "
    "the machines, or their load, may differ.  A part a report skipped shows as \"-\".",
    "Examples:\n"
    "  shadowctl diff report-6.1/ report-7.3/\n"
    "  shadowctl diff --json old/report.json new/report.json",
    "diff", 1};

DiffSide side_of(const Json& report, const std::string& source)
{
    DiffSide side;
    side.source = source;
    side.kernel_release = json_text(report, "kernel_release");
    side.date = json_text(report, "date");
    side.tool_version = json_text(report, "tool_version");
    const Json& quick = json_member(report, "quick");
    side.quick = quick.is_boolean() && quick.get<bool>();
    side.profile = json_text(json_member(json_member(report, "info"), "kernel_profile"), "basis");
    for (const Json& part : json_member(report, "parts"))
        if (json_text(part, "name") == "execbench" && json_text(part, "status") != "ran")
            side.execbench_not_run = json_text(part, "status") + ": " + json_text(part, "reason");
    return side;
}

// The report's environment: compare's, else info's, else the percpu run's.
const Json& environment_of(const Json& report)
{
    for (const char* part : {"compare", "info", "percpu_run"}) {
        const Json& environment = json_member(json_member(report, part), "environment");
        if (environment.is_object())
            return environment;
    }
    return json_member(report, "environment");
}

std::string leaf_text(const Json& value)
{
    if (value.is_null())
        return "-";
    if (value.is_string())
        return value.get<std::string>();
    if (value.is_boolean())
        return value.get<bool>() ? "yes" : "no";
    if (value.is_array()) {
        std::string out;
        for (const Json& element : value)
            out += (out.empty() ? "" : ",") + leaf_text(element);
        return out;
    }
    return value.dump();
}

// The environment as dotted keys.  Left out: kernel_release (in the
// heading), host_load (a different window in every run), and vm-run's
// host_load= file on the command line (a different path in every run); the
// warnings count, their text names this run's load.
std::map<std::string, std::string> flatten_environment(const Json& environment)
{
    static const std::regex host_load_file(R"(\s*vmrun\.host_load=\S*)");
    std::map<std::string, std::string> out;
    auto walk = [&out](auto& self, const Json& object, const std::string& prefix) -> void {
        for (const auto& [key, value] : object.items()) {
            const std::string name = prefix + key;
            if (name == "kernel_release" || name == "host_load")
                continue;
            if (name == "warnings")
                out[name] = fmt::format("{}", value.is_array() ? value.size() : 0);
            else if (value.is_object())
                self(self, value, name + ".");
            else if (name == "cmdline")
                out[name] = std::regex_replace(leaf_text(value), host_load_file, "");
            else
                out[name] = leaf_text(value);
        }
    };
    if (environment.is_object())
        walk(walk, environment, "");
    return out;
}

std::vector<DiffField> environment_differences(const Json& old_report, const Json& new_report)
{
    const auto old_fields = flatten_environment(environment_of(old_report));
    const auto new_fields = flatten_environment(environment_of(new_report));
    std::set<std::string> keys;
    for (const auto& [key, value] : old_fields)
        keys.insert(key);
    for (const auto& [key, value] : new_fields)
        keys.insert(key);
    std::vector<DiffField> out;
    for (const std::string& key : keys) {
        const auto o = old_fields.find(key);
        const auto n = new_fields.find(key);
        DiffField field{key, o == old_fields.end() ? "-" : o->second, n == new_fields.end() ? "-" : n->second};
        if (field.old_value != field.new_value)
            out.push_back(std::move(field));
    }
    return out;
}

// {value, ci95_low, ci95_high} of a compare ratio, or null.
Json ratio_of(const Json& ratio)
{
    if (!json_number(ratio, "value"))
        return nullptr;
    return {{"value", ratio.at("value")},
            {"ci95_low", json_member(ratio, "ci95_low")},
            {"ci95_high", json_member(ratio, "ci95_high")}};
}

std::string intervals_verdict(const Json& old_ratio, const Json& new_ratio)
{
    const auto old_low = json_number(old_ratio, "ci95_low"), old_high = json_number(old_ratio, "ci95_high");
    const auto new_low = json_number(new_ratio, "ci95_low"), new_high = json_number(new_ratio, "ci95_high");
    if (!old_low || !old_high || !new_low || !new_high)
        return {};
    if (*new_low > *old_high)
        return "higher";
    if (*new_high < *old_low)
        return "lower";
    return "overlap";
}

DiffRatio ratio_row(std::string name, std::string meaning, const Json& old_ratio, const Json& new_ratio)
{
    DiffRatio row{std::move(name), std::move(meaning), ratio_of(old_ratio), ratio_of(new_ratio), {}};
    row.intervals = intervals_verdict(row.old_ratio, row.new_ratio);
    return row;
}

std::vector<DiffRatio> ratio_rows(const Json& old_report, const Json& new_report)
{
    const Json& old_ratios = json_member(json_member(old_report, "compare"), "ratios");
    const Json& new_ratios = json_member(json_member(new_report, "compare"), "ratios");
    std::vector<DiffRatio> rows;
    for (const RatioMeaning& ratio : kReportRatios)
        rows.push_back(ratio_row(ratio.key, ratio.meaning, json_member(old_ratios, ratio.key),
                                 json_member(new_ratios, ratio.key)));
    // Every strategy's speedup over percpu, in either report (percpu's own is 1).
    std::set<std::string> keys;
    for (const Json* ratios : {&old_ratios, &new_ratios})
        for (const auto& [key, value] : json_member(*ratios, "speedup_over_percpu").items())
            if (key.rfind("percpu_", 0) != 0)
                keys.insert(key);
    for (const std::string& key : keys) {
        const std::string strategy = key.substr(0, key.rfind('_'));
        const std::string threads = key.substr(key.rfind('_') + 1);
        rows.push_back(ratio_row("speedup_over_percpu." + key,
                                 fmt::format("{}'s throughput over percpu's at {}", strategy,
                                             threads == "1t" ? "1 thread" : threads.substr(0, threads.size() - 1) +
                                                                                " threads"),
                                 json_member(json_member(old_ratios, "speedup_over_percpu"), key),
                                 json_member(json_member(new_ratios, "speedup_over_percpu"), key)));
    }
    return rows;
}

// A compare row's number, for the strategy at `threads`.
std::optional<double> row_number(const Json& report, const std::string& strategy, int threads, const std::string& key)
{
    for (const Json& row : json_member(json_member(report, "compare"), "rows"))
        if (json_text(row, "strategy") == strategy && json_number(row, "threads") == threads)
            return json_number(row, key);
    return std::nullopt;
}

// The percpu run's pcpu_alloc_mutex contentions per timed cycle.
std::optional<double> mutex_waits_per_cycle(const Json& report)
{
    const Json& run = json_member(report, "percpu_run");
    const auto cycles = json_number(run, "total_cycles");
    if (!cycles || *cycles <= 0)
        return std::nullopt;
    for (const Json& lock : json_member(json_member(run, "trace"), "locks"))
        if (json_text(lock, "name") == "pcpu_alloc_mutex")
            if (const auto contentions = json_number(lock, "contentions"))
                return *contentions / *cycles;
    return std::nullopt;
}

std::vector<DiffCount> count_rows(const Json& old_report, const Json& new_report)
{
    struct Getter {
        const char* name;
        const char* meaning;
        std::optional<double> (*get)(const Json& report);
    };
    static constexpr Getter kCounts[] = {
        {"exec.percpu_allocs", "percpu allocations per exec (execbench --trace, system-wide)",
         [](const Json& r) {
             return json_number(json_member(json_member(r, "execbench"), "trace_per_exec"), "percpu_allocs");
         }},
        {"exec.percpu_frees", "percpu frees per exec",
         [](const Json& r) {
             return json_number(json_member(json_member(r, "execbench"), "trace_per_exec"), "percpu_frees");
         }},
        {"exec.pcpu_alloc_mutex_waits", "waits for pcpu_alloc_mutex per exec",
         [](const Json& r) {
             return json_number(json_member(json_member(r, "execbench"), "trace_per_exec"),
                                "pcpu_alloc_mutex_contentions");
         }},
        {"percpu.percpu_allocs_per_cycle", "percpu allocations per cycle of the percpu strategy (the profile's)",
         [](const Json& r) { return row_number(r, "percpu", 1, "percpu_allocs_per_cycle"); }},
        {"ctor.percpu_allocs_per_cycle", "percpu allocations per cycle of ctor (0: the constructor kept them)",
         [](const Json& r) { return json_number(json_member(json_member(r, "compare"), "ratios"),
                                                "ctor_percpu_allocs_per_cycle"); }},
        {"ctor.retained_percpu_kb", "percpu memory ctor's constructed objects hold when idle, KiB",
         [](const Json& r) { return row_number(r, "ctor", 1, "retained_percpu_kb"); }},
        {"percpu_run.pcpu_alloc_mutex_waits", "waits for pcpu_alloc_mutex per cycle, percpu at 2 threads traced",
         mutex_waits_per_cycle},
        {"mm_struct_size", "sizeof(struct mm_struct), bytes",
         [](const Json& r) { return json_number(json_member(r, "info"), "mm_struct_size"); }},
    };
    std::vector<DiffCount> rows;
    for (const Getter& count : kCounts)
        rows.push_back({count.name, count.meaning, count.get(old_report), count.get(new_report)});
    return rows;
}

// How a conclusion names a side: its kernel where the kernels differ.
std::string label(const ReportDiff& diff, bool new_side)
{
    const DiffSide& side = new_side ? diff.new_side : diff.old_side;
    if (diff.old_side.kernel_release != diff.new_side.kernel_release && !side.kernel_release.empty())
        return side.kernel_release;
    return new_side ? "NEW" : "OLD";
}

std::string count_text(std::optional<double> value)
{
    if (!value)
        return "-";
    if (*value == static_cast<double>(static_cast<long long>(*value)))
        return fmt::format("{:.0f}", *value);
    return fmt::format("{:.4g}", *value);
}

const DiffCount* find_count(const ReportDiff& diff, const std::string& name)
{
    for (const DiffCount& count : diff.counts)
        if (count.name == name)
            return &count;
    return nullptr;
}

std::string side_line(const char* which, const DiffSide& side)
{
    return fmt::format("- {}: `{}`, {}, kernel {}, shadowctl {}{}{}\n", which, side.source, side.date,
                       side.kernel_release, side.tool_version, side.quick ? ", --quick (coarse figures)" : "",
                       side.profile.empty() ? "" : fmt::format("; profile {}", side.profile));
}

Json side_to_json(const DiffSide& side)
{
    return {{"source", side.source},
            {"kernel_release", side.kernel_release},
            {"date", side.date},
            {"tool_version", side.tool_version},
            {"quick", side.quick},
            {"profile", side.profile},
            {"execbench_not_run", side.execbench_not_run.empty() ? Json(nullptr) : Json(side.execbench_not_run)}};
}

int diff_command(const Invocation& invocation, const DiffOptions& options)
{
    const Json old_report = read_report(options.old_path);
    const Json new_report = read_report(options.new_path);
    const ReportDiff diff = diff_reports(old_report, options.old_path, new_report, options.new_path);
    emit(invocation.output, format_diff_markdown(diff), diff_to_json(diff));
    return kExitOk;
}

void add_diff_command(CLI::App& parent, Invocation& invocation, std::shared_ptr<DiffOptions> options)
{
    CLI::App* command = add_subcommand(parent, kHelp);
    command->add_option("OLD", options->old_path, "The first report: a report.json, or its directory")->required();
    command->add_option("NEW", options->new_path, "The second report, compared against OLD")->required();
    on_parse<DiffOptions>(*command, invocation, options, diff_command);
}

const SubcommandRegistration registration{"diff", add_diff_command};

}  // namespace

Json read_report(const std::string& path)
{
    std::error_code error;
    const std::string file =
        std::filesystem::is_directory(path, error) ? (std::filesystem::path(path) / "report.json").string() : path;
    errno = 0;
    std::ifstream in(file);
    if (!in)
        throw std::system_error(errno ? errno : EIO, std::generic_category(), "open " + file);
    std::stringstream content;
    content << in.rdbuf();
    Json report;
    try {
        report = Json::parse(content.str());
    } catch (const Json::parse_error& parse) {
        throw std::runtime_error(fmt::format("{}: not JSON ({})", file, parse.what()));
    }
    const std::string schema = json_text(report, "schema");
    const std::string report_schema = schema_name("report", 1);
    if (schema != report_schema)
        throw std::runtime_error(fmt::format("{}: not a report ({}): diff reads the report.json that shadowctl "
                                             "report writes, schema {}",
                                             file, schema.empty() ? "no schema" : "schema " + schema,
                                             report_schema));
    return report;
}

ReportDiff diff_reports(const Json& old_report, const std::string& old_source, const Json& new_report,
                        const std::string& new_source)
{
    ReportDiff diff;
    diff.old_side = side_of(old_report, old_source);
    diff.new_side = side_of(new_report, new_source);
    diff.environment = environment_differences(old_report, new_report);
    diff.ratios = ratio_rows(old_report, new_report);
    diff.counts = count_rows(old_report, new_report);
    return diff;
}

std::vector<std::string> diff_conclusions(const ReportDiff& diff)
{
    std::vector<std::string> out;
    const std::string old_name = label(diff, false), new_name = label(diff, true);
    if (const DiffCount* exec = find_count(diff, "exec.percpu_allocs"); exec && exec->old_value && exec->new_value)
        out.push_back(fmt::format("exec makes {} percpu allocations per exec on {} and {} on {}.",
                                  count_text(exec->old_value), old_name, count_text(exec->new_value), new_name));
    else if (exec && (exec->old_value || exec->new_value))
        out.push_back(fmt::format("exec makes {} percpu allocations per exec on {}; {} has no count (execbench {}).",
                                  count_text(exec->old_value ? exec->old_value : exec->new_value),
                                  exec->old_value ? old_name : new_name, exec->old_value ? new_name : old_name,
                                  exec->old_value ? diff.new_side.execbench_not_run : diff.old_side.execbench_not_run));
    for (const char* name : {"percpu.percpu_allocs_per_cycle", "ctor.retained_percpu_kb"})
        if (const DiffCount* count = find_count(diff, name);
            count && count->old_value && count->new_value && *count->old_value != *count->new_value)
            out.push_back(fmt::format("{}: {} on {}, {} on {}.", count->meaning, count_text(count->old_value),
                                      old_name, count_text(count->new_value), new_name));
    std::size_t overlapping = 0, compared = 0;
    for (const DiffRatio& ratio : diff.ratios) {
        if (ratio.intervals.empty())
            continue;
        ++compared;
        if (ratio.intervals == "overlap") {
            ++overlapping;
            continue;
        }
        out.push_back(fmt::format("{}: {} on {}, {} on {}: {}'s interval lies wholly {}.", ratio.meaning,
                                  ratio_text(ratio.old_ratio), old_name, ratio_text(ratio.new_ratio), new_name,
                                  new_name, ratio.intervals == "higher" ? "above" : "below"));
    }
    if (overlapping)
        out.push_back(fmt::format("{} of the {} ratios with intervals in both reports overlap: these rounds do not "
                                  "tell them apart.",
                                  overlapping, compared));
    for (const DiffField& field : diff.environment)
        if (field.key == "cpu_model" || field.key == "virtualization") {
            out.push_back("The reports ran on different CPUs or virtualisation: compare their ratios and counts, "
                          "never their timings.");
            break;
        }
    if (diff.old_side.quick || diff.new_side.quick)
        out.push_back("A report written with --quick has few, short rounds: wide intervals, coarse figures.");
    return out;
}

std::string format_diff_markdown(const ReportDiff& diff)
{
    std::string out = "# shadowslab reports compared\n\n";
    out += side_line("OLD", diff.old_side);
    out += side_line("NEW", diff.new_side);

    out += "\n## Conclusions\n\n";
    const std::vector<std::string> conclusions = diff_conclusions(diff);
    if (conclusions.empty())
        out += "None: the reports have no figure in common.\n";
    for (const std::string& conclusion : conclusions)
        out += "- " + conclusion + "\n";

    out += "\n## Environment\n\n";
    if (diff.environment.empty()) {
        out += "The same in every field recorded.\n";
    } else {
        std::vector<std::vector<std::string>> rows;
        for (const DiffField& field : diff.environment)
            rows.push_back({field.key, field.old_value, field.new_value});
        out += "The fields that differ:\n\n" + markdown_table({"field", "OLD", "NEW"}, rows);
    }

    out += "\n## Ratios\n\nEach within its own report, with the 95% interval its rounds gave it.  \"apart\": the "
           "intervals do not overlap.\n\n";
    std::vector<std::vector<std::string>> ratio_cells;
    for (const DiffRatio& ratio : diff.ratios) {
        const auto old_value = json_number(ratio.old_ratio, "value");
        const auto new_value = json_number(ratio.new_ratio, "value");
        ratio_cells.push_back({ratio.name, ratio_text(ratio.old_ratio), ratio_text(ratio.new_ratio),
                               old_value && new_value && *old_value != 0
                                   ? fmt::format("{:.2f}", *new_value / *old_value)
                                   : "-",
                               ratio.intervals.empty()       ? "-"
                               : ratio.intervals == "overlap" ? "overlap"
                                                              : "apart: NEW " + ratio.intervals});
    }
    out += markdown_table({"ratio", "OLD", "NEW", "NEW/OLD", "intervals"}, ratio_cells);

    out += "\n## Counts\n\nPer exec or per cycle, not timings.\n\n";
    std::vector<std::vector<std::string>> count_cells;
    for (const DiffCount& count : diff.counts)
        count_cells.push_back({count.name, count_text(count.old_value), count_text(count.new_value), count.meaning});
    out += markdown_table({"count", "OLD", "NEW", "what"}, count_cells);
    return out;
}

Json diff_to_json(const ReportDiff& diff)
{
    Json environment = Json::array();
    for (const DiffField& field : diff.environment)
        environment.push_back({{"key", field.key}, {"old", field.old_value}, {"new", field.new_value}});
    Json ratios = Json::array();
    for (const DiffRatio& ratio : diff.ratios) {
        const auto old_value = json_number(ratio.old_ratio, "value");
        const auto new_value = json_number(ratio.new_ratio, "value");
        ratios.push_back({{"name", ratio.name},
                          {"meaning", ratio.meaning},
                          {"old", ratio.old_ratio},
                          {"new", ratio.new_ratio},
                          {"new_over_old", old_value && new_value && *old_value != 0
                                               ? Json(*new_value / *old_value)
                                               : Json(nullptr)},
                          {"intervals", ratio.intervals.empty() ? Json(nullptr) : Json(ratio.intervals)}});
    }
    Json counts = Json::array();
    for (const DiffCount& count : diff.counts)
        counts.push_back({{"name", count.name},
                          {"meaning", count.meaning},
                          {"old", json_or_null(count.old_value)},
                          {"new", json_or_null(count.new_value)}});
    return {{"schema", schema_name("diff", 1)}, {"old", side_to_json(diff.old_side)},
            {"new", side_to_json(diff.new_side)}, {"environment", environment},
            {"ratios", ratios},                   {"counts", counts},
            {"conclusions", diff_conclusions(diff)}};
}

}  // namespace shadowctl
