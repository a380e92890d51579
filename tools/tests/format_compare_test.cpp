#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "format_compare.hpp"
#include "sample_results.hpp"

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

}  // namespace

TEST(CompareTable, HasOneLinePerRowAndTheRatios)
{
    const std::string table = format_compare_table(testdata::report());
    EXPECT_NE(table.find("profile mm-6.6, kernel 6.6.30, module 0.1, CPUs 0-1"), std::string::npos) << table;
    EXPECT_NE(table.find("1 round of 1.000 s per run, warm-up 1000 cycles per thread"), std::string::npos) << table;
    EXPECT_NE(table.find("strategy  threads  cycles/s  p50 ns  p99 ns  vs percpu  vs slab  allocs/cycle"), std::string::npos) << table;
    // ctor at 2 threads: 3x percpu, 1.11x the floor's cost, no percpu allocs.
    EXPECT_NE(table.find("ctor            2    360000"), std::string::npos) << table;
    EXPECT_NE(table.find("3.00x    1.11x         0.000"), std::string::npos) << table;
    EXPECT_NE(table.find("percpu          1    100000"), std::string::npos) << table;
    EXPECT_NE(table.find("2.000"), std::string::npos) << table;
    EXPECT_NE(table.find("ctor_over_slab_1t              1.20  <= 1.25  ok"), std::string::npos) << table;
    EXPECT_NE(table.find("ctor_scaling_2t                1.80  >= 1.7   ok"), std::string::npos) << table;
    EXPECT_NE(table.find("percpu_scaling_2t              1.20"), std::string::npos) << table;
    EXPECT_NE(table.find("ctor_percpu_allocs_per_cycle  0.000  0        ok"), std::string::npos) << table;
    EXPECT_EQ(table.find("CANCELLED"), std::string::npos);
    for (const std::string& line : lines(table))
        EXPECT_TRUE(line.empty() || line.back() != ' ') << "'" << line << "'";
}

