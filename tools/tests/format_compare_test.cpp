#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "compare/compare_output.hpp"
#include "sample_results.hpp"

using shadowctl::CompareOutcome;
using shadowctl::compare_to_json;
using shadowctl::format_compare_csv;
using shadowctl::format_compare_table;
using shadowctl::Json;

namespace {

std::vector<std::string> lines(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

std::vector<std::string> csv_fields(const std::string& line)
{
    std::vector<std::string> fields;
    std::istringstream in(line);
    for (std::string field; std::getline(in, field, ',');)
        fields.push_back(field);
    if (!line.empty() && line.back() == ',')
        fields.emplace_back();
    return fields;
}

// The line of the table or CSV that starts with `start`, or "".
std::string line_starting(const std::string& text, const std::string& start)
{
    for (const std::string& line : lines(text))
        if (line.rfind(start, 0) == 0)
            return line;
    return {};
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

CompareOutcome outcome(shadowslab::CompareReport report = testdata::report())
{
    CompareOutcome outcome;
    outcome.report = std::move(report);
    outcome.environment.kernel_release = "6.6.30";
    outcome.environment.clocksource = "tsc";
    return outcome;
}

// One row of `strategy` at 1 thread, one round.
shadowslab::CompareReport single_row(shadowslab::Strategy strategy, std::uint64_t cycles = 100,
                                     std::uint64_t allocs = 0)
{
    shadowslab::CompareReport report = testdata::report();
    report.result = shadowslab::CompareResult({strategy}, {1});
    report.result.add(strategy, 1, testdata::run(cycles, 1000, 1, allocs), 0, 0);
    return report;
}

}  // namespace

TEST(CompareTable, OneLinePerRowWithItsSpread)
{
    const std::string table = format_compare_table(outcome());
    EXPECT_TRUE(has(table, "profile kernel, kernel 6.6.30, module 0.1, CPUs 0-1")) << table;
    EXPECT_TRUE(has(table, "2 rounds of 1.000 s per run, warm-up 1000 cycles per thread")) << table;
    EXPECT_TRUE(has(table, "clocksource   tsc\n")) << table;
    EXPECT_TRUE(has(table, "live 1, local frees, check_mm on; shadow cache: magazines, retain partial:5; lazy: "
                           "multi-threaded share 0.1\n"))
        << table;
    EXPECT_TRUE(line_starting(table, "strategy  threads").ends_with("allocs/cycle  dtor/cycle  ctor ns  dtor ns  kept KiB"))
        << table;
    EXPECT_TRUE(has(table, "memcg: nothing charged")) << table;
    EXPECT_TRUE(has(table, "ctor and stash do not pay the RFC's per-use percpu charge")) << table;
    // ctor at 2 threads: 350000 and 370000 cycles/s, a standard error of
    // 10000 (2.8% of the mean); 3x percpu, 1.11x the floor's cost, no
    // percpu allocs, no destructor calls, nothing kept.
    const std::string ctor2 = line_starting(table, "ctor            2");
    EXPECT_TRUE(has(ctor2, " 360000 +-2.8% ")) << table;
    EXPECT_TRUE(has(ctor2, " 3.00x ")) << ctor2;
    EXPECT_TRUE(has(ctor2, " 1.11x ")) << ctor2;
    EXPECT_TRUE(ctor2.ends_with(" 0.000       0.000        0        0       0.0")) << ctor2;
    EXPECT_TRUE(has(line_starting(table, "percpu          1"), " 100000 +-10.0% ")) << table;
    EXPECT_TRUE(has(line_starting(table, "percpu          1"), " 2.000 ")) << table;
    EXPECT_FALSE(has(table, "CANCELLED"));
    EXPECT_FALSE(has(table, "target")) << table;
    EXPECT_FALSE(has(table, "MISSED")) << table;
    for (const std::string& line : lines(table))
        EXPECT_TRUE(line.empty() || line.back() != ' ') << "'" << line << "'";
}

TEST(CompareTable, RatiosWithTheirIntervals)
{
    const std::string table = format_compare_table(outcome());
    // Rounds: 350000 / 190000 = 1.84 and 370000 / 210000 = 1.76.
    const std::string scaling = line_starting(table, "ctor_scaling_2t");
    EXPECT_TRUE(has(scaling, " 1.80 ")) << table;
    EXPECT_TRUE(has(scaling, " to ")) << scaling;
    EXPECT_TRUE(scaling.ends_with(" 1.84 1.76")) << scaling;
    EXPECT_TRUE(has(line_starting(table, "ctor_over_slab_1t"), " 1.20 ")) << table;
    EXPECT_TRUE(has(line_starting(table, "percpu_scaling_2t"), " 1.20 ")) << table;
    EXPECT_TRUE(line_starting(table, "ctor_percpu_allocs_per_cycle").ends_with("0.000")) << table;
}

TEST(CompareTable, MissingRowsAndCancelledRunsAreShown)
{
    shadowslab::CompareReport report = single_row(shadowslab::Strategy::ctor, 100, 5);
    report.meta.cancelled = true;
    CompareOutcome cancelled = outcome(report);
    cancelled.environment.warnings = {"the clocksource is hpet: slow"};
    const std::string table = format_compare_table(cancelled);
    EXPECT_TRUE(has(table, "CANCELLED")) << table;
    EXPECT_TRUE(has(table, "warning: the clocksource is hpet: slow\n")) << table;
    EXPECT_TRUE(has(line_starting(table, "ctor_scaling_2t"), "(needs ctor at 1 and 2 threads)")) << table;
    EXPECT_TRUE(line_starting(table, "ctor_percpu_allocs_per_cycle").ends_with("0.050")) << table;
    // One round, no percpu row: the mean alone, and no speedup to show.
    const std::string ctor1 = line_starting(table, "ctor            1");
    EXPECT_TRUE(has(ctor1, " 100000000 ")) << table;
    EXPECT_FALSE(has(ctor1, "+-")) << ctor1;
}

TEST(CompareJson, SchemaMetaEnvironmentRowsAndRatios)
{
    const Json json = compare_to_json(outcome());
    EXPECT_EQ(json["schema"], "shadowslab-compare/2");

    const Json& meta = json["meta"];
    EXPECT_EQ(meta["date"], "2024-05-01T12:00:00Z");
    EXPECT_EQ(meta["kernel_release"], "6.6.30");
    EXPECT_EQ(meta["module_version"], "0.1");
    EXPECT_EQ(meta["cpus"], "0-1");
    EXPECT_EQ(meta["possible_cpus"], "0-3");
    EXPECT_EQ(meta["profile"]["name"], "kernel");
    EXPECT_EQ(meta["strategies"], (Json{"percpu", "ctor", "slab"}));
    EXPECT_EQ(meta["threads"], (Json{1, 2}));
    EXPECT_EQ(meta["rounds"], 2);
    EXPECT_EQ(meta["duration_ns"], 1'000'000'000);
    EXPECT_EQ(meta["cycles"], 0);
    EXPECT_EQ(meta["cancelled"], false);
    EXPECT_EQ(json["environment"]["clocksource"], "tsc");
    EXPECT_FALSE(json.contains("targets_met"));

    ASSERT_EQ(json["rows"].size(), 6u);
    const Json& ctor2 = json["rows"][4];
    EXPECT_EQ(ctor2["strategy"], "ctor");
    EXPECT_EQ(ctor2["threads"], 2);
    EXPECT_EQ(ctor2["runs"], 2);
    EXPECT_EQ(ctor2["cycles"], 720'000);
    EXPECT_DOUBLE_EQ(ctor2["cycles_per_sec"].get<double>(), 360'000.0);
    EXPECT_DOUBLE_EQ(ctor2["cycles_per_sec_min"].get<double>(), 350'000.0);
    EXPECT_DOUBLE_EQ(ctor2["cycles_per_sec_max"].get<double>(), 370'000.0);
    EXPECT_NEAR(ctor2["cycles_per_sec_stddev"].get<double>(), 14'142.1356, 1e-3);
    EXPECT_NEAR(ctor2["cycles_per_sec_cv"].get<double>(), 14'142.1356 / 360'000, 1e-9);
    EXPECT_DOUBLE_EQ(ctor2["speedup_over_percpu"].get<double>(), 3.0);
    EXPECT_TRUE(ctor2["speedup_over_percpu_ci95_low"].is_number());
    EXPECT_DOUBLE_EQ(ctor2["cost_over_slab"].get<double>(), 400'000.0 / 360'000.0);
    EXPECT_DOUBLE_EQ(ctor2["ns_per_cycle_p50"].get<double>(), 4096.0 + 0.5 * 4096.0);
    EXPECT_DOUBLE_EQ(ctor2["ns_per_cycle_p50_stddev"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(ctor2["percpu_allocs_per_cycle"].get<double>(), 0.0);
    ASSERT_EQ(ctor2["rounds"].size(), 2u);
    EXPECT_EQ(ctor2["rounds"][1]["round"], 1);
    EXPECT_DOUBLE_EQ(ctor2["rounds"][1]["cycles_per_sec"].get<double>(), 370'000.0);
    EXPECT_DOUBLE_EQ(json["rows"][0]["percpu_allocs_per_cycle"].get<double>(), 2.0);

    const Json& ratios = json["ratios"];
    EXPECT_DOUBLE_EQ(ratios["ctor_over_slab_1t"]["value"].get<double>(), 1.2);
    EXPECT_DOUBLE_EQ(ratios["ctor_scaling_2t"]["value"].get<double>(), 1.8);
    EXPECT_LT(ratios["ctor_scaling_2t"]["ci95_low"].get<double>(), 1.8);
    EXPECT_GT(ratios["ctor_scaling_2t"]["ci95_high"].get<double>(), 1.8);
    EXPECT_EQ(ratios["ctor_scaling_2t"]["rounds"].size(), 2u);
    EXPECT_DOUBLE_EQ(ratios["percpu_scaling_2t"]["value"].get<double>(), 1.2);
    EXPECT_DOUBLE_EQ(ratios["ctor_percpu_allocs_per_cycle"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(ratios["speedup_over_percpu"]["ctor_2t"]["value"].get<double>(), 3.0);
    EXPECT_LT(ratios["speedup_over_percpu"]["ctor_2t"]["ci95_low"].get<double>(), 3.0);
    EXPECT_DOUBLE_EQ(ratios["cost_over_slab"]["slab_1t"]["value"].get<double>(), 1.0);
    EXPECT_EQ(ratios["speedup_over_percpu"].size(), 6u);
    EXPECT_EQ(meta["live"], 1);
    EXPECT_EQ(meta["retain"], "partial:5");
    EXPECT_EQ(meta["check"], true);
    EXPECT_EQ(meta["percpu_charge"], false);
    EXPECT_EQ(ctor2["memcg_charged"], "none");
    EXPECT_DOUBLE_EQ(ctor2["retained_percpu_kb"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(ctor2["dtor_calls_per_cycle"].get<double>(), 0.0);
}

TEST(CompareJson, MissingValuesAreNull)
{
    const Json json = compare_to_json(outcome(single_row(shadowslab::Strategy::ctor)));
    EXPECT_TRUE(json["rows"][0]["speedup_over_percpu"].is_null());
    EXPECT_TRUE(json["rows"][0]["speedup_over_percpu_ci95_low"].is_null());
    EXPECT_TRUE(json["rows"][0]["cost_over_slab"].is_null());
    EXPECT_TRUE(json["rows"][0]["warmup_percpu_allocs_per_cycle"].is_null());
    EXPECT_TRUE(json["ratios"]["ctor_over_slab_1t"].is_null());
    EXPECT_TRUE(json["ratios"].contains("percpu_scaling_2t"));
    // One round: a spread of nothing.
    EXPECT_DOUBLE_EQ(json["rows"][0]["cycles_per_sec_stddev"].get<double>(), 0.0);
}

TEST(CompareCsv, SameKeysAsTheJsonRows)
{
    const CompareOutcome sample = outcome();
    const auto csv = lines(format_compare_csv(sample));
    ASSERT_EQ(csv.size(), 7u);
    EXPECT_TRUE(csv[0].starts_with("strategy,threads,runs,cycles,elapsed_ns,cycles_per_sec,cycles_per_sec_stddev,"
                                   "cycles_per_sec_min,cycles_per_sec_max,cycles_per_sec_cv,ns_per_cycle_mean,"))
        << csv[0];
    EXPECT_TRUE(has(csv[0], ",speedup_over_percpu,speedup_over_percpu_ci95_low,speedup_over_percpu_ci95_high,"))
        << csv[0];
    EXPECT_TRUE(csv[0].ends_with(",warmup_percpu_allocs_per_cycle,ctor_calls_per_cycle,dtor_calls_per_cycle,"
                                 "ctor_ns_per_cycle,dtor_ns_per_cycle,remote_frees_per_cycle,mt_upgrades_per_cycle,"
                                 "retained_percpu_kb,check_failures,memcg_charged"))
        << csv[0];

    const Json json = compare_to_json(sample);
    std::vector<std::string> json_keys;
    for (const auto& item : json["rows"][0].items())
        if (item.key() != "rounds")
            json_keys.push_back(item.key());
    EXPECT_EQ(csv_fields(csv[0]), json_keys);
}

TEST(CompareCsv, ValuesMatchTheJson)
{
    const CompareOutcome sample = outcome();
    const auto csv = lines(format_compare_csv(sample));
    const auto header = csv_fields(csv[0]);
    const Json json = compare_to_json(sample);
    for (std::size_t row = 0; row < 6; ++row) {
        const auto fields = csv_fields(csv[row + 1]);
        ASSERT_EQ(fields.size(), header.size()) << csv[row + 1];
        for (std::size_t i = 0; i < header.size(); ++i) {
            const Json& value = json["rows"][row][header[i]];
            if (value.is_string())
                EXPECT_EQ(fields[i], value.get<std::string>());
            else if (value.is_null())
                EXPECT_EQ(fields[i], "");
            else
                EXPECT_DOUBLE_EQ(std::stod(fields[i]), value.get<double>()) << header[i];
        }
    }
    EXPECT_EQ(csv_fields(csv[5])[0], "ctor");
    EXPECT_EQ(csv_fields(csv[5])[1], "2");
}

TEST(CompareCsv, NullIsAnEmptyField)
{
    const auto csv = lines(format_compare_csv(outcome(single_row(shadowslab::Strategy::slab))));
    ASSERT_EQ(csv.size(), 2u);
    const auto header = csv_fields(csv[0]);
    const auto fields = csv_fields(csv[1]);
    const auto field = [&](const std::string& key) {
        return fields[static_cast<std::size_t>(std::find(header.begin(), header.end(), key) - header.begin())];
    };
    EXPECT_EQ(field("speedup_over_percpu"), "");  // no percpu row
    EXPECT_EQ(field("cost_over_slab"), "1");      // slab against itself
    EXPECT_EQ(field("cost_over_slab_ci95_low"), "");  // one round
    EXPECT_EQ(field("warmup_percpu_allocs_per_cycle"), "");  // no warm-up
    EXPECT_EQ(field("memcg_charged"), "none");
}

TEST(CompareColumns, KeysAreUnique)
{
    std::set<std::string> keys;
    for (const shadowctl::CompareColumn& column : shadowctl::compare_columns())
        EXPECT_TRUE(keys.insert(column.key).second) << column.key;
}
