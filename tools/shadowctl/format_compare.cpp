#include "format_compare.hpp"

#include <optional>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "format_util.hpp"
#include "text_table.hpp"

namespace shadowctl {

namespace {

using shadowslab::CompareReport;
using shadowslab::CompareRow;

using FieldValue = std::variant<std::string, std::uint64_t, double, std::optional<double>>;

struct Field {
    std::string key;  // a string: compare --trace's keys are built
    FieldValue value;
};

std::optional<double> warmup_allocs_per_cycle(const CompareRow& row)
{
    if (row.warmup_cycles == 0)
        return std::nullopt;
    return row.warmup_percpu_allocs_per_cycle();
}

// compare --trace's keys, appended to a row's (see compare_trace.hpp).
void append_trace_fields(std::vector<Field>& fields, const CompareTrace& trace, const CompareRow& row)
{
    const CompareTraceRow* traced = trace.find(row.strategy, row.threads);
    const CompareTraceRow none;
    const CompareTraceRow& values = traced ? *traced : none;
    for (std::size_t i = 0; i < trace.locks().size(); ++i) {
        const std::string name = key_name(trace.locks()[i].name);
        const shadowslab::tracer::LockCounters counters =
            i < values.locks.size() ? values.locks[i] : shadowslab::tracer::LockCounters{};
        fields.push_back({"trace_" + name + "_begin_events", counters.begin_events});
        fields.push_back({"trace_" + name + "_contentions", counters.contentions});
        fields.push_back({"trace_" + name + "_wait_ns", counters.wait_ns_total});
    }
    fields.push_back({"trace_percpu_allocs", values.percpu.allocs});
    fields.push_back({"trace_percpu_frees", values.percpu.frees});
    fields.push_back({"trace_shadowslab_percpu_allocs", values.module_allocs});
    fields.push_back({"trace_shadowslab_percpu_frees", values.module_frees});
    fields.push_back({"trace_percpu_allocs_per_cycle", shadowslab::per_cycle(values.percpu.allocs, row.cycles)});
    fields.push_back({"trace_timed_ns", values.timed_ns});
}

// The one definition of a row's keys and values, for JSON and CSV alike.
std::vector<Field> row_fields(const shadowslab::CompareResult& result, const CompareRow& row,
                              const CompareTrace* trace = nullptr)
{
    std::vector<Field> fields{
        {"strategy", shadowslab::to_string(row.strategy)},
        {"threads", std::uint64_t{row.threads}},
        {"runs", std::uint64_t{row.runs}},
        {"cycles", row.cycles},
        {"elapsed_ns", row.elapsed_ns},
        {"cycles_per_sec", row.cycles_per_second()},
        {"ns_per_cycle_mean", row.mean_ns_per_cycle()},
        {"ns_per_cycle_p50", row.ns_per_cycle_percentile(50)},
        {"ns_per_cycle_p99", row.ns_per_cycle_percentile(99)},
        {"samples", row.histogram.total()},
        {"speedup_over_percpu", result.speedup_over_percpu(row)},
        {"cost_over_slab", result.cost_over_slab(row)},
        {"percpu_allocs_per_cycle", row.percpu_allocs_per_cycle()},
        {"percpu_frees_per_cycle", row.percpu_frees_per_cycle()},
        {"warmup_percpu_allocs_per_cycle", warmup_allocs_per_cycle(row)},
    };
    if (trace)
        append_trace_fields(fields, *trace, row);
    return fields;
}

// compare --trace's table: per row, each lock's contentions and total wait,
// and the allocator's events, over the row's timed phases.
std::string format_trace_table(const CompareReport& report, const CompareTrace& trace)
{
    using Align = TextTable::Align;
    std::vector<TextTable::Column> columns{{"strategy", Align::left}, {"threads", Align::right}};
    for (const shadowslab::tracer::TracedLock& lock : trace.locks())
        columns.push_back({lock.name, Align::right});
    for (const char* header : {"percpu allocs", "frees", "from shadowslab"})
        columns.push_back({header, Align::right});
    TextTable table(std::move(columns));
    for (const CompareRow* row : report.result.completed_rows()) {
        const CompareTraceRow* traced = trace.find(row->strategy, row->threads);
        std::vector<std::string> cells{shadowslab::to_string(row->strategy), fmt::format("{}", row->threads)};
        for (std::size_t i = 0; i < trace.locks().size(); ++i)
            cells.push_back(traced && i < traced->locks.size()
                                ? fmt::format("{} / {}", traced->locks[i].contentions,
                                              duration(traced->locks[i].wait_ns_total))
                                : "-");
        cells.push_back(traced ? fmt::format("{}", traced->percpu.allocs) : "-");
        cells.push_back(traced ? fmt::format("{}", traced->percpu.frees) : "-");
        cells.push_back(traced ? fmt::format("{}", traced->module_allocs) : "-");
        table.add_row(std::move(cells));
    }
    return "tracer, timed phases of all rounds: contentions / total wait per lock, percpu allocs and\n"
           "frees seen (all callers), allocs from shadowslab call sites\n" +
           table.render();
}

Json to_json(const FieldValue& value)
{
    return std::visit(
        [](const auto& v) -> Json {
            if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::optional<double>>)
                return json_or_null(v);
            else
                return v;
        },
        value);
}

std::string to_csv(const FieldValue& value)
{
    return std::visit(
        [](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::optional<double>>)
                return v ? fmt::format("{}", *v) : std::string();
            else
                return fmt::format("{}", v);
        },
        value);
}