TEST(CompareTable, MissedTargetsAndMissingRowsAreShown)
{
    using shadowslab::Strategy;
    shadowslab::CompareReport report = testdata::report();
    report.meta.cancelled = true;
    report.result = shadowslab::CompareResult({Strategy::ctor, Strategy::slab}, {1});
    report.result.add(Strategy::ctor, 1, testdata::run(100'000, 1'000'000'000, 1, 5'000), 1000);
    report.result.add(Strategy::slab, 1, testdata::run(200'000, 1'000'000'000, 1), 1000);
    const std::string table = format_compare_table(report);
    EXPECT_NE(table.find("CANCELLED"), std::string::npos);
    EXPECT_NE(table.find("ctor_over_slab_1t              2.00  <= 1.25  MISSED"), std::string::npos) << table;
    EXPECT_NE(table.find("ctor_scaling_2t                   -  >= 1.7   (needs ctor at 1 and 2 threads)"),
              std::string::npos)
        << table;
    EXPECT_NE(table.find("ctor_percpu_allocs_per_cycle  0.050  0        MISSED"), std::string::npos) << table;
    // No percpu row: no speedup to show.
    EXPECT_NE(table.find("ctor            1    100000"), std::string::npos) << table;
}

TEST(CompareJson, SchemaMetaRowsAndRatios)
{
    const Json json = compare_to_json(testdata::report());
    EXPECT_EQ(json["schema"], "shadowslab-compare/1");

    const Json& meta = json["meta"];
    EXPECT_EQ(meta["date"], "2024-05-01T12:00:00Z");
    EXPECT_EQ(meta["kernel_release"], "6.6.30");
    EXPECT_EQ(meta["module_version"], "0.1");
    EXPECT_EQ(meta["cpus"], "0-1");
    EXPECT_EQ(meta["possible_cpus"], "0-3");
    EXPECT_EQ(meta["profile"]["name"], "mm-6.6");
    EXPECT_EQ(meta["strategies"], (Json{"percpu", "ctor", "slab"}));
    EXPECT_EQ(meta["threads"], (Json{1, 2}));
    EXPECT_EQ(meta["duration_ns"], 1'000'000'000);
    EXPECT_EQ(meta["cycles"], 0);
    EXPECT_EQ(meta["cancelled"], false);

    ASSERT_EQ(json["rows"].size(), 6u);
    const Json& ctor2 = json["rows"][4];
    EXPECT_EQ(ctor2["strategy"], "ctor");
    EXPECT_EQ(ctor2["threads"], 2);
    EXPECT_EQ(ctor2["runs"], 1);
    EXPECT_EQ(ctor2["cycles"], 360'000);
    EXPECT_DOUBLE_EQ(ctor2["cycles_per_sec"].get<double>(), 360'000.0);
    EXPECT_DOUBLE_EQ(ctor2["speedup_over_percpu"].get<double>(), 3.0);
    EXPECT_DOUBLE_EQ(ctor2["cost_over_slab"].get<double>(), 400'000.0 / 360'000.0);
    EXPECT_DOUBLE_EQ(ctor2["ns_per_cycle_p50"].get<double>(), 4096.0 + 0.5 * 4096.0);
    EXPECT_DOUBLE_EQ(ctor2["percpu_allocs_per_cycle"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(json["rows"][0]["percpu_allocs_per_cycle"].get<double>(), 2.0);

    const Json& ratios = json["ratios"];
    EXPECT_DOUBLE_EQ(ratios["ctor_over_slab_1t"].get<double>(), 1.2);
    EXPECT_DOUBLE_EQ(ratios["ctor_scaling_2t"].get<double>(), 1.8);
    EXPECT_DOUBLE_EQ(ratios["percpu_scaling_2t"].get<double>(), 1.2);
    EXPECT_DOUBLE_EQ(ratios["ctor_percpu_allocs_per_cycle"].get<double>(), 0.0);
    EXPECT_EQ(json["targets_met"], (Json{{"ctor_over_slab_1t", true},
                                                   {"ctor_scaling_2t", true},
                                                   {"ctor_percpu_allocs_per_cycle", true}}));
}

TEST(CompareJson, MissingValuesAreNull)
{
    using shadowslab::Strategy;
    shadowslab::CompareReport report = testdata::report();
    report.result = shadowslab::CompareResult({Strategy::ctor}, {1});
    report.result.add(Strategy::ctor, 1, testdata::run(100, 1000, 1), 0);
    const Json json = compare_to_json(report);
    EXPECT_TRUE(json["rows"][0]["speedup_over_percpu"].is_null());
    EXPECT_TRUE(json["rows"][0]["cost_over_slab"].is_null());
    EXPECT_TRUE(json["rows"][0]["warmup_percpu_allocs_per_cycle"].is_null());
    EXPECT_TRUE(json["ratios"]["ctor_over_slab_1t"].is_null());
    EXPECT_TRUE(json["ratios"].contains("percpu_scaling_2t"));
    EXPECT_TRUE(json["targets_met"]["ctor_scaling_2t"].is_null());
}

TEST(CompareCsv, SameKeysAsTheJsonRows)
{
    const shadowslab::CompareReport report = testdata::report();
    const auto csv = lines(format_compare_csv(report));
    ASSERT_EQ(csv.size(), 7u);
    EXPECT_EQ(csv[0],
              "strategy,threads,runs,cycles,elapsed_ns,cycles_per_sec,ns_per_cycle_mean,ns_per_cycle_p50,"
              "ns_per_cycle_p99,samples,speedup_over_percpu,cost_over_slab,percpu_allocs_per_cycle,"
              "percpu_frees_per_cycle,warmup_percpu_allocs_per_cycle");

    const Json json = compare_to_json(report);
    std::vector<std::string> json_keys;
    for (const auto& item : json["rows"][0].items())
        json_keys.push_back(item.key());
    const auto header = csv_fields(csv[0]);
    EXPECT_EQ(std::set<std::string>(header.begin(), header.end()),
              std::set<std::string>(json_keys.begin(), json_keys.end()));
}

TEST(CompareCsv, ValuesMatchTheJson)
{
    const shadowslab::CompareReport report = testdata::report();
    const auto csv = lines(format_compare_csv(report));
    const auto header = csv_fields(csv[0]);
    const Json json = compare_to_json(report);
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
    using shadowslab::Strategy;
    shadowslab::CompareReport report = testdata::report();
    report.result = shadowslab::CompareResult({Strategy::slab}, {1});
    report.result.add(Strategy::slab, 1, testdata::run(100, 1000, 1), 0);
    const auto csv = lines(format_compare_csv(report));
    ASSERT_EQ(csv.size(), 2u);
    const auto fields = csv_fields(csv[1]);
    EXPECT_EQ(fields[10], "");   // speedup_over_percpu: no percpu row
    EXPECT_EQ(fields[11], "1");  // cost_over_slab of slab itself
    EXPECT_EQ(fields.back(), "");
}
