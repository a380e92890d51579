#include "compare/compare_output.hpp"

#include <map>
#include <type_traits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/table.hpp"

namespace shadowctl {

namespace {

using shadowslab::CompareReport;
using shadowslab::CompareResult;
using shadowslab::CompareRow;
using shadowslab::Ratio;
using shadowslab::Spread;

// A column expanded into scalars, for JSON and CSV.
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

void append_spread(std::vector<Field>& fields, const std::string& key, const std::optional<Spread>& spread)
{
    const auto part = [&spread](double Spread::*member) {
        return spread ? std::optional<double>(*spread.*member) : std::nullopt;
    };
    fields.push_back({key, part(&Spread::mean)});
    fields.push_back({key + "_stddev", part(&Spread::stddev)});
    fields.push_back({key + "_min", part(&Spread::min)});
    fields.push_back({key + "_max", part(&Spread::max)});
    fields.push_back({key + "_cv", spread ? std::optional<double>(spread->cv()) : std::nullopt});
}

void append_ratio(std::vector<Field>& fields, const std::string& key, const std::optional<Ratio>& ratio)
{
    fields.push_back({key, ratio ? std::optional<double>(ratio->value) : std::nullopt});
    fields.push_back({key + "_ci95_low", ratio ? ratio->low : std::nullopt});
    fields.push_back({key + "_ci95_high", ratio ? ratio->high : std::nullopt});
}

// A column's value as JSON and CSV scalars.
void append_column(std::vector<Field>& fields, const std::string& key, const ColumnValue& value)
{
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, Spread>)
                append_spread(fields, key, v);
            else if constexpr (std::is_same_v<T, std::optional<Spread>>)
                append_spread(fields, key, v);
            else if constexpr (std::is_same_v<T, std::optional<Ratio>>)
                append_ratio(fields, key, v);
            else
                fields.push_back({key, v});
        },
        value);
}

// A column's value in the text table.
std::string text_cell(const ColumnValue& value, int decimals)
{
    return std::visit(
        [decimals](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string>)
                return v;
            else if constexpr (std::is_same_v<T, std::uint64_t>)
                return fmt::format("{}", v);
            else if constexpr (std::is_same_v<T, double>)
                return fixed(v, decimals);
            else if constexpr (std::is_same_v<T, std::optional<double>>)
                return fixed(v, decimals);
            else if constexpr (std::is_same_v<T, Spread>)
                return format_spread(v, decimals);
            else if constexpr (std::is_same_v<T, std::optional<Spread>>)
                return v ? format_spread(*v, decimals) : "-";
            else
                return v ? fixed(v->value, decimals) + "x" : "-";
        },
        value);
}

// Contentions of pcpu_alloc_mutex per timed cycle of the row (null when the
// tracer found no such lock).
std::optional<double> pcpu_alloc_mutex_waits_per_cycle(const CompareTrace& trace, const CompareRow& row)
{
    const CompareTraceRow* traced = trace.find(row.strategy, row.threads);
    for (std::size_t i = 0; i < trace.locks().size(); ++i)
        if (trace.locks()[i].name == "pcpu_alloc_mutex")
            return traced && i < traced->locks.size()
                       ? shadowslab::per_cycle(traced->locks[i].contentions, row.cycles)
                       : 0.0;
    return std::nullopt;
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
    fields.push_back({"trace_pcpu_alloc_mutex_waits_per_cycle", pcpu_alloc_mutex_waits_per_cycle(trace, row)});
}

// The one definition of a row's keys and values, for JSON and CSV alike.
std::vector<Field> row_fields(const CompareResult& result, const CompareRow& row, const CompareTrace* trace)
{
    std::vector<Field> fields;
    for (const CompareColumn& column : compare_columns())
        append_column(fields, column.key, column.value(result, row));
    if (trace)
        append_trace_fields(fields, *trace, row);
    return fields;
}

Json round_figures_json(const CompareRow& row)
{
    Json rounds = Json::array();
    for (const shadowslab::RoundFigures& round : row.rounds)
        rounds.push_back({{"round", round.round},
                          {"cycles_per_sec", round.cycles_per_sec},
                          {"ns_per_cycle_mean", round.ns_per_cycle_mean},
                          {"ns_per_cycle_p50", json_or_null(round.ns_per_cycle_p50)},
                          {"ns_per_cycle_p99", json_or_null(round.ns_per_cycle_p99)}});
    return rounds;
}