struct RatioLine {
    std::string_view name;
    std::optional<double> value;
    int decimals;
    std::string_view target;  // empty: informational only
    std::optional<bool> met;
    std::string_view needs;   // rows needed when value is missing
};

std::optional<bool> at_most(std::optional<double> value, double limit)
{
    return value ? std::optional<bool>(*value <= limit) : std::nullopt;
}

std::optional<bool> at_least(std::optional<double> value, double limit)
{
    return value ? std::optional<bool>(*value >= limit) : std::nullopt;
}

std::vector<RatioLine> ratio_lines(const shadowslab::CompareRatios& ratios)
{
    return {
        {"ctor_over_slab_1t", ratios.ctor_over_slab_1t, 2, "<= 1.25",
         at_most(ratios.ctor_over_slab_1t, shadowslab::kCtorOverSlabTarget), "ctor and slab at 1 thread"},
        {"ctor_scaling_2t", ratios.ctor_scaling_2t, 2, ">= 1.7",
         at_least(ratios.ctor_scaling_2t, shadowslab::kCtorScalingTarget), "ctor at 1 and 2 threads"},
        {"percpu_scaling_2t", ratios.percpu_scaling_2t, 2, "", std::nullopt, "percpu at 1 and 2 threads"},
        {"ctor_percpu_allocs_per_cycle", ratios.ctor_percpu_allocs_per_cycle, 3, "0",
         at_most(ratios.ctor_percpu_allocs_per_cycle, shadowslab::kCtorPercpuAllocsTarget), "a ctor row"},
    };
}

std::string run_length(const shadowslab::CompareMeta& meta)
{
    return meta.cycles ? fmt::format("{} cycles per thread", meta.cycles) : duration(meta.duration_ns);
}

}  // namespace