// compare --trace's table: per row, each lock's contentions and total wait,
// and the allocator's events, over the row's timed phases.
std::string format_trace_table(const CompareReport& report, const CompareTrace& trace)
{
    using Align = TextTable::Align;
    std::vector<TextTable::Column> columns{{"strategy", Align::left}, {"threads", Align::right}};
    for (const shadowslab::tracer::TracedLock& lock : trace.locks())
        columns.push_back({lock.name, Align::right});
    for (const char* header : {"percpu allocs", "frees", "from shadowslab", "mutex waits/cycle"})
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
        cells.push_back(fixed(pcpu_alloc_mutex_waits_per_cycle(trace, *row), 3));
        table.add_row(std::move(cells));
    }
    return "tracer, timed phases of all rounds: contentions / total wait per lock, percpu allocs and\n"
           "frees seen (all callers), allocs from shadowslab call sites, pcpu_alloc_mutex\n"
           "contentions per cycle\n" +
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
    std::string name;
    std::optional<Ratio> ratio;
    std::string needs;  // rows needed when the ratio is missing
};

std::vector<RatioLine> ratio_lines(const shadowslab::CompareRatios& ratios)
{
    return {
        {"ctor_over_slab_1t", ratios.ctor_over_slab_1t, "ctor and slab at 1 thread"},
        {"ctor_scaling_2t", ratios.ctor_scaling_2t, "ctor at 1 and 2 threads"},
        {"percpu_scaling_2t", ratios.percpu_scaling_2t, "percpu at 1 and 2 threads"},
    };
}

Json ratio_json(const std::optional<Ratio>& ratio)
{
    if (!ratio)
        return nullptr;
    return {{"value", ratio->value},
            {"ci95_low", json_or_null(ratio->low)},
            {"ci95_high", json_or_null(ratio->high)},
            {"rounds", ratio->per_round}};
}

std::string run_length(const shadowslab::CompareMeta& meta)
{
    return meta.cycles ? fmt::format("{} cycles per thread", meta.cycles) : duration(meta.duration_ns);
}

std::string model_line(const shadowslab::CompareMeta& meta)
{
    return fmt::format("live {}, {} frees, check_mm {}; shadow cache: {}, retain {}; lazy: multi-threaded share {}\n",
                       meta.live, meta.remote_free ? "remote" : "local", meta.check ? "on" : "off",
                       meta.no_magazines ? "no magazines" : "magazines", shadowslab::to_string(meta.retain),
                       static_cast<double>(meta.mt_fraction_ppm) / shadowslab::kPpm);
}

// What the runs charged the caller's memcg, and what the model cannot charge.
std::string memcg_note(const CompareReport& report)
{
    std::uint64_t ino = 0;
    for (const CompareRow* row : report.result.completed_rows())
        ino = ino ? ino : row->memcg_ino;
    std::string text =
        ino ? fmt::format("memcg: the workers charged cgroup inode {} (see memcg_charged in JSON and CSV).\n", ino)
            : "memcg: nothing charged (run from the root cgroup, or kernel memory not charged).\n";
    if (!(report.meta.features & SHADOWSLAB_FEAT_PERCPU_CHARGE))
        text += "ctor and stash do not pay the RFC's per-use percpu charge (percpu_counter_charge_many()):\n"
                "this kernel exports no way to charge percpu memory without allocating it.\n";
    return text;
}

Json ratio_map_json(const std::map<std::string, Ratio>& ratios)
{
    Json json = Json::object();
    for (const auto& [key, ratio] : ratios)
        json[key] = ratio_json(ratio);
    return json;
}

std::string ratios_table(const shadowslab::CompareRatios& ratios)
{
    using Align = TextTable::Align;
    TextTable table({{"ratio", Align::left}, {"value", Align::right}, {"95% CI", Align::left},
                     {"by round", Align::left}});
    for (const RatioLine& line : ratio_lines(ratios)) {
        if (!line.ratio) {
            table.add_row({line.name, "-", fmt::format("(needs {})", line.needs)});
            continue;
        }
        const Ratio& ratio = *line.ratio;
        std::vector<std::string> rounds;
        for (const double value : ratio.per_round)
            rounds.push_back(fmt::format("{:.2f}", value));
        table.add_row({line.name, fixed(ratio.value, 2),
                       ratio.low ? fmt::format("{:.2f} to {:.2f}", *ratio.low, *ratio.high) : "- (one round)",
                       fmt::format("{}", fmt::join(rounds, " "))});
    }
    table.add_row({"ctor_percpu_allocs_per_cycle", fixed(ratios.ctor_percpu_allocs_per_cycle, 3),
                   ratios.ctor_percpu_allocs_per_cycle ? "" : "(needs a ctor row)"});
    return table.render();
}

}  // namespace

const std::vector<CompareColumn>& compare_columns()
{
    // clang-format off
    static const std::vector<CompareColumn> columns{
        {"strategy", "strategy", 0, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return shadowslab::to_string(row.strategy); }},
        {"threads", "threads", 0, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return std::uint64_t{row.threads}; }},
        {"runs", "", 0, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return std::uint64_t{row.runs}; }},
        {"cycles", "", 0, [](const CompareResult&, const CompareRow& row) -> ColumnValue { return row.cycles; }},
        {"elapsed_ns", "", 0, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return row.elapsed_ns; }},
        {"cycles_per_sec", "cycles/s", 0, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return row.cycles_per_second(); }},
        {"ns_per_cycle_mean", "", 0, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return row.mean_ns_per_cycle(); }},
        {"ns_per_cycle_p50", "p50 ns", 0, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return row.ns_per_cycle_p50(); }},
        {"ns_per_cycle_p99", "p99 ns", 0, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return row.ns_per_cycle_p99(); }},
        {"samples", "", 0, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return row.histogram.total(); }},
        {"speedup_over_percpu", "vs percpu", 2, [](const CompareResult& result, const CompareRow& row) -> ColumnValue {
             return result.speedup_over_percpu(row); }},
        {"cost_over_slab", "vs slab", 2, [](const CompareResult& result, const CompareRow& row) -> ColumnValue {
             return result.cost_over_slab(row); }},
        {"percpu_allocs_per_cycle", "allocs/cycle", 3, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return row.percpu_allocs_per_cycle(); }},
        {"percpu_frees_per_cycle", "", 3, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return row.percpu_frees_per_cycle(); }},
        {"warmup_percpu_allocs_per_cycle", "", 3, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return warmup_allocs_per_cycle(row); }},
        {"ctor_calls_per_cycle", "", 3, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return row.ctor_calls_per_cycle(); }},
        {"dtor_calls_per_cycle", "dtor/cycle", 3, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return row.dtor_calls_per_cycle(); }},
        {"ctor_ns_per_cycle", "ctor ns", 0, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return row.ctor_ns_per_cycle(); }},
        {"dtor_ns_per_cycle", "dtor ns", 0, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return row.dtor_ns_per_cycle(); }},
        {"remote_frees_per_cycle", "", 3, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return shadowslab::per_cycle(row.remote_frees, row.cycles); }},
        {"mt_upgrades_per_cycle", "", 3, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return shadowslab::per_cycle(row.mt_upgrades, row.cycles); }},
        {"retained_percpu_kb", "kept KiB", 1, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return row.retained_percpu_kb(); }},
        {"check_failures", "", 0, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return row.check_failures; }},
        {"memcg_charged", "", 0, [](const CompareResult&, const CompareRow& row) -> ColumnValue {
             return shadowslab::memcg_charged(row.strategy, row.memcg_ino); }},
    };
    // clang-format on
    return columns;
}

std::string format_spread(const Spread& spread, int decimals)
{
    if (spread.n < 2)
        return fixed(spread.mean, decimals);
    return fmt::format("{:.{}f} +-{:.1f}%", spread.mean, decimals, spread.error_percent());
}

std::string format_compare_table(const CompareOutcome& outcome)
{
    const CompareReport& report = outcome.report;
    const shadowslab::CompareMeta& meta = report.meta;
    std::string text = fmt::format("profile {}, kernel {}, module {}, CPUs {}\n", shadowslab::describe(meta.profile),
                                   meta.kernel_release, meta.module_version, meta.cpus);
    text += fmt::format("{} round{} of {} per run, warm-up {} cycles per thread\n", meta.rounds,
                        meta.rounds == 1 ? "" : "s", run_length(meta), meta.warmup_cycles);
    text += model_line(meta);
    text += format_environment(outcome.environment);
    text += format_warnings(outcome.environment.warnings);
    if (meta.cancelled)
        text += "CANCELLED: partial results, only completed runs are counted\n";
    text += '\n';

    using Align = TextTable::Align;
    std::vector<TextTable::Column> headers;
    for (const CompareColumn& column : compare_columns())
        if (!column.header.empty())
            headers.push_back({column.header, column.key == "strategy" ? Align::left : Align::right});
    TextTable table(std::move(headers));
    for (const CompareRow* row : report.result.completed_rows()) {
        std::vector<std::string> cells;
        for (const CompareColumn& column : compare_columns())
            if (!column.header.empty())
                cells.push_back(text_cell(column.value(report.result, *row), column.decimals));
        table.add_row(std::move(cells));
    }
    text += table.render();
    text += "cycles/s: all threads together.  p50/p99 ns: one cycle's cost.  Each the mean over the\n"
            "rounds; +-: the standard error of that mean in % of it, as perf stat -r prints it.\n"
            "vs percpu: speedup over percpu at the same threads.  vs slab: cost per cycle in multiples\n"
            "of the slab floor's.  allocs/cycle, dtor/cycle: percpu allocations and destructor calls\n"
            "per timed cycle.  ctor ns, dtor ns: time spent setting up and tearing down objects' percpu\n"
            "memory, per cycle.  kept KiB: percpu memory the strategy holds when idle.\n";
    text += memcg_note(report) + "\n";
    text += ratios_table(report.result.ratios());
    text += "95% CI: the confidence interval of the ratio of the means, from the rounds (each round\n"
            "measures both sides, so drift they share cancels).\n";
    if (outcome.trace)
        text += "\n" + format_trace_table(report, *outcome.trace);
    return text;
}