std::string format_compare_table(const CompareReport& report, const CompareTrace* trace)
{
    const shadowslab::CompareMeta& meta = report.meta;
    std::string text = fmt::format("profile {}, kernel {}, module {}, CPUs {}\n", shadowslab::describe(meta.profile),
                                   meta.kernel_release, meta.module_version, meta.cpus);
    text += fmt::format("{} round{} of {} per run, warm-up {} cycles per thread\n", meta.rounds,
                        meta.rounds == 1 ? "" : "s", run_length(meta), meta.warmup_cycles);
    if (meta.cancelled)
        text += "CANCELLED: partial results, only completed runs are counted\n";
    text += '\n';

    using Align = TextTable::Align;
    TextTable table({{"strategy", Align::left},
                     {"threads", Align::right},
                     {"cycles/s", Align::right},
                     {"p50 ns", Align::right},
                     {"p99 ns", Align::right},
                     {"vs percpu", Align::right},
                     {"vs slab", Align::right},
                     {"allocs/cycle", Align::right}});
    const auto times = [](std::optional<double> ratio) { return ratio ? fixed(ratio, 2) + "x" : "-"; };
    for (const CompareRow* row : report.result.completed_rows())
        table.add_row({shadowslab::to_string(row->strategy), fmt::format("{}", row->threads),
                       fmt::format("{:.0f}", row->cycles_per_second()), fixed(row->ns_per_cycle_percentile(50), 0),
                       fixed(row->ns_per_cycle_percentile(99), 0), times(report.result.speedup_over_percpu(*row)),
                       times(report.result.cost_over_slab(*row)), fmt::format("{:.3f}", row->percpu_allocs_per_cycle())});
    text += table.render();
    text += "cycles/s: all threads together.  p50/p99 ns: one cycle's cost.  vs percpu: speedup\n"
            "over percpu at the same threads.  vs slab: cost per cycle in multiples of the slab\n"
            "floor's.  allocs/cycle: percpu allocations per timed cycle.\n\n";
    TextTable ratios({{"ratio", Align::left}, {"value", Align::right}, {"target", Align::left}, {"", Align::left}});
    for (const RatioLine& line : ratio_lines(report.result.ratios())) {
        std::string verdict;
        if (!line.value)
            verdict = fmt::format("(needs {})", line.needs);
        else if (line.met)
            verdict = *line.met ? "ok" : "MISSED";
        ratios.add_row({std::string(line.name), fixed(line.value, line.decimals),
                        line.target.empty() ? "" : std::string(line.target), verdict});
    }
    text += ratios.render();
    if (trace)
        text += "\n" + format_trace_table(report, *trace);
    return text;
}

Json compare_to_json(const CompareReport& report, const CompareTrace* trace)
{
    const shadowslab::CompareMeta& meta = report.meta;
    std::vector<std::string> strategies;
    for (const shadowslab::Strategy strategy : meta.strategies)
        strategies.push_back(shadowslab::to_string(strategy));

    Json rows = Json::array();
    for (const CompareRow* row : report.result.completed_rows()) {
        Json object = Json::object();
        for (const Field& field : row_fields(report.result, *row, trace))
            object[std::string(field.key)] = to_json(field.value);
        rows.push_back(std::move(object));
    }

    Json ratios = Json::object();
    Json targets_met = Json::object();
    for (const RatioLine& line : ratio_lines(report.result.ratios())) {
        ratios[std::string(line.name)] = json_or_null(line.value);
        if (!line.target.empty())
            targets_met[std::string(line.name)] = line.met ? Json(*line.met) : Json(nullptr);
    }

    Json json = {
        {"schema", "shadowslab-compare/1"},
        {"meta",
         {
             {"date", meta.date},
             {"kernel_release", meta.kernel_release},
             {"module_version", meta.module_version},
             {"abi_version", meta.abi_version},
             {"tool_version", SHADOWCTL_VERSION},
             {"cpus", meta.cpus},
             {"online_cpus", meta.online_cpus},
             {"possible_cpus", meta.possible_cpus},
             {"profile", profile_to_json(meta.profile)},
             {"strategies", strategies},
             {"threads", meta.thread_counts},
             {"rounds", meta.rounds},
             {"cycles", meta.cycles},
             {"duration_ns", meta.duration_ns},
             {"warmup_cycles", meta.warmup_cycles},
             {"magazine_size", meta.magazine_size},
             {"sample_shift", meta.sample_shift},
             {"cancelled", meta.cancelled},
         }},
        {"rows", rows},
        {"ratios", ratios},
        {"targets_met", targets_met},
    };
    if (trace) {
        Json locks = Json::array();
        for (const shadowslab::tracer::TracedLock& lock : trace->locks())
            locks.push_back({{"name", lock.name}, {"address", fmt::format("0x{:x}", lock.address)}});
        json["meta"]["trace"] = {{"locks", locks}, {"segment", "timed_phase"}};
    }
    return json;
}

std::string format_compare_csv(const CompareReport& report, const CompareTrace* trace)
{
    const CompareRow header_row;
    std::vector<std::string> keys;
    for (const Field& field : row_fields(report.result, header_row, trace))
        keys.push_back(field.key);
    std::string csv = fmt::format("{}\n", fmt::join(keys, ","));
    for (const CompareRow* row : report.result.completed_rows()) {
        std::vector<std::string> values;
        for (const Field& field : row_fields(report.result, *row, trace))
            values.push_back(to_csv(field.value));
        csv += fmt::format("{}\n", fmt::join(values, ","));
    }
    return csv;
}

}  // namespace shadowctl