Json compare_to_json(const CompareOutcome& outcome)
{
    const CompareReport& report = outcome.report;
    const CompareTrace* trace = outcome.trace ? &*outcome.trace : nullptr;
    const shadowslab::CompareMeta& meta = report.meta;
    std::vector<std::string> strategies;
    for (const shadowslab::Strategy strategy : meta.strategies)
        strategies.push_back(shadowslab::to_string(strategy));

    Json rows = Json::array();
    for (const CompareRow* row : report.result.completed_rows()) {
        Json object = Json::object();
        for (const Field& field : row_fields(report.result, *row, trace))
            object[field.key] = to_json(field.value);
        object["rounds"] = round_figures_json(*row);
        rows.push_back(std::move(object));
    }

    const shadowslab::CompareRatios computed = report.result.ratios();
    Json ratios = Json::object();
    for (const RatioLine& line : ratio_lines(computed))
        ratios[line.name] = ratio_json(line.ratio);
    ratios["ctor_percpu_allocs_per_cycle"] = json_or_null(computed.ctor_percpu_allocs_per_cycle);
    ratios["speedup_over_percpu"] = ratio_map_json(computed.speedup_over_percpu);
    ratios["cost_over_slab"] = ratio_map_json(computed.cost_over_slab);

    Json json = {
        {"schema", schema_name("compare", 2)},
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
             {"live", meta.live},
             {"remote_free", meta.remote_free},
             {"no_magazines", meta.no_magazines},
             {"check", meta.check},
             {"retain", shadowslab::to_string(meta.retain)},
             {"mt_fraction", static_cast<double>(meta.mt_fraction_ppm) / shadowslab::kPpm},
             {"features", shadowslab::feature_names(meta.features)},
             {"percpu_charge", (meta.features & SHADOWSLAB_FEAT_PERCPU_CHARGE) != 0},
             {"cancelled", meta.cancelled},
         }},
        {"environment", environment_to_json(outcome.environment)},
        {"rows", rows},
        {"ratios", ratios},
    };
    if (trace) {
        Json locks = Json::array();
        for (const shadowslab::tracer::TracedLock& lock : trace->locks())
            locks.push_back({{"name", lock.name}, {"address", fmt::format("0x{:x}", lock.address)}});
        json["meta"]["trace"] = {{"locks", locks}, {"segment", "timed_phase"}};
    }
    return json;
}

std::string format_compare_csv(const CompareOutcome& outcome)
{
    const CompareReport& report = outcome.report;
    const CompareTrace* trace = outcome.trace ? &*outcome.trace : nullptr;
    std::vector<std::string> keys;
    for (const Field& field : row_fields(report.result, CompareRow{}, trace))
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

Plot compare_plot(const CompareReport& report)
{
    const shadowslab::CompareMeta& meta = report.meta;
    Plot plot;
    plot.title = fmt::format("shadowslab: throughput by strategy, profile {}, kernel {} (bars: min to max over {} "
                             "round{})",
                             shadowslab::describe(meta.profile), meta.kernel_release, meta.rounds,
                             meta.rounds == 1 ? "" : "s");
    plot.x_label = "threads (one pinned kthread per CPU)";
    plot.y_label = "cycles/s, all threads";
    for (const shadowslab::Strategy strategy : meta.strategies) {
        PlotSeries series{shadowslab::to_string(strategy), {}};
        for (const CompareRow* row : report.result.completed_rows())
            if (row->strategy == strategy) {
                const Spread throughput = row->cycles_per_second();
                series.points.push_back({static_cast<double>(row->threads), throughput.mean,
                                         throughput.n > 1 ? std::optional<double>(throughput.min) : std::nullopt,
                                         throughput.n > 1 ? std::optional<double>(throughput.max) : std::nullopt});
            }
        plot.series.push_back(std::move(series));
    }
    return plot;
}

}  // namespace shadowctl
